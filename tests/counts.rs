//! The counting driver (#8's speed): plain push, pull and push-pull played as counts must follow
//! the fast driver's law, node by node. Per configuration two independent samples (the counted
//! one from another seed) of 4,000 trials: the means of rounds, uninformed nodes, datagrams per
//! node, t_ave and t_last within 4 standard errors of their difference, and the rounds'
//! distributions within the two-sample Kolmogorov-Smirnov bound at the 0.01 % level. 4, not 3:
//! some 90 comparisons are made, and 4 standard errors each (Bonferroni) keep the chance that a
//! right driver fails on a given seed near 3 standard errors' 0.3 %. Plus the fixtures where the
//! counts are certain.

use gossip_lab::engine::drivers::counts;
use gossip_lab::engine::ensemble::{self, TrialRecord};
use gossip_lab::engine::sweep;
use gossip_lab::engine::{Config, Mode};

const TRIALS: u32 = 4000;

fn config(mode: Mode, nodes: u32, changes: &[(&str, &str)]) -> Config {
    let mut config = Config {
        mode,
        nodes,
        seed: 17,
        ..Config::default()
    };
    for (key, value) in changes {
        config.set(key, value).expect("a valid parameter");
    }
    config
}

/// Mean and standard error of the mean.
fn mean_and_error(values: &[f64]) -> (f64, f64) {
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1.0);
    (mean, (variance / count).sqrt())
}

/// The largest gap between the two samples' empirical distribution functions.
fn kolmogorov_smirnov(a: &[f64], b: &[f64]) -> f64 {
    let mut points: Vec<f64> = a.iter().chain(b).copied().collect();
    points.sort_by(f64::total_cmp);
    points.dedup();
    let cdf = |sample: &[f64], x: f64| {
        sample.iter().filter(|&&value| value <= x).count() as f64 / sample.len() as f64
    };
    points
        .iter()
        .map(|&x| (cdf(a, x) - cdf(b, x)).abs())
        .fold(0.0, f64::max)
}

/// A figure of every trial (None: the trial has none, e.g. no completion).
type Figure = fn(&TrialRecord) -> Option<f64>;

const FIGURES: [(&str, Figure); 5] = [
    ("rounds", |r| r.completion_time),
    ("uninformed", |r| Some(f64::from(r.uninformed))),
    ("datagrams per node", |r| {
        Some(r.datagrams as f64 / f64::from(r.live))
    }),
    ("t_ave", |r| r.arrivals.map(|a| a.mean)),
    ("t_last", |r| r.arrivals.map(|a| a.last)),
];

#[test]
fn counted_trials_follow_the_node_by_node_law() {
    let variants: [(u32, &[(&str, &str)]); 8] = [
        (512, &[]),
        (512, &[("loss", "0.2")]),
        (512, &[("crash", "0.3")]),
        (512, &[("fanout", "3"), ("loss", "0.1"), ("crash", "0.1")]),
        (512, &[("senders", "4"), ("fanout", "2")]),
        // Stopped by the round limit: the uninformed left.
        (512, &[("max_rounds", "6"), ("loss", "0.3")]),
        // Larger N, heavy loss: most of a push run on the geometric skips.
        (2048, &[("fanout", "2"), ("loss", "0.5")]),
        (64, &[("fanout", "16"), ("loss", "0.9"), ("crash", "0.5")]),
    ];
    for mode in [Mode::Push, Mode::Pull, Mode::PushPull] {
        for (nodes, changes) in variants {
            let config = config(mode, nodes, changes);
            assert!(counts::counts(&config), "{mode} {changes:?} is counted");
            let by_node = ensemble::run_trials(&config, 0, TRIALS);
            // Another seed: samples from one seed's trial streams would be correlated.
            let other_seed = Config {
                seed: 1017,
                ..config.clone()
            };
            let counted = sweep::run_trials(&other_seed, 0, TRIALS);
            let label = format!("{mode} N = {nodes} {changes:?}");
            for (figure, of) in FIGURES {
                let a: Vec<f64> = by_node.iter().filter_map(of).collect();
                let b: Vec<f64> = counted.iter().filter_map(of).collect();
                assert_eq!(a.is_empty(), b.is_empty(), "{label}: {figure}");
                if a.len() < 30 || b.len() < 30 {
                    continue;
                }
                let ((mean_a, error_a), (mean_b, error_b)) =
                    (mean_and_error(&a), mean_and_error(&b));
                let bound = 4.0 * error_a.hypot(error_b);
                assert!(
                    (mean_a - mean_b).abs() <= bound,
                    "{label}: {figure} {mean_a} node by node, {mean_b} counted (bound {bound})"
                );
                if figure == "rounds" {
                    // Two-sample KS at alpha = 0.0001: c(alpha) sqrt((n + m) / (n m)), c = 2.23.
                    let bound =
                        2.23 * ((a.len() + b.len()) as f64 / (a.len() * b.len()) as f64).sqrt();
                    let distance = kolmogorov_smirnov(&a, &b);
                    assert!(
                        distance <= bound,
                        "{label}: rounds' distributions differ by {distance} (bound {bound})"
                    );
                }
            }
        }
    }
}

#[test]
fn only_plain_gossip_is_counted_and_the_rest_of_a_sweep_is_the_experiments_trial() {
    for mode in [Mode::Push, Mode::Pull, Mode::PushPull] {
        assert!(counts::counts(&config(mode, 100, &[("loss", "0.3")])));
        for changes in [
            &[("messages", "4")][..],
            &[("async", "0.2")],
            &[("racks", "4")],
            &[("delay", "fixed:0.5")],
            &[("burst", "0.1:0.5")],
            &[("crash_at", "3:0.2")],
        ] {
            assert!(
                !counts::counts(&config(mode, 100, changes)),
                "{mode} {changes:?} needs the event driver"
            );
        }
    }
    for push_rule in [("stop", "feedback-counter"), ("push_until", "0.5")] {
        assert!(!counts::counts(&config(Mode::Push, 100, &[push_rule])));
    }
    for mode in [Mode::Centralized, Mode::Tree, Mode::Srm, Mode::Rmtp] {
        let config = config(mode, 64, &[("loss", "0.1")]);
        assert!(!counts::counts(&config), "{mode}");
        assert_eq!(
            sweep::run_trials(&config, 0, 3),
            ensemble::run_trials(&config, 0, 3),
            "{mode}: a sweep plays the experiment's trials"
        );
    }
}

#[test]
fn counts_that_are_certain() {
    // N = 2: the sender's one push, or both nodes' pull and its reply, informs the other node.
    let push = counts::run_trial(&config(Mode::Push, 2, &[]), 0);
    assert_eq!((push.completion_time, push.datagrams), (Some(1.0), 1));
    let pull = counts::run_trial(&config(Mode::Pull, 2, &[]), 0);
    assert_eq!((pull.completion_time, pull.datagrams), (Some(1.0), 4));
    let push_pull = counts::run_trial(&config(Mode::PushPull, 2, &[]), 0);
    assert_eq!(
        (push_pull.completion_time, push_pull.datagrams),
        (Some(1.0), 3),
        "the sender pushes, the other node pulls and is answered"
    );
    // Everything lost: nobody learns, the run stops at its limit having pushed every round.
    let lost = config(Mode::Push, 1000, &[("loss", "1"), ("max_rounds", "40")]);
    let record = counts::run_trial(&lost, 0);
    assert_eq!(record.completion_time, None);
    assert_eq!((record.uninformed, record.rounds_played), (999, 40));
    assert_eq!(record.datagrams, 40);
    assert!(record.cannot_spread);
    // A loss a hair below 1 is every datagram lost on the fast driver (its integer threshold), so
    // here too: nobody learns in the ten rounds allowed.
    for mode in [Mode::Push, Mode::Pull, Mode::PushPull] {
        let almost = config(
            mode,
            1024,
            &[
                ("loss", "0.9999999999999999"),
                ("senders", "600"),
                ("max_rounds", "10"),
            ],
        );
        let record = counts::run_trial(&almost, 0);
        assert_eq!(
            (record.completion_time, record.uninformed),
            (None, 424),
            "{mode}"
        );
        assert_eq!(
            ensemble::run_trial(&almost, 0).uninformed,
            424,
            "{mode} node by node"
        );
    }
    // Every pull round sends a request and a reply per live node without loss.
    let record = counts::run_trial(&config(Mode::Pull, 4096, &[]), 3);
    let rounds = record.completion_time.expect("completes");
    assert_eq!(record.datagrams as f64, 2.0 * 4096.0 * rounds);
}

#[test]
fn a_counted_trial_is_its_seed_and_chunks_make_the_same_records() {
    let config = config(Mode::PushPull, 3000, &[("loss", "0.05")]);
    let whole = sweep::run_trials(&config, 0, 30);
    let chunked: Vec<TrialRecord> = [(0, 7), (7, 7), (14, 16)]
        .into_iter()
        .flat_map(|(first, count)| sweep::run_trials(&config, first, count))
        .collect();
    assert_eq!(whole, chunked);
    assert_eq!(whole[5], counts::run_trial(&config, 5));
    assert_ne!(whole[5], whole[6], "trials have their own seeds");
}

/// Mean and standard deviation, each with its standard error: the mean's sd / sqrt(n); the sd's
/// from the sample's fourth central moment, Var(s^2) = (m4 - s^4) / n, through s = sqrt(s^2)
/// (delta method: se(s) = se(s^2) / (2 s)), which holds for any law with a fourth moment.
fn mean_and_sd_with_errors(values: &[f64]) -> ((f64, f64), (f64, f64)) {
    let n = values.len() as f64;
    let (mean, mean_error) = mean_and_error(values);
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let sd = variance.sqrt();
    let sd_error = ((m4 - variance * variance).max(0.0) / n).sqrt() / (2.0 * sd);
    ((mean, mean_error), (sd, sd_error))
}

/// A pull round is a handful of binomial draws, whatever N (the count of uninformed callers
/// informed is exactly binomial: callers are independent). Against the node-by-node driver at
/// N where those draws take the transformed-rejection path in most rounds: 2,000 trials each,
/// from different seeds, the mean and the standard deviation of the rounds to inform everyone,
/// and the mean datagrams per node, within 3 standard errors of their difference (the brief's
/// tolerance; 7 configurations, 21 comparisons, all seeds fixed).
#[test]
fn counted_pulls_match_node_by_node_in_mean_and_spread_at_large_n() {
    const TRIALS: u32 = 2000;
    type Variant = (Mode, u32, &'static [(&'static str, &'static str)]);
    let variants: [Variant; 7] = [
        (Mode::Pull, 16384, &[]),
        (
            Mode::Pull,
            16384,
            &[("fanout", "2"), ("loss", "0.2"), ("crash", "0.1")],
        ),
        (Mode::Pull, 4096, &[("fanout", "3"), ("loss", "0.4")]),
        (Mode::PushPull, 16384, &[]),
        (Mode::PushPull, 8192, &[("loss", "0.3")]),
        (Mode::PushPull, 4096, &[("fanout", "2"), ("crash", "0.3")]),
        (Mode::Push, 16384, &[]),
    ];
    for (mode, nodes, changes) in variants {
        let config = config(mode, nodes, changes);
        assert!(counts::counts(&config));
        let by_node = ensemble::run_trials(&config, 0, TRIALS);
        let counted = sweep::run_trials(
            &Config {
                seed: 2017,
                ..config.clone()
            },
            0,
            TRIALS,
        );
        let label = format!("{mode} N = {nodes} {changes:?}");
        let rounds = |records: &[TrialRecord]| -> Vec<f64> {
            records
                .iter()
                .map(|r| r.completion_time.expect("completes"))
                .collect()
        };
        let ((mean_a, mean_error_a), (sd_a, sd_error_a)) =
            mean_and_sd_with_errors(&rounds(&by_node));
        let ((mean_b, mean_error_b), (sd_b, sd_error_b)) =
            mean_and_sd_with_errors(&rounds(&counted));
        let bound = 3.0 * mean_error_a.hypot(mean_error_b);
        assert!(
            (mean_a - mean_b).abs() <= bound,
            "{label}: mean rounds {mean_a} node by node, {mean_b} counted (bound {bound})"
        );
        let bound = 3.0 * sd_error_a.hypot(sd_error_b);
        assert!(
            (sd_a - sd_b).abs() <= bound,
            "{label}: sd of rounds {sd_a} node by node, {sd_b} counted (bound {bound})"
        );
        let per_node = |records: &[TrialRecord]| -> Vec<f64> {
            records
                .iter()
                .map(|r| r.datagrams as f64 / f64::from(r.live))
                .collect()
        };
        let ((a, error_a), (b, error_b)) = (
            mean_and_error(&per_node(&by_node)),
            mean_and_error(&per_node(&counted)),
        );
        let bound = 3.0 * error_a.hypot(error_b);
        assert!(
            (a - b).abs() <= bound,
            "{label}: datagrams per node {a} node by node, {b} counted (bound {bound})"
        );
    }
}
