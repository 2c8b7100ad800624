//! The event driver: ticks, a queue of delayed datagrams and timers ordered by (tick, sequence),
//! per-node protocol state, up to 64 messages per node (a bitmap), and crashes and recoveries
//! during a run. A datagram without delay is delivered at once, inside `send`, exactly as the
//! fast driver does, so both give the same run for a seed.

use super::{Recorder, Recording, delivered_fate};
use crate::failures::{Burst, Chain, Delay, PartitionSchedule};
use crate::protocol::{Copies, Datagram, Net, Protocol};
use crate::report::{
    Change, Contact, Counters, Fate, KindId, Learned, MAX_KINDS, NodeEvent, PendingTimer,
    TICKS_PER_ROUND, Tick, TimerChange, TimerStep, round_start,
};
use crate::rng::{Chance, Rng, Stream};
use std::collections::{BTreeMap, VecDeque};

enum Pending<P: Protocol> {
    Arrive {
        datagram: Datagram<P::Body>,
        sent: Tick,
    },
    /// Datagrams sent at one tick that arrive at one tick, queued one after another with
    /// nothing between them: one entry, played in the order they were sent. A multicast's hop
    /// puts thousands of copies on one tick (SRM's requests and repairs flood every member),
    /// and an entry each cost most of such a run in the queue.
    Arrivals {
        datagrams: Vec<Datagram<P::Body>>,
        sent: Tick,
    },
    Timer {
        node: u32,
        timer: P::Timer,
    },
    // async-racks: a node's own gossip period starts (asynchronous gossip).
    Period {
        node: u32,
    },
    /// The protocol's own work, owned by no node (a multicast's next hop).
    Wake {
        timer: P::Timer,
    },
}

/// Bytes a node's pending timer takes in the network's list of them, for the memory budget.
pub fn timer_bytes<P: Protocol>() -> u64 {
    std::mem::size_of::<Scheduled<P::Timer>>() as u64
}

/// Bytes one entry of `P`'s queue holds (a datagram in flight or a timer), for the memory budget.
pub fn queued_bytes<P: Protocol>() -> u64 {
    (std::mem::size_of::<Option<Entry<P>>>() + std::mem::size_of::<u32>()) as u64
}

/// A queue entry: earliest tick first, then the order it was scheduled in.
struct Entry<P: Protocol> {
    tick: Tick,
    sequence: u64,
    pending: Pending<P>,
}

/// The queue, ordered by (tick, sequence): one first-in first-out line per tick. Sequences are
/// handed out in the order entries are pushed, so a tick's line is already in sequence order,
/// and only the distinct ticks need sorting. A flood puts thousands of datagrams on the same few
/// ticks (SRM's session messages: N² a period), where a binary heap of every entry spent most
/// of a run in `pop`. A line is a list of chunks of at most `CHUNK` entries, and a full-size chunk
/// emptied by `pop` goes to the next line that grows long: the queue holds about what is in it,
/// as the heap did, not a drained line's capacity beside a growing one's. The lines hold slots
/// of `slots`, so the order's code is the same for every protocol.
struct TickQueue<P: Protocol> {
    /// The order: each tick's line of slots.
    lines: Lines,
    /// The entries, by slot; a popped entry's slot is reused.
    slots: Slots<Entry<P>>,
    free: Vec<u32>,
    /// Emptied lists of arrivals, for reuse.
    spare: Vec<Vec<Datagram<P::Body>>>,
}

/// The queue's entries by slot: the first `PAGE` in a vector that grows as vectors do (most
/// runs queue a few hundred entries at most), the others in pages of `PAGE` made whole.
/// Growing adds a page and never moves what is queued, so the queue never holds its entries
/// twice over while it grows (a vector of a million entries, doubled within a round, held both
/// blocks at once, past what a memory budget checked between rounds had counted).
struct Slots<T> {
    first: Vec<Option<T>>,
    pages: Vec<Vec<Option<T>>>,
}

/// Entries per page of `Slots`.
const PAGE: usize = 4096;

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            first: Vec::new(),
            pages: Vec::new(),
        }
    }
}

impl<T> Slots<T> {
    /// Puts `value` in a new slot, after every other; returns the slot.
    fn push(&mut self, value: T) -> u32 {
        if self.first.len() < PAGE {
            self.first.push(Some(value));
            return (self.first.len() - 1) as u32;
        }
        if self.pages.last().is_none_or(|page| page.len() == PAGE) {
            self.pages.push(Vec::with_capacity(PAGE));
        }
        let last = self.pages.len() - 1;
        let page = &mut self.pages[last];
        page.push(Some(value));
        ((last + 1) * PAGE + page.len() - 1) as u32
    }

    fn get(&self, slot: u32) -> &Option<T> {
        match (slot as usize).checked_sub(PAGE) {
            None => &self.first[slot as usize],
            Some(later) => &self.pages[later / PAGE][later % PAGE],
        }
    }

    fn get_mut(&mut self, slot: u32) -> &mut Option<T> {
        match (slot as usize).checked_sub(PAGE) {
            None => &mut self.first[slot as usize],
            Some(later) => &mut self.pages[later / PAGE][later % PAGE],
        }
    }

    /// Slots allocated.
    fn capacity(&self) -> usize {
        self.first.capacity() + self.pages.iter().map(Vec::capacity).sum::<usize>()
    }
}

/// Datagrams in one list of arrivals at most: lists grow to this size and no further, so that
/// the memory they take is what is queued (lists grown without bound left a run's memory
/// fragmented: twice the peak).
const BATCH: usize = 1024;
/// Emptied full-size lists of arrivals kept for reuse, at most.
const SPARE_LISTS: usize = 16;

impl<P: Protocol> TickQueue<P> {
    fn new() -> Self {
        TickQueue {
            lines: Lines::new(),
            slots: Slots::default(),
            free: Vec::new(),
            spare: Vec::new(),
        }
    }

    fn push(&mut self, entry: Entry<P>) {
        let tick = entry.tick;
        let slot = match self.free.pop() {
            Some(slot) => {
                // A free slot holds nothing to drop (and a drop's call would sit between the
                // entry and its slot, keeping them apart: a copy more).
                let none = self.slots.get_mut(slot).replace(entry);
                debug_assert!(none.is_none(), "a free slot");
                std::mem::forget(none);
                slot
            }
            None => self.slots.push(entry),
        };
        self.lines.push(tick, slot);
    }

    /// Queues a datagram arriving at `tick`: with the entry queued last at that tick when it is
    /// datagrams sent at the same tick (the order is the same as an entry each), otherwise as
    /// an entry of its own. Returns the datagram when it needs an entry (`push`).
    fn append(
        &mut self,
        tick: Tick,
        datagram: Datagram<P::Body>,
        sent: Tick,
    ) -> Option<Datagram<P::Body>> {
        let Some(slot) = self.lines.last(tick) else {
            return Some(datagram);
        };
        let entry = self.slots.get_mut(slot).as_mut().expect("a queued slot");
        match &mut entry.pending {
            Pending::Arrivals {
                datagrams,
                sent: at,
            } if *at == sent && datagrams.len() < BATCH => {
                datagrams.push(datagram);
                None
            }
            Pending::Arrive { sent: at, .. } if *at == sent => {
                let datagrams = self.spare.pop().unwrap_or_default();
                let single =
                    std::mem::replace(&mut entry.pending, Pending::Arrivals { datagrams, sent });
                if let (
                    Pending::Arrive {
                        datagram: first, ..
                    },
                    Pending::Arrivals { datagrams, .. },
                ) = (single, &mut entry.pending)
                {
                    datagrams.push(first);
                    datagrams.push(datagram);
                }
                None
            }
            _ => Some(datagram),
        }
    }

    /// An emptied list of arrivals: a full-size one is kept for the next (a few of them).
    fn recycle(&mut self, mut datagrams: Vec<Datagram<P::Body>>) {
        if datagrams.capacity() == BATCH && self.spare.len() < SPARE_LISTS {
            datagrams.clear();
            self.spare.push(datagrams);
        }
    }

    /// The tick of the next entry: its line's, without looking at the entry.
    fn next_tick(&self) -> Option<Tick> {
        self.lines.first_tick()
    }

    fn peek(&self) -> Option<&Entry<P>> {
        let slot = self.lines.peek()?;
        self.slots.get(slot).as_ref()
    }

    fn pop(&mut self) -> Option<Entry<P>> {
        let slot = self.lines.pop()?;
        self.free.push(slot);
        self.slots.get_mut(slot).take()
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = &Entry<P>> {
        self.lines
            .slots()
            .into_iter()
            .filter_map(|slot| self.slots.get(slot).as_ref())
    }
}

/// The queue's order without its entries, so that it is compiled once, not once per protocol
/// (the page's size): one line of slots per tick, in the order they were pushed.
struct Lines {
    lines: BTreeMap<Tick, Line>,
    spare: Vec<Chunk>,
    /// Emptied lines, each with its one emptied chunk, for the next ticks: most ticks hold a
    /// few entries, and making and dropping a line for each would be most of a light round.
    spare_lines: Vec<Line>,
    /// Slots queued.
    len: usize,
}

type Line = VecDeque<Chunk>;

/// Emptied lines kept for reuse, at most (each with a chunk shorter than `CHUNK`).
const SPARE_LINES: usize = 64;

type Chunk = VecDeque<u32>;

/// Entries per chunk of a line.
const CHUNK: usize = 256;

impl Lines {
    fn new() -> Self {
        Lines {
            lines: BTreeMap::new(),
            spare: Vec::new(),
            spare_lines: Vec::new(),
            len: 0,
        }
    }

    fn push(&mut self, tick: Tick, slot: u32) {
        let spare_lines = &mut self.spare_lines;
        let line = self
            .lines
            .entry(tick)
            .or_insert_with(|| spare_lines.pop().unwrap_or_default());
        match line.back() {
            // A line's first chunk grows as it fills: most ticks hold a few timers.
            None => line.push_back(VecDeque::new()),
            Some(chunk) if chunk.len() == CHUNK => {
                let chunk = self
                    .spare
                    .pop()
                    .unwrap_or_else(|| VecDeque::with_capacity(CHUNK));
                line.push_back(chunk);
            }
            Some(_) => {}
        }
        let chunk = line.back_mut().expect("a chunk with room");
        chunk.push_back(slot);
        self.len += 1;
    }

    /// The slot queued last at `tick`, if any.
    fn last(&self, tick: Tick) -> Option<u32> {
        self.lines.get(&tick)?.back()?.back().copied()
    }

    fn first_tick(&self) -> Option<Tick> {
        self.lines.first_key_value().map(|(&tick, _)| tick)
    }

    fn peek(&self) -> Option<u32> {
        let (_, line) = self.lines.first_key_value()?;
        line.front().and_then(VecDeque::front).copied()
    }

    fn pop(&mut self) -> Option<u32> {
        let mut first = self.lines.first_entry()?;
        let line = first.get_mut();
        let chunk = line.front_mut()?;
        let slot = chunk.pop_front();
        self.len -= 1;
        if chunk.is_empty() {
            if line.len() == 1 {
                // The line's last chunk stays in it, and the line is kept for another tick;
                // a full-size chunk goes to the spare chunks instead, as below.
                let mut line = first.remove();
                let short = line.front().is_some_and(|chunk| chunk.capacity() < CHUNK);
                if short {
                    if self.spare_lines.len() < SPARE_LINES {
                        self.spare_lines.push(line);
                    }
                } else if let Some(empty) = line.pop_front()
                    && self.spare.len() * CHUNK < self.len
                {
                    self.spare.push(empty);
                }
                return slot;
            }
            let empty = line.pop_front().expect("the front chunk");
            // Full-size chunks are kept for the next long line, no more of them than the
            // entries still queued would fill.
            if empty.capacity() >= CHUNK && self.spare.len() * CHUNK < self.len {
                self.spare.push(empty);
            }
        }
        slot
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The queued slots in order, for the stage's datagrams in flight (once a recorded round):
    /// gathered here, compiled once, rather than walked through the lines in each protocol's code.
    #[inline(never)]
    fn slots(&self) -> Vec<u32> {
        self.lines.values().flatten().flatten().copied().collect()
    }
}

/// The network's behaviour: loss per datagram, each datagram's delay, and where peers are.
#[derive(Clone, Copy, Debug)]
pub struct Links {
    /// Loss per datagram; with `burst`, the loss in the bad state.
    pub loss: Chance,
    /// Each datagram's delay, drawn per datagram on its own stream (`Delay::None`: at once).
    pub delay: Delay,
    /// Gilbert-Elliott burst loss: one chain for the network, stepped per datagram.
    pub burst: Option<Burst>,
    pub racks: Racks,
    /// Cuts that drop the datagrams crossing them while they hold.
    pub partitions: PartitionSchedule,
}

impl Links {
    /// No delay, no bursts, one rack: the synchronous network with independent loss.
    pub fn flat(loss: Chance) -> Links {
        Links {
            loss,
            delay: Delay::None,
            burst: None,
            racks: Racks::FLAT,
            partitions: PartitionSchedule::default(),
        }
    }
}

/// Racks behind top-of-rack switches joined by one core switch (theory.md section 5): node i sits
/// in rack i R / N; a caller picks a peer outside its rack with probability `outside` (`None`:
/// 1 / n_i, n_i the caller's rack size, as theory.md), inside otherwise, and every datagram
/// between racks is counted as crossing the core. One rack is the flat network, where a peer is
/// uniform over the other N - 1 nodes (the same draw as the fast driver's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Racks {
    pub racks: u32,
    pub outside: Option<Chance>,
}

impl Racks {
    pub const FLAT: Racks = Racks {
        racks: 1,
        outside: Some(Chance::Never),
    };

    /// `racks` racks, a peer outside with probability `cross` (`None`: 1 / n_i).
    pub fn new(racks: u32, cross: Option<f64>) -> Racks {
        Racks {
            racks,
            outside: cross.map(Chance::new),
        }
    }

    /// The rack of `node` among `nodes`.
    pub fn rack(&self, node: u32, nodes: u32) -> u32 {
        (u64::from(node) * u64::from(self.racks) / u64::from(nodes)) as u32
    }

    /// Whether a datagram from `from` to `to` goes through the core switch.
    pub fn crosses(&self, from: u32, to: u32, nodes: u32) -> bool {
        self.racks > 1 && self.rack(from, nodes) != self.rack(to, nodes)
    }

    /// The first node of rack `rack` and the one after its last.
    pub fn bounds(&self, rack: u32, nodes: u32) -> (u32, u32) {
        let start =
            |rack: u32| (u64::from(rack) * u64::from(nodes)).div_ceil(u64::from(self.racks)) as u32;
        (start(rack), start(rack + 1))
    }

    /// A peer of `caller`: outside its rack with probability `outside`, otherwise inside.
    fn peer(&self, rng: &mut Rng, caller: u32, nodes: u32) -> u32 {
        if self.racks <= 1 {
            return rng.peer(caller, nodes);
        }
        let (start, end) = self.bounds(self.rack(caller, nodes), nodes);
        let inside = end - start;
        let outside = self
            .outside
            .unwrap_or_else(|| Chance::new(1.0 / f64::from(inside)));
        if inside <= 1 || (inside < nodes && rng.happens(outside)) {
            // Uniform over the N - inside nodes of the other racks.
            let pick = rng.below(nodes - inside);
            if pick >= start { pick + inside } else { pick }
        } else {
            start + rng.peer(caller - start, inside)
        }
    }
}

pub struct EventNetwork<P: Protocol> {
    nodes: u32,
    /// Bitmap of every message: a node knowing all of them is informed.
    all: u64,
    links: Links,
    now: Tick,
    round: u32,
    states: Vec<P::Node>,
    known: Vec<u64>,
    /// Messages learned at the current tick: known, but usable only from the next tick.
    fresh: Vec<u64>,
    fresh_nodes: Vec<u32>,
    crashed: Vec<bool>,
    live: u32,
    /// Nodes that came to know every message, in that order (crashed ones included).
    order: Vec<u32>,
    order_at_round_start: usize,
    /// Per node: the round it was informed in (`u32::MAX`: not yet) and who completed it.
    informed_round: Vec<u32>,
    /// Per node: the tick it came to know every message (`Tick::MAX`: not yet).
    informed_tick: Vec<Tick>,
    informer: Vec<u32>,
    informed_live: u32,
    queue: TickQueue<P>,
    sequence: u64,
    /// Crashes and recoveries made between steps, reported with the next step.
    pending_events: Vec<NodeEvent>,
    /// Nodes crashed and recovered between steps, for the protocol's hooks at the next step.
    crashed_since: Vec<u32>,
    recovered_since: Vec<u32>,
    /// Many messages: per message, the live nodes holding it.
    holders: Vec<u32>,
    /// Per node, its timers not yet fired or cancelled: (queue sequence, set, due, timer). A
    /// queue entry whose sequence is gone from here was cancelled and is skipped.
    timers: Vec<Vec<Scheduled<P::Timer>>>,
    // Failures and delays: their own streams, so runs without them draw exactly as before.
    /// Draws each datagram's delay.
    delays: Rng,
    /// The Gilbert-Elliott chain and the stream that steps it.
    chain: Option<(Chain, Rng)>,
    /// Datagrams sent and not yet arrived (lost ones excluded).
    in_flight: u64,
    // async-racks
    /// Asynchronous gossip: each node's own clock, instead of synchronous rounds.
    periods: Option<Periods>,
    /// The round begun and not yet ended (`step_within`).
    part: Option<Part>,
    /// What the round under way has counted so far.
    part_counters: Counters,
}

// async-racks: asynchronous periods.
/// Every node's own gossip clock (theory.md section 9): its first period starts at a phase
/// uniform over the ticks of one period, and each period lasts `TICKS_PER_ROUND` plus a jitter
/// uniform over the whole ticks in [-jitter, jitter]. Its own generator, so the gossip draws of
/// a synchronous run are untouched.
pub struct Periods {
    /// The jitter in ticks: j periods, rounded to whole ticks.
    jitter: Tick,
    rng: Rng,
}

impl Periods {
    pub fn new(jitter: f64, rng: Rng) -> Periods {
        Periods {
            jitter: (jitter * TICKS_PER_ROUND as f64).round() as Tick,
            rng,
        }
    }

    fn phase(&mut self) -> Tick {
        Tick::from(self.rng.below(TICKS_PER_ROUND as u32))
    }

    /// The length of the next period, in ticks.
    fn length(&mut self) -> Tick {
        if self.jitter == 0 {
            return TICKS_PER_ROUND;
        }
        let spread = self.rng.below(2 * self.jitter as u32 + 1);
        TICKS_PER_ROUND - self.jitter + Tick::from(spread)
    }
}

/// A pending timer: its queue sequence, when it was set, when it is due, and what it says.
type Scheduled<T> = (u64, Tick, Tick, T);

impl<P: Protocol> EventNetwork<P> {
    pub fn new(protocol: &P, senders: u32, crashed: Vec<bool>, links: Links) -> Self {
        let nodes = crashed.len() as u32;
        let messages = protocol.messages();
        assert!((1..=64).contains(&messages), "1 to 64 messages");
        let all = if messages == 64 {
            u64::MAX
        } else {
            (1 << messages) - 1
        };
        let mut known = vec![0; nodes as usize];
        let mut informed_round = vec![u32::MAX; nodes as usize];
        let mut informed_tick = vec![Tick::MAX; nodes as usize];
        let mut order = Vec::with_capacity(senders as usize);
        // Many messages: live holders of each message, and what each sender starts with.
        let mut holders = vec![0; messages as usize];
        for sender in 0..senders {
            let index = sender as usize;
            known[index] = protocol.initially_known(sender, all);
            for (message, count) in holders.iter_mut().enumerate() {
                *count += (known[index] >> message & 1) as u32;
            }
            if known[index] == all {
                informed_round[index] = 0;
                informed_tick[index] = 0;
                order.push(sender);
            }
        }
        let informed_live = order.len() as u32;
        let live = crashed.iter().filter(|&&crashed| !crashed).count() as u32;
        EventNetwork {
            nodes,
            all,
            links,
            now: 0,
            round: 0,
            states: vec![P::Node::default(); nodes as usize],
            known,
            fresh: vec![0; nodes as usize],
            fresh_nodes: Vec::new(),
            crashed,
            live,
            order_at_round_start: order.len(),
            order,
            informed_round,
            informed_tick,
            informer: (0..nodes).collect(),
            informed_live,
            holders,
            queue: TickQueue::new(),
            sequence: 0,
            pending_events: Vec::new(),
            crashed_since: Vec::new(),
            recovered_since: Vec::new(),
            timers: vec![Vec::new(); nodes as usize],
            delays: Rng::new(0, Stream::Delays),
            chain: links
                .burst
                .map(|burst| (Chain::new(burst), Rng::new(0, Stream::Burst))),
            in_flight: 0,
            periods: None,
            part: None,
            part_counters: Counters::default(),
        }
    }

    /// Seeds the delay and burst streams from the run's seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.delays = Rng::new(seed, Stream::Delays);
        if let Some((_, rng)) = &mut self.chain {
            *rng = Rng::new(seed, Stream::Burst);
        }
        self
    }

    /// Datagrams sent and not yet arrived.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// Bytes the queue holds now: its slots as allocated (a slot freed stays for the next),
    /// its lines' places, and each node's pending timers as allocated. O(N).
    fn queue_bytes(&self) -> u64 {
        let slots = self.queue.slots.capacity() * std::mem::size_of::<Option<Entry<P>>>();
        let places = (self.queue.free.capacity() + self.queue.lines.len) * 4;
        let timers: usize = self.timers.iter().map(Vec::capacity).sum();
        (slots + places) as u64 + timers as u64 * timer_bytes::<P>()
    }

    /// Each datagram sent and not yet arrived, as a contact (fate `Arrived` until it lands),
    /// with the copies the protocol carries itself (`carried`).
    pub fn flying(&self, carried: Vec<Contact>) -> Vec<Contact> {
        let contact = |datagram: &Datagram<P::Body>, sent: Tick, arrives: Tick| Contact {
            from: datagram.from,
            to: datagram.to,
            kind: datagram.kind,
            fate: Fate::Arrived,
            sent,
            arrives,
            hop: 0,
        };
        let mut flying: Vec<Contact> = Vec::new();
        for entry in self.queue.iter() {
            match &entry.pending {
                Pending::Arrive { datagram, sent } => {
                    flying.push(contact(datagram, *sent, entry.tick));
                }
                Pending::Arrivals { datagrams, sent } => flying.extend(
                    datagrams
                        .iter()
                        .map(|datagram| contact(datagram, *sent, entry.tick)),
                ),
                Pending::Timer { .. } | Pending::Period { .. } | Pending::Wake { .. } => {}
            }
        }
        flying.extend(carried);
        in_flight_order(&mut flying);
        flying
    }

    // async-racks
    /// Makes the nodes gossip on their own clocks (only for protocols with `EVERY_ROUND`): each
    /// node's first period starts at its phase, in node order of the draws.
    pub fn asynchronous(&mut self, mut periods: Periods) {
        for node in 0..self.nodes {
            let phase = periods.phase();
            self.sequence += 1;
            self.queue.push(Entry {
                tick: self.now + phase,
                sequence: self.sequence,
                pending: Pending::Period { node },
            });
        }
        self.periods = Some(periods);
    }

    /// Lets the protocol set its first timers (before round 1).
    pub fn start(&mut self, protocol: &P, rng: &mut Rng) {
        let mut counters = Counters::default();
        let mut context = Context::new(protocol, self, rng, None, &mut counters);
        protocol.start(&mut context);
    }

    pub fn round(&self) -> u32 {
        self.round
    }
    pub fn live(&self) -> u32 {
        self.live
    }
    pub fn informed_live(&self) -> u32 {
        self.informed_live
    }
    pub fn informed_order(&self) -> &[u32] {
        &self.order
    }
    /// sweep: `visit(node, informer)` in the informed order (informer None for senders).
    pub fn for_each_parent(&self, visit: &mut dyn FnMut(u32, Option<u32>)) {
        for &node in &self.order {
            if let Some((_, informer)) = self.informed_when_and_by(node) {
                visit(node, informer);
            }
        }
    }
    pub fn is_crashed(&self, node: u32) -> bool {
        self.crashed[node as usize]
    }
    pub fn known(&self, node: u32) -> u64 {
        self.known[node as usize]
    }
    pub fn state(&self, node: u32) -> &P::Node {
        &self.states[node as usize]
    }
    /// The clock: the last tick played.
    pub fn now(&self) -> Tick {
        self.now
    }
    /// Live nodes holding `message`.
    pub fn holders(&self, message: u32) -> u32 {
        self.holders[message as usize]
    }

    /// Adds (or removes) `node`'s messages to (from) the live holders.
    fn count_holder(&mut self, node: u32, add: bool) {
        let known = self.known[node as usize];
        for (message, count) in self.holders.iter_mut().enumerate() {
            if known >> message & 1 == 1 {
                if add {
                    *count += 1;
                } else {
                    *count -= 1;
                }
            }
        }
    }

    /// Every node's protocol state.
    pub fn states(&self) -> &[P::Node] {
        &self.states
    }

    /// Calls `visit(node, tick)` for every node that knows every message, in the order they came
    /// to know it (crashed ones included).
    pub fn for_each_informed(&self, visit: &mut dyn FnMut(u32, Tick)) {
        for &node in &self.order {
            visit(node, self.informed_tick[node as usize]);
        }
    }

    /// Nothing scheduled: a protocol without rounds can do nothing more.
    pub fn is_idle(&self) -> bool {
        !P::EVERY_ROUND && self.queue.is_empty()
    }

    /// The tick `node` came to know every message (0 for senders).
    pub fn informed_tick(&self, node: u32) -> Option<Tick> {
        let tick = self.informed_tick[node as usize];
        (tick != Tick::MAX).then_some(tick)
    }

    pub fn informed_when_and_by(&self, node: u32) -> Option<(u32, Option<u32>)> {
        let round = self.informed_round[node as usize];
        (round != u32::MAX).then(|| (round, (round > 0).then_some(self.informer[node as usize])))
    }

    /// Crashes `node` now: it sends nothing more, swallows what reaches it, its timers die.
    pub fn crash(&mut self, node: u32) {
        if std::mem::replace(&mut self.crashed[node as usize], true) {
            return;
        }
        self.live -= 1;
        self.count_holder(node, false);
        self.timers[node as usize].clear();
        if self.known[node as usize] == self.all {
            self.informed_live -= 1;
        }
        self.pending_events.push(NodeEvent {
            tick: self.now,
            node,
            change: Change::Crashed,
        });
        self.crashed_since.push(node);
    }

    /// Brings `node` back, with what it knew and its protocol state, or empty.
    pub fn recover(&mut self, node: u32, keep_state: bool) {
        if !std::mem::replace(&mut self.crashed[node as usize], false) {
            return;
        }
        self.live += 1;
        let index = node as usize;
        if !keep_state {
            self.states[index] = P::Node::default();
            self.known[index] = 0;
            self.fresh[index] = 0;
            self.informed_round[index] = u32::MAX;
            self.informed_tick[index] = Tick::MAX;
            self.order.retain(|&informed| informed != node);
        }
        if self.known[index] == self.all {
            self.informed_live += 1;
        }
        self.count_holder(node, true);
        self.pending_events.push(NodeEvent {
            tick: self.now,
            node,
            change: Change::Recovered,
        });
        self.recovered_since.push(node);
    }

    /// What was learned at this tick becomes usable at once (delays: arrivals at a round start).
    fn make_fresh_known(&mut self) {
        for &node in &self.fresh_nodes {
            self.fresh[node as usize] = 0;
        }
        self.fresh_nodes.clear();
    }

    fn advance_to(&mut self, tick: Tick) {
        if tick > self.now {
            for &node in &self.fresh_nodes {
                self.fresh[node as usize] = 0;
            }
            self.fresh_nodes.clear();
            self.now = tick;
        }
    }

    /// Plays the next round: the protocol's round start (if it has rounds), then every queued
    /// datagram and timer due before the round ends. Returns the index in the informed order of
    /// the round's first newly informed node, and the round's counters.
    pub fn step(
        &mut self,
        protocol: &P,
        rng: &mut Rng,
        recording: Option<&mut Recording>,
    ) -> (usize, Counters) {
        let mut counters = Counters::default();
        let first_new = self
            .step_within(protocol, rng, recording, u64::MAX, &mut counters)
            .expect("without a budget a round plays to its end");
        (first_new, counters)
    }

    /// Plays the next round, or goes on with the one begun, until it ends or `budget` units of
    /// work are done (a datagram, or a queued event, each one unit; at least one event): the
    /// round's result as `step`'s once it has ended, `None` while it goes on. The events play in
    /// the same order however the round is cut, so a run is the same whatever the budgets; the
    /// recording collects the whole round (pass the same one until the round ends).
    pub fn step_within(
        &mut self,
        protocol: &P,
        rng: &mut Rng,
        mut recording: Option<&mut Recording>,
        budget: u64,
        counters: &mut Counters,
    ) -> Option<usize> {
        let part = match self.part.take() {
            Some(part) => {
                *counters = std::mem::take(&mut self.part_counters);
                part
            }
            None => {
                counters.clear();
                self.round += 1;
                let start = round_start(self.round);
                self.advance_to(start);
                let first_new = self.order.len();
                let events = std::mem::take(&mut self.pending_events);
                if let Some(recording) = recording.as_deref_mut() {
                    recording.events.extend(events);
                }
                let end = start + TICKS_PER_ROUND;
                self.begin(
                    protocol,
                    rng,
                    (recording.as_deref_mut(), counters),
                    (first_new, start, end),
                )
            }
        };
        let part = self.play(
            protocol,
            rng,
            (recording.as_deref_mut(), counters),
            part,
            budget,
        );
        if !part.ended {
            self.part = Some(part);
            self.part_counters = *counters;
            return None;
        }
        if let Some(recording) = recording {
            for (node, timers) in self.timers.iter().enumerate() {
                // A timer without a name is the protocol's own clock, not drawn.
                recording.timers.extend(
                    timers
                        .iter()
                        .map(|&(_, set, due, timer)| PendingTimer {
                            node: node as u32,
                            set,
                            due,
                            name: protocol.timer_name(&timer),
                        })
                        .filter(|timer| !timer.name.is_empty()),
                );
            }
        }
        counters.complete(P::PAYLOAD_KINDS);
        Some(part.first_new)
    }

    /// Whether a round has begun and not ended (`step_within` ran out of budget).
    pub fn mid_round(&self) -> bool {
        self.part.is_some()
    }

    /// A round's start: the protocol hears of crashes and recoveries, datagrams delayed to the
    /// round's first tick arrive, and the protocol's round begins.
    fn begin(
        &mut self,
        protocol: &P,
        rng: &mut Rng,
        (recorder, counters): (Option<&mut Recording>, &mut Counters),
        (first_new, start, end): (usize, Tick, Tick),
    ) -> Part {
        let delayed = !self.links.delay.is_zero();
        let crashed = std::mem::take(&mut self.crashed_since);
        let recovered = std::mem::take(&mut self.recovered_since);
        let mut context = Context::new(protocol, self, rng, recorder, counters);
        // The protocol hears of crashes and recoveries first (a node down again is not told
        // it came back).
        for node in crashed {
            protocol.on_crash(&mut context, node);
        }
        for node in recovered {
            if !context.network.crashed[node as usize] {
                protocol.on_recover(&mut context, node);
            }
        }
        let mut part = Part {
            first_new,
            end,
            ended: false,
        };
        // Delays: datagrams due exactly at the round's first tick arrive before the round's
        // calls and count as known from then (so `fixed:1` is the synchronous model shifted).
        if delayed {
            while context.network.queue.peek().is_some_and(|entry| {
                entry.tick <= start
                    && matches!(
                        entry.pending,
                        Pending::Arrive { .. } | Pending::Arrivals { .. }
                    )
            }) {
                let mut entry = context.network.queue.pop().expect("peeked");
                context.dispatch(&mut entry);
            }
            context.network.make_fresh_known();
            // Those arrivals completed the run: the synchronous model would have stopped after
            // the previous round, so this round sends nothing (`fixed:1` counts the same traffic).
            let network = &context.network;
            if P::EVERY_ROUND && !P::STOPS && network.informed_live == network.live {
                context.network.order_at_round_start = context.network.order.len();
                part.ended = true;
                return part;
            }
        }
        context.network.order_at_round_start = context.network.order.len();
        // async-racks: with asynchronous periods, each node's turn is an event of its own.
        if P::EVERY_ROUND && context.network.periods.is_none() {
            protocol.on_round(&mut context);
        }
        part
    }

    /// The round's events due before its end, until `budget` units of work are done.
    fn play(
        &mut self,
        protocol: &P,
        rng: &mut Rng,
        (recorder, counters): (Option<&mut Recording>, &mut Counters),
        mut part: Part,
        budget: u64,
    ) -> Part {
        if part.ended {
            return part;
        }
        let mut context = Context::new(protocol, self, rng, recorder, counters);
        let end = part.end;
        let mut work = 0u64;
        let mut sent = context.counters.by_kind.iter().sum::<u64>();
        loop {
            if context
                .network
                .queue
                .next_tick()
                .is_none_or(|tick| tick >= end)
            {
                part.ended = true;
                break;
            }
            if work > 0 && work >= budget {
                break;
            }
            let mut entry = context.network.queue.pop().expect("peeked");
            context.network.advance_to(entry.tick);
            context.dispatch(&mut entry);
            if budget != u64::MAX {
                let now_sent = context.counters.by_kind.iter().sum::<u64>();
                work += 1 + (now_sent - sent);
                sent = now_sent;
            }
        }
        part
    }
}

/// A round under way: where it started in the informed order, when it ends, and whether it
/// has ended. (What it has counted stays with the network, `part_counters`: a round runs a
/// million times at N = 10^6 for centralized, and copying the counters costs there.)
#[derive(Clone, Copy, Debug)]
struct Part {
    first_new: usize,
    end: Tick,
    ended: bool,
}

/// Datagrams in flight by arrival, then sending, then sender and receiver; outside the generic
/// network, so the sort is compiled once rather than once per protocol.
#[inline(never)]
fn in_flight_order(flying: &mut [Contact]) {
    flying.sort_by_key(|contact| (contact.arrives, contact.sent, contact.from, contact.to));
}

/// The network as one protocol handler sees it while a step plays. Recording is checked per
/// datagram rather than compiled per case: each protocol's handlers are compiled once, which
/// keeps the page's wasm small, and the check is one branch beside a queue operation.
struct Context<'a, 'r, P: Protocol> {
    protocol: &'a P,
    network: &'a mut EventNetwork<P>,
    rng: &'a mut Rng,
    recorder: Option<&'r mut Recording>,
    /// The round's counters, kept by the caller: a round played in parts counts on.
    counters: &'a mut Counters,
    hop: u8,
    taught: bool,
    /// The kind of the datagram being delivered, if any (a repair's lessons count as repaired).
    delivering: Option<KindId>,
}

impl<'a, 'r, P: Protocol> Context<'a, 'r, P> {
    fn new(
        protocol: &'a P,
        network: &'a mut EventNetwork<P>,
        rng: &'a mut Rng,
        recorder: Option<&'r mut Recording>,
        counters: &'a mut Counters,
    ) -> Self {
        Context {
            protocol,
            network,
            rng,
            recorder,
            counters,
            hop: 0,
            taught: false,
            delivering: None,
        }
    }

    fn schedule(&mut self, tick: Tick, pending: Pending<P>) {
        self.network.sequence += 1;
        self.network.queue.push(Entry {
            tick,
            sequence: self.network.sequence,
            pending,
        });
    }

    /// Whether the network loses a datagram sent now. Burst loss: the chain steps on its own
    /// stream, and the loss is drawn only in the bad state.
    fn draws_loss(&mut self) -> bool {
        let bad = match &mut self.network.chain {
            Some((chain, stream)) => chain.step(stream),
            None => true,
        };
        let loss = if bad {
            self.network.links.loss
        } else {
            Chance::Never
        };
        self.rng.happens(loss)
    }

    /// One datagram, `extra` ticks slower than the network's delay; `planned`: lost whatever
    /// the network draws (the draws are made all the same, so the rest of the run keeps them).
    /// In the page one copy per protocol, not one per way of sending (its size; natively the
    /// compiler inlines as it sees fit).
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn send_with(
        &mut self,
        from: u32,
        to: u32,
        kind: KindId,
        body: P::Body,
        extra: Tick,
        planned: bool,
    ) {
        // The same draws in the same order as the fast driver: loss first, at sending.
        let lost = self.draws_loss() | planned;
        let racks = self.network.links.racks;
        let nodes = self.network.nodes;
        // A partition drops what crosses its cut whatever the loss drew (drawn all the same, so
        // the run's other draws do not move).
        let cut =
            self.network
                .links
                .partitions
                .blocks(self.network.round, from, to, nodes, racks.racks);
        let lost = lost && !cut;
        let counters = &mut *self.counters;
        counters.lost += u64::from(lost);
        counters.partitioned += u64::from(cut);
        counters.through_core += u64::from(racks.crosses(from, to, nodes));
        counters.by_kind[kind as usize] += 1;
        let now = self.network.now;
        let delay = self.network.links.delay.draw(&mut self.network.delays);
        let arrives = now + delay + extra;
        if lost || cut {
            let hop = self.hop;
            self.recorder.contact(|| Contact {
                from,
                to,
                kind,
                fate: if cut { Fate::Partitioned } else { Fate::Lost },
                sent: now,
                arrives,
                hop,
            });
            return;
        }
        let datagram = Datagram {
            from,
            to,
            kind,
            body,
        };
        if arrives == now {
            self.arrive(&mut { datagram }, now);
        } else {
            self.network.in_flight += 1;
            let single = if P::LISTS {
                self.network.queue.append(arrives, datagram, now)
            } else {
                Some(datagram)
            };
            if let Some(datagram) = single {
                self.schedule(
                    arrives,
                    Pending::Arrive {
                        datagram,
                        sent: now,
                    },
                );
            }
        }
    }

    /// Plays a queued entry where it lies (its datagram is lent to the protocol: moving one
    /// is a copy, and in wasm a call, for every datagram of a run).
    // In the page one copy per protocol: it is called from the round's start and its events.
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn dispatch(&mut self, entry: &mut Entry<P>) {
        let sequence = entry.sequence;
        match &mut entry.pending {
            &mut Pending::Timer { node, timer } => {
                // Fires only if still pending: not cancelled, its node not crashed since.
                let timers = &mut self.network.timers[node as usize];
                let Some(index) = timers.iter().position(|entry| entry.0 == sequence) else {
                    return;
                };
                let (_, set, due, _) = timers.swap_remove(index);
                let protocol = self.protocol;
                self.log_timer(TimerStep::Fired, node, set, due, &timer);
                protocol.on_timer(self, node, timer);
            }
            Pending::Arrive { datagram, sent } => {
                self.network.in_flight -= 1;
                self.arrive(datagram, *sent)
            }
            Pending::Arrivals { datagrams, sent } => {
                // Nothing can join this list while it plays: it has left the queue.
                let (mut datagrams, sent) = (std::mem::take(datagrams), *sent);
                for mut datagram in datagrams.drain(..) {
                    self.network.in_flight -= 1;
                    self.arrive(&mut datagram, sent);
                }
                self.network.queue.recycle(datagrams);
            }
            // async-racks: a live node gossips; every node's clock runs on (it may recover).
            &mut Pending::Wake { timer } => {
                let protocol = self.protocol;
                protocol.on_wake(self, timer);
            }
            &mut Pending::Period { node } => {
                if !self.network.crashed[node as usize] {
                    let protocol = self.protocol;
                    protocol.on_period(self, node);
                }
                let periods = self.network.periods.as_mut().expect("asynchronous");
                let next = self.network.now + periods.length();
                self.schedule(next, Pending::Period { node });
            }
        }
    }

    /// Writes down a named timer's step (a timer without a name is the protocol's own clock).
    fn log_timer(&mut self, step: TimerStep, node: u32, set: Tick, due: Tick, timer: &P::Timer) {
        if self.recorder.is_none() {
            return;
        }
        let name = self.protocol.timer_name(timer);
        if name.is_empty() {
            return;
        }
        let tick = self.network.now;
        self.recorder.timer(|| TimerChange {
            tick,
            step,
            timer: PendingTimer {
                node,
                set,
                due,
                name,
            },
        });
    }

    /// A datagram that was not lost reaches its receiver: swallowed if it has crashed, otherwise
    /// handed to the protocol, and its fate settled by what the receiver learned.
    // In the page one copy per protocol: it is called for a datagram and for each of a list.
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn arrive(&mut self, datagram: &mut Datagram<P::Body>, sent: Tick) {
        let crashed = self.network.crashed[datagram.to as usize];
        let payload = P::PAYLOAD_KINDS >> datagram.kind & 1 == 1;
        self.counters.to_crashed += u64::from(crashed);
        self.counters.at_sender += u64::from(!crashed & (datagram.to == 0));
        let (now, hop) = (self.network.now, self.hop);
        let index = self.recorder.contact(|| Contact {
            from: datagram.from,
            to: datagram.to,
            kind: datagram.kind,
            fate: Fate::Crashed,
            sent,
            arrives: now,
            hop,
        });
        if crashed {
            return;
        }
        let outer = std::mem::replace(&mut self.taught, false);
        let outer_kind = self.delivering.replace(datagram.kind);
        self.hop += 1;
        let protocol = self.protocol;
        protocol.on_receive(self, datagram);
        self.hop -= 1;
        self.delivering = outer_kind;
        self.recorder
            .settle(index, delivered_fate(payload, self.taught));
        self.taught = outer;
    }
}

impl<P: Protocol> Net<P> for Context<'_, '_, P> {
    fn queue_bytes(&self) -> u64 {
        self.network.queue_bytes()
    }

    fn nodes(&self) -> u32 {
        self.network.nodes
    }

    fn live(&self) -> u32 {
        self.network.live
    }

    fn now(&self) -> Tick {
        self.network.now
    }

    fn round(&self) -> u32 {
        self.network.round
    }

    fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    fn is_crashed(&self, node: u32) -> bool {
        self.network.crashed[node as usize]
    }

    fn peer(&mut self, caller: u32) -> u32 {
        self.network
            .links
            .racks
            .peer(self.rng, caller, self.network.nodes)
    }

    fn knew(&self, node: u32, message: u32) -> bool {
        let index = node as usize;
        (self.network.known[index] & !self.network.fresh[index]) >> message & 1 == 1
    }

    fn informed_before_round(&self) -> usize {
        self.network.order_at_round_start
    }

    fn informed_at(&self, index: usize) -> u32 {
        self.network.order[index]
    }

    fn send(&mut self, from: u32, to: u32, kind: KindId, body: P::Body) {
        self.send_with(from, to, kind, body, 0, false);
    }

    fn send_after(&mut self, from: u32, to: u32, kind: KindId, body: P::Body, extra: Tick) {
        self.send_with(from, to, kind, body, extra, false);
    }

    fn lose_after(&mut self, from: u32, to: u32, kind: KindId, body: P::Body, extra: Tick) {
        self.send_with(from, to, kind, body, extra, true);
    }

    // In the page one copy per protocol, not one per call in its handlers (its size).
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn set_timer(&mut self, node: u32, after: Tick, timer: P::Timer) {
        let tick = self.network.now + after;
        self.schedule(tick, Pending::Timer { node, timer });
        let entry = (self.network.sequence, self.network.now, tick, timer);
        self.network.timers[node as usize].push(entry);
        self.log_timer(TimerStep::Set, node, self.network.now, tick, &timer);
    }

    // In the page one copy per protocol, not one per call in its handlers (its size).
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn cancel_timer(&mut self, node: u32, timer: P::Timer) {
        if self.recorder.is_some() {
            let cancelled: Vec<(Tick, Tick)> = self.network.timers[node as usize]
                .iter()
                .filter(|entry| entry.3 == timer)
                .map(|entry| (entry.1, entry.2))
                .collect();
            for (set, due) in cancelled {
                self.log_timer(TimerStep::Cancelled, node, set, due, &timer);
            }
        }
        self.network.timers[node as usize].retain(|entry| entry.3 != timer);
    }

    fn has_timer(&self, node: u32, timer: P::Timer) -> bool {
        self.network.timers[node as usize]
            .iter()
            .any(|entry| entry.3 == timer)
    }

    // In the page one copy per protocol, not one per call in its handlers (its size).
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn learn(&mut self, node: u32, message: u32, from: u32) -> bool {
        let index = node as usize;
        let bit = 1 << message;
        let network = &mut *self.network;
        if network.known[index] & bit != 0 {
            self.counters.redundant += 1;
            return false;
        }
        network.known[index] |= bit;
        if !network.crashed[index] {
            network.holders[message as usize] += 1;
        }
        if network.fresh[index] == 0 {
            network.fresh_nodes.push(node);
        }
        network.fresh[index] |= bit;
        if network.known[index] == network.all {
            network.order.push(node);
            network.informed_round[index] = network.round;
            network.informed_tick[index] = network.now;
            network.informer[index] = from;
            network.informed_live += 1;
        }
        self.taught = true;
        if let Some(kind) = self.delivering {
            self.counters.repaired += u64::from(P::REPAIR_KINDS >> kind & 1);
        }
        let (tick, hop) = (network.now, self.hop.saturating_sub(1));
        self.recorder.learned(|| Learned {
            tick,
            hop,
            node,
            message,
            from,
        });
        true
    }

    fn knows(&self, node: u32, message: u32) -> bool {
        self.network.known[node as usize] >> message & 1 == 1
    }

    fn state(&self, node: u32) -> &P::Node {
        &self.network.states[node as usize]
    }

    fn state_mut(&mut self, node: u32) -> &mut P::Node {
        &mut self.network.states[node as usize]
    }

    fn count_multicast(&mut self, kind: KindId) {
        self.counters.multicasts[kind as usize % MAX_KINDS] += 1;
    }

    fn wake_after(&mut self, after: Tick, timer: P::Timer) {
        let tick = self.network.now + after;
        self.schedule(tick, Pending::Wake { timer });
    }

    fn copy_fate(&mut self, from: u32, to: u32, round: u32) -> Fate {
        // The draws of `send_with`, in its order: the loss, then the cut.
        let lost = self.draws_loss();
        let links = &self.network.links;
        if links
            .partitions
            .blocks(round, from, to, self.network.nodes, links.racks.racks)
        {
            Fate::Partitioned
        } else if lost {
            Fate::Lost
        } else {
            Fate::Arrived
        }
    }

    fn count_copies(&mut self, kind: KindId, copies: Copies) {
        let counters = &mut *self.counters;
        counters.by_kind[kind as usize % MAX_KINDS] += copies.sent;
        counters.lost += copies.lost;
        counters.partitioned += copies.partitioned;
        counters.at_sender += copies.at_sender;
        counters.to_crashed += copies.to_crashed;
    }

    fn recording(&self) -> bool {
        self.recorder.is_some()
    }

    fn record_copy(&mut self, contact: Contact) {
        self.recorder.contact(|| contact);
    }

    fn note(&mut self, node: u32, change: Change) {
        let tick = self.network.now;
        self.recorder.event(NodeEvent { tick, node, change });
    }
}
