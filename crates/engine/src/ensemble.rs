//! Many independent trials of one configuration, summarised: what `gossip-sim` prints and what
//! the exported `simulate()` returns. Trial i uses `trial_seed(seed, i)`, so any trial can be replayed.

use super::config::{Config, ConfigError, Group};
use super::protocols;
use super::rng::trial_seed;
use super::simulation::{Arrivals, CANNOT_SPREAD, Simulation};
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
                    ConfigError(format!(
                        "trials must be a whole number (got {})",
                        crate::json::to_string(&value)
                    ))
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
    #[inline(never)]
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
    // membership; absent in the other modes.
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
    /// The protocol's lesson: its figure, what theory expects, the trials' mean of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<LessonSummary>,
    /// The protocol's per-message figures (`ProtocolSpec::message_figures`), each under its own
    /// key (Plumtree's `rmr`, `ldh`, `reliability`); none for the other protocols.
    #[serde(flatten)]
    pub per_message: BTreeMap<&'static str, PerMessage>,
    // Partitions; absent without them.
    /// Datagrams dropped at a partition's cut, per trial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitioned: Option<Stats>,
    /// Membership: events of a live node marking a live member failed (each side declaring the
    /// other failed), per trial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub false_detections: Option<Stats>,
    /// Membership with a heal: periods from the last heal until every live member listed every
    /// other live member alive, over the trials where that happened (null if none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejoin_time: Option<Option<Stats>>,
}

/// A figure measured per message: its value for each message in injection order (the mean
/// over the trials that measured it; null if none did) and the mean over every (trial, message)
/// pair that measured it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerMessage {
    pub mean: Option<f64>,
    pub per_message: Vec<Option<f64>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LessonSummary {
    /// What the figure is, in words (`ProtocolSpec::lesson_figure`).
    pub figure: &'static str,
    /// What theory expects of it for this configuration (null where no model holds).
    pub expected: Option<f64>,
    /// The trials' mean of it (null when no trial measured it: no loss repaired, say).
    pub measured: Option<f64>,
}

/// A per-round figure's mean over rounds and trials and its maximum (or any mean and
/// maximum), rounded to 6 decimals like `Stats`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanMax {
    pub mean: f64,
    pub max: f64,
}

/// Everything one trial contributes to the summary: raw counts, so that `summarize` does the
/// same arithmetic in the same order whoever ran the trial (this thread, rayon, a Web Worker).
/// `encode` / `decode` carry records across the worker boundary as a flat `Vec<f64>` (smaller
/// in the wasm than a serde derive, and a Float64Array is cheap to post).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialRecord {
    // Every protocol.
    /// The trial's index: its seed is `trial_seed(seed, trial)`.
    pub trial: u32,
    /// `Simulation::completion_time` (None: live nodes never informed).
    pub completion_time: Option<f64>,
    /// Live nodes at the end of the trial, and those of them never informed.
    pub live: u32,
    pub uninformed: u32,
    /// `Simulation::arrivals`: t_ave and t_last in periods (None: no live non-sender got it).
    pub arrivals: Option<Arrivals>,
    /// The run's totals (`Counters`).
    pub datagrams: u64,
    pub payload: u64,
    pub redundant: u64,
    pub lost: u64,
    pub repaired: u64,
    pub at_sender: u64,
    /// Datagrams sent and multicasts started, per kind of `protocols::kinds` (same order).
    pub by_kind: Vec<u64>,
    pub multicasts: Vec<u64>,
    /// The most datagrams arriving at node 0 in one round.
    pub peak_at_sender: u64,
    /// The run started with `Simulation::warning` set (loss = 1: the message cannot spread).
    pub cannot_spread: bool,
    // async-racks.
    /// Datagrams through the core switch, rounds played, and the most through the core in one round.
    pub through_core: u64,
    pub rounds_played: u32,
    pub peak_through_core: u64,
    // Many messages.
    /// Per message, rounds from its injection until every live node held it (None: never).
    pub message_latencies: Vec<Option<u32>>,
    // membership.
    /// Periods from the watched crash until the first live observer suspected or failed it, and
    /// until every live observer had; from the join until every live node listed the newcomer.
    pub first_detection: Option<f64>,
    pub all_detection: Option<f64>,
    pub join_time: Option<f64>,
    /// False detections (a live node marking a live member failed) and bytes sent, in the run.
    pub false_detections: u64,
    pub bytes: u64,
    /// The lesson's figure as this trial measured it (`ProtocolSpec::lesson`).
    pub lesson_measured: Option<f64>,
    /// `Simulation::message_figures`: figure by figure, one value per message (NaN: none).
    pub message_figures: Vec<f64>,
    // Partitions.
    /// Datagrams dropped at a cut; periods from the last heal to a consistent membership view.
    pub partitioned: u64,
    pub rejoin_time: Option<f64>,
    /// Why the protocol stopped the trial early (`Simulation::halted`). Not carried by
    /// `encode`: the page's runs stay within a size whose memory is bounded in advance, so only
    /// the CLI meets it.
    pub halted: Option<String>,
}

const NO_STATS: Stats = Stats {
    mean: f64::NAN,
    sd: f64::NAN,
    min: f64::NAN,
    max: f64::NAN,
};

/// A per-kind count (0 past the end: a decoded record from a malformed buffer never panics).
fn count(counts: &[u64], kind: usize) -> u64 {
    counts.get(kind).copied().unwrap_or(0)
}

impl TrialRecord {
    /// Appends the record to `out` as numbers (counts are exact below 2^53; None is NaN, or -1
    /// for a latency); lists carry their length first. Keep in step with `decode`.
    pub fn encode(&self, out: &mut Vec<f64>) {
        let optional = |value: Option<f64>| value.unwrap_or(f64::NAN);
        // Every protocol.
        out.extend([
            f64::from(self.trial),
            optional(self.completion_time),
            f64::from(self.live),
            f64::from(self.uninformed),
            optional(self.arrivals.map(|arrivals| arrivals.mean)),
            optional(self.arrivals.map(|arrivals| arrivals.last)),
            self.datagrams as f64,
            self.payload as f64,
            self.redundant as f64,
            self.lost as f64,
            self.repaired as f64,
            self.at_sender as f64,
            self.peak_at_sender as f64,
            f64::from(u8::from(self.cannot_spread)),
        ]);
        for counts in [&self.by_kind, &self.multicasts] {
            out.push(counts.len() as f64);
            out.extend(counts.iter().map(|&count| count as f64));
        }
        // async-racks.
        out.extend([
            self.through_core as f64,
            f64::from(self.rounds_played),
            self.peak_through_core as f64,
        ]);
        // Many messages.
        out.push(self.message_latencies.len() as f64);
        out.extend(
            self.message_latencies
                .iter()
                .map(|latency| latency.map_or(-1.0, f64::from)),
        );
        // membership.
        out.extend([
            optional(self.first_detection),
            optional(self.all_detection),
            optional(self.join_time),
            self.false_detections as f64,
            self.bytes as f64,
            optional(self.lesson_measured),
        ]);
        out.push(self.message_figures.len() as f64);
        out.extend(&self.message_figures);
        // Partitions.
        out.extend([self.partitioned as f64, optional(self.rejoin_time)]);
    }

    /// Records encoded one after another by `encode`; None if `numbers` is not such a list.
    pub fn decode(numbers: &[f64]) -> Option<Vec<TrialRecord>> {
        let mut numbers = numbers.iter().copied();
        let mut records = Vec::new();
        while numbers.len() > 0 {
            let mut next = || numbers.next();
            let mut record = TrialRecord {
                // Every protocol.
                trial: next()? as u32,
                completion_time: Some(next()?).filter(|time| !time.is_nan()),
                live: next()? as u32,
                uninformed: next()? as u32,
                arrivals: match (next()?, next()?) {
                    (mean, _) if mean.is_nan() => None,
                    (mean, last) => Some(Arrivals { mean, last }),
                },
                datagrams: next()? as u64,
                payload: next()? as u64,
                redundant: next()? as u64,
                lost: next()? as u64,
                repaired: next()? as u64,
                at_sender: next()? as u64,
                peak_at_sender: next()? as u64,
                cannot_spread: next()? != 0.0,
                ..TrialRecord::default()
            };
            let list = |numbers: &mut dyn ExactSizeIterator<Item = f64>| {
                let length = numbers.next()? as usize;
                (length <= numbers.len()).then(|| numbers.take(length).collect::<Vec<f64>>())
            };
            record.by_kind = list(&mut numbers)?.into_iter().map(|n| n as u64).collect();
            record.multicasts = list(&mut numbers)?.into_iter().map(|n| n as u64).collect();
            // async-racks.
            record.through_core = numbers.next()? as u64;
            record.rounds_played = numbers.next()? as u32;
            record.peak_through_core = numbers.next()? as u64;
            // Many messages.
            record.message_latencies = list(&mut numbers)?
                .into_iter()
                .map(|latency| (latency >= 0.0).then_some(latency as u32))
                .collect();
            // membership.
            let mut optional = || numbers.next().map(|n| Some(n).filter(|n| !n.is_nan()));
            record.first_detection = optional()?;
            record.all_detection = optional()?;
            record.join_time = optional()?;
            record.false_detections = numbers.next()? as u64;
            record.bytes = numbers.next()? as u64;
            record.lesson_measured = numbers.next().map(|n| Some(n).filter(|n| !n.is_nan()))?;
            record.message_figures = list(&mut numbers)?;
            // Partitions.
            record.partitioned = numbers.next()? as u64;
            record.rejoin_time = numbers.next().map(|n| Some(n).filter(|n| !n.is_nan()))?;
            records.push(record);
        }
        Some(records)
    }
}

// One copy of these in the wasm, not one per figure (`summarize` has twenty).
#[inline(never)]
fn series(records: &[TrialRecord], figure: &dyn Fn(&TrialRecord) -> f64) -> Vec<f64> {
    records.iter().map(figure).collect()
}

/// A figure's `Stats` over the records; no records (only a caller's mistake: trials >= 1) gives
/// NaN, which JSON prints as null.
#[inline(never)]
fn stats(records: &[TrialRecord], figure: &dyn Fn(&TrialRecord) -> f64) -> Stats {
    Stats::of(&series(records, figure)).unwrap_or(NO_STATS)
}

/// Runs trial `trial` of `config` (seed `trial_seed(config.seed, trial)`); `config` must be valid.
pub fn run_trial(config: &Config, trial: u32) -> TrialRecord {
    let kinds = protocols::kinds(config).len();
    let trial_config = Config {
        seed: trial_seed(config.seed, u64::from(trial)),
        ..config.clone()
    };
    let mut simulation = Simulation::new(trial_config).expect("a validated configuration");
    let cannot_spread = simulation.warning().is_some();
    simulation.run_to_end();
    let totals = simulation.totals();
    let mut record = TrialRecord {
        trial,
        completion_time: simulation.completion_time(),
        live: simulation.live(),
        uninformed: simulation.live() - simulation.informed(),
        arrivals: simulation.arrivals(),
        datagrams: totals.datagrams,
        payload: totals.payload,
        redundant: totals.redundant,
        lost: totals.lost,
        repaired: totals.repaired,
        at_sender: totals.at_sender,
        by_kind: totals.by_kind[..kinds].to_vec(),
        multicasts: totals.multicasts[..kinds].to_vec(),
        peak_at_sender: simulation.peak_at_sender(),
        cannot_spread,
        through_core: totals.through_core,
        rounds_played: simulation.round(),
        peak_through_core: simulation.peak_through_core(),
        message_latencies: simulation.message_latencies(),
        partitioned: totals.partitioned,
        rejoin_time: simulation.rejoin_time(),
        halted: simulation.halted(),
        ..TrialRecord::default()
    };
    // membership.
    if let Some(round) = simulation.membership() {
        record.first_detection = round.first_detection;
        record.all_detection = round.all_detection;
        record.join_time = round.join_time;
        record.false_detections = round.false_detections;
        record.bytes = round.bytes;
    }
    record.lesson_measured = simulation.lesson().and_then(|lesson| lesson.measured);
    record.message_figures = simulation.message_figures();
    record
}

/// Each per-message figure of the protocol over the trials: per message the mean of the trials
/// that measured it, and the mean over every (trial, message) pair that did.
fn per_message(config: &Config, records: &[TrialRecord]) -> BTreeMap<&'static str, PerMessage> {
    let figures = config.mode.spec().message_figures();
    let messages = config.messages.count.max(1) as usize;
    let rounded = |value: f64| (value * 1e6).round() / 1e6;
    figures
        .iter()
        .enumerate()
        .map(|(figure, about)| {
            let value = |record: &TrialRecord, message: usize| {
                record
                    .message_figures
                    .get(figure * messages + message)
                    .copied()
                    .filter(|value| !value.is_nan())
            };
            let per_message = (0..messages)
                .map(|message| {
                    let values: Vec<f64> =
                        records.iter().filter_map(|r| value(r, message)).collect();
                    (!values.is_empty())
                        .then(|| rounded(values.iter().sum::<f64>() / values.len() as f64))
                })
                .collect();
            let all: Vec<f64> = records
                .iter()
                .flat_map(|r| (0..messages).filter_map(move |message| value(r, message)))
                .collect();
            let mean =
                (!all.is_empty()).then(|| rounded(all.iter().sum::<f64>() / all.len() as f64));
            (about.key, PerMessage { mean, per_message })
        })
        .collect()
}

/// Runs trials `first..first + count` in order.
pub fn run_trials(config: &Config, first: u32, count: u32) -> Vec<TrialRecord> {
    (first..first.saturating_add(count))
        .map(|trial| run_trial(config, trial))
        .collect()
}

/// Runs every trial; `progress(done)` is called after each one.
pub fn run(experiment: &Experiment, mut progress: impl FnMut(u32)) -> Summary {
    let records: Vec<TrialRecord> = (0..experiment.trials)
        .map(|trial| {
            let record = run_trial(&experiment.config, trial);
            progress(trial + 1);
            record
        })
        .collect();
    summarize(experiment, &records)
}

/// The summary of `records`, which must be the experiment's trials in trial order (then the
/// figures are the same to the last bit however the trials were run).
pub fn summarize(experiment: &Experiment, records: &[TrialRecord]) -> Summary {
    let config = &experiment.config;
    let kinds = protocols::kinds(config);
    let live = f64::from(config.live_count());
    let series = |figure: &dyn Fn(&TrialRecord) -> f64| series(records, figure);
    let stats = |figure: &dyn Fn(&TrialRecord) -> f64| stats(records, figure);
    let rounds: Vec<f64> = records.iter().filter_map(|r| r.completion_time).collect();
    let residue = series(&|r| f64::from(r.uninformed) / f64::from(r.live.max(1)));
    let arrivals: Vec<Arrivals> = records.iter().filter_map(|r| r.arrivals).collect();
    let mut warning = records
        .iter()
        .any(|r| r.cannot_spread)
        .then(|| CANNOT_SPREAD.to_string());
    let with_residue = residue.iter().filter(|&&residue| residue > 0.0).count();
    if warning.is_none() && config.mongering.stop.is_some() && with_residue > 0 {
        warning = Some(format!(
            "the stop rule ended {with_residue} of {} trials with live nodes never informed (see residue); rounds counts only the trials that informed everyone",
            experiment.trials
        ));
    }
    // async-racks: datagrams through the core and rounds played, over all trials; the peak.
    let through_core: u64 = records.iter().map(|r| r.through_core).sum();
    let rounds_played: u64 = records.iter().map(|r| u64::from(r.rounds_played)).sum();
    let peak_core = records
        .iter()
        .map(|r| r.peak_through_core)
        .max()
        .unwrap_or(0);
    // Many messages: every delivered message's latency, and the incomplete ones per trial.
    let latencies: Vec<f64> = records
        .iter()
        .flat_map(|r| r.message_latencies.iter().flatten())
        .map(|&rounds| f64::from(rounds))
        .collect();
    let closed_form = protocols::closed_form_rounds(config);
    let stop_rule_theory = protocols::stop_rule_theory(config);
    // membership: per trial, rates over the periods the trial ran.
    let membership = config.mode.group() == Group::Membership;
    let optional = |figure: &dyn Fn(&TrialRecord) -> Option<f64>| {
        Stats::of(&records.iter().filter_map(figure).collect::<Vec<_>>())
    };
    let per_period = |r: &TrialRecord| f64::from(r.rounds_played.max(1));
    let partitions = !config.partitions.is_empty();
    Summary {
        config: experiment.echo(),
        live_nodes: config.live_count(),
        completed: rounds.len() as u32,
        rounds: Stats::of(&rounds),
        uninformed: stats(&|r| f64::from(r.uninformed)),
        datagrams_per_node: stats(&|r| r.datagrams as f64 / live),
        payload_per_node: stats(&|r| r.payload as f64 / live),
        redundant_per_node: stats(&|r| r.redundant as f64 / live),
        lost_per_node: stats(&|r| r.lost as f64 / live),
        kinds_per_node: kinds
            .iter()
            .enumerate()
            .map(|(kind, name)| (name.name, stats(&|r| count(&r.by_kind, kind) as f64 / live)))
            .collect(),
        multicasts: kinds
            .iter()
            .enumerate()
            .filter(|&(kind, _)| config.mode.spec().multicast_kinds().contains(&(kind as u8)))
            .map(|(kind, name)| (name.name, stats(&|r| count(&r.multicasts, kind) as f64)))
            .collect(),
        at_sender: stats(&|r| r.at_sender as f64),
        peak_at_sender: stats(&|r| r.peak_at_sender as f64),
        lost_packets: stats(&|r| r.repaired as f64),
        residue: Stats::of(&residue).unwrap_or(NO_STATS),
        traffic: stats(&|r| r.payload as f64 / live),
        t_ave: Stats::of(&arrivals.iter().map(|a| a.mean).collect::<Vec<_>>()),
        t_last: Stats::of(&arrivals.iter().map(|a| a.last).collect::<Vec<_>>()),
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
        incomplete_messages: config.many_messages().then(|| {
            stats(&|r| {
                r.message_latencies
                    .iter()
                    .filter(|done| done.is_none())
                    .count() as f64
            })
            .mean
        }),
        first_detection: membership.then(|| optional(&|r| r.first_detection)),
        all_detection: membership.then(|| optional(&|r| r.all_detection)),
        false_detections_per_1000_periods: membership
            .then(|| stats(&|r| r.false_detections as f64 * 1000.0 / per_period(r))),
        datagrams_per_node_per_period: membership
            .then(|| stats(&|r| r.datagrams as f64 / live / per_period(r))),
        bytes_per_node_per_period: membership
            .then(|| stats(&|r| r.bytes as f64 / live / per_period(r))),
        join_time: (membership && config.membership.join_at.is_some())
            .then(|| optional(&|r| r.join_time)),
        expected_first_detection: membership
            .then(|| protocols::lesson(config, None).and_then(|lesson| lesson.expected))
            .flatten(),
        lesson: protocols::lesson(config, None).map(|lesson| LessonSummary {
            figure: lesson.figure,
            expected: lesson.expected,
            measured: Stats::of(
                &records
                    .iter()
                    .filter_map(|r| r.lesson_measured)
                    .collect::<Vec<_>>(),
            )
            .map(|stats| stats.mean),
        }),
        per_message: per_message(config, records),
        partitioned: partitions.then(|| stats(&|r| r.partitioned as f64)),
        false_detections: (partitions && membership).then(|| stats(&|r| r.false_detections as f64)),
        rejoin_time: (membership && config.partitions.last_heal().is_some())
            .then(|| optional(&|r| r.rejoin_time)),
    }
}
