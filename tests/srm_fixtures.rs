#![cfg(not(target_arch = "wasm32"))]
//! SRM as ns-2's agent runs it, tick by tick (theory.md section 7; the rules in
//! `protocols/srm.rs`), on tiny trees with losses placed by hand (`drop`): the srm-chain
//! example, suppression by backoff with its ignore window, the hold-down after a repair, a
//! request revealing a gap, distances from session messages, and a crashed member routed around.
//! Times: the sender's packet k (1-based) leaves at tick (k - 1) 100 and reaches its children at
//! once; every other multicast takes 100 ticks a hop.

use gossip_lab::engine::protocols::srm::{self, Adaptive, DATA, NAK, REPAIR};
use gossip_lab::engine::protocols::stream::Drops;
use gossip_lab::engine::report::{Contact, PendingTimer};
use gossip_lab::engine::{Config, Fate, Mode, RoundReport, Simulation, Status};

const REQUEST: &str = "request (NAK) timer";
const REPAIR_TIMER: &str = "repair timer";

/// SRM on N nodes of arity b, M packets, deterministic timers (C2 = D2 = 0), these drops.
fn config(nodes: u32, fanout: u32, packets: u32, drops: &str) -> Config {
    let mut config = Config {
        nodes,
        mode: Mode::Srm,
        fanout,
        packets,
        drops: Drops::parse(drops).unwrap(),
        ..Config::default()
    };
    config.srm.c2 = 0.0;
    config.srm.d2 = 0.0;
    config
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

fn contacts(reports: &[RoundReport]) -> impl Iterator<Item = &Contact> {
    reports.iter().flat_map(|report| report.contacts.iter())
}

/// (origin, sent) of every multicast of `kind`, in order of time. A copy is a multicast's own
/// when its sender did not receive one of that kind at that tick (else it is forwarding); a
/// multicast sends one copy to each neighbour, so the copies to the lowest-numbered one count.
fn multicasts(reports: &[RoundReport], kind: u8) -> Vec<(u32, u64)> {
    let all: Vec<&Contact> = contacts(reports).filter(|c| c.kind == kind).collect();
    let own: Vec<(u64, u32, u32)> = all
        .iter()
        .filter(|c| !all.iter().any(|r| r.to == c.from && r.arrives == c.sent))
        .map(|c| (c.sent, c.from, c.to))
        .collect();
    let mut origins: Vec<(u64, u32)> = own
        .iter()
        .filter(|&&(sent, from, to)| {
            own.iter()
                .filter(|o| (o.0, o.1) == (sent, from))
                .all(|o| o.2 >= to)
        })
        .map(|&(sent, from, _)| (sent, from))
        .collect();
    origins.sort_unstable();
    origins
        .into_iter()
        .map(|(sent, from)| (from, sent))
        .collect()
}

/// Every timer pending at the end of some round, once: (node, name, set, due).
fn timers(reports: &[RoundReport]) -> Vec<(u32, &'static str, u64, u64)> {
    let mut timers: Vec<_> = reports
        .iter()
        .flat_map(|r| r.timers.iter())
        .map(|t: &PendingTimer| (t.node, t.name, t.set, t.due))
        .collect();
    timers.sort_unstable();
    timers.dedup();
    timers
}

fn timers_of(reports: &[RoundReport], node: u32, name: &str) -> Vec<(u64, u64)> {
    timers(reports)
        .into_iter()
        .filter(|t| t.0 == node && t.1 == name)
        .map(|t| (t.2, t.3))
        .collect()
}

#[test]
fn without_loss_the_stream_takes_m_minus_1_plus_depth_rounds_and_no_request() {
    let reports = reports(config(7, 2, 2, "none"));
    assert_eq!(reports.len(), 2 - 1 + 2, "M - 1 + depth rounds");
    let first: Vec<_> = reports[0]
        .contacts
        .iter()
        .filter(|c| c.kind == DATA)
        .map(|c| (c.from, c.to, c.sent, c.arrives))
        .collect();
    assert_eq!(
        first,
        [(0, 1, 0, 0), (0, 2, 0, 0)],
        "the sender's data: at once"
    );
    assert!(timers(&reports).is_empty());
    assert!(multicasts(&reports, NAK).is_empty());
}

#[test]
fn a_drop_loses_that_packet_on_that_link_and_nothing_else() {
    let reports = reports(config(7, 2, 4, "3@1"));
    let lost: Vec<_> = contacts(&reports)
        .filter(|c| c.fate == Fate::Lost)
        .map(|c| (c.from, c.to, c.kind, c.sent))
        .collect();
    assert_eq!(lost, [(0, 1, DATA, 200)], "packet 3 leaves at tick 200");
    // The repair crosses the same link.
    assert!(
        contacts(&reports)
            .any(|c| c.kind == REPAIR && (c.from, c.to) == (0, 1) && c.fate == Fate::Informed)
    );
}

/// ns-2's srm-chain example (`tcl/ex/srm-chain.tcl`): a chain, deterministic timers (C1 = 2,
/// C2 = 0, D1 = 1, D2 = 0), one packet dropped on the first link. Exactly one request (node 1)
/// and one repair (the sender); every other member is suppressed.
#[test]
fn srm_chain_one_drop_one_request_one_repair() {
    let reports = reports(config(6, 1, 8, "3@1"));
    // Node 1 misses packet 3 (tick 200) and sees the gap when packet 4 arrives (tick 300): its
    // timer is C1 d = 2 hops (d = 1, measured from the sender's session message).
    assert_eq!(timers_of(&reports, 1, REQUEST)[0], (300, 500));
    // Node k sees the gap a hop later than node k - 1, with timer 2 k hops: measured distances.
    for node in 2..6 {
        let (set, due) = timers_of(&reports, node, REQUEST)[0];
        assert_eq!(set, 200 + 100 * u64::from(node), "node {node}");
        assert_eq!(
            due - set,
            200 * u64::from(node),
            "node {node}: C1 d(sender)"
        );
    }
    // Node 1 asks at tick 500; the sender hears it at 600 and repairs D1 d(1) = 1 hop later.
    assert_eq!(multicasts(&reports, NAK), [(1, 500)]);
    assert_eq!(timers_of(&reports, 0, REPAIR_TIMER), [(600, 700)]);
    assert_eq!(multicasts(&reports, REPAIR), [(0, 700)]);
    // Node 2 hears the request at tick 600, before its own timer (due 800): it backs off to
    // 2 C1 d = 8 hops, and the repair (tick 900) cancels that.
    assert!(timers_of(&reports, 2, REQUEST).contains(&(600, 1400)));
    let repaired: Vec<_> = reports
        .iter()
        .flat_map(|r| r.learned.iter())
        .filter(|l| l.message == 2)
        .map(|l| (l.node, l.from, l.tick))
        .collect();
    assert_eq!(
        repaired,
        [
            (1, 0, 800),
            (2, 1, 900),
            (3, 2, 1000),
            (4, 3, 1100),
            (5, 4, 1200)
        ],
        "the repair, forwarded down the chain"
    );
    assert!(reports.last().unwrap().timers.is_empty());
}

#[test]
fn a_loss_seen_before_any_session_message_uses_the_default_distance() {
    // Packet 1 lost into node 1: node 2 sees the gap at tick 200 (packet 2 arrives), ahead of
    // the sender's first session message (same tick, sent later): its timer is C1 x 4 hops (the
    // default, ns-2's 1 s = its session period), not C1 x 2.
    let reports = reports(config(3, 1, 4, "1@1"));
    assert_eq!(srm::DEFAULT_DISTANCE, srm::SESSION_BASE);
    assert_eq!(timers_of(&reports, 2, REQUEST)[0], (200, 1000));
}

#[test]
fn hearing_a_request_backs_off_and_ignores_more_for_half_the_new_delay() {
    // A star of three leaves, packet 2 dropped into each: all see the gap at tick 200 and, with
    // C2 = 0, all ask at tick 400 (three requests). Each hears its own: backoff 1, 2 C1 d =
    // 4 hops, ignoring requests until tick 600. At 600 the other two arrive: the first backs
    // it off again (8 hops, from 600), the second falls in the new window and is ignored.
    let reports = reports(config(4, 3, 4, "2@1,2@2,2@3"));
    let naks: Vec<_> = multicasts(&reports, NAK);
    assert_eq!(naks, [(1, 400), (2, 400), (3, 400)]);
    for leaf in 1..4 {
        let requests = timers_of(&reports, leaf, REQUEST);
        assert_eq!(
            requests,
            [(200, 400), (400, 800), (600, 1400)],
            "leaf {leaf}: one backoff a window, not one a request"
        );
    }
    // The sender repairs once (its timer was pending when the 2nd and 3rd requests came).
    assert_eq!(multicasts(&reports, REPAIR), [(0, 600)]);
}

#[test]
fn after_a_repair_requests_are_ignored_for_three_d() {
    // Leaf 1 misses packet 2; leaf 2 misses packets 2 and 3, so it sees the loss of 2 only at
    // tick 300 and asks at 500. D1 = 0.5: the sender repairs packet 2 at 550 (after leaf 1's
    // request at 500), then holds down until 550 + 3 d = 850: leaf 2's request for packet 2,
    // arriving at 600, starts no second repair. Leaf 1, repaired at 650, holds down too, and
    // does not repair for leaf 2 either.
    let mut config = config(3, 2, 4, "2@1,2@2,3@2");
    config.srm.d1 = 0.5;
    let reports = reports(config);
    assert_eq!(multicasts(&reports, NAK), [(1, 400), (2, 500), (2, 500)]);
    let requests_at_sender: Vec<_> = contacts(&reports)
        .filter(|c| c.kind == NAK && c.to == 0)
        .map(|c| (c.from, c.arrives))
        .collect();
    assert_eq!(requests_at_sender, [(1, 500), (2, 600), (2, 600)]);
    // Repairs: packet 2 once (tick 550), packet 3 once; no second repair of packet 2.
    assert_eq!(multicasts(&reports, REPAIR).len(), 2);
    assert_eq!(multicasts(&reports, REPAIR)[0], (0, 550));
    assert!(timers_of(&reports, 1, REPAIR_TIMER).is_empty());
}

#[test]
fn a_request_for_a_packet_beyond_what_a_member_has_seen_reveals_the_gap() {
    // Leaf 1 misses packet 2; leaf 2 misses packets 2 to 8 (the rest of the stream), so no data
    // shows it the gap. Leaf 1 asks at tick 400; the request reaches leaf 2 at 600, before the
    // sender's next session message (at least 0.9 x 4 (1 + ln 3) rounds, tick 755): leaf 2 sets
    // its request timer for packet 2 then, without backing off (C1 d = 2 hops).
    let reports = reports(config(3, 2, 8, "2@1,2@2,3@2,4@2,5@2,6@2,7@2,8@2"));
    assert_eq!(multicasts(&reports, NAK)[0], (1, 400));
    assert_eq!(timers_of(&reports, 2, REQUEST)[0], (600, 800));
}

#[test]
fn a_crashed_member_is_routed_around() {
    let mut simulation = Simulation::with_contacts(config(7, 2, 2, "none")).unwrap();
    assert!(simulation.crash(1));
    let first = simulation.step().unwrap();
    let data: Vec<_> = first
        .contacts
        .iter()
        .filter(|c| c.kind == DATA)
        .map(|c| (c.from, c.to, c.fate))
        .collect();
    // The sender's copies for node 1 go to node 1's children directly.
    assert_eq!(
        data,
        [
            (0, 3, Fate::Informed),
            (0, 4, Fate::Informed),
            (0, 2, Fate::Informed)
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
fn the_adaptive_constants_move_as_ns2_moves_them_and_stay_in_bounds() {
    let params = srm::Params::default();
    let fresh = Adaptive::new(params, 100);
    // The first loss: only the bounds (C1 2 in [0.5, 2], C2 2 in [1, G]).
    let mut first = fresh;
    first.recompute_request();
    assert_eq!((first.c1, first.c2), (2.0, 2.0));
    // Sending a request: C1 - 0.1, and this member was the closest so far.
    first.sending_request();
    assert!((first.c1 - 1.9).abs() < 1e-12 && first.closest_requestor);
    // The closest requester last time: C2 - 0.1.
    let mut closest = first;
    closest.ave_req_delay = 1.0;
    closest.recompute_request();
    assert!((closest.c2 - 1.9).abs() < 1e-12 && !closest.closest_requestor);
    // Duplicates at or above one: C1 + 0.1 (capped at 2), C2 + 0.5.
    let mut crowded = fresh;
    crowded.ave_req_delay = 1.0;
    crowded.dup_req = 3.0;
    crowded.c1 = 1.0;
    crowded.recompute_request();
    assert!((crowded.c1 - 1.1).abs() < 1e-12 && (crowded.c2 - 2.5).abs() < 1e-12);
    assert_eq!(crowded.dup_req, 0.0, "a new period");
    // Few duplicates and slow: C2 - 0.1, and under 0.25 duplicates C1 - 0.05.
    let mut quiet = fresh;
    quiet.ave_req_delay = 2.0;
    quiet.ave_dup_req = 0.0;
    quiet.recompute_request();
    assert!((quiet.c2 - 1.9).abs() < 1e-12 && (quiet.c1 - 1.95).abs() < 1e-12);
    // Between 0.9 and 1 duplicate: C1 + 0.05.
    let mut near = fresh;
    near.ave_req_delay = 0.5;
    near.ave_dup_req = 0.95;
    near.dup_req = 0.95;
    near.c1 = 1.0;
    near.recompute_request();
    assert!((near.c1 - 1.05).abs() < 1e-12 && near.c2 == 2.0);
    // The EWMA: alpha 0.25.
    assert_eq!(srm::ewma(-1.0, 3.0), 3.0);
    assert_eq!(srm::ewma(1.0, 3.0), 1.5);
    // Bounds: C1 never under 0.5, C2 never under 1 nor over G.
    let mut low = fresh;
    low.c1 = 0.52;
    low.c2 = 1.05;
    low.ave_req_delay = 2.0;
    low.ave_dup_req = 0.0;
    for _ in 0..10 {
        low.recompute_request();
        low.sending_request();
    }
    assert_eq!((low.c1, low.c2), (0.5, 1.0));
    let mut high = fresh;
    high.ave_req_delay = 1.0;
    for _ in 0..1000 {
        high.dup_req = 5.0;
        high.recompute_request();
    }
    assert_eq!((high.c1, high.c2), (2.0, 100.0));
    // Repairs: D1 = D2 = log10 G at the first one, D1 in [0.5, log10 G], D2 in [1, G].
    let mut repairer = fresh;
    repairer.recompute_repair();
    assert_eq!((repairer.d1, repairer.d2), (2.0, 2.0));
    repairer.sending_repair();
    assert!((repairer.d1 - 1.9).abs() < 1e-12 && repairer.closest_repairor);
    let mut small = Adaptive::new(params, 2);
    small.recompute_repair();
    assert_eq!(
        (small.d1, small.d2),
        (0.5, 1.0),
        "log10 2 is under both minimums"
    );
}

#[test]
fn adaptive_members_spread_their_timers_when_they_all_ask_at_once() {
    // A star of 8 leaves, C2 = 2 (theory.md: u = 2 / C2 = 1, every leaf asks), 8 packets lost
    // at every leaf: duplicates push each member's C2 up (+0.5 a loss) and its C1 down
    // (-0.1 after asking), so the later losses draw fewer requests than with fixed timers.
    let drops: Vec<String> = (0..8)
        .flat_map(|k| (1..9).map(move |leaf| format!("{}@{leaf}", 2 + 6 * k)))
        .collect();
    let naks = |variant: &str, seed: u64| {
        let mut config = Config {
            nodes: 9,
            mode: Mode::Srm,
            fanout: 8,
            packets: 64,
            seed,
            drops: Drops::parse(&drops.join(",")).unwrap(),
            ..Config::default()
        };
        config.set("srm", variant).unwrap();
        let mut simulation = Simulation::with_contacts(config).unwrap();
        let mut late = 0;
        while let Some(report) = simulation.step() {
            // Requests for the last four losses (packets 26 and on, 1-based).
            late += report
                .contacts
                .iter()
                .filter(|c| c.kind == NAK && c.hop == 0 && c.sent >= 2500)
                .count();
        }
        late as f64
    };
    let trials = 20;
    let fixed: f64 = (0..trials).map(|seed| naks("fixed", seed)).sum();
    let adaptive: f64 = (0..trials).map(|seed| naks("adaptive", seed)).sum();
    // Fixed: all 8 leaves ask for each of the 4 late losses; adaptive must do visibly better.
    assert!(
        fixed >= 0.95 * 8.0 * 4.0 * f64::from(trials as u32),
        "{fixed}"
    );
    assert!(
        adaptive < 0.8 * fixed,
        "adaptive {adaptive} vs fixed {fixed}"
    );
}
