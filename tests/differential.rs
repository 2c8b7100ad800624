#![cfg(not(target_arch = "wasm32"))]
//! The event driver with zero delay plays exactly the fast driver's run: the same datagrams with
//! the same fates, the same knowledge changes, round by round, for every gossip mode, under loss,
//! crashes and fanout. So the fast path is an optimisation, never a different model.

use gossip_lab::engine::{Config, Mode, NetworkConfig, RoundReport, Simulation};

fn reports(mut simulation: Simulation) -> Vec<RoundReport> {
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    reports
}

#[test]
fn the_event_driver_with_zero_delay_gives_the_fast_drivers_runs() {
    for mode in Mode::GOSSIP {
        for (fanout, loss, crash) in [(1, 0.0, 0.0), (2, 0.2, 0.0), (3, 0.1, 0.3), (1, 0.5, 0.5)] {
            for seed in [1, 7, u64::MAX] {
                let config = Config {
                    nodes: 300,
                    mode,
                    fanout,
                    seed,
                    network: NetworkConfig { loss, crash },
                    ..Config::default()
                };
                let fast = reports(Simulation::with_contacts(config.clone()).unwrap());
                let event = reports(Simulation::on_event_driver(config.clone(), 0, true).unwrap());
                assert!(!fast.is_empty());
                assert_eq!(fast, event, "{config:?}");
            }
        }
    }
}

#[test]
fn both_drivers_agree_at_scale_without_recording() {
    for mode in Mode::GOSSIP {
        let config = Config {
            nodes: 20_000,
            mode,
            seed: 3,
            network: NetworkConfig {
                loss: 0.1,
                crash: 0.1,
            },
            ..Config::default()
        };
        let mut fast = Simulation::new(config.clone()).unwrap();
        let mut event = Simulation::on_event_driver(config, 0, false).unwrap();
        assert_eq!(fast.run_to_end(), event.run_to_end());
        assert_eq!(fast.totals(), event.totals());
        assert_eq!(fast.informed_order(), event.informed_order());
        // The fast driver sums arrivals per round, the event driver node by node.
        assert_eq!(fast.arrivals(), event.arrivals(), "{mode:?}");
        assert!(fast.arrivals().is_some());
    }
}

#[test]
fn a_delayed_datagram_arrives_ticks_later_and_its_receiver_uses_it_from_then_on() {
    // Push on two nodes with a delay of 1.5 rounds: sent in round 1 at tick 0, arrives at tick
    // 150 (round 2), and node 1 first pushes in round 3.
    let config = Config {
        nodes: 2,
        seed: 1,
        ..Config::default()
    };
    let mut simulation = Simulation::on_event_driver(config, 150, true).unwrap();
    let first = simulation.step().unwrap();
    assert!(first.contacts.is_empty(), "nothing has arrived in round 1");
    assert_eq!(first.counters.datagrams, 1, "but the push was sent");
    let second = simulation.step().unwrap();
    assert_eq!(second.contacts.len(), 1);
    let contact = second.contacts[0];
    assert_eq!((contact.sent, contact.arrives), (0, 150));
    assert_eq!(second.learned[0].tick, 150);
    assert_eq!(second.newly_informed, vec![1]);
}
