//! Many messages (theory.md section 8): the senders inject M messages over time, a gossip datagram
//! carries at most K of them (its capacity), and when a node may send more than K a policy picks
//! which: a uniformly random subset, the K most recently received, or the K of highest priority.
//! Push, pull and push-pull keep their rules, per message set:
//!
//! - push: a node that knew at least one message at the start of its turn pushes up to K of them;
//! - pull: every live node sends a request carrying its digest (the set it knew); the callee
//!   replies with up to K of what it knew that the caller lacks, or an empty reply;
//! - push-pull: each call pushes up to K of what the caller knew (if anything) and, unless the
//!   caller knew every message, also sends the request with its digest.
//!
//! With one message these are exactly push, pull and push-pull (same datagrams, same draws):
//! the subset is then the whole set and no policy draws anything (tests/messages_fixtures.rs).
//!
//! Injection: message m enters at sender m mod `senders` at the end of round m R (R =
//! `inject_every`; 0 puts every message at its sender before round 1), so it can leave from round
//! m R + 1. Priorities: a uniform random permutation of 0 .. M - 1 drawn from the seed on its own
//! stream (message m's priority is `priority[m]`, higher first), the same in every mode and policy.

use super::{pull, push, push_pull};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, TICKS_PER_ROUND, Tick};
use crate::rng::{Rng, Stream};

/// Which of its messages a node sends when it may send more than the capacity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// A uniformly random subset of K.
    #[default]
    Random,
    /// The K most recently received (by the round the node got them; among messages got in the
    /// same round, where only some fit, a uniform random subset of them).
    Recent,
    /// The K of highest priority.
    Priority,
}

impl Policy {
    pub const NAMES: &'static [&'static str] = &["random", "recent", "priority"];
    pub const ALL: [Policy; 3] = [Policy::Random, Policy::Recent, Policy::Priority];

    pub fn name(self) -> &'static str {
        match self {
            Policy::Random => "random",
            Policy::Recent => "recent",
            Policy::Priority => "priority",
        }
    }

    pub fn from_name(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|policy| policy.name() == name)
    }
}

/// The many-messages parameters (gossip only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// M: messages injected, 1 to 64 (1: the single rumor, on the usual protocols).
    pub count: u32,
    /// K: the most messages one datagram carries.
    pub capacity: u32,
    pub policy: Policy,
    /// Rounds between injections (0: all at once, before round 1).
    pub inject_every: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            count: 1,
            capacity: 1,
            policy: Policy::Random,
            inject_every: 0,
        }
    }
}

impl Params {
    /// The round message `message` is injected at (0: held before round 1).
    pub fn injected_round(&self, message: u32) -> u32 {
        message * self.inject_every
    }

    /// The sender that injects `message`.
    pub fn injector(message: u32, senders: u32) -> u32 {
        message % senders
    }
}

/// Gossip styles (the const parameter of `Messages`), so each has its own kinds' numbering.
pub const PUSH: u8 = 0;
pub const PULL: u8 = 1;
pub const PUSH_PULL: u8 = 2;

/// The priority of each message: a permutation of 0 .. count - 1 drawn from `seed` on its own
/// stream (Fisher-Yates), so it does not disturb the run's other draws.
pub fn priorities(seed: u64, count: u32) -> [u8; 64] {
    let mut priority = [0u8; 64];
    for (message, slot) in priority.iter_mut().enumerate() {
        *slot = message as u8;
    }
    let mut rng = Rng::new(seed, Stream::Priorities);
    for last in (1..count as usize).rev() {
        let other = rng.below(last as u32 + 1) as usize;
        priority.swap(last, other);
    }
    priority
}

pub struct Messages<const STYLE: u8> {
    pub fanout: u32,
    pub params: Params,
    pub senders: u32,
    /// `priority[m]`: message m's priority, higher sent first.
    pub priority: [u8; 64],
}

/// Per node: the round it got each message (index: message; empty until it first learns one;
/// the senders' initial messages count as round 0).
#[derive(Clone, Debug, Default)]
pub struct Received(Vec<u32>);

impl Received {
    pub fn round(&self, message: u32) -> u32 {
        self.0.get(message as usize).copied().unwrap_or(0)
    }
}

/// The messages `node` knew before this tick, as a bitmap.
fn knew_set<P: Protocol>(net: &impl Net<P>, node: u32, count: u32) -> u64 {
    (0..count).fold(0, |set, message| {
        set | u64::from(net.knew(node, message)) << message
    })
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

impl<const STYLE: u8> Messages<STYLE> {
    const PUSH_KIND: u8 = if STYLE == PUSH {
        push::PUSH
    } else {
        push_pull::PUSH
    };

    fn all(&self) -> u64 {
        if self.params.count == 64 {
            u64::MAX
        } else {
            (1 << self.params.count) - 1
        }
    }

    /// The policy's choice of at most K messages among `candidates`, which `node` holds.
    pub fn pick(&self, net: &mut impl Net<Self>, node: u32, candidates: u64) -> u64 {
        let capacity = self.params.capacity;
        if candidates.count_ones() <= capacity {
            return candidates;
        }
        match self.params.policy {
            Policy::Random => random_subset(net.rng(), candidates, capacity),
            Policy::Recent => {
                // The rounds received, newest first; the K-th newest round is the boundary.
                let state = net.state(node);
                let mut rounds: Vec<(u64, u32)> = bits(candidates)
                    .map(|m| (u64::from(state.round(m)), 0))
                    .collect();
                descending(&mut rounds);
                let boundary = rounds[capacity as usize - 1].0 as u32;
                let (mut newer, mut tied) = (0u64, 0u64);
                for message in bits(candidates) {
                    match state.round(message).cmp(&boundary) {
                        std::cmp::Ordering::Greater => newer |= 1 << message,
                        std::cmp::Ordering::Equal => tied |= 1 << message,
                        std::cmp::Ordering::Less => {}
                    }
                }
                // Equally recent ones (received in the same round): a uniform random subset.
                let room = capacity - newer.count_ones();
                newer | random_subset(net.rng(), tied, room)
            }
            Policy::Priority => top(candidates, capacity, |message| {
                u64::from(self.priority[message as usize])
            }),
        }
    }

    /// `node` learns every message in `set` from `from`, noting the round of each new one.
    fn learn_all(&self, net: &mut impl Net<Self>, node: u32, set: u64, from: u32) {
        for message in bits(set) {
            if net.learn(node, message, from) {
                self.note_received(net, node, message);
            }
        }
    }

    fn note_received(&self, net: &mut impl Net<Self>, node: u32, message: u32) {
        let round = net.round();
        let count = self.params.count as usize;
        let received = &mut net.state_mut(node).0;
        if received.is_empty() {
            received.resize(count, 0);
        }
        received[message as usize] = round;
    }

    fn push_to(&self, net: &mut impl Net<Self>, caller: u32, callee: u32, known: u64) {
        let carried = self.pick(net, caller, known);
        net.send(caller, callee, Self::PUSH_KIND, carried);
    }
}

/// A uniform random subset of `size` messages of `set` (all of them if it has no more): selection
/// sampling, each kept with probability needed / remaining; no draw when there is no choice.
fn random_subset(rng: &mut Rng, set: u64, size: u32) -> u64 {
    let mut remaining = set.count_ones();
    if remaining <= size {
        return set;
    }
    let mut needed = size;
    let mut chosen = 0;
    for message in bits(set) {
        if needed == 0 {
            break;
        }
        if rng.below(remaining) < needed {
            chosen |= 1 << message;
            needed -= 1;
        }
        remaining -= 1;
    }
    chosen
}

/// Sorts newest or highest first. The rounds go in as (round, 0) pairs, so that both policies
/// share one compiled sort (the page's wasm carries each sort instance in full).
fn descending(list: &mut [(u64, u32)]) {
    list.sort_unstable_by(|a, b| b.cmp(a));
}

/// The `capacity` messages of `set` with the highest `rank` (ranks are distinct).
fn top(set: u64, capacity: u32, rank: impl Fn(u32) -> u64) -> u64 {
    let mut ranked: Vec<(u64, u32)> = bits(set).map(|message| (rank(message), message)).collect();
    descending(&mut ranked);
    ranked
        .iter()
        .take(capacity as usize)
        .fold(0, |chosen, &(_, message)| chosen | 1 << message)
}

impl<const STYLE: u8> Protocol for Messages<STYLE> {
    type Node = Received;
    /// The messages a push or reply carries, or a request's digest (what the caller knew).
    type Body = u64;
    /// A message to inject at this node.
    type Timer = u32;
    const KINDS: &'static [Kind] = match STYLE {
        PUSH => push::KINDS,
        PULL => pull::KINDS,
        _ => push_pull::KINDS,
    };
    const EVERY_ROUND: bool = true;

    fn messages(&self) -> u32 {
        self.params.count
    }

    /// The senders' first messages (injected at round 0).
    fn initially_known(&self, sender: u32, _all: u64) -> u64 {
        (0..self.params.count)
            .filter(|&message| {
                self.params.injected_round(message) == 0
                    && Params::injector(message, self.senders) == sender
            })
            .fold(0, |set, message| set | 1 << message)
    }

    /// Later messages: a timer at the last tick of their injection round.
    fn start(&self, net: &mut impl Net<Self>) {
        for message in 0..self.params.count {
            let round = self.params.injected_round(message);
            if round > 0 {
                let due: Tick = Tick::from(round) * TICKS_PER_ROUND - 1;
                let node = Params::injector(message, self.senders);
                net.set_timer(node, due - net.now(), message);
            }
        }
    }

    fn on_round(&self, net: &mut impl Net<Self>) {
        if STYLE == PUSH && self.params.count == 1 {
            // One message: exactly push's callers in push's order (the informed order).
            for index in 0..net.informed_before_round() {
                let caller = net.informed_at(index);
                if !net.is_crashed(caller) {
                    self.on_period(net, caller);
                }
            }
            return;
        }
        for node in 0..net.nodes() {
            if !net.is_crashed(node) {
                self.on_period(net, node);
            }
        }
    }

    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        let known = knew_set(net, caller, self.params.count);
        for _ in 0..self.fanout {
            match STYLE {
                // Push: only a node with something to tell calls.
                PUSH if known != 0 => {
                    let callee = net.peer(caller);
                    self.push_to(net, caller, callee, known);
                }
                PUSH => return,
                // Pull: every live node asks, with its digest.
                PULL => {
                    let callee = net.peer(caller);
                    net.send(caller, callee, pull::REQUEST, known);
                }
                // Push-pull: push what it has, ask for what it lacks.
                _ => {
                    let callee = net.peer(caller);
                    if known != 0 {
                        self.push_to(net, caller, callee, known);
                    }
                    if known != self.all() {
                        net.send(caller, callee, pull::REQUEST, known);
                    }
                }
            }
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<u64>) {
        let Datagram {
            from,
            to,
            kind,
            body,
        } = *datagram;
        match (STYLE, kind) {
            // Push has one kind: the messages.
            (PUSH, _) => self.learn_all(net, to, body, from),
            // A request: reply with up to K of what the callee knew and the caller lacks.
            (_, pull::REQUEST) => {
                let offer = knew_set(net, to, self.params.count) & !body;
                if offer == 0 {
                    net.send(to, from, pull::EMPTY_REPLY, 0);
                } else {
                    let carried = self.pick(net, to, offer);
                    net.send(to, from, pull::REPLY, carried);
                }
            }
            (_, pull::EMPTY_REPLY) => {}
            // A reply with messages, or push-pull's push.
            _ => self.learn_all(net, to, body, from),
        }
    }

    /// Injection: the sender now holds `message`.
    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, message: u32) {
        if net.learn(node, message, node) {
            self.note_received(net, node, message);
        }
    }
}
