//! One file per protocol, each exporting its `SPEC`, and this registry that lists them. Adding a
//! protocol is its file, its `mod` line and its line in `REGISTRY`; the engine, the CLI and the
//! page reach it only through `Mode::spec`.

pub mod cassandra;
pub mod centralized;
pub mod gossip;
pub mod heartbeat;
pub mod membership;
pub mod membership_spec;
pub mod messages;
pub mod mongering;
pub mod plumtree;
pub mod pull;
pub mod push;
pub mod push_pull;
pub mod push_then_pull;
pub mod rmtp;
pub mod srm;
pub mod stream;
pub mod swim;
pub mod tree;

use crate::config::Config;
use crate::drivers::Run;
use crate::report::Kind;
use crate::spec::{Group, Lesson, Measures, ProtocolSpec};
use std::fmt;

/// Every protocol of the lab, in the page's order.
pub const REGISTRY: &[&dyn ProtocolSpec] = &[
    &centralized::SPEC,
    &tree::SPEC,
    &srm::SPEC,
    &rmtp::SPEC,
    &push::SPEC,
    &pull::SPEC,
    &push_pull::SPEC,
    &heartbeat::SPEC,
    &swim::SPEC,
    &cassandra::SPEC,
    &plumtree::SPEC,
];

/// A protocol of the registry: a small copyable handle on its spec.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mode(u8);

// The registry's protocols by name, for tests and fixtures that pick one.
#[allow(non_upper_case_globals)]
impl Mode {
    pub const Centralized: Mode = Mode(0);
    pub const Tree: Mode = Mode(1);
    pub const Srm: Mode = Mode(2);
    pub const Rmtp: Mode = Mode(3);
    pub const Push: Mode = Mode(4);
    pub const Pull: Mode = Mode(5);
    pub const PushPull: Mode = Mode(6);
    pub const Heartbeat: Mode = Mode(7);
    pub const Swim: Mode = Mode(8);
    pub const Cassandra: Mode = Mode(9);
}

impl Mode {
    /// Every protocol, in the registry's order.
    pub const ALL: [Mode; REGISTRY.len()] = {
        let mut all = [Mode(0); REGISTRY.len()];
        let mut index = 0;
        while index < all.len() {
            all[index] = Mode(index as u8);
            index += 1;
        }
        all
    };
    pub const GOSSIP: [Mode; 3] = [Mode::Push, Mode::Pull, Mode::PushPull];
    pub const MEMBERSHIP: [Mode; 3] = [Mode::Heartbeat, Mode::Swim, Mode::Cassandra];

    pub fn spec(self) -> &'static dyn ProtocolSpec {
        REGISTRY[usize::from(self.0)]
    }

    /// The name used on the command line, in URLs and in JSON.
    pub fn name(self) -> &'static str {
        self.spec().name()
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.name() == name)
    }

    pub fn group(self) -> Group {
        self.spec().group()
    }

    /// The protocols of `group`, in the registry's order.
    pub fn of_group(group: Group) -> impl Iterator<Item = Mode> {
        Mode::ALL
            .into_iter()
            .filter(move |mode| mode.group() == group)
    }

    /// Whether the protocol takes the parameter with JSON key `key`.
    pub fn takes(self, key: &str) -> bool {
        self.spec().params().contains(&key)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Mode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The datagram kinds the protocol of `config` declares.
pub fn kinds(config: &Config) -> &'static [Kind] {
    config.mode.spec().kinds(config)
}

/// The run of `config` on the driver that fits it.
pub(crate) fn build(config: &Config) -> Box<dyn Run> {
    config.mode.spec().build(config)
}

/// The theory's expected informed fraction of the live nodes per round, from round 0; empty
/// where no model holds for the configuration.
pub fn expected_curve(config: &Config, max_points: usize) -> Vec<f64> {
    config.mode.spec().expected_curve(config, max_points)
}

/// Rounds until the theory expects every live node informed; `None` if it never does.
pub fn expected_rounds(config: &Config) -> Option<u32> {
    config.mode.spec().expected_rounds(config)
}

/// The literature's closed form for the rounds, where one applies, with its source.
pub fn closed_form_rounds(config: &Config) -> Option<(f64, &'static str)> {
    config.mode.spec().closed_form(config)
}

/// The sentence that says which theory is drawn, or that none is.
pub fn theory_note(config: &Config) -> String {
    config.mode.spec().theory_note(config)
}

/// A stop rule's expected residue and t_ave (push rumor mongering); `None` otherwise.
pub fn stop_rule_theory(config: &Config) -> Option<(f64, Option<f64>)> {
    mongering::stop_rule_theory(config)
}

/// The lesson's figure for `config`, measured from `measures` when given.
pub fn lesson(config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
    config.mode.spec().lesson(config, measures)
}

impl Config {
    /// The round after which a run stops without completing.
    pub fn round_limit(&self) -> u32 {
        self.max_rounds
            .unwrap_or_else(|| self.mode.spec().round_limit(self))
    }
}

/// Rounds as the limits allow.
pub(crate) fn clamp_rounds(rounds: f64) -> u32 {
    rounds
        .ceil()
        .min(f64::from(crate::config::limits::MAX_ROUNDS.1)) as u32
}

/// Retries until a loss of `loss` per datagram lets a request and its answer through for every
/// one of `count` items, with probability 1 - e^-28: (ln count + 28) / -ln(1 - q^2).
pub(crate) fn tries_for_all(count: f64, loss: f64) -> f64 {
    let delivery = (1.0 - loss) * (1.0 - loss);
    (count.ln() + 28.0) / -(1.0 - delivery).ln().min(-1e-12)
}
