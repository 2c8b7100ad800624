//! The runs a protocol's lesson needs beside the current one: SRM with and without suppression
//! (the NAK storm), RMTP with and without designated receivers (the ACK implosion). Both are the
//! engine's own runs of the same configuration and seed with one switch flipped; the chart draws
//! what their reports counted.

use crate::engine::Look;
use crate::engine::protocols::messages::Policy;
use crate::engine::{Config, Simulation};

/// Above this many nodes the page does not play the comparison runs (they would delay every
/// parameter change); the CLI gives the same figures for any N.
pub const COMPARED_NODES: u32 = 1_000;
/// Rounds of a comparison run drawn at most.
const COMPARED_ROUNDS: u32 = 4_000;
/// Datagrams a comparison run may send (at most about half a second of work in a browser): a storm
/// without suppression on many packets would otherwise hold the page for seconds. A run cut
/// short says so in its legend.
const COMPARED_DATAGRAMS: u64 = 1_000_000;

/// One comparison run: its legend and what it counted each round.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub title: &'static str,
    pub y_desc: &'static str,
    pub lines: Vec<Line>,
}

/// The comparison for `config`'s protocol, if it has one.
pub fn compare(config: &Config) -> Option<Comparison> {
    if config.nodes > COMPARED_NODES {
        return None;
    }
    // The switch the lesson flips, by the parameter the protocol takes.
    let mode = config.mode;
    if mode.takes("suppression") {
        // The requests suppression holds back: the protocol's kind drawn as a request (a NAK).
        let request = mode
            .spec()
            .kinds(config)
            .iter()
            .position(|kind| kind.look == Look::Request)
            .unwrap_or(0);
        Some(Comparison {
            title: "NAKs sent per round, with and without suppression",
            y_desc: "NAKs",
            lines: [true, false]
                .into_iter()
                .map(|suppression| {
                    let mut variant = config.clone();
                    variant.srm.suppression = suppression;
                    let (points, simulation) =
                        play(variant, |counters| counters.multicasts[request] as f64);
                    let totals = simulation.totals();
                    let naks = totals.multicasts[request];
                    Line {
                        label: format!(
                            "suppression {}: {naks} NAKs for {} missed packets{}",
                            if suppression { "on" } else { "off" },
                            totals.repaired,
                            cut_short(&simulation)
                        ),
                        points,
                    }
                })
                .collect(),
        })
    } else if mode.takes("designated") {
        Some(Comparison {
            title: "Datagrams arriving at the sender per round, with and without DRs",
            y_desc: "at the sender",
            lines: [true, false]
                .into_iter()
                .map(|designated| {
                    let mut variant = config.clone();
                    variant.rmtp.designated = designated;
                    let (points, simulation) = play(variant, |counters| counters.at_sender as f64);
                    Line {
                        label: format!(
                            "designated receivers {}: at most {} a round{}",
                            if designated { "on" } else { "off" },
                            simulation.peak_at_sender(),
                            cut_short(&simulation)
                        ),
                        points,
                    }
                })
                .collect(),
        })
    } else if mode.takes("policy") && config.many_messages() {
        // Many messages: the same seed under each policy, latency per message.
        Some(Comparison {
            title: "Latency per message under each policy (same seed)",
            y_desc: "rounds",
            lines: Policy::ALL
                .into_iter()
                .map(|policy| {
                    let mut variant = config.clone();
                    variant.messages.policy = policy;
                    let (_, simulation) = play(variant, |_| 0.0);
                    policy_line(policy, &simulation)
                })
                .collect(),
        })
    } else {
        None
    }
}

/// Many messages: one policy's latency per message (x: message index, y: rounds from its
/// injection until every live node held it; messages that never got everywhere are left out),
/// labelled with the mean and worst latency and the messages left incomplete.
fn policy_line(policy: Policy, simulation: &Simulation) -> Line {
    let latencies = simulation.message_latencies();
    let points: Vec<(f64, f64)> = latencies
        .iter()
        .enumerate()
        .filter_map(|(message, latency)| latency.map(|rounds| (message as f64, f64::from(rounds))))
        .collect();
    let incomplete = latencies.len() - points.len();
    let summary = if points.is_empty() {
        "no message everywhere".to_string()
    } else {
        let mean = points.iter().map(|point| point.1).sum::<f64>() / points.len() as f64;
        let worst = points.iter().map(|point| point.1).fold(0.0, f64::max);
        format!("mean {mean:.1}, worst {worst:.0} rounds")
    };
    let incomplete = match incomplete {
        0 => String::new(),
        count => format!(", {count} never everywhere"),
    };
    Line {
        label: format!(
            "{}: {summary}{incomplete}{}",
            policy.name(),
            cut_short(simulation)
        ),
        points,
    }
}

/// Plays `config` to its end (or `COMPARED_ROUNDS`), measuring each round.
fn play(
    config: Config,
    measure: impl Fn(&crate::engine::Counters) -> f64,
) -> (Vec<(f64, f64)>, Simulation) {
    let mut simulation = Simulation::new(config).expect("a variant of a valid configuration");
    let mut points = Vec::new();
    while simulation.round() < COMPARED_ROUNDS
        && simulation.totals().datagrams < COMPARED_DATAGRAMS
        && let Some(report) = simulation.step()
    {
        points.push((f64::from(report.round), measure(&report.counters)));
    }
    (points, simulation)
}

/// " (first R rounds)" when a comparison run stopped before its end.
fn cut_short(simulation: &Simulation) -> String {
    if simulation.status() == crate::engine::Status::Running {
        format!(" (first {} rounds)", simulation.round())
    } else {
        String::new()
    }
}
