#![cfg(not(target_arch = "wasm32"))]
//! Plumtree on a ring of four, tick by tick (theory.md section 11; the rules in
//! `protocols/plumtree.rs`): the first message floods and a duplicate PRUNEs its link; a lost
//! GOSSIP on the formed tree is announced by IHAVE, waited for on the GRAFT timer, and GRAFTed.
//!
//! The overlay of four nodes with b = 2 is a ring (the drawn order decides who sits where):
//! node 0, its lower neighbour A, its higher neighbour C, and B opposite node 0. Every hop
//! takes one round (100 ticks); round r spans ticks [100 (r - 1), 100 r).

use gossip_lab::engine::protocols::plumtree::{
    self, GOSSIP, GRAFT, GRAFT_TIMER, IHAVE, PRUNE, REPAIR,
};
use gossip_lab::engine::report::{Link, LinkStyle};
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, RoundReport, Simulation, Status};

fn plumtree() -> Mode {
    Mode::from_name("plumtree").expect("registered")
}

/// Four nodes, b = 2, two messages four rounds apart.
fn config(seed: u64, loss: f64) -> Config {
    let mut config = Config {
        nodes: 4,
        mode: plumtree(),
        fanout: 2,
        seed,
        network: NetworkConfig { loss, crash: 0.0 },
        ..Config::default()
    };
    config.messages.count = 2;
    config.messages.inject_every = 4;
    config
}

/// (A, B, C): node 0's lower and higher neighbour, and the node opposite.
fn ring(seed: u64) -> (u32, u32, u32) {
    let overlay = plumtree::overlay(4, 2, seed);
    let (a, c) = (overlay[0][0], overlay[0][1]);
    let b = (1..4).find(|&node| node != a && node != c).unwrap();
    assert_eq!(overlay[b as usize], [a.min(c), a.max(c)], "a ring");
    (a, b, c)
}

fn reports(config: Config) -> (Vec<RoundReport>, Simulation) {
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    (reports, simulation)
}

/// (from, to, kind, sent, arrives, fate) of a round's datagrams that arrived, sorted.
fn arrivals(report: &RoundReport) -> Vec<(u32, u32, u8, u64, u64, Fate)> {
    let mut contacts: Vec<_> = report
        .contacts
        .iter()
        .filter(|c| c.fate != Fate::Lost)
        .map(|c| (c.from, c.to, c.kind, c.sent, c.arrives, c.fate))
        .collect();
    contacts.sort_unstable_by_key(|c| (c.3, c.0, c.1, c.2));
    contacts
}

fn link(a: u32, b: u32, style: LinkStyle) -> Link {
    Link {
        a: a.min(b),
        b: a.max(b),
        style,
    }
}

fn sorted(mut links: Vec<Link>) -> Vec<Link> {
    links.sort_unstable_by_key(|link| (link.a, link.b));
    links
}

#[test]
fn the_first_message_floods_and_a_duplicate_prunes_its_link() {
    let seed = 7;
    let (a, b, c) = ring(seed);
    let (reports, simulation) = reports(config(seed, 0.0));
    use Fate::{Arrived, Informed, Redundant};
    // Round 1: node 0 GOSSIPs message 0 to both neighbours (every link is eager at first).
    assert!(arrivals(&reports[0]).is_empty());
    // Round 2: A and C deliver it at hop 1, A first (node 0's lower neighbour).
    assert_eq!(
        arrivals(&reports[1]),
        [
            (0, a, GOSSIP, 0, 100, Informed),
            (0, c, GOSSIP, 0, 100, Informed)
        ]
    );
    // Round 3: B gets it from A first and delivers it; C's copy is a duplicate: B makes C lazy
    // and sends it PRUNE (B also forwarded its first copy to C, its other eager peer).
    assert_eq!(
        arrivals(&reports[2]),
        [
            (a, b, GOSSIP, 100, 200, Informed),
            (c, b, GOSSIP, 100, 200, Redundant)
        ]
    );
    // Round 4: C gets B's copy (a duplicate: it PRUNEs B in turn) and B's PRUNE.
    let mut round_4 = vec![
        (b, c, GOSSIP, 200, 300, Redundant),
        (b, c, PRUNE, 200, 300, Arrived),
    ];
    round_4.sort_unstable_by_key(|c| (c.3, c.0, c.1, c.2));
    assert_eq!(arrivals(&reports[3]), round_4);
    assert_eq!(arrivals(&reports[4]), [(c, b, PRUNE, 300, 400, Arrived)]);
    // The tree: 0-A, 0-C and A-B solid; B-C lazy on both sides, dashed.
    let tree = sorted(vec![
        link(0, a, LinkStyle::Solid),
        link(0, c, LinkStyle::Solid),
        link(a, b, LinkStyle::Solid),
        link(b, c, LinkStyle::Dashed),
    ]);
    assert_eq!(sorted(reports[3].links.clone()), tree);
    // Message 1 (injected at the start of round 5) follows the tree only: C announces it to B.
    assert_eq!(
        arrivals(&reports[5]),
        [
            (0, a, GOSSIP, 400, 500, Informed),
            (0, c, GOSSIP, 400, 500, Informed)
        ]
    );
    assert_eq!(
        arrivals(&reports[6]),
        [
            (a, b, GOSSIP, 500, 600, Informed),
            (c, b, IHAVE, 599, 699, Arrived)
        ]
    );
    assert_eq!(simulation.status(), Status::Completed { rounds: 7 });
    // The flood sent 5 GOSSIPs to 4 nodes, RMR 5 / 3 - 1; the tree 3, RMR 0. LDH: B at hop 2.
    let figures = simulation.message_figures();
    assert_eq!(figures.len(), 6);
    assert!((figures[0] - (5.0 / 3.0 - 1.0)).abs() < 1e-12);
    assert_eq!(figures[1], 0.0);
    assert_eq!(&figures[2..], [2.0, 2.0, 1.0, 1.0]);
}

/// A seed whose run loses exactly one datagram: message 1's GOSSIP from node 0 to A.
fn seed_losing_only_the_second_gossip_to_a() -> u64 {
    (0..20_000)
        .find(|&seed| {
            let (a, _, _) = ring(seed);
            let (reports, _) = reports(config(seed, 0.05));
            let lost: Vec<_> = reports
                .iter()
                .flat_map(|report| report.contacts.iter())
                .filter(|contact| contact.fate == Fate::Lost)
                .map(|c| (c.from, c.to, c.kind, c.sent))
                .collect();
            lost == [(0, a, GOSSIP, 400)]
        })
        .expect("some seed loses exactly that datagram")
}

#[test]
fn an_ihave_starts_the_graft_timer_whose_expiry_grafts_the_announcer() {
    let seed = seed_losing_only_the_second_gossip_to_a();
    let (a, b, c) = ring(seed);
    let (reports, simulation) = reports(config(seed, 0.05));
    use Fate::{Arrived, Informed};
    // Message 0 formed the tree of the test above: 0-A-B and 0-C, B-C lazy.
    // Round 6: only C gets message 1 (node 0's GOSSIP to A was lost); A, B have nothing.
    assert_eq!(arrivals(&reports[5]), [(0, c, GOSSIP, 400, 500, Informed)]);
    // Round 7: C's IHAVE (sent at round 6's last tick) tells B of message 1, which B lacks: B
    // starts its GRAFT timer, 3 rounds (the default ihave_timeout).
    assert_eq!(arrivals(&reports[6]), [(c, b, IHAVE, 599, 699, Arrived)]);
    let timers = |report: &RoundReport| -> Vec<(u32, u64, u64, &str)> {
        report
            .timers
            .iter()
            .map(|t| (t.node, t.set, t.due, t.name))
            .collect()
    };
    // Pending at the end of rounds 7, 8 and 9.
    for report in &reports[6..9] {
        assert_eq!(timers(report), [(b, 699, 999, GRAFT_TIMER)]);
    }
    // Round 10: the timer fires (tick 999), B GRAFTs C and arms timer 2 (3 rounds more).
    assert_eq!(timers(&reports[9]), [(b, 999, 1299, GRAFT_TIMER)]);
    // Round 11: C gets the GRAFT, makes B eager and answers with the message.
    assert_eq!(arrivals(&reports[10]), [(b, c, GRAFT, 999, 1099, Arrived)]);
    // Round 12: B delivers it from the repair (timer 2 cancelled) and GOSSIPs it on to A.
    assert_eq!(
        arrivals(&reports[11]),
        [(c, b, REPAIR, 1099, 1199, Informed)]
    );
    assert!(timers(&reports[11]).is_empty());
    assert_eq!(
        arrivals(&reports[12]),
        [(b, a, GOSSIP, 1199, 1299, Informed)]
    );
    assert_eq!(simulation.status(), Status::Completed { rounds: 13 });
    // The link B-C carries messages now: solid.
    assert!(reports[12].links.contains(&link(b, c, LinkStyle::Solid)));
    // Message 1: 5 payloads to 4 nodes: the lost one (it was sent), 0 to C, the repair, B to
    // A, and A's copy on to node 0 (0-A is still eager: the GRAFT closed a cycle, which node
    // 0's PRUNE opens again). A delivered last, at hop 3.
    let figures = simulation.message_figures();
    assert!(
        (figures[1] - (5.0 / 3.0 - 1.0)).abs() < 1e-12,
        "{figures:?}"
    );
    assert_eq!(figures[3], 3.0);
    assert_eq!(&figures[4..], [1.0, 1.0]);
}

#[test]
fn a_node_whose_neighbours_all_crashed_never_delivers_and_the_run_ends() {
    // Two of the three non-senders crashed from the start (round(0.67 x 3)): a seed where they
    // are A and C, both of B's neighbours, cuts B off.
    let crashed = |seed: u64| {
        let mut config = config(seed, 0.0);
        config.network.crash = 0.67;
        config
    };
    let seed = (0..1000)
        .find(|&seed| {
            let (a, _, c) = ring(seed);
            let simulation = Simulation::new(crashed(seed)).unwrap();
            simulation.is_crashed(a) && simulation.is_crashed(c)
        })
        .expect("some seed crashes A and C");
    let (_, b, _) = ring(seed);
    let (_, simulation) = reports(crashed(seed));
    assert!(matches!(simulation.status(), Status::Ended { .. }));
    assert_eq!(simulation.known(b), 0);
    // Reliability: the sender and B are live, only the sender delivered.
    assert_eq!(&simulation.message_figures()[4..], [0.5, 0.5]);
}
