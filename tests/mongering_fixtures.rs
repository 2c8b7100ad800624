#![cfg(not(target_arch = "wasm32"))]
//! Rumor mongering's stop rules and push-then-pull's hand-over, each as a small fixture
//! (theory.md section 6; the issue "Gossip as it really runs": hybrids and stopping).

use gossip_lab::engine::protocols::mongering::{self, FEEDBACK, PUSH, StopRule};
use gossip_lab::engine::protocols::push_pull;
use gossip_lab::engine::protocols::push_then_pull;
use gossip_lab::engine::{Config, Mode, NetworkConfig, Simulation, Status};

fn mongering(nodes: u32, stop: &str, k: u32, seed: u64) -> Config {
    Config {
        nodes,
        mode: Mode::Push,
        seed,
        mongering: mongering::Params {
            stop: StopRule::from_name(stop),
            k,
        },
        ..Config::default()
    }
}

fn run(config: Config) -> Simulation {
    let mut simulation = Simulation::new(config).unwrap();
    simulation.run_to_end();
    simulation
}

#[test]
fn stop_rule_names_round_trip() {
    for &name in StopRule::NAMES {
        assert_eq!(StopRule::from_name(name).unwrap().name(), name);
    }
    assert_eq!(StopRule::from_name("feedback"), None);
}

/// Two nodes: each push reaches the other one. Round 1: 0 tells 1 (necessary). Round 2: both
/// push to a node that knew at the round's start: two unnecessary contacts, and with k = 1 both
/// stop. Three pushes, three answers, quiet after round 2, everyone informed.
#[test]
fn feedback_counter_stops_after_k_unnecessary_contacts() {
    let simulation = run(mongering(2, "feedback-counter", 1, 1));
    assert_eq!(simulation.status(), Status::Completed { rounds: 2 });
    let totals = simulation.totals();
    assert_eq!(totals.by_kind[PUSH as usize], 3);
    assert_eq!(totals.by_kind[FEEDBACK as usize], 3);
    // k = 2: one more round of two unnecessary contacts.
    let simulation = run(mongering(2, "feedback-counter", 2, 1));
    assert_eq!(simulation.status(), Status::Completed { rounds: 3 });
    assert_eq!(simulation.totals().by_kind[PUSH as usize], 5);
    // Completion time is when the last node got it (round 1), not when the rumor died.
    assert_eq!(simulation.completion_time(), Some(1.0));
}

/// Blind counter: every informed node pushes exactly k times, then stops; no answers are sent.
#[test]
fn blind_counter_pushes_exactly_k_times_per_informed_node() {
    for k in [1, 2, 3] {
        for seed in [1, 2, 3] {
            let simulation = run(mongering(500, "blind-counter", k, seed));
            assert!(matches!(
                simulation.status(),
                Status::Completed { .. } | Status::Ended { .. }
            ));
            let informed = u64::from(simulation.informed());
            let totals = simulation.totals();
            assert_eq!(totals.by_kind[PUSH as usize], informed * u64::from(k));
            assert_eq!(totals.by_kind[FEEDBACK as usize], 0);
        }
    }
}

/// Blind coin with k = 1 stops after its first push: the rumor walks a chain, one new node per
/// round until a push hits a node that knew.
#[test]
fn blind_coin_with_k_1_is_a_chain() {
    for seed in 1..20 {
        let simulation = run(mongering(1000, "blind-coin", 1, seed));
        let informed = simulation.informed();
        assert_eq!(simulation.totals().payload, u64::from(informed));
        let arrivals = simulation.arrivals().unwrap();
        // One node per round: informed in rounds 1 ..= L, so t_last = L and t_ave = (L + 1) / 2.
        let chain = f64::from(informed - 1);
        assert_eq!(arrivals.last, chain);
        assert!((arrivals.mean - (chain + 1.0) / 2.0).abs() < 1e-9);
    }
}

/// Feedback: with no loss every push is answered; a run goes on after all know until no node
/// is infective, then steps no more.
#[test]
fn feedback_answers_every_delivered_push_and_runs_to_quiet() {
    let mut simulation = Simulation::new(mongering(300, "feedback-coin", 3, 5)).unwrap();
    let mut all_informed_at = None;
    while let Some(report) = simulation.step() {
        if all_informed_at.is_none() && report.informed == simulation.live() {
            all_informed_at = Some(report.round);
        }
    }
    let totals = simulation.totals();
    assert_eq!(
        totals.by_kind[PUSH as usize],
        totals.by_kind[FEEDBACK as usize]
    );
    assert!(simulation.step().is_none());
    if let Some(round) = all_informed_at {
        // Everyone knew before the rumor died out.
        assert!(matches!(simulation.status(), Status::Completed { rounds } if rounds > round));
    } else {
        assert!(matches!(simulation.status(), Status::Ended { .. }));
    }
}

/// A stop rule may leave nodes never informed, and says so: the run ends, it does not stop at
/// the round limit.
#[test]
fn a_residue_ends_the_run() {
    let ended = (1..40)
        .map(|seed| run(mongering(1000, "feedback-counter", 1, seed)))
        .filter(|simulation| matches!(simulation.status(), Status::Ended { .. }))
        .count();
    // k = 1 leaves about 18 % uninformed: practically every run ends with a residue.
    assert!(ended >= 35, "{ended}");
}

/// With loss, a lost answer is no answer: feedback datagrams are fewer than pushes.
#[test]
fn lost_feedback_is_no_feedback() {
    let mut config = mongering(1000, "feedback-counter", 2, 3);
    config.network = NetworkConfig {
        loss: 0.3,
        ..NetworkConfig::default()
    };
    let simulation = run(config);
    let totals = simulation.totals();
    assert!(totals.by_kind[FEEDBACK as usize] < totals.by_kind[PUSH as usize]);
}

fn hybrid(until: Option<f64>, rounds: Option<u32>, seed: u64) -> Config {
    Config {
        nodes: 2000,
        mode: Mode::Push,
        seed,
        hybrid: push_then_pull::Params { until, rounds },
        ..Config::default()
    }
}

/// Push while under the threshold at the round's start, then only pulls, for good.
#[test]
fn push_hands_over_to_pull_at_the_threshold() {
    for seed in [1, 2, 3] {
        let mut simulation = Simulation::new(hybrid(Some(0.5), None, seed)).unwrap();
        let live = f64::from(simulation.live());
        let mut informed_at_start = 1.0;
        let mut pulled = false;
        while let Some(report) = simulation.step() {
            let pushes = report.counters.by_kind[push_pull::PUSH as usize];
            let requests = report.counters.by_kind[0];
            if informed_at_start / live < 0.5 {
                assert!(pushes > 0 && requests == 0, "round {}", report.round);
            } else {
                assert!(pushes == 0 && requests > 0, "round {}", report.round);
                pulled = true;
            }
            informed_at_start = f64::from(report.informed);
        }
        assert!(pulled);
        assert!(matches!(simulation.status(), Status::Completed { .. }));
    }
}

#[test]
fn push_rounds_pushes_for_that_many_rounds() {
    let mut simulation = Simulation::new(hybrid(None, Some(4), 9)).unwrap();
    while let Some(report) = simulation.step() {
        let pushes = report.counters.by_kind[push_pull::PUSH as usize];
        assert_eq!(pushes > 0, report.round <= 4, "round {}", report.round);
    }
}

/// Pushing "until everyone knows" is plain push: the same informed counts, round by round.
#[test]
fn push_until_1_is_push() {
    for seed in [4, 5] {
        let mut hybrid = Simulation::new(hybrid(Some(1.0), None, seed)).unwrap();
        let mut push = Simulation::new(Config {
            hybrid: push_then_pull::Params::default(),
            ..hybrid.config().clone()
        })
        .unwrap();
        loop {
            let (a, b) = (hybrid.step(), push.step());
            assert_eq!(a.is_some(), b.is_some());
            let (Some(a), Some(b)) = (a, b) else { break };
            assert_eq!(a.informed, b.informed);
            assert_eq!(a.counters.datagrams, b.counters.datagrams);
        }
    }
}

#[test]
fn a_stop_rule_and_a_hand_over_are_refused_together() {
    let mut config = hybrid(Some(0.5), None, 1);
    config.mongering.stop = StopRule::from_name("feedback-coin");
    let error = Simulation::new(config).err().unwrap().to_string();
    assert!(error.contains("cannot be combined"), "{error}");
}

/// URL keys with '_' or '-' name the same parameter (`stop_k` = `stop-k`).
#[test]
fn url_keys_take_either_spelling() {
    use gossip_lab::engine::params::find_by_url;
    for (url, key) in [
        ("stop_k", "stop_k"),
        ("stop-k", "stop_k"),
        ("push_until", "push_until"),
        ("push-rounds", "push_rounds"),
        ("ack_period", "ack_period"),
    ] {
        assert_eq!(find_by_url(url).map(|param| param.key), Some(key), "{url}");
    }
}

/// The engine reports who still spreads. Blind counter with b = 1: a node pushes once a round,
/// from the round after it learned the rumor, and stops after k pushes; so after round R exactly
/// the nodes informed in rounds R - k + 1 ..= R are infective, every earlier one removed, and at
/// the end nobody spreads. Plain push has no stop rule and reports nothing.
#[test]
fn the_engine_reports_who_still_spreads() {
    for (k, seed) in [(1, 1), (2, 2), (3, 3), (3, 4)] {
        let mut simulation = Simulation::new(mongering(200, "blind-counter", k, seed)).unwrap();
        let mut infective_seen = 0;
        while simulation.step().is_some() {
            let round = simulation.round();
            for node in 0..200 {
                let infective = simulation
                    .informed_when_and_by(node)
                    .is_some_and(|(when, _)| round - when < k);
                assert_eq!(
                    simulation.spreading(node),
                    Some(infective),
                    "k {k}, seed {seed}, round {round}, node {node}"
                );
                infective_seen += u32::from(infective);
            }
        }
        assert!(infective_seen >= 2, "k {k}, seed {seed}: {infective_seen}");
        assert!((0..200).all(|node| simulation.spreading(node) == Some(false)));
    }
    let mut push = Simulation::new(Config {
        nodes: 50,
        ..Config::default()
    })
    .unwrap();
    push.run_to_end();
    assert_eq!(push.spreading(0), None);
}
