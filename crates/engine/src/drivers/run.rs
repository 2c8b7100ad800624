//! A protocol on its driver behind one object-safe `Run`, so `Simulation` makes one dynamic
//! call per round, never per datagram.

use super::event::{EventNetwork, Links, Periods, Racks};
use super::fast::Network;
use super::{Loss, Lossless, Lossy, Recorder, Recording};
use crate::config::Config;
use crate::failures::Delay;
use crate::protocol::Protocol;
use crate::report::{Contact, Counters, Link, MembershipRound, Tick, round_start};
use crate::rng::{Chance, Rng, Stream};
use crate::simulation::{Status, periods};

/// One round of a protocol on its driver; what `Simulation` needs of it.
pub trait Run {
    /// Plays one round; returns the index in the informed order of its first new node.
    /// `counters` is overwritten with the round's.
    fn play(&mut self, recording: Option<&mut Recording>, counters: &mut Counters) -> usize;
    /// Plays one round, or goes on with the one begun, until it ends (`play`'s result) or about
    /// `budget` datagrams and events are done (`None`: the round goes on at the next call, with
    /// the same recording). The event driver's rounds can stop part way; the fast driver's
    /// rounds, cheap, always play whole. `counters` is overwritten with the round's, or, while
    /// it goes on, with what it has counted so far.
    fn play_within(
        &mut self,
        recording: Option<&mut Recording>,
        _budget: u64,
        counters: &mut Counters,
    ) -> Option<usize> {
        Some(self.play(recording, counters))
    }
    /// Whether a round has begun and not ended (`play_within`).
    fn mid_round(&self) -> bool {
        false
    }
    /// Where the run stands between rounds (`Simulation::status`), in one call: the
    /// simulation asks before every round, and a light round (centralized's unicast, a
    /// million of them at N = 10^6) is little more than such calls.
    fn status(&self, round_limit: u32) -> Status {
        if self.mid_round() {
            return Status::Running;
        }
        let rounds = self.round();
        // The protocol stopped the run (`halted` says why).
        if self.halted().is_some() {
            return Status::Stopped { rounds };
        }
        let idle = self.is_idle();
        // A protocol with a stop rule goes on until it stops, even once every node knows.
        let settled = idle || !self.stops_by_rule();
        if self.informed() == self.live() && settled {
            Status::Completed { rounds }
        } else if idle {
            Status::Ended { rounds }
        } else if rounds >= round_limit {
            Status::Stopped { rounds }
        } else {
            Status::Running
        }
    }
    fn round(&self) -> u32;
    fn live(&self) -> u32;
    fn informed(&self) -> u32;
    fn informed_order(&self) -> &[u32];
    fn informed_when_and_by(&self, node: u32) -> Option<(u32, Option<u32>)>;
    /// The tick `node` came to know every message (0 for senders).
    fn informed_tick(&self, node: u32) -> Option<Tick>;
    fn is_crashed(&self, node: u32) -> bool;
    /// The messages (packets) `node` holds, as a bitmap.
    fn known(&self, node: u32) -> u64;
    /// Nothing scheduled, and no rounds to play: nothing more can happen.
    fn is_idle(&self) -> bool;
    /// Whether the protocol stops by its own rule (`Protocol::STOPS`): the run then goes on
    /// after every node knows, until it is idle.
    fn stops_by_rule(&self) -> bool;
    /// Calls `visit(node, tick)` for every informed node (crashed ones included) in the order
    /// they were informed, with the tick they came to know every message.
    fn for_each_informed(&self, visit: &mut dyn FnMut(u32, Tick));
    /// sweep: calls `visit(node, informer)` for every informed node in the order they were
    /// informed (informer None for the senders); O(N), for `Simulation::hops`.
    fn for_each_parent(&self, visit: &mut dyn FnMut(u32, Option<u32>));
    /// (count, sum, last) of the arrival times in periods of the informed live nodes that were
    /// not senders, summed in the informed order.
    fn arrival_sums(&self, senders: u32, timed: bool) -> (u32, f64, f64) {
        let (mut count, mut sum, mut last) = (0u32, 0.0, 0.0f64);
        self.for_each_informed(&mut |node, tick| {
            if node >= senders && !self.is_crashed(node) {
                let time = periods(tick, timed);
                count += 1;
                sum += time;
                last = last.max(time);
            }
        });
        (count, sum, last)
    }
    /// How many messages make a node informed.
    fn messages(&self) -> u32;
    /// Many messages: live nodes holding `message`.
    fn holders(&self, message: u32) -> u32;
    /// Crashes or recovers a node between rounds (event driver only).
    fn crash(&mut self, node: u32) -> bool;
    fn recover(&mut self, node: u32, keep_state: bool) -> bool;
    // Failures and delays.
    /// Datagrams sent and not yet arrived.
    fn in_flight(&self) -> u64 {
        0
    }
    /// The datagrams in flight, as contacts (for the stage).
    fn flying(&self) -> Vec<Contact> {
        Vec::new()
    }
    /// Rumor mongering: whether `node` still spreads the rumor (`Protocol::spreading`).
    fn spreading(&self, _node: u32) -> Option<bool> {
        None
    }
    /// Cassandra: the phi `observer` holds about `member` now (`Protocol::phi`).
    fn phi(&self, _observer: u32, _member: u32) -> Option<f64> {
        None
    }
    /// The protocol's overlay links now (`Protocol::links`), for the stage.
    fn links(&self) -> Vec<Link> {
        Vec::new()
    }
    /// The protocol's per-message figures now (`Protocol::message_figures`).
    fn message_figures(&self) -> Vec<f64> {
        Vec::new()
    }
    // membership
    /// Starts watching the run's first crash (membership protocols).
    fn watch(&mut self, _node: u32, _tick: Tick) {}
    /// The membership figures now (membership protocols); `views` adds the matrix.
    fn membership(&self, _views: bool) -> Option<MembershipRound> {
        None
    }
    /// Whether every live member lists every other live member alive (membership protocols).
    fn consistent(&self) -> Option<bool> {
        None
    }
    /// Why the protocol stopped the run early (`Protocol::halted`).
    fn halted(&self) -> Option<String> {
        None
    }
}

/// Gossip on the fast driver: one byte per node, fully inlined.
struct FastRun<P: Protocol<Node = ()>> {
    protocol: P,
    network: Network,
    rng: Rng,
    loss: Chance,
    nodes: u32,
    live: u32,
    round: u32,
}

impl<P: Protocol<Node = ()>> FastRun<P> {
    /// One round: the index of its first newly informed node and its counters.
    fn play_round(&mut self, recording: Option<&mut Recording>) -> (usize, Counters) {
        self.round += 1;
        // Compiled once per loss model and crash case, so trials pay for nothing they lack.
        // Recorded rounds (the page's animation) are few: one compiled case for them, which
        // checks for crashes and draws for loss only when there is loss (`Chance::Never` draws
        // nothing), so the run is the same. It keeps the page's wasm small.
        // The page's wasm compiles two cases, for its size: the lossless network without
        // crashes (the lecture's plain runs, at full speed), and one case with loss draws, crash
        // checks and a recording when there is one, for every other round (`Chance::Never`
        // draws nothing, and a network without crashed nodes passes every check: the same run).
        #[cfg(target_arch = "wasm32")]
        return match (self.loss, recording) {
            (Chance::Never, None) if self.live == self.nodes => {
                self.play_on::<_, _, false>(Lossless, ())
            }
            (chance, recording) => self.play_on::<_, _, true>(Lossy(chance), recording),
        };
        #[cfg(not(target_arch = "wasm32"))]
        match (self.loss, recording) {
            (Chance::Never, None) => self.play_with(Lossless, ()),
            (chance, None) => self.play_with(Lossy(chance), ()),
            (chance, Some(recording)) => self.play_on::<_, _, true>(Lossy(chance), recording),
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn play_with<L: Loss, R: Recorder>(&mut self, loss: L, recorder: R) -> (usize, Counters) {
        if self.live < self.nodes {
            self.play_on::<L, R, true>(loss, recorder)
        } else {
            self.play_on::<L, R, false>(loss, recorder)
        }
    }

    /// The protocol's round on a network with (`CRASHES`) or without crashed nodes.
    fn play_on<L: Loss, R: Recorder, const CRASHES: bool>(
        &mut self,
        loss: L,
        recorder: R,
    ) -> (usize, Counters) {
        // The round holds the generator by value; a placeholder stands in until it is handed back.
        let rng = std::mem::replace(&mut self.rng, Rng::new(0, Stream::Gossip));
        let round = self.network.begin_round::<P, L, R, CRASHES>(
            &self.protocol,
            rng,
            self.round,
            loss,
            recorder,
        );
        let (informed_at_start, count, counters, rng) = round.play();
        self.rng = rng;
        self.network.end_round(count);
        (informed_at_start, counters)
    }
}

impl<P: Protocol<Node = ()>> Run for FastRun<P> {
    fn play(&mut self, recording: Option<&mut Recording>, counters: &mut Counters) -> usize {
        let (first_new, counted) = self.play_round(recording);
        *counters = counted;
        first_new
    }

    fn round(&self) -> u32 {
        self.round
    }
    fn live(&self) -> u32 {
        self.live
    }
    fn informed(&self) -> u32 {
        self.network.informed_count()
    }
    fn informed_order(&self) -> &[u32] {
        self.network.informed_order()
    }
    fn informed_when_and_by(&self, node: u32) -> Option<(u32, Option<u32>)> {
        self.network.informed_when_and_by(node)
    }
    fn informed_tick(&self, node: u32) -> Option<Tick> {
        // A scan: the fast driver keeps rounds, not ticks (every learn is at its round's start).
        let (round, _) = self.network.informed_when_and_by(node)?;
        Some(round_start(round))
    }
    fn is_crashed(&self, node: u32) -> bool {
        self.network.is_crashed(node)
    }
    fn known(&self, node: u32) -> u64 {
        u64::from(self.network.knows(node))
    }
    fn is_idle(&self) -> bool {
        false
    }
    fn stops_by_rule(&self) -> bool {
        false
    }
    fn for_each_informed(&self, visit: &mut dyn FnMut(u32, Tick)) {
        self.network.for_each_informed(visit);
    }
    fn for_each_parent(&self, visit: &mut dyn FnMut(u32, Option<u32>)) {
        self.network.for_each_parent(visit);
    }
    /// A sum per round, not per node: round 0 holds exactly the senders, nobody crashes during
    /// a run here, and times are whole periods, so every partial sum is an integer the f64
    /// holds exactly: the same figures as the node-by-node default, without touching N nodes.
    fn arrival_sums(&self, _senders: u32, timed: bool) -> (u32, f64, f64) {
        let (mut count, mut sum, mut last) = (0u32, 0.0, 0.0f64);
        self.network.for_each_round_size(&mut |round, size| {
            if round > 0 && size > 0 {
                let time = periods(round_start(round), timed);
                count += size;
                sum += time * f64::from(size);
                last = last.max(time);
            }
        });
        (count, sum, last)
    }
    fn messages(&self) -> u32 {
        self.protocol.messages()
    }
    fn holders(&self, _message: u32) -> u32 {
        self.network.informed_count()
    }
    fn crash(&mut self, _node: u32) -> bool {
        false
    }
    fn recover(&mut self, _node: u32, _keep_state: bool) -> bool {
        false
    }
}

/// Any protocol on the event driver.
pub(crate) struct EventRun<P: Protocol> {
    protocol: P,
    network: EventNetwork<P>,
    rng: Rng,
}

impl<P: Protocol> Run for EventRun<P> {
    fn play(&mut self, recording: Option<&mut Recording>, counters: &mut Counters) -> usize {
        self.play_within(recording, u64::MAX, counters)
            .expect("without a budget a round plays to its end")
    }
    fn play_within(
        &mut self,
        recording: Option<&mut Recording>,
        budget: u64,
        counters: &mut Counters,
    ) -> Option<usize> {
        self.network
            .step_within(&self.protocol, &mut self.rng, recording, budget, counters)
    }
    fn mid_round(&self) -> bool {
        self.network.mid_round()
    }
    fn round(&self) -> u32 {
        self.network.round()
    }
    fn live(&self) -> u32 {
        self.network.live()
    }
    fn informed(&self) -> u32 {
        self.network.informed_live()
    }
    fn informed_order(&self) -> &[u32] {
        self.network.informed_order()
    }
    fn informed_when_and_by(&self, node: u32) -> Option<(u32, Option<u32>)> {
        self.network.informed_when_and_by(node)
    }
    fn informed_tick(&self, node: u32) -> Option<Tick> {
        self.network.informed_tick(node)
    }
    fn is_crashed(&self, node: u32) -> bool {
        self.network.is_crashed(node)
    }
    fn known(&self, node: u32) -> u64 {
        self.network.known(node)
    }
    fn is_idle(&self) -> bool {
        self.network.is_idle()
            || (P::STOPS
                && self.network.in_flight() == 0
                && self.protocol.quiet(self.network.states()))
    }
    fn stops_by_rule(&self) -> bool {
        P::STOPS
    }
    fn for_each_informed(&self, visit: &mut dyn FnMut(u32, Tick)) {
        self.network.for_each_informed(visit);
    }
    fn for_each_parent(&self, visit: &mut dyn FnMut(u32, Option<u32>)) {
        self.network.for_each_parent(visit);
    }
    fn messages(&self) -> u32 {
        self.protocol.messages()
    }
    fn holders(&self, message: u32) -> u32 {
        self.network.holders(message)
    }
    fn crash(&mut self, node: u32) -> bool {
        self.network.crash(node);
        true
    }
    fn recover(&mut self, node: u32, keep_state: bool) -> bool {
        self.network.recover(node, keep_state);
        true
    }
    fn in_flight(&self) -> u64 {
        self.network.in_flight() + self.protocol.carried_count()
    }
    fn flying(&self) -> Vec<Contact> {
        self.network.flying(self.protocol.carried())
    }
    fn spreading(&self, node: u32) -> Option<bool> {
        self.protocol.spreading(self.network.state(node))
    }
    fn phi(&self, observer: u32, member: u32) -> Option<f64> {
        let now = self.network.now();
        self.protocol.phi(self.network.state(observer), member, now)
    }
    fn links(&self) -> Vec<Link> {
        let network = &self.network;
        self.protocol
            .links(network.states(), &|node| network.is_crashed(node))
    }
    fn message_figures(&self) -> Vec<f64> {
        let network = &self.network;
        self.protocol
            .message_figures(network.states(), &|node| network.known(node), &|node| {
                network.is_crashed(node)
            })
    }
    // membership
    fn watch(&mut self, node: u32, tick: Tick) {
        self.protocol.watch(node, tick);
    }
    fn membership(&self, views: bool) -> Option<MembershipRound> {
        let network = &self.network;
        self.protocol
            .membership(network.states(), &|node| network.is_crashed(node), views)
    }
    fn consistent(&self) -> Option<bool> {
        let network = &self.network;
        self.protocol
            .consistent(network.states(), &|node| network.is_crashed(node))
    }
    fn halted(&self) -> Option<String> {
        self.protocol.halted()
    }
}

/// Whether gossip needs the event driver: something in `config` that the fast driver's
/// instantaneous synchronous rounds cannot carry (each feature of the network adds itself here).
pub(crate) fn gossip_needs_events(config: &Config) -> bool {
    // async-racks: nodes on their own clocks; peers chosen by rack. Many messages: a bitmap of
    // up to 64 per node. Failures and delays: datagrams in flight, a loss chain, crashes
    // during the run. Partitions: a cut that drops datagrams between given nodes.
    config.asynchrony.is_some()
        || config.racks > 1
        || config.messages.count > 1
        || config.has_delay()
        || config.burst.is_some()
        || !config.crash_at.is_empty()
        || !config.partitions.is_empty()
}

/// Gossip runs on the fast driver unless `gossip_needs_events`; both give the same run for a
/// seed where both apply (tests/differential.rs).
pub(crate) fn fast_or_event<P>(protocol: P, config: &Config) -> Box<dyn Run>
where
    P: Protocol<Node = ()> + 'static,
{
    if gossip_needs_events(config) {
        return on_events(protocol, config);
    }
    let crashed = choose_crashed(config);
    Box::new(FastRun {
        network: Network::new(config.nodes, config.senders, &crashed),
        protocol,
        rng: Rng::new(config.seed, Stream::Gossip),
        loss: Chance::new(config.network.loss),
        nodes: config.nodes,
        live: config.live_count(),
        round: 0,
    })
}

/// A protocol with timers, state or delays runs on the event driver.
pub(crate) fn on_events<P: Protocol + 'static>(protocol: P, config: &Config) -> Box<dyn Run> {
    Box::new(event_run(protocol, config, None))
}

/// `protocol` on the event driver; `delay` overrides the configured delay (tests).
pub(crate) fn event_run<P: Protocol>(
    protocol: P,
    config: &Config,
    delay: Option<Delay>,
) -> EventRun<P> {
    // Multicast modes keep their own hop timing: only gossip takes the configured delay.
    let configured = if config.has_delay() {
        config.delay
    } else {
        Delay::None
    };
    // async-racks: racks and asynchronous periods are gossip's (protocols acting every round).
    let racks = if P::EVERY_ROUND && config.racks > 1 {
        Racks::new(config.racks, config.cross)
    } else {
        Racks::FLAT
    };
    let links = Links {
        loss: Chance::new(config.network.loss),
        delay: delay.unwrap_or(configured),
        burst: config.burst,
        racks,
        partitions: config.partitions,
    };
    let mut rng = Rng::new(config.seed, Stream::Gossip);
    let mut network = EventNetwork::new(&protocol, config.senders, choose_crashed(config), links)
        .with_seed(config.seed);
    if let (true, Some(jitter)) = (P::EVERY_ROUND, config.asynchrony) {
        network.asynchronous(Periods::new(jitter, Rng::new(config.seed, Stream::Periods)));
    }
    network.start(&protocol, &mut rng);
    EventRun {
        protocol,
        network,
        rng,
    }
}

/// The crashed set: exactly `crashed_count` non-senders, each set equally likely (Knuth's
/// selection sampling: one pass, no extra memory). Its own stream, so every mode sees the same set.
pub fn choose_crashed(config: &Config) -> Vec<bool> {
    let mut crashed = vec![false; config.nodes as usize];
    let mut needed = config.crashed_count();
    if needed == 0 {
        return crashed;
    }
    let mut rng = Rng::new(config.seed, Stream::Crashes);
    let mut remaining = config.nodes - config.senders;
    for node in config.senders..config.nodes {
        if rng.below(remaining) < needed {
            crashed[node as usize] = true;
            needed -= 1;
            if needed == 0 {
                break;
            }
        }
        remaining -= 1;
    }
    crashed
}
