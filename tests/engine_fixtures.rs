#![cfg(not(target_arch = "wasm32"))]
//! Domain fixtures: a tiny network, one round, the expected informed set and counters.

use gossip_lab::engine::config::Group;
use gossip_lab::engine::protocols::{pull, push, push_pull};
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, Simulation, Status};

fn config(nodes: u32, mode: Mode) -> Config {
    Config {
        nodes,
        mode,
        seed: 11,
        ..Config::default()
    }
}

fn informed_set(simulation: &Simulation) -> Vec<u32> {
    let mut nodes = simulation.informed_order().to_vec();
    nodes.sort_unstable();
    nodes
}

#[test]
fn two_nodes_push_informs_the_other_in_one_round() {
    let mut simulation = Simulation::with_contacts(config(2, Mode::Push)).unwrap();
    let report = simulation.step().unwrap();
    assert_eq!(report.round, 1);
    assert_eq!(report.newly_informed, vec![1]);
    assert_eq!(report.informed, 2);
    assert_eq!(
        (
            report.counters.datagrams,
            report.counters.payload,
            report.counters.redundant
        ),
        (1, 1, 0)
    );
    assert_eq!(report.contacts.len(), 1);
    let contact = report.contacts[0];
    assert_eq!(
        (contact.from, contact.to, contact.kind, contact.fate),
        (0, 1, push::PUSH, Fate::Informed)
    );
    assert_eq!(simulation.status(), Status::Completed { rounds: 1 });
    assert!(
        simulation.step().is_none(),
        "a completed run plays no more rounds"
    );
    assert_eq!(simulation.informed_when_and_by(1), Some((1, Some(0))));
}

#[test]
fn push_callers_are_only_the_nodes_informed_before_the_round() {
    let mut simulation = Simulation::new(Config {
        fanout: 3,
        ..config(1000, Mode::Push)
    })
    .unwrap();
    let mut informed_at_start = 1;
    while let Some(report) = simulation.step() {
        assert_eq!(
            report.counters.datagrams,
            3 * informed_at_start,
            "round {}",
            report.round
        );
        informed_at_start = u64::from(report.informed);
    }
}

#[test]
fn pull_every_live_node_asks_and_only_arrived_requests_are_answered() {
    let mut simulation = Simulation::with_contacts(Config {
        network: NetworkConfig {
            loss: 0.2,
            ..NetworkConfig::default()
        },
        ..config(50, Mode::Pull)
    })
    .unwrap();
    let report = simulation.step().unwrap();
    let requests = report
        .contacts
        .iter()
        .filter(|c| c.kind == pull::REQUEST)
        .count();
    let arrived = report
        .contacts
        .iter()
        .filter(|c| c.kind == pull::REQUEST && c.fate.delivered())
        .count();
    let replies = report
        .contacts
        .iter()
        .filter(|c| c.kind == pull::REPLY || c.kind == pull::EMPTY_REPLY)
        .count();
    assert_eq!(requests, 50);
    assert_eq!(replies, arrived);
    // In round 1 only node 0 knows the rumor: every informing reply comes from it.
    for contact in report.contacts.iter().filter(|c| c.fate == Fate::Informed) {
        assert_eq!((contact.from, contact.kind), (0, pull::REPLY));
    }
    assert_eq!(
        report.counters.control,
        report.counters.datagrams - report.counters.payload
    );
}

#[test]
fn push_pull_informed_callers_push_and_the_others_pull() {
    let mut simulation = Simulation::with_contacts(config(40, Mode::PushPull)).unwrap();
    simulation.step().unwrap();
    let knew = informed_set(&simulation);
    let report = simulation.step().unwrap();
    for contact in &report.contacts {
        match contact.kind {
            push_pull::PUSH => assert!(knew.contains(&contact.from)),
            pull::REQUEST => assert!(!knew.contains(&contact.from)),
            _ => assert!(!knew.contains(&contact.to), "replies go to pulling callers"),
        }
    }
}

#[test]
fn loss_one_spreads_nothing_and_says_so() {
    // Membership modes count as "informed" the observers that consider the crashed node failed:
    // under total loss that is everyone, which is their own lesson (tests/membership_*.rs).
    for mode in Mode::ALL
        .into_iter()
        .filter(|mode| mode.group() != Group::Membership)
    {
        let mut simulation = Simulation::new(Config {
            network: NetworkConfig {
                loss: 1.0,
                ..NetworkConfig::default()
            },
            ..config(100, mode)
        })
        .unwrap();
        assert!(simulation.warning().unwrap().contains("cannot spread"));
        // Gossip stops at its round limit; multicast ends once it has nothing left to send.
        let status = simulation.run_to_end();
        assert!(
            matches!(status, Status::Stopped { .. } | Status::Ended { .. }),
            "{mode}: {status:?}"
        );
        assert_eq!(simulation.informed(), 1);
        let totals = simulation.totals();
        assert!(totals.datagrams > 0);
        assert_eq!(
            totals.lost, totals.datagrams,
            "{mode}: every datagram is lost"
        );
    }
}

#[test]
fn without_loss_push_always_completes() {
    for seed in 0..200 {
        let mut simulation = Simulation::new(Config {
            seed,
            ..config(64, Mode::Push)
        })
        .unwrap();
        assert!(
            matches!(simulation.run_to_end(), Status::Completed { .. }),
            "seed {seed}"
        );
        assert_eq!(simulation.informed(), 64);
    }
}

#[test]
fn crashed_nodes_are_never_informed_and_never_call() {
    for mode in Mode::GOSSIP {
        let mut simulation = Simulation::with_contacts(Config {
            network: NetworkConfig {
                crash: 0.5,
                ..NetworkConfig::default()
            },
            ..config(201, mode)
        })
        .unwrap();
        assert_eq!(simulation.live(), 101, "half of the 200 non-senders crash");
        while let Some(report) = simulation.step() {
            for contact in &report.contacts {
                // A reply's sender is a callee that received a request: alive too.
                assert!(
                    !simulation.is_crashed(contact.from),
                    "{mode}: a crashed node sent"
                );
                if simulation.is_crashed(contact.to) {
                    assert!(matches!(contact.fate, Fate::Crashed | Fate::Lost));
                }
            }
        }
        assert!(matches!(simulation.status(), Status::Completed { .. }));
        for node in 0..201 {
            assert_eq!(
                simulation.is_crashed(node),
                simulation.informed_when_and_by(node).is_none(),
                "{mode} node {node}"
            );
        }
    }
}

#[test]
fn every_mode_sees_the_same_crashed_nodes_for_a_seed() {
    let crashed = |mode| {
        let simulation = Simulation::new(Config {
            network: NetworkConfig {
                crash: 0.3,
                ..NetworkConfig::default()
            },
            ..config(500, mode)
        })
        .unwrap();
        (0..500)
            .filter(|&node| simulation.is_crashed(node))
            .collect::<Vec<_>>()
    };
    assert_eq!(crashed(Mode::Push), crashed(Mode::Pull));
    assert_eq!(crashed(Mode::Push), crashed(Mode::PushPull));
}

#[test]
fn a_lone_live_sender_is_complete_before_any_round() {
    let mut simulation = Simulation::new(Config {
        network: NetworkConfig {
            crash: 0.99,
            ..NetworkConfig::default()
        },
        ..config(2, Mode::Pull)
    })
    .unwrap();
    assert_eq!(simulation.live(), 1);
    assert_eq!(simulation.status(), Status::Completed { rounds: 0 });
    assert!(simulation.step().is_none());
}

#[test]
fn several_senders_start_informed() {
    let simulation = Simulation::new(Config {
        senders: 5,
        ..config(100, Mode::Push)
    })
    .unwrap();
    assert_eq!(informed_set(&simulation), vec![0, 1, 2, 3, 4]);
}

#[test]
fn the_same_seed_is_the_same_run_and_collecting_contacts_changes_nothing() {
    let run = |collect: bool, seed| {
        let config = Config {
            seed,
            network: NetworkConfig {
                loss: 0.1,
                crash: 0.1,
            },
            fanout: 2,
            ..config(300, Mode::PushPull)
        };
        let mut simulation = if collect {
            Simulation::with_contacts(config)
        } else {
            Simulation::new(config)
        }
        .unwrap();
        let mut reports = Vec::new();
        while let Some(mut report) = simulation.step() {
            report.contacts.clear();
            report.learned.clear();
            reports.push(report);
        }
        reports
    };
    assert_eq!(run(true, 5), run(true, 5));
    assert_eq!(run(true, 5), run(false, 5));
    assert_ne!(run(false, 5), run(false, 6));
}

#[test]
fn trials_of_an_ensemble_differ_and_trial_zero_is_the_seed() {
    use gossip_lab::engine::ensemble::{self, Experiment};
    let one = ensemble::run(
        &Experiment::new(config(500, Mode::Push), 1).unwrap(),
        |_| {},
    );
    let mut single = Simulation::new(config(500, Mode::Push)).unwrap();
    let Status::Completed { rounds } = single.run_to_end() else {
        panic!("completes")
    };
    assert_eq!(one.rounds.unwrap().mean, f64::from(rounds));
    let many = ensemble::run(
        &Experiment::new(config(500, Mode::Push), 30).unwrap(),
        |_| {},
    );
    assert!(
        many.rounds.unwrap().sd > 0.0,
        "different trials take different rounds"
    );
    assert_eq!(many.completed, 30);
}

#[test]
fn out_of_range_parameters_are_rejected_with_their_range() {
    let cases = [
        (
            Config {
                nodes: 1,
                ..Config::default()
            },
            "nodes must be between 2 and 1048576 (got 1)",
        ),
        (
            Config {
                nodes: 1_048_577,
                ..Config::default()
            },
            "nodes must be between 2 and 1048576 (got 1048577)",
        ),
        (
            Config {
                fanout: 0,
                ..Config::default()
            },
            "fanout must be between 1 and 16 (got 0)",
        ),
        (
            Config {
                fanout: 17,
                ..Config::default()
            },
            "fanout must be between 1 and 16 (got 17)",
        ),
        (
            Config {
                network: NetworkConfig {
                    loss: -0.1,
                    ..NetworkConfig::default()
                },
                ..Config::default()
            },
            "loss must be between 0 and 1 (got -0.1)",
        ),
        (
            Config {
                network: NetworkConfig {
                    loss: f64::NAN,
                    ..NetworkConfig::default()
                },
                ..Config::default()
            },
            "loss must be between 0 and 1 (got NaN)",
        ),
        (
            Config {
                network: NetworkConfig {
                    crash: 0.995,
                    ..NetworkConfig::default()
                },
                ..Config::default()
            },
            "crash must be between 0 and 0.99 (got 0.995)",
        ),
        (
            Config {
                senders: 0,
                ..Config::default()
            },
            "senders must be between 1 and 1000 (got 0)",
        ),
        (
            Config {
                max_rounds: Some(0),
                ..Config::default()
            },
            "max_rounds must be between 1 and 10000000 (got 0)",
        ),
    ];
    for (config, message) in cases {
        assert_eq!(
            Simulation::new(config)
                .err()
                .map(|error| error.0)
                .as_deref(),
            Some(message)
        );
    }
}

#[test]
fn the_round_limit_stops_a_run() {
    let mut simulation = Simulation::new(Config {
        max_rounds: Some(3),
        ..config(10_000, Mode::Push)
    })
    .unwrap();
    assert_eq!(simulation.run_to_end(), Status::Stopped { rounds: 3 });
}

#[test]
fn json_experiments_parse_like_the_cli_flags() {
    use gossip_lab::engine::ensemble::Experiment;
    let experiment = Experiment::from_json(
        r#"{"nodes":100,"fanout":2,"mode":"push-pull","loss":0.1,"crash":0.2,"trials":7,"seed":3}"#,
    )
    .unwrap();
    assert_eq!(
        (
            experiment.trials,
            experiment.config.mode,
            experiment.config.fanout
        ),
        (7, Mode::PushPull, 2)
    );
    let unknown = Experiment::from_json(r#"{"nodes":100,"colour":"red"}"#).unwrap_err();
    assert_eq!(
        unknown.0,
        r#"unknown key "colour"; the keys are the CLI's flags (nodes, fanout, mode, ...)"#
    );
    let range = Experiment::from_json(r#"{"nodes":100,"trials":0}"#).unwrap_err();
    assert_eq!(range.0, "trials must be between 1 and 1000000 (got 0)");
    assert!(
        Experiment::from_json("not json")
            .unwrap_err()
            .0
            .starts_with("invalid config JSON")
    );
}
