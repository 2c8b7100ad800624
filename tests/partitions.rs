#![cfg(not(target_arch = "wasm32"))]
//! Network partitions (theory.md section 12): fixtures for the cut (a datagram across it is
//! dropped and counted, one-way blocks one direction only, the heal restores delivery), gossip
//! completing after the heal (statistics with bounds from theory), and membership's split
//! brain and rejoin for SWIM, heartbeat and Cassandra.

use gossip_lab::engine::ensemble::{self, Experiment};
use gossip_lab::engine::report::{Change, PartitionEvent};
use gossip_lab::engine::{Config, Fate, Mode, RoundReport, Simulation, Status};

fn config(mode: Mode, nodes: u32, seed: u64, settings: &[(&str, &str)]) -> Config {
    let mut config = Config {
        mode,
        nodes,
        seed,
        ..Config::default()
    };
    for (key, text) in settings {
        config.set(key, text).unwrap();
    }
    config.validate().unwrap();
    config
}

fn reports(config: Config) -> (Vec<RoundReport>, Simulation) {
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    (reports, simulation)
}

#[test]
fn a_datagram_across_the_cut_is_dropped_and_counted() {
    // Never healed: nodes 5..9 can never hear of the rumor, and every datagram between the
    // sides is dropped at the cut, not lost.
    let config = config(
        Mode::PushPull,
        10,
        3,
        &[("partition", "1:0-4|5-9"), ("max_rounds", "30")],
    );
    let (reports, simulation) = reports(config);
    let side = |node: u32| node >= 5;
    let mut crossing = 0;
    for report in &reports {
        let mut cut = 0;
        for contact in &report.contacts {
            let across = side(contact.from) != side(contact.to);
            assert_eq!(contact.fate == Fate::Partitioned, across, "{contact:?}");
            cut += u64::from(across);
        }
        assert_eq!(report.counters.partitioned, cut);
        assert_eq!(report.counters.lost, 0);
        crossing += cut;
    }
    assert!(crossing > 0, "push-pull calls across the cut");
    assert_eq!(simulation.totals().partitioned, crossing);
    assert_eq!(simulation.informed(), 5, "one side only");
    assert!(simulation.informed_order().iter().all(|&node| node < 5));
    assert_eq!(simulation.status(), Status::Stopped { rounds: 30 });
}

#[test]
fn a_one_way_partition_blocks_one_direction_only() {
    // 0-4 -> 5-9: pushes and replies from the lower side to the upper are dropped; the upper
    // side's pull requests still reach the lower side.
    let config = config(
        Mode::PushPull,
        10,
        5,
        &[("partition", "1:0-4->5-9"), ("max_rounds", "20")],
    );
    let (reports, simulation) = reports(config);
    let (mut blocked, mut passed) = (0, 0);
    for contact in reports.iter().flat_map(|report| &report.contacts) {
        match (contact.from < 5, contact.to < 5) {
            (true, false) => {
                assert_eq!(contact.fate, Fate::Partitioned, "{contact:?}");
                blocked += 1;
            }
            (false, true) => {
                assert!(contact.fate.delivered(), "{contact:?}");
                passed += 1;
            }
            _ => assert_ne!(contact.fate, Fate::Partitioned, "{contact:?}"),
        }
    }
    assert!(
        blocked > 0 && passed > 0,
        "{blocked} blocked, {passed} passed"
    );
    assert_eq!(simulation.informed(), 5);
}

#[test]
fn the_heal_restores_delivery_and_is_reported() {
    let heal = 6;
    let config = config(Mode::Push, 100, 11, &[("partition", "1:half:6")]);
    let (reports, simulation) = reports(config);
    assert_eq!(
        reports[0].partitions,
        vec![PartitionEvent {
            tick: 0,
            entry: 0,
            healed: false
        }]
    );
    let healed = &reports[heal as usize - 1];
    assert_eq!(healed.round, heal);
    assert_eq!(healed.partitions.len(), 1);
    assert!(healed.partitions[0].healed);
    for report in &reports {
        if report.round < heal {
            assert!(report.newly_informed.iter().all(|&node| node < 50));
        } else {
            assert_eq!(report.counters.partitioned, 0, "round {}", report.round);
            assert!(report.contacts.iter().all(|c| c.fate != Fate::Partitioned));
        }
    }
    assert!(
        reports[..heal as usize - 1]
            .iter()
            .any(|report| report.counters.partitioned > 0)
    );
    assert!(matches!(simulation.status(), Status::Completed { .. }));
}

#[test]
fn multicast_is_cut_too() {
    // The centralized sender's unicasts to the other half never arrive: the sweep ends with
    // that half uninformed.
    let config = config(Mode::Centralized, 10, 1, &[("partition", "1:half")]);
    let (_, simulation) = reports(config);
    assert_eq!(simulation.informed(), 5);
    assert_eq!(simulation.totals().partitioned, 5);
    assert!(matches!(simulation.status(), Status::Ended { .. }));
}

#[test]
fn racks_split_by_rack() {
    let config = config(
        Mode::Push,
        40,
        2,
        &[
            ("racks", "4"),
            ("partition", "1:racks"),
            ("max_rounds", "20"),
        ],
    );
    let (reports, simulation) = reports(config);
    for contact in reports.iter().flat_map(|report| &report.contacts) {
        let across = contact.from / 10 != contact.to / 10;
        assert_eq!(contact.fate == Fate::Partitioned, across, "{contact:?}");
    }
    assert_eq!(simulation.informed(), 10, "the sender's rack only");
}

#[test]
fn malformed_partitions_get_one_line_messages() {
    let cases = [
        ("1:bogus", "unknown split"),
        ("1:half:1", "the heal round must be after round 1"),
        ("0:half", "the round must be from 1 to 10000"),
        ("1:5-3", "runs backwards"),
        ("1:0-5|3-9", "overlaps another side"),
        ("1:0-4->", "an empty side"),
        ("half", "an entry is ROUND:SPLIT"),
        ("1:3-b", "is not a node range"),
        (
            "1:half,2:half,3:half,4:half,5:half,6:half,7:half,8:half,9:half",
            "at most 8",
        ),
    ];
    for (text, expected) in cases {
        let error = Config::default().set("partition", text).unwrap_err().0;
        assert!(error.contains(expected), "{text}: {error}");
        assert!(!error.contains('\n'), "{error}");
    }
    // Ranges beyond N and racks without racks are refused by validation.
    let mut config = Config {
        nodes: 10,
        ..Config::default()
    };
    config.set("partition", "1:0-4|5-10").unwrap();
    assert!(config.validate().unwrap_err().0.contains("names node 10"));
    config.set("partition", "1:racks").unwrap();
    assert!(config.validate().unwrap_err().0.contains("splits by racks"));
    // The text form round-trips.
    let text = "3:0-4+8-9|5-7:9,5:half->,7:racks:12";
    let mut config = Config::default();
    config.set("partition", text).unwrap();
    assert_eq!(config.partitions.to_string(), text);
}

/// Gossip completes after the heal (theory.md section 12). Push at N = 1000, the halves cut
/// from round 1 until round 40: side A (the sender's) is informed long before the heal (push
/// informs 500 nodes in about log2 500 + ln 500 = 15 rounds), side B not at all. After the
/// heal, R = T - 39 rounds complete the run.
/// - Lower bound, from theory: in a push round each uninformed node stays so with probability
///   at least (1 - 1/(N - 1))^N ~ e^-1 (at most N pushes, uniform peers), so the uninformed
///   share falls by at most a factor e per round in expectation: from 1/2 to below 1/N takes
///   at least ln(N / 2) = 6.2 rounds on average.
/// - Upper bound, by coupling: starting from half the nodes informed is never slower than from
///   one, so the mean of R is at most the mean of an unpartitioned run (measured on the same
///   seeds), plus 3 standard errors of the difference.
#[test]
fn gossip_completes_after_the_heal_within_the_bounds_of_theory() {
    let trials = 200;
    let heal = 40u32;
    let run = |settings: &[(&str, &str)]| {
        let experiment = Experiment {
            config: config(Mode::Push, 1000, 2026, settings),
            trials,
        };
        ensemble::run(&experiment, |_| {})
    };
    let cut = run(&[("partition", "1:half:40")]);
    let whole = run(&[]);
    assert_eq!(
        cut.completed, trials,
        "every trial completes after the heal"
    );
    let rounds = cut.rounds.unwrap();
    let after = rounds.mean - f64::from(heal - 1);
    let plain = whole.rounds.unwrap();
    let standard_error = ((rounds.sd.powi(2) + plain.sd.powi(2)) / f64::from(trials)).sqrt();
    let lower = (1000f64 / 2.0).ln();
    assert!(
        after >= lower - 3.0 * standard_error,
        "{after} rounds after the heal, below {lower}"
    );
    assert!(
        after <= plain.mean + 3.0 * standard_error,
        "{after} rounds after the heal, over the unpartitioned {}",
        plain.mean
    );
    // Every datagram of side A to side B in the 39 rounds is dropped: about half of the pushes.
    let partitioned = cut.partitioned.unwrap();
    assert!(partitioned.min > 0.0);
}

/// Views at the end of `round` (1-based), observer-major.
fn views(reports: &[RoundReport], round: u32) -> &[u8] {
    &reports[round as usize - 1]
        .membership
        .as_ref()
        .unwrap()
        .views
}

/// The split brain and the rejoin: 40 members, the halves cut from round 20 until round 100
/// (80 periods: longer than every detector's time at these settings, Cassandra's 18.4 mean
/// intervals included). During the cut every member declares every member of the other side
/// failed; after the heal the views become consistent again (every live
/// member lists every other alive), which `rejoin_time` measures, and stay so.
fn split_brain_then_rejoin(mode: Mode, settings: &[(&str, &str)]) {
    let nodes = 40;
    for seed in 1..=3 {
        let mut all = vec![
            ("crash_at", "1:0"),
            ("partition", "20:half:100"),
            ("periods", "250"),
        ];
        all.extend_from_slice(settings);
        let (reports, simulation) = reports(config(mode, nodes, seed, &all));
        let mut declared = std::collections::BTreeSet::new();
        for report in &reports[..99] {
            for event in &report.events {
                // Across the cut only (a member of one's own side may be falsely detected too,
                // by chance, as without a partition).
                if let Change::Failed { member } = event.change
                    && (event.node < 20) != (member < 20)
                {
                    declared.insert((event.node, member));
                }
            }
        }
        assert_eq!(
            declared.len(),
            2 * 20 * 20,
            "{mode} seed {seed}: each side declares the other failed"
        );
        let membership = simulation.membership().unwrap();
        assert!(
            membership.false_detections >= 2 * 20 * 20,
            "{mode} seed {seed}"
        );
        let rejoin = simulation
            .rejoin_time()
            .unwrap_or_else(|| panic!("{mode} seed {seed}: never consistent after the heal"));
        assert!(rejoin >= 1.0, "{mode} seed {seed}: {rejoin}");
        let consistent = |round: u32| {
            views(&reports, round)
                .iter()
                .enumerate()
                .all(|(cell, &seen)| cell as u32 / nodes == cell as u32 % nodes || seen == 1)
        };
        assert!(!consistent(99), "{mode} seed {seed}: split at the heal");
        let first = 99 + rejoin as u32;
        assert!(
            consistent(first),
            "{mode} seed {seed}: consistent at round {first}"
        );
        assert!(
            !consistent(first - 1),
            "{mode} seed {seed}: the first consistent round"
        );
        assert!(consistent(250), "{mode} seed {seed}: consistent at the end");
    }
}

#[test]
fn swim_refutes_the_split_brain_with_incarnations() {
    split_brain_then_rejoin(Mode::Swim, &[]);
}

#[test]
fn heartbeat_lists_re_merge_after_the_heal() {
    // Cleanup after the heal, so failed entries are still listed to reconnect to.
    split_brain_then_rejoin(Mode::Heartbeat, &[("t_cleanup", "100")]);
}

#[test]
fn cassandra_re_merges_after_the_heal() {
    split_brain_then_rejoin(Mode::Cassandra, &[]);
}

#[test]
fn the_summary_carries_partitioned_false_detections_and_rejoin_time() {
    let experiment = Experiment {
        config: config(
            Mode::Heartbeat,
            30,
            4,
            &[
                ("crash_at", "1:0"),
                ("partition", "10:half:50"),
                ("t_fail", "10"),
                ("t_cleanup", "100"),
            ],
        ),
        trials: 3,
    };
    let summary = ensemble::run(&experiment, |_| {});
    let json = serde_json::to_value(&summary).unwrap();
    assert!(json["partitioned"]["mean"].as_f64().unwrap() > 0.0);
    assert!(json["false_detections"]["min"].as_f64().unwrap() >= 2.0 * 15.0 * 15.0);
    assert!(json["rejoin_time"]["mean"].as_f64().unwrap() >= 1.0);
    assert_eq!(json["config"]["partition"], "10:half:50");
    // Without partitions the keys are absent.
    let plain = Experiment {
        config: config(Mode::Push, 30, 4, &[]),
        trials: 1,
    };
    let json = serde_json::to_value(ensemble::run(&plain, |_| {})).unwrap();
    assert!(json.get("partitioned").is_none() && json.get("rejoin_time").is_none());
}
