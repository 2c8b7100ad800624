#![cfg(not(target_arch = "wasm32"))]
//! What the engine core carries beyond today's five protocols, shown with small protocols written
//! here against the public `Protocol` / `Net` traits and run on the event driver: asynchronous
//! per-node periods (timers at each node's own phase), a stream of several packets with per-node
//! state, crashes and recoveries during a run, and racks behind a core switch.

use gossip_lab::engine::drivers::Recording;
use gossip_lab::engine::drivers::event::{EventNetwork, Links, Racks};
use gossip_lab::engine::protocol::{Datagram, Net, Protocol};
use gossip_lab::engine::report::{Change, Counters, Kind, Look, TICKS_PER_ROUND, Tick};
use gossip_lab::engine::rng::{Chance, Rng, Stream};

const DATA: &[Kind] = &[Kind {
    name: "data",
    payload: true,
    look: Look::Data,
    label: "data",
}];

fn flat(loss: f64) -> Links {
    Links::flat(Chance::new(loss))
}

/// Push gossip where every node keeps its own clock: once informed it pushes every period from
/// its own phase (node id x 37 mod 100 ticks), not at round boundaries.
struct AsynchronousPush;

impl Protocol for AsynchronousPush {
    type Node = bool;
    type Body = ();
    type Timer = ();
    const KINDS: &'static [Kind] = DATA;
    const EVERY_ROUND: bool = false;

    fn start(&self, net: &mut impl Net<Self>) {
        *net.state_mut(0) = true;
        net.set_timer(0, 0, ());
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, _: ()) {
        let peer = net.peer(node);
        net.send(node, peer, 0, ());
        net.set_timer(node, TICKS_PER_ROUND, ());
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        let node = datagram.to;
        if net.learn(node, 0, datagram.from) && !std::mem::replace(net.state_mut(node), true) {
            // The first period starts at the node's own phase, possibly within this round.
            let phase = Tick::from(node) * 37 % TICKS_PER_ROUND;
            let now = net.now() % TICKS_PER_ROUND;
            let wait = (phase + TICKS_PER_ROUND - now) % TICKS_PER_ROUND;
            net.set_timer(node, wait.max(1), ());
        }
    }
}

fn play<P: Protocol>(
    protocol: &P,
    network: &mut EventNetwork<P>,
    rng: &mut Rng,
    rounds: u32,
) -> (Recording, Counters) {
    let mut recording = Recording::default();
    let mut totals = Counters::default();
    for _ in 0..rounds {
        let (_, counters) = network.step(protocol, rng, Some(&mut recording));
        totals.add(&counters);
    }
    (recording, totals)
}

#[test]
fn nodes_gossip_on_their_own_phases_and_a_rumor_spreads_within_rounds() {
    let protocol = AsynchronousPush;
    let mut rng = Rng::new(3, Stream::Gossip);
    let mut network = EventNetwork::new(&protocol, 1, vec![false; 200], flat(0.0));
    network.start(&protocol, &mut rng);
    let (recording, totals) = play(&protocol, &mut network, &mut rng, 40);
    assert_eq!(network.informed_live(), 200, "everyone hears it");
    let phases: std::collections::BTreeSet<Tick> = recording
        .contacts
        .iter()
        .map(|contact| contact.sent % TICKS_PER_ROUND)
        .collect();
    assert!(phases.len() > 50, "sends happen at many phases: {phases:?}");
    assert_eq!(totals.datagrams, recording.contacts.len() as u64);
}

/// The sender streams 3 packets, one per round, to every receiver in turn (a bitmap per node);
/// a node is informed once it holds all three.
struct Stream3;

impl Protocol for Stream3 {
    type Node = ();
    type Body = u32;
    type Timer = u32;
    const KINDS: &'static [Kind] = DATA;
    const EVERY_ROUND: bool = false;

    fn messages(&self) -> u32 {
        3
    }

    fn start(&self, net: &mut impl Net<Self>) {
        net.set_timer(0, 0, 0);
    }

    fn on_timer(&self, net: &mut impl Net<Self>, sender: u32, packet: u32) {
        for receiver in 1..net.nodes() {
            net.send(sender, receiver, 0, packet);
        }
        if packet < 2 {
            net.set_timer(sender, TICKS_PER_ROUND, packet + 1);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<u32>) {
        net.learn(datagram.to, datagram.body, datagram.from);
    }
}

#[test]
fn several_packets_per_run_are_known_one_by_one() {
    let protocol = Stream3;
    let mut rng = Rng::new(1, Stream::Gossip);
    let mut network = EventNetwork::new(&protocol, 1, vec![false; 5], flat(0.0));
    network.start(&protocol, &mut rng);
    let (first, _) = play(&protocol, &mut network, &mut rng, 2);
    assert_eq!(
        network.known(3),
        0b011,
        "two of three packets after two rounds"
    );
    assert_eq!(
        network.informed_live(),
        1,
        "only the sender holds all three"
    );
    assert_eq!(first.learned.len(), 8);
    play(&protocol, &mut network, &mut rng, 1);
    assert_eq!(network.informed_live(), 5);
    assert!(network.is_idle(), "nothing left to send");
}

#[test]
fn a_node_crashed_during_a_run_misses_what_is_sent_and_may_come_back_empty() {
    let protocol = Stream3;
    let mut rng = Rng::new(1, Stream::Gossip);
    let mut network = EventNetwork::new(&protocol, 1, vec![false; 4], flat(0.0));
    network.start(&protocol, &mut rng);
    play(&protocol, &mut network, &mut rng, 1);
    network.crash(2);
    let (recording, totals) = play(&protocol, &mut network, &mut rng, 1);
    assert_eq!(recording.events[0].change, Change::Crashed);
    assert_eq!(
        totals.to_crashed, 1,
        "packet 2 vanishes at the crashed node"
    );
    network.recover(2, false);
    assert_eq!(network.known(2), 0, "recovered without its state");
    let (recording, _) = play(&protocol, &mut network, &mut rng, 1);
    assert_eq!(recording.events[0].change, Change::Recovered);
    assert_eq!(
        network.known(2),
        0b100,
        "it gets only what is sent after it came back"
    );
    assert_eq!(network.informed_live(), 3);
}

/// Push on two racks: every datagram between racks is counted as crossing the core.
struct RackPush;

impl Protocol for RackPush {
    type Node = ();
    type Body = ();
    type Timer = ();
    const KINDS: &'static [Kind] = DATA;
    const EVERY_ROUND: bool = true;

    fn on_round(&self, net: &mut impl Net<Self>) {
        for index in 0..net.informed_before_round() {
            let caller = net.informed_at(index);
            let peer = net.peer(caller);
            net.send(caller, peer, 0, ());
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        net.learn(datagram.to, 0, datagram.from);
    }
}

#[test]
fn two_racks_carry_few_datagrams_through_the_core_and_still_spread_in_log_rounds() {
    let nodes = 2000;
    let links = Links {
        racks: Racks {
            racks: 2,
            // theory.md section 5: outside the rack with probability 1 / n_i.
            outside: Some(Chance::new(1.0 / f64::from(nodes / 2))),
        },
        ..flat(0.0)
    };
    let protocol = RackPush;
    let mut rng = Rng::new(5, Stream::Gossip);
    let mut network = EventNetwork::new(&protocol, 1, vec![false; nodes as usize], links);
    network.start(&protocol, &mut rng);
    let mut rounds = 0u32;
    let mut totals = Counters::default();
    while network.informed_live() < nodes && rounds < 200 {
        totals.add(&network.step(&protocol, &mut rng, None).1);
        rounds += 1;
    }
    assert_eq!(network.informed_live(), nodes, "both racks informed");
    // O(log N) inside each rack plus O(1) rounds to cross: well under 3 (log2 N + ln N).
    assert!(rounds < 60, "{rounds} rounds");
    // Each informed node crosses with probability 1/1000 a round: O(1) per round in expectation.
    assert!(
        totals.through_core * 10 < u64::from(rounds) * 25,
        "{} datagrams through the core in {rounds} rounds",
        totals.through_core
    );
    assert!(totals.through_core >= 1, "the rumor crossed");
}
