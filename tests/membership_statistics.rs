#![cfg(not(target_arch = "wasm32"))]
//! Membership by gossip against theory.md section 10, with fixed seeds on several seed offsets:
//! SWIM's first detection after e / (e - 1) periods at N = 1000; heartbeat with a generous
//! T_fail and no loss never fails a live node; Cassandra convicts after phi / log10(e) mean
//! intervals; loss makes false detections with a small T_fail, and fewer with a larger k.

use gossip_lab::engine::ensemble::{self, Experiment, Summary};
use gossip_lab::engine::{Config, Mode, Simulation};

fn summary(mode: Mode, nodes: u32, seed: u64, trials: u32, settings: &[(&str, &str)]) -> Summary {
    let mut config = Config {
        mode,
        nodes,
        seed,
        ..Config::default()
    };
    for (key, text) in settings {
        config.set(key, text).unwrap();
    }
    ensemble::run(&Experiment::new(config, trials).unwrap(), |_| {})
}

#[test]
fn swim_first_detection_is_e_over_e_minus_1_periods_at_n_1000() {
    let expected = std::f64::consts::E / (std::f64::consts::E - 1.0);
    for seed in [1, 1001] {
        let trials = 500;
        let summary = summary(
            Mode::Swim,
            1000,
            seed,
            trials,
            &[("crash_at", "2:0.001"), ("periods", "12")],
        );
        let first = summary.first_detection.unwrap().unwrap();
        // Geometric: each period some member pings the crashed one with 1 - (1 - 1/(N-1))^(N-1).
        let error = (first.mean - expected).abs();
        let tolerance = 3.0 * first.standard_error(trials);
        assert!(error < 0.1 * expected, "seed {seed}: {first:?}");
        assert!(
            error < tolerance,
            "seed {seed}: {first:?}, 3 SE = {tolerance}"
        );
    }
}

#[test]
fn heartbeat_with_a_generous_t_fail_and_no_loss_never_fails_a_live_node() {
    for seed in [1, 2, 3] {
        let summary = summary(
            Mode::Heartbeat,
            300,
            seed,
            10,
            &[("t_fail", "30"), ("periods", "80")],
        );
        let false_detections = summary.false_detections_per_1000_periods.unwrap();
        assert_eq!(false_detections.max, 0.0, "seed {seed}");
        // The crash itself is detected by everyone.
        assert!(
            summary.all_detection.unwrap().unwrap().min > 30.0,
            "seed {seed}"
        );
    }
}

#[test]
fn cassandra_convicts_after_phi_over_log10_e_mean_intervals() {
    // Every conviction of the crashed node: periods without news over the mean interval, in
    // the exponential model's units; the check runs once a period, so it exceeds the formula's
    // 18.42 by less than one period's worth (1 / mean interval).
    let formula = 8.0 / std::f64::consts::LOG10_E;
    for seed in [1, 2, 3] {
        let mut config = Config {
            mode: Mode::Cassandra,
            nodes: 200,
            seed,
            ..Config::default()
        };
        config.set("periods", "120").unwrap();
        let mut simulation = Simulation::new(config).unwrap();
        simulation.run_to_end();
        let round = simulation.membership().unwrap();
        assert_eq!(
            round.convictions.len(),
            199,
            "seed {seed}: every live node convicts"
        );
        let mut ratios = Vec::new();
        for &(observer, silence, mean) in &round.convictions {
            // Synchronous rounds deliver news and run the check at a round's first tick, so
            // the silence is a whole number of periods: the first whole number past
            // formula x mean.
            let expected = (formula * mean).floor() + 1.0;
            assert_eq!(
                silence, expected,
                "seed {seed}, observer {observer}, mean {mean}"
            );
            ratios.push(silence / mean);
        }
        let mean_ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
        assert!(
            (mean_ratio - formula).abs() < 1.0,
            "seed {seed}: {mean_ratio}"
        );
        // First conviction: 18.4 mean intervals (of at least one period) after the last news.
        let first = round.first_detection.unwrap();
        assert!(first >= formula - 1.0, "seed {seed}: {first}");
    }
}

#[test]
fn cassandra_with_two_nodes_convicts_its_peer_19_periods_after_its_last_news() {
    // A hand-computed fixture: with N = 2 each node's only partner is the other, so the
    // observer hears a newer version every period (mean interval 1); node 1 crashes at the start
    // of round 10, so the last news is round 9's, and 19 is the first whole number of periods
    // past 8 / log10(e) = 18.42: convicted at the start of round 9 + 19 = 28.
    use gossip_lab::engine::report::Change;
    let mut config = Config {
        mode: Mode::Cassandra,
        nodes: 2,
        seed: 5,
        ..Config::default()
    };
    config.set("periods", "40").unwrap();
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let mut convicted_in = Vec::new();
    while let Some(report) = simulation.step() {
        for event in &report.events {
            if event.change == (Change::Failed { member: 1 }) {
                convicted_in.push((event.node, report.round));
            }
        }
    }
    assert_eq!(convicted_in, [(0, 28)]);
    let round = simulation.membership().unwrap();
    assert_eq!(round.convictions, [(0, 19.0, 1.0)]);
}

#[test]
fn loss_makes_false_detections_with_a_small_t_fail() {
    for seed in [1, 2] {
        let rate = |t_fail: &str| {
            summary(
                Mode::Heartbeat,
                100,
                seed,
                5,
                &[("t_fail", t_fail), ("loss", "0.2"), ("periods", "100")],
            )
            .false_detections_per_1000_periods
            .unwrap()
        };
        let small = rate("4");
        let large = rate("30");
        assert!(small.mean > 100.0, "seed {seed}: {small:?}");
        assert_eq!(large.max, 0.0, "seed {seed}: {large:?}");
    }
}

#[test]
fn swim_makes_fewer_false_detections_with_a_larger_k() {
    for seed in [1, 2] {
        let trials = 10;
        let rate = |k: &str| {
            summary(
                Mode::Swim,
                100,
                seed,
                trials,
                &[
                    ("ping_req", k),
                    ("loss", "0.15"),
                    ("crash_at", "1:0"),
                    ("periods", "100"),
                ],
            )
            .false_detections_per_1000_periods
            .unwrap()
        };
        let (one, four) = (rate("1"), rate("4"));
        let margin = 3.0 * (one.standard_error(trials) + four.standard_error(trials));
        assert!(
            four.mean + margin < one.mean,
            "seed {seed}: k=1 {one:?}, k=4 {four:?}"
        );
    }
}

#[test]
fn swim_timeouts_follow_the_delay_so_long_delays_suspect_no_live_member() {
    use gossip_lab::engine::failures::Delay;
    use gossip_lab::engine::protocols::swim::{PING_TIMEOUT, Timing};
    use gossip_lab::engine::report::{Change, TICKS_PER_ROUND};
    // The timeouts: 99th percentiles of Erlang sums of exponential delays (in rounds:
    // 1 hop ln 100 = 4.605, 2 hops 6.638, 4 hops 10.045), half a tick a hop for rounding.
    assert_eq!(Delay::Exp(1.0).sum_quantile(1, 0.99), 461 + 1);
    assert_eq!(Delay::Exp(1.0).sum_quantile(2, 0.99), 664 + 1);
    assert_eq!(Delay::Exp(5.0).sum_quantile(4, 0.99), 5023 + 2);
    assert_eq!(
        Timing::of(Delay::None),
        Timing {
            ping_timeout: PING_TIMEOUT,
            probe: TICKS_PER_ROUND
        }
    );
    assert_eq!(
        Timing::of(Delay::Fixed(0.5)),
        Timing {
            ping_timeout: 100,
            probe: 300
        }
    );
    // Model: without loss a live member is suspected only if its direct ack comes after the
    // deadline (at most 1 %: the ping timeout alone is the round trip's 99th percentile) and
    // each of the k = 3 indirect probes, each given the 99th percentile of four delays, comes
    // late too (1 % each, independent draws): at most 0.01^4 = 1e-8 a probe. A run of N = 60
    // over 400 periods makes at most 24,000 probes: expected suspicions at most 2.4e-4, so
    // (Markov) a run with any suspicion has probability under 2.4e-4. Before the timeouts
    // followed the delay, delays of a round and more suspected live members by the thousand.
    for delay in ["exp:1", "exp:5"] {
        let mut config = Config {
            mode: Mode::Swim,
            nodes: 60,
            seed: 4,
            ..Config::default()
        };
        for (key, text) in [("delay", delay), ("periods", "400"), ("crash_at", "1:0")] {
            config.set(key, text).unwrap();
        }
        let mut simulation = Simulation::new(config).unwrap();
        let mut suspicions = 0;
        let mut pings = 0;
        while let Some(report) = simulation.step() {
            suspicions += report
                .events
                .iter()
                .filter(|e| matches!(e.change, Change::Suspected { .. } | Change::Failed { .. }))
                .count();
            pings += report.counters.by_kind[0];
        }
        assert_eq!(suspicions, 0, "{delay}: live members suspected");
        assert!(pings > 0, "{delay}: members still probe");
    }
    // And a crash is still detected under such delays (later: a probe takes longer).
    let summary = summary(
        Mode::Swim,
        60,
        4,
        20,
        &[
            ("delay", "exp:1"),
            ("periods", "150"),
            ("crash_at", "5:0.02"),
        ],
    );
    let first = summary
        .first_detection
        .unwrap()
        .expect("the crash is detected");
    assert!(first.min > 0.0, "{first:?}");
}
