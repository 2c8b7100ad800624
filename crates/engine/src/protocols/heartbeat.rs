//! Gossip-style heartbeating (van Renesse, Minsky and Hayden, Middleware 1998; theory.md section
//! 10). Each period a node increments its own heartbeat counter and sends its list (member,
//! counter) to `fanout` members drawn from its list; a receiver keeps the higher counter per
//! member and stamps it with its own time. A member whose counter has not increased for T_fail
//! periods is marked failed (and no longer gossiped); T_cleanup periods later its entry is
//! deleted (unknown), so that an old entry still gossiped by a slower node does not bring it back.

use super::membership::{HasView, List, Member, SEED, Seen, Shared, View, bytes, stamp};
use super::membership_spec::{MembershipSpec, lists_in_flight};
use crate::config::Config;
use crate::drivers::on_events;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look, MembershipRound, TICKS_PER_ROUND, Tick};
use crate::spec::Words;
use std::rc::Rc;

pub const LIST: u8 = 0;

pub const KINDS: &[Kind] = &[Kind {
    name: "heartbeat-list",
    payload: false,
    look: Look::Data,
    label: "heartbeat list",
}];

/// An observer's entry for one member: 8 bytes, one word, so that merging a list (every
/// receipt's pass over two lists of N entries, most of a run's work) reads half the memory.
/// Packed: the heartbeat counter (bits 0 to 18) and the generation, the round the member
/// joined (19 to 37), which together order as the versions do; `at` (38 to 61); what the
/// observer believes (62, 63). A run's periods stay below 2^19 (`limits::PERIODS`, 100,000)
/// and its ticks below 2^24 (100,000 periods of at most 1.5 rounds, plus delays).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(transparent)]
pub struct Entry {
    word: u64,
}

const COUNTER: u64 = (1 << 19) - 1;
/// The version's bits: generation above counter.
const RANK: u64 = (1 << 38) - 1;
const AT_SHIFT: u32 = 38;
const AT: u64 = ((1 << 24) - 1) << AT_SHIFT;
const SEEN_SHIFT: u32 = 62;

/// `at` as the entry keeps it. Listed: the tick the counter last increased here. Failed: the
/// tick it was marked failed. A failed member's last increase no longer matters (a newer
/// counter revives it and restamps), so one field serves both.
fn at_bits(now: Tick) -> u64 {
    let at = u64::from(stamp(now));
    debug_assert!(at < 1 << 24, "tick {now} beyond an entry's 24 bits");
    at << AT_SHIFT
}

impl Entry {
    /// When the observer last heard a higher counter (while listed).
    pub fn heard(&self) -> Tick {
        (self.word & AT) >> AT_SHIFT
    }

    /// The member's heartbeat counter, with its generation in the high 32 bits.
    pub fn version(&self) -> u64 {
        (self.word & RANK) >> 19 << 32 | self.word & COUNTER
    }

    /// Sets the version (generation in the high 32 bits, counter in the low).
    pub fn set_version(&mut self, version: u64) {
        let (generation, counter) = (version >> 32, version & u64::from(u32::MAX));
        debug_assert!(generation <= COUNTER && counter <= COUNTER);
        self.word = self.word & !RANK | generation << 19 | counter;
    }

    /// A higher counter, heard `now`.
    fn raise(&mut self, rank: u64, now: Tick) {
        self.word = self.word & !(RANK | AT) | rank | at_bits(now);
    }
}

impl Member for Entry {
    fn seen(&self) -> Seen {
        match self.word >> SEEN_SHIFT {
            0 => Seen::Unknown,
            1 => Seen::Alive,
            2 => Seen::Suspected,
            _ => Seen::Failed,
        }
    }
    fn set_seen(&mut self, seen: Seen, now: Tick) {
        self.word = self.word & RANK | at_bits(now) | (seen as u64) << SEEN_SHIFT;
    }
    fn newcomer(version: u64, now: Tick) -> Entry {
        let mut entry = Entry::default();
        entry.set_version(version);
        entry.set_seen(Seen::Alive, now);
        entry
    }
}

/// Whether a member is in the list a node gossips: not failed, not deleted.
fn listed(entry: &Entry) -> bool {
    // Alive (1) or suspected (2): the two bits differ.
    let seen = entry.word >> SEEN_SHIFT;
    (seen ^ seen >> 1) & 1 == 1
}

/// Merges a received list's entries (`theirs`) into the receiver's (`mine`), stamped `now`
/// (as `at_bits`), up to and including the first member that comes back (or into) the list:
/// returns its offset, if any. Which side is newer is a coin toss per member, so the pass
/// writes every entry rather than branch; it keeps few values live (two slices, the stamp),
/// so that they stay in registers in the page's wasm too.
#[inline(always)]
fn merge(mine: &mut [Entry], theirs: &[Entry], now: u64) -> Option<usize> {
    for (offset, (entry, their)) in mine.iter_mut().zip(theirs).enumerate() {
        let (take, returns) = takes(entry, their);
        entry.word = if take {
            taken(entry, their, now)
        } else {
            entry.word
        };
        if returns {
            return Some(offset);
        }
    }
    None
}

/// Whether `merge` takes their entry for a member, and whether the member then comes back
/// (or into) the list.
#[inline(always)]
fn takes(entry: &Entry, their: &Entry) -> (bool, bool) {
    let seen = entry.word >> SEEN_SHIFT;
    let take =
        listed(their) & ((seen == Seen::Unknown as u64) | (their.word & RANK > entry.word & RANK));
    (take, take & (seen != Seen::Alive as u64))
}

/// The entry `merge` keeps when it takes theirs: their counter, heard `now`.
#[inline(always)]
fn taken(entry: &Entry, their: &Entry, now: u64) -> u64 {
    entry.word & !(RANK | AT) | their.word & RANK | now
}

/// `merge`, in the page's wasm two members an instruction (`merge_wasm`), natively by blocks
/// (`merge_blocks`), with AVX2 where the processor has it.
#[inline(always)]
fn merge_pass(mine: &mut [Entry], theirs: &[Entry], now: u64) -> Option<usize> {
    #[cfg(target_arch = "wasm32")]
    return merge_wasm(mine, theirs, now);
    #[cfg(not(target_arch = "wasm32"))]
    super::membership::on_widest_vectors!(
        ["avx2"] merge_blocks,
        (mine: &mut [Entry], theirs: &[Entry], now: u64) -> Option<usize>
    )
}

/// `merge` by blocks of 64 members, asking for the lists' entries `AHEAD` blocks ahead
/// (`prefetch`: at N = 10,000 the lists are rarely in any cache). A block where no member comes
/// back (or into) the list is merged without a branch, which the compiler vectorises; one
/// where one does goes through `merge`, which stops there.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn merge_blocks(mine: &mut [Entry], theirs: &[Entry], now: u64) -> Option<usize> {
    use super::membership::{AHEAD, prefetch};
    let len = mine.len().min(theirs.len());
    let mut first = 0;
    while first < len {
        prefetch(mine, first + AHEAD * 64);
        prefetch(theirs, first + AHEAD * 64);
        let last = (first + 64).min(len);
        let (block, their_block) = (&mut mine[first..last], &theirs[first..last]);
        let returns = block
            .iter()
            .zip(their_block)
            .fold(false, |any, (entry, their)| any | takes(entry, their).1);
        if returns {
            // `merge` stops at the member found above.
            let offset = merge(block, their_block, now);
            debug_assert!(offset.is_some());
            if let Some(offset) = offset {
                return Some(first + offset);
            }
        } else {
            for (entry, their) in block.iter_mut().zip(their_block) {
                let take = takes(entry, their).0;
                entry.word = if take {
                    taken(entry, their, now)
                } else {
                    entry.word
                };
            }
        }
        first = last;
    }
    None
}

/// `merge` with wasm's SIMD, a pair of members at a time: each lane takes the newer counter
/// as `merge` does, without a branch. A pair where a member comes back (or into) the list
/// goes through `merge` itself, which stops there.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn merge_wasm(mine: &mut [Entry], theirs: &[Entry], now: u64) -> Option<usize> {
    use core::arch::wasm32::{
        i64x2_eq, i64x2_gt, i64x2_shl, u64x2_shr, u64x2_splat, v128, v128_and, v128_any_true,
        v128_load, v128_or, v128_store, v128_xor,
    };
    let len = mine.len().min(theirs.len());
    // The constants through `black_box`: knowing the mask, the compiler would know the masked
    // counters are not negative, turn the signed comparison below into an unsigned one, which
    // wasm lacks for 64-bit lanes, and take the lanes one by one (a third of the merge's
    // speed); and V8 keeps constants out of registers, building each anew every pair.
    use core::hint::black_box;
    let rank = black_box(u64x2_splat(RANK));
    let kept = black_box(u64x2_splat(!(RANK | AT)));
    let stamp = black_box(u64x2_splat(now));
    let zero = black_box(u64x2_splat(0));
    // The least word of a member held alive (status 1 in the top two bits): a word below it,
    // as a signed number, is one that is not (0 unknown; 2 and 3 negative).
    let alive = black_box(u64x2_splat((Seen::Alive as u64) << SEEN_SHIFT));
    for first in (0..len / 2).map(|pair| 2 * pair) {
        // SAFETY: an entry is one u64 (`repr(transparent)`); `first + 1 < len`, within both
        // slices; wasm loads and stores need no alignment.
        let (word, their) = unsafe {
            (
                v128_load(mine.as_ptr().add(first).cast::<v128>()),
                v128_load(theirs.as_ptr().add(first).cast::<v128>()),
            )
        };
        // Listed there: alive (1) or suspected (2), the top two bits differ, so the top bit
        // of the word XOR itself shifted left is set: negative.
        let listed = i64x2_gt(zero, v128_xor(their, i64x2_shl(their, 1)));
        let unknown = i64x2_eq(u64x2_shr(word, SEEN_SHIFT), zero);
        // Counters are below 2^38: a signed comparison orders them.
        let their_rank = v128_and(their, rank);
        let newer = i64x2_gt(their_rank, v128_and(word, rank));
        let take = v128_and(listed, v128_or(unknown, newer));
        if v128_any_true(v128_and(take, i64x2_gt(alive, word))) {
            if let Some(offset) = merge(&mut mine[first..first + 2], &theirs[first..first + 2], now)
            {
                return Some(first + offset);
            }
            continue;
        }
        let taken = v128_or(v128_or(v128_and(word, kept), their_rank), stamp);
        // SAFETY: as the loads.
        unsafe {
            v128_store(
                mine.as_mut_ptr().add(first).cast::<v128>(),
                v128_xor(word, v128_and(v128_xor(word, taken), take)),
            );
        }
    }
    if len % 2 == 1 {
        return merge(&mut mine[len - 1..len], &theirs[len - 1..len], now).map(|_| len - 1);
    }
    None
}

#[derive(Clone, Debug, Default)]
pub struct Node {
    pub view: View<Entry>,
    /// How many members it lists (itself included), for the size of its lists.
    listed: u64,
    /// No listed member can be due to fail, nor failed one to be deleted, before this tick, so
    /// the pass over the list waits until then (0: not yet known).
    due: Tick,
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

pub struct Heartbeat {
    pub shared: Shared,
    /// b: lists sent per period.
    pub fanout: u32,
}

impl Heartbeat {
    /// T_fail and T_cleanup: failed after T_fail periods without an increase, deleted T_cleanup
    /// periods after that. Keeps the node's count of listed members and the tick the next
    /// change can come at.
    fn expire(&self, net: &mut impl Net<Self>, node: u32) {
        let now = net.now();
        if now < net.state(node).due {
            return;
        }
        let params = &self.shared.params;
        let t_fail = Tick::from(params.t_fail) * TICKS_PER_ROUND;
        let t_cleanup = Tick::from(params.t_cleanup) * TICKS_PER_ROUND;
        let (mut from, mut count, mut due, mut deleted) = (0, 0, Tick::MAX, 0);
        // One pass over the list; it stops only to mark a member failed through the shared
        // rule (which reports it), then goes on after it.
        loop {
            let entries = net.state_mut(node).view.entries_mut();
            let mut failed = None;
            for (member, entry) in entries.iter_mut().enumerate().skip(from) {
                if member as u32 == node {
                    count += u64::from(listed(entry));
                    continue;
                }
                let at = entry.heard();
                match entry.seen() {
                    Seen::Alive if now - at > t_fail => {
                        failed = Some(member as u32);
                        break;
                    }
                    // Deleted: forgotten, counter included.
                    Seen::Failed if now - at > t_cleanup => {
                        *entry = Entry::default();
                        deleted += 1;
                    }
                    Seen::Failed => due = due.min(at + t_cleanup + 1),
                    _ if listed(entry) => {
                        count += 1;
                        due = due.min(at + t_fail + 1);
                    }
                    _ => {}
                }
            }
            let Some(member) = failed else {
                let state = net.state_mut(node);
                (state.listed, state.due) = (count, due);
                if deleted > 0 {
                    state.view.recount();
                }
                return;
            };
            self.shared.mark(net, node, member, Seen::Failed);
            due = due.min(now + t_cleanup + 1);
            from = member as usize + 1;
        }
    }
}

impl Protocol for Heartbeat {
    type Node = Node;
    /// The sender's list as it was when sent (members it does not list are skipped).
    type Body = Rc<[Entry]>;
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;
    const STOPS: bool = true;

    fn initially_known(&self, _sender: u32, _all: u64) -> u64 {
        0
    }

    fn start(&self, net: &mut impl Net<Self>) {
        self.shared.start(net);
    }

    fn on_period(&self, net: &mut impl Net<Self>, node: u32) {
        let Some(joining) = self.shared.joins_now(net, node) else {
            return;
        };
        let now = net.now();
        if joining {
            let state = net.state_mut(node);
            (state.listed, state.due) = (1, 0);
        } else {
            let own = &mut net.state_mut(node).view.entries_mut()[node as usize];
            debug_assert!(own.word & COUNTER < COUNTER);
            own.raise((own.word & RANK) + 1, now);
            self.expire(net, node);
        }
        let listed_count = net.state(node).listed;
        // The list it gossips: every member it does not consider failed (or has deleted).
        let size = bytes::HEADER + bytes::ENVELOPE + bytes::HEARTBEAT_ENTRY * listed_count;
        let list = net.state(node).view.share();
        for _ in 0..self.fanout {
            // A newcomer knows only the seed; so does a node whose list is otherwise empty.
            let peer = if joining {
                Some(SEED)
            } else {
                self.shared.pick(net, node, node)
            };
            let Some(peer) = peer.filter(|&peer| peer != node) else {
                continue;
            };
            self.shared.sent(size);
            net.send(node, peer, LIST, Rc::clone(&list));
            if joining {
                break;
            }
        }
        // Now and then its list goes to a member it holds as failed: if that member is back (a
        // partition healed), the higher counters revive this side in its list, and its own
        // gossip then revives its side here.
        if !joining && let Some(member) = self.shared.reconnect(net, node) {
            self.shared.sent(size);
            net.send(node, member, LIST, list);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<Rc<[Entry]>>) {
        let node = datagram.to;
        if !net.state(node).view.joined() {
            return;
        }
        let list = &datagram.body;
        let now = at_bits(net.now());
        let mut from = 0;
        // The higher counter wins, stamped with the receiver's own time. One pass; it stops
        // only where a member comes back (or into) the list, to mark it alive.
        loop {
            let entries = net.state_mut(node).view.entries_mut();
            let count = entries.len().min(list.len());
            // The receiver takes nothing for itself: the pass goes around its own entry
            // rather than test each member for it.
            let own = node as usize;
            let split = own.clamp(from, count);
            let after = if (from..count).contains(&own) {
                own + 1
            } else {
                split
            };
            let revived = merge_pass(&mut entries[from..split], &list[from..split], now)
                .map(|offset| from + offset)
                .or_else(|| {
                    merge_pass(&mut entries[after..count], &list[after..count], now)
                        .map(|offset| after + offset)
                });
            let Some(member) = revived else {
                return;
            };
            // Listed again: it counts, and it may fail before the pass was due (the pass
            // then plans again from its entry).
            let tick = net.now();
            let state = net.state_mut(node);
            state.listed += 1;
            state.due = state.due.min(tick);
            self.shared.mark(net, node, member as u32, Seen::Alive);
            from = member + 1;
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

/// A node's list, 8 bytes a member, and the copies its lists in flight hold.
fn node_bytes(config: &Config) -> u64 {
    let list = std::mem::size_of::<Entry>() as u64 * u64::from(config.nodes);
    std::mem::size_of::<Node>() as u64 + list * (1 + lists_in_flight(config))
}

pub static SPEC: MembershipSpec = MembershipSpec {
    name: "heartbeat",
    about: "gossip-style heartbeating (van Renesse et al. 1998): lists of heartbeat counters, failed after T_fail periods without an increase",
    params: &[
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
        "delay",
        "periods",
        "join_at",
        "t_fail",
        "t_cleanup",
    ],
    kinds: KINDS,
    words: &WORDS,
    node_bytes,
    source: "theory.md section 10: a member is failed T_fail periods after its last heartbeat increase, plus the O(log N) age of that heartbeat (van Renesse et al. 1998)",
    build: |config| {
        on_events(
            Heartbeat {
                shared: super::membership::Shared::new(config.membership, config.nodes),
                fanout: config.fanout,
            },
            config,
        )
    },
    detection: |config| {
        (
            f64::from(config.membership.t_fail),
            format!(
                "failed after T_fail = {:.0} periods without news (+ the heartbeat's age)",
                config.membership.t_fail
            ),
        )
    },
};

static WORDS: Words = Words {
    title: "Heartbeat",
    explanation: "Heartbeat gossip (van Renesse et al. 1998): each period every node bumps its counter and sends its \
        whole list to b members; a member whose counter has not risen for T_fail periods is failed, and \
        deleted T_cleanup later. Watch the crashed node's column turn orange row by row, about T_fail plus \
        the O(log N) age of its last heartbeat. The trade-off: a small T_fail detects sooner but, under \
        loss, fails live nodes too; the lists cost O(N) bytes per datagram.",
    informed: "consider X failed",
    fanout: "lists sent per period, 1 to 16",
    click: "Click a node to see its view of the members.",
    done: "every live node considers the crashed node failed",
    ended: "the run's periods are over",
};

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry believed `seen`, at counter `counter`, stamped at tick `at`.
    fn entry(seen: Seen, counter: u64, at: Tick) -> Entry {
        let mut entry = Entry::default();
        entry.set_version(counter);
        if seen != Seen::Unknown {
            entry.set_seen(seen, at);
        }
        entry
    }

    /// Two lists of `len` members drawn from `seed`, in which no member comes back: here
    /// mostly alive, one in 20 suspected or failed at the highest counter (so never taken);
    /// there any status, any counter. Then, at `returning`, one that comes back: failed here
    /// at counter 0, alive there at counter 5.
    fn lists(len: usize, seed: &mut u64, returning: Option<usize>) -> (Vec<Entry>, Vec<Entry>) {
        let mut draw = || {
            *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            *seed >> 33
        };
        let statuses = [Seen::Unknown, Seen::Alive, Seen::Suspected, Seen::Failed];
        let (mut mine, mut theirs): (Vec<Entry>, Vec<Entry>) = (0..len)
            .map(|_| {
                let (here, there) = (draw(), draw());
                let mine = match here % 20 {
                    0 => entry(Seen::Suspected, 7, here % 50),
                    1 => entry(Seen::Failed, 7, here % 50),
                    _ => entry(Seen::Alive, here / 20 % 8, here % 50),
                };
                let status = statuses[(there % 4) as usize];
                (mine, entry(status, there / 4 % 8, there % 50))
            })
            .unzip();
        if let Some(at) = returning {
            (mine[at], theirs[at]) = (entry(Seen::Failed, 0, 3), entry(Seen::Alive, 5, 40));
        }
        (mine, theirs)
    }

    /// The pass every receipt runs (`merge_pass`: by blocks natively, pairs in wasm) merges
    /// as `merge` does, member by member, and stops at the same member: lists shorter than a
    /// block, one block, and several with a short last one; with no member coming back, or one
    /// at the first or last offset, at either side of a block's edge, or in the middle.
    #[test]
    fn the_merge_by_blocks_is_the_merge_member_by_member() {
        let mut seed = 7;
        let now = at_bits(60);
        let mut taken = 0;
        for len in [1, 2, 63, 64, 65, 127, 128, 130, 200, 640] {
            let offsets = [
                None,
                Some(0),
                Some(63),
                Some(64),
                Some(len / 2),
                Some(len - 1),
            ];
            for returning in offsets
                .into_iter()
                .filter(|at| at.is_none_or(|at| at < len))
            {
                for _ in 0..5 {
                    let (mine, theirs) = lists(len, &mut seed, returning);
                    let (mut expected, mut merged) = (mine.clone(), mine.clone());
                    let stop = merge(&mut expected, &theirs, now);
                    assert_eq!(
                        stop, returning,
                        "N = {len}: the merge stops where one returns"
                    );
                    assert_eq!(merge_pass(&mut merged, &theirs, now), stop, "N = {len}");
                    assert_eq!(merged, expected, "N = {len}, returning at {returning:?}");
                    taken += merged.iter().zip(&mine).filter(|(a, b)| a != b).count();
                }
            }
        }
        // The passes change lists: of the 21,815 members they visit, those alive here (9/10),
        // listed there (1/2) and newer there (28/64) are taken, about 4,300, and the planted ones.
        assert!(taken > 3_000, "{taken} members taken");
    }
}
