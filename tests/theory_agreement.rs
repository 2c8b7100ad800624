#![cfg(not(target_arch = "wasm32"))]
//! The simulator against theory.md, with fixed seeds and the tolerances theory allows
//! (every formula carries an O(1) term worth about a round).

use gossip_lab::engine::ensemble::{self, Experiment, Stats};
use gossip_lab::engine::theory::mean_field_rounds;
use gossip_lab::engine::{Config, Mode, NetworkConfig, Simulation};

fn rounds(config: &Config, trials: u32) -> Stats {
    let summary = ensemble::run(&Experiment::new(config.clone(), trials).unwrap(), |_| {});
    assert_eq!(
        summary.completed, trials,
        "every trial completes: {config:?}"
    );
    summary.rounds.unwrap()
}

#[test]
fn push_fanout_one_lies_within_the_doerr_kuennemann_bounds() {
    // floor(log2 N) + ln N - 1.116 <= E[T] <= ceil(log2 N) + ln N + 2.765 (Doerr & Kuennemann 2014).
    for nodes in [1_000u32, 10_000] {
        let n = f64::from(nodes);
        let lower = n.log2().floor() + n.ln() - 1.116;
        let upper = n.log2().ceil() + n.ln() + 2.765;
        let mean = rounds(
            &Config {
                nodes,
                seed: 2024,
                ..Config::default()
            },
            300,
        )
        .mean;
        assert!(
            (lower..=upper).contains(&mean),
            "N = {nodes}: mean {mean} outside [{lower}, {upper}]"
        );
    }
}

fn assert_mean_field_within_one_round(config: Config, trials: u32) {
    let simulated = rounds(&config, trials).mean;
    let predicted = f64::from(mean_field_rounds(&config).unwrap());
    assert!(
        (simulated - predicted).abs() <= 1.0,
        "{} N={} b={} loss={} crash={}: simulated {simulated:.2}, mean-field {predicted}",
        config.mode,
        config.nodes,
        config.fanout,
        config.network.loss,
        config.network.crash
    );
}

#[test]
fn the_mean_field_recurrence_is_within_one_round_of_the_simulated_mean() {
    for mode in Mode::GOSSIP {
        for nodes in [1_000, 10_000] {
            assert_mean_field_within_one_round(
                Config {
                    nodes,
                    mode,
                    seed: 77,
                    ..Config::default()
                },
                200,
            );
        }
    }
}

#[test]
fn the_mean_field_recurrence_holds_under_loss_crashes_and_fanout() {
    let cases = [
        (Mode::Push, 1, 0.5, 0.0),
        (Mode::Pull, 1, 0.3, 0.0),
        (Mode::PushPull, 1, 0.3, 0.3),
        (Mode::Push, 3, 0.2, 0.5),
        (Mode::Pull, 2, 0.0, 0.5),
    ];
    for (mode, fanout, loss, crash) in cases {
        assert_mean_field_within_one_round(
            Config {
                nodes: 10_000,
                mode,
                fanout,
                network: NetworkConfig { loss, crash },
                seed: 5,
                ..Config::default()
            },
            100,
        );
    }
}

/// Mean rounds from the first round with at least half the live nodes informed to completion.
fn mean_tail(mode: Mode) -> f64 {
    let trials = 100;
    let mut total = 0;
    for seed in 0..trials {
        let mut simulation = Simulation::new(Config {
            nodes: 10_000,
            mode,
            seed,
            ..Config::default()
        })
        .unwrap();
        let mut half_at = None;
        while let Some(report) = simulation.step() {
            if half_at.is_none() && report.informed * 2 >= simulation.live() {
                half_at = Some(report.round);
            }
        }
        total += simulation.round() - half_at.unwrap();
    }
    f64::from(total) / f64::from(trials as u32)
}

#[test]
fn pull_finishes_its_second_half_faster_than_push() {
    // Push's tail is ln N rounds; pull's is O(log log N) (theory.md sections 2 and 3).
    let (push, pull) = (mean_tail(Mode::Push), mean_tail(Mode::Pull));
    assert!(
        pull + 3.0 < push,
        "tails: pull {pull:.2} rounds, push {push:.2} rounds"
    );
}

#[test]
fn push_pull_beats_both_push_and_pull() {
    let mean = |mode| {
        rounds(
            &Config {
                nodes: 10_000,
                mode,
                seed: 9,
                ..Config::default()
            },
            100,
        )
        .mean
    };
    let (push, pull, push_pull) = (mean(Mode::Push), mean(Mode::Pull), mean(Mode::PushPull));
    assert!(
        push_pull < pull && pull < push,
        "push {push}, pull {pull}, push-pull {push_pull}"
    );
}

#[test]
fn half_the_datagrams_lost_is_like_half_the_fanout() {
    // theory.md section 4: 50% loss behaves like b / 2.
    let base = Config {
        nodes: 10_000,
        seed: 31,
        ..Config::default()
    };
    let lossy = rounds(
        &Config {
            fanout: 4,
            network: NetworkConfig {
                loss: 0.5,
                ..NetworkConfig::default()
            },
            ..base.clone()
        },
        100,
    )
    .mean;
    let half_fanout = rounds(&Config { fanout: 2, ..base }, 100).mean;
    assert!(
        (lossy - half_fanout).abs() <= 1.0,
        "b=4 loss=0.5: {lossy:.2}; b=2: {half_fanout:.2}"
    );
}
