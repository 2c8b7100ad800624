//! One file per protocol, and this registry: the only place that matches on the mode. Adding a protocol
//! touches its file and this one; the UI, the CLI and the ensemble go through `Mode`.

pub mod centralized;
pub mod pull;
pub mod push;
pub mod push_pull;
pub mod tree;

use super::config::{Config, Mode};
use super::drivers::{Run, fast_or_event, on_events};
use super::protocol::Structure;
use super::report::Kind;
use super::theory;

/// The datagram kinds a protocol declares.
pub fn kinds(mode: Mode) -> &'static [Kind] {
    match mode {
        Mode::Centralized => centralized::KINDS,
        Mode::Tree => tree::KINDS,
        Mode::Push => push::KINDS,
        Mode::Pull => pull::KINDS,
        Mode::PushPull => push_pull::KINDS,
    }
}

/// The run of `config` on the driver that fits it: gossip without delay on the fast driver.
pub(crate) fn build(config: &Config) -> Box<dyn Run> {
    let fanout = config.fanout;
    match config.mode {
        Mode::Push => fast_or_event(push::Push { fanout }, config),
        Mode::Pull => fast_or_event(pull::Pull { fanout }, config),
        Mode::PushPull => fast_or_event(push_pull::PushPull { fanout }, config),
        Mode::Centralized => on_events(
            centralized::Centralized {
                budget: fanout,
                params: config.centralized,
            },
            config,
        ),
        Mode::Tree => on_events(
            tree::Tree {
                fanout,
                nodes: config.nodes,
                params: config.tree,
            },
            config,
        ),
    }
}

pub fn structure(config: &Config) -> Structure {
    match config.mode {
        Mode::Centralized => Structure::Star,
        Mode::Tree => Structure::Tree {
            fanout: config.fanout,
        },
        _ => Structure::Circle,
    }
}

/// The theory's expected informed fraction of the live nodes per round, from round 0.
pub fn expected_curve(config: &Config, max_points: usize) -> Vec<f64> {
    let loss = config.network.loss;
    match config.mode {
        Mode::Centralized => centralized::expected_curve(
            config.nodes,
            config.fanout,
            &config.centralized,
            loss,
            max_points,
        ),
        Mode::Tree => tree::expected_curve(
            config.nodes,
            config.fanout,
            loss,
            config.network.crash,
            max_points,
        ),
        _ => theory::mean_field_curve(config, max_points),
    }
}

/// Rounds until the theory expects every live node informed; `None` if it never does.
pub fn expected_rounds(config: &Config) -> Option<u32> {
    let loss = config.network.loss;
    match config.mode {
        Mode::Centralized => match config.centralized.transport {
            centralized::Transport::Udp if loss > 0.0 => None,
            _ if loss >= 1.0 => None,
            _ => Some(
                centralized::expected_rounds(config.nodes, config.fanout, &config.centralized, loss)
                    .ceil() as u32,
            ),
        },
        // Loss or crashes cut subtrees off: without repair they stay uninformed, and with repair
        // the waiting times have no simple closed form.
        Mode::Tree if loss > 0.0 || config.crashed_count() > 0 => None,
        Mode::Tree => Some(tree::depth_of(config.nodes, config.fanout)),
        _ => theory::mean_field_rounds(config),
    }
}

/// The literature's closed form for the rounds, where one applies, with its source.
pub fn closed_form_rounds(config: &Config) -> Option<(f64, &'static str)> {
    let loss = config.network.loss;
    match config.mode {
        Mode::Centralized
            if loss == 0.0 || config.centralized.transport == centralized::Transport::Reliable =>
        {
            (loss < 1.0).then(|| {
                (
                    centralized::expected_rounds(
                        config.nodes,
                        config.fanout,
                        &config.centralized,
                        loss,
                    ),
                    if loss == 0.0 {
                        "ceil((N - 1) / b): one sweep of unicasts, O(N) (theory.md section 7)"
                    } else {
                        "(N - 1) / (b q^2) + timeout: O(N) (theory.md section 7)"
                    },
                )
            })
        }
        Mode::Centralized => None,
        Mode::Tree if loss == 0.0 && config.crashed_count() == 0 => Some((
            f64::from(tree::depth_of(config.nodes, config.fanout)),
            "depth ceil(log_b((b - 1) N + 1)) - 1: O(log N) (theory.md section 7)",
        )),
        Mode::Tree => None,
        _ => theory::closed_form_rounds(config),
    }
}

/// The default round limit: far beyond what a run that can complete needs.
pub fn default_round_limit(config: &Config) -> u32 {
    let loss = config.network.loss;
    let rounds = match config.mode {
        Mode::Centralized => {
            let sweep = f64::from((config.nodes - 1).div_ceil(config.fanout));
            if config.centralized.transport == centralized::Transport::Udp {
                sweep + 1.0
            } else if loss >= 1.0 {
                sweep + 10.0
            } else {
                // Every receiver needs a geometric number of tries (success q^2 each, one per
                // timeout); 4x the expectation plus the tail of the slowest receiver.
                let delivery = (1.0 - loss) * (1.0 - loss);
                let tries =
                    (f64::from(config.nodes).ln() + 28.0) / -(1.0 - delivery).ln().min(-1e-12);
                4.0 * sweep / delivery + tries * f64::from(config.centralized.timeout + 1) + 50.0
            }
        }
        Mode::Tree => {
            let depth = f64::from(tree::depth_of(config.nodes, config.fanout));
            match config.tree.repair_delay {
                None => depth + 1.0,
                Some(_) if loss >= 1.0 => depth + 10.0,
                Some(delay) => {
                    // Each level may need a geometric number of requests (success q^2 each).
                    let delivery = (1.0 - loss) * (1.0 - loss);
                    let tries =
                        (f64::from(config.nodes).ln() + 28.0) / -(1.0 - delivery).ln().min(-1e-12);
                    (depth + 1.0) * f64::from(delay + 1) * (tries + 1.0) + 50.0
                }
            }
        }
        _ => return theory::default_round_limit(config),
    };
    rounds
        .ceil()
        .min(f64::from(super::config::limits::MAX_ROUNDS.1)) as u32
}

impl Config {
    /// The round after which a run stops without completing.
    pub fn round_limit(&self) -> u32 {
        self.max_rounds.unwrap_or_else(|| default_round_limit(self))
    }
}
