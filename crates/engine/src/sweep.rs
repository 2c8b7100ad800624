//! The scaling sweep: for each protocol and each N = 2^k from `from` to `to`, an experiment
//! of `trials` trials, summarised as one row (mean rounds with its 95 % interval, beside the
//! protocol's closed form). `gossip-sim sweep` prints the rows; the page's Web Workers run a
//! point's trials in chunks (`run_trials`) whose union is the same records in the same order, so
//! a row does not depend on how many workers or threads ran it. Plain push, pull and push-pull
//! are played by the counting driver (`drivers::counts`: the same law, a fraction of the work),
//! every other protocol as in an experiment.

use super::config::{Config, ConfigError, Mode, limits};
use super::drivers::counts;
use super::ensemble::{self, Experiment, Stats, Summary, TrialRecord, summarize};
use serde::Serialize;

/// One (protocol, N) point of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub mode: Mode,
    pub nodes: u32,
}

/// Every shared parameter in `base` (fanout, loss, crash, seed, ...), the protocols, N over the
/// powers of two from `from` to `to`, and the trials per point.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub base: Config,
    pub modes: Vec<Mode>,
    pub from: u32,
    pub to: u32,
    pub trials: u32,
}

impl Sweep {
    /// Checks the range (powers of two, 2 to 2^20, from <= to) and every point's configuration,
    /// so a sweep never stops halfway on a bad parameter.
    pub fn new(
        base: Config,
        modes: Vec<Mode>,
        from: u32,
        to: u32,
        trials: u32,
    ) -> Result<Sweep, ConfigError> {
        for (name, nodes) in [("nodes-from", from), ("nodes-to", to)] {
            if !nodes.is_power_of_two() || !(limits::NODES.0..=limits::NODES.1).contains(&nodes) {
                return Err(ConfigError(format!(
                    "{name} must be a power of two from {} to {} (got {nodes})",
                    limits::NODES.0,
                    limits::NODES.1
                )));
            }
        }
        if from > to {
            return Err(ConfigError(format!(
                "nodes-from ({from}) must not be above nodes-to ({to})"
            )));
        }
        if modes.is_empty() {
            return Err(ConfigError("modes must name at least one protocol".into()));
        }
        let sweep = Sweep {
            base,
            modes,
            from,
            to,
            trials,
        };
        for point in sweep.points() {
            sweep.experiment(point).map_err(|ConfigError(message)| {
                ConfigError(format!("{} at N = {}: {message}", point.mode, point.nodes))
            })?;
        }
        Ok(sweep)
    }

    /// The points, protocol by protocol (in the order given), N ascending.
    pub fn points(&self) -> Vec<Point> {
        let sizes = (self.from.trailing_zeros()..=self.to.trailing_zeros()).map(|k| 1 << k);
        self.modes
            .iter()
            .flat_map(|&mode| sizes.clone().map(move |nodes| Point { mode, nodes }))
            .collect()
    }

    /// The experiment at one point: the shared parameters the point's protocol takes, with its
    /// protocol and N.
    pub fn experiment(&self, point: Point) -> Result<Experiment, ConfigError> {
        let config = Config {
            mode: point.mode,
            nodes: point.nodes,
            ..self.base.clone()
        }
        .without_inapplicable();
        Experiment::new(config, self.trials)
    }
}

/// Trial `trial` of a sweep's point: counted where the counting driver plays the configuration,
/// else the experiment's trial (`ensemble::run_trial`).
pub fn run_trial(config: &Config, trial: u32) -> TrialRecord {
    if counts::counts(config) {
        counts::run_trial(config, trial)
    } else {
        ensemble::run_trial(config, trial)
    }
}

/// Trials `first..first + count` of a sweep's point, in order (a worker's share).
pub fn run_trials(config: &Config, first: u32, count: u32) -> Vec<TrialRecord> {
    (first..first.saturating_add(count))
        .map(|trial| run_trial(config, trial))
        .collect()
}

/// Trials `0..trials` split into `(first, count)` chunks of at most `size`, in order.
pub fn chunks(trials: u32, size: u32) -> impl Iterator<Item = (u32, u32)> {
    let size = size.max(1);
    (0..trials)
        .step_by(size as usize)
        .map(move |first| (first, size.min(trials - first)))
}

/// One point's row of the scaling table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub mode: &'static str,
    pub nodes: u32,
    pub trials: u32,
    /// Trials that informed every live node; `rounds` is over these.
    pub completed: u32,
    pub rounds: Option<Stats>,
    /// Half-width of the mean's 95 % confidence interval, 1.96 sd / sqrt(completed) (normal
    /// approximation), rounded to 6 decimals like `Stats`.
    pub rounds_ci95: Option<f64>,
    /// Mean datagrams sent per live node.
    pub datagrams_per_node: f64,
    /// The protocol's closed form for these parameters (`protocols::closed_form_rounds`), if any,
    /// rounded to 6 decimals.
    pub theory: Option<f64>,
    pub theory_source: Option<&'static str>,
}

impl Row {
    /// The row of an experiment (a point of a sweep) from its summary.
    pub fn new(experiment: &Experiment, summary: &Summary) -> Row {
        let rounds = summary.rounds;
        Row {
            mode: experiment.config.mode.name(),
            nodes: experiment.config.nodes,
            trials: experiment.trials,
            completed: summary.completed,
            rounds,
            rounds_ci95: rounds.map(|rounds| {
                (1.96 * rounds.standard_error(summary.completed) * 1e6).round() / 1e6
            }),
            datagrams_per_node: summary.datagrams_per_node.mean,
            theory: summary
                .theory
                .closed_form_rounds
                .map(|rounds| (rounds * 1e6).round() / 1e6),
            theory_source: summary.theory.closed_form_source,
        }
    }

    /// The row of a point from its records (every trial, in trial order).
    pub fn of_records(sweep: &Sweep, point: Point, records: &[TrialRecord]) -> Row {
        let experiment = sweep.experiment(point).expect("checked by Sweep::new");
        Row::new(&experiment, &summarize(&experiment, records))
    }

    pub const CSV_HEADER: &str = "mode,nodes,trials,completed,rounds_mean,rounds_sd,rounds_ci95,rounds_min,rounds_max,datagrams_per_node,theory";

    /// The row in `CSV_HEADER`'s columns (empty where there is no value).
    pub fn csv(&self) -> String {
        let field = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
        let rounds = self.rounds;
        format!(
            "{},{},{},{},{},{},{},{},{},{},{}",
            self.mode,
            self.nodes,
            self.trials,
            self.completed,
            field(rounds.map(|r| r.mean)),
            field(rounds.map(|r| r.sd)),
            field(self.rounds_ci95),
            field(rounds.map(|r| r.min)),
            field(rounds.map(|r| r.max)),
            self.datagrams_per_node,
            field(self.theory),
        )
    }
}
