#![cfg(not(target_arch = "wasm32"))]
//! Tiny networks, tick by tick, for the multicast baselines' rules (theory.md section 7).

use gossip_lab::engine::protocols::centralized::{self, Transport};
use gossip_lab::engine::protocols::tree;
use gossip_lab::engine::report::{Change, TICKS_PER_ROUND};
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, Simulation, Status, Structure};

fn config(nodes: u32, mode: Mode, fanout: u32) -> Config {
    Config {
        nodes,
        mode,
        fanout,
        seed: 5,
        ..Config::default()
    }
}

/// (from, to, kind, fate) of every datagram of one round.
fn datagrams(simulation: &mut Simulation) -> Vec<(u32, u32, u8, Fate)> {
    let report = simulation.step().expect("a round to play");
    report
        .contacts
        .iter()
        .map(|c| (c.from, c.to, c.kind, c.fate))
        .collect()
}

#[test]
fn the_centralized_sender_unicasts_b_receivers_a_round_in_order() {
    let mut simulation = Simulation::with_contacts(config(6, Mode::Centralized, 2)).unwrap();
    assert_eq!(simulation.structure(), Structure::Star);
    use centralized::UNICAST;
    assert_eq!(
        datagrams(&mut simulation),
        [
            (0, 1, UNICAST, Fate::Informed),
            (0, 2, UNICAST, Fate::Informed)
        ]
    );
    assert_eq!(
        datagrams(&mut simulation),
        [
            (0, 3, UNICAST, Fate::Informed),
            (0, 4, UNICAST, Fate::Informed)
        ]
    );
    assert_eq!(
        datagrams(&mut simulation),
        [(0, 5, UNICAST, Fate::Informed)]
    );
    assert_eq!(simulation.status(), Status::Completed { rounds: 3 });
}

#[test]
fn over_udp_a_lost_unicast_stays_lost_and_the_run_ends_after_the_sweep() {
    let mut simulation = Simulation::new(Config {
        network: NetworkConfig {
            loss: 0.5,
            crash: 0.0,
        },
        ..config(101, Mode::Centralized, 4)
    })
    .unwrap();
    let status = simulation.run_to_end();
    assert_eq!(
        status,
        Status::Ended { rounds: 25 },
        "one sweep: 100 / 4 rounds"
    );
    let totals = simulation.totals();
    assert_eq!(
        totals.datagrams, 100,
        "one unicast per receiver, never again"
    );
    assert_eq!(
        u64::from(simulation.live() - simulation.informed()),
        totals.lost
    );
}

#[test]
fn reliable_receivers_ack_within_the_round_and_the_sender_retransmits_after_the_timeout() {
    use centralized::{ACK, RETRANSMISSION, UNICAST};
    let reliable = |seed, loss| Config {
        seed,
        network: NetworkConfig { loss, crash: 0.0 },
        centralized: centralized::Params {
            transport: Transport::Reliable,
            timeout: 2,
        },
        ..config(3, Mode::Centralized, 1)
    };
    // Without loss: each unicast is answered by an ACK at the next hop of the same tick.
    let mut simulation = Simulation::with_contacts(reliable(1, 0.0)).unwrap();
    let report = simulation.step().unwrap();
    let hops: Vec<_> = report.contacts.iter().map(|c| (c.kind, c.hop)).collect();
    assert_eq!(hops, [(UNICAST, 0), (ACK, 1)]);
    assert_eq!(
        report.counters.at_sender, 1,
        "the ACK arrives at the sender"
    );
    // With loss: find a seed whose first unicast is lost; it is sent again 2 rounds later.
    let seed = (0..1000)
        .find(|&seed| {
            let mut run = Simulation::with_contacts(reliable(seed, 0.5)).unwrap();
            run.step().unwrap().contacts[0].fate == Fate::Lost
        })
        .expect("half the seeds lose it");
    let mut simulation = Simulation::with_contacts(reliable(seed, 0.5)).unwrap();
    let rounds: Vec<_> = (0..3).map(|_| simulation.step().unwrap()).collect();
    assert_eq!(rounds[0].contacts[0].to, 1);
    assert_eq!(rounds[1].contacts[0].to, 2, "round 2: the next receiver");
    let third = rounds[2].contacts[0];
    assert_eq!((third.to, third.kind), (1, RETRANSMISSION));
    assert_eq!(
        third.sent,
        2 * TICKS_PER_ROUND,
        "round 3 starts at tick 200"
    );
}

#[test]
fn the_tree_forwards_to_b_children_the_round_after_receiving() {
    use tree::FORWARD;
    let mut simulation = Simulation::with_contacts(config(7, Mode::Tree, 2)).unwrap();
    assert_eq!(simulation.structure(), Structure::Tree { fanout: 2 });
    assert_eq!(
        datagrams(&mut simulation),
        [
            (0, 1, FORWARD, Fate::Informed),
            (0, 2, FORWARD, Fate::Informed)
        ]
    );
    let mut second = datagrams(&mut simulation);
    second.sort_unstable_by_key(|&(from, to, ..)| (from, to));
    assert_eq!(
        second,
        [
            (1, 3, FORWARD, Fate::Informed),
            (1, 4, FORWARD, Fate::Informed),
            (2, 5, FORWARD, Fate::Informed),
            (2, 6, FORWARD, Fate::Informed)
        ]
    );
    assert_eq!(simulation.status(), Status::Completed { rounds: 2 });
}

#[test]
fn a_crashed_internal_node_cuts_off_exactly_its_subtree() {
    let mut simulation = Simulation::with_contacts(config(15, Mode::Tree, 2)).unwrap();
    assert!(simulation.crash(1));
    let first = simulation.step().unwrap();
    assert_eq!(
        first
            .events
            .iter()
            .map(|e| (e.node, e.change))
            .collect::<Vec<_>>(),
        [(1, Change::Crashed)]
    );
    assert_eq!(
        first.contacts[0].fate,
        Fate::Crashed,
        "node 1 swallows its copy"
    );
    assert!(matches!(
        simulation.run_to_end(),
        Status::Ended { rounds: 3 }
    ));
    let uninformed: Vec<u32> = (0..15)
        .filter(|&node| {
            !simulation.is_crashed(node) && simulation.informed_when_and_by(node).is_none()
        })
        .collect();
    assert_eq!(uninformed, [3, 4, 7, 8, 9, 10], "node 1's subtree below it");
}

#[test]
fn with_repair_orphans_reattach_to_their_nearest_live_ancestor() {
    let mut simulation = Simulation::with_contacts(Config {
        tree: tree::Params {
            repair_delay: Some(2),
        },
        ..config(7, Mode::Tree, 2)
    })
    .unwrap();
    simulation.crash(1);
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    // Nodes 3 and 4 (depth 2) expect the message in round 2; after D = 2 more rounds, at the
    // start of round 5, they ask node 0 (node 1 is down), which answers at once.
    let fifth = &reports[4];
    let reattached: Vec<_> = fifth.events.iter().map(|e| (e.node, e.change)).collect();
    assert_eq!(
        reattached,
        [
            (3, Change::Reattached { to: 0 }),
            (4, Change::Reattached { to: 0 })
        ]
    );
    let repairs: Vec<_> = fifth
        .contacts
        .iter()
        .map(|c| (c.from, c.to, c.kind, c.hop))
        .collect();
    assert_eq!(
        repairs,
        [
            (3, 0, tree::REPAIR_REQUEST, 0),
            (0, 3, tree::REPAIR, 1),
            (4, 0, tree::REPAIR_REQUEST, 0),
            (0, 4, tree::REPAIR, 1)
        ]
    );
    assert_eq!(simulation.status(), Status::Completed { rounds: 5 });
    assert_eq!(simulation.informed(), 6, "every live node");
}

#[test]
fn a_chain_is_a_tree_of_fanout_one() {
    let mut simulation = Simulation::new(config(50, Mode::Tree, 1)).unwrap();
    assert_eq!(simulation.run_to_end(), Status::Completed { rounds: 49 });
}

#[test]
fn multicast_has_a_single_sender() {
    let error = Simulation::new(Config {
        senders: 2,
        ..config(10, Mode::Tree, 2)
    })
    .err()
    .unwrap();
    assert_eq!(
        error.0,
        "senders does not apply to tree: it applies to push, pull, push-pull, plumtree"
    );
}
