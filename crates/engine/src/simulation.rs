//! A run: `step()` plays one round and reports what happened. The protocol and its driver sit
//! behind one `dyn Run`, called once per round, never per datagram.

use super::config::{Config, ConfigError, Group};
use super::drivers::event::Racks;
use super::drivers::{Recording, Run};
use super::failures::{self, CrashSchedule, Delay};
use super::protocol::Structure;
use super::protocols;
use super::report::{
    Contact, Counters, Kind, PartitionEvent, RoundReport, TICKS_PER_ROUND, Tick, round_start,
};
use super::rng::{Rng, Stream};
use super::spec::{Law, Lesson, Measures};

/// A tick in periods: exact when `timed`; otherwise the end of the tick's round (what a
/// synchronous round teaches is usable from the next round).
pub fn periods(tick: Tick, timed: bool) -> f64 {
    let rounds = tick as f64 / TICKS_PER_ROUND as f64;
    if timed { rounds } else { rounds.floor() + 1.0 }
}

/// `Simulation::warning`'s text: loss = 1.
pub const CANNOT_SPREAD: &str = "loss = 1: every datagram is dropped, so the message cannot spread";

/// When the informed nodes got the message, in periods.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrivals {
    /// The mean over the informed live nodes that were not senders (t_ave).
    pub mean: f64,
    /// The last of them (t_last).
    pub last: f64,
}

/// `config`'s run on the event driver, plain gossip included (`delay` overrides the configured
/// one); rumor mongering and push-then-pull run there anyway.
fn events_run(config: &Config, delay: Option<Delay>) -> Box<dyn Run> {
    config.mode.spec().build_on_events(config, delay)
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Some live node is still uninformed and something can still happen.
    Running,
    /// Every live node is informed; `rounds` is how many rounds it took.
    Completed { rounds: u32 },
    /// The round limit was reached with live nodes still uninformed.
    Stopped { rounds: u32 },
    /// The protocol has nothing left to do and some live nodes never got the message (a UDP
    /// sweep with losses, a tree cut by a crash or a loss without repair).
    Ended { rounds: u32 },
}

/// What `Simulation::step_within` did.
#[derive(Debug)]
pub enum Slice {
    /// A round ended: its report.
    Round(Box<RoundReport>),
    /// The round goes on at the next call (its budget was spent).
    Part,
    /// The run has completed, ended or stopped: nothing was played.
    Over,
}

pub struct Simulation {
    config: Config,
    run: Box<dyn Run>,
    round_limit: u32,
    totals: Counters,
    /// The most datagrams that arrived at node 0 in one round.
    peak_at_sender: u64,
    /// Whether reports carry every datagram, knowledge change and node event (for animation).
    records: bool,
    // async-racks
    /// The most datagrams through the core switch in one round.
    peak_through_core: u64,
    /// Many messages: per message, the round every live node first held it.
    message_done: Vec<Option<u32>>,
    // Failures and delays.
    /// Chooses the crash schedule's victims (its own stream: the run's other draws are unchanged).
    crash_rng: Rng,
    /// The configuration's crash schedule (`Config::crash_schedule`), looked up every round.
    crash_schedule: CrashSchedule,
    /// A round begun by `step_within` and not ended: its recording so far and its partitions.
    partial: Option<(Recording, Vec<PartitionEvent>)>,
    /// Partitions: periods from the last heal until every live member listed every other live
    /// member alive (membership protocols; `None`: not yet, or no heal).
    rejoin_time: Option<f64>,
}

impl Simulation {
    /// A run that does not record its datagrams (fast path for large N and ensembles).
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        Self::build(config, false)
    }

    /// A run whose reports carry every datagram, for animation.
    pub fn with_contacts(config: Config) -> Result<Self, ConfigError> {
        Self::build(config, true)
    }

    fn build(config: Config, records: bool) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self::around(protocols::build(&config), config, records))
    }

    /// A fresh simulation of `run`, which plays `config`.
    pub(crate) fn around(run: Box<dyn Run>, config: Config, records: bool) -> Self {
        Simulation {
            run,
            round_limit: config.round_limit(),
            totals: Counters::default(),
            peak_at_sender: 0,
            records,
            peak_through_core: 0,
            message_done: vec![
                None;
                if config.many_messages() {
                    config.messages.count as usize
                } else {
                    0
                }
            ],
            crash_rng: Rng::new(config.seed, Stream::CrashSchedule),
            crash_schedule: config.crash_schedule(),
            partial: None,
            rejoin_time: None,
            config,
        }
    }

    /// The messages protocol even for M = 1 (the test that one message is exactly the single
    /// rumor's run).
    #[doc(hidden)]
    pub fn with_messages_protocol(config: Config, records: bool) -> Result<Self, ConfigError> {
        config.validate()?;
        let law = config.mode.spec().law(&config).unwrap_or(Law {
            push: true,
            pull: false,
        });
        let run = protocols::gossip::build_messages(&config, law);
        let mut simulation = Self::around(run, config, records);
        simulation.message_done = vec![None; simulation.config.messages.count as usize];
        Ok(simulation)
    }

    /// The same configuration on the event driver (for the differential test: with zero delay
    /// it must give exactly the fast driver's run), with an optional fixed delay in ticks.
    #[doc(hidden)]
    pub fn on_event_driver(config: Config, delay: u64, records: bool) -> Result<Self, ConfigError> {
        config.validate()?;
        let delay = (delay > 0).then(|| Delay::Fixed(delay as f64 / TICKS_PER_ROUND as f64));
        let run = events_run(&config, delay);
        Ok(Self::around(run, config, records))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The datagram kinds this run's protocol sends.
    pub fn kinds(&self) -> &'static [Kind] {
        protocols::kinds(&self.config)
    }

    /// How the stage lays the nodes out: the protocol's descriptor says.
    pub fn structure(&self) -> Structure {
        self.config.mode.spec().structure(&self.config)
    }

    /// What the lesson's figure is measured from, so far.
    pub fn measures(&self) -> Measures {
        Measures {
            totals: self.totals(),
            peak_at_sender: self.peak_at_sender,
            live: self.live(),
            informed: self.informed(),
            completed: match self.status() {
                Status::Completed { rounds } => Some(rounds),
                _ => None,
            },
            first_detection: self.membership().and_then(|round| round.first_detection),
            per_message: self.message_figures(),
        }
    }

    /// The protocol's figures per message (`ProtocolSpec::message_figures`), figure by figure,
    /// one value per message; empty for protocols without them.
    pub fn message_figures(&self) -> Vec<f64> {
        self.run.message_figures()
    }

    /// The protocol's lesson: its figure, what theory expects and what this run measured.
    pub fn lesson(&self) -> Option<Lesson> {
        protocols::lesson(&self.config, Some(&self.measures()))
    }

    /// Rounds played so far.
    /// Rounds ended (a round under way, begun by `step_within`, is not counted until it ends).
    pub fn round(&self) -> u32 {
        self.run.round() - u32::from(self.run.mid_round())
    }

    /// Whether a round has begun and not ended (`step_within` spent its budget).
    pub fn mid_round(&self) -> bool {
        self.run.mid_round()
    }

    pub fn live(&self) -> u32 {
        self.run.live()
    }

    /// Informed live nodes.
    pub fn informed(&self) -> u32 {
        self.run.informed()
    }

    /// Informed nodes in the order they were reached (senders first).
    pub fn informed_order(&self) -> &[u32] {
        self.run.informed_order()
    }

    // sweep: hops from the sender, from the informers the drivers keep anyway (no cost in
    // the rounds; O(N) when asked).
    /// Who informed each informed node, in the order they were informed: (node, informer),
    /// informer None for the senders.
    pub fn parents(&self) -> Vec<(u32, Option<u32>)> {
        let mut parents = Vec::with_capacity(self.informed_order().len());
        self.run
            .for_each_parent(&mut |node, parent| parents.push((node, parent)));
        parents
    }

    /// Per node, its hops from the senders along the informers (0 for a sender; None if never
    /// informed, or if its informers do not lead back to a sender: a packet stream's informer is
    /// who sent its last packet, which may not hold them all).
    pub fn hops(&self) -> Vec<Option<u32>> {
        let mut hops = vec![None; self.config.nodes as usize];
        let mut parent_of = vec![None; self.config.nodes as usize];
        let mut later = Vec::new();
        for (node, parent) in self.parents() {
            match parent {
                None => hops[node as usize] = Some(0),
                Some(parent) => {
                    parent_of[node as usize] = Some(parent);
                    match hops[parent as usize] {
                        Some(hop) => hops[node as usize] = Some(hop + 1),
                        None => later.push(node),
                    }
                }
            }
        }
        // An informer informed after the node it informed (packet streams only): repeat until
        // nothing changes, so a cycle of informers stays None.
        while !later.is_empty() {
            let before = later.len();
            later.retain(|&node| {
                let parent = parent_of[node as usize].expect("only nodes with an informer wait");
                match hops[parent as usize] {
                    Some(hop) => {
                        hops[node as usize] = Some(hop + 1);
                        false
                    }
                    None => true,
                }
            });
            if later.len() == before {
                break;
            }
        }
        hops
    }

    /// How many nodes are h hops from the senders, for h = 0, 1, ... (the histogram of `hops`).
    pub fn hop_histogram(&self) -> Vec<u32> {
        let mut histogram = Vec::new();
        for hop in self.hops().into_iter().flatten() {
            let hop = hop as usize;
            if histogram.len() <= hop {
                histogram.resize(hop + 1, 0);
            }
            histogram[hop] += 1;
        }
        histogram
    }

    /// The round `node` was informed in (0 for senders) and who informed it (None for senders).
    pub fn informed_when_and_by(&self, node: u32) -> Option<(u32, Option<u32>)> {
        self.run.informed_when_and_by(node)
    }

    /// When `node` came to know every message, in periods (rounds): `Config::timed` runs count
    /// the exact tick (a round is 1.0); synchronous instant rounds credit what is learned in
    /// round r at the end of round r, r.0, so the value is the familiar round count.
    pub fn informed_time(&self, node: u32) -> Option<f64> {
        let tick = self.run.informed_tick(node)?;
        Some(periods(tick, self.config.timed()))
    }

    /// Periods from the start until every live node was informed, `None` before then.
    pub fn completion_time(&self) -> Option<f64> {
        let Status::Completed { rounds } = self.status() else {
            return None;
        };
        if !self.config.timed() && !self.run.stops_by_rule() {
            return Some(f64::from(rounds));
        }
        Some(self.arrivals().map_or(0.0, |arrivals| arrivals.last))
    }

    /// When the live nodes that were not senders got the message, in periods (Demers et al.'s
    /// t_ave and t_last); `None` if none of them has it.
    pub fn arrivals(&self) -> Option<Arrivals> {
        let (count, sum, last) = self
            .run
            .arrival_sums(self.config.senders, self.config.timed());
        (count > 0).then(|| Arrivals {
            mean: sum / f64::from(count),
            last,
        })
    }

    pub fn is_crashed(&self, node: u32) -> bool {
        self.run.is_crashed(node)
    }

    /// Rumor mongering: whether `node` still spreads the rumor (infective: `Some(true)`) or has
    /// lost interest by the stop rule (removed: `Some(false)`; also a node never informed);
    /// `None` for protocols without a stop rule.
    pub fn spreading(&self, node: u32) -> Option<bool> {
        self.run.spreading(node)
    }

    /// Cassandra: the phi `observer`'s failure detector holds about `member` now, between
    /// rounds; `None` about itself (a node does not judge itself), before it has heard of the
    /// member, and for the other protocols.
    pub fn phi(&self, observer: u32, member: u32) -> Option<f64> {
        (observer != member)
            .then(|| self.run.phi(observer, member))
            .flatten()
    }

    /// The messages (packets) `node` holds, as a bitmap (bit m: packet m).
    pub fn known(&self, node: u32) -> u64 {
        self.run.known(node)
    }

    /// Messages (packets) a node must hold to count as informed.
    pub fn messages(&self) -> u32 {
        self.run.messages()
    }

    pub fn round_limit(&self) -> u32 {
        self.round_limit
    }

    /// Datagram counters summed over every round played.
    pub fn totals(&self) -> Counters {
        self.totals
    }

    /// The most datagrams that arrived at node 0 in one round so far.
    pub fn peak_at_sender(&self) -> u64 {
        self.peak_at_sender
    }

    pub fn status(&self) -> Status {
        self.run.status(self.round_limit)
    }

    /// Why the protocol stopped the run before its end, in one line (SWIM: its lists outgrew
    /// the memory the estimate allowed them); `None` if it did not.
    pub fn halted(&self) -> Option<String> {
        self.run.halted()
    }

    /// Why a run cannot spread at all, in words for the user; `None` when it can.
    pub fn warning(&self) -> Option<&'static str> {
        (self.config.mean_loss() >= 1.0 && self.live() > self.informed()).then_some(CANNOT_SPREAD)
    }

    /// Crashes `node` before the next round (event-driven protocols); false if this run's driver
    /// cannot (gossip on the fast driver).
    pub fn crash(&mut self, node: u32) -> bool {
        // Between rounds only: a round under way ends first (`step`).
        if node == 0 || node >= self.config.nodes || self.mid_round() {
            return false;
        }
        let crashed = self.run.crash(node) || (self.move_to_event_driver() && self.run.crash(node));
        // membership: the run's first crash is the one measured.
        self.run.watch(node, round_start(self.round() + 1));
        crashed
    }

    /// Recovers `node` before the next round, with its state or empty (the fast driver moves to
    /// the event driver first, as for `crash`).
    pub fn recover(&mut self, node: u32, keep_state: bool) -> bool {
        if node >= self.config.nodes || self.mid_round() {
            return false;
        }
        self.run.recover(node, keep_state)
            || (self.move_to_event_driver() && self.run.recover(node, keep_state))
    }

    /// Replays this run on the event driver up to the current round and continues there.
    fn move_to_event_driver(&mut self) -> bool {
        let mut run = events_run(&self.config, None);
        let mut counters = Counters::default();
        for _ in 0..self.round() {
            run.play(None, &mut counters);
        }
        debug_assert_eq!(run.informed_order(), self.run.informed_order());
        self.run = run;
        true
    }

    /// Datagrams sent and not yet arrived (delays).
    pub fn in_flight(&self) -> u64 {
        self.run.in_flight()
    }

    /// The datagrams in flight now, as contacts: sent, due, from and to (delays; for the stage).
    pub fn flying(&self) -> Vec<Contact> {
        self.run.flying()
    }

    /// The crash schedule's entries due at the start of the next round: their victims crash now.
    fn crash_as_scheduled(&mut self) {
        // A round under way had its crashes before it began.
        if self.crash_schedule.is_empty() || self.mid_round() {
            return;
        }
        let next = self.round() + 1;
        // Most rounds crash no one: a light round (a unicast) is worth checking cheaply.
        if !self
            .crash_schedule
            .entries()
            .iter()
            .any(|entry| entry.round == next)
        {
            return;
        }
        let schedule = self.crash_schedule;
        // membership: the membership modes crash one node by default; the joiner
        // is never a victim.
        let joiner = (self.config.mode.group() == Group::Membership)
            .then(|| self.config.membership.joiner(self.config.nodes))
            .flatten();
        for &entry in schedule
            .entries()
            .iter()
            .filter(|entry| entry.round == next)
        {
            let run = &self.run;
            let victims = failures::choose_victims(
                entry,
                self.config.nodes,
                self.config.senders,
                |node| run.is_crashed(node) || Some(node) == joiner,
                &mut self.crash_rng,
            );
            for &node in &victims {
                self.run.crash(node);
            }
            // membership: the lowest victim of the first crash is watched.
            if let Some(&first) = victims.iter().min() {
                self.run.watch(first, round_start(next));
            }
        }
    }

    /// Plays one round (or the rest of the one under way); `None` once the run has completed,
    /// ended or stopped.
    pub fn step(&mut self) -> Option<RoundReport> {
        match self.step_within(u64::MAX) {
            Slice::Round(report) => Some(*report),
            Slice::Part | Slice::Over => None,
        }
    }

    /// Plays one round, or goes on with the one under way, until it ends or about `budget`
    /// datagrams and queued events are done (the event driver's runs; the fast driver's rounds
    /// always play whole). A round cut into parts is the same round, event for event: a seed
    /// gives the same run whatever the budgets. Between parts the run stands mid-round (`round`
    /// counts the rounds ended; crash and recover nodes only between rounds).
    pub fn step_within(&mut self, budget: u64) -> Slice {
        let (mut recording, partitions) = match self.partial.take() {
            Some(partial) => partial,
            None => {
                if self.status() != Status::Running {
                    return Slice::Over;
                }
                self.crash_as_scheduled();
                (Recording::default(), self.partition_events())
            }
        };
        let mut counters = Counters::default();
        let Some(first_new) = self.run.play_within(
            self.records.then_some(&mut recording),
            budget,
            &mut counters,
        ) else {
            self.partial = Some((recording, partitions));
            return Slice::Part;
        };
        self.account(&counters);
        let holders = (0..self.message_done.len() as u32)
            .map(|message| self.run.holders(message))
            .collect();
        Slice::Round(Box::new(RoundReport {
            round: self.round(),
            newly_informed: self.informed_order()[first_new.min(self.informed_order().len())..]
                .to_vec(),
            informed: self.informed(),
            counters,
            contacts: recording.contacts,
            learned: recording.learned,
            events: recording.events,
            partitions,
            timers: recording.timers,
            timer_log: recording.timer_log,
            links: if self.records {
                self.run.links()
            } else {
                Vec::new()
            },
            holders,
            in_flight: self.in_flight(),
            // Only where a datagram's delay is drawn: untimed protocols (SRM's storms) keep a
            // quarter of a million datagrams queued, and listing them cost a recorded round a
            // third of its time.
            flying: if self.records && self.config.timed() {
                self.flying()
            } else {
                Vec::new()
            },
            membership: self.run.membership(self.records),
        }))
    }

    // membership
    /// The membership figures so far (heartbeat, SWIM, Cassandra), without the matrix.
    pub fn membership(&self) -> Option<crate::report::MembershipRound> {
        self.run.membership(false)
    }

    /// Plays rounds until the run completes, ends or stops, without building reports.
    pub fn run_to_end(&mut self) -> Status {
        // A round under way ends without its recording.
        self.partial = None;
        // One round's counters, filled by each round in place (a light round's cost is
        // mostly such bookkeeping: a round per unicast for centralized at N = 10^6).
        let mut counters = Counters::default();
        while self.status() == Status::Running {
            self.crash_as_scheduled();
            self.run.play(None, &mut counters);
            self.account(&counters);
        }
        self.status()
    }

    fn account(&mut self, counters: &Counters) {
        self.totals.add(counters);
        self.note_rejoin();
        self.peak_at_sender = self.peak_at_sender.max(counters.at_sender);
        self.peak_through_core = self.peak_through_core.max(counters.through_core); // async-racks
        self.note_messages_done();
    }

    /// The partitions starting or healing at the start of the next round.
    fn partition_events(&self) -> Vec<PartitionEvent> {
        let next = self.round() + 1;
        let tick = round_start(next);
        let mut events = Vec::new();
        for (entry, partition) in self.config.partitions.entries().iter().enumerate() {
            let entry = entry as u32;
            if partition.round == next {
                events.push(PartitionEvent {
                    tick,
                    entry,
                    healed: false,
                });
            }
            if partition.heal == Some(next) {
                events.push(PartitionEvent {
                    tick,
                    entry,
                    healed: true,
                });
            }
        }
        events
    }

    /// The partitions whose cut holds during round `round` (for the stage), by their index in
    /// the schedule.
    pub fn partitions_holding(&self, round: u32) -> Vec<usize> {
        let partitions = self.config.partitions.entries();
        (0..partitions.len())
            .filter(|&entry| partitions[entry].holds(round))
            .collect()
    }

    /// The side of the cut of partition `entry` that `node` is on (sides 0, 1, ...; nodes an
    /// explicit split does not name share side 255).
    pub fn partition_side(&self, entry: usize, node: u32) -> u8 {
        self.config.partitions.entries()[entry].split.side(
            node,
            self.config.nodes,
            self.racks().racks,
        )
    }

    /// Membership after the last heal: the first round that ends with every live member
    /// listing every other live member alive.
    fn note_rejoin(&mut self) {
        let Some(heal) = self.config.partitions.last_heal() else {
            return;
        };
        let round = self.round();
        if self.rejoin_time.is_none() && round >= heal && self.run.consistent() == Some(true) {
            self.rejoin_time = Some(f64::from(round - heal + 1));
        }
    }

    /// Periods from the last partition's heal until every live member listed every other live
    /// member alive (membership protocols; `None` before then, or without a heal).
    pub fn rejoin_time(&self) -> Option<f64> {
        self.rejoin_time
    }

    // async-racks
    /// The most datagrams through the core switch in one round so far (racks > 1).
    pub fn peak_through_core(&self) -> u64 {
        self.peak_through_core
    }

    /// The racks this run's gossip uses (flat: one rack), for the stage's layout.
    pub fn racks(&self) -> Racks {
        if self.config.mode.group() == Group::Gossip && self.config.racks > 1 {
            Racks::new(self.config.racks, self.config.cross)
        } else {
            Racks::FLAT
        }
    }

    /// Many messages: marks the messages every live node now holds (first time only).
    fn note_messages_done(&mut self) {
        let (round, live) = (self.run.round(), self.run.live());
        for (message, done) in self.message_done.iter_mut().enumerate() {
            if done.is_none() && self.run.holders(message as u32) >= live {
                *done = Some(round);
            }
        }
    }

    /// Many messages: per message, its latency in rounds, from its injection round until every
    /// live node held it (`None`: not yet); empty with a single message.
    pub fn message_latencies(&self) -> Vec<Option<u32>> {
        let params = self.config.messages;
        self.message_done
            .iter()
            .enumerate()
            .map(|(message, done)| done.map(|round| round - params.injected_round(message as u32)))
            .collect()
    }

    /// Many messages: live nodes holding each message now.
    pub fn holders(&self) -> Vec<u32> {
        (0..self.message_done.len() as u32)
            .map(|message| self.run.holders(message))
            .collect()
    }
}
