//! Plumtree, an epidemic broadcast tree (Leitão, Pereira, Rodrigues, "Epidemic Broadcast
//! Trees", SRDS 2007; the rules as theory.md section 11 states them, after the technical report
//! DI-FCUL TR-07-14, updated in 2019 for a minor bug in its Algorithm 1). The
//! message goes down a spanning tree by eager push; every other link carries only announcements
//! (lazy push), which repair the tree when a link or a node fails.
//!
//! The overlay (the peer-sampling view): node i's neighbours, drawn once per seed on its own
//! stream: a random ring through all nodes (so the overlay is connected), plus, for b >= 3,
//! b - 2 more links per node paired at random (the configuration model, self-links and repeats
//! dropped): about b neighbours each, links two-way as HyParView's active views are. b = 1: a
//! random tree (each node, in a random order, links to one node before it): no spare link, so
//! nothing can repair it.
//!
//! Rules (one node's view; every link starts eager):
//! - Broadcast (the injector of a message): deliver it at hop 0, GOSSIP it (hop 1) to every eager
//!   peer and announce it (IHAVE, hop 1) to every lazy peer.
//! - GOSSIP or its repair, first copy: deliver it, make the sender eager, GOSSIP it (hop + 1) to
//!   the eager peers but the sender and announce it to the lazy peers but the sender; cancel its
//!   GRAFT timer and forget its announcements.
//! - Duplicate: make the sender lazy and send it PRUNE.
//! - PRUNE: make the sender lazy.
//! - IHAVE for a message not yet delivered: remember (message, announcer, hop); start timer 1
//!   (`ihave_timeout`) for it unless its timer runs.
//! - GRAFT timer fires with the message still missing: make the oldest announcer eager, send it
//!   GRAFT for the message, put it at the back of the list and start timer 2 (`graft_timeout`),
//!   which GRAFTs the next announcer in turn.
//! - GRAFT: make the sender eager and send it each message asked for that is held (the repair).
//! - Optimisation (threshold t): when a message's GOSSIP came at least t hops later than an
//!   announcement of it (the announcement first, or the GOSSIP first), GRAFT the announcer and
//!   PRUNE the GOSSIP's sender, once per message: the tree moves to the shorter path.
//! - Neighbour down: the links are TCP connections, so a send to a crashed peer fails: the
//!   sender drops the peer from both sets and forgets its announcements. No replacement is drawn
//!   (the passive view is not modelled).
//! - A node back from a crash (its view re-drawn from the overlay if its state was lost) makes
//!   every neighbour eager and sends each a GRAFT asking nothing, so they link back to it.
//!
//! Lazy push is batched per round, as the paper's policy allows: a node collects the round's
//! announcements per lazy peer and sends them at the round's last tick, one IHAVE per (peer,
//! hop count), so an IHAVE carries every message delivered in that round at that hop.
//!
//! Time: every datagram takes one round (a hop), plus the configured delay. Message m is
//! injected at node m mod senders at the start of round m R + 1 (R = `inject_every`). Timers are
//! in whole rounds.
//!
//! Measures per message: reliability (the share of the live nodes that delivered it), RMR =
//! m / (n - 1) - 1 (m: payload datagrams sent for it, GOSSIP and repairs; n: nodes that
//! delivered it; 0 on a tree, about b - 1 for a flood) and LDH (the largest hop count at
//! delivery).

use super::messages::{self, Params as Injection};
use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::params::{Domain, Param, Value};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Link, LinkStyle, Look, TICKS_PER_ROUND, Tick};
use crate::rng::{Rng, Stream};
use crate::spec::{Group, Lesson, Measures, MessageFigure, ProtocolSpec, TheorySource, Words};

/// One hop, in ticks: a round.
pub const HOP: Tick = TICKS_PER_ROUND;

pub const GOSSIP: u8 = 0;
pub const IHAVE: u8 = 1;
pub const GRAFT: u8 = 2;
pub const PRUNE: u8 = 3;
pub const REPAIR: u8 = 4;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "gossip",
        payload: true,
        look: Look::Data,
        label: "GOSSIP (the message, eager push)",
    },
    Kind {
        name: "ihave",
        payload: false,
        look: Look::EmptyReply,
        label: "IHAVE (announcement, lazy push)",
    },
    Kind {
        name: "graft",
        payload: false,
        look: Look::Request,
        label: "GRAFT (makes a link eager, asks for a message)",
    },
    Kind {
        name: "prune",
        payload: false,
        look: Look::Ack,
        label: "PRUNE (makes a link lazy)",
    },
    Kind {
        name: "repair",
        payload: true,
        look: Look::Repair,
        label: "GOSSIP answering a GRAFT",
    },
];

/// The name of the GRAFT timer on the stage (timer 1, then timer 2).
pub const GRAFT_TIMER: &str = "GRAFT timer";

/// Plumtree's own parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Timer 1: rounds from an announcement of a missing message to the GRAFT.
    pub ihave_timeout: u32,
    /// Timer 2: rounds from one GRAFT to the next announcer's.
    pub graft_timeout: u32,
    /// The optimisation's threshold in hops; `None`: no optimisation.
    pub threshold: Option<u32>,
}

impl Params {
    pub fn of(config: &Config) -> Params {
        let whole = |key| match config.own_value(key) {
            Value::Whole(value) => Some(value as u32),
            _ => None,
        };
        Params {
            ihave_timeout: whole("ihave_timeout").unwrap_or(3),
            graft_timeout: whole("graft_timeout").unwrap_or(3),
            threshold: whole("threshold"),
        }
    }
}

/// What a datagram carries: the messages it is about (one for GOSSIP and repairs, a batch for
/// IHAVE, those asked for by GRAFT, none for PRUNE) and the hop count the receiver would
/// deliver them at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Body {
    pub messages: u64,
    pub hop: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The injector broadcasts message m. Internal.
    Inject(u32),
    /// The round's end: send the batched IHAVEs. Internal.
    Flush,
    /// Message m is still missing: GRAFT the next announcer (timer 1, then timer 2).
    Graft(u32),
}

/// A hop count not yet given: the message was not delivered.
pub const UNDELIVERED: u32 = u32::MAX;

/// Per node: its eager and lazy peers, and per message what it did with it.
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub eager: Vec<u32>,
    pub lazy: Vec<u32>,
    /// Per message (empty until the first): the hop count it was delivered at (`UNDELIVERED`
    /// before), from whom (itself at its injector), and the payload datagrams this node sent
    /// for it.
    pub hops: Vec<u32>,
    pub parent: Vec<u32>,
    pub sent: Vec<u32>,
    /// Announcements of messages not delivered yet, oldest first: (message, announcer, hop).
    pub missing: Vec<(u32, u32, u32)>,
    /// IHAVEs waiting for the round's end: (peer, hop, messages).
    pub batch: Vec<(u32, u32, u64)>,
    /// Messages the optimisation has acted on here (once each).
    pub optimised: u64,
}

impl Node {
    fn per_message(&mut self, count: u32) {
        if self.hops.is_empty() {
            self.hops = vec![UNDELIVERED; count as usize];
            self.parent = vec![0; count as usize];
            self.sent = vec![0; count as usize];
        }
    }
}

pub struct Plumtree {
    /// Each node's neighbours in the peer-sampling view.
    pub overlay: Vec<Vec<u32>>,
    pub injection: Injection,
    pub senders: u32,
    pub params: Params,
}

/// The bits of `set`, lowest first.
fn bits(mut set: u64) -> impl Iterator<Item = u32> {
    std::iter::from_fn(move || {
        (set != 0).then(|| {
            let message = set.trailing_zeros();
            set &= set - 1;
            message
        })
    })
}

/// The overlay of `nodes` nodes with about `fanout` neighbours each, drawn from `seed` (see the
/// module's notes): connected, links two-way, each node's list in ascending order.
pub fn overlay(nodes: u32, fanout: u32, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = Rng::new(seed, Stream::Overlay);
    let mut neighbours: Vec<Vec<u32>> = vec![Vec::new(); nodes as usize];
    let link = |neighbours: &mut Vec<Vec<u32>>, a: u32, b: u32| {
        if a != b && !neighbours[a as usize].contains(&b) {
            neighbours[a as usize].push(b);
            neighbours[b as usize].push(a);
        }
    };
    // A random order of the nodes (Fisher-Yates).
    let mut order: Vec<u32> = (0..nodes).collect();
    for last in (1..order.len()).rev() {
        let other = rng.below(last as u32 + 1) as usize;
        order.swap(last, other);
    }
    if fanout <= 1 {
        // A random recursive tree along the order.
        for index in 1..order.len() {
            let earlier = order[rng.below(index as u32) as usize];
            link(&mut neighbours, order[index], earlier);
        }
    } else {
        // The ring along the order, then b - 2 stubs per node paired at random.
        for index in 0..order.len() {
            link(
                &mut neighbours,
                order[index],
                order[(index + 1) % order.len()],
            );
        }
        let mut stubs: Vec<u32> = (0..nodes)
            .flat_map(|node| std::iter::repeat_n(node, fanout.saturating_sub(2) as usize))
            .collect();
        for last in (1..stubs.len()).rev() {
            let other = rng.below(last as u32 + 1) as usize;
            stubs.swap(last, other);
        }
        for pair in stubs.chunks_exact(2) {
            link(&mut neighbours, pair[0], pair[1]);
        }
    }
    for list in &mut neighbours {
        list.sort_unstable();
        list.shrink_to_fit();
    }
    neighbours
}

fn remove(list: &mut Vec<u32>, peer: u32) {
    list.retain(|&other| other != peer);
}

impl Plumtree {
    fn count(&self) -> u32 {
        self.injection.count
    }

    fn make_eager(net: &mut impl Net<Self>, node: u32, peer: u32) {
        let state = net.state_mut(node);
        remove(&mut state.lazy, peer);
        if !state.eager.contains(&peer) {
            state.eager.push(peer);
        }
    }

    fn make_lazy(net: &mut impl Net<Self>, node: u32, peer: u32) {
        let state = net.state_mut(node);
        remove(&mut state.eager, peer);
        if !state.lazy.contains(&peer) {
            state.lazy.push(peer);
        }
    }

    /// Sends one datagram, a hop long; a payload is counted for its message. A send to a crashed
    /// peer fails (the TCP connection breaks): the sender drops it from its view.
    fn transmit(&self, net: &mut impl Net<Self>, from: u32, to: u32, kind: u8, body: Body) {
        if kind == GOSSIP || kind == REPAIR {
            let count = self.count();
            let state = net.state_mut(from);
            state.per_message(count);
            for message in bits(body.messages) {
                state.sent[message as usize] += 1;
            }
        }
        net.send_after(from, to, kind, body, HOP);
        if net.is_crashed(to) {
            Self::neighbour_down(net, from, to);
        }
    }

    /// Rule: neighbour down: out of both sets, its announcements and batched IHAVEs forgotten.
    fn neighbour_down(net: &mut impl Net<Self>, node: u32, peer: u32) {
        let state = net.state_mut(node);
        remove(&mut state.eager, peer);
        remove(&mut state.lazy, peer);
        state.missing.retain(|&(_, announcer, _)| announcer != peer);
        state.batch.retain(|&(to, _, _)| to != peer);
    }

    /// Queues an announcement of `message` to `peer` for the round's end.
    fn announce(net: &mut impl Net<Self>, node: u32, peer: u32, message: u32, hop: u32) {
        let state = net.state_mut(node);
        match state
            .batch
            .iter_mut()
            .find(|(to, at, _)| *to == peer && *at == hop)
        {
            Some((_, _, messages)) => *messages |= 1 << message,
            None => state.batch.push((peer, hop, 1 << message)),
        }
        if !net.has_timer(node, Timer::Flush) {
            // The last tick of the current round.
            let now = net.now();
            let end = (now / TICKS_PER_ROUND + 1) * TICKS_PER_ROUND - 1;
            net.set_timer(node, end - now, Timer::Flush);
        }
    }

    /// Delivers `message` at `node` at hop `hop` (from `from`, `None` at its injector) and
    /// passes it on: GOSSIP to the eager peers, IHAVE to the lazy ones, but not back.
    fn deliver(&self, net: &mut impl Net<Self>, node: u32, message: u32, hop: u32, from: u32) {
        let count = self.count();
        let state = net.state_mut(node);
        state.per_message(count);
        state.hops[message as usize] = hop;
        state.parent[message as usize] = from;
        let eager = state.eager.clone();
        let lazy = state.lazy.clone();
        let next = hop.saturating_add(1);
        for peer in eager.into_iter().filter(|&peer| peer != from) {
            let body = Body {
                messages: 1 << message,
                hop: next,
            };
            self.transmit(net, node, peer, GOSSIP, body);
        }
        for peer in lazy.into_iter().filter(|&peer| peer != from) {
            Self::announce(net, node, peer, message, next);
        }
    }

    /// Rule: the optimisation, once per message: GRAFT the announcer that offered `message`
    /// `threshold` or more hops sooner, PRUNE the sender of the GOSSIP that delivered it.
    fn optimise(&self, net: &mut impl Net<Self>, node: u32, message: u32, announcer: u32) {
        let state = net.state_mut(node);
        if state.optimised >> message & 1 == 1 {
            return;
        }
        state.optimised |= 1 << message;
        let sender = state.parent[message as usize];
        if sender == node || sender == announcer {
            return;
        }
        if !state.eager.contains(&announcer) {
            Self::make_eager(net, node, announcer);
            let body = Body {
                messages: 0,
                hop: 0,
            };
            self.transmit(net, node, announcer, GRAFT, body);
        }
        Self::make_lazy(net, node, sender);
        let body = Body {
            messages: 0,
            hop: 0,
        };
        self.transmit(net, node, sender, PRUNE, body);
    }

    /// Whether an announcement at hop `offered` beats a delivery at hop `delivered` by the
    /// threshold.
    fn beats(&self, offered: u32, delivered: u32) -> bool {
        self.params
            .threshold
            .is_some_and(|threshold| offered.saturating_add(threshold) <= delivered)
    }

    /// Rule: GOSSIP (or its repair) received.
    fn on_gossip(&self, net: &mut impl Net<Self>, node: u32, from: u32, body: Body) {
        let message = body.messages.trailing_zeros();
        if message >= self.count() {
            return;
        }
        if !net.learn(node, message, from) {
            // Duplicate: the link is redundant.
            Self::make_lazy(net, node, from);
            let prune = Body {
                messages: 0,
                hop: 0,
            };
            self.transmit(net, node, from, PRUNE, prune);
            return;
        }
        net.cancel_timer(node, Timer::Graft(message));
        Self::make_eager(net, node, from);
        self.deliver(net, node, message, body.hop, from);
        // Announcements that came first: forgotten, the best one checked by the optimisation.
        let state = net.state_mut(node);
        let best = state
            .missing
            .iter()
            .filter(|&&(missing, _, _)| missing == message)
            .min_by_key(|&&(_, _, hop)| hop)
            .copied();
        state.missing.retain(|&(missing, _, _)| missing != message);
        if let Some((_, announcer, hop)) = best
            && self.beats(hop, body.hop)
        {
            self.optimise(net, node, message, announcer);
        }
    }

    /// Rule: IHAVE received.
    fn on_ihave(&self, net: &mut impl Net<Self>, node: u32, from: u32, body: Body) {
        let state = net.state(node);
        if !state.eager.contains(&from) && !state.lazy.contains(&from) {
            // A node that linked back after a crash announces before it gossips.
            Self::make_lazy(net, node, from);
        }
        for message in bits(body.messages).filter(|&message| message < self.count()) {
            if net.knows(node, message) {
                let hops = &net.state(node).hops;
                let delivered = hops
                    .get(message as usize)
                    .copied()
                    .filter(|&hop| hop != UNDELIVERED);
                if delivered.is_some_and(|delivered| self.beats(body.hop, delivered)) {
                    self.optimise(net, node, message, from);
                }
            } else {
                net.state_mut(node).missing.push((message, from, body.hop));
                if !net.has_timer(node, Timer::Graft(message)) {
                    let after = Tick::from(self.params.ihave_timeout) * TICKS_PER_ROUND;
                    net.set_timer(node, after, Timer::Graft(message));
                }
            }
        }
    }

    /// Rule: a GRAFT timer fired with `message` still missing: GRAFT the oldest announcer still
    /// up, move it to the back of the list, and wait `graft_timeout` for the next.
    fn graft_next(&self, net: &mut impl Net<Self>, node: u32, message: u32) {
        if net.knows(node, message) {
            return;
        }
        loop {
            let state = net.state_mut(node);
            let Some(index) = state
                .missing
                .iter()
                .position(|&(missing, _, _)| missing == message)
            else {
                return;
            };
            let announcement = state.missing.remove(index);
            let announcer = announcement.1;
            Self::make_eager(net, node, announcer);
            let body = Body {
                messages: 1 << message,
                hop: 0,
            };
            self.transmit(net, node, announcer, GRAFT, body);
            if !net.is_crashed(announcer) {
                net.state_mut(node).missing.push(announcement);
                let after = Tick::from(self.params.graft_timeout) * TICKS_PER_ROUND;
                net.set_timer(node, after, Timer::Graft(message));
                return;
            }
        }
    }
}

impl Protocol for Plumtree {
    type Node = Node;
    type Body = Body;
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;

    fn messages(&self) -> u32 {
        self.count()
    }

    /// The senders' messages of round 0.
    fn initially_known(&self, sender: u32, _all: u64) -> u64 {
        (0..self.count())
            .filter(|&message| {
                self.injection.injected_round(message) == 0
                    && Injection::injector(message, self.senders) == sender
            })
            .fold(0, |set, message| set | 1 << message)
    }

    fn timer_name(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Graft(_) => GRAFT_TIMER,
            Timer::Inject(_) | Timer::Flush => "",
        }
    }

    /// Every link eager; each message's broadcast at its injection round.
    fn start(&self, net: &mut impl Net<Self>) {
        for node in 0..net.nodes() {
            net.state_mut(node).eager = self.overlay[node as usize].clone();
        }
        for message in 0..self.count() {
            let round = self.injection.injected_round(message);
            let node = Injection::injector(message, self.senders);
            net.set_timer(
                node,
                Tick::from(round) * TICKS_PER_ROUND,
                Timer::Inject(message),
            );
        }
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        match timer {
            // Rule: broadcast.
            Timer::Inject(message) => {
                net.learn(node, message, node);
                self.deliver(net, node, message, 0, node);
            }
            // Rule: lazy push, batched per round.
            Timer::Flush => {
                let batch = std::mem::take(&mut net.state_mut(node).batch);
                for (peer, hop, messages) in batch {
                    self.transmit(net, node, peer, IHAVE, Body { messages, hop });
                }
            }
            Timer::Graft(message) => self.graft_next(net, node, message),
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<Body>) {
        let Datagram {
            from,
            to,
            kind,
            body,
        } = *datagram;
        match kind {
            GOSSIP | REPAIR => self.on_gossip(net, to, from, body),
            IHAVE => self.on_ihave(net, to, from, body),
            // Rule: GRAFT: the link is eager again; repair what is asked for and held.
            GRAFT => {
                Self::make_eager(net, to, from);
                for message in bits(body.messages).filter(|&m| m < self.count()) {
                    if net.knows(to, message) {
                        let hops = &net.state(to).hops;
                        let hop = hops.get(message as usize).copied().unwrap_or(0);
                        let repair = Body {
                            messages: 1 << message,
                            hop: hop.saturating_add(1),
                        };
                        self.transmit(net, to, from, REPAIR, repair);
                    }
                }
            }
            // Rule: PRUNE: the link is lazy.
            PRUNE => Self::make_lazy(net, to, from),
            _ => {}
        }
    }

    /// Rule: back from a crash, link back to every neighbour.
    fn on_recover(&self, net: &mut impl Net<Self>, node: u32) {
        let state = net.state_mut(node);
        if state.eager.is_empty() && state.lazy.is_empty() {
            state.eager = self.overlay[node as usize].clone();
        }
        let lazy = std::mem::take(&mut state.lazy);
        state.eager.extend(lazy);
        let peers = state.eager.clone();
        for peer in peers {
            let body = Body {
                messages: 0,
                hop: 0,
            };
            self.transmit(net, node, peer, GRAFT, body);
        }
    }

    fn links(&self, states: &[Node], is_crashed: &dyn Fn(u32) -> bool) -> Vec<Link> {
        // (a, b, 0 for eager, 1 for lazy), then one link per pair, eager if either side is.
        let mut pairs: Vec<(u32, u32, u8)> = Vec::new();
        for (node, state) in states.iter().enumerate() {
            let node = node as u32;
            if is_crashed(node) {
                continue;
            }
            for (peers, rank) in [(&state.eager, 0), (&state.lazy, 1)] {
                for &peer in peers.iter().filter(|&&peer| !is_crashed(peer)) {
                    pairs.push((node.min(peer), node.max(peer), rank));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup_by_key(|&mut (a, b, _)| (a, b));
        pairs
            .into_iter()
            .map(|(a, b, rank)| Link {
                a,
                b,
                style: if rank == 0 {
                    LinkStyle::Solid
                } else {
                    LinkStyle::Dashed
                },
            })
            .collect()
    }

    fn message_figures(
        &self,
        states: &[Node],
        known: &dyn Fn(u32) -> u64,
        is_crashed: &dyn Fn(u32) -> bool,
    ) -> Vec<f64> {
        let count = self.count() as usize;
        let mut rmr = vec![f64::NAN; count];
        let mut ldh = vec![f64::NAN; count];
        let mut reliability = vec![f64::NAN; count];
        let live = (0..states.len() as u32)
            .filter(|&node| !is_crashed(node))
            .count();
        for message in 0..count {
            let (mut delivered, mut live_delivered, mut sent) = (0u64, 0u64, 0u64);
            let mut last: Option<u32> = None;
            for (node, state) in states.iter().enumerate() {
                sent += u64::from(state.sent.get(message).copied().unwrap_or(0));
                if known(node as u32) >> message & 1 == 0 {
                    continue;
                }
                delivered += 1;
                live_delivered += u64::from(!is_crashed(node as u32));
                if let Some(&hop) = state.hops.get(message).filter(|&&hop| hop != UNDELIVERED) {
                    last = Some(last.map_or(hop, |last| last.max(hop)));
                }
            }
            if delivered >= 2 {
                rmr[message] = sent as f64 / (delivered - 1) as f64 - 1.0;
            }
            if let Some(last) = last {
                ldh[message] = f64::from(last);
            }
            if live > 0 {
                reliability[message] = live_delivered as f64 / live as f64;
            }
        }
        // In the order of `FIGURES`.
        [rmr, ldh, reliability].concat()
    }
}

// --- The descriptor ---

pub struct PlumtreeSpec;
pub static SPEC: PlumtreeSpec = PlumtreeSpec;

/// The per-message figures, in the order `message_figures` computes them.
pub const FIGURES: &[MessageFigure] = &[
    MessageFigure {
        key: "rmr",
        about: "relative message redundancy m / (n − 1) − 1: 0 on a tree",
    },
    MessageFigure {
        key: "ldh",
        about: "last delivery hop: the largest hop count at delivery",
    },
    MessageFigure {
        key: "reliability",
        about: "share of the live nodes that delivered the message",
    },
];

/// Rounds after a message's injection by which its flood's PRUNEs have landed on a stable
/// network: a duplicate arrives at most one hop after the first copy, its PRUNE one hop later,
/// and one more for the last tick's ordering; a message injected this many rounds after the
/// previous one finds the tree formed.
pub const TREE_FORMS: u32 = 3;

/// The mean RMR of messages 2 to M, over those every live node has delivered.
const RMR_FIGURE: &str = "RMR after the tree forms (messages 2 to M)";

static WORDS: Words = Words {
    title: "Plumtree",
    explanation: "Plumtree: every node starts with a few random neighbours, all of them eager. The first message \
        floods: whoever receives a copy twice tells the sender PRUNE, and that link turns lazy (dashed). What \
        is left solid is a spanning tree, and later messages cross each node once: RMR falls to 0. Lazy links \
        carry only IHAVE announcements; a node that hears of a message it lacks waits, then GRAFTs the \
        announcer, and the tree heals around a crash. Leitão, Pereira and Rodrigues (2007) built it for \
        tree speed with gossip's robustness.",
    informed: "delivered every message",
    fanout: "neighbours per node (the peer-sampling view), 1 to 16; 1: a random tree",
    click: "Click a node to see which messages it holds and its GRAFT timers.",
    done: "every live node delivered every message",
    ended: "some live nodes never got a message: no link left to reach them",
};

static OWN: &[Param] = &[
    Param {
        key: "ihave_timeout",
        url: Some("ihave-timeout"),
        label: "IHAVE timeout (rounds)",
        domain: Domain::Whole { min: 1, max: 100 },
        default: "3",
        help: "plumtree: timer 1, rounds a node waits after an IHAVE for a missing message before it GRAFTs the announcer",
        get: |config| config.own_value("ihave_timeout"),
        set: |config, value| config.set_own("ihave_timeout", value),
    },
    Param {
        key: "graft_timeout",
        url: Some("graft-timeout"),
        label: "GRAFT timeout (rounds)",
        domain: Domain::Whole { min: 1, max: 100 },
        default: "3",
        help: "plumtree: timer 2, rounds a node waits after a GRAFT before it GRAFTs the next announcer (a round trip is 2 rounds plus twice the delay)",
        get: |config| config.own_value("graft_timeout"),
        set: |config, value| config.set_own("graft_timeout", value),
    },
    Param {
        key: "threshold",
        url: Some("threshold"),
        label: "Optimisation threshold (hops)",
        domain: Domain::Optional { min: 1, max: 64 },
        default: "3",
        help: "plumtree: a GOSSIP that came this many hops later than an IHAVE of the same message moves the tree to the announcer (GRAFT it, PRUNE the sender; none: no optimisation)",
        get: |config| config.own_value("threshold"),
        set: |config, value| config.set_own("threshold", value),
    },
];

impl PlumtreeSpec {
    /// Neighbours per node, about (the ring's two for b <= 2).
    fn degree(config: &Config) -> u64 {
        u64::from(config.fanout.max(2))
    }

    /// A bound on the eager tree's depth: the ring's half for b <= 2; otherwise the diameter of
    /// a random graph of degree 3 or more, log2 N and a margin.
    fn depth_bound(config: &Config) -> f64 {
        let nodes = f64::from(config.nodes);
        if config.fanout <= 2 {
            nodes
        } else {
            nodes.min(8.0 * nodes.log2() + 16.0)
        }
    }
}

impl ProtocolSpec for PlumtreeSpec {
    /// A few neighbours each: at b = 1 the overlay is a bare tree, with no lazy links to repair it.
    fn page_fanout(&self) -> Option<u32> {
        Some(4)
    }
    fn name(&self) -> &'static str {
        "plumtree"
    }
    fn group(&self) -> Group {
        // A broadcast over a tree, repaired by gossip: the multicast of the lecture's arc.
        Group::Multicast
    }
    fn about(&self) -> &'static str {
        "Epidemic broadcast tree: eager push along a tree that floods, prunes and grafts itself; lazy IHAVEs repair it"
    }
    fn params(&self) -> &'static [&'static str] {
        &[
            "mode",
            "nodes",
            "fanout",
            "loss",
            "crash",
            "senders",
            "seed",
            "max_rounds",
            "messages",
            "inject_every",
            "delay",
            "burst",
            "crash_at",
            "ihave_timeout",
            "graft_timeout",
            "threshold",
        ]
    }
    fn own_params(&self) -> &'static [Param] {
        OWN
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        on_events(
            Plumtree {
                overlay: overlay(config.nodes, config.fanout, config.seed),
                injection: messages::Params {
                    count: config.messages.count,
                    inject_every: config.messages.inject_every,
                    ..messages::Params::default()
                },
                senders: config.senders,
                params: Params::of(config),
            },
            config,
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        let params = Params::of(config);
        let hop = 1.0
            + if config.has_delay() {
                config.delay.mean()
            } else {
                0.0
            };
        let last = f64::from(config.messages.injected_round(config.messages.count - 1));
        let flood = (Self::depth_bound(config) + 2.0) * hop;
        let loss = config.mean_loss();
        super::clamp_rounds(if loss >= 1.0 {
            last + flood + 10.0
        } else {
            // Each missing delivery: a GRAFT and its repair, retried until both get through.
            let wait = f64::from(params.ihave_timeout + params.graft_timeout) + 2.0 * hop;
            let tries = super::tries_for_all(
                f64::from(config.nodes) * f64::from(config.messages.count),
                loss,
            );
            last + flood + tries * wait + 50.0
        })
    }
    fn expected_curve(&self, _config: &Config, _max_points: usize) -> Vec<f64> {
        Vec::new()
    }
    fn expected_rounds(&self, _config: &Config) -> Option<u32> {
        None
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: "theory.md section 11: Leitão, Pereira, Rodrigues, Epidemic Broadcast Trees (SRDS 2007): a formed tree carries each message once per node, RMR 0",
            assumptions: "RMR 0 once the tree has formed: one sender, no loss, no crash during the run, no delay, messages injected at least 3 rounds apart",
        })
    }
    fn theory_note(&self, _config: &Config) -> String {
        "no curve: the first message floods the random overlay (no closed form drawn); once the tree has formed, each later message crosses each tree link once, RMR 0".into()
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        let count = config.messages.count;
        let stable = config.mean_loss() == 0.0 && config.crash_at.is_empty() && !config.has_delay();
        let (expected, why) = if count < 2 {
            (
                None,
                "one message: the tree forms with it (set messages to 2 or more)".to_string(),
            )
        } else if config.messages.inject_every < TREE_FORMS {
            (
                None,
                format!(
                    "messages injected less than {TREE_FORMS} rounds apart flood before the PRUNEs land"
                ),
            )
        } else if config.senders > 1 {
            (
                None,
                "several senders: the tree is the first sender's shortest paths, others' messages may graft shortcuts".into(),
            )
        } else if !stable {
            (
                None,
                "loss, crashes during the run or delays make duplicates and repairs: no closed form".into(),
            )
        } else {
            (
                Some(0.0),
                "a spanning tree carries each message once to each node: m = n − 1".into(),
            )
        };
        // Over the later messages every live node has delivered: a message still on its way
        // has sent more copies than it has reached nodes yet.
        let measured = measures.and_then(|measures| {
            let rmr = measures.figure(0, count);
            let reliability = measures.figure(2, count);
            let later: Vec<f64> = (1..rmr.len().min(reliability.len()))
                .filter(|&message| reliability[message] == 1.0 && !rmr[message].is_nan())
                .map(|message| rmr[message])
                .collect();
            (!later.is_empty()).then(|| later.iter().sum::<f64>() / later.len() as f64)
        });
        Some(Lesson {
            figure: RMR_FIGURE,
            expected,
            why,
            measured,
        })
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(RMR_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn page_nodes(&self) -> u32 {
        10_000
    }
    fn page_nodes_reason(&self) -> Option<&'static str> {
        Some("each message first floods every overlay link")
    }
    fn message_figures(&self) -> &'static [MessageFigure] {
        FIGURES
    }
    fn node_bytes(&self, config: &Config) -> u64 {
        let degree = Self::degree(config);
        let messages = u64::from(config.messages.count);
        // Lists grow by doubling: twice their length, plus a Vec's 24 bytes each.
        let overlay = 24 + 4 * degree;
        let sets = 2 * (24 + 4 * (2 * degree + 4));
        let per_message = 3 * (24 + 4 * messages);
        let missing = 24 + 12 * 2 * (degree * messages + 2);
        let batch = 24 + 16 * 2 * (degree + 2);
        // The driver's pending timers: a GRAFT timer per message, the flush, the injection.
        let timers = 2 * 32 * (messages + 2);
        64 + overlay + sets + per_message + missing + batch + timers
    }
    fn datagram_bytes(&self) -> u64 {
        crate::drivers::event::queued_bytes::<Plumtree>().max(crate::spec::BYTES_PER_IN_FLIGHT)
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        // In one round, per message delivered: GOSSIP to each eager peer, a repair and a PRUNE
        // per neighbour, an IHAVE per lazy peer, and its own GRAFTs.
        let degree = Self::degree(config);
        let messages = u64::from(config.messages.count);
        degree * 4 * messages + 2 * messages + degree
    }
}
