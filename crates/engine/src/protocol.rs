//! The contract between a protocol and the engine. A protocol file holds its per-node state, its
//! parameters and its rules (what a node sends when a round starts, on receipt, when a timer
//! fires); a driver (`drivers::fast` or `drivers::event`) carries the datagrams, the clock, loss,
//! crashes and the record of what happened.

use super::report::{Change, Contact, Fate, Kind, KindId, Link, Look, Tick};
use super::rng::Rng;
use serde::Serialize;

/// One datagram as its receiver sees it.
#[derive(Clone, Copy, Debug)]
pub struct Datagram<B> {
    pub from: u32,
    pub to: u32,
    pub kind: KindId,
    pub body: B,
}

/// The shape of a run's network: how the stage lays nodes out and how peers relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "shape", rename_all = "kebab-case")]
pub enum Structure {
    /// Everyone may call everyone: gossip on a circle.
    Circle,
    /// Node 0 talks to each receiver in turn: the sender in the centre, receivers around it.
    Star,
    /// A balanced `fanout`-ary tree rooted at node 0; the children of i are b i + 1 ..= b i + b.
    Tree { fanout: u32 },
    /// Node 0 in the centre; receivers 1 .. N - 1 in `regions` groups of consecutive nodes, the
    /// first of each its designated receiver.
    Regions { regions: u32 },
}

/// What a protocol may see and do; both drivers implement it. Handlers take the protocol by
/// `&self` (its parameters) and keep all mutable state here, so a zero-delay datagram can be
/// delivered at once, inside `send`, as the synchronous model requires.
pub trait Net<P: Protocol> {
    fn nodes(&self) -> u32;
    /// Nodes not crashed now.
    fn live(&self) -> u32;
    /// The current tick and round.
    fn now(&self) -> Tick;
    fn round(&self) -> u32;
    fn rng(&mut self) -> &mut Rng;
    fn is_crashed(&self, node: u32) -> bool;
    /// A peer of `caller`, uniform over the other N - 1 nodes (crashed ones included: a caller
    /// cannot know).
    fn peer(&mut self, caller: u32) -> u32;
    /// Did `node` know `message` before this tick? What it learns now it may use from the next.
    fn knew(&self, node: u32, message: u32) -> bool;
    /// Nodes that knew every message before this round: the prefix of the informed order.
    fn informed_before_round(&self) -> usize;
    /// The informed node at `index` of the informed order (the order they came to know).
    fn informed_at(&self, index: usize) -> u32;
    /// Sends a datagram: the network may drop it, a crashed node swallows it; otherwise it is
    /// delivered to `Protocol::on_receive` after the network's delay (at once when there is none).
    fn send(&mut self, from: u32, to: u32, kind: KindId, body: P::Body);
    /// Like `send`, but the datagram spends `extra` more ticks on the way (a hop of a multicast
    /// tree, say). Event driver only.
    fn send_after(&mut self, from: u32, to: u32, kind: KindId, body: P::Body, extra: Tick);
    /// Like `send_after`, but the datagram is lost whatever the network's loss: a loss placed by
    /// hand (`drop`), counted and drawn like any other. Event driver only.
    fn lose_after(&mut self, from: u32, to: u32, kind: KindId, body: P::Body, extra: Tick);
    /// Calls `Protocol::on_timer(node, timer)` `after` ticks from now, unless `node` has crashed
    /// or the timer is cancelled first.
    fn set_timer(&mut self, node: u32, after: Tick, timer: P::Timer);
    /// Cancels every pending timer of `node` equal to `timer` (SRM's suppression).
    fn cancel_timer(&mut self, node: u32, timer: P::Timer);
    /// Whether `node` has a pending timer equal to `timer`.
    fn has_timer(&self, node: u32, timer: P::Timer) -> bool;
    /// `node` now knows `message`, from `from`; returns false (and counts a redundant payload)
    /// if it knew it already.
    fn learn(&mut self, node: u32, message: u32, from: u32) -> bool;
    /// Whether `node` knows `message` now (including what it learned this tick).
    fn knows(&self, node: u32, message: u32) -> bool;
    fn state(&self, node: u32) -> &P::Node;
    fn state_mut(&mut self, node: u32) -> &mut P::Node;
    /// Records a node event for the report (the UI shows it).
    fn note(&mut self, node: u32, change: Change);
    /// Counts a multicast of `kind` started (its datagrams are counted as they are sent).
    fn count_multicast(&mut self, kind: KindId);
    /// Calls `Protocol::on_wake(timer)` `after` ticks from now: work no node owns, which no
    /// crash stops and nothing cancels (a multicast's copies on their way). Event driver only.
    fn wake_after(&mut self, _after: Tick, _timer: P::Timer) {
        unreachable!("protocols that carry copies themselves run on the event driver")
    }
    /// The fate of one copy a protocol carries itself instead of sending it (a multicast walked
    /// over its tree at once, no event per copy), sent from `from` to `to` in `round`: the draws
    /// `send` makes (the burst chain's step, the loss, the cut of a partition holding in `round`),
    /// nothing counted or delivered. `Arrived`, `Lost` or `Partitioned`. Event driver only.
    fn copy_fate(&mut self, _from: u32, _to: u32, _round: u32) -> Fate {
        unreachable!("protocols that carry copies themselves run on the event driver")
    }
    /// Counts copies a protocol carried itself now, as `send` and delivery would have counted
    /// them (sent and lost ones as they leave, the others as they arrive). Event driver only.
    fn count_copies(&mut self, _kind: KindId, _copies: Copies) {
        unreachable!("protocols that carry copies themselves run on the event driver")
    }
    /// Whether this round is plain gossip, known when compiled: the fast driver with no loss,
    /// no crashed node and nothing recorded (the lecture's default run to the end, the sweeps).
    /// The page's engine shapes the gossip rounds' loops for V8 in that case only, which keeps
    /// the page's size down.
    fn is_plain(&self) -> bool {
        false
    }
    /// Whether this step is recorded (the stage animates it, or a trace is written): a protocol
    /// carrying copies itself then reports them with `record_copy`.
    fn recording(&self) -> bool {
        false
    }
    /// Writes down a copy a protocol carried itself, as `send` and delivery would: a lost one
    /// as it leaves, the others as they arrive (`Protocol::carried` lists them until then).
    fn record_copy(&mut self, _contact: Contact) {
        unreachable!("protocols that carry copies themselves run on the event driver")
    }
    /// Bytes the network's queue holds now for datagrams in flight and timers: its slots and
    /// each node's pending timers, as allocated (not the lists a protocol that queues its
    /// copies in lists keeps, `Protocol::LISTS`), for a protocol that enforces a memory
    /// budget while it plays. 0 where nothing waits in a queue.
    fn queue_bytes(&self) -> u64 {
        0
    }
}

/// Copies of one kind carried by a protocol itself, for the round's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Copies {
    /// Copies sent, lost ones included.
    pub sent: u64,
    /// Copies the network dropped.
    pub lost: u64,
    /// Copies dropped at a partition's cut.
    pub partitioned: u64,
    /// Copies that arrived at node 0, the sender.
    pub at_sender: u64,
    /// Copies that reached a crashed node and vanished there.
    pub to_crashed: u64,
}

/// The bitmap of the kinds drawn with `look`.
pub const fn look_mask(kinds: &[Kind], look: Look) -> u8 {
    let mut mask = 0;
    let mut index = 0;
    while index < kinds.len() {
        if kinds[index].look as u8 == look as u8 {
            mask |= 1 << index;
        }
        index += 1;
    }
    mask
}

/// The bitmap of the kinds that carry the message.
pub const fn payload_mask(kinds: &[Kind]) -> u8 {
    let mut mask = 0;
    let mut index = 0;
    while index < kinds.len() {
        if kinds[index].payload {
            mask |= 1 << index;
        }
        index += 1;
    }
    mask
}

pub trait Protocol: Sized {
    /// Per-node state: counters, timers pending, bitmaps, membership lists.
    type Node: Clone + Default;
    /// What a datagram carries beyond its kind: packet numbers, a bitmap, a digest.
    type Body: Clone;
    /// What a timer says when it fires.
    type Timer: Copy + PartialEq;
    /// The datagram kinds this protocol sends (at most `report::MAX_KINDS`).
    const KINDS: &'static [Kind];
    /// Bit k set: kind k is a repair or retransmission, unicast or regional (what it teaches
    /// was lost before).
    const REPAIR_KINDS: u8 =
        look_mask(Self::KINDS, Look::Repair) | look_mask(Self::KINDS, Look::RegionalRepair);
    /// Bit k set: kind k carries the message (derived from `KINDS`; one shift in the hot path).
    const PAYLOAD_KINDS: u8 = payload_mask(Self::KINDS);
    /// Gossip acts every round for ever (a run ends only when all know or at the round limit);
    /// other protocols act on timers and receipts, and a run also ends when nothing is pending.
    const EVERY_ROUND: bool;
    /// Gossip that stops by its own rule (rumor mongering): a run goes on after every node knows
    /// until `quiet`, and may end with nodes never informed.
    const STOPS: bool = false;
    /// The event driver queues this protocol's datagrams that leave at one tick for one
    /// arrival tick, one after another, as one list (a multicast's hop: SRM floods every request
    /// and repair to every member). Off, each is an entry: the list's code is left out of the
    /// protocol's driver (the page's size).
    const LISTS: bool = false;

    /// Messages (packets) a node must know to count as informed; at most 64.
    fn messages(&self) -> u32 {
        1
    }
    /// What sender `sender` knows before round 1 (`all`: every message, the default). Many
    /// messages: only the ones injected at round 0 at this sender.
    fn initially_known(&self, _sender: u32, all: u64) -> u64 {
        all
    }
    /// Called once before round 1: initial timers.
    fn start(&self, _net: &mut impl Net<Self>) {}
    /// Called at the first tick of every round when `EVERY_ROUND` (synchronous rounds). The
    /// default gives every live node its turn in node order; a protocol may visit fewer nodes
    /// (push: only the informed ones), as long as it does what `on_period` does for each.
    // Inlined like the protocols' own: the fast driver keeps the round's state in registers.
    #[inline(always)]
    fn on_round(&self, net: &mut impl Net<Self>) {
        for node in 0..net.nodes() {
            if !net.is_crashed(node) {
                self.on_period(net, node);
            }
        }
    }
    /// One live node's gossip turn: what it does when its own period starts. Synchronous rounds
    /// call it through `on_round`; asynchronous gossip calls it at each node's own phase.
    fn on_period(&self, _net: &mut impl Net<Self>, _node: u32) {}
    /// A datagram reaches a live node. It is lent where it lies in the network (a move is a
    /// copy, and in wasm a call, for every datagram of a run): a handler that keeps part of
    /// the body takes it, and the network drops the rest when the handler returns.
    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<Self::Body>);
    /// `node` crashed between rounds (its timers died with it); called before the next round.
    fn on_crash(&self, _net: &mut impl Net<Self>, _node: u32) {}
    /// `node` came back between rounds, with its state or empty; called before the next round,
    /// so a protocol can restart what the crash stopped (an ACK timer, a request for what the
    /// node missed).
    fn on_recover(&self, _net: &mut impl Net<Self>, _node: u32) {}
    fn on_timer(&self, _net: &mut impl Net<Self>, _node: u32, _timer: Self::Timer) {}
    /// Work set with `Net::wake_after` is due.
    fn on_wake(&self, _net: &mut impl Net<Self>, _timer: Self::Timer) {}
    /// The copies the protocol carries itself (`Net::copy_fate`) that are on their way, as
    /// contacts (fate `Arrived` until they land), for the stage; none by default.
    fn carried(&self) -> Vec<Contact> {
        Vec::new()
    }
    /// How many copies `carried` would list.
    fn carried_count(&self) -> u64 {
        0
    }
    /// Whether no node will ever send again (asked only when `STOPS`, with nothing in flight).
    fn quiet(&self, _states: &[Self::Node]) -> bool {
        false
    }
    /// A pending timer's name, for the stage ("request (NAK) timer", "repair timer": an arc
    /// that fills until it fires); empty, the default, marks an internal timer (a sender's clock,
    /// a forwarding turn), left out of the round's report.
    fn timer_name(&self, _timer: &Self::Timer) -> &'static str {
        ""
    }
    /// Rumor mongering: whether a node still spreads the rumor (infective) or has lost interest
    /// (removed), for the stage; `None` where the protocol has no stop rule.
    fn spreading(&self, _state: &Self::Node) -> Option<bool> {
        None
    }
    /// Cassandra: the phi `state`'s failure detector holds about `member` at `now` (`None`
    /// before it has heard of it, and for protocols without a phi detector).
    fn phi(&self, _state: &Self::Node, _member: u32, _now: Tick) -> Option<f64> {
        None
    }
    /// The overlay's links now, for the stage (a broadcast tree's eager and lazy links); none by
    /// default.
    fn links(&self, _states: &[Self::Node], _is_crashed: &dyn Fn(u32) -> bool) -> Vec<Link> {
        Vec::new()
    }
    /// The figures of `ProtocolSpec::message_figures` now: figure by figure, one value per
    /// message (NaN where a message gives none). `known(node)` is the bitmap of what a node
    /// holds.
    fn message_figures(
        &self,
        _states: &[Self::Node],
        _known: &dyn Fn(u32) -> u64,
        _is_crashed: &dyn Fn(u32) -> bool,
    ) -> Vec<f64> {
        Vec::new()
    }
    // membership
    /// The run's first crash, for the membership measures: `node` crashed at `tick`.
    fn watch(&self, _node: u32, _tick: Tick) {}
    /// The membership figures after a round (membership protocols only); `views` adds the
    /// observer-by-member matrix.
    fn membership(
        &self,
        _states: &[Self::Node],
        _is_crashed: &dyn Fn(u32) -> bool,
        _views: bool,
    ) -> Option<super::report::MembershipRound> {
        None
    }
    /// Why the protocol stopped the run before its end, in one line (SWIM: its lists outgrew
    /// the memory the run was allowed); `None` while it runs.
    fn halted(&self) -> Option<String> {
        None
    }
    /// Whether every live member lists every other live member alive (membership protocols
    /// only): the consistent view a healed partition must reach again.
    fn consistent(
        &self,
        _states: &[Self::Node],
        _is_crashed: &dyn Fn(u32) -> bool,
    ) -> Option<bool> {
        None
    }
}
