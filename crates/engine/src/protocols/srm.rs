//! SRM, Scalable Reliable Multicast (Floyd, Jacobson, Liu, McCanne, Zhang, IEEE/ACM ToN 1997;
//! theory.md section 7). The sender multicasts packets 0 .. M - 1, one per round, over the balanced
//! b-ary tree of `tree.rs`; a multicast floods the tree hop by hop (one round a hop), and a loss
//! on a link hides the packet from the whole subtree beyond it. Receivers NAK what they miss after
//! random delays, with exponential backoff and suppression, and any holder repairs after a random
//! delay, unless it hears a repair first.
//!
//! Rules (d: a node's distance in hops to the sender; d_A: its distance to A; one hop = one round):
//! - Data: the sender multicasts packet m at the start of round m + 1; every multicast (data,
//!   NAK, repair, session) is flooded over the tree: a node forwards a copy to each tree neighbour
//!   except the one it came from, one hop later; each hop is lost independently.
//! - Session: after the last packet the sender multicasts a session message carrying the highest
//!   sequence number every `SESSION_PERIOD` rounds, so a receiver detects a missing last packet.
//! - Gap detection: a node that sees sequence number s (data, repair or session) and lacks some
//!   m < s (or m <= s for a session) sets a request timer for each such m, uniform in
//!   [C1 d, (C1 + C2) d] hops, if it has none pending for m.
//! - Request timer fires: multicast a NAK for m, and back off: the next timer for m is drawn from
//!   [2^i C1 d, 2^i (C1 + C2) d], i the backoffs so far (at most `MAX_BACKOFFS`; then it stays).
//! - Suppression (when on): hearing another's NAK for m while a request timer for m is pending,
//!   back off the same way instead of sending. Off (theory.md: "every missing node NAKs at
//!   once"): the first request for m goes one tick after the gap is seen, others' NAKs are
//!   ignored, and every holder that set a repair timer repairs: the NAK storm. Retries keep their
//!   backoff either way, so both stay reliable.
//! - Repair: a holder of m that hears a NAK for m from A sets a repair timer uniform in
//!   [D1 d_A, (D1 + D2) d_A] hops unless one is pending; when it fires it multicasts the repair.
//!   Hearing a repair for m cancels a pending repair timer for m (suppression, when on).
//! - Crashed nodes: end hosts that neither forward nor answer; the multicast routing goes around
//!   them: a copy for a crashed neighbour goes straight to that neighbour's other tree neighbours
//!   (its children, and its parent or siblings), in the same hop, and they forward it on. So
//!   every live node stays connected, a crash costs only that node, and nothing is sent to it.
//!
//! Time (theory.md section 7: one hop = one round, as for the tree): the first hop of a
//! multicast is delivered in the tick it is sent, and each further hop `HOP` ticks later (a node
//! forwards with `send_after(.., HOP)`), so without loss packet m reaches depth d in round m + d
//! and the stream completes in M - 1 + depth rounds. Timers are drawn in whole ticks with the
//! run's generator (integers only), at least one tick (so C1 = C2 = 0 cannot loop in a tick). A
//! node only forwards a copy to tree neighbours other than the one it came through (`Body::via`).
//! Gap detection uses what a node holds now (`knows`); answering a NAK needs the packet from
//! before this tick (`knew`). A node that hears a NAK for a packet it lacks but has not yet
//! missed (no request timer) ignores it. The sender's stream timer has no name: it is internal,
//! and not reported among the pending timers.
//!
//! Parameters: M packets, C1, C2, D1, D2 (ns-2's defaults 2, 2, 1, 1), suppression on/off.

use super::stream;
use super::tree::Tree;
use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::protocol::{Datagram, Net, Protocol, Structure};
use crate::report::{Kind, Look, TICKS_PER_ROUND, Tick};
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};

/// One hop of the multicast tree, in ticks: a round.
pub const HOP: Tick = TICKS_PER_ROUND;
/// Rounds between the sender's session messages after its last packet.
pub const SESSION_PERIOD: u32 = 4;
/// Backoffs per packet at most (ns-2's SRM agent).
pub const MAX_BACKOFFS: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Request timer: uniform in [C1 d, (C1 + C2) d] hops.
    pub c1: f64,
    pub c2: f64,
    /// Repair timer: uniform in [D1 d_A, (D1 + D2) d_A] hops.
    pub d1: f64,
    pub d2: f64,
    /// Whether hearing an equal NAK or repair suppresses one's own.
    pub suppression: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            c1: 2.0,
            c2: 2.0,
            d1: 1.0,
            d2: 1.0,
            suppression: true,
        }
    }
}

pub struct Srm {
    pub tree: Tree,
    pub packets: u32,
    pub params: Params,
}

pub const DATA: u8 = 0;
pub const NAK: u8 = 1;
pub const REPAIR: u8 = 2;
pub const SESSION: u8 = 3;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "data",
        payload: true,
        look: Look::Data,
        label: "data packet",
    },
    Kind {
        name: "nak",
        payload: false,
        look: Look::Request,
        label: "NAK (request)",
    },
    Kind {
        name: "repair",
        payload: true,
        look: Look::Repair,
        label: "repair",
    },
    Kind {
        name: "session",
        payload: false,
        look: Look::EmptyReply,
        label: "session message",
    },
];

/// What a datagram carries: the packet (sequence number) it is about (for a session message, the
/// highest one sent), who multicast it, and the receiver's tree neighbour it came through (the
/// one not to send it back to; a crashed neighbour when the copy went around it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Body {
    pub packet: u32,
    pub origin: u32,
    pub via: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// The sender's turn to multicast packet m (or, from M on, a session message). Internal: not
    /// reported as a pending timer.
    Send(u32),
    /// Request (NAK) timer for packet m.
    Request(u32),
    /// Repair timer for packet m.
    Repair(u32),
}

/// Per node: backoffs so far for each packet (index m; empty until a first gap).
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub backoffs: Vec<u8>,
}

impl Srm {
    /// The tree neighbours of `node`: its parent, then its children.
    fn neighbours(&self, node: u32) -> impl Iterator<Item = u32> {
        self.tree
            .parent(node)
            .into_iter()
            .chain(self.tree.children(node))
    }

    /// Hops between `a` and `b` along the tree, through their lowest common ancestor.
    pub fn distance(&self, mut a: u32, mut b: u32) -> u32 {
        let (mut depth_a, mut depth_b) = (self.tree.depth(a), self.tree.depth(b));
        let mut hops = 0;
        while a != b {
            if depth_a >= depth_b {
                a = self.tree.parent(a).expect("deeper than the other");
                depth_a -= 1;
            } else {
                b = self.tree.parent(b).expect("deeper than the other");
                depth_b -= 1;
            }
            hops += 1;
        }
        hops
    }

    /// Floods a multicast one step on from `node`: a copy to each tree neighbour but `exclude`,
    /// `extra` ticks on the way. A crashed neighbour is routed around: its own neighbours get the
    /// copy directly.
    fn flood(
        &self,
        net: &mut impl Net<Self>,
        node: u32,
        exclude: Option<u32>,
        kind: u8,
        body: Body,
        extra: Tick,
    ) {
        for next in self.neighbours(node) {
            if Some(next) != exclude {
                self.reach(net, node, node, next, kind, body, extra);
            }
        }
    }

    /// Sends `node`'s copy towards `next`, which it reaches through `previous`.
    #[allow(clippy::too_many_arguments)]
    fn reach(
        &self,
        net: &mut impl Net<Self>,
        node: u32,
        previous: u32,
        next: u32,
        kind: u8,
        body: Body,
        extra: Tick,
    ) {
        if net.is_crashed(next) {
            for beyond in self.neighbours(next) {
                if beyond != previous {
                    self.reach(net, node, next, beyond, kind, body, extra);
                }
            }
        } else {
            let body = Body {
                via: previous,
                ..body
            };
            net.send_after(node, next, kind, body, extra);
        }
    }

    /// Starts a multicast at `node`: its neighbours get it at once (the first hop, in this
    /// round), the rest one hop per round.
    fn multicast(&self, net: &mut impl Net<Self>, node: u32, kind: u8, packet: u32) {
        net.count_multicast(kind);
        let body = Body {
            packet,
            origin: node,
            via: node,
        };
        self.flood(net, node, None, kind, body, 0);
    }

    /// The backoffs so far for packet m at `node`.
    fn backoffs<'a>(&self, net: &'a mut impl Net<Self>, node: u32, packet: u32) -> &'a mut u8 {
        let backoffs = &mut net.state_mut(node).backoffs;
        if backoffs.is_empty() {
            backoffs.resize(self.packets as usize, 0);
        }
        &mut backoffs[packet as usize]
    }

    /// Arms the request timer for packet m, drawn from [2^i C1 d, 2^i (C1 + C2) d] hops. Without
    /// suppression the first request goes at once (theory.md section 7: "every missing node NAKs
    /// at once", the storm); the retries keep their backoff, so the run stays reliable.
    fn arm_request(&self, net: &mut impl Net<Self>, node: u32, packet: u32) {
        let backoffs = *self.backoffs(net, node, packet);
        let scale = f64::from(1u32 << backoffs);
        let d = f64::from(self.tree.depth(node));
        let (c1, c2) = (self.params.c1, self.params.c2);
        // At least one tick, so C1 = C2 = 0 cannot loop within a tick.
        let after = if !self.params.suppression && backoffs == 0 {
            1
        } else {
            uniform_hops(net, scale * c1 * d, scale * (c1 + c2) * d).max(1)
        };
        net.set_timer(node, after, Timer::Request(packet));
    }

    /// Backs off the request for packet m: the next interval is twice as long (at most
    /// `MAX_BACKOFFS` doublings), and the timer is drawn again.
    fn back_off(&self, net: &mut impl Net<Self>, node: u32, packet: u32) {
        net.cancel_timer(node, Timer::Request(packet));
        let backoffs = self.backoffs(net, node, packet);
        *backoffs = (*backoffs + 1).min(MAX_BACKOFFS as u8);
        self.arm_request(net, node, packet);
    }

    /// Gap detection: a request timer for every packet below `end` that `node` lacks and has
    /// none pending for.
    fn detect_gaps(&self, net: &mut impl Net<Self>, node: u32, end: u32) {
        for packet in 0..end.min(self.packets) {
            if !net.knows(node, packet) && !net.has_timer(node, Timer::Request(packet)) {
                self.arm_request(net, node, packet);
            }
        }
    }
}

/// Ticks uniform in [low, high] hops (rounded to whole ticks; integer draws, so every platform
/// gives the same run).
fn uniform_hops(net: &mut impl Net<Srm>, low: f64, high: f64) -> Tick {
    let hop = HOP as f64;
    let low = (low * hop).round() as u64;
    let high = ((high * hop).round() as u64).max(low);
    let span = (high - low + 1).min(u64::from(u32::MAX)) as u32;
    low + u64::from(net.rng().below(span))
}

impl Protocol for Srm {
    type Node = Node;
    type Body = Body;
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;

    fn messages(&self) -> u32 {
        self.packets
    }

    fn timer_name(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Request(_) => "request (NAK) timer",
            Timer::Repair(_) => "repair timer",
            Timer::Send(_) => "",
        }
    }

    fn start(&self, net: &mut impl Net<Self>) {
        net.set_timer(0, 0, Timer::Send(0));
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        match timer {
            // Rule: packet m at the start of round m + 1; then a session message every
            // SESSION_PERIOD rounds, from the round after the last packet.
            Timer::Send(packet) if packet < self.packets => {
                self.multicast(net, node, DATA, packet);
                net.set_timer(node, HOP, Timer::Send(packet + 1));
            }
            Timer::Send(packet) => {
                self.multicast(net, node, SESSION, self.packets - 1);
                let period = Tick::from(SESSION_PERIOD) * HOP;
                net.set_timer(node, period, Timer::Send(packet));
            }
            // Rule: multicast a NAK, back off, ask again later unless m comes first.
            Timer::Request(packet) => {
                if !net.knows(node, packet) {
                    self.multicast(net, node, NAK, packet);
                    self.back_off(net, node, packet);
                }
            }
            // Rule: multicast the repair.
            Timer::Repair(packet) => self.multicast(net, node, REPAIR, packet),
        }
    }

    /// Rule: a member back from a crash asks for the packets that passed it while it was down:
    /// those that left early enough to have reached its depth by now (what the sender's next
    /// session message would reveal), each on its request timer.
    fn on_recover(&self, net: &mut impl Net<Self>, node: u32) {
        if node != 0 {
            let passed = net.round().saturating_sub(self.tree.depth(node));
            self.detect_gaps(net, node, passed);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<Body>) {
        let Datagram {
            from,
            to,
            kind,
            body,
        } = datagram;
        let Body {
            packet,
            origin,
            via,
        } = body;
        // Multicast routing: on to every other tree neighbour, one hop later.
        self.flood(net, to, Some(via), kind, body, HOP);
        match kind {
            DATA | REPAIR => {
                if net.learn(to, packet, from) {
                    net.cancel_timer(to, Timer::Request(packet));
                }
                if kind == REPAIR && self.params.suppression {
                    net.cancel_timer(to, Timer::Repair(packet));
                }
                self.detect_gaps(net, to, packet);
            }
            SESSION => self.detect_gaps(net, to, packet + 1),
            NAK => {
                if net.knew(to, packet) {
                    if !net.has_timer(to, Timer::Repair(packet)) {
                        let d = f64::from(self.distance(to, origin).max(1));
                        let (d1, d2) = (self.params.d1, self.params.d2);
                        let after = uniform_hops(net, d1 * d, (d1 + d2) * d);
                        net.set_timer(to, after, Timer::Repair(packet));
                    }
                } else if self.params.suppression && net.has_timer(to, Timer::Request(packet)) {
                    self.back_off(net, to, packet);
                }
            }
            _ => {}
        }
    }
}

/// Mean nodes at and below a link of the balanced b-ary tree on N nodes, each of the N - 1 links
/// equally likely: the nodes that miss a packet when that link drops it (ignoring other losses).
pub fn mean_missing_subtree(nodes: u32, fanout: u32) -> f64 {
    if nodes < 2 {
        return 0.0;
    }
    let tree = Tree {
        fanout,
        nodes,
        params: super::tree::Params::default(),
    };
    // Subtree sizes, children before parents (they have higher numbers).
    let mut size = vec![1u64; nodes as usize];
    for node in (1..nodes).rev() {
        let parent = tree.parent(node).expect("not the root") as usize;
        size[parent] += size[node as usize];
    }
    size[1..].iter().sum::<u64>() as f64 / f64::from(nodes - 1)
}

// --- The descriptor ---

pub struct SrmSpec;
pub static SPEC: SrmSpec = SrmSpec;

static WORDS: Words = Words {
    title: "SRM",
    explanation: "SRM: the sender streams packets down the tree; a loss on a link hides a packet from the whole \
        subtree below it. Every receiver that misses it waits a random time that grows with its distance, \
        then multicasts a NAK; hearing someone else's NAK first, it holds its own back (suppression), and \
        one holder repairs. Turn suppression off to see the NAK storm it prevents. Suppression buys less \
        traffic, not speed: those random waits delay every repair, so without suppression the run ends \
        sooner, at several times the datagrams. SRM (Floyd et al., 1995–97) \
        carried the LBL whiteboard over the MBone, where no sender could track every receiver.",
    informed: "hold every packet",
    fanout: "children per node (the tree's arity), 1 to 16",
    click: "Click a node to see which packets it holds and its timers.",
    done: "every live node holds every packet",
    ended: "some live nodes miss packets that nobody can repair",
};

const NAK_FIGURE: &str = "NAKs per node that missed a packet";
/// The lesson's figure holds while a packet meets at most about one loss on its way down.
const SINGLE_LOSS: f64 = 0.1;

impl ProtocolSpec for SrmSpec {
    fn name(&self) -> &'static str {
        "srm"
    }
    fn group(&self) -> Group {
        Group::Multicast
    }
    fn about(&self) -> &'static str {
        "Scalable Reliable Multicast: a packet stream over the tree, NAKs and repairs with suppression"
    }
    fn params(&self) -> &'static [&'static str] {
        &[
            "mode",
            "nodes",
            "fanout",
            "loss",
            "crash",
            "seed",
            "max_rounds",
            "burst",
            "crash_at",
            "packets",
            "suppression",
            "c1",
            "c2",
            "d1",
            "d2",
        ]
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn structure(&self, config: &Config) -> Structure {
        Structure::Tree {
            fanout: config.fanout,
        }
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        on_events(
            Srm {
                tree: Tree {
                    fanout: config.fanout,
                    nodes: config.nodes,
                    params: super::tree::Params::default(),
                },
                packets: config.packets,
                params: config.srm,
            },
            config,
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        let depth = super::tree::depth_of(config.nodes, config.fanout);
        let srm = config.srm;
        let wait = 32.0 * (srm.c1 + srm.c2 + srm.d1 + srm.d2 + 2.0) * f64::from(depth.max(1));
        stream::round_limit(config, depth, wait)
    }
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64> {
        let depth = super::tree::depth_of(config.nodes, config.fanout);
        let Some(rounds) = stream::rounds(config, depth) else {
            return Vec::new();
        };
        let n = f64::from(config.nodes);
        let b = f64::from(config.fanout);
        (0..=rounds.min(max_points as u32))
            .map(|round| {
                // The nodes within r - M + 1 hops hold every packet.
                let hops = (round + 1).saturating_sub(config.packets);
                let reached = if config.fanout == 1 {
                    f64::from(hops) + 1.0
                } else {
                    (b.powi(hops as i32 + 1) - 1.0) / (b - 1.0)
                };
                reached.min(n) / n
            })
            .collect()
    }
    fn expected_rounds(&self, config: &Config) -> Option<u32> {
        stream::rounds(config, super::tree::depth_of(config.nodes, config.fanout))
    }
    fn closed_form(&self, config: &Config) -> Option<(f64, &'static str)> {
        self.expected_rounds(config).map(|rounds| {
            (
                f64::from(rounds),
                "M - 1 + depth without loss: the last packet's trip down the tree (theory.md section 7)",
            )
        })
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: "theory.md section 7: M - 1 + depth rounds without loss; NAKs per loss about 1 / S with suppression (Floyd et al. 1997)",
            assumptions: "the stream's curve holds without loss or crashes; repairs under loss have no closed form",
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        if self.expected_rounds(config).is_some() {
            "theory: without loss every packet takes the tree's depth, M − 1 + depth rounds, dashed"
                .into()
        } else {
            "no closed-form theory for repairs under loss or crashes: no theory curve is drawn (without loss: M − 1 + depth rounds)".into()
        }
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        // With suppression one NAK serves everyone below the lossy link, about 1 / S for a
        // subtree of S; without, every one of them asks: about 1. Both assume one loss on a
        // packet's way down (loss x depth small); with more, repairs are lost and asked for again,
        // and one repair's flood serves other subtrees too: no closed form.
        let depth = super::tree::depth_of(config.nodes, config.fanout);
        let losses_on_the_way = config.mean_loss() * f64::from(depth);
        let (expected, why) = if losses_on_the_way > SINGLE_LOSS {
            (
                None,
                format!(
                    "no closed form: {losses_on_the_way:.2} losses on a packet's way down (loss × depth), more than one in ten"
                ),
            )
        } else if config.srm.suppression {
            let subtree = mean_missing_subtree(config.nodes, config.fanout);
            (
                Some(1.0 / subtree.max(1.0)),
                format!(
                    "suppression: one NAK serves the {} nodes below a lossy link, or fewer",
                    // A mean: one decimal while it is small, whole nodes after.
                    if subtree < 10.0 {
                        format!("{subtree:.1}")
                    } else {
                        format!("{subtree:.0}")
                    }
                ),
            )
        } else {
            (
                Some(1.0),
                "no suppression: every node that missed it asks, at once".into(),
            )
        };
        let measured = measures.and_then(|measures| {
            let missed = measures.totals.repaired;
            (missed > 0)
                .then(|| measures.totals.multicasts[usize::from(NAK)] as f64 / missed as f64)
        });
        Some(Lesson {
            figure: NAK_FIGURE,
            expected,
            why,
            measured,
        })
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(NAK_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn page_nodes(&self) -> u32 {
        // Every NAK and repair floods every node: a round can cost N times the losses.
        2_000
    }
    fn node_bytes(&self, config: &Config) -> u64 {
        // Per packet: a request and a repair timer's state.
        32 * u64::from(config.packets)
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        // A flood forwards every NAK and repair over each tree link: per node, per packet lost.
        u64::from(config.fanout + 1) * u64::from(config.packets) * 2
    }
}
