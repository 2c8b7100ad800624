#![cfg(not(target_arch = "wasm32"))]
//! SRM on tiny trees, tick by tick (theory.md section 7; the rules in `protocols/srm.rs`): one
//! data packet lost on one link, who sets which timer, who is suppressed, who repairs; and a
//! crashed node routed around.

use gossip_lab::engine::protocols::srm::{self, DATA, HOP, NAK, REPAIR, SESSION};
use gossip_lab::engine::report::{PendingTimer, TICKS_PER_ROUND};
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, RoundReport, Simulation, Status};

const REQUEST: &str = "request (NAK) timer";
const REPAIR_TIMER: &str = "repair timer";

/// 7 nodes, b = 2 (depth 2), 2 packets.
fn config(seed: u64, loss: f64, suppression: bool) -> Config {
    Config {
        nodes: 7,
        mode: Mode::Srm,
        fanout: 2,
        packets: 2,
        seed,
        network: NetworkConfig { loss, crash: 0.0 },
        srm: srm::Params {
            suppression,
            ..srm::Params::default()
        },
        ..Config::default()
    }
}

fn reports(config: Config) -> Vec<RoundReport> {
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    assert!(matches!(simulation.status(), Status::Completed { .. }));
    reports
}

/// A seed whose run loses exactly one datagram: packet 0 on the link from node 0 to node 1.
fn seed_losing_only_packet_0_to_node_1(suppression: bool) -> u64 {
    (0..20_000)
        .find(|&seed| {
            let lost: Vec<_> = reports(config(seed, 0.03, suppression))
                .iter()
                .flat_map(|report| report.contacts.clone())
                .filter(|contact| contact.fate == Fate::Lost)
                .map(|c| (c.from, c.to, c.kind, c.sent))
                .collect();
            lost == [(0, 1, DATA, 0)]
        })
        .expect("some seed loses exactly that datagram")
}

/// Pending timers after a round, as (node, name), sorted.
fn pending(report: &RoundReport) -> Vec<(u32, &'static str)> {
    let mut timers: Vec<_> = report.timers.iter().map(|t| (t.node, t.name)).collect();
    timers.sort_unstable();
    timers
}

/// (from, to, kind) of the datagrams of `kind` that left their origin (the first hop, delivered
/// at the tick they were sent), over the whole run.
fn originated(reports: &[RoundReport], kind: u8) -> Vec<(u32, u32, u8)> {
    reports
        .iter()
        .flat_map(|report| report.contacts.iter())
        .filter(|c| c.kind == kind && c.sent == c.arrives)
        .map(|c| (c.from, c.to, c.kind))
        .collect()
}

/// Every timer that was pending at the end of some round, once.
fn distinct_timers(reports: &[RoundReport]) -> Vec<&PendingTimer> {
    let mut timers: Vec<&PendingTimer> = reports.iter().flat_map(|r| r.timers.iter()).collect();
    timers.sort_unstable_by_key(|t| (t.set, t.node, t.due));
    timers.dedup_by_key(|t| (t.set, t.node, t.due));
    timers
}

fn hops(timer: &PendingTimer) -> f64 {
    (timer.due - timer.set) as f64 / HOP as f64
}

#[test]
fn without_loss_the_stream_takes_m_minus_1_plus_depth_rounds_and_no_timer() {
    let reports = reports(config(1, 0.0, true));
    assert_eq!(reports.len(), 2 - 1 + 2, "M - 1 + depth rounds");
    // Round 1: packet 0 reaches nodes 1 and 2 at once, the rest one hop later.
    let first: Vec<_> = reports[0]
        .contacts
        .iter()
        .map(|c| (c.from, c.to, c.kind, c.sent))
        .collect();
    assert_eq!(first, [(0, 1, DATA, 0), (0, 2, DATA, 0)]);
    let second: Vec<_> = reports[1]
        .contacts
        .iter()
        .filter(|c| c.kind == DATA && c.sent == 0)
        .map(|c| (c.from, c.to, c.arrives))
        .collect();
    assert_eq!(
        second,
        [(1, 3, 100), (1, 4, 100), (2, 5, 100), (2, 6, 100)],
        "forwarded one hop later, never back to the parent"
    );
    assert!(reports.iter().all(|r| r.timers.is_empty()));
    assert!(originated(&reports, NAK).is_empty());
}

#[test]
fn one_loss_with_suppression_one_nak_and_one_repair() {
    let seed = seed_losing_only_packet_0_to_node_1(true);
    let reports = reports(config(seed, 0.03, true));
    // Round 2: packet 1 reaches node 1 at tick 100; node 1 sees the gap and sets a request
    // timer uniform in [C1 d, (C1 + C2) d] = [2, 4] hops (d = 1).
    assert_eq!(pending(&reports[1]), [(1, REQUEST)]);
    let request = reports[1].timers[0];
    assert_eq!(request.set, TICKS_PER_ROUND);
    assert!((2.0..=4.0).contains(&hops(&request)), "{request:?}");
    // Round 3: packet 1 reaches 3 and 4 (never packet 0): their timers, in [4, 8] hops (d = 2).
    let third = &reports[2];
    let children: Vec<_> = third
        .timers
        .iter()
        .filter(|t| t.node == 3 || t.node == 4)
        .collect();
    assert_eq!(children.len(), 2);
    for timer in children {
        assert_eq!((timer.name, timer.set), (REQUEST, 200));
        assert!((4.0..=8.0).contains(&hops(timer)), "{timer:?}");
    }
    // Node 1's timer fires first (at most tick 500, theirs at least tick 600): one NAK, from
    // node 1, reaching its three neighbours at once.
    let naks = originated(&reports, NAK);
    assert_eq!(naks, [(1, 0, NAK), (1, 3, NAK), (1, 4, NAK)]);
    let nak_tick = request.due;
    // The holders set repair timers, [D1 d_A, (D1 + D2) d_A] hops after hearing it: node 0
    // (d_A = 1) at once, node 2 (d_A = 2) a hop later, nodes 5 and 6 (d_A = 3) two hops later;
    // nodes 3 and 4 back off instead of asking: their timers are drawn again, from [8, 16] hops.
    let after_nak: Vec<&PendingTimer> = distinct_timers(&reports)
        .into_iter()
        .filter(|t| t.set >= nak_tick)
        .collect();
    let mut repairers: Vec<_> = after_nak
        .iter()
        .filter(|t| t.name == REPAIR_TIMER)
        .map(|t| (t.node, t.set - nak_tick, hops(t)))
        .collect();
    repairers.sort_unstable_by_key(|t| t.0);
    assert_eq!(
        repairers.iter().map(|t| t.0).collect::<Vec<_>>(),
        [0, 2, 5, 6],
        "every holder that heard the NAK, once"
    );
    for &(node, delay, hops) in &repairers {
        let (d_a, hop_delay) = match node {
            0 => (1.0, 0),
            2 => (2.0, 100),
            5 | 6 => (3.0, 200),
            _ => panic!("node {node} does not hold packet 0"),
        };
        assert_eq!(delay, hop_delay, "node {node} hears the NAK");
        assert!(
            (d_a..=2.0 * d_a).contains(&hops),
            "node {node}: {hops} hops"
        );
    }
    assert_eq!(repairers[0].0, 0, "node 0 hears it first");
    // Node 1 backs off too, after asking: [4, 8] hops.
    let own: Vec<_> = after_nak.iter().filter(|t| t.node == 1).collect();
    assert_eq!(own.len(), 1);
    assert_eq!((own[0].name, own[0].set), (REQUEST, nak_tick));
    assert!((4.0..=8.0).contains(&hops(own[0])));
    let backed_off: Vec<_> = after_nak
        .iter()
        .filter(|t| t.name == REQUEST && t.node != 1)
        .map(|t| (t.node, hops(t)))
        .collect();
    assert_eq!(backed_off.len(), 2, "{backed_off:?}");
    for (node, hops) in backed_off {
        assert!([3, 4].contains(&node));
        assert!((8.0..=16.0).contains(&hops), "node {node}: {hops} hops");
    }
    // Node 0 repairs (within 2 hops of the NAK); the repair reaches everyone and cancels the
    // other repair timers and the children's request timers: one NAK, one repair.
    assert_eq!(
        originated(&reports, REPAIR),
        [(0, 1, REPAIR), (0, 2, REPAIR)]
    );
    let last = reports.last().unwrap();
    assert!(last.timers.is_empty(), "{:?}", last.timers);
    let learned: Vec<_> = reports
        .iter()
        .flat_map(|r| r.learned.iter())
        .filter(|l| l.message == 0 && [1, 3, 4].contains(&l.node))
        .map(|l| (l.node, l.from))
        .collect();
    assert_eq!(learned, [(1, 0), (3, 1), (4, 1)], "the repair, forwarded");
}

#[test]
fn one_loss_without_suppression_every_holder_that_heard_the_nak_repairs() {
    let seed = seed_losing_only_packet_0_to_node_1(false);
    let reports = reports(config(seed, 0.03, false));
    let naks = originated(&reports, NAK);
    assert_eq!(&naks[..3], [(1, 0, NAK), (1, 3, NAK), (1, 4, NAK)]);
    // The storm: nodes 3 and 4, below the lossy link too, ask as well, at once.
    for asker in [3, 4] {
        assert!(naks.iter().any(|&(from, ..)| from == asker), "{naks:?}");
    }
    // Nobody backs off on hearing a NAK: the only request timer set at the NAK is node 1's own.
    let nak_tick = reports
        .iter()
        .flat_map(|r| r.contacts.iter())
        .find(|c| c.kind == NAK)
        .unwrap()
        .sent;
    let timers = distinct_timers(&reports);
    let requests: Vec<_> = timers
        .iter()
        .filter(|t| t.name == REQUEST && t.set == nak_tick)
        .map(|t| t.node)
        .collect();
    assert_eq!(requests, [1]);
    // Node 0 repairs first (its timer is the shortest) and the run completes; the repair does
    // not cancel the other holders' repair timers: they are still pending at the end, and
    // would repair too (node 0's own may be pending again, for the later NAKs of 3 and 4).
    assert_eq!(
        originated(&reports, REPAIR)[..2],
        [(0, 1, REPAIR), (0, 2, REPAIR)]
    );
    let mut still: Vec<_> = reports
        .last()
        .unwrap()
        .timers
        .iter()
        .filter(|t| t.name == REPAIR_TIMER)
        .map(|t| t.node)
        .collect();
    still.sort_unstable();
    assert!(
        still.iter().any(|n| [2, 5, 6].contains(n))
            && still.iter().all(|n| [0, 2, 5, 6].contains(n)),
        "{still:?}"
    );
}

#[test]
fn a_missing_last_packet_is_noticed_from_the_session_message() {
    // Packet 1 (the last) lost on the link to node 2 only: no later packet reveals the gap; the
    // session message, one round after the last packet, does.
    let seed = (0..20_000)
        .find(|&seed| {
            let lost: Vec<_> = reports(config(seed, 0.03, true))
                .iter()
                .flat_map(|r| r.contacts.clone())
                .filter(|c| c.fate == Fate::Lost)
                .map(|c| (c.from, c.to, c.kind, c.sent))
                .collect();
            lost == [(0, 2, DATA, 100)]
        })
        .expect("some seed loses exactly that datagram");
    let reports = reports(config(seed, 0.03, true));
    let sessions = originated(&reports, SESSION);
    assert_eq!(sessions[..2], [(0, 1, SESSION), (0, 2, SESSION)]);
    let session_tick = reports
        .iter()
        .flat_map(|r| r.contacts.iter())
        .find(|c| c.kind == SESSION)
        .unwrap()
        .sent;
    assert_eq!(session_tick, 2 * TICKS_PER_ROUND, "round M + 1");
    let first = reports
        .iter()
        .flat_map(|r| r.timers.iter())
        .find(|t| t.name == REQUEST)
        .unwrap();
    assert_eq!((first.node, first.set), (2, session_tick));
}

#[test]
fn a_crashed_node_is_routed_around() {
    let mut simulation = Simulation::with_contacts(config(1, 0.0, true)).unwrap();
    assert!(simulation.crash(1));
    let first = simulation.step().unwrap();
    let data: Vec<_> = first
        .contacts
        .iter()
        .map(|c| (c.from, c.to, c.kind, c.fate))
        .collect();
    // Node 0's copies for node 1 go to node 1's children directly.
    assert_eq!(
        data,
        [
            (0, 3, DATA, Fate::Informed),
            (0, 4, DATA, Fate::Informed),
            (0, 2, DATA, Fate::Informed)
        ]
    );
    assert!(matches!(
        simulation.run_to_end(),
        Status::Completed { rounds: 3 }
    ));
    assert_eq!(
        simulation.totals().to_crashed,
        0,
        "nothing is sent to node 1"
    );
}

#[test]
fn the_missing_subtree_is_the_mean_size_below_a_link() {
    // 7 nodes, b = 2: links into 1 and 2 hide 3 nodes each, the four leaf links 1 each.
    assert_eq!(srm::mean_missing_subtree(7, 2), (3.0 + 3.0 + 4.0) / 6.0);
    // A chain: the link into node k hides N - k nodes.
    assert_eq!(srm::mean_missing_subtree(4, 1), (3.0 + 2.0 + 1.0) / 3.0);
}
