#![cfg(not(target_arch = "wasm32"))]
//! Many messages (theory.md section 8), rule by rule: a fixture network where the test decides
//! who knows what and who calls whom, and reads every datagram's body (the messages it carries,
//! or a request's digest). Then whole runs: the capacity in every datagram, the injection
//! schedule, and one message being exactly today's single-rumor run.

use gossip_lab::engine::protocol::{Datagram, Net, Protocol};
use gossip_lab::engine::protocols::messages::{
    self, Messages, PULL, PUSH, PUSH_PULL, Params, Policy, Received,
};
use gossip_lab::engine::protocols::{pull, push_pull};
use gossip_lab::engine::report::{Change, KindId, Tick};
use gossip_lab::engine::rng::{Rng, Stream};
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, RoundReport, Simulation};
use std::collections::BTreeMap;

/// A fixture network: no loss, datagrams delivered at once, peers scripted, every datagram kept.
struct Fixture {
    known: Vec<u64>,
    states: Vec<Received>,
    round: u32,
    peers: Vec<u32>,
    rng: Rng,
    sent: Vec<(u32, u32, KindId, u64)>,
}

impl Fixture {
    fn new(nodes: usize) -> Self {
        Fixture {
            known: vec![0; nodes],
            states: vec![Received::default(); nodes],
            round: 1,
            peers: Vec::new(),
            rng: Rng::new(1, Stream::Gossip),
            sent: Vec::new(),
        }
    }
}

impl<P: Protocol<Node = Received, Body = u64>> Net<P> for Fixture
where
    P: FixtureProtocol,
{
    fn nodes(&self) -> u32 {
        self.known.len() as u32
    }
    fn now(&self) -> Tick {
        0
    }
    fn round(&self) -> u32 {
        self.round
    }
    fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }
    fn is_crashed(&self, _: u32) -> bool {
        false
    }
    fn live(&self) -> u32 {
        self.known.len() as u32
    }
    fn peer(&mut self, _: u32) -> u32 {
        self.peers.remove(0)
    }
    fn knew(&self, node: u32, message: u32) -> bool {
        self.known[node as usize] >> message & 1 == 1
    }
    fn informed_before_round(&self) -> usize {
        0
    }
    fn informed_at(&self, _: usize) -> u32 {
        0
    }
    fn send(&mut self, from: u32, to: u32, kind: KindId, body: u64) {
        self.sent.push((from, to, kind, body));
        P::deliver(
            self,
            Datagram {
                from,
                to,
                kind,
                body,
            },
        );
    }
    fn send_after(&mut self, from: u32, to: u32, kind: KindId, body: u64, _: Tick) {
        Net::<P>::send(self, from, to, kind, body);
    }
    fn lose_after(&mut self, _: u32, _: u32, _: KindId, _: u64, _: Tick) {
        unreachable!("gossip plans no losses")
    }
    fn set_timer(&mut self, _: u32, _: Tick, _: P::Timer) {}
    fn cancel_timer(&mut self, _: u32, _: P::Timer) {}
    fn has_timer(&self, _: u32, _: P::Timer) -> bool {
        false
    }
    fn learn(&mut self, node: u32, message: u32, _: u32) -> bool {
        let before = self.known[node as usize];
        self.known[node as usize] |= 1 << message;
        before >> message & 1 == 0
    }
    fn knows(&self, node: u32, message: u32) -> bool {
        Net::<P>::knew(self, node, message)
    }
    fn state(&self, node: u32) -> &Received {
        &self.states[node as usize]
    }
    fn state_mut(&mut self, node: u32) -> &mut Received {
        &mut self.states[node as usize]
    }
    fn note(&mut self, _: u32, _: Change) {}
    fn count_multicast(&mut self, _: KindId) {}
}

/// Hands a delivered datagram back to the protocol (the fixture holds no protocol itself).
trait FixtureProtocol: Protocol {
    fn deliver(net: &mut Fixture, datagram: Datagram<Self::Body>);
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<(u8, Params, [u8; 64])>> = const { std::cell::RefCell::new(None) };
}

macro_rules! fixture_protocol {
    ($style:expr) => {
        impl FixtureProtocol for Messages<{ $style }> {
            fn deliver(net: &mut Fixture, datagram: Datagram<u64>) {
                let (_, params, priority) = CURRENT.with(|c| c.borrow().expect("set"));
                let protocol = Messages::<{ $style }> {
                    fanout: 1,
                    params,
                    senders: 1,
                    priority,
                };
                protocol.on_receive(net, &mut { datagram });
            }
        }
    };
}
fixture_protocol!(PUSH);
fixture_protocol!(PULL);
fixture_protocol!(PUSH_PULL);

fn protocol<const S: u8>(count: u32, capacity: u32, policy: Policy) -> Messages<S> {
    let params = Params {
        count,
        capacity,
        policy,
        inject_every: 0,
    };
    // Priorities in the fixture: message m has priority m, except 2 which is the highest.
    let mut priority = [0u8; 64];
    for (message, slot) in priority.iter_mut().enumerate() {
        *slot = message as u8;
    }
    priority[2] = 63;
    CURRENT.with(|c| *c.borrow_mut() = Some((S, params, priority)));
    Messages {
        fanout: 1,
        params,
        senders: 1,
        priority,
    }
}

/// Node `node` receives `message` in round `round` (a push from node 9).
fn receive<const S: u8>(net: &mut Fixture, node: u32, message: u32, round: u32)
where
    Messages<S>: FixtureProtocol + Protocol<Body = u64>,
{
    net.round = round;
    let kind: KindId = if S == PUSH { 0 } else { push_pull::PUSH };
    Messages::<S>::deliver(
        net,
        Datagram {
            from: 9,
            to: node,
            kind,
            body: 1 << message,
        },
    );
    net.round = 1;
}

#[test]
fn recent_pushes_the_k_most_recently_received() {
    let protocol = protocol::<PUSH>(6, 2, Policy::Recent);
    let mut net = Fixture::new(10);
    // Node 1 got message 4 in round 1, 0 in round 2, 5 in round 3, 1 in round 5, 3 in round 4.
    for (message, round) in [(4, 1), (0, 2), (5, 3), (1, 5), (3, 4)] {
        receive::<PUSH>(&mut net, 1, message, round);
    }
    net.round = 6;
    net.peers = vec![7];
    protocol.on_period(&mut net, 1);
    assert_eq!(net.sent, vec![(1, 7, 0, 1 << 1 | 1 << 3)], "rounds 5 and 4");
}

#[test]
fn recent_breaks_a_tie_of_one_round_at_random_among_the_tied() {
    let protocol = protocol::<PUSH>(5, 2, Policy::Recent);
    let mut net = Fixture::new(10);
    // 0 in round 3 (newest), then 1, 2, 3 together in round 2: the second slot is one of them.
    receive::<PUSH>(&mut net, 1, 0, 3);
    for message in 1..4 {
        receive::<PUSH>(&mut net, 1, message, 2);
    }
    let mut seen = [0; 5];
    for _ in 0..300 {
        net.sent.clear();
        net.peers = vec![7];
        protocol.on_period(&mut net, 1);
        let body = net.sent[0].3;
        assert_eq!(body.count_ones(), 2);
        assert_eq!(body & 1, 1, "the newest always goes");
        assert_eq!(body & 1 << 4, 0, "never one it does not hold");
        for (message, count) in seen.iter_mut().enumerate() {
            *count += body >> message & 1;
        }
    }
    for count in &seen[1..4] {
        assert!(
            (60..140).contains(count),
            "each tied message about 100 of 300: {seen:?}"
        );
    }
}

#[test]
fn priority_pushes_the_k_highest_priorities() {
    let protocol = protocol::<PUSH>(6, 2, Policy::Priority);
    let mut net = Fixture::new(10);
    net.known[1] = 0b11_1111;
    net.peers = vec![4];
    protocol.on_period(&mut net, 1);
    // Priorities: message m has m, but message 2 has 63: the two highest are 2 and 5.
    assert_eq!(net.sent, vec![(1, 4, 0, 1 << 2 | 1 << 5)]);
}

#[test]
fn random_pushes_a_uniform_subset_of_k() {
    let protocol = protocol::<PUSH>(4, 2, Policy::Random);
    let mut net = Fixture::new(10);
    net.known[1] = 0b1111;
    let mut pairs = BTreeMap::new();
    for _ in 0..600 {
        net.sent.clear();
        net.peers = vec![4];
        protocol.on_period(&mut net, 1);
        *pairs.entry(net.sent[0].3).or_insert(0) += 1;
    }
    assert_eq!(
        pairs.len(),
        6,
        "every pair of the 4 messages appears: {pairs:?}"
    );
    for count in pairs.values() {
        assert!(
            (60..140).contains(count),
            "each pair about 100 of 600: {pairs:?}"
        );
    }
}

#[test]
fn a_node_that_knows_nothing_does_not_push_and_one_with_few_sends_them_all() {
    let protocol = protocol::<PUSH>(8, 4, Policy::Random);
    let mut net = Fixture::new(10);
    protocol.on_period(&mut net, 3);
    assert!(net.sent.is_empty());
    net.known[3] = 0b1010_0000;
    net.peers = vec![5];
    protocol.on_period(&mut net, 3);
    assert_eq!(net.sent, vec![(3, 5, 0, 0b1010_0000)]);
}

#[test]
fn a_pull_request_carries_the_digest_and_the_reply_only_what_the_caller_lacks() {
    let protocol = protocol::<PULL>(6, 2, Policy::Priority);
    let mut net = Fixture::new(10);
    net.known[1] = 0b00_0101; // caller: 0 and 2
    net.known[4] = 0b11_0111; // callee: 0, 1, 2, 4, 5
    net.peers = vec![4];
    protocol.on_period(&mut net, 1);
    // The callee lacks nothing it could teach among 0 and 2; of 1, 4, 5 the two highest
    // priorities (m) are 4 and 5.
    assert_eq!(
        net.sent,
        vec![
            (1, 4, pull::REQUEST, 0b00_0101),
            (4, 1, pull::REPLY, 0b11_0000),
        ]
    );
    assert_eq!(net.known[1], 0b11_0101);
    // Asking again: only 1 is left to teach.
    net.sent.clear();
    net.peers = vec![4];
    protocol.on_period(&mut net, 1);
    assert_eq!(net.sent[1], (4, 1, pull::REPLY, 0b00_0010));
    // And then nothing: an empty reply.
    net.sent.clear();
    net.peers = vec![4];
    protocol.on_period(&mut net, 1);
    assert_eq!(net.sent[1], (4, 1, pull::EMPTY_REPLY, 0));
}

#[test]
fn push_pull_pushes_what_it_has_and_asks_for_what_it_lacks() {
    let protocol = protocol::<PUSH_PULL>(3, 1, Policy::Priority);
    let mut net = Fixture::new(10);
    net.known[1] = 0b001;
    net.known[2] = 0b110;
    net.peers = vec![2];
    protocol.on_period(&mut net, 1);
    assert_eq!(
        net.sent,
        vec![
            (1, 2, push_pull::PUSH, 0b001),
            (1, 2, pull::REQUEST, 0b001),
            // Message 2 has the fixture's top priority.
            (2, 1, pull::REPLY, 0b100),
        ]
    );
    // A caller that knows every message only pushes; one that knows none only asks.
    net.known[3] = 0b111;
    net.sent.clear();
    net.peers = vec![5];
    protocol.on_period(&mut net, 3);
    assert_eq!(net.sent, vec![(3, 5, push_pull::PUSH, 0b100)]);
    net.sent.clear();
    net.peers = vec![3];
    protocol.on_period(&mut net, 6);
    assert_eq!(net.sent[0], (6, 3, pull::REQUEST, 0));
    assert_eq!(net.sent.len(), 2);
}

fn config(mode: Mode, count: u32, capacity: u32, policy: Policy, inject_every: u32) -> Config {
    Config {
        nodes: 200,
        mode,
        seed: 5,
        messages: Params {
            count,
            capacity,
            policy,
            inject_every,
        },
        ..Config::default()
    }
}

fn reports(mut simulation: Simulation) -> Vec<RoundReport> {
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    reports
}

#[test]
fn no_datagram_carries_more_than_the_capacity() {
    // With fanout 1 a node gets at most one datagram of a kind from one sender per tick, so the
    // messages it learns from one (sender, tick, hop) never exceed what that datagram carried.
    for mode in Mode::GOSSIP {
        for policy in Policy::ALL {
            for capacity in [1, 3] {
                let config = Config {
                    network: NetworkConfig {
                        loss: 0.1,
                        crash: 0.1,
                    },
                    max_rounds: Some(60),
                    ..config(mode, 12, capacity, policy, 2)
                };
                let mut carried = BTreeMap::new();
                for report in reports(Simulation::with_contacts(config).unwrap()) {
                    for learned in report.learned.iter().filter(|l| l.from != l.node) {
                        *carried
                            .entry((learned.tick, learned.hop, learned.from, learned.node))
                            .or_insert(0) += 1;
                    }
                }
                assert!(!carried.is_empty());
                let most = carried.values().max().unwrap();
                assert!(
                    *most <= capacity,
                    "{mode} {policy:?} K = {capacity}: {most}"
                );
                if capacity == 3 {
                    assert_eq!(*most, 3, "{mode} {policy:?}: full datagrams happen");
                }
            }
        }
    }
}

#[test]
fn message_m_is_injected_at_sender_m_mod_senders_at_the_end_of_round_m_r() {
    let config = Config {
        senders: 2,
        ..config(Mode::Pull, 4, 2, Policy::Random, 3)
    };
    let mut simulation = Simulation::with_contacts(config).unwrap();
    assert_eq!(
        simulation.known(0),
        0b0001,
        "message 0 before round 1 at node 0"
    );
    assert_eq!(
        simulation.known(1),
        0,
        "sender 1's first message comes at round 3"
    );
    assert_eq!(simulation.informed(), 0, "nobody knows all four yet");
    let mut injections = Vec::new();
    for report in reports_of(&mut simulation) {
        for learned in report.learned.iter().filter(|l| l.from == l.node) {
            injections.push((report.round, learned.tick, learned.node, learned.message));
        }
    }
    assert_eq!(
        injections,
        vec![(3, 299, 1, 1), (6, 599, 0, 2), (9, 899, 1, 3)],
        "(round, tick, node, message)"
    );
    let latencies = simulation.message_latencies();
    assert!(latencies.iter().all(Option::is_some), "{latencies:?}");
}

fn reports_of(simulation: &mut Simulation) -> Vec<RoundReport> {
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    reports
}

#[test]
fn latency_and_coverage_are_counted_per_message_from_its_injection() {
    let config = config(Mode::PushPull, 3, 1, Policy::Random, 4);
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let reports = reports_of(&mut simulation);
    let live = simulation.live();
    let latencies = simulation.message_latencies();
    for (message, latency) in latencies.iter().enumerate() {
        let injected = 4 * message as u32;
        let latency = latency.expect("completes");
        // The first report whose holders reach every live node is the injection + latency.
        let done = reports
            .iter()
            .find(|report| report.holders[message] == live)
            .unwrap();
        assert_eq!(done.round, injected + latency, "message {message}");
        // Before its injection nobody holds it.
        if injected > 0 {
            assert_eq!(reports[injected as usize - 2].holders[message], 0);
        }
    }
}

/// Today's pull answers an informed caller with the rumor again (a redundant reply); with a
/// digest the callee sees the caller lacks nothing and sends an empty reply. The same datagram,
/// the same draws, the same knowledge: only its kind and fate differ. Rewrites today's run so.
fn with_digest(mut reports: Vec<RoundReport>) -> Vec<RoundReport> {
    // Node 0, the one sender, knew before round 1.
    let mut informed_at = BTreeMap::new();
    for report in &mut reports {
        for contact in &mut report.contacts {
            let knew = contact.to == 0
                || informed_at
                    .get(&contact.to)
                    .is_some_and(|&tick| tick < contact.sent);
            if contact.kind == pull::REPLY && knew {
                contact.kind = pull::EMPTY_REPLY;
                let counters = &mut report.counters;
                counters.by_kind[pull::REPLY as usize] -= 1;
                counters.by_kind[pull::EMPTY_REPLY as usize] += 1;
                counters.payload -= 1;
                counters.control += 1;
                if contact.fate == Fate::Redundant {
                    contact.fate = Fate::Arrived;
                    counters.redundant -= 1;
                }
            }
        }
        for learned in &report.learned {
            informed_at.entry(learned.node).or_insert(learned.tick);
        }
    }
    reports
}

#[test]
fn one_message_on_the_messages_protocol_is_exactly_the_single_rumor_run() {
    for mode in Mode::GOSSIP {
        for policy in Policy::ALL {
            for (fanout, loss, crash) in [(1, 0.0, 0.0), (2, 0.2, 0.1), (3, 0.1, 0.3)] {
                let config = Config {
                    fanout,
                    network: NetworkConfig { loss, crash },
                    ..config(mode, 1, 1, policy, 0)
                };
                let mut today = reports(Simulation::with_contacts(config.clone()).unwrap());
                if mode == Mode::Pull {
                    today = with_digest(today);
                }
                let mut many = reports(Simulation::with_messages_protocol(config, true).unwrap());
                for report in &mut many {
                    assert_eq!(report.holders, vec![report.informed]);
                    report.holders.clear();
                }
                assert_eq!(today.len(), many.len(), "{mode} {policy:?} b = {fanout}");
                for (today, many) in today.iter().zip(&many) {
                    assert!(
                        today == many,
                        "{mode} {policy:?} b = {fanout}: round {}",
                        today.round
                    );
                }
            }
        }
    }
}

#[test]
fn priorities_are_a_permutation_drawn_from_the_seed() {
    let drawn = messages::priorities(7, 16);
    let mut sorted = drawn[..16].to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..16).collect::<Vec<u8>>());
    assert_eq!(drawn, messages::priorities(7, 16));
    assert_ne!(drawn, messages::priorities(8, 16));
}
