#![cfg(not(target_arch = "wasm32"))]
//! Tiny networks, tick by tick, for RMTP's rules (theory.md section 7; the header of
//! crates/engine/src/protocols/rmtp.rs). Five nodes and two regions: receivers 1, 2 (DR 1) and 3, 4
//! (DR 3), with the multicast threshold at 1 (a region of one receiver is always repaired by
//! unicast). The regional multicast has its fixtures on nine nodes, one region. Where a rule
//! needs a loss, the first seed whose run shows it is found, as in multicast_fixtures.rs.

use gossip_lab::engine::protocols::rmtp::{
    self, ACK, DATA, REGIONAL_REPAIR, REPAIR, REPAIR_AFTER, SILENT_PERIODS,
};
use gossip_lab::engine::report::{Change, TICKS_PER_ROUND};
use gossip_lab::engine::{
    Config, Fate, Mode, NetworkConfig, RoundReport, Simulation, Status, Structure,
};

fn config(packets: u32, ack_period: u32, designated: bool, loss: f64, seed: u64) -> Config {
    let mut config = Config {
        nodes: 5,
        mode: Mode::Rmtp,
        packets,
        seed,
        network: NetworkConfig { loss, crash: 0.0 },
        rmtp: rmtp::Params {
            regions: 2,
            ack_period,
            designated,
        },
        ..Config::default()
    };
    config.set("mcast_threshold", "1").unwrap();
    config
}

/// The reports of the first `rounds` rounds (fewer if the run ends), with `crashed` crashed
/// before round 1.
fn run(config: Config, crashed: &[u32], rounds: usize) -> Vec<RoundReport> {
    let mut simulation = Simulation::with_contacts(config).unwrap();
    for &node in crashed {
        assert!(simulation.crash(node));
    }
    (0..rounds).map_while(|_| simulation.step()).collect()
}

/// (from, to, kind, fate) of every datagram of a round.
fn datagrams(report: &RoundReport) -> Vec<(u32, u32, u8, Fate)> {
    report
        .contacts
        .iter()
        .map(|c| (c.from, c.to, c.kind, c.fate))
        .collect()
}

fn lost(report: &RoundReport) -> Vec<(u32, u32, u8)> {
    report
        .contacts
        .iter()
        .filter(|c| c.fate == Fate::Lost)
        .map(|c| (c.from, c.to, c.kind))
        .collect()
}

/// (node, packet, from) of what a round taught.
fn learned(report: &RoundReport) -> Vec<(u32, u32, u32)> {
    report
        .learned
        .iter()
        .map(|l| (l.node, l.message, l.from))
        .collect()
}

/// The first seed (of 100 000) whose first `rounds` rounds satisfy `wanted`.
fn seed_where(
    make: impl Fn(u64) -> Config,
    crashed: &[u32],
    rounds: usize,
    wanted: impl Fn(&[RoundReport]) -> bool,
) -> u64 {
    (0..100_000)
        .find(|&seed| {
            let reports = run(make(seed), crashed, rounds);
            reports.len() == rounds && wanted(&reports)
        })
        .expect("some seed shows it")
}

#[test]
fn regions_of_five_nodes() {
    assert_eq!(
        (1..5).map(|n| rmtp::region_of(n, 5, 2)).collect::<Vec<_>>(),
        [0, 0, 1, 1]
    );
    assert_eq!(rmtp::designated_receiver(0, 5, 2), 1);
    assert_eq!(rmtp::designated_receiver(1, 5, 2), 3);
    // 999 receivers in 10 regions: nine of 100, the last of 99.
    let firsts: Vec<u32> = (0..=10)
        .map(|r| rmtp::designated_receiver(r, 1000, 10))
        .collect();
    assert_eq!(
        firsts,
        [1, 101, 201, 301, 401, 501, 601, 701, 801, 901, 1000]
    );
    assert_eq!(
        rmtp::expected_acks_at_sender_per_period(1000, 10, true),
        10.0
    );
    assert_eq!(
        rmtp::expected_acks_at_sender_per_period(1000, 10, false),
        999.0
    );
}

#[test]
fn without_loss_receivers_ack_their_dr_and_drs_the_sender_in_the_ack_round() {
    let simulation = Simulation::with_contacts(config(3, 2, true, 0.0, 1)).unwrap();
    assert_eq!(simulation.structure(), Structure::Regions { regions: 2 });
    let reports = run(config(3, 2, true, 0.0, 1), &[], 10);
    assert_eq!(reports.len(), 3, "complete when the last packet arrives");
    let data: Vec<_> = (1..5).map(|to| (0, to, DATA, Fate::Informed)).collect();
    assert_eq!(datagrams(&reports[0]), data, "round 1: packet 0");
    assert_eq!(
        datagrams(&reports[1]),
        data,
        "round 2: packet 1, no ACK yet"
    );
    // Round 3 = P + 1, the first ACK round: the ACKs (in node order) go before packet 2, and
    // nobody lacks a packet already sent, so nothing is retransmitted.
    let mut third = vec![
        (1, 0, ACK, Fate::Arrived),
        (2, 1, ACK, Fate::Arrived),
        (3, 0, ACK, Fate::Arrived),
        (4, 3, ACK, Fate::Arrived),
    ];
    third.extend(data);
    assert_eq!(datagrams(&reports[2]), third);
    assert!(
        reports[2]
            .contacts
            .iter()
            .all(|c| c.sent == 2 * TICKS_PER_ROUND),
        "all at the first tick of round 3"
    );
    assert_eq!(reports[2].counters.at_sender, 2, "R = 2 ACKs at the sender");
    // The ACK timers of round 5 are pending, one per receiver.
    let timers: Vec<_> = reports[2]
        .timers
        .iter()
        .filter(|t| t.name == "ACK timer")
        .map(|t| (t.node, t.due))
        .collect();
    assert_eq!(
        timers,
        (1..5).map(|n| (n, 4 * TICKS_PER_ROUND)).collect::<Vec<_>>()
    );
}

#[test]
fn without_designated_receivers_every_receiver_acks_the_sender() {
    let reports = run(config(4, 1, false, 0.0, 1), &[], 10);
    // ACK rounds 2, 3, 4: the four receivers ACK the sender before the round's packet.
    for report in &reports[1..] {
        let acks: Vec<_> = datagrams(report)
            .into_iter()
            .filter(|c| c.2 == ACK)
            .collect();
        assert_eq!(
            acks,
            (1..5)
                .map(|n| (n, 0, ACK, Fate::Arrived))
                .collect::<Vec<_>>()
        );
        assert_eq!(report.counters.at_sender, 4, "N - 1 ACKs: the implosion");
    }
    assert_eq!(reports.len(), 4);
}

#[test]
fn the_dr_retransmits_exactly_the_packet_its_receiver_lacks() {
    let make = |seed| config(4, 2, true, 0.1, seed);
    // Node 2 loses packet 0 in round 1, nothing else is lost in rounds 1 to 3.
    let seed = seed_where(make, &[], 3, |reports| {
        lost(&reports[0]) == [(0, 2, DATA)] && reports[1..].iter().all(|r| lost(r).is_empty())
    });
    let reports = run(make(seed), &[], 3);
    let third = &reports[2];
    // Node 2's bitmap (packet 1 only) reaches DR 1, which sends packet 0 back one tick after the
    // ACK round's bitmaps (and packet 2) left.
    let repairs: Vec<_> = third
        .contacts
        .iter()
        .filter(|c| c.kind != DATA)
        .map(|c| (c.from, c.to, c.kind, c.fate, c.hop))
        .collect();
    assert_eq!(
        repairs,
        [
            (1, 0, ACK, Fate::Arrived, 0),
            (2, 1, ACK, Fate::Arrived, 0),
            (3, 0, ACK, Fate::Arrived, 0),
            (4, 3, ACK, Fate::Arrived, 0),
            (1, 2, REPAIR, Fate::Informed, 0),
        ]
    );
    let repair = third.contacts.iter().find(|c| c.kind == REPAIR).unwrap();
    assert_eq!(repair.sent, 2 * TICKS_PER_ROUND + REPAIR_AFTER);
    assert_eq!(third.counters.multicasts[REGIONAL_REPAIR as usize], 0);
    assert!(
        learned(third).contains(&(2, 0, 1)),
        "node 2 learns packet 0 from its DR"
    );
    assert_eq!(third.counters.repaired, 1);
}

#[test]
fn a_dr_lacking_the_packet_gets_it_from_the_sender_and_forwards_it_a_period_later() {
    let make = |seed| config(6, 2, true, 0.1, seed);
    // DR 1 and node 2 both lose packet 0; nothing else is lost in rounds 1 to 5.
    let seed = seed_where(make, &[], 5, |reports| {
        let mut first = lost(&reports[0]);
        first.sort_unstable();
        first == [(0, 1, DATA), (0, 2, DATA)] && reports[1..].iter().all(|r| lost(r).is_empty())
    });
    let reports = run(make(seed), &[], 5);
    let repairs = |report: &RoundReport| -> Vec<_> {
        report
            .contacts
            .iter()
            .filter(|c| c.kind == REPAIR)
            .map(|c| (c.from, c.to, c.fate))
            .collect()
    };
    // Round 3: DR 1's ACK makes the sender retransmit packet 0 to it; node 2's ACK reaches DR 1
    // too, but the DR decides in the same tick as the sender and may forward only what it held
    // before that tick.
    assert_eq!(repairs(&reports[2]), [(0, 1, Fate::Informed)]);
    assert!(learned(&reports[2]).contains(&(1, 0, 0)));
    assert!(!learned(&reports[2]).iter().any(|l| (l.0, l.1) == (2, 0)));
    // Round 5: the next ACK round, DR 1 retransmits packet 0 to node 2.
    assert_eq!(repairs(&reports[4]), [(1, 2, Fate::Informed)]);
    assert!(learned(&reports[4]).contains(&(2, 0, 1)));
    assert_eq!(
        reports[3].counters.by_kind[ACK as usize], 0,
        "round 4: no ACKs"
    );
}

#[test]
fn a_receiver_acks_once_more_after_completing_then_stops() {
    let make = |seed| config(4, 2, true, 0.1, seed);
    // Node 4 loses packet 3 (round 4); DR 3 retransmits it in round 5 (nothing else lost).
    let seed = seed_where(make, &[], 5, |reports| {
        reports[..3].iter().all(|r| lost(r).is_empty())
            && lost(&reports[3]) == [(0, 4, DATA)]
            && lost(&reports[4]).is_empty()
    });
    let mut simulation = Simulation::with_contacts(make(seed)).unwrap();
    let reports: Vec<_> = (0..5).map(|_| simulation.step().unwrap()).collect();
    assert!(learned(&reports[4]).contains(&(4, 3, 3)));
    // Everyone else completed in round 4 and sends its final ACK in round 5; node 4 ACKs
    // while it still lacks packet 3.
    let acks: Vec<_> = datagrams(&reports[4])
        .into_iter()
        .filter(|c| c.2 == ACK)
        .map(|c| (c.0, c.1))
        .collect();
    assert_eq!(acks, [(1, 0), (2, 1), (3, 0), (4, 3)]);
    assert_eq!(simulation.status(), Status::Completed { rounds: 5 });
}

#[test]
fn receivers_of_a_crashed_dr_reaffiliate_to_the_sender() {
    let make = |seed| config(16, 1, true, 0.2, seed);
    let rounds = 2 + SILENT_PERIODS as usize;
    // DR 1 crashed; node 2 loses packet 0, and its ACK to the sender in round K + 2 and the
    // retransmission are not lost.
    let seed = seed_where(make, &[1], rounds, |reports| {
        lost(&reports[0]).contains(&(0, 2, DATA))
            && !lost(&reports[rounds - 1])
                .iter()
                .any(|&(from, to, _)| from == 2 || to == 2)
    });
    let reports = run(make(seed), &[1], rounds);
    assert_eq!(
        reports[0]
            .events
            .iter()
            .map(|e| (e.node, e.change))
            .collect::<Vec<_>>(),
        [(1, Change::Crashed)]
    );
    // ACK rounds 2 ..= K + 1 (P = 1): node 2 ACKs its DR, which swallows them (or they are
    // lost).
    for report in &reports[1..rounds - 1] {
        let to_dr: Vec<_> = report
            .contacts
            .iter()
            .filter(|c| c.from == 2)
            .map(|c| (c.to, c.kind))
            .collect();
        assert_eq!(to_dr, [(1, ACK)]);
        assert!(report.events.is_empty());
    }
    // Round K + 2, after K silent periods: node 2 re-affiliates and ACKs the sender, which
    // retransmits packet 0 (and whatever else node 2 lacks).
    let last = &reports[rounds - 1];
    assert_eq!(
        last.events
            .iter()
            .map(|e| (e.node, e.change))
            .collect::<Vec<_>>(),
        [(2, Change::Reattached { to: 0 })]
    );
    let from_2: Vec<_> = last
        .contacts
        .iter()
        .filter(|c| c.from == 2)
        .map(|c| (c.to, c.kind, c.fate))
        .collect();
    assert_eq!(from_2, [(0, ACK, Fate::Arrived)]);
    assert!(learned(last).contains(&(2, 0, 0)));
    // The crashed DR's receivers and everyone else end with every packet.
    let mut simulation = Simulation::new(make(seed)).unwrap();
    simulation.crash(1);
    assert!(matches!(simulation.run_to_end(), Status::Completed { .. }));
    assert_eq!(simulation.informed(), 4);
}

/// Nine nodes in `regions` regions, one packet, ACK period 2, the default multicast threshold
/// (a quarter).
fn nine(regions: u32, loss: f64, seed: u64) -> Config {
    Config {
        nodes: 9,
        mode: Mode::Rmtp,
        packets: 1,
        seed,
        network: NetworkConfig { loss, crash: 0.0 },
        rmtp: rmtp::Params {
            regions,
            ack_period: 2,
            designated: true,
        },
        ..Config::default()
    }
}

/// The receivers whose copy of packet 0 was lost in round 1, in node order.
fn missed(report: &RoundReport) -> Vec<u32> {
    let mut missed: Vec<u32> = lost(report)
        .into_iter()
        .filter(|&(_, _, kind)| kind == DATA)
        .map(|(_, to, _)| to)
        .collect();
    missed.sort_unstable();
    missed
}

/// (from, to, kind) of the repairs of a round, unicast and regional, in sending order.
fn repairs(report: &RoundReport) -> Vec<(u32, u32, u8)> {
    report
        .contacts
        .iter()
        .filter(|c| c.kind == REPAIR || c.kind == REGIONAL_REPAIR)
        .map(|c| (c.from, c.to, c.kind))
        .collect()
}

#[test]
fn a_region_where_most_receivers_miss_a_packet_gets_one_multicast() {
    // One region: DR 1 and seven receivers, 2 to 8; a quarter of seven is 1.75, so two or more
    // lacking the packet make a multicast. Here four or more lose packet 0, the DR does not,
    // and no ACK of round 3 is lost.
    let make = |seed| nine(1, 0.5, seed);
    let seed = seed_where(make, &[], 3, |reports| {
        let missed = missed(&reports[0]);
        missed.len() >= 4 && !missed.contains(&1) && lost(&reports[2]).iter().all(|l| l.2 != ACK)
    });
    let reports = run(make(seed), &[], 3);
    let missed = missed(&reports[0]);
    let third = &reports[2];
    assert_eq!(
        repairs(third),
        (2..9)
            .map(|to| (1, to, REGIONAL_REPAIR))
            .collect::<Vec<_>>(),
        "one multicast to the whole region, no unicast ({missed:?} lacked packet 0)"
    );
    assert_eq!(third.counters.multicasts[REGIONAL_REPAIR as usize], 1);
    assert_eq!(third.counters.by_kind[REPAIR as usize], 0);
    // Those that lacked it learn it (unless their copy is lost); the others get a redundant
    // copy.
    for contact in third.contacts.iter().filter(|c| c.kind == REGIONAL_REPAIR) {
        assert_eq!(contact.sent, 2 * TICKS_PER_ROUND + REPAIR_AFTER);
        let expected = match (contact.fate, missed.contains(&contact.to)) {
            (Fate::Lost, _) => Fate::Lost,
            (_, true) => Fate::Informed,
            (_, false) => Fate::Redundant,
        };
        assert_eq!(contact.fate, expected, "receiver {}", contact.to);
    }
    assert_eq!(
        third.counters.repaired,
        third
            .contacts
            .iter()
            .filter(|c| c.fate == Fate::Informed && c.kind == REGIONAL_REPAIR)
            .count() as u64
    );
}

#[test]
fn a_region_where_few_receivers_miss_a_packet_gets_unicasts() {
    // One receiver of seven lacks packet 0: 1 is not more than 1.75, so the DR unicasts.
    let make = |seed| nine(1, 0.3, seed);
    let seed = seed_where(make, &[], 3, |reports| {
        missed(&reports[0]).len() == 1
            && !missed(&reports[0]).contains(&1)
            && lost(&reports[2]).iter().all(|l| l.2 != ACK)
    });
    let reports = run(make(seed), &[], 3);
    let receiver = missed(&reports[0])[0];
    assert_eq!(repairs(&reports[2]), [(1, receiver, REPAIR)]);
    assert_eq!(reports[2].counters.multicasts[REGIONAL_REPAIR as usize], 0);
}

#[test]
fn a_lower_threshold_turns_the_same_losses_into_a_multicast() {
    // The same run as above with the threshold below 1/7: one receiver of seven lacking the
    // packet is more than 0.1 x 7 = 0.7, so the DR multicasts to the region instead.
    let make = |seed| nine(1, 0.3, seed);
    let seed = seed_where(make, &[], 3, |reports| {
        missed(&reports[0]).len() == 1
            && !missed(&reports[0]).contains(&1)
            && lost(&reports[2]).iter().all(|l| l.2 != ACK)
    });
    let mut config = make(seed);
    config.set("mcast_threshold", "0.1").unwrap();
    let reports = run(config, &[], 3);
    assert_eq!(
        repairs(&reports[2]),
        (2..9)
            .map(|to| (1, to, REGIONAL_REPAIR))
            .collect::<Vec<_>>()
    );
}

#[test]
fn the_sender_multicasts_to_the_drs_when_more_than_the_threshold_of_them_lack_a_packet() {
    // Four regions of two: DRs 1, 3, 5, 7. A quarter of four DRs is 1: two or more lacking
    // packet 0 make the sender multicast it to all four DRs; one lacking gets a unicast.
    for (lacking, wanted) in [(2..=4, "multicast"), (1..=1, "unicast")] {
        let make = |seed| nine(4, 0.4, seed);
        let seed = seed_where(make, &[], 3, |reports| {
            let missed = missed(&reports[0]);
            let drs = missed.iter().filter(|&&n| n % 2 == 1).count();
            lacking.contains(&drs) && lost(&reports[2]).iter().all(|l| l.2 != ACK)
        });
        let reports = run(make(seed), &[], 3);
        let from_sender: Vec<_> = repairs(&reports[2])
            .into_iter()
            .filter(|r| r.0 == 0)
            .collect();
        let drs: Vec<u32> = missed(&reports[0])
            .into_iter()
            .filter(|n| n % 2 == 1)
            .collect();
        if wanted == "multicast" {
            assert_eq!(
                from_sender,
                [1, 3, 5, 7].map(|dr| (0, dr, REGIONAL_REPAIR)),
                "DRs {drs:?} lacked packet 0"
            );
        } else {
            assert_eq!(from_sender, [(0, drs[0], REPAIR)]);
        }
    }
}
