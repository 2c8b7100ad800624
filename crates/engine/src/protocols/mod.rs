//! One file per protocol, and this registry: the only place that matches on the mode. Adding a protocol
//! touches its file and this one; the UI, the CLI and the ensemble go through `Mode`.

pub mod centralized;
pub mod messages;
pub mod mongering;
pub mod pull;
pub mod push;
pub mod push_pull;
pub mod push_then_pull;
pub mod rmtp;
pub mod srm;
pub mod tree;

use super::config::{Config, Mode};
use super::drivers::{Run, fast_or_event, on_events};
use super::failures::Delay;
use super::report::Kind;
use super::theory;

/// The datagram kinds the protocol of `config` declares.
pub fn kinds(config: &Config) -> &'static [Kind] {
    match config.mode {
        Mode::Centralized => centralized::KINDS,
        Mode::Tree => tree::KINDS,
        Mode::Push if config.mongering.stop.is_some() => mongering::KINDS,
        Mode::Push if config.hybrid.is_hybrid() => push_pull::KINDS,
        Mode::Push => push::KINDS,
        Mode::Pull => pull::KINDS,
        Mode::PushPull => push_pull::KINDS,
        Mode::Srm => srm::KINDS,
        Mode::Rmtp => rmtp::KINDS,
    }
}

/// The run of `config` on the driver that fits it: gossip without delay on the fast driver.
pub(crate) fn build(config: &Config) -> Box<dyn Run> {
    let fanout = config.fanout;
    // Many messages: the messages protocol, on the event driver.
    if config.many_messages() {
        return build_messages(config);
    }
    match config.mode {
        Mode::Push => match config.mongering.stop {
            Some(rule) => on_events(
                mongering::Mongering {
                    fanout,
                    rule,
                    k: config.mongering.k,
                },
                config,
            ),
            None if config.hybrid.is_hybrid() => on_events(
                push_then_pull::PushThenPull {
                    fanout,
                    params: config.hybrid,
                },
                config,
            ),
            None => fast_or_event(push::Push { fanout }, config),
        },
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
        Mode::Srm => on_events(
            srm::Srm {
                tree: tree::Tree {
                    fanout,
                    nodes: config.nodes,
                    params: tree::Params::default(),
                },
                packets: config.packets,
                params: config.srm,
            },
            config,
        ),
        Mode::Rmtp => on_events(
            rmtp::Rmtp {
                nodes: config.nodes,
                packets: config.packets,
                params: config.rmtp,
            },
            config,
        ),
    }
}

/// Many messages: gossip's mode with M messages, capacity K and a policy, on the event driver
/// (also with M = 1, for the test that it then is exactly the single-rumor run).
pub(crate) fn build_messages(config: &Config) -> Box<dyn Run> {
    let (fanout, params, senders) = (config.fanout, config.messages, config.senders);
    let priority = messages::priorities(config.seed, params.count);
    match config.mode {
        Mode::Pull => on_events(
            messages::Messages::<{ messages::PULL }> {
                fanout,
                params,
                senders,
                priority,
            },
            config,
        ),
        Mode::PushPull => on_events(
            messages::Messages::<{ messages::PUSH_PULL }> {
                fanout,
                params,
                senders,
                priority,
            },
            config,
        ),
        _ => on_events(
            messages::Messages::<{ messages::PUSH }> {
                fanout,
                params,
                senders,
                priority,
            },
            config,
        ),
    }
}

/// The theory's expected informed fraction of the live nodes per round, from round 0.
pub fn expected_curve(config: &Config, max_points: usize) -> Vec<f64> {
    let loss = config.mean_loss();
    // Many messages: the single-rumor theory does not apply to "every message known".
    if config.many_messages() {
        return Vec::new();
    }
    match config.mode {
        Mode::Centralized => centralized::expected_curve(
            config.nodes,
            config.fanout,
            &config.centralized,
            loss,
            max_points,
        ),
        Mode::Srm | Mode::Rmtp => stream_curve(config, max_points),
        Mode::Tree => tree::expected_curve(
            config.nodes,
            config.fanout,
            loss,
            config.network.crash,
            max_points,
        ),
        Mode::Push => match config.mongering.stop {
            Some(rule) => mongering::expected_curve(
                config.live_count(),
                config.fanout,
                rule,
                config.mongering.k,
                loss,
                max_points,
            ),
            None if config.hybrid.is_hybrid() => push_then_pull::expected_curve(
                config.nodes,
                config.live_count(),
                config.fanout,
                loss,
                &config.hybrid,
                max_points,
            ),
            None => theory::mean_field_curve(config, max_points),
        },
        _ => theory::mean_field_curve(config, max_points),
    }
}

/// Rounds until the theory expects every live node informed; `None` if it never does.
pub fn expected_rounds(config: &Config) -> Option<u32> {
    let loss = config.mean_loss();
    if config.many_messages() {
        return None;
    }
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
        Mode::Srm | Mode::Rmtp => stream_rounds(config),
        // A stop rule may leave nodes uninformed: "every node" has no expected round.
        Mode::Push if config.mongering.stop.is_some() => None,
        Mode::Push if config.hybrid.is_hybrid() => {
            let curve = expected_curve(config, theory::MAX_ITERATIONS as usize);
            let live = f64::from(config.live_count());
            curve
                .last()
                .is_some_and(|&informed| (1.0 - informed) * live < 0.5)
                .then(|| curve.len() as u32 - 1)
        }
        _ => theory::mean_field_rounds(config),
    }
}

/// The literature's closed form for the rounds, where one applies, with its source.
pub fn closed_form_rounds(config: &Config) -> Option<(f64, &'static str)> {
    let loss = config.mean_loss();
    if config.many_messages() {
        return None;
    }
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
        Mode::Srm | Mode::Rmtp => stream_rounds(config).map(|rounds| {
            (
                f64::from(rounds),
                "M - 1 + depth without loss: the last packet's trip (theory.md section 7)",
            )
        }),
        Mode::Push if config.mongering.stop.is_some() || config.hybrid.is_hybrid() => None,
        _ => theory::closed_form_rounds(config),
    }
}

/// A stop rule's expected residue (the fraction of live nodes never informed) and t_ave, by the
/// synchronous mean-field curve, or with asynchronous periods feedback + coin's residue equation
/// s = exp(-(k + 1)(1 - s)) (theory.md section 6); `None` without a stop rule or a theory.
pub fn stop_rule_theory(config: &Config) -> Option<(f64, Option<f64>)> {
    let rule = config
        .mongering
        .stop
        .filter(|_| config.mode == Mode::Push)?;
    if config.asynchrony.is_some() {
        // Asynchronous periods: only feedback + coin has its continuous-time equation.
        return (rule.feedback && !rule.counter)
            .then(|| (mongering::feedback_coin_residue(config.mongering.k), None));
    }
    let curve = expected_curve(config, theory::MAX_ITERATIONS as usize);
    let residue = 1.0 - curve.last()?;
    Some((residue, mongering::mean_arrival_round(&curve)))
}

/// The default round limit: far beyond what a run that can complete needs.
pub fn default_round_limit(config: &Config) -> u32 {
    let loss = config.mean_loss();
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
        Mode::Srm | Mode::Rmtp => {
            // The stream, then repairs: each missing packet needs a geometric number of
            // requests (success q^2 each), each at most 2^5 (C1 + C2) d rounds apart.
            let stream = f64::from(config.packets + stream_depth(config));
            let delivery = (1.0 - loss) * (1.0 - loss);
            if loss >= 1.0 {
                stream + 10.0
            } else {
                let tries = (f64::from(config.nodes * config.packets).ln() + 28.0)
                    / -(1.0 - delivery).ln().min(-1e-12);
                let depth = f64::from(stream_depth(config).max(1));
                let wait = 32.0
                    * (config.srm.c1 + config.srm.c2 + config.srm.d1 + config.srm.d2 + 2.0)
                    * depth
                    + f64::from(config.rmtp.ack_period);
                stream + tries * wait + 50.0
            }
        }
        // Many messages: the last injection, then the single rumor's limit once per batch of
        // K messages, four times over (recent can starve old messages for long).
        _ if config.many_messages() => {
            let params = config.messages;
            let single = f64::from(theory::default_round_limit(config).max(10));
            let batches = f64::from(params.count.div_ceil(params.capacity));
            f64::from(params.injected_round(params.count - 1)) + 4.0 * batches * single
        }
        // Once all know, every contact is unnecessary: a counter stops k rounds later, a coin
        // after a geometric number of rounds of mean k (the last of N within k (ln N + 30)).
        Mode::Push if config.mongering.stop.is_some() => {
            let k = f64::from(config.mongering.k);
            f64::from(theory::default_round_limit(config))
                + k * (f64::from(config.nodes).ln() + 30.0)
        }
        _ => {
            // Failures and delays: a hop takes up to the delay's bound more rounds.
            let slowest_hop = match config.delay {
                _ if !config.has_delay() => 0.0,
                Delay::Fixed(d) => d,
                Delay::Uniform(_, b) => b,
                Delay::Exp(mean) => 3.0 * mean,
                Delay::None => 0.0,
            };
            f64::from(theory::default_round_limit(config)) * (1.0 + slowest_hop)
        }
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

/// Hops from the sender to the farthest receiver of a packet stream: the tree's depth for SRM, one
/// hop for RMTP's direct multicast.
fn stream_depth(config: &Config) -> u32 {
    match config.mode {
        Mode::Srm => tree::depth_of(config.nodes, config.fanout),
        _ => 1,
    }
}

/// Rounds for every live node to hold all M packets without loss or crashes: packet m leaves in
/// round m + 1 and the last arrives `stream_depth` hops later.
fn stream_rounds(config: &Config) -> Option<u32> {
    (config.mean_loss() == 0.0 && config.crashed_count() == 0)
        .then(|| config.packets - 1 + stream_depth(config))
}

/// Expected share of live nodes holding all M packets after each round, without loss or crashes
/// (with them the run's repairs have no simple closed form): the nodes within r - M + 1 hops.
fn stream_curve(config: &Config, max_points: usize) -> Vec<f64> {
    let Some(rounds) = stream_rounds(config) else {
        return Vec::new();
    };
    let n = f64::from(config.nodes);
    let mut curve = Vec::new();
    for round in 0..=rounds.min(max_points as u32) {
        let hops = (round + 1).saturating_sub(config.packets);
        let reached = match config.mode {
            Mode::Srm => {
                let b = f64::from(config.fanout);
                if config.fanout == 1 {
                    f64::from(hops) + 1.0
                } else {
                    (b.powi(hops as i32 + 1) - 1.0) / (b - 1.0)
                }
            }
            _ => {
                if hops >= 1 {
                    n
                } else {
                    1.0
                }
            }
        };
        curve.push(reached.min(n) / n);
    }
    curve
}

/// A reliable multicast's lesson in one figure: what to measure, and what theory.md section 7
/// expects of it for this configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// What the figure is, in words.
    pub figure: &'static str,
    /// The expected value, and where it comes from.
    pub expected: f64,
    pub why: String,
}

/// SRM: NAKs per node that missed a packet (with suppression one NAK serves everyone below the
/// lossy link, about 1 / S for a subtree of S; without, every one of them asks: about 1). RMTP: the
/// most ACKs at the sender in one ACK period (R with designated receivers, every receiver without).
pub fn lesson(config: &Config) -> Option<Lesson> {
    let figure = "NAKs per node that missed a packet";
    match config.mode {
        Mode::Srm if config.srm.suppression => {
            let subtree = srm::mean_missing_subtree(config.nodes, config.fanout);
            Some(Lesson {
                figure,
                expected: 1.0 / subtree.max(1.0),
                why: format!(
                    "suppression: one NAK serves the {subtree:.1} nodes below a lossy link, or fewer"
                ),
            })
        }
        Mode::Srm => Some(Lesson {
            figure,
            expected: 1.0,
            why: "no suppression: every node that missed it asks, at once".into(),
        }),
        Mode::Rmtp => Some(Lesson {
            figure: "most datagrams at the sender in one round",
            expected: rmtp::expected_acks_at_sender_per_period(
                config.nodes,
                config.rmtp.regions,
                config.rmtp.designated,
            ),
            why: if config.rmtp.designated {
                format!(
                    "only the {} designated receivers ACK the sender",
                    config.rmtp.regions
                )
            } else {
                "every receiver ACKs the sender in the same round: the implosion".into()
            },
        }),
        _ => None,
    }
}
