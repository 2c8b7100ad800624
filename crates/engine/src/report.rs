//! What a step did: the record the UI animates and the CLI tabulates. The UI reads timings, kinds
//! and fates from here and never re-derives a protocol rule.

use serde::Serialize;

/// Time inside a run. Round r (from 1) spans ticks [(r - 1) T, r T), T = `TICKS_PER_ROUND`, so a
/// timer of "1.5 hops" is exact and a round stays a round.
pub type Tick = u64;
pub const TICKS_PER_ROUND: Tick = 100;

/// The first tick of round `round` (round 1 starts at tick 0).
pub fn round_start(round: u32) -> Tick {
    Tick::from(round.saturating_sub(1)) * TICKS_PER_ROUND
}

/// Index of a datagram kind in its protocol's `Protocol::KINDS`.
pub type KindId = u8;

/// At most this many kinds per protocol, so counters stay a fixed-size `Copy` value.
pub const MAX_KINDS: usize = 8;

/// How the stage draws a kind; the palette maps each look to a colour and a shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Look {
    /// The message itself, pushed or forwarded (solid blue).
    Data,
    /// A question: a pull request, a repair request (hollow green).
    Request,
    /// An answer that carries the message (solid green).
    Reply,
    /// An answer without news (hollow green).
    EmptyReply,
    /// An acknowledgement (hollow purple).
    Ack,
    /// The message sent again to repair a loss (solid purple).
    Repair,
    /// The message sent again by multicast to a whole region, because many of it lack it
    /// (solid olive brown): one look for all its copies, so the stage tells it from unicast
    /// repairs.
    RegionalRepair,
}

/// A datagram kind a protocol declares: counted, drawn and listed by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Kind {
    /// Name in the CLI's JSON (`kinds_per_node`) and the datagram chart.
    pub name: &'static str,
    /// Whether it carries the message (payload) or is control traffic.
    pub payload: bool,
    pub look: Look,
    /// The legend's words.
    pub label: &'static str,
}

/// Datagram counters of a step or of a whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Every datagram sent.
    pub datagrams: u64,
    /// Datagrams of a kind that carries the message.
    pub payload: u64,
    /// Datagrams that carry no message (requests, empty replies, ACKs).
    pub control: u64,
    /// Payloads that arrived at a node that already had the message.
    pub redundant: u64,
    /// Datagrams the network dropped (probability `loss` each).
    pub lost: u64,
    /// Datagrams that reached a crashed node and vanished there.
    pub to_crashed: u64,
    /// Datagrams dropped because they crossed a partition's cut.
    pub partitioned: u64,
    /// Datagrams that arrived at node 0, the sender (ACK implosion shows here).
    pub at_sender: u64,
    /// Datagrams between racks, through the core switch (racked networks only).
    pub through_core: u64,
    /// Messages learned from a repair or retransmission: deliveries lost once and repaired.
    pub repaired: u64,
    /// Datagrams sent, per kind (indexed like the protocol's `KINDS`).
    #[serde(skip)]
    pub by_kind: [u64; MAX_KINDS],
    /// Multicasts started, per kind (SRM's NAKs: one per request, however many hops it floods).
    #[serde(skip)]
    pub multicasts: [u64; MAX_KINDS],
}

impl Counters {
    /// Zeroes every count, in place and word by word: the compiler would make one 208-byte
    /// memset of it, which the page's wasm runs as a call into the browser's runtime, once a
    /// round (a million rounds for centralized at N = 10^6).
    pub fn clear(&mut self) {
        const WORDS: usize = std::mem::size_of::<Counters>() / 8;
        const { assert!(std::mem::size_of::<Counters>() == WORDS * 8) };
        let words = std::ptr::from_mut(self).cast::<u64>();
        for index in 0..WORDS {
            // SAFETY: a `Counters` is `WORDS` u64s and nothing else (no padding: every field
            // is a u64 or an array of them), so each word written is one of its own, and zero
            // is a valid value for each.
            unsafe { words.add(index).write_volatile(0) };
        }
    }

    /// Fills `datagrams`, `payload` and `control` from the per-kind counts, which are all the
    /// drivers count per datagram (fewer live counters in the hot loop).
    pub fn complete(&mut self, payload_kinds: u8) {
        self.datagrams = self.by_kind.iter().sum();
        self.payload = (0..MAX_KINDS)
            .filter(|&kind| payload_kinds >> kind & 1 == 1)
            .map(|kind| self.by_kind[kind])
            .sum();
        self.control = self.datagrams - self.payload;
    }

    pub fn add(&mut self, other: &Counters) {
        self.datagrams += other.datagrams;
        self.payload += other.payload;
        self.control += other.control;
        self.redundant += other.redundant;
        self.lost += other.lost;
        self.to_crashed += other.to_crashed;
        self.partitioned += other.partitioned;
        self.at_sender += other.at_sender;
        self.through_core += other.through_core;
        self.repaired += other.repaired;
        for (total, count) in self.by_kind.iter_mut().zip(other.by_kind) {
            *total += count;
        }
        for (total, count) in self.multicasts.iter_mut().zip(other.multicasts) {
            *total += count;
        }
    }
}

/// What became of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fate {
    /// Dropped by the network.
    Lost,
    /// Arrived at a crashed node.
    Crashed,
    /// Taught its receiver something new.
    Informed,
    /// Carried only what its receiver already knew.
    Redundant,
    /// Arrived, carrying no message (a request, an ACK, "nothing new").
    Arrived,
    /// Dropped at a partition's cut (last, so the other fates keep their numbers).
    Partitioned,
}

impl Fate {
    pub fn delivered(self) -> bool {
        !matches!(self, Fate::Lost | Fate::Crashed | Fate::Partitioned)
    }
}

/// One datagram, for animation (collected only when asked for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub from: u32,
    pub to: u32,
    pub kind: KindId,
    pub fate: Fate,
    /// When it left, and when it arrived (or would have, if lost).
    pub sent: Tick,
    pub arrives: Tick,
    /// Within one tick, what caused what: 0 for a datagram sent by a round or a timer, h + 1 for
    /// one sent on receipt of a hop-h datagram (a pull reply answers its request at hop 1).
    pub hop: u8,
}

/// Something that happened to a node, other than learning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Crashed,
    Recovered,
    /// It gave up waiting for its parent and asked an ancestor instead (tree repair).
    Reattached {
        to: u32,
    },
    // membership: the node (an observer) changed its view of `member`.
    /// It suspects `member` (SWIM: no ack, directly or through k others).
    Suspected {
        member: u32,
    },
    /// It considers `member` failed (heartbeat: T_fail; SWIM: confirmed; Cassandra: convicted).
    Failed {
        member: u32,
    },
    /// It considers `member` alive again (SWIM: a higher incarnation refuted the suspicion;
    /// heartbeat, Cassandra: a newer heartbeat arrived).
    Refuted {
        member: u32,
    },
    /// It joined the group through the seed (or rejoined after a recovery without its state).
    Joined,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NodeEvent {
    pub tick: Tick,
    pub node: u32,
    pub change: Change,
}

/// A partition starting or healing, at the first tick of the round it does (for the stage and
/// traces). `entry` indexes the configuration's partition schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionEvent {
    pub tick: Tick,
    pub entry: u32,
    /// false: the cut starts dropping datagrams; true: it heals.
    pub healed: bool,
}

/// A knowledge change: `node` learned `message` from `from` (itself for a sender), at `tick`,
/// carried by a datagram of hop `hop` (see `Contact::hop`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Learned {
    pub tick: Tick,
    pub hop: u8,
    pub node: u32,
    pub message: u32,
    pub from: u32,
}

/// How the stage draws a link of the protocol's overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkStyle {
    /// A link that carries the message itself (a broadcast tree's eager link).
    Solid,
    /// A link held in reserve, carrying announcements only (a lazy link).
    Dashed,
}

/// A link between two nodes of the protocol's overlay as it stands after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub style: LinkStyle,
}

/// A timer pending at the end of a step, for the stage (an arc that fills until it fires).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PendingTimer {
    pub node: u32,
    pub set: Tick,
    pub due: Tick,
    pub name: &'static str,
}

/// What happened to a named timer (the trace's `timer_set` and `timer_fired`, with `cancelled` when given up).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimerStep {
    Set,
    Fired,
    /// The protocol gave it up (SRM's suppression, a refuted suspicion). A crash kills a node's
    /// timers without an entry: its crash says it.
    Cancelled,
}

/// One step of a named timer's life, at `tick`: `timer` says whose, when set and when due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimerChange {
    pub tick: Tick,
    pub step: TimerStep,
    pub timer: PendingTimer,
}

/// Everything one call to `Simulation::step` (one round) did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RoundReport {
    /// 1 for the first round.
    pub round: u32,
    /// Nodes that came to know every message in this round, in the order they did.
    pub newly_informed: Vec<u32>,
    /// Informed live nodes after this round.
    pub informed: u32,
    pub counters: Counters,
    /// Every datagram of the round; empty unless the run records.
    pub contacts: Vec<Contact>,
    /// Every knowledge change of the round; empty unless the run records.
    pub learned: Vec<Learned>,
    /// Crashes, recoveries and re-attachments of the round; empty unless the run records.
    pub events: Vec<NodeEvent>,
    /// Partitions that started or healed at the round's start (recorded runs and not).
    pub partitions: Vec<PartitionEvent>,
    /// Timers pending when the round ended; empty unless the run records.
    pub timers: Vec<PendingTimer>,
    /// Every named timer set, fired or cancelled in the round; empty unless the run records.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timer_log: Vec<TimerChange>,
    /// The protocol's overlay links after the round, for the stage to draw solid or dashed;
    /// empty unless the run records and the protocol keeps an overlay.
    pub links: Vec<Link>,
    /// Many messages: live nodes holding each message after this round (index: message);
    /// empty with a single message.
    pub holders: Vec<u32>,
    // Failures and delays.
    /// Datagrams sent and not yet arrived when the round ended.
    pub in_flight: u64,
    /// Those datagrams, with their send and arrival ticks; empty unless the run records and its
    /// datagrams can be delayed (`Config::timed`: `Simulation::flying` lists them for any run).
    pub flying: Vec<Contact>,
    // membership
    /// Heartbeat, SWIM, Cassandra: who believes what, and the detection measures so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership: Option<MembershipRound>,
}

// membership
/// A membership round: the watched crash's detection so far, the join, and (page, N <= 300)
/// every observer's view of every member.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MembershipRound {
    /// The watched crash: the first node to crash in the run (the lowest id of its round).
    pub target: Option<u32>,
    /// Live observers of the target (joined, not crashed).
    pub observers: u32,
    /// Of those, how many suspect it now, and how many have considered it failed.
    pub suspecting: u32,
    pub failing: u32,
    /// Periods from the crash until the first live observer suspected or failed it, and until
    /// every live observer had considered it failed.
    pub first_detection: Option<f64>,
    pub all_detection: Option<f64>,
    /// A live observer marking a live member failed, counted since the start.
    pub false_detections: u64,
    /// The joining node, and periods from its join until every live node listed it alive.
    pub joiner: Option<u32>,
    pub join_time: Option<f64>,
    /// Bytes sent since the start (the byte-size model of `protocols::membership::bytes`).
    pub bytes: u64,
    /// Cassandra: each conviction of the target, (observer, periods without news, mean
    /// interval in periods) when it happened.
    #[serde(skip)]
    pub convictions: Vec<(u32, f64, f64)>,
    /// Row-major N x N: observer's view of member, 0 unknown, 1 alive, 2 suspected, 3 failed,
    /// 4 the observer has crashed; empty when N > 300 or the run does not record.
    #[serde(skip)]
    pub views: Vec<u8>,
}

#[cfg(test)]
mod counters_tests {
    use super::{Counters, MAX_KINDS};

    #[test]
    fn clearing_counters_zeroes_every_count() {
        let mut counters = Counters {
            datagrams: 1,
            payload: 2,
            control: 3,
            redundant: 4,
            lost: 5,
            to_crashed: 6,
            partitioned: 7,
            at_sender: 8,
            through_core: 9,
            repaired: 10,
            by_kind: [11; MAX_KINDS],
            multicasts: [12; MAX_KINDS],
        };
        counters.clear();
        assert_eq!(counters, Counters::default());
    }
}
