#![cfg(not(target_arch = "wasm32"))]
//! A node back from a crash: the protocol hears of it (`Protocol::on_recover`) and restarts
//! what the crash stopped. A recovered tree node asks its nearest live ancestor for the message,
//! a recovered SRM member asks for the packets that passed it, a recovered RMTP receiver ACKs
//! again. Fixtures without loss, so every datagram is accounted for.

use gossip_lab::engine::protocols::{rmtp, srm, tree};
use gossip_lab::engine::{Config, Mode, RoundReport, Simulation, Status};

/// Plays rounds until the run ends, returning their reports.
fn play_out(simulation: &mut Simulation) -> Vec<RoundReport> {
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    reports
}

/// The rounds in which `node` sent a datagram of `kind`.
fn rounds_sending(reports: &[RoundReport], node: u32, kind: u8) -> Vec<u32> {
    reports
        .iter()
        .filter(|report| {
            report
                .contacts
                .iter()
                .any(|contact| contact.from == node && contact.kind == kind)
        })
        .map(|report| report.round)
        .collect()
}

#[test]
fn a_recovered_tree_node_asks_its_parent_and_its_subtree_is_reached() {
    // A binary tree of 15 nodes, no repair: node 1 (children 3 and 4) is down when the root
    // forwards in round 1, so its whole subtree of 7 is cut off.
    let config = Config {
        mode: Mode::Tree,
        nodes: 15,
        fanout: 2,
        // Without repair the default limit is the depth + 1: room for the recovery.
        max_rounds: Some(20),
        ..Config::default()
    };
    let mut simulation = Simulation::with_contacts(config).unwrap();
    assert!(simulation.crash(1));
    simulation.step().unwrap(); // round 1: the root's copy for node 1 vanishes
    simulation.step().unwrap(); // round 2: node 2's subtree goes on
    assert!(simulation.recover(1, false));
    let reports = play_out(&mut simulation);
    // Round 3: node 1 asks the root at once; the repair teaches it in the same round, and it
    // forwards to its children from round 4, its grandchildren in round 5.
    assert_eq!(
        rounds_sending(&reports, 1, tree::REPAIR_REQUEST),
        vec![3],
        "one request, right after the recovery"
    );
    assert_eq!(rounds_sending(&reports, 1, tree::FORWARD), vec![4]);
    assert_eq!(simulation.status(), Status::Completed { rounds: 5 });
}

#[test]
fn a_recovered_srm_member_asks_for_the_packets_that_passed_it() {
    // Four packets (rounds 1 to 4) down a binary tree of 15; every member's session messages
    // come every 4 (1 + ln 15) = 14.8 rounds or so. Node 1 is down for the whole stream and
    // comes back empty at the end of round 6: without asking, it would wait for the others'
    // session messages.
    let config = Config {
        mode: Mode::Srm,
        nodes: 15,
        fanout: 2,
        packets: 4,
        srm: srm::Params {
            c1: 0.0,
            c2: 0.0,
            ..srm::Params::default()
        },
        ..Config::default()
    };
    let mut simulation = Simulation::with_contacts(config).unwrap();
    assert!(simulation.crash(1));
    for _ in 0..6 {
        simulation.step().unwrap();
    }
    assert_eq!(simulation.known(1), 0, "down for the whole stream");
    assert!(simulation.recover(1, false));
    let reports = play_out(&mut simulation);
    let first_nak = reports
        .iter()
        .flat_map(|report| report.contacts.iter())
        .find(|contact| contact.from == 1 && contact.kind == srm::NAK)
        .map(|contact| contact.sent);
    assert_eq!(
        first_nak,
        Some(6 * 100 + 1),
        "its requests leave in the round after it came back (deterministic timers: one tick)"
    );
    // The others' next session messages come 0.9 x 14.8 rounds after their first (tick 0) at
    // the earliest: the requests win by rounds.
    assert!(matches!(simulation.status(), Status::Completed { rounds } if rounds < 13));
    assert_eq!(simulation.known(1), 0b1111, "every packet repaired");
}

#[test]
fn a_recovered_rmtp_receiver_acks_again_and_gets_what_it_missed() {
    // 20 nodes in 2 regions, 4 packets, ACKs every 2 rounds. Receiver 5 is down while the
    // sender multicasts packets 0 and 1, and comes back empty after round 2.
    let config = Config {
        mode: Mode::Rmtp,
        nodes: 20,
        packets: 4,
        rmtp: rmtp::Params {
            regions: 2,
            ack_period: 2,
            ..rmtp::Params::default()
        },
        ..Config::default()
    };
    let mut simulation = Simulation::with_contacts(config).unwrap();
    assert!(simulation.crash(5));
    simulation.step().unwrap();
    simulation.step().unwrap();
    assert!(simulation.recover(5, false));
    let reports = play_out(&mut simulation);
    let acks = rounds_sending(&reports, 5, rmtp::ACK);
    assert_eq!(
        acks.first(),
        Some(&5),
        "its ACK timer restarts: one ACK period (2 rounds) after the round it came back in (3)"
    );
    assert!(matches!(simulation.status(), Status::Completed { .. }));
    assert_eq!(
        simulation.known(5),
        0b1111,
        "its designated receiver repaired the gaps"
    );
}
