//! One run's parameters, nested as the model is: the protocol and its own parameters, the
//! network, the crashed set. Plain data: `params` describes and validates each parameter, the
//! protocol registry computes what depends on the model (the round limit).

use super::failures::{Burst, CrashSchedule, Delay, PartitionSchedule};
use super::params::Value;
pub use super::protocols::Mode;
use super::protocols::{
    centralized, membership, messages, mongering, push_then_pull, rmtp, srm, stream, tree,
};
pub use super::spec::Group;
use std::collections::BTreeMap;
use std::fmt;

/// The documented range of the parameters that are plain numbers.
pub mod limits {
    pub const NODES: (u32, u32) = (2, 1 << 20);
    pub const FANOUT: (u32, u32) = (1, 16);
    pub const LOSS: (f64, f64) = (0.0, 1.0);
    pub const CRASH: (f64, f64) = (0.0, 0.99);
    pub const MAX_ROUNDS: (u32, u32) = (1, 10_000_000);
    pub const TIMEOUT: (u32, u32) = (1, 100);
    pub const REPAIR_DELAY: (u32, u32) = (1, 100);
    pub const PACKETS: (u32, u32) = (1, 64);
    pub const TIMER_FACTOR: (f64, f64) = (0.0, 32.0);
    pub const REGIONS: (u32, u32) = (1, 1000);
    pub const ACK_PERIOD: (u32, u32) = (1, 100);
    // Many messages.
    pub const MESSAGES: (u32, u32) = (1, 64);
    pub const CAPACITY: (u32, u32) = (1, 64);
    pub const INJECT_EVERY: (u32, u32) = (0, 1000);
    pub const STOP_K: (u32, u32) = (1, 100);
    pub const PUSH_ROUNDS: (u32, u32) = (1, 10_000);
    // async-racks
    pub const JITTER: (f64, f64) = (0.0, 0.5);
    pub const RACKS: (u32, u32) = (1, 64);
    pub const CROSS: (f64, f64) = (0.0, 1.0);
    // membership
    pub const T_FAIL: (u32, u32) = (1, 1000);
    pub const T_CLEANUP: (u32, u32) = (1, 1000);
    pub const PING_REQ: (u32, u32) = (0, 16);
    pub const SUSPICION: (u32, u32) = (0, 100);
    pub const PHI: (f64, f64) = (1.0, 16.0);
    pub const PERIODS: (u32, u32) = (1, 100_000);
    pub const JOIN_AT: (u32, u32) = (1, 100_000);
    /// Membership: heartbeat's and Cassandra's lists are N x N (8 and 16 bytes an entry, 0.8
    /// and 1.6 GB at this N); the engine takes up to this many nodes in those modes.
    pub const MEMBERSHIP_NODES: u32 = 10_000;
    /// The most nodes the page runs a protocol with, unless its spec says fewer.
    pub const PAGE_NODES: u32 = 100_000;
    /// Push, pull and push-pull in the page: a million nodes, one pixel each on the dense field
    /// (the fast driver holds 9 bytes a node).
    pub const PAGE_GOSSIP_NODES: u32 = 1 << 20;
    /// The memory a configuration the CLI accepts may need, in bytes.
    pub const CLI_MEMORY: u64 = 2 << 30;
    /// The memory a configuration the page accepts may need, in bytes (wasm memory).
    pub const PAGE_MEMORY: u64 = 1 << 30;
}

/// What the network does to datagrams, and which nodes are down.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkConfig {
    /// Probability that one datagram is lost, 0 to 1.
    pub loss: f64,
    /// Fraction of the non-sender nodes crashed from the start, 0 to 0.99.
    pub crash: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Number of nodes N; node 0 is the sender.
    pub nodes: u32,
    pub mode: Mode,
    /// b: peers each gossip caller contacts per round, the centralized sender's sends per round,
    /// the tree's arity.
    pub fanout: u32,
    /// Gossip: nodes 0..senders start informed.
    pub senders: u32,
    /// Any u64: the same seed is the same run, natively and in every browser.
    pub seed: u64,
    /// Stop without completing after this many rounds; `None` picks a bound from theory that no
    /// run able to complete comes near (see `Config::round_limit`).
    pub max_rounds: Option<u32>,
    pub network: NetworkConfig,
    /// SRM and RMTP: packets in the stream, M.
    pub packets: u32,
    /// SRM and RMTP: data packets lost by plan on given links (a lesson told exactly).
    pub drops: stream::Drops,
    pub centralized: centralized::Params,
    pub tree: tree::Params,
    pub srm: srm::Params,
    pub rmtp: rmtp::Params,
    /// Many messages (gossip): M, the capacity K, the policy, the injection schedule.
    pub messages: messages::Params,
    /// Push: rumor mongering's stop rule and its k.
    pub mongering: mongering::Params,
    /// Push: when push hands over to pull.
    pub hybrid: push_then_pull::Params,
    /// Asynchronous gossip: every node gossips from its own phase, each period (1 + u) periods
    /// long, u uniform in [-jitter, jitter]; `None`: synchronous rounds.
    pub asynchrony: Option<f64>,
    /// Racks behind top-of-rack switches joined by a core switch (1: the flat network).
    pub racks: u32,
    /// Probability that a caller picks a peer outside its rack; `None`: 1 / n_i, n_i its rack's size.
    pub cross: Option<f64>,
    // Failures and delays (theory.md section 9).
    /// Each datagram's delay, drawn per datagram (gossip modes).
    pub delay: Delay,
    /// Gilbert-Elliott burst loss: `network.loss` is then the loss in the bad state.
    pub burst: Option<Burst>,
    /// Fractions of the nodes crashing at the start of given rounds.
    pub crash_at: CrashSchedule,
    /// Network partitions: cuts that drop the datagrams crossing them, each from its round
    /// until its heal.
    pub partitions: PartitionSchedule,
    /// Heartbeat, SWIM and Cassandra: their timeouts, thresholds, run length and join.
    pub membership: membership::Params,
    /// The values of the parameters a protocol describes in its own file
    /// (`ProtocolSpec::own_params`), by key; absent: the parameter's default.
    pub own: BTreeMap<&'static str, Value>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            nodes: 1000,
            mode: Mode::Push,
            fanout: 1,
            senders: 1,
            seed: 1,
            max_rounds: None,
            network: NetworkConfig::default(),
            packets: 8,
            drops: stream::Drops::default(),
            centralized: centralized::Params::default(),
            tree: tree::Params::default(),
            srm: srm::Params::default(),
            rmtp: rmtp::Params::default(),
            messages: messages::Params::default(),
            mongering: mongering::Params::default(),
            hybrid: push_then_pull::Params::default(),
            asynchrony: None,
            racks: 1,
            cross: None,
            delay: Delay::None,
            burst: None,
            crash_at: CrashSchedule::default(),
            partitions: PartitionSchedule::default(),
            membership: membership::Params::default(),
            own: BTreeMap::new(),
        }
    }
}

/// A parameter outside its documented range; the text names the parameter, the range and the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// A protocol's own parameter (`ProtocolSpec::own_params`): its value, or its default.
    pub fn own_value(&self, key: &'static str) -> Value {
        self.own.get(key).copied().unwrap_or_else(|| {
            let param = super::params::find(key).expect("a registered parameter");
            param.parse(param.default).expect("a valid default")
        })
    }

    /// Sets a protocol's own parameter; its default is kept as no entry, so configurations
    /// compare equal whichever way they reached it.
    pub fn set_own(&mut self, key: &'static str, value: Value) {
        let param = super::params::find(key).expect("a registered parameter");
        if param.parse(param.default).ok() == Some(value) {
            self.own.remove(key);
        } else {
            self.own.insert(key, value);
        }
    }

    /// How many nodes are crashed from the start: `crash` of the non-senders, rounded.
    pub fn crashed_count(&self) -> u32 {
        let candidates = self.nodes - self.senders;
        ((self.network.crash * f64::from(candidates)).round() as u32).min(candidates)
    }

    /// Whether time runs inside a round (datagram delays, asynchronous periods): times are then
    /// exact ticks, reported in periods as fractions, instead of whole synchronous rounds.
    pub fn timed(&self) -> bool {
        (self.asynchrony.is_some() && self.mode.takes("async")) || self.has_delay()
    }

    /// Many messages: gossip with M > 1 (the messages protocol on the event driver).
    pub fn many_messages(&self) -> bool {
        self.messages.count > 1 && self.mode.takes("messages")
    }

    /// The crash schedule a run plays: the configured one, or for the membership modes without
    /// one, one node crashing at the start of round `membership::DEFAULT_CRASH_ROUND` (so a
    /// lecturer opening a mode sees a detection; `crash_at 1:0` runs without any crash).
    pub fn crash_schedule(&self) -> CrashSchedule {
        if self.mode.group() == Group::Membership && self.crash_at.is_empty() {
            membership::default_crash(self.nodes)
        } else {
            self.crash_at
        }
    }

    /// Whether datagrams take time (multicast keeps its own hop timing: it takes no delay).
    pub fn has_delay(&self) -> bool {
        self.mode.takes("delay") && !self.delay.is_zero()
    }

    /// The long-run share of datagrams lost: `network.loss`, or with burst loss the bad state's
    /// loss times the share of datagrams sent in the bad state (the good state loses none).
    pub fn mean_loss(&self) -> f64 {
        self.network.loss * self.burst.map_or(1.0, |burst| burst.bad_share())
    }

    /// Live nodes: the ones a run must inform to complete.
    pub fn live_count(&self) -> u32 {
        self.nodes - self.crashed_count()
    }
}
