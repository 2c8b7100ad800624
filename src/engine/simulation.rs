//! A gossip run: `step()` plays one synchronous round and reports what happened.

use super::config::{Config, ConfigError, Mode};
use super::network::{Loss, Lossless, Lossy, Network, Recorder};
use super::protocols::{pull, push, push_pull};
use super::report::Contact;
use super::report::{Counters, RoundReport};
use super::rng::{Chance, Rng, Stream};

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Some live node is still uninformed and the round limit is not reached.
    Running,
    /// Every live node is informed; `rounds` is how many rounds it took.
    Completed { rounds: u32 },
    /// The round limit was reached with live nodes still uninformed.
    Stopped { rounds: u32 },
}

pub struct Simulation {
    config: Config,
    network: Network,
    rng: Rng,
    live: u32,
    round: u32,
    round_limit: u32,
    totals: Counters,
    /// The last round's datagrams, when the run animates them.
    contacts: Option<Vec<Contact>>,
}

impl Simulation {
    /// A run that does not collect contacts (fast path for large N and ensembles).
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        Self::build(config, false)
    }

    /// A run that records every datagram in its reports, for animation.
    pub fn with_contacts(config: Config) -> Result<Self, ConfigError> {
        Self::build(config, true)
    }

    fn build(config: Config, collect_contacts: bool) -> Result<Self, ConfigError> {
        config.validate()?;
        let crashed = choose_crashed(&config);
        let network = Network::new(config.nodes, config.senders, &crashed);
        Ok(Simulation {
            rng: Rng::new(config.seed, Stream::Gossip),
            live: config.live_count(),
            round: 0,
            round_limit: config.round_limit(),
            totals: Counters::default(),
            contacts: collect_contacts.then(Vec::new),
            network,
            config,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Rounds played so far.
    pub fn round(&self) -> u32 {
        self.round
    }

    pub fn live(&self) -> u32 {
        self.live
    }

    pub fn informed(&self) -> u32 {
        self.network.informed_count()
    }

    pub fn round_limit(&self) -> u32 {
        self.round_limit
    }

    /// Datagram counters summed over every round played.
    pub fn totals(&self) -> Counters {
        self.totals
    }

    pub fn status(&self) -> Status {
        if self.informed() == self.live {
            Status::Completed { rounds: self.round }
        } else if self.round >= self.round_limit {
            Status::Stopped { rounds: self.round }
        } else {
            Status::Running
        }
    }

    /// Why a run cannot spread at all, in words for the user; `None` when it can.
    pub fn warning(&self) -> Option<&'static str> {
        (self.config.loss >= 1.0 && self.live > self.informed())
            .then_some("loss = 1: every datagram is dropped, so the rumor cannot spread")
    }

    /// Plays one round; `None` once the run has completed or stopped.
    pub fn step(&mut self) -> Option<RoundReport> {
        let (first_new, counters) = self.play_round()?;
        Some(RoundReport {
            round: self.round,
            newly_informed: self.network.informed_order()[first_new..].to_vec(),
            informed: self.informed(),
            counters,
            contacts: self
                .contacts
                .as_mut()
                .map(std::mem::take)
                .unwrap_or_default(),
        })
    }

    /// Plays rounds until the run completes or stops, without building reports.
    pub fn run_to_end(&mut self) -> Status {
        while self.play_round().is_some() {}
        self.status()
    }

    /// Plays one round; returns the index in the informed order of its first new node, and the
    /// round's counters.
    fn play_round(&mut self) -> Option<(usize, Counters)> {
        if self.status() != Status::Running {
            return None;
        }
        self.round += 1;
        let mut contacts = self.contacts.take();
        if let Some(contacts) = &mut contacts {
            contacts.clear();
        }
        let (informed_at_start, counters) = match (Chance::new(self.config.loss), contacts.as_mut())
        {
            (Chance::Never, None) => self.play_protocol(Lossless, ()),
            (Chance::Never, Some(contacts)) => self.play_protocol(Lossless, contacts),
            (chance, None) => self.play_protocol(Lossy(chance), ()),
            (chance, Some(contacts)) => self.play_protocol(Lossy(chance), contacts),
        };
        self.contacts = contacts;
        self.totals.add(&counters);
        Some((informed_at_start, counters))
    }

    /// The protocol's round, compiled once per loss model; returns the round's counters.
    fn play_protocol(&mut self, loss: impl Loss, recorder: impl Recorder) -> (usize, Counters) {
        if self.live < self.config.nodes {
            self.play_protocol_on::<true>(loss, recorder)
        } else {
            self.play_protocol_on::<false>(loss, recorder)
        }
    }

    /// The protocol's round on a network with (`CRASHES`) or without crashed nodes.
    fn play_protocol_on<const CRASHES: bool>(
        &mut self,
        loss: impl Loss,
        recorder: impl Recorder,
    ) -> (usize, Counters) {
        let fanout = self.config.fanout;
        let mut round = self.network.begin_round::<_, _, CRASHES>(loss, recorder);
        match self.config.mode {
            Mode::Push => push::play_round(&mut round, &mut self.rng, fanout),
            Mode::Pull => pull::play_round(&mut round, &mut self.rng, fanout),
            Mode::PushPull => push_pull::play_round(&mut round, &mut self.rng, fanout),
        }
        let (informed_at_start, count, counters) = round.finish();
        self.network.end_round(count);
        (informed_at_start, counters)
    }
}

/// The crashed set: exactly `crashed_count` non-senders, each set equally likely (Knuth's
/// selection sampling: one pass, no extra memory). Its own stream, so every mode sees the same set.
fn choose_crashed(config: &Config) -> Vec<bool> {
    let mut crashed = vec![false; config.nodes as usize];
    let mut needed = config.crashed_count();
    if needed == 0 {
        return crashed;
    }
    let mut rng = Rng::new(config.seed, Stream::Crashes);
    let mut remaining = config.nodes - config.senders;
    for node in config.senders..config.nodes {
        if rng.below(remaining) < needed {
            crashed[node as usize] = true;
            needed -= 1;
            if needed == 0 {
                break;
            }
        }
        remaining -= 1;
    }
    crashed
}
