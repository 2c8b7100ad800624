//! Parameters of one run, their documented ranges, and validation with clear messages.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which gossip protocol the nodes run (theory.md section 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Informed nodes call `fanout` random peers and hand them the rumor.
    Push,
    /// Every live node asks `fanout` random peers whether they have the rumor.
    Pull,
    /// Every live node calls: informed callers push, uninformed callers pull.
    PushPull,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Push, Mode::Pull, Mode::PushPull];

    /// The name used on the command line, in URLs and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Push => "push",
            Mode::Pull => "pull",
            Mode::PushPull => "push-pull",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Mode {
    type Err = ConfigError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|mode| mode.name() == text)
            .ok_or_else(|| {
                ConfigError(format!(
                    "mode must be push, pull or push-pull (got {text:?})"
                ))
            })
    }
}

/// The documented range of every parameter; the README's table is generated from the same numbers.
pub mod limits {
    pub const NODES: (u32, u32) = (2, 1_000_000);
    pub const FANOUT: (u32, u32) = (1, 16);
    pub const LOSS: (f64, f64) = (0.0, 1.0);
    pub const CRASH: (f64, f64) = (0.0, 0.99);
    pub const MAX_ROUNDS: (u32, u32) = (1, 10_000_000);
}

/// One run's parameters. Field names are the CLI flags and the JSON keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Number of nodes N, 2 to 1,000,000.
    pub nodes: u32,
    /// Peers each caller contacts per round (b), 1 to 16, drawn with replacement.
    #[serde(default = "default_fanout")]
    pub fanout: u32,
    #[serde(default = "default_mode")]
    pub mode: Mode,
    /// Probability that one datagram is lost, 0 to 1.
    #[serde(default)]
    pub loss: f64,
    /// Fraction of the non-sender nodes crashed from the start, 0 to 0.99.
    #[serde(default)]
    pub crash: f64,
    /// Nodes 0..senders start informed, 1 to N.
    #[serde(default = "default_senders")]
    pub senders: u32,
    /// Any u64: the same seed is the same run, natively and in every browser.
    #[serde(default)]
    pub seed: u64,
    /// Stop without completing after this many rounds; `None` picks a bound from theory
    /// that no run able to complete comes near (see `Config::round_limit`).
    #[serde(default)]
    pub max_rounds: Option<u32>,
}

fn default_fanout() -> u32 {
    1
}
fn default_mode() -> Mode {
    Mode::Push
}
fn default_senders() -> u32 {
    1
}

impl Default for Config {
    fn default() -> Self {
        Config {
            nodes: 1000,
            fanout: 1,
            mode: Mode::Push,
            loss: 0.0,
            crash: 0.0,
            senders: 1,
            seed: 1,
            max_rounds: None,
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

fn check_int(name: &str, value: u32, (low, high): (u32, u32)) -> Result<(), ConfigError> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{name} must be between {low} and {high} (got {value})"
        )))
    }
}

fn check_fraction(name: &str, value: f64, (low, high): (f64, f64)) -> Result<(), ConfigError> {
    // `contains` is false for NaN, so NaN is rejected here too.
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{name} must be between {low} and {high} (got {value})"
        )))
    }
}

impl Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_int("nodes", self.nodes, limits::NODES)?;
        check_int("fanout", self.fanout, limits::FANOUT)?;
        check_fraction("loss", self.loss, limits::LOSS)?;
        check_fraction("crash", self.crash, limits::CRASH)?;
        check_int("senders", self.senders, (1, self.nodes))?;
        if let Some(max_rounds) = self.max_rounds {
            check_int("max_rounds", max_rounds, limits::MAX_ROUNDS)?;
        }
        Ok(())
    }

    /// How many nodes are crashed from the start: `crash` of the non-senders, rounded.
    pub fn crashed_count(&self) -> u32 {
        let candidates = self.nodes - self.senders;
        ((self.crash * f64::from(candidates)).round() as u32).min(candidates)
    }

    /// Live nodes: the ones a run must inform to complete.
    pub fn live_count(&self) -> u32 {
        self.nodes - self.crashed_count()
    }

    /// The round after which a run stops without completing.
    pub fn round_limit(&self) -> u32 {
        self.max_rounds
            .unwrap_or_else(|| super::theory::default_round_limit(self))
    }
}
