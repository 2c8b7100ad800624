//! SWIM (Das, Gupta and Motivala, DSN 2002; theory.md section 10). Each period (a round, 100
//! ticks) a member pings one member drawn uniformly from its list; without an ack after the
//! ping timeout it asks k others to ping it (ping-req), and they relay the ack; if no ack has
//! come by the probe's deadline, it suspects the member at its next period. A suspected member is
//! confirmed failed `suspicion` periods later unless a higher incarnation refutes it (the
//! member itself, hearing it is suspected, raises its incarnation). Every change is an update
//! piggybacked on pings and acks (at most `PIGGYBACK` a datagram, each sent
//! `λ log2 N` times, λ = 3: infection-style dissemination). Expected time until some member
//! first suspects a crashed one: e / (e - 1) periods, for any N.
//!
//! Timeouts follow the network (`Timing::of`): the ping timeout is the 99th percentile of a
//! round trip (two delays), at least `PING_TIMEOUT`; the deadline is the ping timeout plus the
//! 99th percentile of an indirect probe (four delays: to a helper, to the target, back, back),
//! at least one period. A member starts no new probe while one is pending, so a probe longer
//! than a period stretches SWIM's protocol period, as the paper asks (T' at least three round
//! trips); the suspicion timeout counts such stretched periods. A live member is then
//! suspected only if its direct ack and all k indirect ones come later than their 99th
//! percentiles: without loss, under 0.01 x 0.01^k a probe, whatever the delay. Without delay
//! both are the old constants: a 30-tick ping timeout and a deadline at the next period.

use super::membership::{
    HasView, List, Member, SEED, Seen, Shared, bytes, failed_after, generation, stamp,
};
use super::membership_spec::{MembershipSpec, changed_members, sends_per_node};
use crate::config::Config;
use crate::drivers::on_events;
use crate::failures::Delay;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look, MembershipRound, TICKS_PER_ROUND, Tick};
use crate::spec::Words;
use std::cell::{Cell, RefCell};
#[cfg(not(target_arch = "wasm32"))]
use std::collections::HashMap;
#[cfg(not(target_arch = "wasm32"))]
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// Ticks a member waits for a direct ack before sending ping-reqs, at least (0.3 periods; the
/// ack of an indirect probe may arrive until the period ends). With a delay, the 99th
/// percentile of a round trip if longer (`Timing::of`).
pub const PING_TIMEOUT: Tick = 30;
/// The share of round trips (direct, then indirect) the timeouts wait for.
pub const TIMEOUT_QUANTILE: f64 = 0.99;

/// A probe's timeouts, from the delay distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// Ticks from the ping to the ping-reqs.
    pub ping_timeout: Tick,
    /// Ticks from the ping to the deadline: a probe still without an ack then suspects its
    /// target (at the prober's next period), and the next probe starts no earlier. Also the
    /// protocol period the suspicion timeout counts.
    pub probe: Tick,
}

impl Timing {
    pub fn of(delay: Delay) -> Timing {
        let ping_timeout = PING_TIMEOUT.max(delay.sum_quantile(2, TIMEOUT_QUANTILE));
        let indirect = delay.sum_quantile(4, TIMEOUT_QUANTILE);
        Timing {
            ping_timeout,
            probe: TICKS_PER_ROUND.max(ping_timeout + indirect),
        }
    }
}
/// Updates piggybacked on one datagram, at most.
pub const PIGGYBACK: usize = 6;
/// λ: an update is piggybacked λ ceil(log2(N + 1)) times.
pub const LAMBDA: u32 = 3;
/// No relay: a direct probe.
const DIRECT: u32 = u32::MAX;

pub const PING: u8 = 0;
pub const ACK: u8 = 1;
pub const PING_REQ: u8 = 2;
pub const JOIN: u8 = 3;
pub const JOIN_ACK: u8 = 4;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "ping",
        payload: false,
        look: Look::Request,
        label: "ping",
    },
    Kind {
        name: "ack",
        payload: false,
        look: Look::Ack,
        label: "ack",
    },
    Kind {
        name: "ping-req",
        payload: false,
        look: Look::Data,
        label: "ping-req (ask k others)",
    },
    Kind {
        name: "join",
        payload: false,
        look: Look::Reply,
        label: "join (to the seed)",
    },
    Kind {
        name: "join-ack",
        payload: false,
        look: Look::Repair,
        label: "join-ack (the seed's list)",
    },
];

/// One membership change, as piggybacked: 16 bytes (aligned to its version it took 24, and a
/// datagram carries six).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, packed(4))]
pub struct Update {
    pub member: u32,
    pub version: u64,
    pub seen: Seen,
}

#[derive(Clone, Debug, Default)]
pub struct Body {
    /// A ping's or an ack's probed member; a ping-req's target.
    pub subject: u32,
    /// An indirect probe: the member that asked (`DIRECT`: none).
    pub relay: u32,
    pub updates: [Update; PIGGYBACK],
    pub count: u8,
    /// A join-ack: the seed's list as it was when the seed answered.
    pub list: Option<Rc<Exceptions>>,
}

/// An observer's entry for one member: 16 bytes (13 used; aligned to its version it also takes
/// 16, but a list's record of member and entry would take 24 instead of 20).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, packed(4))]
pub struct Entry {
    /// The member's incarnation, with its generation (the round it joined) in the high 32 bits.
    pub version: u64,
    /// The tick `seen` last changed (a suspicion's start).
    since: u32,
    pub seen: Seen,
}

impl Entry {
    pub fn since(&self) -> Tick {
        Tick::from(self.since)
    }
}

impl Member for Entry {
    fn seen(&self) -> Seen {
        self.seen
    }
    fn set_seen(&mut self, seen: Seen, now: Tick) {
        self.seen = seen;
        self.since = stamp(now);
    }
    fn newcomer(version: u64, now: Tick) -> Entry {
        Entry {
            version,
            since: stamp(now),
            seen: Seen::Alive,
        }
    }
}

/// What a list holds for a member it has no entry of its own for.
#[derive(Clone, Debug, Default)]
enum Baseline {
    /// No list: the node has not joined.
    #[default]
    Absent,
    /// The group's floor: every member alive at the version the floor holds, but a joiner the
    /// floor does not know yet.
    Group(Rc<Floor>),
    /// A newcomer's: nobody.
    Nobody,
}

/// The group's baseline, one for all lists: each member alive at a version (at first
/// incarnation 0, everyone as the group formed before the run; the joiner unknown). It
/// advances: once most lists hold a member alive at a newer version, that version becomes the
/// member's floor and those lists drop their entries (`Swim::fold`), so a refutation that has
/// spread costs no list anything. A list that still holds the older version (it has not heard
/// yet, or it is frozen) keeps it as an entry of its own, so no list reads a different entry
/// after a fold than before. Lists that can no longer change with the group (a crashed node's,
/// a join-ack's copy in flight) hold a frozen copy instead of the group's floor.
#[derive(Debug)]
pub struct Floor {
    /// Per member: the version it is alive at (`UNKNOWN`: not known, the joiner).
    versions: Box<[Cell<u64>]>,
    /// The member the floor does not know, if any (the joiner, until its version is folded).
    unknown: Cell<Option<u32>>,
}

/// A floor's version for a member it does not know (no version reaches it: generations are
/// rounds, incarnations far fewer than 2^32).
const UNKNOWN: u64 = u64::MAX;

impl Floor {
    fn new(nodes: u32, joiner: Option<u32>) -> Floor {
        let floor = Floor {
            versions: (0..nodes).map(|_| Cell::new(0)).collect(),
            unknown: Cell::new(joiner),
        };
        if let Some(joiner) = joiner {
            floor.versions[joiner as usize].set(UNKNOWN);
        }
        floor
    }

    /// What a list without an entry of its own holds for `member`.
    fn entry(&self, member: u32) -> Entry {
        match self.versions[member as usize].get() {
            UNKNOWN => Entry::default(),
            version => Entry {
                version,
                ..Entry::founder()
            },
        }
    }

    /// A copy that later folds leave as it is.
    #[cfg(not(target_arch = "wasm32"))]
    fn frozen(&self) -> Floor {
        Floor {
            versions: self.versions.clone(),
            unknown: self.unknown.clone(),
        }
    }
}

/// A member's list: a baseline that every list shares (the group's floor, at first everyone
/// alive at incarnation 0) and the entries where this list differs from it, by member: the
/// members it suspects or holds failed, incarnations raised by a refutation that has not
/// spread to most lists yet, generations brought by a rejoin. A list costs memory by its
/// changes still spreading (and the crashes it knows), not by N: a group of 10,000 needs no
/// N x N table.
#[derive(Clone, Debug, Default)]
pub struct Exceptions {
    baseline: Baseline,
    entries: Sorted,
    /// Members listed as failed (the baseline lists none).
    failed: u32,
}

/// A list's exceptions, by member: a vector sorted by member, 20 bytes an entry with no
/// per-node overhead (a B-tree's nodes, at least half full, took up to 64), read by binary
/// search and in member order like the B-tree it replaces. A change inserts into the middle, a
/// copy of the entries after it: lists hold a few thousand entries at most, so that is a few
/// kilobytes moved.
#[derive(Clone, Debug, Default)]
struct Sorted(Vec<Record>);

/// A member and this list's entry for it.
#[derive(Clone, Copy, Debug)]
struct Record {
    member: u32,
    entry: Entry,
}

/// Bytes of one record.
const RECORD_BYTES: u64 = std::mem::size_of::<Record>() as u64;

impl Sorted {
    fn find(&self, member: u32) -> Result<usize, usize> {
        self.0.binary_search_by_key(&member, |record| record.member)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// Bytes its vector holds.
    #[cfg(not(target_arch = "wasm32"))]
    fn bytes(&self) -> u64 {
        self.0.capacity() as u64 * RECORD_BYTES
    }

    fn get(&self, member: &u32) -> Option<&Entry> {
        self.find(*member).ok().map(|index| &self.0[index].entry)
    }

    fn contains_key(&self, member: &u32) -> bool {
        self.find(*member).is_ok()
    }

    /// `member`'s entry, `entry` inserted first if it has none.
    fn or_insert(&mut self, member: u32, entry: Entry) -> &mut Entry {
        self.or_insert_with(member, || entry)
    }

    fn or_insert_with(&mut self, member: u32, entry: impl FnOnce() -> Entry) -> &mut Entry {
        let index = match self.find(member) {
            Ok(index) => index,
            Err(index) => {
                let entry = entry();
                self.0.insert(index, Record { member, entry });
                index
            }
        };
        &mut self.0[index].entry
    }

    fn insert(&mut self, member: u32, entry: Entry) {
        *self.or_insert(member, entry) = entry;
    }

    #[cfg(all(test, not(target_arch = "wasm32")))]
    fn remove(&mut self, member: &u32) {
        if let Ok(index) = self.find(*member) {
            self.0.remove(index);
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn retain(&mut self, mut keep: impl FnMut(&u32, &mut Entry) -> bool) {
        self.0
            .retain_mut(|record| keep(&record.member, &mut record.entry));
    }

    fn iter(&self) -> impl Iterator<Item = (&u32, &Entry)> {
        self.0.iter().map(|record| (&record.member, &record.entry))
    }
}

impl<'a> IntoIterator for &'a Sorted {
    type Item = (&'a u32, &'a Entry);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Record>, fn(&'a Record) -> Self::Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|record| (&record.member, &record.entry))
    }
}

impl Exceptions {
    /// The baseline's entry for `member`.
    fn base(&self, member: u32) -> Entry {
        match &self.baseline {
            Baseline::Group(floor) => floor.entry(member),
            _ => Entry::default(),
        }
    }

    /// Changes `member`'s entry (its version; what the node believes changes through
    /// `List::set_seen`).
    fn update(&mut self, member: u32, change: impl FnOnce(&mut Entry)) {
        let base = self.base(member);
        change(self.entries.or_insert(member, base));
    }

    /// How many members this list holds differently from the baseline.
    pub fn exceptions(&self) -> usize {
        self.entries.len()
    }

    /// A newcomer's list once the seed's has arrived: the seed's entry for every member the
    /// seed knows (heard now), its own for itself and for the members the seed does not know.
    fn merged(&self, seed: &Exceptions, node: u32, nodes: u32, now: Tick) -> Exceptions {
        let baseline = match &seed.baseline {
            Baseline::Group(_) => seed.baseline.clone(),
            _ => self.baseline.clone(),
        };
        let mut list = Exceptions {
            baseline,
            ..Exceptions::default()
        };
        for member in 0..nodes {
            let theirs = seed.get(member);
            let entry = if member != node && theirs.seen != Seen::Unknown {
                Entry {
                    since: stamp(now),
                    ..theirs
                }
            } else {
                self.get(member)
            };
            // The baseline is never suspected, so `since` matters only where `seen` differs.
            let base = list.base(member);
            if (entry.version, entry.seen) != (base.version, base.seen) {
                list.entries.insert(member, entry);
                list.failed += u32::from(entry.seen == Seen::Failed);
            }
        }
        list
    }
}

impl List for Exceptions {
    type Entry = Entry;

    fn everyone(nodes: u32, joiner: Option<u32>) -> Exceptions {
        Exceptions {
            baseline: Baseline::Group(Rc::new(Floor::new(nodes, joiner))),
            ..Exceptions::default()
        }
    }

    fn newcomer(_nodes: u32, node: u32, round: u32, now: Tick) -> Exceptions {
        let mut list = Exceptions {
            baseline: Baseline::Nobody,
            ..Exceptions::default()
        };
        list.entries
            .insert(node, Entry::newcomer(generation(round), now));
        list
    }

    fn joined(&self) -> bool {
        !matches!(self.baseline, Baseline::Absent)
    }

    fn get(&self, member: u32) -> Entry {
        self.entries
            .get(&member)
            .copied()
            .unwrap_or_else(|| self.base(member))
    }

    fn set_seen(&mut self, member: u32, seen: Seen, now: Tick) {
        let before = self.get(member).seen;
        self.update(member, |entry| entry.set_seen(seen, now));
        self.failed = failed_after(self.failed, before, seen);
    }

    fn failed(&self) -> u32 {
        self.failed
    }

    fn nth_failed(&self, index: u32) -> Option<u32> {
        self.entries
            .iter()
            .filter(|(_, entry)| entry.seen == Seen::Failed)
            .nth(index as usize)
            .map(|(&member, _)| member)
    }

    /// By the exceptions alone: the floor lists every member alive but the one it does not know.
    fn all_alive(&self, observer: u32, live: &[bool], members: u32) -> bool {
        let mut listed = 0;
        for (&member, entry) in &self.entries {
            if member == observer || !live[member as usize] {
                continue;
            }
            if entry.seen != Seen::Alive {
                return false;
            }
            listed += 1;
        }
        let others = members - u32::from(live[observer as usize]);
        match &self.baseline {
            Baseline::Group(floor) => floor.unknown.get().is_none_or(|unknown| {
                unknown == observer
                    || !live[unknown as usize]
                    || self.entries.contains_key(&unknown)
            }),
            Baseline::Nobody | Baseline::Absent => listed == others,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Node {
    pub view: Exceptions,
    /// The pending probe: its target, whether an ack came back, and its deadline (tick).
    pub probe: Option<(u32, bool, Tick)>,
    /// Members it suspects (their timeouts are checked each period).
    pub suspects: Vec<u32>,
    /// Updates to piggyback, with the sends each has left.
    pub updates: Piggyback,
}

/// A member's updates to piggyback, with the sends each has left, kept oldest first so that a
/// new update is a push and a send touches only the newest few: under loss the buffer holds
/// thousands, and shifting all of them for every new one took half of a run. An update that
/// leaves (replaced, or out of sends) becomes a hole, skipped by sends and swept out once the
/// holes outnumber a quarter of the updates; an index from member to its newest slot makes a
/// replacement O(1) instead of a scan of the buffer. The page's wasm, at most 2,000 members and
/// with a size budget, scans instead of keeping the index: the same slots, the same sends.
#[derive(Clone, Debug, Default)]
pub struct Piggyback {
    /// Oldest first; a slot with no sends left is a hole.
    slots: Vec<Slot>,
    /// Per member with a slot: its newest slot.
    #[cfg(not(target_arch = "wasm32"))]
    newest: HashMap<u32, u32, BuildHasherDefault<MemberHasher>>,
    /// Slots that are holes.
    holes: usize,
}

/// An update as the buffer keeps it, 16 bytes (an `Update` and its count would take 20): at
/// N = 10,000 under heavy loss the buffers hold millions.
#[derive(Clone, Copy, Debug)]
struct Slot {
    member: u32,
    /// The member's next older slot (`NO_SLOT`: none), live or a hole.
    older: u32,
    /// The version's incarnation (its low 32 bits).
    incarnation: u32,
    /// The version's generation (a round, at most the 100,000 periods a run may last: under
    /// 2^22), the sends left (0: a hole; at most λ x 32: under 2^8) and `seen` (2 bits), as
    /// generation << 10 | left << 2 | seen.
    packed: u32,
}

/// Bits of `Slot::packed` below the generation.
const GENERATION_SHIFT: u32 = 10;

impl Slot {
    fn new(update: Update, older: u32, left: u32) -> Slot {
        let version = update.version;
        let generation = version >> 32;
        debug_assert!(generation < 1 << (32 - GENERATION_SHIFT) && left < 1 << 8);
        Slot {
            member: update.member,
            older,
            incarnation: version as u32,
            packed: (generation as u32) << GENERATION_SHIFT | left << 2 | update.seen as u32,
        }
    }

    /// Sends left (0: a hole).
    fn left(&self) -> u32 {
        (self.packed >> 2) & 0xff
    }

    fn set_left(&mut self, left: u32) {
        self.packed = (self.packed & !(0xff << 2)) | left << 2;
    }

    fn update(&self) -> Update {
        Update {
            member: self.member,
            version: u64::from(self.packed >> GENERATION_SHIFT) << 32 | u64::from(self.incarnation),
            seen: match self.packed & 3 {
                0 => Seen::Unknown,
                1 => Seen::Alive,
                2 => Seen::Suspected,
                _ => Seen::Failed,
            },
        }
    }
}

const NO_SLOT: u32 = u32::MAX;

/// Bytes of the piggyback index per member it can hold: 9 a bucket, 8 buckets for 7.
const INDEX_BYTES: u64 = 11;

/// Hashes a member id with one multiplication: the index is rebuilt every run from the run's
/// own members, so it needs speed, not resistance to chosen keys.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Default)]
pub struct MemberHasher(u64);

#[cfg(not(target_arch = "wasm32"))]
impl Hasher for MemberHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u32(u32::from(byte));
        }
    }
    fn write_u32(&mut self, member: u32) {
        self.0 = (self.0 ^ u64::from(member)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl Piggyback {
    /// `update` becomes the newest, sent `sends` times (at least once).
    fn push(&mut self, update: Update, sends: u32) {
        debug_assert!(sends > 0);
        let older = self.index(update.member);
        self.slots.push(Slot::new(update, older, sends));
    }

    /// `update` replaces every older update about its member and becomes the newest.
    fn replace(&mut self, update: Update, sends: u32) {
        self.leave(update.member);
        self.push(update, sends);
        self.sweep();
    }

    /// Indexes the slot about to be pushed as `member`'s newest; returns its older one.
    #[cfg(not(target_arch = "wasm32"))]
    fn index(&mut self, member: u32) -> u32 {
        let position = self.slots.len() as u32;
        self.newest.insert(member, position).unwrap_or(NO_SLOT)
    }

    #[cfg(target_arch = "wasm32")]
    fn index(&mut self, _member: u32) -> u32 {
        NO_SLOT
    }

    /// Every slot of `member` becomes a hole: its chain from the index.
    #[cfg(not(target_arch = "wasm32"))]
    fn leave(&mut self, member: u32) {
        // The member's slots all become holes, so the next one starts a chain of its own.
        let mut position = self.newest.remove(&member).unwrap_or(NO_SLOT);
        while position != NO_SLOT {
            let slot = &mut self.slots[position as usize];
            if slot.left() > 0 {
                slot.set_left(0);
                self.holes += 1;
            }
            position = slot.older;
        }
    }

    /// Every slot of `member` becomes a hole: a scan.
    #[cfg(target_arch = "wasm32")]
    fn leave(&mut self, member: u32) {
        for slot in &mut self.slots {
            if slot.member == member && slot.left() > 0 {
                slot.set_left(0);
                self.holes += 1;
            }
        }
    }

    /// The slot at `position`, `member`'s, left the buffer: its older one becomes the newest.
    #[cfg(not(target_arch = "wasm32"))]
    fn unindex(&mut self, member: u32, position: u32, older: u32) {
        // Only a member's newest slot is indexed; a replaced one left the chain already.
        if self.newest.get(&member) == Some(&position) {
            if older == NO_SLOT {
                self.newest.remove(&member);
            } else {
                self.newest.insert(member, older);
            }
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn unindex(&mut self, _member: u32, _position: u32, _older: u32) {}

    /// Bytes its slots and its index hold (a hash table's buckets: a member, a slot and a
    /// control byte, at most 8 for 7 it can hold).
    #[cfg(not(target_arch = "wasm32"))]
    fn bytes(&self) -> u64 {
        let slots = (self.slots.capacity() * std::mem::size_of::<Slot>()) as u64;
        slots + self.newest.capacity() as u64 * INDEX_BYTES
    }

    /// Updates waiting to be sent.
    pub fn len(&self) -> usize {
        self.slots.len() - self.holes
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies up to `slots.len()` updates, newest first, into `slots`, spends one send of each,
    /// drops those with none left, and returns how many it copied. Only the copied ones change:
    /// every other update has a send left.
    fn take(&mut self, slots: &mut [Update]) -> usize {
        let mut count = 0;
        let mut position = self.slots.len();
        while count < slots.len() && position > 0 {
            position -= 1;
            let slot = &mut self.slots[position];
            let left = slot.left();
            if left == 0 {
                continue;
            }
            slots[count] = slot.update();
            slot.set_left(left - 1);
            self.holes += usize::from(left == 1);
            count += 1;
        }
        // Holes at the newest end go at once (the next push takes their place).
        while let Some(&last) = self.slots.last()
            && last.left() == 0
        {
            self.slots.pop();
            self.holes -= 1;
            self.unindex(last.member, self.slots.len() as u32, last.older);
        }
        self.sweep();
        count
    }

    /// Sweeps the holes out once they are over a quarter of the slots (and more than a few),
    /// keeping the order; rebuilds the index.
    fn sweep(&mut self) {
        if self.holes <= 16 || 4 * self.holes <= self.slots.len() {
            return;
        }
        let slots = std::mem::take(&mut self.slots);
        #[cfg(not(target_arch = "wasm32"))]
        self.newest.clear();
        self.holes = 0;
        for slot in slots.into_iter().filter(|slot| slot.left() > 0) {
            self.push(slot.update(), slot.left());
        }
    }
}

impl Node {
    /// Bytes its list's entries, its piggyback buffer and its suspicions hold.
    #[cfg(not(target_arch = "wasm32"))]
    fn bytes(&self) -> u64 {
        self.view.entries.bytes() + self.updates.bytes() + (self.suspects.capacity() * 4) as u64
    }
}

impl HasView for Node {
    type List = Exceptions;
    fn view(&self) -> &Exceptions {
        &self.view
    }
    fn view_mut(&mut self) -> &mut Exceptions {
        &mut self.view
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// No direct ack from this target yet: ask k others.
    PingTimeout(u32),
    /// A suspicion of this member runs out (drawn as a bar; the confirmation itself happens at
    /// the node's next period, where the suspicions are checked).
    Suspicion(u32),
}

pub struct Swim {
    pub shared: Shared,
    pub timing: Timing,
    /// The group's floor and the work of advancing it (not in the page's wasm).
    #[cfg(not(target_arch = "wasm32"))]
    folding: RefCell<Folding>,
    /// Bytes all lists, piggyback buffers and suspicions together may take (`list_budget`).
    /// The page's wasm runs at most 2,000 members, within the bound, and does not check it.
    #[cfg(not(target_arch = "wasm32"))]
    budget: u64,
    /// Whether `budget` is enforced rather than proven (`budget_enforced`): it then holds the
    /// event queue's allocation too.
    #[cfg(not(target_arch = "wasm32"))]
    enforced: bool,
    /// Why the run stopped early: its lists outgrew `budget`.
    halted: RefCell<Option<String>>,
}

/// The group's floor, a frozen copy of it while no fold has changed it (lists that stop
/// changing share one), and room to count each member's entries.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Default)]
struct Folding {
    current: Option<Rc<Floor>>,
    frozen: Option<Rc<Floor>>,
    tally: Vec<Tally>,
    /// Rounds until the next pass, and the gap after it: a pass that frees little (lists
    /// that disagree, as under heavy loss) doubles the gap, up to `MAX_GAP`; one that frees
    /// much resets it. When a pass runs changes nothing a run does, only its memory and time.
    wait: u32,
    gap: u32,
}

/// The most rounds between two passes of the fold.
#[cfg(not(target_arch = "wasm32"))]
const MAX_GAP: u32 = 16;

/// Over the lists on the group's floor, for one member: how many hold an entry for it, the
/// newest version one holds it alive at, how many hold exactly that (and may drop it), and
/// whether the floor takes that version now.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    listed: u32,
    version: u64,
    agree: u32,
    fold: bool,
}

#[cfg(not(target_arch = "wasm32"))]
impl Folding {
    /// The floor as it is now, for a list that must not see later folds.
    fn frozen(&mut self, current: &Floor) -> Rc<Floor> {
        Rc::clone(self.frozen.get_or_insert_with(|| Rc::new(current.frozen())))
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// The members `node` suspects but lists alive (a newcomer whose seed's list said so): their
/// entries keep the tick their suspicion is timed from, so they stay.
fn pinned(node: &Node) -> Vec<u32> {
    node.suspects
        .iter()
        .copied()
        .filter(|member| {
            node.view
                .entries
                .get(member)
                .is_some_and(|entry| entry.seen == Seen::Alive)
        })
        .collect()
}

impl Swim {
    pub fn new(shared: Shared, timing: Timing, (budget, enforced): (u64, bool)) -> Swim {
        #[cfg(target_arch = "wasm32")]
        let _ = (budget, enforced);
        Swim {
            shared,
            timing,
            #[cfg(not(target_arch = "wasm32"))]
            folding: RefCell::default(),
            #[cfg(not(target_arch = "wasm32"))]
            budget,
            #[cfg(not(target_arch = "wasm32"))]
            enforced,
            halted: RefCell::default(),
        }
    }

    /// Stops the run if the lists, piggyback buffers and suspicions of all nodes together take
    /// more than the budget the memory estimate counted (loss or a partition can make members
    /// change faster than the changes spread: then no bound short of N x N holds). Reads only:
    /// a run within its budget plays exactly as without the check. O(N).
    #[cfg(not(target_arch = "wasm32"))]
    fn over_budget(&self, net: &impl Net<Self>) -> bool {
        if self.halted.borrow().is_some() {
            return true;
        }
        let lists: u64 = (0..net.nodes()).map(|node| net.state(node).bytes()).sum();
        // An enforced budget holds the event queue's allocation too (its slots, never given
        // back, grow with bursts of suspicions' timers and datagrams: under heavy loss about a
        // third of it). A proven bound is the lists' alone, and the queue is estimated apart.
        let queue = if self.enforced { net.queue_bytes() } else { 0 };
        let bytes = lists + queue;
        if bytes <= self.budget {
            return false;
        }
        *self.halted.borrow_mut() = Some(format!(
            "swim stopped at period {}: its lists, piggybacked updates and event queue outgrew the {} its memory estimate allows ({} now: changes pile up faster than the lists come to agree, as under heavy loss, a long partition or many crashes): lower nodes, loss, crashes or periods",
            net.round(),
            crate::params::bytes_text(self.budget),
            crate::params::bytes_text(bytes)
        ));
        true
    }

    /// Advances the group's floor, between two rounds: every member that more lists on the
    /// floor hold alive at one newer version than lists hold nothing for it gets that version as
    /// its floor; the lists holding exactly that drop their entry, the lists holding nothing
    /// get the old floor's as an entry of their own, every other entry stays. So every list
    /// reads the same entry for every member after a fold as before (the run does not change),
    /// and the entries of all lists together only shrink. Before that, a live list on another
    /// floor (a node back with its state, a newcomer that took its seed's list) moves to the
    /// group's, keeping as entries where the two differ; a crashed node's list, which can no
    /// longer hear, keeps the floor as it was (a frozen copy), so it never holds a version it
    /// has not heard. O(N + the entries of all lists). The page's wasm (at most 2,000 members,
    /// within the bound `list_budget` proves, and with a size budget) leaves the floor as it is.
    #[cfg(not(target_arch = "wasm32"))]
    fn fold(&self, net: &mut impl Net<Self>) {
        let mut folding = self.folding.borrow_mut();
        let Some(current) = folding.current.clone() else {
            return;
        };
        if folding.wait > 0 {
            folding.wait -= 1;
            return;
        }
        let nodes = net.nodes();
        let on_current = |view: &Exceptions| matches!(&view.baseline, Baseline::Group(floor) if Rc::ptr_eq(floor, &current));
        for node in 0..nodes {
            if net.is_crashed(node) {
                continue;
            }
            let view = &mut net.state_mut(node).view;
            let Baseline::Group(floor) = &view.baseline else {
                continue;
            };
            if Rc::ptr_eq(floor, &current) {
                continue;
            }
            let floor = Rc::clone(floor);
            for member in 0..nodes {
                let (was, is) = (floor.entry(member), current.entry(member));
                if (was.version, was.seen) != (is.version, is.seen) {
                    view.entries.or_insert(member, was);
                }
            }
            view.baseline = Baseline::Group(Rc::clone(&current));
        }
        let mut tally = std::mem::take(&mut folding.tally);
        tally.clear();
        tally.resize(nodes as usize, Tally::default());
        let (mut lists, mut entries) = (0, 0);
        for node in 0..nodes {
            let state = net.state(node);
            if net.is_crashed(node) || !on_current(&state.view) {
                continue;
            }
            lists += 1;
            entries += state.view.entries.len();
            let pinned = pinned(state);
            for (&member, entry) in &state.view.entries {
                let tally = &mut tally[member as usize];
                tally.listed += 1;
                if entry.seen != Seen::Alive || pinned.contains(&member) {
                    continue;
                }
                if tally.agree == 0 || entry.version > tally.version {
                    (tally.version, tally.agree) = (entry.version, 1);
                } else if entry.version == tally.version {
                    tally.agree += 1;
                }
            }
        }
        // Lists that hold nothing for a member take the old floor's entry when it moves.
        let mut copied = Vec::new();
        for (member, tally) in tally.iter_mut().enumerate() {
            if tally.agree == 0 {
                continue;
            }
            let moves = current.versions[member].get() != tally.version;
            let empty = if moves { lists - tally.listed } else { 0 };
            tally.fold = tally.agree > empty;
            if tally.fold && moves && empty > 0 {
                copied.push(member as u32);
            }
        }
        let folded: Vec<u32> = (0..nodes)
            .filter(|&member| tally[member as usize].fold)
            .collect();
        let mut dropped = 0;
        if !folded.is_empty() {
            #[cfg(test)]
            tests::FOLDED.with(|any| any.set(true));
            for node in 0..nodes {
                if !net.is_crashed(node) || !on_current(&net.state(node).view) {
                    continue;
                }
                let frozen = folding.frozen(&current);
                net.state_mut(node).view.baseline = Baseline::Group(frozen);
            }
            for node in 0..nodes {
                if net.is_crashed(node) || !on_current(&net.state(node).view) {
                    continue;
                }
                let pinned = pinned(net.state(node));
                let view = &mut net.state_mut(node).view;
                for &member in &copied {
                    view.entries
                        .or_insert_with(member, || current.entry(member));
                }
                let before = view.entries.len();
                let drops = |member: u32, entry: &Entry| {
                    let tally = &tally[member as usize];
                    tally.fold
                        && entry.seen == Seen::Alive
                        && entry.version == tally.version
                        && !pinned.contains(&member)
                };
                // A few folded members are looked up first: most lists drop none of them. A
                // list that drops any takes one pass (a removal from the sorted vector moves
                // the entries after it, so one removal each would be quadratic).
                let any = folded.len() * 8 >= view.entries.len()
                    || folded.iter().any(|&member| {
                        view.entries
                            .get(&member)
                            .is_some_and(|entry| drops(member, entry))
                    });
                if any {
                    view.entries.retain(|&member, entry| !drops(member, entry));
                }
                dropped += before - view.entries.len();
            }
            for (member, tally) in tally.iter().enumerate() {
                if tally.fold {
                    current.versions[member].set(tally.version);
                    if current.unknown.get() == Some(member as u32) {
                        current.unknown.set(None);
                    }
                }
            }
            folding.frozen = None;
        }
        folding.tally = tally;
        folding.gap = if 8 * dropped >= entries {
            1
        } else {
            (2 * folding.gap).clamp(1, MAX_GAP)
        };
        folding.wait = folding.gap - 1;
    }

    /// A list as it is now, for a join-ack, on a floor later folds leave as it is.
    #[cfg(not(target_arch = "wasm32"))]
    fn snapshot(&self, view: &Exceptions) -> Exceptions {
        let mut list = view.clone();
        let mut folding = self.folding.borrow_mut();
        if let (Baseline::Group(floor), Some(current)) = (&list.baseline, &folding.current)
            && Rc::ptr_eq(floor, current)
        {
            let current = Rc::clone(current);
            list.baseline = Baseline::Group(folding.frozen(&current));
        }
        list
    }

    /// A list as it is now, for a join-ack (the page's wasm does not fold).
    #[cfg(target_arch = "wasm32")]
    fn snapshot(&self, view: &Exceptions) -> Exceptions {
        view.clone()
    }

    /// Sends piggyback a new update this many times.
    fn sends(&self, nodes: u32) -> u32 {
        LAMBDA * (32 - nodes.leading_zeros())
    }

    fn enqueue(&self, net: &mut impl Net<Self>, node: u32, update: Update) {
        let sends = self.sends(net.nodes());
        net.state_mut(node).updates.replace(update, sends);
    }

    /// A datagram to `to`, with up to `PIGGYBACK` updates (the newest first).
    fn send(
        &self,
        net: &mut impl Net<Self>,
        from: u32,
        to: u32,
        kind: u8,
        subject: u32,
        relay: u32,
    ) {
        let mut body = Body {
            subject,
            relay,
            ..Body::default()
        };
        body.count = net.state_mut(from).updates.take(&mut body.updates) as _;
        if kind == JOIN_ACK {
            body.list = Some(Rc::new(self.snapshot(&net.state(from).view)));
        }
        let extra = match kind {
            PING_REQ => bytes::TARGET,
            JOIN_ACK => bytes::UPDATE * u64::from(net.nodes()),
            _ => 0,
        };
        self.shared
            .sent(bytes::HEADER + bytes::ENVELOPE + bytes::UPDATE * u64::from(body.count) + extra);
        net.send(from, to, kind, body);
    }

    /// Suspicion lasts this many protocol periods (a period grows with the network's delay).
    fn suspicion_timeout(&self) -> Tick {
        Tick::from(self.shared.params.suspicion) * self.timing.probe
    }

    /// `node` no longer suspects `member` (confirmed, refuted or suspected afresh).
    fn end_suspicion(&self, net: &mut impl Net<Self>, node: u32, member: u32) {
        let suspects = &mut net.state_mut(node).suspects;
        if suspects.contains(&member) {
            suspects.retain(|&other| other != member);
            net.cancel_timer(node, Timer::Suspicion(member));
        }
    }

    /// A ping to `to` whose first piggybacked update is `claim` (a reconnect: "you are failed
    /// here"); not a probe, so no timeout follows.
    fn send_claiming(&self, net: &mut impl Net<Self>, from: u32, to: u32, claim: Update) {
        net.state_mut(from).updates.push(claim, 1);
        self.send(net, from, to, PING, to, DIRECT);
    }

    /// The probe of `target` failed: suspect it (or, without a suspicion period, fail it).
    fn suspect(&self, net: &mut impl Net<Self>, node: u32, target: u32) {
        if self.shared.params.suspicion == 0 {
            return self.confirm(net, node, target);
        }
        let entry = net.state(node).view.get(target);
        if entry.seen != Seen::Alive {
            return;
        }
        self.shared.mark(net, node, target, Seen::Suspected);
        net.state_mut(node).suspects.push(target);
        net.set_timer(node, self.suspicion_timeout(), Timer::Suspicion(target));
        let update = Update {
            member: target,
            version: entry.version,
            seen: Seen::Suspected,
        };
        self.enqueue(net, node, update);
    }

    /// `member` is failed for `node`: confirmed, and the confirmation disseminated.
    fn confirm(&self, net: &mut impl Net<Self>, node: u32, member: u32) {
        let entry = net.state(node).view.get(member);
        if entry.seen == Seen::Failed {
            return;
        }
        self.shared.mark(net, node, member, Seen::Failed);
        self.end_suspicion(net, node, member);
        let update = Update {
            member,
            version: entry.version,
            seen: Seen::Failed,
        };
        self.enqueue(net, node, update);
    }

    /// SWIM's update rules: alive with a higher incarnation overrides suspected (and failed: a
    /// falsely confirmed member refutes it too); suspected overrides alive of the same
    /// incarnation; failed overrides both; a member hearing itself suspected or failed refutes
    /// it with a higher incarnation.
    fn apply(&self, net: &mut impl Net<Self>, node: u32, update: Update) {
        let Update {
            member,
            version,
            seen,
        } = update;
        let entry = net.state(node).view.get(member);
        if member == node {
            if seen != Seen::Alive && version >= entry.version {
                let refuted = version + 1;
                net.state_mut(node)
                    .view
                    .update(node, |entry| entry.version = refuted);
                net.note(node, crate::report::Change::Refuted { member: node });
                let update = Update {
                    member: node,
                    version: refuted,
                    seen: Seen::Alive,
                };
                self.enqueue(net, node, update);
            }
            return;
        }
        let newer_generation = version >> 32 > entry.version >> 32;
        let accept = match (seen, entry.seen) {
            (_, Seen::Unknown) => true,
            // A member falsely confirmed failed refutes it with a higher incarnation (as
            // memberlist does); a rejoin brings a new generation.
            (Seen::Alive, Seen::Failed) => version > entry.version || newer_generation,
            (_, Seen::Failed) => newer_generation,
            (Seen::Alive, _) => version > entry.version,
            (Seen::Suspected, Seen::Alive) => version >= entry.version,
            (Seen::Suspected, _) => version > entry.version,
            // A stale confirmation does not undo a later refutation.
            (Seen::Failed, _) => version >= entry.version,
            (Seen::Unknown, _) => false,
        };
        if !accept || seen == Seen::Unknown {
            return;
        }
        net.state_mut(node)
            .view
            .update(member, |entry| entry.version = version);
        self.shared.mark(net, node, member, seen);
        self.end_suspicion(net, node, member);
        if seen == Seen::Suspected {
            net.state_mut(node).suspects.push(member);
            net.set_timer(node, self.suspicion_timeout(), Timer::Suspicion(member));
        }
        self.enqueue(net, node, update);
    }

    fn apply_all(&self, net: &mut impl Net<Self>, node: u32, body: &Body) {
        for &update in &body.updates[..body.count as usize] {
            self.apply(net, node, update);
        }
    }
}

impl Protocol for Swim {
    type Node = Node;
    type Body = Body;
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;
    /// Runs for its periods: "every node knows" (here: considers the crash failed) ends nothing.
    const STOPS: bool = true;

    fn initially_known(&self, _sender: u32, _all: u64) -> u64 {
        0
    }

    fn start(&self, net: &mut impl Net<Self>) {
        self.shared.start(net);
        // Every founder's list is on one floor, the group's (node 0 is never the joiner).
        #[cfg(not(target_arch = "wasm32"))]
        if let Baseline::Group(floor) = &net.state(SEED).view.baseline {
            self.folding.borrow_mut().current = Some(Rc::clone(floor));
        }
    }

    /// The floor advances between rounds; then every live member's period, in node order
    /// (none once the lists have outgrown their budget: the run stops).
    fn on_round(&self, net: &mut impl Net<Self>) {
        #[cfg(not(target_arch = "wasm32"))]
        self.fold(net);
        #[cfg(not(target_arch = "wasm32"))]
        if self.over_budget(net) {
            return;
        }
        for node in 0..net.nodes() {
            if !net.is_crashed(node) {
                self.on_period(net, node);
            }
        }
    }

    fn on_period(&self, net: &mut impl Net<Self>, node: u32) {
        let Some(joining) = self.shared.joins_now(net, node) else {
            return;
        };
        if joining {
            // A new member announces itself to the seed; the seed disseminates it.
            let version = net.state(node).view.get(node).version;
            let update = Update {
                member: node,
                version,
                seen: Seen::Alive,
            };
            self.enqueue(net, node, update);
            self.send(net, node, SEED, JOIN, node, DIRECT);
            return;
        }
        // A probe acked is over; one past its deadline without an ack, directly or through the
        // k others, suspects its target; one still waiting holds the next probe back.
        let now = net.now();
        let pending = match net.state(node).probe {
            Some((target, acked, deadline)) if acked || deadline <= now => {
                net.state_mut(node).probe = None;
                if !acked {
                    self.suspect(net, node, target);
                }
                false
            }
            probe => probe.is_some(),
        };
        // Suspicions that timed out (in protocol periods) are confirmed.
        let timeout = self.suspicion_timeout();
        let due: Vec<u32> = {
            let state = net.state(node);
            state
                .suspects
                .iter()
                .copied()
                .filter(|&member| now - state.view.get(member).since() >= timeout)
                .collect()
        };
        for member in due {
            self.confirm(net, node, member);
        }
        // Now and then a member it holds as failed is pinged with that claim piggybacked: if
        // it is back (a partition healed), it refutes with a higher incarnation in its ack.
        if let Some(member) = self.shared.reconnect(net, node) {
            let version = net.state(node).view.get(member).version;
            let claim = Update {
                member,
                version,
                seen: Seen::Failed,
            };
            self.send_claiming(net, node, member, claim);
        }
        // This period's probe, unless one is still pending: one member, uniformly at random.
        if pending {
            return;
        }
        if let Some(target) = self.shared.pick(net, node, node) {
            net.state_mut(node).probe = Some((target, false, now + self.timing.probe));
            self.send(net, node, target, PING, target, DIRECT);
            net.set_timer(node, self.timing.ping_timeout, Timer::PingTimeout(target));
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<Body>) {
        let Datagram { from, to, kind, .. } = *datagram;
        let body = &datagram.body;
        if !net.state(to).view.joined() {
            return;
        }
        self.apply_all(net, to, body);
        match kind {
            // A ping is answered at once (to the helper, for an indirect probe). A ping from a
            // member held as failed means it is back (a partition healed): the ack tells it, so
            // it refutes with a higher incarnation.
            PING => {
                let entry = net.state(to).view.get(from);
                if entry.seen == Seen::Failed && body.relay == DIRECT {
                    let claim = Update {
                        member: from,
                        version: entry.version,
                        seen: Seen::Failed,
                    };
                    net.state_mut(to).updates.push(claim, 1);
                }
                // A ping claiming this member suspected or failed at an older incarnation (it
                // refuted that already, but the pinger missed it): the ack carries its alive.
                let own = net.state(to).view.get(to).version;
                let stale = body.updates[..body.count as usize].iter().any(|update| {
                    update.member == to && update.seen != Seen::Alive && update.version < own
                });
                if stale {
                    let alive = Update {
                        member: to,
                        version: own,
                        seen: Seen::Alive,
                    };
                    net.state_mut(to).updates.push(alive, 1);
                }
                self.send(net, to, from, ACK, to, body.relay)
            }
            // A helper relays the ack to the member that asked; the prober notes it.
            ACK if body.relay != DIRECT && body.relay != to => {
                self.send(net, to, body.relay, ACK, body.subject, DIRECT)
            }
            ACK => {
                if let Some((target, acked, _)) = &mut net.state_mut(to).probe
                    && *target == body.subject
                {
                    *acked = true;
                }
            }
            // Asked to probe for another: ping the target on its behalf.
            PING_REQ => self.send(net, to, body.subject, PING, body.subject, from),
            // The seed answers a newcomer with its list.
            JOIN => self.send(net, to, from, JOIN_ACK, to, DIRECT),
            _ => {
                // The newcomer takes the seed's list as the seed sent it.
                let Some(seed) = datagram.body.list.take() else {
                    return;
                };
                let (now, nodes) = (net.now(), net.nodes());
                let state = net.state_mut(to);
                state.view = state.view.merged(&seed, to, nodes, now);
            }
        }
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        let target = match timer {
            Timer::PingTimeout(target) => target,
            // Only drawn: the node's next period confirms what has run out.
            Timer::Suspicion(_) => return,
        };
        if !matches!(net.state(node).probe, Some((pending, false, _)) if pending == target) {
            return;
        }
        // No direct ack: k others probe the target for us.
        let mut helpers: Vec<u32> = Vec::new();
        for _ in 0..4 * self.shared.params.ping_req {
            if helpers.len() as u32 == self.shared.params.ping_req {
                break;
            }
            match self.shared.pick(net, node, target) {
                Some(helper) if !helpers.contains(&helper) => helpers.push(helper),
                _ => {}
            }
        }
        for helper in helpers {
            self.send(net, node, helper, PING_REQ, target, DIRECT);
        }
    }

    fn halted(&self) -> Option<String> {
        self.halted.borrow().clone()
    }

    fn timer_name(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::PingTimeout(_) => "ping timeout",
            Timer::Suspicion(_) => "suspicion",
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

/// Bytes one exception of a list takes at most: a record in a vector that may have doubled.
pub const EXCEPTION_BYTES: u64 = 2 * RECORD_BYTES;

/// Bytes a list, a piggyback buffer and the suspicions take per member that can change, at
/// most: an exception; the buffer's slots (one live per member, holes at most a quarter of the
/// slots, a vector that may have doubled: 3 per member) and its index (a member per slot, in a
/// table that may have doubled: 3 per member); a suspicion in a vector that may have doubled.
const CHANGE_BYTES: u64 = EXCEPTION_BYTES + 3 * SLOT_BYTES + 3 * INDEX_BYTES + 2 * 4;
const SLOT_BYTES: u64 = std::mem::size_of::<Slot>() as u64;
/// What a buffer and a list hold whatever their members: the holes swept only past 16, the
/// pushes of one datagram, a first allocation; a list's first allocation (4 records).
const BUFFER_FLOOR: u64 = 64 * SLOT_BYTES + 32 * INDEX_BYTES + 4 * RECORD_BYTES;

/// Above the page's sizes, the most all lists, buffers and suspicions of a run, with the
/// event queue's allocation, may take together: where changes cannot be bounded in advance
/// (loss, delay, partitions), a run that outgrows it stops with a message instead of
/// exhausting memory. (Under heavy loss the queue holds about a third of it.)
pub const LIST_BUDGET: u64 = 640 << 20;

/// What the estimate counted per member that can change before lists had a budget (an
/// exception, two 24-byte updates and two suspicions): a run it accepted then keeps that
/// allowance, where it is over `LIST_BUDGET` (N up to about 4,000 with loss).
const EARLIER_CHANGE_BYTES: u64 = 120;

/// Bytes all lists, piggyback buffers and suspicions may take: every member that can change
/// (`changed_members`) in every list, a bound that holds whatever the run does; above the
/// page's N, at most the larger of `LIST_BUDGET` and the allowance such a run had before
/// (where the CLI's memory took it), enforced while the run plays (`Swim::over_budget`).
pub fn list_budget(config: &Config) -> u64 {
    let nodes = u64::from(config.nodes);
    let changed = changed_members(config);
    let bound = nodes * (BUFFER_FLOOR + changed * CHANGE_BYTES);
    if config.nodes <= super::membership_spec::PAGE_NODES {
        return bound;
    }
    let earlier = nodes * changed * EARLIER_CHANGE_BYTES;
    let earlier = if earlier <= crate::config::limits::CLI_MEMORY {
        earlier
    } else {
        0
    };
    bound.min(LIST_BUDGET.max(earlier))
}

/// Whether `list_budget` is a budget the run enforces (no bound short of N x N holds, and
/// the run stops past it) rather than the proven bound: an enforced budget holds the event
/// queue's allocation too, and the estimate adds one round's growth past it.
pub fn budget_enforced(config: &Config) -> bool {
    let nodes = u64::from(config.nodes);
    list_budget(config) < nodes * (BUFFER_FLOOR + changed_members(config) * CHANGE_BYTES)
}

/// A member's count in the fold's tally: a version and three counts.
const TALLY_BYTES: u64 = 24;

/// A node's state and its share of `list_budget`; the group's floor, the fold's tally (a
/// version and three counts a member) and the frozen floors (one per crash round and join, at
/// most 16); where the budget is enforced rather than a bound, the updates one round can add
/// past it before the check stops the run (each datagram's piggybacked updates, a change each).
fn node_bytes(config: &Config) -> u64 {
    let nodes = u64::from(config.nodes);
    let floors = 8 * 17 + TALLY_BYTES;
    let budget = list_budget(config);
    // A change can also set a suspicion's timer, queued until due.
    use crate::drivers::event::{queued_bytes, timer_bytes};
    let timer = queued_bytes::<Swim>() + timer_bytes::<Swim>();
    let one_round = if budget_enforced(config) {
        sends_per_node(config) * PIGGYBACK as u64 * (CHANGE_BYTES + timer)
    } else {
        0
    };
    std::mem::size_of::<Node>() as u64 + budget.div_ceil(nodes) + floors + one_round
}

pub static SPEC: MembershipSpec = MembershipSpec {
    name: "swim",
    about: "SWIM (Das et al. 2002): ping, ping-req, suspicion and piggybacked dissemination",
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
        "ping_req",
        "suspicion",
    ],
    kinds: KINDS,
    words: &WORDS,
    node_bytes,
    source: "theory.md section 10: first detection after e / (e - 1) periods on average, whatever N (Das et al. 2002)",
    build: |config| {
        on_events(
            Swim::new(
                super::membership::Shared::new(config.membership, config.nodes),
                Timing::of(if config.has_delay() {
                    config.delay
                } else {
                    Delay::None
                }),
                (list_budget(config), budget_enforced(config)),
            ),
            config,
        )
    },
    detection: |_| {
        (
            std::f64::consts::E / (std::f64::consts::E - 1.0),
            "someone first suspects a crash after e / (e − 1) ≈ 1.58 periods, whatever N"
                .to_string(),
        )
    },
};

static WORDS: Words = Words {
    title: "SWIM",
    explanation: "SWIM (Das et al. 2002): each period a member pings one random member; without an ack it asks k \
        others (ping-req), then suspects it (yellow), and fails it after the suspicion timeout unless the \
        member refutes with a higher incarnation. Someone first suspects a crash after e / (e − 1) ≈ 1.58 \
        periods whatever N, and each member sends a constant load. The trade-off: a larger k costs more \
        datagrams under loss but makes false suspicions exponentially rarer; a longer suspicion gives \
        refutations time, at the cost of later detection.",
    informed: "consider X failed",
    fanout: "not used: one probe a period",
    click: "Click a node to see its view of the members.",
    done: "every live node considers the crashed node failed",
    ended: "the run's periods are over",
};

#[cfg(test)]
mod tests {
    use super::{Entry, Piggyback, Seen, Shared, Slot, Swim, Timing, Update};
    use crate::config::Config;
    use crate::drivers::on_events;
    use crate::protocols::Mode;
    use crate::simulation::Simulation;

    fn about(member: u32, version: u64) -> Update {
        Update {
            member,
            version,
            seen: Seen::Alive,
        }
    }

    #[test]
    fn a_datagram_carries_the_newest_updates_and_spends_one_send_of_each() {
        let mut buffer = Piggyback::default();
        for member in 0..4 {
            buffer.push(about(member, 0), 2);
        }
        // A newer word about member 1 replaces the older one and goes first.
        buffer.replace(about(1, 5), 1);
        let mut slots = [Update::default(); 3];
        assert_eq!(buffer.take(&mut slots), 3);
        assert_eq!(slots, [about(1, 5), about(3, 0), about(2, 0)]);
        // Member 1's update had one send: it is gone; 3 and 2 have one left, 0 has two.
        assert_eq!(buffer.take(&mut slots), 3);
        assert_eq!(slots, [about(3, 0), about(2, 0), about(0, 0)]);
        let mut slots = [Update::default(); 6];
        assert_eq!(buffer.take(&mut slots), 1);
        assert_eq!(slots[0], about(0, 0));
        assert_eq!(buffer.take(&mut slots), 0);
    }

    /// The buffer as a plain vector, oldest first, every change a scan: what the index must
    /// reproduce exactly.
    #[derive(Default)]
    struct Scanned(Vec<(Update, u32)>);

    impl Scanned {
        fn push(&mut self, update: Update, sends: u32) {
            self.0.push((update, sends));
        }
        fn replace(&mut self, update: Update, sends: u32) {
            self.0.retain(|(old, _)| old.member != update.member);
            self.push(update, sends);
        }
        fn take(&mut self, slots: &mut [Update]) -> usize {
            let count = slots.len().min(self.0.len());
            let start = self.0.len() - count;
            for (slot, (update, left)) in slots.iter_mut().zip(self.0[start..].iter_mut().rev()) {
                *slot = *update;
                *left -= 1;
            }
            self.0.retain(|&(_, left)| left > 0);
            count
        }
    }

    /// What a list's exceptions, a buffer's slot and a datagram's update take: at N = 10,000
    /// under heavy loss lists and buffers hold millions of each, and the budget counts them.
    #[test]
    fn entries_slots_and_updates_are_small() {
        use std::mem::size_of;
        assert_eq!(size_of::<Entry>(), 16);
        assert_eq!(super::RECORD_BYTES, 20);
        assert_eq!(size_of::<Slot>(), 16);
        assert_eq!(size_of::<Update>(), 16);
    }

    /// A slot gives back the update it was made from, at the extremes of each field: a run's
    /// last round as generation, incarnations up to 2^32 - 1, the most sends, every belief.
    #[test]
    fn a_slot_keeps_its_update_whole() {
        let generations = [0, 1, 100_000, (1 << 22) - 1];
        let incarnations = [0, 1, 77, u32::MAX];
        let seens = [Seen::Unknown, Seen::Alive, Seen::Suspected, Seen::Failed];
        for generation in generations {
            for incarnation in incarnations {
                for seen in seens {
                    for left in [1, 42, 96, 255] {
                        let update = Update {
                            member: 9_999,
                            version: (generation << 32) | u64::from(incarnation),
                            seen,
                        };
                        let mut slot = Slot::new(update, 3, left);
                        assert_eq!((slot.update(), slot.left(), slot.older), (update, left, 3));
                        slot.set_left(left - 1);
                        assert_eq!((slot.update(), slot.left()), (update, left - 1));
                    }
                }
            }
        }
    }

    /// The sorted vector reads, inserts, removes, keeps and iterates as the B-tree it replaced.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn the_sorted_list_is_a_map_in_member_order() {
        use super::Sorted;
        use crate::rng::{Rng, Stream};
        use std::collections::BTreeMap;
        for seed in 0..10 {
            let mut rng = Rng::new(seed, Stream::Gossip);
            let (mut sorted, mut tree) = (Sorted::default(), BTreeMap::new());
            let members = 1 + rng.below(300);
            for step in 0..4_000u64 {
                let member = rng.below(members);
                let entry = Entry {
                    version: step,
                    ..Entry::default()
                };
                match rng.below(8) {
                    0..=2 => {
                        sorted.insert(member, entry);
                        tree.insert(member, entry);
                    }
                    3 | 4 => {
                        let ours = *sorted.or_insert(member, entry);
                        assert_eq!(ours, *tree.entry(member).or_insert(entry), "seed {seed}");
                    }
                    5 => {
                        sorted.remove(&member);
                        tree.remove(&member);
                    }
                    6 => {
                        let cut = rng.below(members);
                        sorted.retain(|&member, entry| {
                            member % 3 != cut % 3 || entry.version % 2 == 0
                        });
                        tree.retain(|&member, entry| {
                            member % 3 != cut % 3 || entry.version % 2 == 0
                        });
                    }
                    _ => {
                        assert_eq!(sorted.get(&member), tree.get(&member), "seed {seed}");
                        assert_eq!(sorted.contains_key(&member), tree.contains_key(&member));
                    }
                }
                assert_eq!(sorted.len(), tree.len(), "seed {seed}, step {step}");
            }
            assert!(sorted.iter().eq(tree.iter()), "seed {seed}");
            assert!((&sorted).into_iter().eq(&tree), "seed {seed}");
        }
    }

    #[test]
    fn the_indexed_buffer_sends_what_a_scanned_one_sends() {
        use crate::rng::{Rng, Stream};
        for seed in 0..20 {
            let mut rng = Rng::new(seed, Stream::Gossip);
            let (mut indexed, mut scanned) = (Piggyback::default(), Scanned::default());
            // Few members, so replacements, duplicates and holes are frequent.
            let members = 2 + rng.below(40);
            for step in 0..5_000u64 {
                let update = about(rng.below(members), step);
                match rng.below(10) {
                    0..=4 => {
                        let sends = 1 + rng.below(12);
                        indexed.replace(update, sends);
                        scanned.replace(update, sends);
                    }
                    5 => {
                        indexed.push(update, 1);
                        scanned.push(update, 1);
                    }
                    _ => {
                        let room = 1 + rng.below(6) as usize;
                        let (mut ours, mut theirs) =
                            ([Update::default(); 6], [Update::default(); 6]);
                        let count = indexed.take(&mut ours[..room]);
                        assert_eq!(
                            count,
                            scanned.take(&mut theirs[..room]),
                            "seed {seed}, step {step}"
                        );
                        assert_eq!(ours[..count], theirs[..count], "seed {seed}, step {step}");
                    }
                }
                assert_eq!(indexed.len(), scanned.0.len(), "seed {seed}, step {step}");
            }
        }
    }

    /// A run of `config` on a `Swim` whose floor never advances (`folds` false) or advances as
    /// it does in every run, with a budget for its lists.
    fn simulation(config: &Config, folds: bool, budget: u64) -> Simulation {
        config.validate().expect("a valid configuration");
        let swim = Swim::new(
            Shared::new(config.membership, config.nodes),
            Timing::of(config.delay),
            (budget, super::budget_enforced(config)),
        );
        #[cfg(not(target_arch = "wasm32"))]
        if !folds {
            swim.folding.borrow_mut().wait = u32::MAX;
        }
        #[cfg(target_arch = "wasm32")]
        let _ = folds;
        Simulation::around(on_events(swim, config), config.clone(), true)
    }

    fn config(nodes: u32, settings: &[(&str, &str)]) -> Config {
        let mut config = Config {
            nodes,
            mode: Mode::Swim,
            seed: 11,
            ..Config::default()
        };
        for (key, value) in settings {
            config.set(key, value).expect("a valid setting");
        }
        config
    }

    /// The floor advances only where no list reads a different entry afterwards: every round's
    /// report (each datagram, each view of every member, every figure) is the same as a run
    /// whose lists never drop an entry, under loss, delay, burst loss, crashes, a join and
    /// partitions, and with nodes crashed and brought back with their lists or without, where
    /// lists disagree, freeze and catch up.
    #[test]
    fn advancing_the_floor_changes_nothing_a_run_shows() {
        let cases: &[(u32, &[(&str, &str)])] = &[
            (40, &[("loss", "0.2"), ("periods", "150")]),
            (
                60,
                &[
                    ("loss", "0.1"),
                    ("join_at", "20"),
                    ("crash_at", "10:0.1,40:0.1"),
                ],
            ),
            (50, &[("delay", "exp:1"), ("loss", "0.1"), ("join_at", "5")]),
            (
                50,
                &[("burst", "0.05:0.3"), ("loss", "0.6"), ("suspicion", "2")],
            ),
            (
                60,
                &[
                    ("partition", "10:half:40"),
                    ("loss", "0.05"),
                    ("ping_req", "1"),
                ],
            ),
            (30, &[("crash", "0.2"), ("loss", "0.3"), ("suspicion", "0")]),
        ];
        for &(nodes, settings) in cases {
            let config = config(nodes, settings);
            let (mut folded, mut kept) = (
                simulation(&config, true, u64::MAX),
                simulation(&config, false, u64::MAX),
            );
            let mut rounds = 0;
            loop {
                // A node crashed by hand comes back with its list (on a frozen floor), another
                // without (it rejoins through the seed).
                for simulation in [&mut folded, &mut kept] {
                    match rounds {
                        12 => assert!(simulation.crash(5) && simulation.crash(7)),
                        30 => assert!(simulation.recover(5, true)),
                        35 => assert!(simulation.recover(7, false)),
                        _ => {}
                    }
                }
                let (ours, theirs) = (folded.step(), kept.step());
                assert_eq!(
                    format!("{ours:?}"),
                    format!("{theirs:?}"),
                    "{settings:?}, round {rounds}"
                );
                let Some(report) = ours else { break };
                rounds = report.round;
            }
            assert_eq!(rounds, config.membership.periods, "{settings:?}");
            // The floor did advance: the run is not the same only because nothing folded.
            let folding = folded_floor(&folded);
            assert!(folding, "{settings:?}: the floor never advanced");
        }
    }

    thread_local! {
        /// Set when a fold moved some member's floor on this thread.
        pub static FOLDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Whether `simulation`'s run (the last on this thread to fold) moved a member's floor.
    fn folded_floor(simulation: &Simulation) -> bool {
        simulation.membership().is_some() && FOLDED.with(|folded| folded.replace(false))
    }

    /// A run whose lists outgrow their budget stops at the start of the round where the check
    /// finds it (that round plays no period), with one line that says why; until then it is the
    /// run without a budget.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn lists_past_their_budget_stop_the_run_with_a_message() {
        let config = config(300, &[("loss", "0.3")]);
        let mut free = simulation(&config, true, u64::MAX);
        let mut tight = simulation(&config, true, 2 << 20);
        let mut played = Vec::new();
        while let Some(report) = tight.step() {
            played.push(format!("{report:?}"));
        }
        let stopped = played.len() as u32;
        assert!(
            stopped > 1 && stopped < config.membership.periods,
            "{stopped}"
        );
        for (round, ours) in played[..played.len() - 1].iter().enumerate() {
            let theirs = format!("{:?}", free.step().expect("a round"));
            assert!(*ours == theirs, "round {} differs", round + 1);
        }
        let message = tight.halted().expect("the run outgrew 2 MB");
        assert!(
            message.contains("outgrew") && message.contains("2 MB") && !message.contains('\n'),
            "{message}"
        );
        assert!(free.step().is_some(), "the run without a budget goes on");
    }

    /// The lists' budget: the proven bound up to the page's N; above it, 512 MB, or the
    /// allowance a run the CLI took before lists had a budget had, whichever is larger; every
    /// such configuration is accepted.
    #[test]
    fn the_lists_budget_is_the_bound_or_what_the_cli_allowed() {
        use super::{BUFFER_FLOOR, CHANGE_BYTES, LIST_BUDGET, list_budget};
        let page = config(2_000, &[("loss", "0.05")]);
        assert_eq!(
            list_budget(&page),
            2_000 * (BUFFER_FLOOR + 2_000 * CHANGE_BYTES)
        );
        let earlier = config(4_000, &[("loss", "0.2")]);
        assert_eq!(list_budget(&earlier), 4_000 * 4_000 * 120);
        let large = config(10_000, &[("loss", "0.05")]);
        assert_eq!(list_budget(&large), LIST_BUDGET);
        for config in [page, earlier, large] {
            config.validate().expect("accepted");
        }
    }
}
