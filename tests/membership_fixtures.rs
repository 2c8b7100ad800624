#![cfg(not(target_arch = "wasm32"))]
//! Membership by gossip (theory.md section 10), a fixture per rule: a heartbeat
//! counter that stops rising (failed after T_fail, deleted after T_cleanup), SWIM's ping that
//! times out and its ping-reqs, a ping-req that succeeds, a suspicion refuted, a failure after
//! the suspicion timeout, Cassandra's phi crossing its threshold, a join through the seed, the
//! default crash, and the matrix.

use gossip_lab::engine::protocols::swim;
use gossip_lab::engine::report::{Change, Fate, TICKS_PER_ROUND};
use gossip_lab::engine::{Config, Mode, RoundReport, Simulation};

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
    config
}

fn reports(config: Config) -> Vec<RoundReport> {
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    reports
}

/// Observer `observer`'s view of `member` after each round (matrix codes).
fn column(reports: &[RoundReport], nodes: u32, observer: u32, member: u32) -> Vec<u8> {
    reports
        .iter()
        .map(|report| {
            report.membership.as_ref().unwrap().views[(observer * nodes + member) as usize]
        })
        .collect()
}

#[test]
fn a_heartbeat_that_stops_rising_is_failed_after_t_fail_and_deleted_after_t_cleanup() {
    // Two nodes: node 0 hears node 1's counter every period, until node 1 crashes.
    let nodes = 2;
    let (t_fail, t_cleanup) = (3u32, 4u32);
    let config = config(
        Mode::Heartbeat,
        nodes,
        7,
        &[
            ("crash_at", "4:0.5"),
            ("t_fail", "3"),
            ("t_cleanup", "4"),
            ("periods", "20"),
        ],
    );
    let reports = reports(config);
    let last = reports.last().unwrap().membership.as_ref().unwrap();
    let target = last.target.expect("one node crashed at round 4");
    // The last heartbeat arrived the period before the crash: failed T_fail periods after the
    // crash (a counter may stay still for T_fail periods, not more).
    assert_eq!(target, 1);
    assert_eq!(last.first_detection, Some(f64::from(t_fail)));
    assert_eq!(last.all_detection, Some(f64::from(t_fail)));
    assert_eq!(last.false_detections, 0);
    for observer in (0..nodes).filter(|&node| node != target) {
        let seen = column(&reports, nodes, observer, target);
        let failed = seen.iter().position(|&code| code == 3).unwrap();
        let deleted = seen.iter().position(|&code| code == 0).unwrap();
        // Alive until then, failed for T_cleanup periods (deleted at the first period start
        // more than T_cleanup periods later), then unknown.
        assert!(seen[..failed].iter().all(|&code| code == 1));
        assert_eq!(
            deleted - failed,
            t_cleanup as usize + 1,
            "observer {observer}"
        );
    }
}

#[test]
fn swim_a_ping_that_times_out_sends_k_ping_reqs_then_suspects_and_fails_after_the_suspicion() {
    let (nodes, k, suspicion) = (10, 3, 2);
    let config = config(
        Mode::Swim,
        nodes,
        3,
        &[
            ("crash_at", "2:0.1"),
            ("ping_req", "3"),
            ("suspicion", "2"),
            ("periods", "15"),
        ],
    );
    let reports = reports(config);
    let target = reports
        .last()
        .unwrap()
        .membership
        .as_ref()
        .unwrap()
        .target
        .unwrap();
    // The first ping to the crashed node dies there.
    let (round, ping) = reports[1..]
        .iter()
        .find_map(|report| {
            report
                .contacts
                .iter()
                .find(|contact| contact.kind == swim::PING && contact.to == target)
                .map(|contact| (report.round, *contact))
        })
        .unwrap();
    assert_eq!(ping.fate, Fate::Crashed);
    let prober = ping.from;
    let report = &reports[round as usize - 1];
    // PING_TIMEOUT ticks later the prober asks k distinct others, each of which pings it.
    let asked: Vec<_> = report
        .contacts
        .iter()
        .filter(|contact| contact.kind == swim::PING_REQ && contact.from == prober)
        .collect();
    assert_eq!(asked.len(), k);
    assert!(
        asked
            .iter()
            .all(|contact| contact.sent == ping.sent + swim::PING_TIMEOUT)
    );
    for request in &asked {
        assert!(
            report
                .contacts
                .iter()
                .any(|contact| contact.kind == swim::PING
                    && contact.from == request.to
                    && contact.to == target
                    && contact.fate == Fate::Crashed)
        );
    }
    // No ack by its next period: suspected then; failed `suspicion` periods later.
    let tick_of = |change: Change| {
        reports
            .iter()
            .flat_map(|report| &report.events)
            .find(|event| event.node == prober && event.change == change)
            .map(|event| event.tick)
            .unwrap()
    };
    let suspected = tick_of(Change::Suspected { member: target });
    assert_eq!(suspected, ping.sent + TICKS_PER_ROUND);
    assert_eq!(
        tick_of(Change::Failed { member: target }),
        suspected + suspicion * TICKS_PER_ROUND
    );
}

#[test]
fn swim_a_ping_req_succeeds_where_the_direct_ping_failed() {
    // Under 30 % loss some direct ping or its ack is lost while a helper gets through: the
    // helper relays the target's ack to the prober, who then suspects nobody.
    let config = config(
        Mode::Swim,
        20,
        5,
        &[("crash_at", "1:0"), ("loss", "0.3"), ("periods", "40")],
    );
    let reports = reports(config);
    let relayed = reports.iter().any(|report| {
        report.contacts.iter().any(|request| {
            request.kind == swim::PING_REQ
                && request.fate != Fate::Lost
                && report.contacts.iter().any(|ack| {
                    ack.kind == swim::ACK
                        && ack.from == request.to
                        && ack.to == request.from
                        && ack.fate != Fate::Lost
                        && ack.sent == request.sent
                })
                && !reports
                    .iter()
                    .flat_map(|report| &report.events)
                    .any(|event| {
                        event.node == request.from
                            && matches!(event.change, Change::Suspected { .. })
                            && event.tick == request.sent - swim::PING_TIMEOUT + TICKS_PER_ROUND
                    })
        })
    });
    assert!(relayed);
}

#[test]
fn swim_a_suspected_live_member_refutes_with_a_higher_incarnation() {
    let config = config(
        Mode::Swim,
        20,
        5,
        &[("crash_at", "1:0"), ("loss", "0.3"), ("periods", "40")],
    );
    let reports = reports(config);
    let events: Vec<_> = reports.iter().flat_map(|report| &report.events).collect();
    // A live member hears it is suspected and raises its incarnation ...
    let refutation = events
        .iter()
        .find(|event| event.change == Change::Refuted { member: event.node })
        .expect("a member refutes a suspicion of itself");
    let member = refutation.node;
    assert!(
        events
            .iter()
            .any(|event| event.change == Change::Suspected { member }
                && event.tick <= refutation.tick)
    );
    // ... and observers that suspected it take it back as alive.
    assert!(events.iter().any(|event| event.node != member
        && event.change == Change::Refuted { member }
        && event.tick >= refutation.tick));
}

#[test]
fn cassandra_convicts_when_phi_crosses_the_threshold() {
    for phi in ["8", "4"] {
        let threshold: f64 = phi.parse().unwrap();
        let config = config(
            Mode::Cassandra,
            30,
            11,
            &[("crash_at", "5:0.04"), ("phi", phi), ("periods", "120")],
        );
        let reports = reports(config);
        let last = reports.last().unwrap().membership.clone().unwrap();
        assert!(!last.convictions.is_empty());
        for &(observer, silence, mean) in &last.convictions {
            // phi = (t / mean) log10(e) has just passed the threshold at this period's check
            // (it was at most the threshold one period earlier).
            let phi_now = silence / mean * std::f64::consts::LOG10_E;
            let phi_before = (silence - 1.0) / mean * std::f64::consts::LOG10_E;
            assert!(phi_now > threshold, "observer {observer}: {phi_now}");
            assert!(phi_before <= threshold, "observer {observer}: {phi_before}");
        }
    }
}

/// The phi the page plots and colours by is the detector's own: after the crash, with no news,
/// phi about the crashed node rises by the same step each period (one period over the mean
/// interval, times log10 e) until the observer convicts it, and the observer's matrix entry
/// turns failed exactly when phi has passed the threshold; a lossless run never lets phi about
/// a live member reach it. Other protocols have no phi.
#[test]
fn cassandra_reports_each_observers_phi() {
    let nodes = 30;
    let mut simulation = Simulation::with_contacts(config(
        Mode::Cassandra,
        nodes,
        11,
        &[("crash_at", "5:0.04"), ("periods", "80")],
    ))
    .unwrap();
    let mut target = None;
    let mut previous: Vec<Option<f64>> = vec![None; nodes as usize];
    let mut convicted = 0;
    while let Some(report) = simulation.step() {
        let membership = report.membership.as_ref().unwrap();
        target = target.or(membership.target);
        for observer in (0..nodes).filter(|&node| !simulation.is_crashed(node)) {
            assert_eq!(simulation.phi(observer, observer), None);
            for member in
                (0..nodes).filter(|&node| node != observer && !simulation.is_crashed(node))
            {
                let phi = simulation.phi(observer, member).unwrap();
                assert!(
                    phi < 8.0,
                    "round {}: {observer} about {member}: {phi}",
                    report.round
                );
            }
            let Some(target) = target else { continue };
            let phi = simulation.phi(observer, target).unwrap();
            let failed = membership.views[(observer * nodes + target) as usize] == 3;
            if failed && previous[observer as usize].is_some_and(|before| before <= 8.0) {
                assert!(phi > 8.0, "observer {observer} convicted at phi {phi}");
                convicted += 1;
            }
            previous[observer as usize] = Some(phi);
        }
    }
    assert!(
        target.is_some() && convicted > 10,
        "{convicted} convictions seen"
    );
    let mut push = Simulation::new(config(Mode::Push, 20, 1, &[])).unwrap();
    push.run_to_end();
    assert_eq!(push.phi(0, 1), None);
}

#[test]
fn a_joining_node_contacts_the_seed_and_reaches_every_list() {
    for mode in Mode::MEMBERSHIP {
        let nodes = 30;
        let config = config(
            mode,
            nodes,
            2,
            &[("crash_at", "1:0"), ("join_at", "5"), ("periods", "40")],
        );
        let reports = reports(config);
        let joiner = nodes - 1;
        // Unknown to everyone before round 5; it joins then, and its first datagram goes to
        // the seed, node 0.
        assert!(
            column(&reports[..4], nodes, 3, joiner)
                .iter()
                .all(|&code| code == 0)
        );
        let joined = &reports[4];
        assert!(
            joined
                .events
                .iter()
                .any(|event| event.node == joiner && event.change == Change::Joined)
        );
        let first = joined
            .contacts
            .iter()
            .find(|contact| contact.from == joiner)
            .unwrap();
        assert_eq!(first.to, 0, "{mode}");
        let last = reports.last().unwrap().membership.as_ref().unwrap();
        let join_time = last.join_time.expect("everyone lists the newcomer");
        assert!(join_time > 0.0 && join_time < 20.0, "{mode}: {join_time}");
        for observer in 0..nodes {
            assert_eq!(column(&reports, nodes, observer, joiner).last(), Some(&1));
        }
    }
}

#[test]
fn without_a_schedule_one_node_crashes_at_round_10_and_without_loss_nobody_is_falsely_failed() {
    for mode in Mode::MEMBERSHIP {
        let reports = reports(config(mode, 50, 1, &[("periods", "70")]));
        let crashed: Vec<_> = reports
            .iter()
            .flat_map(|report| report.events.iter().map(move |event| (report.round, event)))
            .filter(|(_, event)| event.change == Change::Crashed)
            .collect();
        assert_eq!(crashed.len(), 1, "{mode}");
        assert_eq!(crashed[0].0, 10);
        let last = reports.last().unwrap().membership.as_ref().unwrap();
        assert_eq!(last.target, Some(crashed[0].1.node));
        assert_eq!(last.false_detections, 0, "{mode}");
        assert!(last.all_detection.is_some(), "{mode}");
        // The matrix: the crashed observer's row is code 4, the others say failed (or,
        // heartbeat after T_cleanup, deleted) in its column; the stage's informed count is
        // the live nodes that consider it failed.
        let target = crashed[0].1.node;
        let views = &last.views;
        assert!(
            views[(target * 50) as usize..][..50]
                .iter()
                .all(|&code| code == 4)
        );
        for observer in (0..50).filter(|&node| node != target) {
            assert!(matches!(views[(observer * 50 + target) as usize], 0 | 3));
        }
        assert_eq!(reports.last().unwrap().informed, 49);
    }
}

#[test]
fn the_matrix_is_reported_up_to_300_nodes_and_membership_modes_refuse_over_2000() {
    let small = Simulation::with_contacts(config(Mode::Swim, 300, 1, &[]))
        .unwrap()
        .step()
        .unwrap();
    assert_eq!(small.membership.unwrap().views.len(), 300 * 300);
    let large = Simulation::with_contacts(config(Mode::Swim, 301, 1, &[]))
        .unwrap()
        .step()
        .unwrap();
    assert!(large.membership.unwrap().views.is_empty());
    let error = Simulation::new(config(Mode::Swim, 10_001, 1, &[]))
        .err()
        .unwrap();
    assert!(error.0.contains("between 2 and 10000"), "{error}");
}

#[test]
fn every_protocols_entry_takes_at_most_16_bytes() {
    use gossip_lab::engine::protocols::{cassandra, heartbeat};
    // N^2 entries: their size is the membership modes' memory.
    assert!(std::mem::size_of::<heartbeat::Entry>() <= 16);
    assert!(std::mem::size_of::<swim::Entry>() <= 16);
    assert!(std::mem::size_of::<cassandra::Entry>() <= 16);
}

#[test]
fn long_delays_run_to_the_end_a_delayed_list_is_the_one_sent() {
    // Heartbeat with exp:10 and Cassandra with exp:5 once failed here: a list carried by a
    // datagram older than 12 rounds had been dropped.
    for (mode, delay) in [(Mode::Heartbeat, "exp:10"), (Mode::Cassandra, "exp:5")] {
        let reports = reports(config(
            mode,
            100,
            1,
            &[("delay", delay), ("periods", "100")],
        ));
        assert_eq!(reports.len(), 100, "{mode} {delay}");
        let last = reports.last().unwrap().membership.as_ref().unwrap();
        assert!(last.target.is_some(), "{mode} {delay}");
        // Datagrams many rounds old arrived and were read.
        let late = reports
            .iter()
            .flat_map(|report| &report.contacts)
            .filter(|contact| contact.arrives >= contact.sent + 12 * TICKS_PER_ROUND)
            .count();
        assert!(late > 0, "{mode} {delay}");
    }
    // Every delay the configuration accepts, in every mode, with a join and loss.
    for mode in Mode::MEMBERSHIP {
        for delay in ["fixed:0.5", "fixed:10", "uniform:0:10", "exp:10"] {
            let reports = reports(config(
                mode,
                40,
                3,
                &[
                    ("delay", delay),
                    ("periods", "60"),
                    ("join_at", "5"),
                    ("loss", "0.1"),
                ],
            ));
            assert_eq!(reports.len(), 60, "{mode} {delay}");
        }
    }
}

#[test]
fn swim_join_ack_carries_the_seeds_list_as_sent_not_as_it_is_at_arrival() {
    // Ten nodes, every datagram 3 rounds on the way: the newcomer (node 9) hears the seed's
    // JOIN_ACK 3 rounds after the seed sent it. A crash at round 2 makes the seed's list
    // change (suspected, then failed) some 20 rounds later (a probe's deadline is 18 rounds
    // at this delay); the first join round and generator seed where it changes while the
    // JOIN_ACK is on the way are taken. The newcomer's view of that member must be the seed's
    // when it sent, not when it arrived.
    let nodes = 10;
    let joiner = nodes - 1;
    let row = |report: &RoundReport, observer: u32| -> Vec<u8> {
        let views = &report.membership.as_ref().unwrap().views;
        views[(observer * nodes) as usize..((observer + 1) * nodes) as usize].to_vec()
    };
    let joins = (15..40).flat_map(|join| (0..20).map(move |seed| (join, seed)));
    let found = joins.into_iter().find_map(|(join, seed)| {
        let join = join.to_string();
        let config = config(
            Mode::Swim,
            nodes,
            seed,
            &[
                ("delay", "fixed:3"),
                ("join_at", &join),
                ("crash_at", "2:0.2"),
                ("suspicion", "1"),
                ("periods", "60"),
            ],
        );
        let reports = reports(config);
        let ack = *reports
            .iter()
            .flat_map(|report| &report.contacts)
            .find(|contact| contact.kind == swim::JOIN_ACK && contact.to == joiner)?;
        // Round r's report is index r - 1; a datagram sent at tick t left in round t / 100 + 1,
        // at that round's first tick (the delays are whole rounds), before the round's calls.
        let sent_round = (ack.sent / TICKS_PER_ROUND) as usize + 1;
        let arrival_round = (ack.arrives / TICKS_PER_ROUND) as usize + 1;
        // The seed's list when it sent: as the round before ended, and unchanged during it
        // but for the newcomer itself, whose JOIN the seed took just before answering.
        let before = row(&reports[sent_round - 2], 0);
        let others = ..joiner as usize;
        if row(&reports[sent_round - 1], 0)[others] != before[others] {
            return None;
        }
        // ... and as it was when the JOIN_ACK arrived: as the round before the arrival ended.
        let at_arrival = row(&reports[arrival_round - 2], 0);
        let changed: Vec<usize> = (0..joiner as usize)
            .filter(|&member| member != 0 && before[member] != at_arrival[member])
            .collect();
        (!changed.is_empty()).then_some((seed, reports, arrival_round, before, changed))
    });
    let (seed, reports, arrival_round, before, changed) =
        found.expect("some seed changes the seed's list while its JOIN_ACK is on the way");
    let newcomer = row(&reports[arrival_round - 1], joiner);
    for member in changed {
        assert_eq!(
            newcomer[member], before[member],
            "seed {seed}: the newcomer's view of {member} is the seed's as sent"
        );
    }
}

#[test]
fn a_heartbeat_member_revived_after_a_partition_is_failed_again_t_fail_after_it_stops() {
    // Two nodes, cut apart at round 3 until round 9: each fails the other after T_fail, then,
    // after the heal, hears it again and lists it alive (a revival). Node 1 crashes at round
    // 14. With a long T_cleanup the failed entry's deletion is the only pass node 0 had
    // planned: the revival itself must bring the next pass forward, so that node 0 fails
    // node 1 T_fail periods after its last heartbeat, as the first time.
    let nodes = 2;
    let t_fail = 3;
    let mut revivals = 0;
    for seed in 1..=20 {
        let config = config(
            Mode::Heartbeat,
            nodes,
            seed,
            &[
                ("partition", "3:half:9"),
                ("crash_at", "14:0.5"),
                ("t_fail", "3"),
                ("t_cleanup", "40"),
                ("periods", "40"),
            ],
        );
        let reports = reports(config);
        let last = reports.last().unwrap().membership.as_ref().unwrap();
        let target = last.target.expect("one node crashed at round 14");
        let observer = 1 - target;
        let seen = column(&reports, nodes, observer, target);
        // Alive again after the heal (reconnection is drawn: a seed may not revive in time);
        // `seen[i]` is the view after round i + 1.
        let Some(revived) = (8..13).find(|&round| seen[round] == 1 && seen[round - 1] == 3) else {
            continue;
        };
        revivals += 1;
        let failed = (revived..seen.len())
            .find(|&round| seen[round] == 3)
            .expect("the crashed member is failed again");
        // Its last heartbeat reached the observer at the latest in the round before the crash
        // (round 13): failed at the latest T_fail rounds after the crash, as a fresh failure is.
        assert!(
            failed <= 14 + t_fail,
            "seed {seed}: revived at {revived}, failed again only at {failed}: {seen:?}"
        );
    }
    // Each side reconnects with probability 1/2 a period: most of the 20 seeds revive.
    assert!(revivals >= 10, "only {revivals} of 20 seeds revived");
}
