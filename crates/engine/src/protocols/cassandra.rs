//! Cassandra's gossiper (theory.md section 10). Each period (Cassandra's second) a node bumps its
//! heartbeat version and starts a three-way exchange with a random member it considers live:
//! GossipDigestSyn carries a digest (endpoint, version) of every endpoint it knows; the Ack
//! carries the states the receiver has newer and asks for those it lacks; the Ack2 carries what
//! was asked for. With probability unreachable / (live + 1) it also gossips to an unreachable
//! member, and, when its live partner was not the seed, with probability 1 / (live +
//! unreachable) to seed node 0. A node's state is the highest version it has seen per endpoint.
//! Failure detection is the phi accrual detector with an exponential model: each period a node
//! computes phi = (t since the last newer version / mean interval between newer versions)
//! log10(e) and convicts an endpoint when phi exceeds `phi` (8: after about 18.4 mean intervals
//! without news). The mean is over every interval since it joined (Cassandra keeps a window of
//! the last 1000); before the first interval, one period. Newer versions arriving within one tick
//! (synchronous rounds deliver at a round's first tick) count as one arrival.

use super::membership::{
    AHEAD, HasView, List, Member, SEED, Seen, Shared, View, bytes, generation, on_widest_vectors,
    prefetch, stamp,
};
use super::membership_spec::{MembershipSpec, changed_members, lists_in_flight};
use crate::config::Config;
use crate::drivers::on_events;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look, MembershipRound, TICKS_PER_ROUND, Tick};
use crate::rng::Chance;
use crate::spec::Words;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub const SYN: u8 = 0;
pub const ACK: u8 = 1;
pub const ACK2: u8 = 2;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "syn",
        payload: false,
        look: Look::Request,
        label: "GossipDigestSyn (digests)",
    },
    Kind {
        name: "ack",
        payload: false,
        look: Look::Reply,
        label: "GossipDigestAck (states, requests)",
    },
    Kind {
        name: "ack2",
        payload: false,
        look: Look::Ack,
        label: "GossipDigestAck2 (states)",
    },
];

/// A list item: an endpoint (above bit 40) and its version as `Entry::rank` packs it, or
/// `REQUEST` in its place, "send me this endpoint's state".
type Item = u64;
const REQUEST: u64 = RANK;

fn item(member: u32, rank: u64) -> Item {
    u64::from(member) << 40 | rank
}

fn member_of(item: Item) -> u32 {
    (item >> 40) as u32
}

/// An observer's entry for one endpoint: one word, what a Syn's digests need (version and
/// status) and what the detector needs (intervals counted, and in a short run the arrival
/// times), laid out by the run's `Layout`. The list the Syns share is these words; in a long
/// run each also has a `Clock`, the arrival times, kept beside the list.
///
/// The phi detector with an exponential model needs only the mean interval between arrivals of
/// newer versions. The intervals it averages follow one another, so their sum is the last
/// arrival less the start of the first: the entry keeps that start and the count instead of a
/// window (Cassandra's 1000 intervals would be kilobytes an entry, and there are N^2 entries)
/// or a running sum, and the mean stays exact.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(transparent)]
pub struct Entry {
    word: u64,
}

/// When an observer heard an endpoint's versions, in a run too long for its entry to hold it
/// (see `Layout`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clock {
    /// The tick of the last newer version.
    heard: u32,
    /// The tick the first counted interval started.
    start: u32,
}

/// What the detector reads of an endpoint.
#[derive(Clone, Copy, Debug)]
struct Times {
    /// The tick of the last newer version.
    heard: Tick,
    /// The tick the first counted interval started.
    start: Tick,
    /// Intervals counted since the endpoint was first heard.
    intervals: u64,
}

/// Where an entry's fields sit in its word: from bit 0 the version's rank (the generation
/// above the counter, so that ranks order as versions do), then the intervals counted, then,
/// in a run short enough (`packed`), from bit 32 the last newer version's tick and the first
/// interval's start; what the observer believes sits in bits 62 and 63. A counter rises once
/// a period and a generation is the round of a join, so both stay within the run's rounds;
/// each counted interval needs a newer version, so they stay within twice its rounds; every
/// tick within its rounds plus two. A run of up to 325 rounds (the lecture's 100 periods)
/// packs all in 8 bytes an endpoint; a longer one keeps the times in a `Clock` beside the
/// list, 16 bytes an endpoint. Both play the same runs. The two layouts are constants, so
/// that the passes over the lists shift by constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    counter_bits: u32,
    rank_bits: u32,
    intervals_bits: u32,
    /// Bits of a tick in the word; 0: the times live in clocks.
    tick_bits: u32,
}

impl Layout {
    /// The layout of any run: counter and generation below 2^20, intervals below 2^22.
    const SPLIT: Layout = Layout {
        counter_bits: 20,
        rank_bits: 40,
        intervals_bits: 22,
        tick_bits: 0,
    };

    /// The layout of a short run: counter and generation below 2^9, intervals below 2^10,
    /// ticks below 2^15 (60 bits).
    const PACKED: Layout = Layout {
        counter_bits: 9,
        rank_bits: 18,
        intervals_bits: 10,
        tick_bits: 15,
    };

    /// The layout of a run that lasts `rounds` rounds at most.
    pub fn of(rounds: u32) -> Layout {
        let rounds = u64::from(rounds);
        let packed = Layout::PACKED;
        let fits = |largest: u64, bits: u32| largest < 1 << bits;
        if fits(rounds + 1, packed.counter_bits)
            && fits(2 * rounds + 2, packed.intervals_bits)
            && fits((rounds + 2) * TICKS_PER_ROUND, packed.tick_bits)
        {
            packed
        } else {
            Layout::SPLIT
        }
    }

    /// Whether the times live in the entries (else in clocks).
    pub fn packed(&self) -> bool {
        self.tick_bits > 0
    }

    fn rank_mask(&self) -> u64 {
        (1 << self.rank_bits) - 1
    }

    /// The version packed: generation above counter, in the order of the versions.
    fn rank(&self, entry: &Entry) -> u64 {
        entry.word & self.rank_mask()
    }

    fn set_rank(&self, entry: &mut Entry, rank: u64) {
        debug_assert!(rank <= self.rank_mask());
        entry.word = entry.word & !self.rank_mask() | rank;
    }

    /// The rank of a version (generation in the high 32 bits, counter in the low).
    fn rank_of(&self, version: u64) -> u64 {
        let (generation, counter) = (version >> 32, version & u64::from(u32::MAX));
        debug_assert!(counter < 1 << self.counter_bits && generation < 1 << self.counter_bits);
        generation << self.counter_bits | counter
    }

    fn intervals(&self, word: u64) -> u64 {
        word >> self.rank_bits & ((1 << self.intervals_bits) - 1)
    }

    fn tick_mask(&self) -> u64 {
        (1 << self.tick_bits) - 1
    }

    /// Where a packed entry's times start: the upper half of the word, so that a pass in
    /// 32-bit lanes finds version and intervals in one half and the times and status in the
    /// other (`wasm_take_block`). (In the split layout the times live in clocks.)
    const fn heard_shift(&self) -> u32 {
        32
    }

    fn start_shift(&self) -> u32 {
        self.heard_shift() + self.tick_bits
    }

    /// The detector's view of `member`, whose entry is `entry`.
    fn times(&self, entry: &Entry, clocks: &[Clock], member: usize) -> Times {
        let (heard, start) = if self.packed() {
            (
                entry.word >> self.heard_shift() & self.tick_mask(),
                entry.word >> self.start_shift() & self.tick_mask(),
            )
        } else {
            let clock = clocks[member];
            (Tick::from(clock.heard), Tick::from(clock.start))
        };
        Times {
            heard,
            start,
            intervals: self.intervals(entry.word),
        }
    }

    /// Sets `member`'s arrival times.
    fn set_times(
        &self,
        entry: &mut Entry,
        clocks: &mut [Clock],
        member: usize,
        (heard, start): (u32, u32),
    ) {
        if self.packed() {
            let mask =
                self.tick_mask() << self.heard_shift() | self.tick_mask() << self.start_shift();
            debug_assert!(u64::from(heard.max(start)) <= self.tick_mask());
            entry.word = entry.word & !mask
                | u64::from(heard) << self.heard_shift()
                | u64::from(start) << self.start_shift();
        } else {
            clocks[member] = Clock { heard, start };
        }
    }

    /// A node's own entry when it joins at `round`: alive, its new generation, heard `now`.
    fn newcomer(
        &self,
        entry: &mut Entry,
        clocks: &mut [Clock],
        member: usize,
        round: u32,
        now: Tick,
    ) {
        *entry = Entry::default();
        self.set_rank(entry, self.rank_of(generation(round)));
        entry.set_seen(Seen::Alive, now);
        self.set_times(entry, clocks, member, (stamp(now), 0));
    }
}

const RANK: u64 = (1 << 40) - 1;

// Where `Layout::PACKED` puts an entry's fields, as constants for `Arrivals::take_packed`.
const RANK_MASK: u64 = (1 << Layout::PACKED.rank_bits) - 1;
const INTERVALS_SHIFT: u32 = Layout::PACKED.rank_bits;
const INTERVALS_MASK: u64 = (1 << Layout::PACKED.intervals_bits) - 1;
const HEARD_SHIFT: u32 = Layout::PACKED.heard_shift();
const _: () = {
    let packed = Layout::PACKED;
    assert!(packed.rank_bits + packed.intervals_bits <= HEARD_SHIFT);
    assert!(HEARD_SHIFT + 2 * packed.tick_bits <= 62);
};
const START_SHIFT: u32 = HEARD_SHIFT + Layout::PACKED.tick_bits;
const TICK_MASK: u64 = (1 << Layout::PACKED.tick_bits) - 1;
const ALIVE: u64 = Seen::Alive as u64;

impl Entry {
    fn known(&self) -> bool {
        self.word >> 62 != Seen::Unknown as u64
    }
}

impl Member for Entry {
    fn seen(&self) -> Seen {
        match self.word >> 62 {
            0 => Seen::Unknown,
            1 => Seen::Alive,
            2 => Seen::Suspected,
            _ => Seen::Failed,
        }
    }
    fn set_seen(&mut self, seen: Seen, _now: Tick) {
        self.word = self.word & !(3 << 62) | (seen as u64) << 62;
    }
    /// Its version and times are the run's layout's: `Layout::newcomer` sets them.
    fn newcomer(_version: u64, now: Tick) -> Entry {
        let mut entry = Entry::default();
        entry.set_seen(Seen::Alive, now);
        entry
    }
}

#[derive(Clone, Debug, Default)]
pub struct Node {
    pub view: View<Entry>,
    /// The arrival times of the view's entries, member by member.
    clocks: Vec<Clock>,
    /// The detector's last pass: the live endpoints, the unreachable ones (in order).
    live: u32,
    unreachable: Vec<u32>,
    /// No live endpoint can be convicted before this tick, and none has changed status since
    /// the last pass, so the next pass waits until then (0: due now).
    due: Tick,
    /// Its list is known to list every endpoint (`Cassandra::full`). An endpoint once known
    /// stays known, so this holds until the list is replaced (a join, a recovery without
    /// state: a new `Node`).
    full: bool,
    /// An endpoint the list did not know when last checked, checked first next time.
    unknown: u32,
}

impl HasView for Node {
    type List = View<Entry>;
    fn view(&self) -> &View<Entry> {
        &self.view
    }
    fn view_mut(&mut self) -> &mut View<Entry> {
        &mut self.view
    }
}

/// What a datagram carries.
#[derive(Clone, Debug)]
pub enum Body {
    /// A Syn's digests: the initiator's list as it was when sent (every endpoint it knows),
    /// and whether it listed every endpoint (`Node::full`).
    Digests(Rc<[Entry]>, bool),
    /// An Ack's or an Ack2's states, (endpoint, version as `Entry::rank` packs it), then an
    /// Ack's requests (`REQUEST`).
    States(Rc<[Item]>),
    /// An Ack's or an Ack2's lists as masks over the sender's list, in `Cassandra::masks`:
    /// for an Ack, its states (the sender's entries newer than the digests) and its requests;
    /// for an Ack2, the states asked for. Only where datagrams take no time, so that the
    /// receiver reads the masks and the sender's list at the endpoints they pick as they were
    /// when sent (see `Cassandra::instant`): a take changes only the endpoints newer on the
    /// other side, and an endpoint newer on one side is not newer on the other.
    Masks,
}

pub struct Cassandra {
    pub shared: Shared,
    /// No datagram is ever lost: an exchange then draws nothing from the run's generator (loss
    /// is its only draw), so a period's later Syns can be decided before the first exchange.
    pub lossless: bool,
    /// Room for a Syn's answer, its states and its requests, kept to spare two allocations
    /// per Syn.
    answers: RefCell<(Vec<Item>, Vec<Item>)>,
    /// Where an entry's fields sit, for the run's length.
    layout: Layout,
    /// Datagrams take no time and the entries hold their times: an Ack is then taken inside
    /// the Syn's handler, and its Ack2 inside the Ack's, before anything else changes the
    /// lists, so the Ack and the Ack2 carry masks over their sender's list (`Body::Masks`)
    /// instead of lists of states: the exchange copies no list. (The Ack's take changes only
    /// the endpoints of the Ack's states, the Ack2's only those asked for, never both: each
    /// mask still picks what its sender's list held when the Syn was compared.)
    instant: bool,
    /// An exchange's masks, two words per block of 64 endpoints: the Ack's states (newer at
    /// the responder), then its requests, which the Ack's receiver narrows to the Ack2's
    /// states (the endpoints it knows).
    masks: RefCell<Vec<u64>>,
    /// Every datagram arrives (no loss, no partitions): with `instant`, a Syn's receiver may
    /// take its exchange's Ack and Ack2 while it compares the lists (`exchange_taking`).
    arrives: bool,
    /// Where the Ack's and the Ack2's takes go on from, the endpoints before them taken with
    /// the Syn's comparison (`exchange_taking`; 0 where it took none).
    resume: Cell<(usize, usize)>,
}

/// Where a block's masks sit in `Cassandra::masks`: the Ack's states, the requests (then the
/// Ack2's states).
const STATES: usize = 0;
const ASKED: usize = 1;

/// Phi of an endpoint `elapsed` ticks after its last newer version, with this mean interval.
pub fn phi(elapsed: Tick, mean_interval: f64) -> f64 {
    elapsed as f64 / mean_interval * std::f64::consts::LOG10_E
}

impl Cassandra {
    /// Sends an Ack's or an Ack2's list, of which the last `requests` are requests.
    fn send_states(
        &self,
        net: &mut impl Net<Self>,
        (from, to): (u32, u32),
        kind: u8,
        list: Rc<[Item]>,
        requests: usize,
    ) {
        let states = list.len() - requests;
        let size = bytes::STATE * states as u64 + bytes::DIGEST * requests as u64;
        self.shared.sent(bytes::HEADER + bytes::ENVELOPE + size);
        net.send(from, to, kind, Body::States(list));
    }

    /// Sends an Ack's or an Ack2's masks (`Body::Masks`), for `states` states and `requests`
    /// requests.
    fn send_masks(
        &self,
        net: &mut impl Net<Self>,
        (from, to): (u32, u32),
        kind: u8,
        (states, requests): (u64, u64),
    ) {
        let size = bytes::STATE * states + bytes::DIGEST * requests;
        self.shared.sent(bytes::HEADER + bytes::ENVELOPE + size);
        net.send(from, to, kind, Body::Masks);
    }

    /// A Syn with `digests`, the list of a node that knows `known` endpoints.
    fn send_syn(
        &self,
        net: &mut impl Net<Self>,
        (from, to): (u32, u32),
        (digests, full): (Rc<[Entry]>, bool),
        known: u64,
    ) {
        self.shared
            .sent(bytes::HEADER + bytes::ENVELOPE + bytes::DIGEST * known);
        net.send(from, to, SYN, Body::Digests(digests, full));
    }

    /// Whether `node`'s list lists every endpoint: settled once, when it does (see
    /// `Node::full`); until then, the endpoint found unknown last time is checked first, so
    /// that asking costs a pass over the list only when that one has become known.
    fn full(&self, net: &mut impl Net<Self>, node: u32) -> bool {
        let state = net.state_mut(node);
        if state.full {
            debug_assert!(state.view.entries().iter().all(Entry::known));
            return true;
        }
        let entries = state.view.entries();
        if entries.is_empty()
            || entries
                .get(state.unknown as usize)
                .is_some_and(|entry| !entry.known())
        {
            return false;
        }
        match entries.iter().position(|entry| !entry.known()) {
            Some(member) => state.unknown = member as u32,
            None => state.full = true,
        }
        state.full
    }

    /// A period's Syns besides the live partner, drawn as the lossy path of `on_period` draws
    /// them: now and then an unreachable member (with probability unreachable / (live + 1)),
    /// and the seed (with probability 1 / (live + unreachable)) when neither this node nor its
    /// partner is the seed.
    fn other_partners(
        &self,
        net: &mut impl Net<Self>,
        node: u32,
        partner: Option<u32>,
        live: u32,
        unreachable: &[u32],
    ) -> (Option<u32>, bool) {
        let unreachable_count = unreachable.len() as u32;
        let pick = (unreachable_count > 0
            && net.rng().happens(Chance::new(
                f64::from(unreachable_count) / f64::from(live + 1),
            )))
        .then(|| unreachable[net.rng().below(unreachable_count) as usize]);
        let seed = node != SEED
            && partner != Some(SEED)
            && net.rng().happens(Chance::new(
                1.0 / f64::from((live + unreachable_count).max(1)),
            ));
        (pick, seed)
    }

    /// The phi accrual detector's check, once a period: convicts endpoints whose phi exceeds
    /// the threshold; returns the live and the unreachable endpoints it lists.
    fn interpret(&self, net: &mut impl Net<Self>, node: u32) -> (u32, Vec<u32>) {
        let now = net.now();
        let state = net.state(node);
        if now < state.due {
            return (state.live, state.unreachable.clone());
        }
        let threshold = self.shared.params.phi;
        let limit = quick_limit(threshold);
        let (mut live, mut unreachable, mut from, mut due) = (0, Vec::new(), 0, Tick::MAX);
        // One pass over the list; it stops only to convict an endpoint through the shared rule
        // (which reports it), then goes on after it.
        loop {
            let state = net.state(node);
            let (entries, clocks) = (state.view.entries(), &state.clocks[..]);
            let mut convicted = None;
            let mut next = from;
            while next < entries.len() {
                // Whole blocks the quick test settles go eight entries an instruction.
                #[cfg(not(target_arch = "wasm32"))]
                if self.layout.packed() && next % 64 == 0 {
                    let pass = quick_pass(entries, next, node, now, limit);
                    live += pass.live;
                    due = due.min(pass.due);
                    next = pass.stop;
                    if next == entries.len() {
                        break;
                    }
                }
                let member = next;
                next += 1;
                if member as u32 == node {
                    continue;
                }
                let entry = &entries[member];
                match entry.seen() {
                    Seen::Alive => {
                        let times = self.layout.times(entry, clocks, member);
                        if convicts(&times, now, threshold, limit) {
                            convicted = Some((member as u32, times));
                            break;
                        }
                        live += 1;
                        due = due.min(times.heard + quick_wait(&times, limit));
                    }
                    Seen::Failed => unreachable.push(member as u32),
                    _ => {}
                }
            }
            let Some((member, times)) = convicted else {
                let state = net.state_mut(node);
                (state.live, state.due) = (live, due);
                state.unreachable.clone_from(&unreachable);
                return (live, unreachable);
            };
            let mut tracker = self.shared.tracker.borrow_mut();
            if tracker.target.is_some_and(|(target, _)| target == member) {
                let period = TICKS_PER_ROUND as f64;
                let silence = (now - times.heard) as f64 / period;
                tracker
                    .convictions
                    .push((node, silence, mean_interval(&times) / period));
            }
            drop(tracker);
            self.shared.mark(net, node, member, Seen::Failed);
            unreachable.push(member);
            from = member as usize + 1;
        }
    }

    /// How `node`, whose detector's next pass is `due`, takes states `now`. An arrival sets its
    /// interval mean: the next pass stays due when it is at least `least` (the quick test
    /// clears the endpoint until then), else it comes sooner. Capped where it already exceeds
    /// any sum of intervals (a u32 of ticks), so that its product with a count of intervals
    /// (below 2^22) needs no overflow check.
    fn arrivals(&self, node: u32, now: Tick, due: Tick) -> Arrivals {
        let limit = quick_limit(self.shared.params.phi);
        Arrivals {
            node,
            now,
            least: due_mean(due, now, limit).min(1 << 32),
            layout: self.layout,
        }
    }

    /// Takes the states of an Ack or an Ack2 at `node`; an Ack's requests gather, in the
    /// scratch list, what `node` knows of the endpoints asked for: returns how many. One pass;
    /// it stops only where an endpoint comes back to life, to mark it alive through the shared
    /// rule.
    fn take(&self, net: &mut impl Net<Self>, node: u32, list: &[Item]) -> usize {
        let now = net.now();
        // The requests come last.
        let states = list.partition_point(|&item| item & RANK != REQUEST);
        let mut from = 0;
        loop {
            let state = net.state_mut(node);
            let arrivals = self.arrivals(node, now, state.due);
            let (entries, clocks) = (state.view.entries_mut(), &mut state.clocks[..]);
            let (revived, sooner) = arrivals.take(entries, clocks, &list[from..states]);
            if sooner {
                net.state_mut(node).due = 0;
            }
            let Some(offset) = revived else {
                break;
            };
            let index = from + offset;
            // A change of status: the next pass counts again.
            net.state_mut(node).due = 0;
            self.shared
                .mark(net, node, member_of(list[index]), Seen::Alive);
            from = index + 1;
        }
        let entries = net.state(node).view.entries();
        let mut asked = self.shared.scratch.borrow_mut();
        if asked.len() < list.len() {
            asked.resize(list.len(), 0);
        }
        let rank_mask = self.layout.rank_mask();
        let mut count = 0;
        for &request in &list[states..] {
            let word = entries[member_of(request) as usize].word;
            // A request is its endpoint above `REQUEST`: the state keeps the endpoint.
            asked[count] = request & !RANK | word & rank_mask;
            count += usize::from(word >> 62 != Seen::Unknown as u64);
        }
        count
    }
}

impl Cassandra {
    /// `take` for states as masks (`Body::Masks`): the endpoints of `source`, the sender's
    /// list, that the masks at `slot` pick, from endpoint `from` on. The same steps as
    /// `take`, in the same order.
    fn take_masked(
        &self,
        net: &mut impl Net<Self>,
        node: u32,
        source: &[Entry],
        (slot, mut from): (usize, usize),
    ) {
        let now = net.now();
        loop {
            let state = net.state_mut(node);
            let arrivals = self.arrivals(node, now, state.due);
            let (revived, sooner) = arrivals.take_masked(
                state.view.entries_mut(),
                source,
                &self.masks.borrow(),
                (slot, from),
            );
            if sooner {
                net.state_mut(node).due = 0;
            }
            let Some(member) = revived else {
                return;
            };
            // A change of status: the next pass counts again.
            net.state_mut(node).due = 0;
            self.shared.mark(net, node, member as u32, Seen::Alive);
            from = member + 1;
        }
    }

    /// An Ack's requests narrowed to the endpoints the node knows (`entries`; all if `full`):
    /// the Ack2's states, in place. Returns how many.
    fn narrow_requests(&self, entries: &[Entry], full: bool) -> u64 {
        let mut masks = self.masks.borrow_mut();
        if full {
            let requests = masks.chunks_exact(2).map(|pair| pair[ASKED].count_ones());
            return requests.map(u64::from).sum();
        }
        let mut count = 0;
        for (block, pair) in masks.chunks_exact_mut(2).enumerate() {
            let mut asked = 0;
            let mut bits = pair[ASKED];
            while bits != 0 {
                let offset = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let known = entries[block * 64 + offset].known();
                asked |= u64::from(known) << offset;
            }
            pair[ASKED] = asked;
            count += u64::from(asked.count_ones());
        }
        count
    }
}

impl Cassandra {
    /// A Syn's answer as masks, where both lists list every endpoint and the Ack and its Ack2
    /// surely arrive: `exchange_masks`, with the Ack's states (at the initiator, `from`) and
    /// the Ack2's (at the responder, `to`) taken in the same pass over the two lists, which
    /// otherwise reads them three times. Where it stops taking, `resume` says; the Ack's and
    /// the Ack2's handlers take the rest. Returns the Ack's states and requests.
    fn exchange_taking(&self, net: &mut impl Net<Self>, (from, to): (u32, u32)) -> (u64, u64) {
        let now = net.now();
        let initiator = self.arrivals(from, now, net.state(from).due);
        let responder = self.arrivals(to, now, net.state(to).due);
        // Both lists at once: the initiator's is set aside while the pass writes both.
        let mut initiator_view = std::mem::take(&mut net.state_mut(from).view);
        #[cfg(debug_assertions)]
        let before = (
            initiator_view.entries().to_vec(),
            net.state(to).view.entries().to_vec(),
        );
        let exchanged = exchange_taking(
            (&initiator, &responder),
            (
                initiator_view.entries_mut(),
                net.state_mut(to).view.entries_mut(),
            ),
            &mut self.masks.borrow_mut(),
        );
        net.state_mut(from).view = initiator_view;
        #[cfg(debug_assertions)]
        self.check_taking((&initiator, &responder), net, before, &exchanged);
        if exchanged.sooner.0 {
            net.state_mut(from).due = 0;
        }
        if exchanged.sooner.1 {
            net.state_mut(to).due = 0;
        }
        self.resume.set(exchanged.resume);
        exchanged.counts
    }

    /// Checks `exchange_taking` against the general take (`take_in`) of what the masks pick
    /// before the resume points: the same lists and the same news of a sooner pass.
    #[cfg(debug_assertions)]
    fn check_taking(
        &self,
        (initiator, responder): (&Arrivals, &Arrivals),
        net: &mut impl Net<Self>,
        (initiator_list, responder_list): (Vec<Entry>, Vec<Entry>),
        exchanged: &Exchanged,
    ) {
        let masks = self.masks.borrow();
        // The masks and their counts are `exchange_masks`' over the lists before the pass.
        let mut expected_masks = Vec::new();
        let counts = exchange_masks(
            (&responder_list, &initiator_list),
            &mut expected_masks,
            true,
        );
        assert_eq!(counts, Some(exchanged.counts));
        assert_eq!(*masks, expected_masks);
        let picked = |source: &[Entry], slot: usize, end: usize| -> Vec<Item> {
            (0..end)
                .filter(|&member| masks[2 * (member / 64) + slot] >> (member % 64) & 1 == 1)
                .map(|member| item(member as u32, source[member].word & RANK_MASK))
                .collect()
        };
        let (initiator_end, responder_end) = exchanged.resume;
        let to_initiator = picked(&responder_list, STATES, initiator_end);
        let to_responder = picked(&initiator_list, ASKED, responder_end);
        let mut initiator_expected = initiator_list;
        let mut responder_expected = responder_list;
        let initiator_taken =
            initiator.take_in::<true>(&mut initiator_expected, &mut [], &to_initiator);
        let responder_taken =
            responder.take_in::<true>(&mut responder_expected, &mut [], &to_responder);
        assert_eq!(initiator_taken, (None, exchanged.sooner.0));
        assert_eq!(responder_taken, (None, exchanged.sooner.1));
        assert_eq!(
            net.state(initiator.node).view.entries(),
            &initiator_expected[..]
        );
        assert_eq!(
            net.state(responder.node).view.entries(),
            &responder_expected[..]
        );
    }
}

/// What `exchange_taking` did: the Ack's states and requests, where the Ack's and the Ack2's
/// takes go on from (the initiator's, the responder's), and whether an arrival at either
/// (initiator, responder) had an interval mean below its `least`.
struct Exchanged {
    counts: (u64, u64),
    resume: (usize, usize),
    sooner: (bool, bool),
}

/// `Cassandra::exchange_taking`'s pass, in `out` the masks as `exchange_masks` sets them, with
/// the widest vectors the processor has. The two takes never touch one endpoint (an endpoint
/// newer on one side is not newer on the other), so in each block the responder's and the
/// initiator's take in either order. The pass stops taking at the first block with a rarer
/// pick (`take_rare`'s: a status may change, which the shared rule reports in order, the
/// Ack's before the Ack2's; in wasm at the first group of four with one, or at a partial
/// block's last few entries), where the handlers go on.
fn exchange_taking(
    arrivals: (&Arrivals, &Arrivals),
    lists: (&mut [Entry], &mut [Entry]),
    out: &mut Vec<u64>,
) -> Exchanged {
    out.resize(2 * lists.0.len().div_ceil(64), 0);
    let out = &mut out[..];
    on_widest_vectors!(
        ["avx512f", "avx2"] exchange_taking_in,
        (
            arrivals: (&Arrivals, &Arrivals),
            lists: (&mut [Entry], &mut [Entry]),
            out: &mut [u64],
        ) -> Exchanged
    )
}

#[inline(always)]
fn exchange_taking_in(
    (initiator, responder): (&Arrivals, &Arrivals),
    (initiator_list, responder_list): (&mut [Entry], &mut [Entry]),
    out: &mut [u64],
) -> Exchanged {
    let nodes = initiator_list.len().min(responder_list.len());
    let (mut states, mut requests) = (0, 0);
    let mut sooner = (false, false);
    let mut resume = None;
    for (block, pair) in out.chunks_exact_mut(2).enumerate() {
        let first = block * 64;
        let last = (first + 64).min(nodes);
        prefetch(initiator_list, first + AHEAD * 64);
        prefetch(responder_list, first + AHEAD * 64);
        let theirs = &mut initiator_list[first..last];
        let mine = &mut responder_list[first..last];
        let (here, there, _) = block_masks::<false>(mine, theirs);
        (pair[STATES], pair[ASKED]) = (here, there);
        states += u64::from(here.count_ones());
        requests += u64::from(there.count_ones());
        if resume.is_some() {
            continue;
        }
        let done =
            initiator.take_whole(theirs, mine, initiator.own_out(block, here), &mut sooner.0);
        if first + done < last {
            resume = Some((first + done, first));
            continue;
        }
        let done =
            responder.take_whole(mine, theirs, responder.own_out(block, there), &mut sooner.1);
        if first + done < last {
            resume = Some((last, first + done));
        }
    }
    Exchanged {
        counts: (states, requests),
        resume: resume.unwrap_or((nodes, nodes)),
        sooner,
    }
}

/// A Syn's answer as masks (`Body::Masks`), in `out`: per block of 64 endpoints, the states
/// newer here than the digests say, then the requests for those newer there. Returns how many
/// of each, or `None` where either side lacks an endpoint (a newcomer's list, or its entry in
/// others' lists): the answer then lists endpoints the digests leave out, which masks do not
/// say, and goes as lists (`answer`).
///
/// `full`: both lists are known to list every endpoint (`Node::full`), so that the pass need
/// not check.
fn exchange_masks(
    (entries, digests): (&[Entry], &[Entry]),
    out: &mut Vec<u64>,
    full: bool,
) -> Option<(u64, u64)> {
    if entries.len() != digests.len() {
        return None;
    }
    out.resize(2 * entries.len().div_ceil(64), 0);
    let out = &mut out[..];
    on_widest_vectors!(
        ["avx2"] exchange_masks_in,
        (entries: &[Entry], digests: &[Entry], out: &mut [u64], full: bool) -> Option<(u64, u64)>
    )
}

#[inline(always)]
fn exchange_masks_in(
    entries: &[Entry],
    digests: &[Entry],
    out: &mut [u64],
    full: bool,
) -> Option<(u64, u64)> {
    match full {
        true => exchange_masks_by_blocks::<false>(entries, digests, out),
        false => exchange_masks_by_blocks::<true>(entries, digests, out),
    }
}

/// `CHECK`: whether to check that both sides know every endpoint.
#[inline(always)]
fn exchange_masks_by_blocks<const CHECK: bool>(
    entries: &[Entry],
    digests: &[Entry],
    out: &mut [u64],
) -> Option<(u64, u64)> {
    let (mut states, mut requests) = (0, 0);
    let blocks = entries.chunks(64).zip(digests.chunks(64));
    for (block, ((mine, theirs), pair)) in blocks.zip(out.chunks_exact_mut(2)).enumerate() {
        prefetch(entries, (block + AHEAD) * 64);
        prefetch(digests, (block + AHEAD) * 64);
        let (here, there, known) = block_masks::<CHECK>(mine, theirs);
        if !known {
            return None;
        }
        (pair[STATES], pair[ASKED]) = (here, there);
        states += u64::from(here.count_ones());
        requests += u64::from(there.count_ones());
    }
    Some((states, requests))
}

/// `Arrivals::take_block`'s pass: every entry computes `take_one`'s common update and keeps
/// it if picked (`bits`) and newer; returns whether a kept arrival's interval mean fell below
/// `least`. Natively the compiler takes four or eight entries an instruction.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn take_lanes<const FRESH: bool>(
    mine: &mut [Entry],
    theirs: &[Entry],
    bits: u64,
    (now, least): (u64, u64),
) -> bool {
    let mut sooner = false;
    // Every word is written to a copy, then copied back whole: written in place, the compiler
    // stores only the taken lanes (`vpmaskmovq`), which AMD's processors take slowly.
    let mut words = [Entry::default(); 64];
    let words = &mut words[..mine.len()];
    for (((word, entry), source), bit) in words.iter_mut().zip(&*mine).zip(theirs).zip(&BIT) {
        let below;
        let picked = bits & bit != 0;
        (word.word, below) = match FRESH {
            false => take_lane(entry.word, source.word, picked, (now, least)),
            true => take_fresh_lane(entry.word, source.word, picked, (now, least)),
        };
        sooner |= below;
    }
    mine.copy_from_slice(words);
    sooner
}

/// One entry of `take_lanes`: the word it keeps, and whether it was taken with an interval
/// mean below `least`.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn take_lane(word: u64, source: u64, picked: bool, (now, least): (u64, u64)) -> (u64, bool) {
    let (rank, old_rank) = (source & RANK_MASK, word & RANK_MASK);
    let taken = picked & (rank > old_rank);
    let heard = word >> HEARD_SHIFT & TICK_MASK;
    let counted = u64::from((old_rank != 0) & (now > heard));
    let update = ((word & !(RANK_MASK | TICK_MASK << HEARD_SHIFT)) + (counted << INTERVALS_SHIFT))
        | rank
        | now << HEARD_SHIFT;
    let intervals = update >> INTERVALS_SHIFT & INTERVALS_MASK;
    let start = update >> START_SHIFT & TICK_MASK;
    let below = now.wrapping_sub(start) < intervals * least;
    (if taken { update } else { word }, taken & below)
}

/// `take_lane` for an entry held alive that may have counted no interval yet (`take_rare`'s
/// arithmetic for it): its first counted interval starts at the last news, and before it the
/// mean is one period.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn take_fresh_lane(word: u64, source: u64, picked: bool, (now, least): (u64, u64)) -> (u64, bool) {
    let (rank, old_rank) = (source & RANK_MASK, word & RANK_MASK);
    let taken = picked & (rank > old_rank);
    let heard = word >> HEARD_SHIFT & TICK_MASK;
    let intervals = word >> INTERVALS_SHIFT & INTERVALS_MASK;
    let counted = (old_rank != 0) & (now > heard);
    let start = if counted & (intervals == 0) {
        heard
    } else {
        word >> START_SHIFT & TICK_MASK
    };
    let times = TICK_MASK << HEARD_SHIFT | TICK_MASK << START_SHIFT;
    let update = ((word & !(RANK_MASK | times)) + (u64::from(counted) << INTERVALS_SHIFT))
        | rank
        | now << HEARD_SHIFT
        | start << START_SHIFT;
    let intervals = intervals + u64::from(counted);
    let below = match intervals {
        0 => TICKS_PER_ROUND < least,
        _ => now.wrapping_sub(start) < intervals * least,
    };
    (if taken { update } else { word }, taken & below)
}

/// `take_block` in wasm's SIMD, four entries an instruction: each entry's halves in 32-bit
/// lanes, version and intervals in the low one and the times and status in the high one (see
/// `Layout::heard_shift`), `take_lane`'s arithmetic on four at once. It goes in groups of four,
/// those with a pick, up to the first with a rarer pick (`take_rare`'s), and stops there, or
/// where fewer than four are left: returns whether a kept arrival's interval mean fell below
/// `least` (capped, see `Arrivals::block_clock`), and the offset it stopped at, from which the
/// block goes by its bits.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn wasm_take_block(
    mine: &mut [Entry],
    theirs: &[Entry],
    bits: u64,
    (now, least): (u32, u32),
) -> (bool, usize) {
    use core::arch::wasm32::{
        i32x4_add, i32x4_eq, i32x4_gt, i32x4_mul, i32x4_shuffle, i32x4_sub, u32x4_shr, u32x4_splat,
        v128, v128_and, v128_any_true, v128_load, v128_or, v128_store,
    };
    const TICK_BITS: u32 = Layout::PACKED.tick_bits;
    const { assert!(INTERVALS_SHIFT + Layout::PACKED.intervals_bits <= 32) };
    const { assert!(HEARD_SHIFT == 32 && START_SHIFT + TICK_BITS == 62) };
    use core::hint::black_box;
    let len = mine.len().min(theirs.len()).min(64);
    // The constants pass through `black_box`, so that they stay in registers: as constants
    // in the loop, V8 builds each anew in every group (four instructions each).
    let zero = black_box(u32x4_splat(0));
    let rank_mask = black_box(u32x4_splat(RANK_MASK as u32));
    let tick_mask = black_box(u32x4_splat(TICK_MASK as u32));
    let interval = black_box(u32x4_splat(1 << INTERVALS_SHIFT));
    // The least high half of an endpoint held alive (status 1 in the top two bits): a high
    // half below it, as a signed number, is one that is not (0 unknown; 2 and 3 negative).
    let alive = black_box(u32x4_splat((ALIVE as u32) << 30));
    let (now, least) = (black_box(u32x4_splat(now)), black_box(u32x4_splat(least)));
    let mut below = zero;
    // Bit 4g set where group g (offsets 4g to 4g + 3) has a pick, for whole groups only: the
    // loop visits those, in order. (A branch on each group's picks instead, taken at random
    // for a fifth of them, cost more than the empty groups it skipped.)
    let whole = len / 4 * 4;
    let whole_groups = if whole == 64 {
        u64::MAX
    } else {
        (1 << whole) - 1
    };
    let mut groups = bits | bits >> 1;
    groups = (groups | groups >> 2) & 0x1111_1111_1111_1111 & whole_groups;
    while groups != 0 {
        let first = groups.trailing_zeros() as usize;
        groups &= groups - 1;
        let picks = (bits >> first) as usize & 0xF;
        // A lookup, not a splat, an AND and a comparison.
        let picked = PICKED[picks];
        // SAFETY: an entry is one u64 (`repr(transparent)`), and both slices hold at least
        // `len`: the four from `first` are in bounds; wasm loads need no alignment.
        let [words, later_words, sources, later_sources] = unsafe {
            [
                v128_load(mine.as_ptr().add(first).cast::<v128>()),
                v128_load(mine.as_ptr().add(first + 2).cast::<v128>()),
                v128_load(theirs.as_ptr().add(first).cast::<v128>()),
                v128_load(theirs.as_ptr().add(first + 2).cast::<v128>()),
            ]
        };
        let low = i32x4_shuffle::<0, 2, 4, 6>(words, later_words);
        let high = i32x4_shuffle::<1, 3, 5, 7>(words, later_words);
        let rank = v128_and(
            i32x4_shuffle::<0, 2, 4, 6>(sources, later_sources),
            rank_mask,
        );
        // Nothing sits above the intervals in the low half.
        let intervals = u32x4_shr(low, INTERVALS_SHIFT);
        // Comparisons for equality and order only, and no `andnot` or `bitselect`: x64 has
        // no lane comparison for "not equal", and V8 spends two or three instructions more
        // on each of these.
        let rare = v128_and(
            picked,
            v128_or(i32x4_gt(alive, high), i32x4_eq(intervals, zero)),
        );
        if v128_any_true(rare) {
            return (v128_any_true(below), first);
        }
        // Versions are below 2^18 and ticks below 2^15: signed comparisons order them.
        let old_rank = v128_and(low, rank_mask);
        let taken = v128_and(picked, i32x4_gt(rank, old_rank));
        let heard = v128_and(high, tick_mask);
        // All ones where the arrival counts an interval.
        let counted = v128_and(i32x4_gt(old_rank, zero), i32x4_gt(now, heard));
        // A taken entry's halves gain the new version and perhaps an interval, and the tick.
        let low_gain = i32x4_add(i32x4_sub(rank, old_rank), v128_and(counted, interval));
        let low = i32x4_add(low, v128_and(low_gain, taken));
        let high = i32x4_add(high, v128_and(i32x4_sub(now, heard), taken));
        let start = v128_and(u32x4_shr(high, TICK_BITS), tick_mask);
        let sum = i32x4_sub(now, start);
        let new_intervals = i32x4_sub(intervals, counted);
        below = v128_or(
            below,
            v128_and(taken, i32x4_gt(i32x4_mul(new_intervals, least), sum)),
        );
        // SAFETY: as for the loads.
        unsafe {
            let out = mine.as_mut_ptr().add(first);
            v128_store(out.cast::<v128>(), i32x4_shuffle::<0, 4, 1, 5>(low, high));
            v128_store(
                out.add(2).cast::<v128>(),
                i32x4_shuffle::<2, 6, 3, 7>(low, high),
            );
        }
    }
    (v128_any_true(below), whole)
}

/// Four picks as lanes: all ones in lane `i` where bit `i` of the index is set.
#[cfg(target_arch = "wasm32")]
static PICKED: [core::arch::wasm32::v128; 16] = {
    const fn lane(picks: usize, i: usize) -> u32 {
        0u32.wrapping_sub((picks >> i & 1) as u32)
    }
    let mut lanes = [core::arch::wasm32::u32x4(0, 0, 0, 0); 16];
    let mut picks = 0;
    while picks < 16 {
        lanes[picks] = core::arch::wasm32::u32x4(
            lane(picks, 0),
            lane(picks, 1),
            lane(picks, 2),
            lane(picks, 3),
        );
        picks += 1;
    }
    lanes
};

/// Each offset's bit in a block's mask, so that a vectorised pass picks a lane with an AND.
#[cfg(not(target_arch = "wasm32"))]
const BIT: [u64; 64] = {
    let mut bits = [0; 64];
    let mut offset = 0;
    while offset < 64 {
        bits[offset] = 1 << offset;
        offset += 1;
    }
    bits
};

/// What an Ack's or an Ack2's states are taken with: the receiving node, the tick, the least
/// interval mean that keeps its detector's next pass due as planned (`Cassandra::take`), and
/// the run's layout.
struct Arrivals {
    node: u32,
    now: Tick,
    least: Tick,
    layout: Layout,
}

impl Arrivals {
    /// Takes `items` (states, no requests) into a node's list and clocks, in order, up to and
    /// including the first that brings an endpoint back (or into) the list: returns its
    /// position, if any, and whether an arrival's interval mean fell below `least`.
    fn take(
        &self,
        entries: &mut [Entry],
        clocks: &mut [Clock],
        items: &[Item],
    ) -> (Option<usize>, bool) {
        if self.layout.packed() {
            // The general pass is the reference: a debug build checks the fast one against it.
            #[cfg(debug_assertions)]
            let expected = {
                let mut copy = entries.to_vec();
                let taken = self.take_in::<true>(&mut copy, clocks, items);
                (copy, taken)
            };
            let taken = self.take_packed(entries, items);
            #[cfg(debug_assertions)]
            debug_assert_eq!((entries.to_vec(), taken), expected);
            taken
        } else {
            self.take_in::<false>(entries, clocks, items)
        }
    }

    /// `take` for entries that hold their times (`Layout::PACKED`), the lecture's runs.
    ///
    /// The same arithmetic as `take_in`, arranged for the common case, a newer version of an
    /// endpoint held alive that has counted an interval before: its word gains the version,
    /// the tick and perhaps one interval in place, and its first interval's start stays. The
    /// rarer cases (no interval yet, another status) go out of line (`take_rare`), so that the
    /// loop keeps few values and they stay in registers.
    #[inline(never)]
    fn take_packed(&self, entries: &mut [Entry], items: &[Item]) -> (Option<usize>, bool) {
        let mut sooner = false;
        for (index, &item) in items.iter().enumerate() {
            let member = member_of(item);
            if member == self.node {
                continue;
            }
            if self.take_one(&mut entries[member as usize], item & RANK, &mut sooner) {
                return (Some(index), sooner);
            }
        }
        (None, sooner)
    }

    /// `take_packed`'s step: takes `rank` into `entry`; returns whether the pass stops here.
    #[inline(always)]
    fn take_one(&self, entry: &mut Entry, rank: u64, sooner: &mut bool) -> bool {
        let now = u64::from(stamp(self.now));
        let word = entry.word;
        if (word >> 62 != ALIVE) | (word >> INTERVALS_SHIFT & INTERVALS_MASK == 0) {
            return self.take_rare(entry, rank, sooner);
        }
        let old_rank = word & RANK_MASK;
        if rank <= old_rank {
            return false;
        }
        // A newer version of an endpoint held alive, with intervals counted: one more
        // unless it is the first news after the initial list or another newer version
        // within this tick.
        let heard = word >> HEARD_SHIFT & TICK_MASK;
        let counted = u64::from((old_rank != 0) & (now > heard));
        let word = ((word & !(RANK_MASK | TICK_MASK << HEARD_SHIFT))
            + (counted << INTERVALS_SHIFT))
            | rank
            | now << HEARD_SHIFT;
        debug_assert!(word >> INTERVALS_SHIFT & INTERVALS_MASK != 0);
        entry.word = word;
        let intervals = word >> INTERVALS_SHIFT & INTERVALS_MASK;
        let start = word >> START_SHIFT & TICK_MASK;
        *sooner |= now - start < intervals * self.least;
        false
    }

    /// `take_packed` for the states a mask picks from another node's list (`Body::Masks`):
    /// the endpoints of `masks`' bits at `slot`, from endpoint `from` on, in order, their
    /// versions `source`'s. Returns the endpoint that comes back (or into) the list, if any,
    /// and whether an arrival's interval mean fell below `least`.
    ///
    /// It goes block by block: a block whose picks are all the common case is taken whole,
    /// without a branch (`take_block`, vectorised: about a third of the bits are set); one
    /// with a rarer pick goes by its set bits, in order. In wasm, a block goes four entries at
    /// a time up to the first four with a rarer pick (`wasm_take_block`), then by its bits.
    #[inline(never)]
    fn take_masked(
        &self,
        entries: &mut [Entry],
        source: &[Entry],
        masks: &[u64],
        (slot, from): (usize, usize),
    ) -> (Option<usize>, bool) {
        #[cfg(debug_assertions)]
        let expected = {
            let mut copy = entries.to_vec();
            let items: Vec<Item> = (from..entries.len())
                .filter(|&member| masks[2 * (member / 64) + slot] >> (member % 64) & 1 == 1)
                .map(|member| item(member as u32, source[member].word & RANK_MASK))
                .collect();
            let (revived, sooner) = self.take_in::<true>(&mut copy, &mut [], &items);
            let revived = revived.map(|index| member_of(items[index]) as usize);
            (copy, (revived, sooner))
        };
        let taken = self.take_masked_fastest(entries, source, masks, (slot, from));
        #[cfg(debug_assertions)]
        debug_assert_eq!((entries.to_vec(), taken), expected);
        taken
    }

    /// `take_masked_in` with the widest vectors the processor has.
    #[inline(always)]
    fn take_masked_fastest(
        &self,
        entries: &mut [Entry],
        source: &[Entry],
        masks: &[u64],
        at: (usize, usize),
    ) -> (Option<usize>, bool) {
        let arrivals = self;
        on_widest_vectors!(
            ["avx512f", "avx2"] Arrivals::take_masked_in,
            (
                arrivals: &Arrivals,
                entries: &mut [Entry],
                source: &[Entry],
                masks: &[u64],
                at: (usize, usize),
            ) -> (Option<usize>, bool)
        )
    }

    #[inline(always)]
    fn take_masked_in(
        &self,
        entries: &mut [Entry],
        source: &[Entry],
        masks: &[u64],
        (slot, from): (usize, usize),
    ) -> (Option<usize>, bool) {
        let nodes = entries.len().min(source.len());
        let mut sooner = false;
        for block in from / 64..nodes.div_ceil(64) {
            let first = block * 64;
            prefetch(entries, first + AHEAD * 64);
            prefetch(source, first + AHEAD * 64);
            let mut bits = self.own_out(block, masks[2 * block + slot]);
            if first < from {
                bits &= u64::MAX << (from - first);
            }
            if bits == 0 {
                continue;
            }
            let last = (first + 64).min(nodes);
            let (mine, theirs) = (&mut entries[first..last], &source[first..last]);
            // The common case without a branch, as far as it goes; the rest of the block by
            // its set bits.
            let done = self.take_whole(mine, theirs, bits, &mut sooner);
            bits &= u64::MAX.checked_shl(done as u32).unwrap_or(0);
            while bits != 0 {
                let offset = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let rank = theirs[offset].word & RANK_MASK;
                if self.take_one(&mut mine[offset], rank, &mut sooner) {
                    return (Some(first + offset), sooner);
                }
            }
        }
        (None, sooner)
    }

    /// A block's picks without the node's own endpoint: a node takes no state of its own.
    fn own_out(&self, block: usize, bits: u64) -> u64 {
        let own = self.node as usize;
        if own / 64 == block {
            bits & !(1 << (own % 64))
        } else {
            bits
        }
    }

    /// Takes a block's picks (`bits`) of `theirs` into `mine` as far as the common case goes
    /// (`take_block`, `wasm_take_block`): returns how many of the block's first entries are
    /// done (all of them, or the offset of a rarer pick, the entries from there untouched).
    #[inline(always)]
    fn take_whole(
        &self,
        mine: &mut [Entry],
        theirs: &[Entry],
        bits: u64,
        sooner: &mut bool,
    ) -> usize {
        let len = mine.len();
        if bits == 0 {
            return len;
        }
        #[cfg(target_arch = "wasm32")]
        {
            let (below, done) = wasm_take_block(mine, theirs, bits, self.block_clock());
            *sooner |= below;
            if bits.checked_shr(done as u32).unwrap_or(0) == 0 {
                len
            } else {
                done
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let whole = if len == 64 {
                self.take_block::<64>(mine, theirs, bits)
            } else {
                self.take_block::<0>(mine, theirs, bits)
            };
            match whole {
                Some(below) => {
                    *sooner |= below;
                    len
                }
                None => 0,
            }
        }
    }

    /// A block's picks (`bits`) in one pass without a branch, when every picked endpoint is
    /// held alive: `take_lanes`, vectorised. Returns whether an arrival's interval mean fell
    /// below `least`, or `None`, nothing written, where a pick's status may change. `LEN`: the
    /// block's length if fixed, 0 if not.
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    fn take_block<const LEN: usize>(
        &self,
        mine: &mut [Entry],
        theirs: &[Entry],
        bits: u64,
    ) -> Option<bool> {
        let (mine, theirs) = if LEN > 0 {
            (&mut mine[..LEN], &theirs[..LEN])
        } else {
            let len = mine.len().min(theirs.len());
            (&mut mine[..len], &theirs[..len])
        };
        let (mut rare, mut fresh) = (false, false);
        for (entry, bit) in mine.iter().zip(&BIT) {
            let (word, picked) = (entry.word, bits & bit != 0);
            rare |= picked & (word >> 62 != ALIVE);
            fresh |= picked & (word >> INTERVALS_SHIFT & INTERVALS_MASK == 0);
        }
        if rare {
            return None;
        }
        let clock = self.block_clock();
        let clock = (u64::from(clock.0), u64::from(clock.1));
        // Early in a run, while endpoints count their first intervals, the longer arithmetic.
        Some(match fresh {
            false => take_lanes::<false>(mine, theirs, bits, clock),
            true => take_lanes::<true>(mine, theirs, bits, clock),
        })
    }

    /// The tick and the least interval mean as a block's pass (`take_block`,
    /// `wasm_take_block`) takes them. An interval sum (`now - start`) is below 2^15 ticks and
    /// the mean before the first interval one period: a least mean capped at 2^16 compares as
    /// the uncapped one, and its product with the intervals (below 2^10) fits 32 bits.
    fn block_clock(&self) -> (u32, u32) {
        (stamp(self.now), self.least.min(1 << 16) as u32)
    }

    /// `take_packed`'s rarer cases, `take_in`'s arithmetic: an endpoint first seen, one not
    /// held alive, or one without an interval counted yet. Returns whether the pass stops
    /// here (the endpoint comes back or into the list).
    #[cold]
    #[inline(never)]
    fn take_rare(&self, entry: &mut Entry, rank: u64, sooner: &mut bool) -> bool {
        const L: Layout = Layout::PACKED;
        let now = u64::from(stamp(self.now));
        let word = entry.word;
        let status = word >> 62;
        let start = word >> START_SHIFT & TICK_MASK;
        if status == Seen::Unknown as u64 {
            L.set_rank(entry, rank);
            L.set_times(entry, &mut [], 0, (now as u32, start as u32));
            return true;
        }
        let old_rank = word & RANK_MASK;
        if rank <= old_rank {
            return false;
        }
        let heard = word >> HEARD_SHIFT & TICK_MASK;
        let intervals = word >> INTERVALS_SHIFT & INTERVALS_MASK;
        let counted = (old_rank != 0) & (now > heard);
        let start = if counted & (intervals == 0) {
            heard
        } else {
            start
        };
        let intervals = intervals + u64::from(counted);
        debug_assert!(intervals <= INTERVALS_MASK);
        entry.word = ((word & !RANK_MASK) + (u64::from(counted) << INTERVALS_SHIFT)) | rank;
        L.set_times(entry, &mut [], 0, (now as u32, start as u32));
        let (sum, count) = match intervals {
            0 => (TICKS_PER_ROUND, 1),
            count => (now - start, count),
        };
        *sooner |= sum < count * self.least;
        status != ALIVE
    }

    /// `take`, for entries that hold their times (`PACKED`) or clocks that do.
    ///
    /// Nearly every item is a newer version of an endpoint held alive, so that path is the
    /// loop's straight line: whether the arrival counts an interval (the first news after
    /// the initial list, or another within the same tick, does not) is arithmetic, not a
    /// branch. Kept out of line so that the loop has the registers to itself.
    #[inline(never)]
    fn take_in<const PACKED: bool>(
        &self,
        entries: &mut [Entry],
        clocks: &mut [Clock],
        items: &[Item],
    ) -> (Option<usize>, bool) {
        // The layout as a constant: every shift and mask below is one.
        let layout = &if PACKED {
            Layout::PACKED
        } else {
            Layout::SPLIT
        };
        debug_assert_eq!(*layout, self.layout);
        let (rank_mask, interval) = (layout.rank_mask(), 1 << layout.rank_bits);
        let now = stamp(self.now);
        let mut sooner = false;
        for (index, &item) in items.iter().enumerate() {
            let (member, rank) = (member_of(item), item & RANK);
            if member == self.node {
                continue;
            }
            let entry = &mut entries[member as usize];
            let word = entry.word;
            if word >> 62 == Seen::Unknown as u64 {
                layout.set_rank(entry, rank);
                let start = layout.times(entry, clocks, member as usize).start as u32;
                layout.set_times(entry, clocks, member as usize, (now, start));
                return (Some(index), sooner);
            }
            if rank <= word & rank_mask {
                continue;
            }
            let (heard, start, intervals) = if PACKED {
                let times = layout.times(entry, clocks, member as usize);
                (times.heard as u32, times.start as u32, times.intervals)
            } else {
                let clock = clocks[member as usize];
                (clock.heard, clock.start, layout.intervals(word))
            };
            // A newer version: one more interval unless it is the first news after the
            // initial list (version 0) or another newer version within this tick.
            let counted = (word & rank_mask != 0) & (now > heard);
            let start = if counted & (intervals == 0) {
                heard
            } else {
                start
            };
            let intervals = intervals + u64::from(counted);
            debug_assert!(intervals < 1 << layout.intervals_bits);
            entry.word = ((word & !rank_mask) + interval * u64::from(counted)) | rank;
            if PACKED {
                layout.set_times(entry, clocks, member as usize, (now, start));
            } else {
                clocks[member as usize] = Clock { heard: now, start };
            }
            let (sum, count) = match intervals {
                0 => (TICKS_PER_ROUND, 1),
                count => (Tick::from(now - start), count),
            };
            sooner |= sum < count * self.least;
            if word >> 62 != Seen::Alive as u64 {
                return (Some(index), sooner);
            }
        }
        (None, sooner)
    }
}

/// A Syn's answer (`answer_by_blocks`), with AVX2 where the processor has it: the masks'
/// pass then compares four endpoints an instruction. Both give the same lists.
fn answer(
    (entries, digests): (&[Entry], &[Entry]),
    rank_mask: u64,
    newer: &mut Vec<Item>,
    requests: &mut Vec<Item>,
) -> (usize, usize) {
    // Room for every endpoint in each list, so that the passes write without growing them.
    let nodes = entries.len().min(digests.len());
    if newer.len() < nodes {
        newer.resize(nodes, 0);
        requests.resize(nodes, 0);
    }
    let (newer, requests) = (&mut newer[..nodes], &mut requests[..nodes]);
    on_widest_vectors!(
        ["avx2"] answer_by_blocks,
        (
            entries: &[Entry],
            digests: &[Entry],
            rank_mask: u64,
            newer: &mut [Item],
            requests: &mut [Item],
        ) -> (usize, usize)
    )
}

/// A Syn's answer: in `newer`, the states newer here than the digests say, then those of
/// endpoints the digests do not list; in `requests`, requests for what the digests have newer
/// or this node lacks. (Each endpoint appears once, and requests change nothing, so taking
/// them after the states is taking them in any order.)
///
/// It goes by blocks of 64 endpoints. Which side is newer is a coin toss per endpoint, so a
/// block does not branch on it: a first pass sets a bit per endpoint in two masks (newer
/// here, newer there) from the sign of the difference of the versions, without a branch,
/// then the masks' bits are listed. Blocks where either side lacks an endpoint (a newcomer's
/// list, or its entry in others' lists) take the general rule, endpoint by endpoint.
#[inline(always)]
fn answer_by_blocks(
    entries: &[Entry],
    digests: &[Entry],
    rank_mask: u64,
    newer: &mut [Item],
    requests: &mut [Item],
) -> (usize, usize) {
    let rank = |entry: &Entry| entry.word & rank_mask;
    const BLOCK: usize = 64;
    let nodes = entries.len().min(digests.len());
    let (entries, digests) = (&entries[..nodes], &digests[..nodes]);
    // Each endpoint goes into either list at most once: both have room for all.
    let (newer, requests) = (&mut newer[..nodes], &mut requests[..nodes]);
    let (mut newer_count, mut request_count) = (0, 0);
    let mut unlisted = false;
    for (block, (mine, theirs)) in entries.chunks(BLOCK).zip(digests.chunks(BLOCK)).enumerate() {
        let first = block * BLOCK;
        // A whole block is a fixed count of endpoints, which the compiler vectorises.
        let (mut here, mut there, known) = if mine.len() == BLOCK && theirs.len() == BLOCK {
            masks::<BLOCK, true>(mine, theirs, rank_mask)
        } else {
            masks::<0, true>(mine, theirs, rank_mask)
        };
        if known {
            while here != 0 {
                let offset = here.trailing_zeros() as usize;
                newer[newer_count] = item((first + offset) as u32, rank(&mine[offset]));
                newer_count += 1;
                here &= here - 1;
            }
            while there != 0 {
                let offset = there.trailing_zeros() as usize;
                requests[request_count] = item((first + offset) as u32, REQUEST);
                request_count += 1;
                there &= there - 1;
            }
            continue;
        }
        for (offset, (entry, digest)) in mine.iter().zip(theirs).enumerate() {
            let member = (first + offset) as u32;
            let (known, listed) = (entry.known(), digest.known());
            // Rare: only a newcomer's digests leave endpoints out.
            unlisted |= !listed & known;
            if !listed {
                continue;
            }
            if known && rank(entry) > rank(digest) {
                newer[newer_count] = item(member, rank(entry));
                newer_count += 1;
            }
            if !known || rank(digest) > rank(entry) {
                requests[request_count] = item(member, REQUEST);
                request_count += 1;
            }
        }
    }
    if unlisted {
        for (member, (entry, digest)) in entries.iter().zip(digests).enumerate() {
            if entry.known() && !digest.known() {
                newer[newer_count] = item(member as u32, rank(entry));
                newer_count += 1;
            }
        }
    }
    (newer_count, request_count)
}

/// `masks` over a block of up to 64 endpoints (as many on both sides). Natively the compiler
/// vectorises a whole block (with AVX2 where `exchange_masks` finds it); in the page's wasm,
/// two endpoints an instruction with SIMD (`wasm_masks`), which the compiler does not find by
/// itself: the bits come from each lane's sign, where `masks` shifts each endpoint's bit by
/// its own offset.
#[inline(always)]
fn block_masks<const CHECK: bool>(mine: &[Entry], theirs: &[Entry]) -> (u64, u64, bool) {
    debug_assert!(mine.len() == theirs.len() && mine.len() <= 64);
    #[cfg(target_arch = "wasm32")]
    return wasm_masks::<CHECK>(mine, theirs);
    #[cfg(not(target_arch = "wasm32"))]
    if mine.len() == 64 && theirs.len() == 64 {
        masks::<64, CHECK>(mine, theirs, RANK_MASK)
    } else {
        masks::<0, CHECK>(mine, theirs, RANK_MASK)
    }
}

/// `masks` with wasm's SIMD, four endpoints at a time: their versions (`PACKED`: 18 bits, in
/// the low half of each word) gathered into one vector of four 32-bit lanes, the two
/// differences (newer here, newer there) and their lanes' signs (`i32x4_bitmask`); the last
/// endpoints of an odd block as `masks` takes them.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn wasm_masks<const CHECK: bool>(mine: &[Entry], theirs: &[Entry]) -> (u64, u64, bool) {
    use core::arch::wasm32::{
        i32x4_bitmask, i32x4_shuffle, i32x4_sub, i64x2_bitmask, i64x2_shl, u32x4_splat,
        u64x2_splat, v128, v128_and, v128_load, v128_or,
    };
    const { assert!(RANK_MASK < 1 << 31) };
    let len = mine.len().min(theirs.len()).min(64);
    let rank_mask = u32x4_splat(RANK_MASK as u32);
    let (mut here, mut there, mut known) = (0u64, 0u64, u64x2_splat(u64::MAX));
    for first in (0..len / 4).map(|quad| 4 * quad) {
        // SAFETY: an entry is one u64 (`repr(transparent)`), and both slices hold at least
        // `len`: the four from `first` are in bounds; wasm loads need no alignment.
        let [entries, more_entries, digests, more_digests] = unsafe {
            [
                v128_load(mine.as_ptr().add(first).cast::<v128>()),
                v128_load(mine.as_ptr().add(first + 2).cast::<v128>()),
                v128_load(theirs.as_ptr().add(first).cast::<v128>()),
                v128_load(theirs.as_ptr().add(first + 2).cast::<v128>()),
            ]
        };
        // Each word's low half, which holds its version.
        let rank = v128_and(
            i32x4_shuffle::<0, 2, 4, 6>(entries, more_entries),
            rank_mask,
        );
        let their_rank = v128_and(
            i32x4_shuffle::<0, 2, 4, 6>(digests, more_digests),
            rank_mask,
        );
        // Versions are below 2^18: the difference's sign says which is newer.
        here |= u64::from(i32x4_bitmask(i32x4_sub(their_rank, rank))) << first;
        there |= u64::from(i32x4_bitmask(i32x4_sub(rank, their_rank))) << first;
        // Known: a status above Unknown, one of the top two bits set.
        if CHECK {
            for (words, more) in [(entries, more_entries), (digests, more_digests)] {
                let statuses = v128_and(
                    v128_or(words, i64x2_shl(words, 1)),
                    v128_or(more, i64x2_shl(more, 1)),
                );
                known = v128_and(known, statuses);
            }
        }
    }
    let mut known = i64x2_bitmask(known) == 0b11;
    let rest = len - len % 4;
    if rest < len {
        let (rest_here, rest_there, rest_known) =
            masks::<0, CHECK>(&mine[rest..len], &theirs[rest..len], RANK_MASK);
        here |= rest_here << rest;
        there |= rest_there << rest;
        known &= rest_known;
    }
    (here, there, known)
}

/// A block's masks: a bit per endpoint newer here, one per endpoint newer there, and whether
/// both sides know every endpoint (else the masks mean nothing). `LEN`: the block's length if
/// fixed, 0 if not.
#[inline(always)]
fn masks<const LEN: usize, const CHECK: bool>(
    mine: &[Entry],
    theirs: &[Entry],
    rank_mask: u64,
) -> (u64, u64, bool) {
    let (mine, theirs) = if LEN > 0 {
        (&mine[..LEN], &theirs[..LEN])
    } else {
        (mine, theirs)
    };
    let (mut here, mut there, mut known) = (0u64, 0u64, u64::MAX);
    for (offset, (entry, digest)) in mine.iter().zip(theirs).enumerate() {
        // Versions are below 2^40: the difference's sign says which is newer.
        let (rank, their_rank) = (entry.word & rank_mask, digest.word & rank_mask);
        here |= (their_rank.wrapping_sub(rank) >> 63) << offset;
        there |= (rank.wrapping_sub(their_rank) >> 63) << offset;
        // Known: a status above Unknown, one of the top two bits set.
        if CHECK {
            known &= (entry.word | entry.word << 1) & (digest.word | digest.word << 1);
        }
    }
    (here, there, known >> 63 == 1)
}

/// What `quick_pass` found in the blocks it passed.
#[cfg(not(target_arch = "wasm32"))]
struct QuickPass {
    live: u32,
    due: Tick,
    /// Where it stopped: a block's start, or the list's end.
    stop: usize,
}

/// The detector's pass (`Cassandra::interpret`) over whole blocks of a packed list from
/// `first`, a block's start, as far as the quick test settles every entry of a block: none
/// held failed, none the quick test leaves to phi, not the node's own, not the last partial
/// block. Returns the live endpoints of the blocks passed, the least of their due ticks
/// (`heard + quick_wait`), and where it stopped, for the entry-by-entry pass to go on.
///
/// The same figures in floating point, so that a block goes eight entries an instruction
/// (integer division has no vector instruction). They are exact: each product is an integer
/// below 2^53, and so is the ceiling of a quotient of two (a quotient that is not an integer is
/// at least 1/b from one, farther than its rounding moves it).
#[cfg(not(target_arch = "wasm32"))]
fn quick_pass(entries: &[Entry], first: usize, node: u32, now: Tick, limit: u64) -> QuickPass {
    let pass = quick_pass_fastest(entries, first, node, now, limit);
    // The integer arithmetic of the entry-by-entry pass is the reference.
    #[cfg(debug_assertions)]
    {
        let layout = Layout::PACKED;
        let (mut live, mut due) = (0, Tick::MAX);
        for (member, entry) in entries.iter().enumerate().take(pass.stop).skip(first) {
            assert_ne!(member, node as usize);
            let times = layout.times(entry, &[], member);
            match entry.seen() {
                Seen::Alive => {
                    let (sum, intervals) = weights(&times);
                    assert!((now - times.heard) * intervals * 4343 < limit * sum);
                    live += 1;
                    due = due.min(times.heard + quick_wait(&times, limit));
                }
                Seen::Failed => panic!("a failed endpoint in a settled block"),
                _ => {}
            }
        }
        assert_eq!((pass.live, pass.due), (live, due));
    }
    pass
}

/// `quick_pass_in` with the widest vectors the processor has.
#[cfg(not(target_arch = "wasm32"))]
fn quick_pass_fastest(
    entries: &[Entry],
    first: usize,
    node: u32,
    now: Tick,
    limit: u64,
) -> QuickPass {
    on_widest_vectors!(
        ["avx512f", "avx2"] quick_pass_in,
        (entries: &[Entry], first: usize, node: u32, now: Tick, limit: u64) -> QuickPass
    )
}

#[inline(always)]
#[cfg(not(target_arch = "wasm32"))]
fn quick_pass_in(entries: &[Entry], first: usize, node: u32, now: Tick, limit: u64) -> QuickPass {
    debug_assert_eq!(first % 64, 0);
    let (now_f, limit_f) = (now as f64, limit as f64);
    let (mut live, mut due) = (0, u32::MAX);
    let own_block = node as usize / 64;
    for (offset, block) in entries[first..].chunks_exact(64).enumerate() {
        let start = first + offset * 64;
        let (mut block_live, mut block_due, mut unsettled) = (0u32, u32::MAX, false);
        for entry in block {
            let word = entry.word;
            let status = word >> 62;
            let heard = (word >> HEARD_SHIFT & TICK_MASK) as u32;
            let begun = (word >> START_SHIFT & TICK_MASK) as u32;
            let intervals = (word >> INTERVALS_SHIFT & INTERVALS_MASK) as u32;
            // `weights`: one period before the first interval.
            let fresh = intervals == 0;
            let sum = if fresh {
                TICKS_PER_ROUND as u32
            } else {
                heard.wrapping_sub(begun)
            };
            let count = if fresh { 1 } else { intervals };
            let heard_f = f64::from(heard);
            let (scaled_sum, scaled_count) = (limit_f * f64::from(sum), f64::from(count) * 4343.0);
            let alive = status == ALIVE;
            let cleared = (now_f - heard_f) * scaled_count < scaled_sum;
            let wait = (scaled_sum / scaled_count).ceil();
            block_live += u32::from(alive);
            block_due = block_due.min(if alive {
                (heard_f + wait) as u32
            } else {
                u32::MAX
            });
            unsettled |= (alive & !cleared) | (status == Seen::Failed as u64);
        }
        if unsettled || start / 64 == own_block {
            return QuickPass {
                live,
                due: quick_due(due),
                stop: start,
            };
        }
        live += block_live;
        due = due.min(block_due);
    }
    QuickPass {
        live,
        due: quick_due(due),
        stop: first + (entries.len() - first) / 64 * 64,
    }
}

/// A due tick as `quick_pass` keeps it: `u32::MAX` for none.
#[cfg(not(target_arch = "wasm32"))]
fn quick_due(due: u32) -> Tick {
    match due {
        u32::MAX => Tick::MAX,
        due => Tick::from(due),
    }
}

/// Whether phi = (t / mean) log10(e) exceeds `threshold` for an endpoint heard as `times`
/// now; `limit` is `quick_limit(threshold)`.
fn convicts(times: &Times, now: Tick, threshold: f64, limit: u64) -> bool {
    let elapsed = now - times.heard;
    // Most endpoints were heard from lately, far below the threshold: the same comparison in
    // integers (t I log10(e) against threshold S, I intervals summing to S, log10(e) rounded
    // up, the threshold down) settles them without a division; phi itself decides the rest.
    let (sum, intervals) = weights(times);
    if elapsed * intervals * 4343 < limit * sum {
        return false;
    }
    phi(elapsed, mean_interval(times)) > threshold
}

/// The sum and number of intervals the quick test weighs (one period before the first).
fn weights(times: &Times) -> (Tick, Tick) {
    match times.intervals {
        0 => (TICKS_PER_ROUND, 1),
        count => (times.heard - times.start, count),
    }
}

/// Ticks after its last newer version before `convicts`' quick test no longer clears it.
fn quick_wait(times: &Times, limit: u64) -> Tick {
    let (sum, intervals) = weights(times);
    (limit * sum).div_ceil(intervals * 4343)
}

/// The least mean interval (in ticks, rounded up) with which an endpoint heard `now` is
/// cleared by the quick test until `due`: t I 4343 < limit S for every t before `due - now`.
fn due_mean(due: Tick, now: Tick, limit: u64) -> Tick {
    (due.saturating_sub(now).saturating_mul(4343)).div_ceil(limit.max(1))
}

/// The threshold in ten-thousandths, rounded down, less one: `convicts`' quick test.
fn quick_limit(threshold: f64) -> u64 {
    ((threshold * 10_000.0).floor() as u64).saturating_sub(1)
}

/// The mean interval between newer versions, in ticks (one period before the first).
fn mean_interval(times: &Times) -> f64 {
    let (sum, intervals) = weights(times);
    sum as f64 / intervals as f64
}

impl Protocol for Cassandra {
    type Node = Node;
    type Body = Body;
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;
    const STOPS: bool = true;

    fn initially_known(&self, _sender: u32, _all: u64) -> u64 {
        0
    }

    fn phi(&self, state: &Node, member: u32, now: Tick) -> Option<f64> {
        let entry = state
            .view
            .entries()
            .get(member as usize)
            .filter(|entry| entry.known())?;
        let times = self.layout.times(entry, &state.clocks, member as usize);
        Some(phi(now.saturating_sub(times.heard), mean_interval(&times)))
    }

    fn start(&self, net: &mut impl Net<Self>) {
        self.shared.start(net);
        // Every founder was heard at tick 0, no interval counted (in a long run, clocks).
        let nodes = net.nodes();
        for node in 0..nodes {
            if net.state(node).view.joined() && !self.layout.packed() {
                net.state_mut(node).clocks = vec![Clock::default(); nodes as usize];
            }
        }
    }

    fn on_period(&self, net: &mut impl Net<Self>, node: u32) {
        let Some(joining) = self.shared.joins_now(net, node) else {
            return;
        };
        if joining {
            let (nodes, now, round) = (net.nodes(), net.now(), net.round());
            let state = net.state_mut(node);
            (state.due, state.full) = (0, false);
            // Its list holds only itself, heard now.
            if !self.layout.packed() {
                state.clocks = vec![Clock::default(); nodes as usize];
            }
            let (entries, clocks) = (state.view.entries_mut(), &mut state.clocks[..]);
            let own = &mut entries[node as usize];
            self.layout.newcomer(own, clocks, node as usize, round, now);
            let digests = net.state(node).view.share();
            self.send_syn(net, (node, SEED), (digests, false), 1);
            return;
        }
        let own = &mut net.state_mut(node).view.entries_mut()[node as usize];
        self.layout.set_rank(own, self.layout.rank(own) + 1);
        let (live, unreachable) = self.interpret(net, node);
        let unreachable_count = unreachable.len() as u32;
        // It knows itself, the live and the unreachable.
        let known = 1 + u64::from(live + unreachable_count);
        // One digest for the period's Syns, as the list was before any of them.
        let digests = net.state(node).view.share();
        let full = self.instant && self.full(net, node);
        // A random live member.
        let partner = self.shared.pick(net, node, node);
        // Now and then an unreachable one, in case it is back; and the seed, when the live
        // partner was not the seed. Drawn in this order, after the partner: before the first
        // exchange when nothing is lost (it draws nothing then, so the draws are the same),
        // which lets the first Syn take the list along when no other Syn needs it, and the
        // exchange change the list in place instead of copying it.
        if self.lossless {
            let others = self.other_partners(net, node, partner, live, &unreachable);
            match (partner, others) {
                (Some(partner), (None, false)) => {
                    self.send_syn(net, (node, partner), (digests, full), known);
                }
                (partner, (unreachable_pick, seed)) => {
                    if let Some(partner) = partner {
                        self.send_syn(net, (node, partner), (Rc::clone(&digests), full), known);
                    }
                    if let Some(pick) = unreachable_pick {
                        self.send_syn(net, (node, pick), (Rc::clone(&digests), full), known);
                    }
                    if seed {
                        self.send_syn(net, (node, SEED), (digests, full), known);
                    }
                }
            }
            return;
        }
        // Under loss each exchange draws its losses before the next Syn's draws.
        if let Some(partner) = partner {
            self.send_syn(net, (node, partner), (Rc::clone(&digests), full), known);
        }
        if unreachable_count > 0
            && net.rng().happens(Chance::new(
                f64::from(unreachable_count) / f64::from(live + 1),
            ))
        {
            let pick = unreachable[net.rng().below(unreachable_count) as usize];
            self.send_syn(net, (node, pick), (Rc::clone(&digests), full), known);
        }
        if node != SEED
            && partner != Some(SEED)
            && net.rng().happens(Chance::new(
                1.0 / f64::from((live + unreachable_count).max(1)),
            ))
        {
            self.send_syn(net, (node, SEED), (digests, full), known);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<Body>) {
        let Datagram { from, to, kind, .. } = *datagram;
        if !net.state(to).view.joined() {
            return;
        }
        // Taken, so that a Syn's digests can be let go before the exchange changes the list
        // they share with the initiator (held, the change would copy the list).
        match std::mem::replace(&mut datagram.body, Body::Masks) {
            // Syn: answer with what is newer here, and ask for what is newer there.
            Body::Digests(digests, listed_all) => {
                if self.instant {
                    let full = listed_all && self.full(net, to);
                    self.resume.set((0, 0));
                    // Both lists list every endpoint and the digests are the initiator's list
                    // as it is: the comparison takes the exchange's states as it goes.
                    let nodes = net.state(to).view.entries().len();
                    if full
                        && self.arrives
                        && from != to
                        && net.state(from).view.holds(&digests)
                        && digests.len() == nodes
                    {
                        drop(digests);
                        let counts = self.exchange_taking(net, (from, to));
                        self.send_masks(net, (to, from), ACK, counts);
                        return;
                    }
                    let counts = exchange_masks(
                        (net.state(to).view.entries(), &digests),
                        &mut self.masks.borrow_mut(),
                        full,
                    );
                    if let Some((states, requests)) = counts {
                        drop(digests);
                        self.send_masks(net, (to, from), ACK, (states, requests));
                        return;
                    }
                }
                let mut answers = self.answers.borrow_mut();
                let (newer, requests) = &mut *answers;
                let rank_mask = self.layout.rank_mask();
                let (newer, requests) = answer(
                    (net.state(to).view.entries(), &digests),
                    rank_mask,
                    newer,
                    requests,
                );
                // An endpoint is in one list at most: the requests fit after the states.
                let (newer_list, request_list) = &mut *answers;
                newer_list[newer..newer + requests].copy_from_slice(&request_list[..requests]);
                let list = Rc::from(&newer_list[..newer + requests]);
                // The digests are no longer needed: the initiator need not copy its list for
                // them when the answer's exchange changes it.
                drop((answers, digests));
                self.send_states(net, (to, from), ACK, list, requests);
            }
            // Ack: take the states, send the asked-for ones back.
            Body::States(list) => {
                let asked = self.take(net, to, &list);
                if kind == ACK && asked > 0 {
                    let list = Rc::from(&self.shared.scratch.borrow()[..asked]);
                    self.send_states(net, (to, from), ACK2, list, 0);
                }
            }
            // The same, from masks over the sender's list, which has not changed since it sent
            // them.
            Body::Masks => {
                let source = net.state(from).view.share();
                let (initiator_from, responder_from) = self.resume.get();
                let (slot, first) = match kind {
                    ACK => (STATES, initiator_from),
                    _ => (ASKED, responder_from),
                };
                self.take_masked(net, to, &source, (slot, first));
                drop(source);
                if kind == ACK {
                    let full = self.full(net, to);
                    let asked = self.narrow_requests(net.state(to).view.entries(), full);
                    if asked > 0 {
                        self.send_masks(net, (to, from), ACK2, (asked, 0));
                    }
                }
            }
        }
    }

    fn watch(&self, node: u32, tick: Tick) {
        self.shared.watch(node, tick);
    }

    fn membership(
        &self,
        states: &[Node],
        is_crashed: &dyn Fn(u32) -> bool,
        views: bool,
    ) -> Option<MembershipRound> {
        Some(self.shared.report(states, is_crashed, views))
    }

    fn consistent(&self, states: &[Node], is_crashed: &dyn Fn(u32) -> bool) -> Option<bool> {
        Some(self.shared.consistent(states, is_crashed))
    }
}

// --- The descriptor ---

/// A node's list, 8 bytes a member, and in a long run its clocks, 8 more; the unreachable
/// endpoints it keeps (and copies once a pass); with delay, the Syns' lists and the Acks' and
/// Ack2s' states in flight (each at most a list long).
fn node_bytes(config: &Config) -> u64 {
    let nodes = u64::from(config.nodes);
    let clock = if Layout::of(config.round_limit()).packed() {
        0
    } else {
        std::mem::size_of::<Clock>()
    };
    let list = (std::mem::size_of::<Entry>() + clock) as u64 * nodes;
    let unreachable = 2 * 4 * changed_members(config);
    let in_flight = 3 * std::mem::size_of::<Item>() as u64 * nodes * lists_in_flight(config);
    std::mem::size_of::<Node>() as u64 + list + unreachable + in_flight
}

pub static SPEC: MembershipSpec = MembershipSpec {
    name: "cassandra",
    about: "Cassandra's gossiper: Syn / Ack / Ack2 digests and the phi accrual failure detector",
    params: &[
        "mode",
        "nodes",
        "loss",
        "crash",
        "seed",
        "max_rounds",
        "burst",
        "crash_at",
        "partition",
        "delay",
        "periods",
        "join_at",
        "phi",
    ],
    kinds: KINDS,
    words: &WORDS,
    node_bytes,
    source: "theory.md section 10: phi = (t / mean interval) log10 e; conviction after phi / log10 e mean intervals (18.4 at 8; Hayashibara et al. 2004)",
    build: |config| {
        on_events(
            Cassandra {
                shared: super::membership::Shared::new(config.membership, config.nodes),
                lossless: config.network.loss == 0.0,
                answers: RefCell::default(),
                layout: Layout::of(config.round_limit()),
                instant: config.delay.is_zero() && Layout::of(config.round_limit()).packed(),
                masks: RefCell::default(),
                arrives: config.network.loss == 0.0 && config.partitions.is_empty(),
                resume: Cell::default(),
            },
            config,
        )
    },
    detection: |config| {
        (
            super::membership::conviction_intervals(config.membership.phi),
            format!(
                "convicted after phi / log10 e = {:.1} mean intervals without news",
                super::membership::conviction_intervals(config.membership.phi)
            ),
        )
    },
};

static WORDS: Words = Words {
    title: "Cassandra",
    explanation: "Cassandra: each second a node bumps its heartbeat version and gossips digests with a random live \
        node (Syn, Ack, Ack2), now and then with an unreachable one and the seed. The phi accrual \
        detector convicts a node when phi = (time without news / mean interval) · log10 e passes the \
        threshold: at 8, after about 18.4 mean intervals, then the conviction spreads node by node. The \
        trade-off: a higher threshold, fewer false convictions under loss, slower detection.",
    informed: "consider X failed",
    fanout: "not used: one exchange a period",
    click: "Click a node to see its view of the members.",
    done: "every live node considers the crashed node failed",
    ended: "the run's periods are over",
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists of packed entries: random versions below 2^18, a random known status, and
    /// (unless `full`) now and then an unknown endpoint.
    fn list(nodes: usize, seed: &mut u64, full: bool) -> Vec<Entry> {
        let mut next = || {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed
        };
        (0..nodes)
            .map(|_| {
                let draw = next();
                let status = if !full && draw % 50 == 0 {
                    0
                } else {
                    1 + (draw >> 20 & 1)
                };
                Entry {
                    word: status << 62 | draw >> 32 & 0xff,
                }
            })
            .collect()
    }

    /// An endpoint held alive, heard at `heard` after `intervals` intervals from `start`.
    #[cfg(not(target_arch = "wasm32"))]
    fn heard(heard: u64, start: u64, intervals: u64) -> Entry {
        Entry {
            word: ALIVE << 62
                | start << START_SHIFT
                | heard << HEARD_SHIFT
                | intervals << INTERVALS_SHIFT
                | 7,
        }
    }

    /// The detector's quick pass takes whole blocks whose every endpoint the quick test clears
    /// and stops at the first block with one it does not, one held failed, the observer's own,
    /// or the last partial block; its live count and due tick are the entry-by-entry pass's.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_quick_pass_stops_where_the_detector_must_look_closer() {
        let limit = quick_limit(8.0);
        // Heard every period (100 ticks) for ten intervals, the last within the last period.
        let recent = |member: u64| heard(4900 + member % 64, 3900 + member % 64, 10);
        let list: Vec<Entry> = (0..300).map(recent).collect();
        let now = 5000;
        let expected_due = (0..256)
            .map(|member| {
                let times = Layout::PACKED.times(&list[member], &[], member);
                times.heard + quick_wait(&times, limit)
            })
            .min()
            .unwrap();
        // Phi 8 after 18.42 mean intervals of 100 ticks from the earliest last news.
        assert_eq!(expected_due, 4900 + 1843);
        let pass = |list: &[Entry], first: usize, node: u32| {
            let pass = quick_pass(list, first, node, now, limit);
            (pass.live, pass.due, pass.stop)
        };
        // The observer in the partial block: every whole block passes.
        assert_eq!(pass(&list, 0, 299), (256, expected_due, 256));
        // From a later block on, and the observer's own block stops it.
        assert_eq!(pass(&list, 128, 299).2, 256);
        assert_eq!(pass(&list, 0, 10), (0, Tick::MAX, 0));
        assert_eq!(pass(&list, 0, 70).2, 64);
        assert_eq!(pass(&list, 128, 70).0, 128);
        // One held failed stops it at its block.
        let mut failed = list.clone();
        failed[130].set_seen(Seen::Failed, 0);
        assert_eq!(pass(&failed, 0, 299).0, 128);
        assert_eq!(pass(&failed, 0, 299).2, 128);
        // One silent for 20 of its mean intervals (phi 8.7): not cleared.
        let mut silent = list.clone();
        silent[70] = heard(now - 2000, now - 3000, 10);
        assert_eq!(pass(&silent, 0, 299).2, 64);
        // One silent for 18 mean intervals (phi 7.8) is cleared, and due first.
        let mut quiet = list.clone();
        quiet[70] = heard(now - 1800, now - 2800, 10);
        let (live, due, stop) = pass(&quiet, 0, 299);
        assert_eq!((live, stop), (256, 256));
        assert_eq!(due, now - 1800 + 1843);
        // Suspected and unknown endpoints are neither live nor a reason to stop.
        let mut others = list.clone();
        others[3].set_seen(Seen::Suspected, 0);
        others[4] = Entry::default();
        assert_eq!(pass(&others, 0, 299).0, 254);
    }

    /// The masks of a Syn's answer say what its lists say: the states newer here, the
    /// requests for what is newer there; `None` exactly where an endpoint is unknown on
    /// either side; and, where both sides know every endpoint, the same without the check.
    #[test]
    fn masks_agree_with_the_answers_lists() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for nodes in [1, 2, 63, 64, 65, 127, 130, 500] {
            for full in [false, true] {
                let (entries, digests) =
                    (list(nodes, &mut seed, full), list(nodes, &mut seed, full));
                let (mut newer, mut requests) = (Vec::new(), Vec::new());
                let (newer_count, request_count) =
                    answer((&entries, &digests), RANK_MASK, &mut newer, &mut requests);
                let mut masks = Vec::new();
                let counts = exchange_masks((&entries, &digests), &mut masks, false);
                let unknown = entries.iter().chain(&digests).any(|entry| !entry.known());
                assert_eq!(counts.is_none(), unknown, "{nodes} nodes");
                // Full lists always answer with masks; the test must reach them.
                assert!(!full || counts.is_some());
                let Some(counts) = counts else {
                    continue;
                };
                assert_eq!(counts, (newer_count as u64, request_count as u64));
                let listed = |slot: usize| -> Vec<u32> {
                    (0..nodes)
                        .filter(|&member| masks[2 * (member / 64) + slot] >> (member % 64) & 1 == 1)
                        .map(|member| member as u32)
                        .collect()
                };
                let states: Vec<u32> = newer[..newer_count]
                    .iter()
                    .map(|&it| member_of(it))
                    .collect();
                let asked: Vec<u32> = requests[..request_count]
                    .iter()
                    .map(|&it| member_of(it))
                    .collect();
                assert_eq!((listed(STATES), listed(ASKED)), (states, asked));
                let mut unchecked = Vec::new();
                let unchecked_counts = exchange_masks((&entries, &digests), &mut unchecked, true);
                assert_eq!((unchecked_counts, unchecked), (Some(counts), masks));
            }
        }
    }
}
