//! What the three membership protocols share (theory.md section 10): each node's view
//! of every member (alive, suspected, failed, unknown; the member's heartbeat or incarnation and
//! when this node last heard of it), the byte-size model of their datagrams, the join of a new
//! node through seed node 0, and the detection measures: when the first live node and when every
//! live node considered the watched crash failed, false detections, the join's time.
//!
//! Heartbeat's and Cassandra's lists hold an entry per member (N x N in all); SWIM's hold what
//! differs from everyone alive. The membership modes take at most `limits::MEMBERSHIP_NODES`
//! nodes.

use crate::config::limits;
use crate::failures::{CrashAt, CrashSchedule};
use crate::protocol::{Net, Protocol};
use crate::report::{Change, MembershipRound, TICKS_PER_ROUND, Tick};
use std::cell::RefCell;
use std::rc::Rc;

/// The round a membership run without a crash schedule crashes one node at.
pub const DEFAULT_CRASH_ROUND: u32 = 10;
/// The page's matrix: views are reported for N up to this many nodes (N^2 cells a round).
pub const VIEW_CAP: u32 = 300;
/// The seed node a joining node contacts.
pub const SEED: u32 = 0;

/// One crash of one node at `DEFAULT_CRASH_ROUND` (the fraction that rounds to one node).
pub fn default_crash(nodes: u32) -> CrashSchedule {
    CrashSchedule::from_entries(&[CrashAt {
        round: DEFAULT_CRASH_ROUND,
        fraction: 1.0 / f64::from(nodes),
    }])
    .expect("one entry")
}

/// The membership modes' own parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Heartbeat: periods without a heartbeat increase before a member is marked failed.
    pub t_fail: u32,
    /// Heartbeat: periods a failed member stays listed (failed) before it is deleted.
    pub t_cleanup: u32,
    /// SWIM: k, the members asked to ping a silent target (ping-req).
    pub ping_req: u32,
    /// SWIM: periods a member stays suspected before it is confirmed failed (0: at once).
    pub suspicion: u32,
    /// Cassandra: phi_convict_threshold.
    pub phi: f64,
    /// How many periods (rounds) a run lasts.
    pub periods: u32,
    /// Node N - 1 stays out until the start of this round, then joins through seed node 0.
    pub join_at: Option<u32>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            t_fail: 20,
            t_cleanup: 20,
            ping_req: 3,
            suspicion: 5,
            phi: 8.0,
            periods: 100,
            join_at: None,
        }
    }
}

impl Params {
    /// The joining node, if any: the last one.
    pub fn joiner(&self, nodes: u32) -> Option<u32> {
        self.join_at.map(|_| nodes - 1)
    }
}

/// What an observer believes of a member. The matrix's four colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum Seen {
    /// Not (or no longer) in the observer's list.
    #[default]
    Unknown = 0,
    Alive = 1,
    Suspected = 2,
    Failed = 3,
}

/// The matrix code of a row whose observer has crashed (its view is frozen).
pub const CRASHED_ROW: u8 = 4;

/// What the shared rules need of a protocol's entry (each protocol keeps its own compact one):
/// what the observer believes of the member, and the tick that belief changed, for the
/// protocols that time a status.
pub trait Member: Copy + Default + std::fmt::Debug {
    fn seen(&self) -> Seen;
    /// Sets the belief, changed at `now`.
    fn set_seen(&mut self, seen: Seen, now: Tick);
    /// A member of the group formed before the run: alive at version 0, heard at tick 0.
    fn founder() -> Self {
        let mut entry = Self::default();
        entry.set_seen(Seen::Alive, 0);
        entry
    }
    /// A newcomer's entry for itself: alive at `version`, heard `now`.
    fn newcomer(version: u64, now: Tick) -> Self;
}

/// A tick as entries keep it: 32 bits hold 40 million periods, far beyond any run.
pub fn stamp(now: Tick) -> u32 {
    debug_assert!(now <= Tick::from(u32::MAX));
    now as u32
}

/// What the shared rules need of a node's list, whatever its layout: a dense list (an entry
/// per member, heartbeat and Cassandra) or a baseline with exceptions (SWIM).
pub trait List: Clone + Default + std::fmt::Debug {
    type Entry: Member;
    /// A full list, everyone alive at version 0 (the group formed before the run) but the
    /// joiner, unknown until it joins.
    fn everyone(nodes: u32, joiner: Option<u32>) -> Self;
    /// A joining node's list: only itself, at generation `round`.
    fn newcomer(nodes: u32, node: u32, round: u32, now: Tick) -> Self;
    /// Whether the node has joined (a list at all).
    fn joined(&self) -> bool;
    /// The entry for `member`.
    fn get(&self, member: u32) -> Self::Entry;
    /// Sets what the node believes of `member`, changed at `now`, keeping the failed count.
    fn set_seen(&mut self, member: u32, seen: Seen, now: Tick);
    /// Members listed as failed.
    fn failed(&self) -> u32;
    /// The `index`-th member listed as failed, in member order.
    fn nth_failed(&self, index: u32) -> Option<u32>;
    /// Whether `observer` lists every member `live` marks (but itself) as alive; `members`
    /// counts them.
    fn all_alive(&self, observer: u32, live: &[bool], _members: u32) -> bool {
        (0..live.len() as u32).all(|member| {
            member == observer || !live[member as usize] || self.get(member).seen() == Seen::Alive
        })
    }
}

/// A list's count of failed members after one member's belief went from `before` to `seen`.
pub fn failed_after(failed: u32, before: Seen, seen: Seen) -> u32 {
    (failed + u32::from(seen == Seen::Failed)).saturating_sub(u32::from(before == Seen::Failed))
}

/// One node's list: an entry per member (empty until the node has joined). Shared, not copied,
/// when the node sends it: a datagram holds the list as it was when sent, and the node copies
/// it only if it changes its list while such a datagram is still on its way.
#[derive(Clone, Debug)]
pub struct View<E> {
    entries: Rc<[E]>,
    /// How many members the list holds as failed (kept by `set_seen` and `recount`), so a
    /// node knows without a pass whether it has any to reconnect to.
    failed: u32,
}

impl<E> Default for View<E> {
    fn default() -> Self {
        View {
            entries: Rc::from(Vec::new()),
            failed: 0,
        }
    }
}

impl<E: Member> View<E> {
    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    /// The entries to change (a copy first if a datagram in flight still holds them).
    pub fn entries_mut(&mut self) -> &mut [E] {
        Rc::make_mut(&mut self.entries)
    }

    /// Counts the failed members again, after entries were written without `set_seen`.
    pub fn recount(&mut self) {
        self.failed = self
            .entries
            .iter()
            .filter(|entry| entry.seen() == Seen::Failed)
            .count() as u32;
    }

    /// The list as it is now, for a datagram to carry.
    pub fn share(&self) -> Rc<[E]> {
        Rc::clone(&self.entries)
    }

    /// Whether `list` is this list as it is (shared, not a copy since changed).
    pub fn holds(&self, list: &Rc<[E]>) -> bool {
        Rc::ptr_eq(&self.entries, list)
    }
}

impl<E: Member> List for View<E> {
    type Entry = E;

    fn everyone(nodes: u32, joiner: Option<u32>) -> View<E> {
        let mut entries = vec![E::founder(); nodes as usize];
        if let Some(joiner) = joiner {
            entries[joiner as usize] = E::default();
        }
        View {
            entries: entries.into(),
            failed: 0,
        }
    }

    fn newcomer(nodes: u32, node: u32, round: u32, now: Tick) -> View<E> {
        let mut entries = vec![E::default(); nodes as usize];
        entries[node as usize] = E::newcomer(generation(round), now);
        View {
            entries: entries.into(),
            failed: 0,
        }
    }

    fn joined(&self) -> bool {
        !self.entries.is_empty()
    }

    fn get(&self, member: u32) -> E {
        self.entries[member as usize]
    }

    fn set_seen(&mut self, member: u32, seen: Seen, now: Tick) {
        let entry = &mut self.entries_mut()[member as usize];
        let before = entry.seen();
        entry.set_seen(seen, now);
        self.failed = failed_after(self.failed, before, seen);
    }

    fn failed(&self) -> u32 {
        self.failed
    }

    fn nth_failed(&self, index: u32) -> Option<u32> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.seen() == Seen::Failed)
            .nth(index as usize)
            .map(|(member, _)| member as u32)
    }
}

/// The first version of generation `round`.
pub fn generation(round: u32) -> u64 {
    u64::from(round) << 32
}

/// How many blocks of 64 entries ahead of a pass over two lists (a heartbeat merge; in
/// Cassandra a Syn's comparison and a take of states) it asks for their next entries: at
/// N = 10,000 the lists are 80 KB each, 800 MB in all, rarely in any cache, and the
/// processor's own prefetching stops at each 4 KB page, so the pass asks for the next page's
/// worth itself (measured at N = 10,000: Cassandra 29 s of CPU without, 25 s with 8;
/// heartbeat at 5,000 the same with 4 and 8, slower with 16).
pub const AHEAD: usize = 8;

/// The body of a pass's entry point: calls `$pass` with `$args`, compiled for the first of
/// `$features` the processor has (x86-64, checked at run time, widest first), else as it is.
/// The lists' passes are written once, for any width; the compiler vectorises each copy for
/// its features.
macro_rules! on_widest_vectors {
    ([] $pass:path, ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty) => {
        $pass($($arg),*)
    };
    ([$feature:tt $(, $rest:tt)*] $pass:path, ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = $feature)]
            fn wide($($arg: $ty),*) -> $ret {
                $pass($($arg),*)
            }
            if std::arch::is_x86_feature_detected!($feature) {
                // SAFETY: the processor has the feature, as just checked.
                return unsafe { wide($($arg),*) };
            }
        }
        $crate::protocols::membership::on_widest_vectors!(
            [$($rest),*] $pass, ($($arg: $ty),*) -> $ret
        )
    }};
}
pub(crate) use on_widest_vectors;

/// Asks the processor to bring the block of 64 entries from `first` into its cache (nothing
/// where the block is not whole, or off x86-64).
#[inline(always)]
pub fn prefetch<T>(entries: &[T], first: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(block) = entries.get(first..first + 64) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        for line in block.chunks(64 / size_of::<T>().clamp(1, 64)) {
            // SAFETY: a prefetch reads nothing the program sees, and the line is in bounds.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (entries, first);
}

/// Every membership protocol's node state holds a list.
pub trait HasView {
    type List: List;
    fn view(&self) -> &Self::List;
    fn view_mut(&mut self) -> &mut Self::List;
}

/// The byte-size model (bytes per datagram, for bytes per node per period): an IP + UDP header,
/// a kind byte and a sequence number, plus what the datagram lists.
pub mod bytes {
    /// IPv4 (20) + UDP (8) headers.
    pub const HEADER: u64 = 28;
    /// Kind (1), sender and sequence number (4 + 4), rounded: 12.
    pub const ENVELOPE: u64 = 12;
    /// Heartbeat: one list entry, member id (4) and counter (8).
    pub const HEARTBEAT_ENTRY: u64 = 12;
    /// SWIM: a ping-req's target id (4).
    pub const TARGET: u64 = 4;
    /// SWIM: one piggybacked update, member (4), incarnation (8), state (1).
    pub const UPDATE: u64 = 13;
    /// Cassandra: one digest, endpoint (4), generation (4) and max version (8).
    pub const DIGEST: u64 = 16;
    /// Cassandra: one endpoint state, its digest and the heartbeat state (generation,
    /// version: 12) with a status value (8).
    pub const STATE: u64 = 36;
}

/// The run's detection measures, kept by the protocol while it runs (handlers take `&self`).
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    /// The watched crash: the first node to crash during the run (the lowest id when several
    /// crash at once), and the first tick of the round it crashed before.
    pub target: Option<(u32, Tick)>,
    /// Per observer: when it first considered the target failed (`Tick::MAX`: not yet).
    pub detected: Vec<Tick>,
    /// The first tick a live observer considered the target suspected or failed.
    pub first: Option<Tick>,
    /// A live observer marking a live member failed: events counted.
    pub false_detections: u64,
    /// The joining node and the tick it joined; per observer, when it first saw it alive.
    pub join: Option<(u32, Tick)>,
    pub welcomed: Vec<Tick>,
    /// Bytes sent, by the model in `bytes`.
    pub bytes: u64,
    /// Cassandra: each conviction of the target, (observer, periods without news, mean
    /// interval in periods) at that moment: the phi formula's two terms.
    pub convictions: Vec<(u32, f64, f64)>,
}

/// The shared state of a membership protocol: its parameters and its tracker.
#[derive(Debug, Default)]
pub struct Shared {
    pub params: Params,
    pub tracker: RefCell<Tracker>,
    /// Room to build a list for a datagram (Cassandra's Ack and Ack2), kept to spare an
    /// allocation per datagram; its contents matter only inside one handler.
    pub scratch: RefCell<Vec<u64>>,
}

impl Shared {
    pub fn new(params: Params, nodes: u32) -> Shared {
        Shared {
            params,
            tracker: RefCell::new(Tracker {
                detected: vec![Tick::MAX; nodes as usize],
                welcomed: vec![Tick::MAX; nodes as usize],
                ..Tracker::default()
            }),
            scratch: RefCell::default(),
        }
    }

    /// Every node but the joiner starts with the full list, everyone alive.
    pub fn start<P: Protocol>(&self, net: &mut impl Net<P>)
    where
        P::Node: HasView,
    {
        let nodes = net.nodes();
        let joiner = self.params.joiner(nodes);
        // One list for all: each node copies it when it first changes its own (a dense list;
        // a baseline with exceptions holds nothing per member to copy).
        let view = <<P::Node as HasView>::List as List>::everyone(nodes, joiner);
        for node in 0..nodes {
            if Some(node) != joiner {
                *net.state_mut(node).view_mut() = view.clone();
            }
        }
    }

    /// Whether `node` takes part now; a node without a list (the joiner at its round, a node
    /// recovered without its state) joins first: a list with only itself, a new generation, and
    /// `true` so the protocol contacts seed node 0.
    pub fn joins_now<P: Protocol>(&self, net: &mut impl Net<P>, node: u32) -> Option<bool>
    where
        P::Node: HasView,
    {
        if net.state(node).view().joined() {
            return Some(false);
        }
        let joiner = self.params.joiner(net.nodes());
        if joiner == Some(node) && net.round() < self.params.join_at.unwrap_or(0) {
            return None;
        }
        let (nodes, round, now) = (net.nodes(), net.round(), net.now());
        *net.state_mut(node).view_mut() = List::newcomer(nodes, node, round, now);
        let mut tracker = self.tracker.borrow_mut();
        if joiner == Some(node) && tracker.join.is_none() {
            tracker.join = Some((node, now));
        }
        net.note(node, Change::Joined);
        Some(true)
    }

    /// Counts `size` bytes sent.
    pub fn sent(&self, size: u64) {
        self.tracker.borrow_mut().bytes += size;
    }

    /// The rule every protocol uses to change a view: sets what `observer` believes of `member`,
    /// reports the change, and keeps the measures.
    pub fn mark<P: Protocol>(&self, net: &mut impl Net<P>, observer: u32, member: u32, seen: Seen)
    where
        P::Node: HasView,
    {
        let now = net.now();
        let before = net.state(observer).view().get(member).seen();
        if before == seen {
            return;
        }
        net.state_mut(observer)
            .view_mut()
            .set_seen(member, seen, now);
        let change = match (before, seen) {
            (_, Seen::Suspected) => Some(Change::Suspected { member }),
            (_, Seen::Failed) => Some(Change::Failed { member }),
            (Seen::Suspected | Seen::Failed, Seen::Alive) => Some(Change::Refuted { member }),
            _ => None,
        };
        if let Some(change) = change {
            net.note(observer, change);
        }
        let live = !net.is_crashed(observer);
        let mut tracker = self.tracker.borrow_mut();
        if seen == Seen::Failed && live && !net.is_crashed(member) {
            tracker.false_detections += 1;
        }
        if seen == Seen::Alive
            && tracker.join.is_some_and(|(joiner, _)| joiner == member)
            && tracker.welcomed[observer as usize] == Tick::MAX
        {
            tracker.welcomed[observer as usize] = now;
        }
        let Some((target, _)) = tracker.target else {
            return;
        };
        if member != target || !live || seen == Seen::Alive || seen == Seen::Unknown {
            return;
        }
        tracker.first.get_or_insert(now);
        if seen == Seen::Failed && tracker.detected[observer as usize] == Tick::MAX {
            tracker.detected[observer as usize] = now;
            drop(tracker);
            // The detection wave: the stage colours a node by the round it learned "X failed".
            net.learn(observer, 0, observer);
        }
    }

    /// A uniformly random member `node` lists as alive or suspected, other than itself and
    /// `except` (rejection sampling over the network's peers: the lists are nearly full).
    pub fn pick<P: Protocol>(&self, net: &mut impl Net<P>, node: u32, except: u32) -> Option<u32>
    where
        P::Node: HasView,
    {
        for _ in 0..64 {
            let peer = net.peer(node);
            let seen = net.state(node).view().get(peer).seen();
            if peer != except && matches!(seen, Seen::Alive | Seen::Suspected) {
                return Some(peer);
            }
        }
        None
    }

    /// Now and then a member `node` holds as failed, in case it is back: with probability
    /// failed / N each period (Cassandra's rule for unreachable endpoints; Serf reconnects to
    /// failed members the same way). Without it a healed partition would never be noticed:
    /// each side only talks to the members it lists alive. No draw when none is failed.
    pub fn reconnect<P: Protocol>(&self, net: &mut impl Net<P>, node: u32) -> Option<u32>
    where
        P::Node: HasView,
    {
        let failed = net.state(node).view().failed();
        if failed == 0 {
            return None;
        }
        let nodes = net.nodes();
        if net.rng().below(nodes) >= failed {
            return None;
        }
        let pick = net.rng().below(failed);
        net.state(node).view().nth_failed(pick)
    }

    /// Whether every live member that has joined lists every other such member alive.
    pub fn consistent<N: HasView>(&self, states: &[N], is_crashed: &dyn Fn(u32) -> bool) -> bool {
        // The joiner before its round, or a node recovered without its list, is not a member yet.
        let live: Vec<bool> = (0..states.len() as u32)
            .map(|node| !is_crashed(node) && states[node as usize].view().joined())
            .collect();
        let members = live.iter().filter(|&&live| live).count() as u32;
        (0..states.len() as u32)
            .filter(|&observer| live[observer as usize])
            .all(|observer| {
                states[observer as usize]
                    .view()
                    .all_alive(observer, &live, members)
            })
    }

    /// Starts watching `node`, crashed at `tick` (the first crash of the run).
    pub fn watch(&self, node: u32, tick: Tick) {
        let mut tracker = self.tracker.borrow_mut();
        if tracker.target.is_none() {
            tracker.target = Some((node, tick));
        }
    }

    /// The round's membership figures; `views` adds the matrix (N <= `VIEW_CAP`).
    pub fn report<N: HasView>(
        &self,
        states: &[N],
        is_crashed: &dyn Fn(u32) -> bool,
        views: bool,
    ) -> MembershipRound {
        let nodes = states.len() as u32;
        let tracker = self.tracker.borrow();
        let periods = |tick: Tick, from: Tick| (tick - from) as f64 / TICKS_PER_ROUND as f64;
        // The live observers: joined, not crashed, not the member in question.
        let observers = |member: u32| {
            (0..nodes).filter(move |&node| {
                node != member && !is_crashed(node) && states[node as usize].view().joined()
            })
        };
        let mut round = MembershipRound {
            false_detections: tracker.false_detections,
            bytes: tracker.bytes,
            convictions: tracker.convictions.clone(),
            ..MembershipRound::default()
        };
        if let Some((target, crashed)) = tracker.target {
            round.target = Some(target);
            let mut last = Some(0);
            for node in observers(target) {
                round.observers += 1;
                let entry = states[node as usize].view().get(target);
                round.suspecting += u32::from(entry.seen() == Seen::Suspected);
                let detected = tracker.detected[node as usize];
                if detected == Tick::MAX {
                    last = None;
                } else {
                    round.failing += 1;
                    last = last.map(|last: Tick| last.max(detected));
                }
            }
            round.first_detection = tracker.first.map(|tick| periods(tick, crashed));
            round.all_detection = last
                .filter(|_| round.observers > 0)
                .map(|tick| periods(tick.max(crashed), crashed));
        }
        if let Some((joiner, joined)) = tracker.join {
            round.joiner = Some(joiner);
            let mut last = Some(joined);
            for node in observers(joiner) {
                let welcomed = tracker.welcomed[node as usize];
                last = last
                    .filter(|_| welcomed != Tick::MAX)
                    .map(|last| last.max(welcomed));
            }
            round.join_time = last.map(|tick| periods(tick, joined));
        }
        if views && nodes <= VIEW_CAP {
            round.views = Vec::with_capacity((nodes * nodes) as usize);
            for (node, state) in states.iter().enumerate() {
                let view = state.view();
                if is_crashed(node as u32) {
                    round
                        .views
                        .extend(std::iter::repeat_n(CRASHED_ROW, nodes as usize));
                } else if !view.joined() {
                    round.views.extend(std::iter::repeat_n(0, nodes as usize));
                } else {
                    round
                        .views
                        .extend((0..nodes).map(|member| view.get(member).seen() as u8));
                }
            }
        }
        round
    }
}

/// Mean intervals without news before phi exceeds `threshold`: phi = (t / mean) log10(e).
pub fn conviction_intervals(threshold: f64) -> f64 {
    threshold / std::f64::consts::LOG10_E
}

/// The page's and the engine's cap on N in the membership modes.
pub const MAX_NODES: u32 = limits::MEMBERSHIP_NODES;

#[cfg(test)]
mod tests {
    use super::super::heartbeat;
    use super::*;

    #[test]
    fn a_shared_list_keeps_what_it_held_when_sent() {
        let mut view: View<heartbeat::Entry> = View::everyone(4, None);
        let sent = view.share();
        view.entries_mut()[1].set_version(7);
        assert_eq!(sent[1].version(), 0);
        assert_eq!(view.entries()[1].version(), 7);
        // Nothing holds the list any more: changing it copies nothing.
        drop(sent);
        let before = view.entries().as_ptr();
        view.entries_mut()[2].set_version(1);
        assert_eq!(view.entries().as_ptr(), before);
    }
}
