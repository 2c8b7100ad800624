//! SRM, Scalable Reliable Multicast (Floyd, Jacobson, Liu, McCanne, Zhang, IEEE/ACM ToN 1997),
//! with the rules of ns-2's SRM agent (`tcl/mcast/srm.tcl`, `srm-adaptive.tcl`, `mcast/srm.cc`;
//! theory.md section 7). The sender multicasts packets 0 .. M - 1, one per round, over the
//! balanced b-ary tree of `tree.rs`; a multicast floods the tree hop by hop, and a loss on a link
//! hides the packet from the whole subtree beyond it.
//!
//! Rules (d(X): a member's distance to X in hops, from session messages; timers in hops):
//! - Data: the sender multicasts packet m at the start of round m + 1; every multicast (data,
//!   request, repair, session) is flooded over the tree: a node forwards a copy to each tree
//!   neighbour except the one it came from; each link loses a copy independently (`loss`), and
//!   `drop` loses the sender's data packet on a named link.
//! - Session: every member multicasts a session message as the session starts (tick 0) and then
//!   every `session_period` rounds, each period drawn U[0.9, 1.1] times the base (ns-2's
//!   jitter). It carries the send time and how many packets the member has seen. A receiver sets
//!   d(origin) from the time it took, in hops (ns-2 halves a measured round trip: the same on
//!   these symmetric links, whose clocks agree); until then d is `DEFAULT_DISTANCE`. N² copies a
//!   period: each message's copies arriving at one tick are one event (`Sessions`), drawn and
//!   counted copy by copy as the flood would; a member keeps a bit per other one (measured or
//!   not: the hops are the tree's, less the crashed members passed, see `Node::passed`).
//! - Gap detection: data, a repair or a session message showing packets a member lacks sets a
//!   request timer for each; so does a request for a packet beyond what the member has seen
//!   (ns-2: the request reveals the gap, without backing off).
//! - Request timer: U[C1, C1 + C2] d(sender) hops times the backoff 2^k (k the backoffs so far,
//!   at most `MAX_BACKOFFS` doublings). When it fires the member multicasts a request (NAK) and,
//!   hearing its own, backs off as below.
//! - Hearing a request for a packet it also misses, its timer pending: cancel, reschedule with
//!   the next backoff, and ignore further requests for that packet until half the new delay has
//!   passed (suppression; off: others' requests are ignored and the first request goes one tick
//!   after the gap is seen, the NAK storm).
//! - Repair timer: a member holding the packet sets U[D1, D1 + D2] d(requestor) hops, unless one
//!   is pending or it is in the hold-down; hearing another member's repair cancels it
//!   (suppression). It multicasts the repair when it fires.
//! - Hold-down: after a repair is sent or heard (a requester's data arriving, or a pending repair
//!   cancelled), requests for that packet are ignored for 3 d (d(sender) for a requester,
//!   d(requestor) for a repairer).
//! - Adaptive (`srm adaptive`): each member tunes its own C1, C2, D1, D2 before each new
//!   request or repair towards one duplicate and one RTT of delay, with ns-2's steps and bounds
//!   (`Adaptive`), and backs requests off by 3 instead of 2 (ns-2's adaptive agent).
//! - Crashed members: end hosts that neither forward nor answer; IP multicast's routers carry
//!   the flood around them: a copy for a crashed neighbour goes straight to that neighbour's
//!   other tree neighbours in the same hop. (The tree protocol's nodes are themselves the
//!   forwarders, so there a crash cuts the subtree off.)
//!
//! Time (theory.md section 7: one hop = one round, as for the tree): the sender's data reaches
//! its children in the tick it is sent and each further hop `HOP` ticks later, so without loss
//! packet m reaches depth d in round m + d and the stream completes in M - 1 + depth rounds;
//! every other multicast (request, repair, session) takes `HOP` ticks on every hop, its first
//! included, so a request between two leaves of a star takes 2 hops (theory.md's delta). Timers are drawn in whole ticks (integer draws: every platform gives the same
//! run), at least one tick. Gap detection uses what a node holds now (`knows`); answering a
//! request needs the packet from before this tick (`knew`).

use super::stream::{self, Drops};
use super::tree::Tree;
use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::params::{Domain, Param, Value};
use crate::protocol::{Copies, Datagram, Net, Protocol, Structure};
use crate::report::{Contact, Fate, Kind, Look, TICKS_PER_ROUND, Tick};
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};
use std::cell::RefCell;

/// One hop of the multicast tree, in ticks: a round.
pub const HOP: Tick = TICKS_PER_ROUND;
/// The session period's base, in rounds: a member's period is this times 1 + ln N (ns-2's
/// log-scaled session schedule, which keeps the N² session datagrams a period affordable).
pub const SESSION_BASE: f64 = 4.0;
/// Backoffs per packet at most (ns-2's `requestBackoffLimit_`).
pub const MAX_BACKOFFS: u32 = 5;
/// The distance, in hops, a member assumes to another until a session message measures it: ns-2
/// starts every distance at 1 s, its session period (`distance_(1.0)`, `sessionDelay_ 1.0`);
/// here the session period's base.
pub const DEFAULT_DISTANCE: f64 = SESSION_BASE;
/// After a repair, requests for the packet are ignored for this many d (ns-2's 3 d hold-down).
pub const HOLD_DOWN: f64 = 3.0;

/// Fixed timer constants, or each member's own, adapted (ns-2's `Agent/SRM/Adaptive`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Fixed,
    Adaptive,
}

impl Variant {
    pub const NAMES: &'static [&'static str] = &["fixed", "adaptive"];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Fixed => "fixed",
            Variant::Adaptive => "adaptive",
        }
    }

    pub fn of(config: &Config) -> Variant {
        match config.own_value("srm") {
            Value::Choice("adaptive") => Variant::Adaptive,
            _ => Variant::Fixed,
        }
    }
}

/// SRM's own parameters (the timer constants are `Config::srm`'s).
static OWN_PARAMS: [Param; 1] = [Param {
    key: "srm",
    url: Some("srm"),
    label: "SRM timers",
    domain: Domain::Choice(Variant::NAMES),
    default: "fixed",
    help: "srm: fixed C1, C2, D1, D2, or adaptive: each member tunes its own towards one duplicate and one RTT of delay (ns-2's steps and bounds: C1 in [0.5, 2], C2 in [1, N], D1 in [0.5, log10 N], D2 in [1, N]; D1 = D2 = log10 N at the first repair; backoff 3)",
    get: |config| config.own_value("srm"),
    set: |config, value| config.set_own("srm", value),
}];

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
    pub variant: Variant,
    pub drops: Drops,
    /// The session period's base in ticks (each period is U[0.9, 1.1] times it).
    pub session_period: Tick,
    /// The session messages' walks: scratch, and the measurements still on their way.
    pub sessions: RefCell<Sessions>,
    /// Per member A and member B, a bit: a session message of A has reached B, so B's d(A) is
    /// measured; the value is the hops of the tree path (`Srm::distance`). A's row holds a bit
    /// per B, so that the copies of A's message, which reach B after B in the tree's order,
    /// write one row in turn rather than a row of every member.
    pub measured: RefCell<Vec<u64>>,
}

/// The session messages on their way: one event per hop of each, not one per copy.
#[derive(Debug, Default)]
pub struct Sessions {
    /// By slot; a landed message's slot is reused.
    flights: Vec<Flight>,
    free: Vec<u32>,
    /// Room for the copies of the hop being sent.
    next: Vec<Arriving>,
    /// The members down as the run started.
    first_crashed: Vec<bool>,
    /// Whether a member has crashed or come back since: a distance measured before may then
    /// differ from the path's now, so each member keeps what it measures (`Node::passed`).
    changed: bool,
}

/// `Node::passed` for a distance measured before any crash or recovery: the crashed members on
/// the path as the run started.
const AS_STARTED: u8 = u8::MAX;

/// A session copy on its way: its receiver, the tree neighbour it comes through, its sender, and
/// the crashed members the message has passed (each in the same hop: one hop fewer than links).
type Arriving = (u32, u32, u32, u8);

/// One session message on its way.
#[derive(Clone, Debug, Default)]
struct Flight {
    origin: u32,
    /// Packets its origin had seen when it left.
    seen: u32,
    /// When the copies in `arriving` arrive.
    due: Tick,
    /// The copies arriving at the next hop (exactly as many as there are: thousands of
    /// messages fly at once).
    arriving: Vec<Arriving>,
}

impl Srm {
    pub fn new(config: &Config) -> Srm {
        Srm {
            tree: Tree {
                fanout: config.fanout,
                nodes: config.nodes,
                params: super::tree::Params::default(),
            },
            packets: config.packets,
            params: config.srm,
            variant: Variant::of(config),
            drops: config.drops,
            session_period: (session_rounds(config.nodes) * HOP as f64).round() as Tick,
            sessions: RefCell::new(Sessions::default()),
            measured: RefCell::new(Vec::new()),
        }
    }
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

/// What a datagram (data, a request or a repair) carries: the packet (sequence number) it is
/// about, who multicast it, the receiver's tree neighbour it came through (not to send it back
/// to), and the origin's distance to the sender (requests) or to the requestor (repairs), which
/// the adaptive variant compares with its own. (Session messages are carried as `Flight`s: the
/// time a copy took is its hops.) Small, as thousands wait in the queue at N = 10,000.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Body {
    pub packet: u32,
    pub origin: u32,
    pub via: u32,
    pub distance: f32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// The sender's turn to multicast packet m. Internal: not reported as a pending timer.
    Send(u32),
    /// A member's next session message. Internal.
    Session,
    /// The next hop of the session message in this slot of `Sessions` (`Net::wake_after`).
    Hop(u32),
    /// Request (NAK) timer for packet m.
    Request(u32),
    /// Repair timer for packet m.
    Repair(u32),
}

/// A member's recovery state for one packet.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Loss {
    /// Backoffs so far (k: the next request timer is scaled by 2^k, or 3^k adaptive).
    pub backoffs: u8,
    /// When the loss was detected.
    pub detected: Tick,
    /// The request timer's last delay, in ticks.
    pub delay: Tick,
    /// Requests for the packet are ignored before this tick (half a backoff, or the hold-down).
    pub ignore_until: Tick,
    /// The member whose request the repair timer answers.
    pub requestor: u32,
    /// Adaptive: this member sent a request, or a repair, for the packet.
    pub sent_request: bool,
    pub sent_repair: bool,
    /// When the repair timer was set.
    pub repair_set: Tick,
}

/// ns-2's adaptive timer constants of one member (`srm-adaptive.tcl`), with the averages they
/// steer by: duplicates per loss and recovery delay in RTTs, as EWMAs (alpha 0.25; -1: none yet).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adaptive {
    pub c1: f64,
    pub c2: f64,
    pub d1: f64,
    pub d2: f64,
    /// Group size G, which sets the upper bounds.
    pub group: f64,
    pub ave_dup_req: f64,
    pub dup_req: f64,
    pub ave_req_delay: f64,
    pub closest_requestor: bool,
    pub ave_dup_rep: f64,
    pub dup_rep: f64,
    pub ave_rep_delay: f64,
    pub closest_repairor: bool,
}

/// ns-2's targets: one duplicate, one RTT of delay, with a margin eps.
const AVE_DUPS: f64 = 1.0;
const AVE_DELAY: f64 = 1.0;
const EPS: f64 = 0.1;
const ALPHA: f64 = 0.25;

/// An EWMA step; a negative average means none yet: the value itself.
pub fn ewma(average: f64, value: f64) -> f64 {
    if average < 0.0 {
        value
    } else {
        (1.0 - ALPHA) * average + ALPHA * value
    }
}

fn clamp(value: f64, min: f64, max: f64) -> f64 {
    // ns-2's check-bounds: below the minimum first (log10 G may be under 0.5).
    if value < min {
        min
    } else if value > max {
        max
    } else {
        value
    }
}

impl Adaptive {
    pub fn new(params: Params, group: u32) -> Adaptive {
        Adaptive {
            c1: params.c1,
            c2: params.c2,
            d1: params.d1,
            d2: params.d2,
            group: f64::from(group),
            ave_dup_req: -1.0,
            dup_req: 0.0,
            ave_req_delay: -1.0,
            closest_requestor: false,
            ave_dup_rep: -1.0,
            dup_rep: 0.0,
            ave_rep_delay: -1.0,
            closest_repairor: false,
        }
    }

    fn log_group(&self) -> f64 {
        self.group.log10()
    }

    /// C1 in [0.5, 2], C2 in [1, G], D1 in [0.5, log10 G], D2 in [1, G].
    pub fn check_bounds(&mut self) {
        self.c1 = clamp(self.c1, 0.5, 2.0);
        self.c2 = clamp(self.c2, 1.0, self.group);
        self.d1 = clamp(self.d1, 0.5, self.log_group());
        self.d2 = clamp(self.d2, 1.0, self.group);
    }

    /// Before a new request: ns-2's `recompute-request-params`.
    pub fn recompute_request(&mut self) {
        if self.ave_req_delay < 0.0 {
            // The first loss this member sees: only the bounds.
            self.check_bounds();
            return;
        }
        self.ave_dup_req = ewma(self.ave_dup_req, self.dup_req);
        self.dup_req = 0.0;
        if self.closest_requestor {
            self.c2 -= 0.1;
            self.closest_requestor = false;
        } else if self.ave_dup_req >= AVE_DUPS {
            self.c1 += 0.1;
            self.c2 += 0.5;
        } else if self.ave_dup_req < AVE_DUPS - EPS {
            if self.ave_req_delay > AVE_DELAY {
                self.c2 -= 0.1;
            }
            if self.ave_dup_req < 0.25 {
                self.c1 -= 0.05;
            }
        } else {
            self.c1 += 0.05;
        }
        self.check_bounds();
    }

    /// Sending a first request: C1 -= 0.1, and this member was the closest so far.
    pub fn sending_request(&mut self) {
        self.c1 -= 0.1;
        self.closest_requestor = true;
        self.check_bounds();
    }

    /// Before a new repair: ns-2's `recompute-repair-params` (D1 = D2 = log10 G the first time).
    pub fn recompute_repair(&mut self) {
        if self.ave_rep_delay < 0.0 {
            self.d1 = self.log_group();
            self.d2 = self.log_group();
            self.check_bounds();
            return;
        }
        self.ave_dup_rep = ewma(self.ave_dup_rep, self.dup_rep);
        self.dup_rep = 0.0;
        if self.closest_repairor {
            self.d2 -= 0.1;
            self.closest_repairor = false;
        } else if self.ave_dup_rep >= AVE_DUPS {
            self.d1 += 0.1;
            self.d2 += 0.5;
        } else if self.ave_dup_rep < AVE_DUPS - EPS {
            if self.ave_rep_delay > AVE_DELAY {
                self.d2 -= 0.1;
            }
            if self.ave_dup_rep < 0.25 {
                self.d1 -= 0.05;
            }
        } else {
            self.d1 += 0.05;
        }
        self.check_bounds();
    }

    /// Sending a first repair: D1 -= 0.1, and this member was the closest so far.
    pub fn sending_repair(&mut self) {
        self.d1 -= 0.1;
        self.closest_repairor = true;
        self.check_bounds();
    }
}

/// Per member: distances, what it has seen, its losses and (adaptive) its own constants.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Whether the member holds the state it started with (unset: back from a crash empty, its
    /// distances all unmeasured again).
    pub started: bool,
    /// Per member, once a member has crashed or come back during the run: the crashed members
    /// the last session message from it passed on its way here (`AS_STARTED`: measured before).
    /// d is the tree's hops minus these, as measured: a crash or recovery since changes it only
    /// when the next one arrives. Before any change, the path's crashed members are the ones
    /// down from the start: no need to keep them.
    pub passed: Vec<u8>,
    /// Back from a crash with its state: it may lack packets below `seen` with no request timer,
    /// which any session message would reveal.
    pub untimed: bool,
    /// Packets seen: one more than the highest sequence number met in data, repairs, requests or
    /// session messages.
    pub seen: u32,
    /// Per packet (empty until a first loss or request).
    pub losses: Vec<Loss>,
    /// Adaptive: this member's constants (set at its first loss or repair). Boxed: a member's
    /// state is read for every request and repair copy that reaches it, and stays one cache
    /// line without them.
    pub adaptive: Option<Box<Adaptive>>,
    /// Per packet, a bit: its request timer is pending (the driver's list of the member's
    /// timers, kept here too: every copy of a request or repair asks, and a bit costs no search).
    pub requesting: u64,
    /// Per packet, a bit: its repair timer is pending.
    pub repairing: u64,
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
            // A planned loss: the sender's data on the link into `next`.
            if kind == DATA && self.drops.drops(body.packet, next) {
                net.lose_after(node, next, kind, body, extra);
            } else {
                net.send_after(node, next, kind, body, extra);
            }
        }
    }

    /// Starts a multicast at `node`, one hop per round. The sender's data reaches its children
    /// within the round it leaves (the stream's clock, as in the tree protocol); every other
    /// multicast's first hop takes a round too, so nothing overtakes the data it reports on.
    fn multicast(&self, net: &mut impl Net<Self>, node: u32, kind: u8, packet: u32, distance: f64) {
        net.count_multicast(kind);
        let first_hop = if kind == DATA { 0 } else { HOP };
        let body = Body {
            packet,
            origin: node,
            via: node,
            distance: distance as f32,
        };
        self.flood(net, node, None, kind, body, first_hop);
    }

    /// d(other) at `node`, in hops: measured, or `DEFAULT_DISTANCE`.
    pub fn distance_to(&self, net: &impl Net<Self>, node: u32, other: u32) -> f64 {
        if self.measured(net, node, other) {
            let passed = match net.state(node).passed.get(other as usize) {
                Some(&passed) if passed != AS_STARTED => u32::from(passed),
                _ => self.crashed_between(node, other),
            };
            f64::from(self.distance(node, other).saturating_sub(passed).max(1))
        } else {
            DEFAULT_DISTANCE
        }
    }

    /// The members strictly between `a` and `b` on the tree path that were down as the run
    /// started: a multicast passes each in the same hop.
    fn crashed_between(&self, mut a: u32, mut b: u32) -> u32 {
        let sessions = self.sessions.borrow();
        let down = |node: u32| u32::from(sessions.first_crashed[node as usize]);
        let (ends_a, ends_b) = (a, b);
        let (mut depth_a, mut depth_b) = (self.tree.depth(a), self.tree.depth(b));
        let mut crashed = 0;
        while a != b {
            if depth_a >= depth_b {
                crashed += if a == ends_a { 0 } else { down(a) };
                a = self.tree.parent(a).expect("deeper than the other");
                depth_a -= 1;
            } else {
                crashed += if b == ends_b { 0 } else { down(b) };
                b = self.tree.parent(b).expect("deeper than the other");
                depth_b -= 1;
            }
        }
        // The lowest common ancestor, unless it is an end.
        crashed
            + if a == ends_a || a == ends_b {
                0
            } else {
                down(a)
            }
    }

    /// Whether a session message of `other` has reached `node`: d(other) is measured.
    pub fn measured(&self, net: &impl Net<Self>, node: u32, other: u32) -> bool {
        let words = (net.nodes() as usize).div_ceil(64);
        let measured = self.measured.borrow();
        measured
            .get(other as usize * words + node as usize / 64)
            .is_some_and(|&bits| bits >> (node % 64) & 1 == 1)
    }

    /// A session message from `origin` showing the packets it has seen leaves: its copies to
    /// the origin's tree neighbours go now, and each hop after is one event (`Timer::Hop`) for
    /// all of the message's copies arriving then, instead of one event per copy.
    fn session(&self, net: &mut impl Net<Self>, origin: u32) {
        net.count_multicast(SESSION);
        let seen = net.state(origin).seen;
        let (slot, mut next) = {
            let mut sessions = self.sessions.borrow_mut();
            let slot = match sessions.free.pop() {
                Some(slot) => slot,
                None => {
                    sessions.flights.push(Flight::default());
                    (sessions.flights.len() - 1) as u32
                }
            };
            let flight = &mut sessions.flights[slot as usize];
            flight.origin = origin;
            flight.seen = seen;
            (slot, std::mem::take(&mut sessions.next))
        };
        let mut copies = Copies::default();
        self.pass_on(net, origin, None, (0, 0), &mut next, &mut copies);
        net.count_copies(SESSION, copies);
        self.fly(net, slot, next);
    }

    /// The copies of session message `slot` arriving now, as a flood delivers them: a crashed
    /// receiver swallows its copy; every other passes the message on to its other tree
    /// neighbours, then measures d(origin) and sees the packets the message shows.
    fn session_hop(&self, net: &mut impl Net<Self>, slot: u32) {
        let (origin, seen, arriving, mut next) = {
            let mut sessions = self.sessions.borrow_mut();
            let flight = &mut sessions.flights[slot as usize];
            (
                flight.origin,
                flight.seen,
                std::mem::take(&mut flight.arriving),
                std::mem::take(&mut sessions.next),
            )
        };
        let mut copies = Copies::default();
        let row = origin as usize * (net.nodes() as usize).div_ceil(64);
        let changed = self.sessions.borrow().changed;
        let nodes = net.nodes() as usize;
        let now = net.now();
        let recording = net.recording();
        for &(node, via, from, passed) in &arriving {
            let crashed = net.is_crashed(node);
            if recording {
                net.record_copy(Contact {
                    from,
                    to: node,
                    kind: SESSION,
                    fate: if crashed {
                        Fate::Crashed
                    } else {
                        Fate::Arrived
                    },
                    sent: now - HOP,
                    arrives: now,
                    hop: 0,
                });
            }
            if crashed {
                copies.to_crashed += 1;
                continue;
            }
            copies.at_sender += u64::from(node == 0);
            self.pass_on(net, node, Some(via), (passed, 1), &mut next, &mut copies);
            self.measured.borrow_mut()[row + node as usize / 64] |= 1 << (node % 64);
            let state = net.state_mut(node);
            if changed {
                if state.passed.is_empty() {
                    state.passed.resize(nodes, AS_STARTED);
                }
                state.passed[origin as usize] = passed.min(AS_STARTED - 1);
            }
            // Only a message showing packets beyond what the member has seen reveals a gap: below
            // that, every packet it lacks has its request timer (unless a crash stopped them).
            if seen > state.seen || state.untimed {
                self.detect_gaps(net, node, seen);
            }
        }
        net.count_copies(SESSION, copies);
        self.fly(net, slot, next);
    }

    /// Session message `slot` goes on with the copies in `next` (the shared room, handed back
    /// empty), or has landed.
    fn fly(&self, net: &mut impl Net<Self>, slot: u32, mut next: Vec<Arriving>) {
        let landed = next.is_empty();
        let due = net.now() + HOP;
        {
            let mut sessions = self.sessions.borrow_mut();
            let flight = &mut sessions.flights[slot as usize];
            flight.due = due;
            flight.arriving = next.as_slice().to_vec();
            if landed {
                sessions.free.push(slot);
            }
            next.clear();
            sessions.next = next;
        }
        if !landed {
            net.wake_after(HOP, Timer::Hop(slot));
        }
    }

    /// A session copy from `node` (reached past `passed` crashed members) to each tree
    /// neighbour but `exclude`, arriving a hop later:
    /// drawn as `send` draws it, counted in `copies`, and the ones that get through added to
    /// `next`. A crashed neighbour is routed around, its own neighbours reached directly.
    fn pass_on(
        &self,
        net: &mut impl Net<Self>,
        node: u32,
        exclude: Option<u32>,
        (passed, hop): (u8, u8),
        next: &mut Vec<Arriving>,
        copies: &mut Copies,
    ) {
        for neighbour in self.neighbours(node) {
            if Some(neighbour) != exclude {
                self.pass(net, (node, hop), node, neighbour, passed, next, copies);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pass(
        &self,
        net: &mut impl Net<Self>,
        (node, hop): (u32, u8),
        previous: u32,
        to: u32,
        passed: u8,
        next: &mut Vec<Arriving>,
        copies: &mut Copies,
    ) {
        if net.is_crashed(to) {
            for beyond in self.neighbours(to) {
                if beyond != previous {
                    let passed = passed.saturating_add(1);
                    self.pass(net, (node, hop), to, beyond, passed, next, copies);
                }
            }
            return;
        }
        let now = net.now();
        let fate = net.copy_fate(node, to, net.round());
        copies.sent += 1;
        match fate {
            Fate::Lost => copies.lost += 1,
            Fate::Partitioned => copies.partitioned += 1,
            _ => {
                next.push((to, previous, node, passed));
                return;
            }
        }
        if net.recording() {
            net.record_copy(Contact {
                from: node,
                to,
                kind: SESSION,
                fate,
                sent: now,
                arrives: now + HOP,
                hop,
            });
        }
    }

    /// Ticks of `factor` times d(other) at `node`.
    fn ticks_of(&self, net: &impl Net<Self>, node: u32, other: u32, factor: f64) -> Tick {
        (factor * self.distance_to(net, node, other) * HOP as f64).round() as Tick
    }

    /// Whether `node`'s request timer for packet m is pending.
    fn requesting(&self, net: &impl Net<Self>, node: u32, packet: u32) -> bool {
        net.state(node).requesting >> packet & 1 == 1
    }

    /// Whether `node`'s repair timer for packet m is pending.
    fn repairing(&self, net: &impl Net<Self>, node: u32, packet: u32) -> bool {
        net.state(node).repairing >> packet & 1 == 1
    }

    /// Sets `node`'s request or repair timer for packet m.
    fn set(&self, net: &mut impl Net<Self>, node: u32, after: Tick, timer: Timer) {
        let state = net.state_mut(node);
        match timer {
            Timer::Request(packet) => state.requesting |= 1 << packet,
            Timer::Repair(packet) => state.repairing |= 1 << packet,
            _ => {}
        }
        net.set_timer(node, after, timer);
    }

    /// Cancels `node`'s request or repair timer for packet m.
    fn cancel(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        let state = net.state_mut(node);
        match timer {
            Timer::Request(packet) => state.requesting &= !(1 << packet),
            Timer::Repair(packet) => state.repairing &= !(1 << packet),
            _ => {}
        }
        net.cancel_timer(node, timer);
    }

    /// The recovery state of packet m at `node`.
    fn loss<'a>(&self, net: &'a mut impl Net<Self>, node: u32, packet: u32) -> &'a mut Loss {
        let losses = &mut net.state_mut(node).losses;
        if losses.is_empty() {
            losses.resize(self.packets as usize, Loss::default());
        }
        &mut losses[packet as usize]
    }

    /// The adaptive constants of `node`, created at first use.
    fn adaptive<'a>(&self, net: &'a mut impl Net<Self>, node: u32) -> &'a mut Adaptive {
        let (params, group) = (self.params, self.tree.nodes);
        net.state_mut(node)
            .adaptive
            .get_or_insert_with(|| Box::new(Adaptive::new(params, group)))
    }

    /// `node`'s C1, C2, D1, D2: the configured ones, or its own adapted ones.
    fn constants(&self, net: &impl Net<Self>, node: u32) -> (f64, f64, f64, f64) {
        match (self.variant, net.state(node).adaptive.as_deref()) {
            (Variant::Adaptive, Some(own)) => (own.c1, own.c2, own.d1, own.d2),
            _ => (
                self.params.c1,
                self.params.c2,
                self.params.d1,
                self.params.d2,
            ),
        }
    }

    /// Arms the request timer for packet m: U[C1, C1 + C2] d(sender) hops times the backoff.
    /// Without suppression the first request goes at once (theory.md: "every missing node NAKs
    /// at once", the storm); the retries keep their backoff, so the run stays reliable.
    fn arm_request(&self, net: &mut impl Net<Self>, node: u32, packet: u32) {
        let backoffs = self.loss(net, node, packet).backoffs;
        let base: f64 = match self.variant {
            Variant::Fixed => 2.0,
            Variant::Adaptive => 3.0,
        };
        let scale = base.powi(i32::from(backoffs));
        let d = self.distance_to(net, node, 0);
        let (c1, c2, _, _) = self.constants(net, node);
        let after = if !self.params.suppression && backoffs == 0 {
            1
        } else {
            // At least one tick, so C1 = C2 = 0 cannot loop within a tick.
            uniform_hops(net, scale * c1 * d, scale * (c1 + c2) * d).max(1)
        };
        self.loss(net, node, packet).delay = after;
        self.set(net, node, after, Timer::Request(packet));
    }

    /// A new loss of packet m at `node`: the request state starts over, its first timer is set.
    fn detect(&self, net: &mut impl Net<Self>, node: u32, packet: u32) {
        if self.variant == Variant::Adaptive {
            self.adaptive(net, node).recompute_request();
        }
        let now = net.now();
        *self.loss(net, node, packet) = Loss {
            detected: now,
            ..Loss::default()
        };
        self.arm_request(net, node, packet);
    }

    /// Hearing a request for packet m (its own included) while its request timer is pending:
    /// cancel, reschedule with the next backoff, ignore further requests for half the new delay.
    fn back_off(&self, net: &mut impl Net<Self>, node: u32, packet: u32) {
        self.cancel(net, node, Timer::Request(packet));
        let loss = self.loss(net, node, packet);
        loss.backoffs = (u32::from(loss.backoffs) + 1).min(MAX_BACKOFFS) as u8;
        self.arm_request(net, node, packet);
        let now = net.now();
        let loss = self.loss(net, node, packet);
        loss.ignore_until = now + loss.delay / 2;
    }

    /// Gap detection: a request timer for every packet below `end` that `node` lacks and has
    /// none pending for; `end` is then seen.
    fn detect_gaps(&self, net: &mut impl Net<Self>, node: u32, end: u32) {
        let end = end.min(self.packets);
        for packet in 0..end {
            if !net.knows(node, packet) && !self.requesting(net, node, packet) {
                self.detect(net, node, packet);
            }
        }
        let state = net.state_mut(node);
        if end >= state.seen {
            // Every packet it lacks below what it has seen now has a request timer.
            state.untimed = false;
        }
        state.seen = state.seen.max(end);
    }

    /// The session period after this one: U[0.9, 1.1] times the base, in whole ticks.
    fn next_session(&self, net: &mut impl Net<Self>) -> Tick {
        let base = self.session_period as f64;
        uniform_ticks(net, 0.9 * base, 1.1 * base).max(1)
    }

    /// A request for packet m from `origin` reaches `to`.
    fn hear_request(&self, net: &mut impl Net<Self>, to: u32, body: Body) {
        let Body { packet, origin, .. } = body;
        let now = net.now();
        if !net.knows(to, packet) && packet >= net.state(to).seen {
            // Beyond what it has seen: the request reveals the gap (ns-2 requests up to it).
            self.detect_gaps(net, to, packet + 1);
        } else if self.requesting(net, to, packet) {
            if !self.params.suppression {
                return;
            }
            let adaptive = self.variant == Variant::Adaptive;
            let loss = *self.loss(net, to, packet);
            if adaptive && loss.sent_request && loss.backoffs <= 1 {
                // Was this member the closest requester? Only if the other is much farther.
                let own = self.distance_to(net, to, 0);
                self.adaptive(net, to).closest_requestor = f64::from(body.distance) > 1.5 * own;
            }
            if now < loss.ignore_until {
                if adaptive {
                    self.adaptive(net, to).dup_req += 1.0;
                }
            } else {
                self.back_off(net, to, packet);
            }
        } else if net.knew(to, packet) {
            // A repair already on its way (the member's own bit, read first: its loss state is
            // then not needed), or the hold-down.
            if self.repairing(net, to, packet) || now < self.loss(net, to, packet).ignore_until {
                return;
            }
            if self.variant == Variant::Adaptive {
                self.adaptive(net, to).recompute_repair();
            }
            let (_, _, d1, d2) = self.constants(net, to);
            let d = self.distance_to(net, to, origin);
            let after = uniform_hops(net, d1 * d, (d1 + d2) * d);
            let loss = self.loss(net, to, packet);
            loss.requestor = origin;
            loss.repair_set = now;
            loss.sent_repair = false;
            self.set(net, to, after, Timer::Repair(packet));
        } else if !net.knows(to, packet) {
            // Lacking it without a timer (back from a crash): a loss seen now.
            self.detect(net, to, packet);
        }
    }

    /// Data or a repair for packet m reaches `to`.
    fn hear_packet(&self, net: &mut impl Net<Self>, to: u32, from: u32, kind: u8, body: Body) {
        let packet = body.packet;
        let now = net.now();
        let adaptive = self.variant == Variant::Adaptive;
        if net.learn(to, packet, from) {
            if self.requesting(net, to, packet) {
                // Recovered: the requester's hold-down, 3 d(sender).
                self.cancel(net, to, Timer::Request(packet));
                let hold = self.ticks_of(net, to, 0, HOLD_DOWN);
                let loss = self.loss(net, to, packet);
                loss.ignore_until = now + hold;
                let rtts = (now - loss.detected) as f64
                    / (2.0 * self.distance_to(net, to, 0) * HOP as f64);
                if adaptive {
                    let own = self.adaptive(net, to);
                    own.ave_req_delay = ewma(own.ave_req_delay, rtts);
                }
            }
        } else if kind == REPAIR && self.params.suppression {
            if self.repairing(net, to, packet) {
                let loss = *self.loss(net, to, packet);
                // Another member repaired first: cancel, and hold down 3 d(requestor).
                self.cancel(net, to, Timer::Repair(packet));
                let hold = self.ticks_of(net, to, loss.requestor, HOLD_DOWN);
                self.loss(net, to, packet).ignore_until = now + hold;
                if adaptive {
                    let d = self.distance_to(net, to, loss.requestor);
                    let own = self.adaptive(net, to);
                    own.ave_rep_delay = ewma(
                        own.ave_rep_delay,
                        (now - loss.repair_set) as f64 / (2.0 * d * HOP as f64),
                    );
                }
            } else if adaptive && now < self.loss(net, to, packet).ignore_until {
                // A duplicate repair in the hold-down; was this member the closest repairer?
                let loss = *self.loss(net, to, packet);
                let own_distance = self.distance_to(net, to, loss.requestor);
                let own = self.adaptive(net, to);
                own.dup_rep += 1.0;
                if loss.sent_repair {
                    own.closest_repairor = f64::from(body.distance) > 1.5 * own_distance;
                }
            }
        }
        self.detect_gaps(net, to, packet);
        let state = net.state_mut(to);
        state.seen = state.seen.max(packet + 1);
    }
}

/// Ticks uniform in [low, high] hops (rounded to whole ticks; integer draws, so every platform
/// gives the same run).
fn uniform_hops(net: &mut impl Net<Srm>, low: f64, high: f64) -> Tick {
    let hop = HOP as f64;
    uniform_ticks(net, low * hop, high * hop)
}

/// Ticks uniform over the whole ticks in [low, high] (rounded).
fn uniform_ticks(net: &mut impl Net<Srm>, low: f64, high: f64) -> Tick {
    let low = low.round() as u64;
    let high = (high.round() as u64).max(low);
    let span = (high - low + 1).min(u64::from(u32::MAX)) as u32;
    low + u64::from(net.rng().below(span))
}

impl Protocol for Srm {
    type Node = Node;
    type Body = Body;
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;
    const LISTS: bool = true;

    fn messages(&self) -> u32 {
        self.packets
    }

    fn timer_name(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Request(_) => "request (NAK) timer",
            Timer::Repair(_) => "repair timer",
            Timer::Send(_) | Timer::Session | Timer::Hop(_) => "",
        }
    }

    fn start(&self, net: &mut impl Net<Self>) {
        let nodes = net.nodes() as usize;
        *self.measured.borrow_mut() = vec![0; nodes * nodes.div_ceil(64)];
        for node in 0..net.nodes() {
            net.state_mut(node).started = true;
        }
        self.sessions.borrow_mut().first_crashed =
            (0..net.nodes()).map(|node| net.is_crashed(node)).collect();
        net.set_timer(0, 0, Timer::Send(0));
        // Every member announces itself as the session starts, so distances are measured
        // before the first loss can be seen.
        for node in 0..net.nodes() {
            if !net.is_crashed(node) {
                net.set_timer(node, 0, Timer::Session);
            }
        }
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        // The driver fired it: no longer pending.
        let state = net.state_mut(node);
        match timer {
            Timer::Request(packet) => state.requesting &= !(1 << packet),
            Timer::Repair(packet) => state.repairing &= !(1 << packet),
            _ => {}
        }
        // A crashed member does nothing (its clock restarts when it recovers).
        if net.is_crashed(node) {
            return;
        }
        match timer {
            // Rule: packet m at the start of round m + 1.
            Timer::Send(packet) => {
                self.multicast(net, node, DATA, packet, 0.0);
                let state = net.state_mut(node);
                state.seen = state.seen.max(packet + 1);
                if packet + 1 < self.packets {
                    net.set_timer(node, HOP, Timer::Send(packet + 1));
                }
            }
            // Rule: a session message with the time and the packets seen, then the next.
            Timer::Session => {
                self.session(net, node);
                let after = self.next_session(net);
                net.set_timer(node, after, Timer::Session);
            }
            // Rule: a session message showing packets this member lacks reveals the gap.
            Timer::Hop(_) => {}
            // Rule: multicast a request, then hear it: back off, ignore for half the delay.
            Timer::Request(packet) => {
                if net.knows(node, packet) {
                    return;
                }
                let first = !self.loss(net, node, packet).sent_request;
                if self.variant == Variant::Adaptive && first {
                    self.adaptive(net, node).sending_request();
                }
                self.loss(net, node, packet).sent_request = true;
                let d = self.distance_to(net, node, 0);
                self.multicast(net, node, NAK, packet, d);
                self.back_off(net, node, packet);
            }
            // Rule: multicast the repair; requests are ignored for 3 d(requestor).
            Timer::Repair(packet) => {
                let requestor = self.loss(net, node, packet).requestor;
                if self.variant == Variant::Adaptive {
                    self.adaptive(net, node).sending_repair();
                }
                let d = self.distance_to(net, node, requestor);
                self.multicast(net, node, REPAIR, packet, d);
                let hold = self.ticks_of(net, node, requestor, HOLD_DOWN);
                let now = net.now();
                let loss = self.loss(net, node, packet);
                loss.ignore_until = now + hold;
                loss.sent_repair = true;
            }
        }
    }

    /// Rule: a member back from a crash resumes its session messages and asks for the packets
    /// that passed it while it was down: those that left early enough to have reached its depth
    /// by now (what the next session message would reveal), each on its request timer.
    /// A crash stops the member's timers: it may come back lacking packets without them.
    fn on_crash(&self, net: &mut impl Net<Self>, node: u32) {
        // The crash stopped its timers.
        let state = net.state_mut(node);
        state.untimed = true;
        state.requesting = 0;
        state.repairing = 0;
        self.sessions.borrow_mut().changed = true;
    }

    fn on_wake(&self, net: &mut impl Net<Self>, timer: Timer) {
        if let Timer::Hop(slot) = timer {
            self.session_hop(net, slot);
        }
    }

    fn carried(&self) -> Vec<Contact> {
        let sessions = self.sessions.borrow();
        sessions
            .flights
            .iter()
            .flat_map(|flight| {
                flight
                    .arriving
                    .iter()
                    .map(move |&(to, _, from, _)| Contact {
                        from,
                        to,
                        kind: SESSION,
                        fate: Fate::Arrived,
                        sent: flight.due - HOP,
                        arrives: flight.due,
                        hop: 0,
                    })
            })
            .collect()
    }

    fn carried_count(&self) -> u64 {
        let sessions = self.sessions.borrow();
        sessions
            .flights
            .iter()
            .map(|flight| flight.arriving.len() as u64)
            .sum()
    }

    fn on_recover(&self, net: &mut impl Net<Self>, node: u32) {
        self.sessions.borrow_mut().changed = true;
        if !std::mem::replace(&mut net.state_mut(node).started, true) {
            // Back without its state: it has measured no distance.
            let words = (net.nodes() as usize).div_ceil(64);
            let mut measured = self.measured.borrow_mut();
            for row in measured.chunks_exact_mut(words) {
                row[node as usize / 64] &= !(1 << (node % 64));
            }
        }
        net.set_timer(node, 0, Timer::Session);
        if node != 0 {
            let passed = net.round().saturating_sub(self.tree.depth(node));
            self.detect_gaps(net, node, passed);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<Body>) {
        let Datagram {
            from,
            to,
            kind,
            body,
        } = *datagram;
        // Multicast routing: on to every other tree neighbour, one hop later.
        self.flood(net, to, Some(body.via), kind, body, HOP);
        match kind {
            DATA | REPAIR => self.hear_packet(net, to, from, kind, body),
            // Session messages are walked at once, not sent (`session`).
            NAK => self.hear_request(net, to, body),
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
        sooner, at many more datagrams. SRM (Floyd et al., 1995–97) \
        carried the LBL whiteboard over the MBone, where no sender could track every receiver. \
        A crashed SRM member costs only itself, unlike a crashed tree node: SRM's members are end hosts and \
        IP multicast's routers carry the flood around them, while the tree protocol's nodes are the forwarders.",
    informed: "hold every packet",
    fanout: "children per node (the tree's arity), 1 to 16",
    click: "Click a node to see which packets it holds and its timers.",
    done: "every live node holds every packet",
    ended: "some live nodes miss packets that nobody can repair",
};

const NAK_FIGURE: &str = "NAKs per node that missed a packet";
/// The lesson's figure holds while a packet meets at most about one loss on its way down.
const SINGLE_LOSS: f64 = 0.1;

/// Rounds between a member's session messages, on average: `SESSION_BASE` (1 + ln N).
pub fn session_rounds(nodes: u32) -> f64 {
    SESSION_BASE * (1.0 + f64::from(nodes).ln())
}

/// theory.md section 7: the expected first-round requests when n members miss a packet at the
/// same moment and their timers spread over C2 d, u = delta / (C2 d): 1 + n u - u^n (u <= 1).
pub fn expected_requests(n: u32, u: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let u = u.min(1.0);
    1.0 + f64::from(n) * u - u.powi(n as i32)
}

/// u on the star: a leaf's request reaches the other leaves two hops after it leaves
/// (delta = 2), and a leaf is d = 1 hop from the sender: u = 2 / C2 (theory.md section 7).
pub fn star_u(c2: f64) -> f64 {
    if c2 <= 2.0 { 1.0 } else { 2.0 / c2 }
}

/// Why recovery is slow under heavy loss, in numbers, where a packet meets more than about one
/// loss on its way down: requests and repairs are lost too, every request heard backs a member
/// off, so the backoff reaches its cap and each retry waits 2^5 timer spans (3^5 adaptive).
struct SlowRecovery {
    losses: f64,
    base: u32,
    cap: u32,
    depth: u32,
    wait: f64,
}

fn slow_recovery_numbers(config: &Config) -> Option<SlowRecovery> {
    let depth = super::tree::depth_of(config.nodes, config.fanout);
    let losses = config.mean_loss() * f64::from(depth);
    (losses > SINGLE_LOSS).then(|| {
        let srm = config.srm;
        // ns-2 doubles a request's timer per backoff; its adaptive agent triples it.
        let base: u32 = match Variant::of(config) {
            Variant::Fixed => 2,
            Variant::Adaptive => 3,
        };
        let cap = base.pow(MAX_BACKOFFS);
        let wait = f64::from(cap) * (srm.c1 + srm.c2 / 2.0) * f64::from(depth);
        SlowRecovery {
            losses,
            base,
            cap,
            depth,
            wait,
        }
    })
}

/// The theory note's sentence on slow recovery under heavy loss.
pub fn slow_recovery(config: &Config) -> Option<String> {
    slow_recovery_numbers(config).map(|slow| {
        let SlowRecovery {
            losses,
            base,
            cap,
            depth,
            wait,
        } = slow;
        format!(
            "{losses:.2} losses on a packet's way down (loss × depth): requests and repairs are lost too, and each request heard backs a member off, so backoffs reach the cap of {base}^{MAX_BACKOFFS}: a retry at depth {depth} then waits {cap} × (C1 + C2/2) × d ≈ {wait:.0} rounds"
        )
    })
}

/// The lesson's expected NAKs per member that missed a packet, or why there is none.
fn expected_naks_per_missing(config: &Config) -> (Option<f64>, String) {
    let depth = super::tree::depth_of(config.nodes, config.fanout);
    if let Some(slow) = slow_recovery_numbers(config) {
        // The short form; the theory note has the reasons.
        return (
            None,
            format!(
                "no closed form: {:.2} losses on a packet's way down; backoffs reach {}^{MAX_BACKOFFS}, a retry at depth {} waits ≈ {:.0} rounds",
                slow.losses, slow.base, slow.depth, slow.wait
            ),
        );
    }
    if !config.srm.suppression {
        return (
            Some(1.0),
            "no suppression: every node that missed it asks, at once".into(),
        );
    }
    if Variant::of(config) == Variant::Adaptive {
        return (
            None,
            "no closed form: adaptive timers change C1 and C2 from loss to loss".into(),
        );
    }
    if depth != 1 {
        return (
            None,
            "no closed form: theory.md's 1 + n u − u^n holds on a star (one level); deeper, members see a loss at different times".into(),
        );
    }
    // The star: per packet, the k leaves that miss it ask 1 + k u - u^k times in the first
    // round. Planned drops give each packet's k; random loss p a binomial k.
    let u = star_u(config.srm.c2);
    let leaves = config.nodes - 1;
    let (requests, missing) = if config.mean_loss() == 0.0 {
        let mut per_packet = vec![0u32; config.packets as usize];
        for entry in config.drops.entries() {
            per_packet[entry.packet as usize - 1] += 1;
        }
        per_packet
            .iter()
            .fold((0.0, 0.0), |(requests, missing), &k| {
                (requests + expected_requests(k, u), missing + f64::from(k))
            })
    } else {
        let p = config.mean_loss();
        let mut choose = 1.0;
        let (mut requests, mut missing) = (0.0, 0.0);
        for k in 1..=leaves {
            choose = choose * f64::from(leaves - k + 1) / f64::from(k);
            let chance = choose * p.powi(k as i32) * (1.0 - p).powi((leaves - k) as i32);
            requests += chance * expected_requests(k, u);
            missing += chance * f64::from(k);
        }
        (requests, missing)
    };
    if missing == 0.0 {
        return (None, "no loss to repair: set loss or drop".into());
    }
    (
        Some(requests / missing),
        format!(
            "suppression on the star: k leaves missing a packet ask 1 + k u − u^k times, u = δ / (C2 d) = {u:.2}"
        ),
    )
}

impl ProtocolSpec for SrmSpec {
    /// Over a binary tree: at b = 1 the tree is a chain.
    fn page_fanout(&self) -> Option<u32> {
        Some(2)
    }
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
            "partition",
            "packets",
            "suppression",
            "c1",
            "c2",
            "d1",
            "d2",
            "drop",
            "srm",
        ]
    }
    fn multicast_kinds(&self) -> &'static [u8] {
        &[DATA, NAK, REPAIR, SESSION]
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
        on_events(Srm::new(config), config)
    }
    fn round_limit(&self, config: &Config) -> u32 {
        let depth = super::tree::depth_of(config.nodes, config.fanout);
        let srm = config.srm;
        // A retry at the cap waits 2^5 (adaptive 3^5) timer spans; the adaptive constants stay
        // under their upper bounds (C2, D2 up to N: bounded here by the group's log, as they
        // only grow by 0.5 a loss).
        let cap = match Variant::of(config) {
            Variant::Fixed => 32.0,
            Variant::Adaptive => 243.0,
        };
        let spans = srm.c1 + srm.c2 + srm.d1 + srm.d2 + 2.0;
        let wait = cap * spans * f64::from(depth.max(1)) + session_rounds(config.nodes);
        stream::round_limit(config, depth, wait)
    }
    fn own_params(&self) -> &'static [Param] {
        &OWN_PARAMS
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
            source: "theory.md section 7: M - 1 + depth rounds without loss; on a star, 1 + n u - u^n requests when n members miss a packet (Floyd et al. 1997, timers as ns-2's SRM agent)",
            assumptions: "the stream's curve holds without loss, crashes or drops; the requests' formula on a star (one level) with fixed timers and about one loss per packet",
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        if self.expected_rounds(config).is_some() {
            "theory: without loss every packet takes the tree's depth, M − 1 + depth rounds, dashed"
                .into()
        } else if let Some(slow) = slow_recovery(config) {
            format!(
                "no closed-form theory for repairs under this loss: no theory curve is drawn. {slow}"
            )
        } else {
            "no closed-form theory for repairs under loss, crashes or planned drops: no theory curve is drawn (without loss: M − 1 + depth rounds)".into()
        }
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        let (expected, why) = expected_naks_per_missing(config);
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
        // Every NAK and repair floods every node, and every member's session message reaches
        // every other (N² copies a session period, carried one event per hop, not per copy).
        10_000
    }
    fn page_nodes_reason(&self) -> Option<&'static str> {
        Some("every NAK, repair and session message floods every node")
    }
    fn node_bytes(&self, config: &Config) -> u64 {
        let nodes = u64::from(config.nodes);
        // Per packet a loss's state and its timers; per member a bit, its distance measured,
        // and, once a member crashes or comes back during the run (a schedule, or a click in
        // the page), the crashed members its last session message passed (a byte); the session
        // copies on their way to it, N a session period, each a round on the way.
        let sessions = (f64::from(config.nodes) / session_rounds(config.nodes)).ceil() as u64;
        64 * u64::from(config.packets) + nodes.div_ceil(8) + nodes + 16 * sessions
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        // A flood forwards every NAK and repair over each tree link: per node, per packet lost,
        // with the repair timers a NAK sets at every holder (cancelled ones wait in the queue
        // until due): at N = 10,000 (b = 2, 5 % loss, 16 packets) the run peaks at 130 MB natively,
        // a request's or repair's copies of one hop queued as one list (28 bytes a copy).
        // A partition keeps every packet from a whole side, which then NAKs all of them at once
        // after the heal, and without suppression every member that misses a packet NAKs it at
        // once: up to N floods at a time, each setting a repair timer at every holder (N²: the
        // storm took 108 MB at N = 2,000 and 387 MB at 4,000, over 1.8 GB at 10,000). (Session
        // messages wait in `node_bytes`, not in the queue.)
        let per_packet = u64::from(config.fanout + 1) * 4 * u64::from(config.packets);
        let storm = if config.partitions.is_empty() {
            0
        } else {
            u64::from(config.nodes) * 2 * u64::from(config.packets)
        };
        let nodes = if config.srm.suppression {
            0
        } else {
            u64::from(config.nodes)
        };
        per_packet.max(storm).max(nodes)
    }
}
