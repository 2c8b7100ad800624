//! Many independent trials of one configuration, summarised: what `gossip-sim` prints and what
//! the exported `simulate()` returns. Trial i uses `trial_seed(seed, i)`, so any trial can be replayed.

use super::config::{Config, ConfigError, Group};
use super::protocols;
use super::rng::trial_seed;
use super::simulation::Simulation;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const TRIALS: (u32, u32) = (1, 1_000_000);

/// A configuration and how many trials of it to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    pub config: Config,
    pub trials: u32,
}

impl Experiment {
    pub fn new(config: Config, trials: u32) -> Result<Self, ConfigError> {
        config.validate()?;
        if !(TRIALS.0..=TRIALS.1).contains(&trials) {
            return Err(ConfigError(format!(
                "trials must be between {} and {} (got {trials})",
                TRIALS.0, TRIALS.1
            )));
        }
        Ok(Experiment { config, trials })
    }

    /// Parses the JSON object keyed like the CLI's flags (`trials` defaults to 1).
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let mut object: Map<String, Value> = serde_json::from_str(text)
            .map_err(|error| ConfigError(format!("invalid config JSON: {error}")))?;
        let trials = match object.remove("trials") {
            None => 1,
            Some(value) => value
                .as_u64()
                .and_then(|trials| u32::try_from(trials).ok())
                .ok_or_else(|| {
                    ConfigError(format!("trials must be a whole number (got {value})"))
                })?,
        };
        let config = Config::from_json(&mut object)?;
        if let Some(unknown) = object.keys().next() {
            return Err(ConfigError(format!(
                "unknown key {unknown:?}; the keys are the CLI's flags (nodes, fanout, mode, ...)"
            )));
        }
        Experiment::new(config, trials)
    }

    /// The parameters as used, keyed by the CLI flag names (round limit resolved).
    pub fn echo(&self) -> Value {
        let mut echo = self.config.echo();
        echo.insert("trials".into(), self.trials.into());
        Value::Object(echo)
    }
}

/// Mean, standard deviation (sample), min and max, rounded to 6 decimals so tables stay clean
/// (rounding is exact IEEE arithmetic: the same digits on every platform).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(values: &[f64]) -> Option<Stats> {
        if values.is_empty() {
            return None;
        }
        let count = values.len() as f64;
        let mean = values.iter().sum::<f64>() / count;
        let squares: f64 = values.iter().map(|value| (value - mean).powi(2)).sum();
        let sd = if values.len() > 1 {
            (squares / (count - 1.0)).sqrt()
        } else {
            0.0
        };
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let six_decimals = |value: f64| (value * 1e6).round() / 1e6;
        Some(Stats {
            mean: six_decimals(mean),
            sd: six_decimals(sd),
            min: six_decimals(min),
            max: six_decimals(max),
        })
    }

    /// The standard error of the mean over `count` samples.
    pub fn standard_error(&self, count: u32) -> f64 {
        self.sd / f64::from(count).sqrt()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TheoryEstimate {
    /// Rounds until the model's expectation has every live node informed (for gossip: fewer than
    /// half a node uninformed in the mean-field recurrence).
    pub mean_field_rounds: Option<u32>,
    /// The literature's closed form, where one applies, and its source.
    pub closed_form_rounds: Option<f64>,
    pub closed_form_source: Option<&'static str>,
    /// A stop rule's expected residue and t_ave, by the mean-field recurrence (theory.md section 6).
    pub residue: Option<f64>,
    pub t_ave: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub config: Value,
    /// Nodes live at the start (N minus `crash`); the divisor of every `*_per_node` figure, also
    /// with a crash schedule (`crash_at`), whose crashes come later: the traffic was theirs.
    pub live_nodes: u32,
    /// Trials that informed every live node.
    pub completed: u32,
    /// Rounds to inform every live node, over the completed trials (null if none completed); in
    /// periods, with fractions, when `Config::timed`.
    pub rounds: Option<Stats>,
    /// Live nodes never informed, per trial, over all trials (live at the end of the trial).
    pub uninformed: Stats,
    /// Per live node, over all trials.
    pub datagrams_per_node: Stats,
    pub payload_per_node: Stats,
    pub redundant_per_node: Stats,
    pub lost_per_node: Stats,
    /// For each datagram kind the protocol sends, datagrams of that kind per live node.
    pub kinds_per_node: BTreeMap<&'static str, Stats>,
    /// Datagrams arriving at node 0 (the sender) per trial.
    pub at_sender: Stats,
    /// The most datagrams arriving at node 0 in one round, per trial.
    pub peak_at_sender: Stats,
    /// Multicasts started per trial, for each kind the protocol multicasts (SRM's NAKs: one per
    /// request, however many hops it floods); empty for protocols without multicasts.
    pub multicasts: BTreeMap<&'static str, Stats>,
    /// Packet deliveries lost (on a link, or to the receiver) and later repaired or
    /// retransmitted, per trial.
    pub lost_packets: Stats,
    /// Demers et al.'s figures (theory.md section 6), for every protocol: the fraction of live
    /// nodes never informed (s), per trial.
    pub residue: Stats,
    /// Messages that carry the rumor, sent per live node (m), per trial.
    pub traffic: Stats,
    /// When the informed live non-senders got it: their mean (t_ave) and the last (t_last), in
    /// periods, per trial where any got it (null if none did).
    pub t_ave: Option<Stats>,
    pub t_last: Option<Stats>,
    pub theory: TheoryEstimate,
    /// What a reader must know about the numbers: the message cannot spread, or a stop rule left
    /// live nodes never informed in some trials.
    pub warning: Option<String>,
    // async-racks
    /// Datagrams through the core switch per round (racks > 1 only): mean over every round of
    /// every trial, and the most in one round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_per_round: Option<MeanMax>,
    /// Many messages: rounds from a message's injection until every live node held it, {mean,
    /// max} over every (trial, message) pair that got everywhere (null if none did); absent with
    /// one message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_latency: Option<Option<MeanMax>>,
    /// Many messages: messages not held by every live node when the run stopped, mean per trial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_messages: Option<f64>,
    // membership (issue #11); absent in the other modes.
    /// Periods from the watched crash until the first live node suspected or failed it, over
    /// the trials where that happened (null if none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_detection: Option<Option<Stats>>,
    /// Periods from the watched crash until every live node had considered it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_detection: Option<Option<Stats>>,
    /// Events of a live node marking a live member failed, per 1,000 periods of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub false_detections_per_1000_periods: Option<Stats>,
    /// Datagrams and bytes (the byte-size model) sent per live node per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datagrams_per_node_per_period: Option<Stats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_node_per_period: Option<Stats>,
    /// With `join_at`: periods from the join until every live node listed the newcomer alive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_time: Option<Option<Stats>>,
    /// The theory's first detection, in periods (SWIM: e / (e - 1); Cassandra: phi / log10(e)
    /// mean intervals; heartbeat: T_fail, a lower bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_first_detection: Option<f64>,
}

/// A per-round figure's mean over rounds and trials and its maximum (or any mean and
/// maximum), rounded to 6 decimals like `Stats`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanMax {
    pub mean: f64,
    pub max: f64,
}

/// Runs every trial; `progress(done)` is called after each one.
pub fn run(experiment: &Experiment, mut progress: impl FnMut(u32)) -> Summary {
    let config = &experiment.config;
    let kinds = protocols::kinds(config);
    let live = f64::from(config.live_count());
    let mut rounds = Vec::new();
    let mut uninformed = Vec::new();
    let mut per_node = [const { Vec::new() }; 4];
    let mut per_kind = vec![Vec::new(); kinds.len()];
    let mut multicasts = vec![Vec::new(); kinds.len()];
    let mut at_sender = Vec::new();
    let mut peak_at_sender = Vec::new();
    let mut lost_packets = Vec::new();
    let mut residue = Vec::new();
    let mut traffic = Vec::new();
    let mut t_ave = Vec::new();
    let mut t_last = Vec::new();
    let mut warning = None;
    // async-racks: datagrams through the core and rounds played, over all trials; the peak.
    let (mut through_core, mut rounds_played, mut peak_core) = (0u64, 0u64, 0u64);
    // Many messages: every delivered message's latency, and the incomplete ones per trial.
    let mut latencies = Vec::new();
    let mut incomplete = Vec::new();
    // membership (issue #11): per trial.
    let membership = config.mode.group() == Group::Membership;
    let [
        mut first,
        mut all,
        mut false_rate,
        mut datagram_rate,
        mut byte_rate,
        mut join,
    ] = [const { Vec::new() }; 6];
    for trial in 0..experiment.trials {
        let trial_config = Config {
            seed: trial_seed(config.seed, u64::from(trial)),
            ..config.clone()
        };
        let mut simulation = Simulation::new(trial_config).expect("validated by Experiment::new");
        warning = warning.or(simulation.warning().map(String::from));
        simulation.run_to_end();
        if let Some(time) = simulation.completion_time() {
            rounds.push(time);
        }
        let never = f64::from(simulation.live() - simulation.informed());
        uninformed.push(never);
        residue.push(never / f64::from(simulation.live().max(1)));
        if let Some(arrivals) = simulation.arrivals() {
            t_ave.push(arrivals.mean);
            t_last.push(arrivals.last);
        }
        let totals = simulation.totals();
        traffic.push(totals.payload as f64 / live);
        for (series, count) in per_node.iter_mut().zip([
            totals.datagrams,
            totals.payload,
            totals.redundant,
            totals.lost,
        ]) {
            series.push(count as f64 / live);
        }
        for (series, &count) in per_kind.iter_mut().zip(&totals.by_kind) {
            series.push(count as f64 / live);
        }
        for (series, &count) in multicasts.iter_mut().zip(&totals.multicasts) {
            series.push(count as f64);
        }
        at_sender.push(totals.at_sender as f64);
        peak_at_sender.push(simulation.peak_at_sender() as f64);
        lost_packets.push(totals.repaired as f64);
        through_core += totals.through_core;
        rounds_played += u64::from(simulation.round());
        peak_core = peak_core.max(simulation.peak_through_core());
        let message_latencies = simulation.message_latencies();
        latencies.extend(
            message_latencies
                .iter()
                .flatten()
                .map(|&rounds| f64::from(rounds)),
        );
        incomplete.push(
            message_latencies
                .iter()
                .filter(|done| done.is_none())
                .count() as f64,
        );
        if let Some(round) = simulation.membership() {
            let periods = f64::from(simulation.round().max(1));
            first.extend(round.first_detection);
            all.extend(round.all_detection);
            join.extend(round.join_time);
            false_rate.push(round.false_detections as f64 * 1000.0 / periods);
            datagram_rate.push(totals.datagrams as f64 / live / periods);
            byte_rate.push(round.bytes as f64 / live / periods);
        }
        progress(trial + 1);
    }
    let stats = |series: &[f64]| Stats::of(series).expect("trials >= 1");
    let with_residue = residue.iter().filter(|&&residue| residue > 0.0).count();
    if warning.is_none() && config.mongering.stop.is_some() && with_residue > 0 {
        warning = Some(format!(
            "the stop rule ended {with_residue} of {} trials with live nodes never informed (see residue); rounds counts only the trials that informed everyone",
            experiment.trials
        ));
    }
    let [datagrams, payload, redundant, lost] = per_node.map(|series| stats(&series));
    let closed_form = protocols::closed_form_rounds(config);
    let stop_rule_theory = protocols::stop_rule_theory(config);
    Summary {
        config: experiment.echo(),
        live_nodes: config.live_count(),
        completed: rounds.len() as u32,
        rounds: Stats::of(&rounds),
        uninformed: stats(&uninformed),
        datagrams_per_node: datagrams,
        payload_per_node: payload,
        redundant_per_node: redundant,
        lost_per_node: lost,
        kinds_per_node: kinds
            .iter()
            .zip(&per_kind)
            .map(|(kind, series)| (kind.name, stats(series)))
            .collect(),
        multicasts: kinds
            .iter()
            .zip(&multicasts)
            .filter(|(_, series)| series.iter().any(|&count| count > 0.0))
            .map(|(kind, series)| (kind.name, stats(series)))
            .collect(),
        at_sender: stats(&at_sender),
        peak_at_sender: stats(&peak_at_sender),
        lost_packets: stats(&lost_packets),
        residue: stats(&residue),
        traffic: stats(&traffic),
        t_ave: Stats::of(&t_ave),
        t_last: Stats::of(&t_last),
        theory: TheoryEstimate {
            mean_field_rounds: protocols::expected_rounds(config),
            closed_form_rounds: closed_form.map(|(rounds, _)| rounds),
            closed_form_source: closed_form.map(|(_, source)| source),
            residue: stop_rule_theory.map(|(residue, _)| residue),
            t_ave: stop_rule_theory.and_then(|(_, t_ave)| t_ave),
        },
        warning,
        core_per_round: (config.mode.group() == Group::Gossip && config.racks > 1).then(|| {
            MeanMax {
                mean: (through_core as f64 / rounds_played.max(1) as f64 * 1e6).round() / 1e6,
                max: peak_core as f64,
            }
        }),
        message_latency: config.many_messages().then(|| {
            Stats::of(&latencies).map(|stats| MeanMax {
                mean: stats.mean,
                max: stats.max,
            })
        }),
        incomplete_messages: config.many_messages().then(|| stats(&incomplete).mean),
        first_detection: membership.then(|| Stats::of(&first)),
        all_detection: membership.then(|| Stats::of(&all)),
        false_detections_per_1000_periods: membership.then(|| stats(&false_rate)),
        datagrams_per_node_per_period: membership.then(|| stats(&datagram_rate)),
        bytes_per_node_per_period: membership.then(|| stats(&byte_rate)),
        join_time: (membership && config.membership.join_at.is_some()).then(|| Stats::of(&join)),
        expected_first_detection: membership.then(|| {
            protocols::membership::expected_first_detection(config.mode, &config.membership)
        }),
    }
}
