//! Cassandra's gossiper (theory.md section 10). Each period (Cassandra's second) a node bumps its
//! heartbeat version and starts a three-way exchange with a random member it considers live:
//! GossipDigestSyn carries a digest (endpoint, version) of every endpoint it knows; the Ack
//! carries the states the receiver has newer and asks for those it lacks; the Ack2 carries what
//! was asked for. With probability unreachable / (live + 1) it also gossips to an unreachable
//! member, and, when its live partner was not the seed, with probability 1 / (live +
//! unreachable) to seed node 0. A node's state is the highest version it has seen per endpoint.
//! Failure detection is the phi accrual detector with an exponential model: each period a node
//! computes phi = (t since the last newer version / mean interval between newer versions)
//! log10(e) and convicts an endpoint when phi exceeds `phi` (8: after about 18.4 mean intervals
//! without news). The mean is over every interval since it joined (Cassandra keeps a window of
//! the last 1000); before the first interval, one period. Newer versions arriving within one tick
//! (synchronous rounds deliver at a round's first tick) count as one arrival.

use super::membership::{HasView, SEED, Seen, Shared, View, bytes};
use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look, MembershipRound, TICKS_PER_ROUND, Tick};
use crate::rng::Chance;
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};

pub const SYN: u8 = 0;
pub const ACK: u8 = 1;
pub const ACK2: u8 = 2;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "syn",
        payload: false,
        look: Look::Request,
        label: "GossipDigestSyn (digests)",
    },
    Kind {
        name: "ack",
        payload: false,
        look: Look::Reply,
        label: "GossipDigestAck (states, requests)",
    },
    Kind {
        name: "ack2",
        payload: false,
        look: Look::Ack,
        label: "GossipDigestAck2 (states)",
    },
];

/// In an Ack's list: "send me this endpoint's state".
const REQUEST: u64 = u64::MAX;

#[derive(Clone, Debug, Default)]
pub struct Node {
    pub view: View,
}

impl HasView for Node {
    fn view(&self) -> &View {
        &self.view
    }
    fn view_mut(&mut self) -> &mut View {
        &mut self.view
    }
}

pub struct Cassandra {
    pub shared: Shared,
}

/// Phi of an endpoint `elapsed` ticks after its last newer version, with this mean interval.
pub fn phi(elapsed: Tick, mean_interval: f64) -> f64 {
    elapsed as f64 / mean_interval * std::f64::consts::LOG10_E
}

impl Cassandra {
    /// The digest of every endpoint `node` knows.
    fn digest(&self, net: &impl Net<Self>, node: u32) -> Vec<(u32, u64)> {
        net.state(node)
            .view
            .entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.seen != Seen::Unknown)
            .map(|(member, entry)| (member as u32, entry.version))
            .collect()
    }

    fn send(&self, net: &mut impl Net<Self>, from: u32, to: u32, kind: u8, list: Vec<(u32, u64)>) {
        let size = match kind {
            SYN => bytes::DIGEST * list.len() as u64,
            _ => list
                .iter()
                .map(|&(_, version)| {
                    if version == REQUEST {
                        bytes::DIGEST
                    } else {
                        bytes::STATE
                    }
                })
                .sum(),
        };
        self.shared.sent(bytes::HEADER + bytes::ENVELOPE + size);
        let id = self.shared.tracker.borrow_mut().lists.keep(net.now(), list);
        net.send(from, to, kind, id);
    }

    /// A newer version of `member` reaches `node`: the arrival window records the interval,
    /// and a convicted endpoint is alive again.
    fn apply(&self, net: &mut impl Net<Self>, node: u32, member: u32, version: u64) {
        if member == node {
            return;
        }
        let now = net.now();
        let entry = &mut net.state_mut(node).view.entries[member as usize];
        if entry.seen == Seen::Unknown {
            entry.version = version;
            entry.heard = now;
        } else if version > entry.version {
            // An arrival: the interval since the last one (not the initial list, version 0;
            // several newer versions within one tick are one arrival).
            if entry.version > 0 && now > entry.heard {
                entry.interval_sum += now - entry.heard;
                entry.intervals += 1;
            }
            entry.version = version;
            entry.heard = now;
        } else {
            return;
        }
        self.shared.mark(net, node, member, Seen::Alive);
    }

    /// The phi accrual detector's check, once a period: convicts endpoints whose phi exceeds
    /// the threshold; returns the live and the unreachable endpoints it lists.
    fn interpret(&self, net: &mut impl Net<Self>, node: u32) -> (u32, Vec<u32>) {
        let now = net.now();
        let (mut live, mut unreachable) = (0, Vec::new());
        for member in 0..net.nodes() {
            let entry = net.state(node).view.entries[member as usize];
            if member == node {
                continue;
            }
            match entry.seen {
                Seen::Alive => {
                    let mean = mean_interval(&entry);
                    if phi(now - entry.heard, mean) > self.shared.params.phi {
                        let mut tracker = self.shared.tracker.borrow_mut();
                        if tracker.target.is_some_and(|(target, _)| target == member) {
                            let period = TICKS_PER_ROUND as f64;
                            let silence = (now - entry.heard) as f64 / period;
                            tracker.convictions.push((node, silence, mean / period));
                        }
                        drop(tracker);
                        self.shared.mark(net, node, member, Seen::Failed);
                        unreachable.push(member);
                    } else {
                        live += 1;
                    }
                }
                Seen::Failed => unreachable.push(member),
                _ => {}
            }
        }
        (live, unreachable)
    }
}

/// The mean interval between newer versions, in ticks (one period before the first).
pub fn mean_interval(entry: &super::membership::Entry) -> f64 {
    if entry.intervals == 0 {
        TICKS_PER_ROUND as f64
    } else {
        entry.interval_sum as f64 / f64::from(entry.intervals)
    }
}

impl Protocol for Cassandra {
    type Node = Node;
    /// The id of the digest or state list the datagram carries.
    type Body = u32;
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;
    const STOPS: bool = true;

    fn initially_known(&self, _sender: u32, _all: u64) -> u64 {
        0
    }

    fn start(&self, net: &mut impl Net<Self>) {
        self.shared.start(net);
    }

    fn on_period(&self, net: &mut impl Net<Self>, node: u32) {
        let Some(joining) = self.shared.joins_now(net, node) else {
            return;
        };
        if joining {
            let digest = self.digest(net, node);
            self.send(net, node, SEED, SYN, digest);
            return;
        }
        net.state_mut(node).view.entries[node as usize].version += 1;
        let (live, unreachable) = self.interpret(net, node);
        let digest = self.digest(net, node);
        // A random live member.
        let partner = self.shared.pick(net, node, node);
        if let Some(partner) = partner {
            self.send(net, node, partner, SYN, digest.clone());
        }
        // Now and then an unreachable one, in case it is back.
        let unreachable_count = unreachable.len() as u32;
        if unreachable_count > 0
            && net.rng().happens(Chance::new(
                f64::from(unreachable_count) / f64::from(live + 1),
            ))
        {
            let pick = unreachable[net.rng().below(unreachable_count) as usize];
            self.send(net, node, pick, SYN, digest.clone());
        }
        // And the seed, when the live partner was not the seed.
        if node != SEED
            && partner != Some(SEED)
            && net.rng().happens(Chance::new(
                1.0 / f64::from((live + unreachable_count).max(1)),
            ))
        {
            self.send(net, node, SEED, SYN, digest);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<u32>) {
        let Datagram {
            from,
            to,
            kind,
            body,
        } = datagram;
        if !net.state(to).view.joined() {
            return;
        }
        let list = self.shared.tracker.borrow().lists.get(body).to_vec();
        match kind {
            // Syn: answer with what is newer here, and ask for what is newer there.
            SYN => {
                let mut answer = Vec::new();
                let mut listed = vec![false; net.nodes() as usize];
                for &(member, version) in &list {
                    listed[member as usize] = true;
                    let entry = net.state(to).view.entries[member as usize];
                    if entry.seen == Seen::Unknown || version > entry.version {
                        answer.push((member, REQUEST));
                    } else if entry.version > version {
                        answer.push((member, entry.version));
                    }
                }
                // Endpoints the sender did not list at all.
                for (member, entry) in net.state(to).view.entries.iter().enumerate() {
                    if !listed[member] && entry.seen != Seen::Unknown {
                        answer.push((member as u32, entry.version));
                    }
                }
                self.send(net, to, from, ACK, answer);
            }
            // Ack: take the states, send the asked-for ones back.
            ACK => {
                let mut asked = Vec::new();
                for (member, version) in list {
                    if version == REQUEST {
                        let entry = net.state(to).view.entries[member as usize];
                        if entry.seen != Seen::Unknown {
                            asked.push((member, entry.version));
                        }
                    } else {
                        self.apply(net, to, member, version);
                    }
                }
                if !asked.is_empty() {
                    self.send(net, to, from, ACK2, asked);
                }
            }
            _ => {
                for (member, version) in list {
                    self.apply(net, to, member, version);
                }
            }
        }
    }

    fn watch(&self, node: u32, tick: Tick) {
        self.shared.watch(node, tick);
    }

    fn membership(
        &self,
        states: &[Node],
        is_crashed: &dyn Fn(u32) -> bool,
        views: bool,
    ) -> Option<MembershipRound> {
        Some(self.shared.report(states, is_crashed, views))
    }
}

// --- The descriptor ---

pub struct CassandraSpec;
pub static SPEC: CassandraSpec = CassandraSpec;

static WORDS: Words = Words {
    title: "Cassandra",
    explanation: "Cassandra: each second a node bumps its heartbeat version and gossips digests with a random live \
        node (Syn, Ack, Ack2), now and then with an unreachable one and the seed. The phi accrual \
        detector convicts a node when phi = (time without news / mean interval) · log10 e passes the \
        threshold: at 8, after about 18.4 mean intervals, then the conviction spreads node by node. The \
        trade-off: a higher threshold, fewer false convictions under loss, slower detection.",
    informed: "consider X failed",
    fanout: "not used: one exchange a period",
    click: "Click a node to see its view of the members.",
    done: "every live node considers the crashed node failed",
    ended: "the run's periods are over",
};

impl ProtocolSpec for CassandraSpec {
    fn name(&self) -> &'static str {
        "cassandra"
    }
    fn group(&self) -> Group {
        Group::Membership
    }
    fn about(&self) -> &'static str {
        "Cassandra's gossiper: Syn / Ack / Ack2 digests and the phi accrual failure detector"
    }
    fn params(&self) -> &'static [&'static str] {
        &[
            "mode",
            "nodes",
            "loss",
            "crash",
            "seed",
            "max_rounds",
            "burst",
            "crash_at",
            "delay",
            "periods",
            "join_at",
            "phi",
        ]
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        on_events(
            Cassandra {
                shared: super::membership::Shared::new(config.membership, config.nodes),
            },
            config,
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        config.membership.periods
    }
    fn check(&self, config: &Config) -> Result<(), String> {
        super::membership_spec::check(config)
    }
    fn expected_curve(&self, _config: &Config, _max_points: usize) -> Vec<f64> {
        Vec::new()
    }
    fn expected_rounds(&self, _config: &Config) -> Option<u32> {
        None
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: "theory.md section 10: phi = (t / mean interval) log10 e; conviction after phi / log10 e mean intervals (18.4 at 8; Hayashibara et al. 2004)",
            assumptions: super::membership_spec::ASSUMPTIONS,
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        super::membership_spec::theory_note(
            config,
            "Cassandra",
            &format!(
                "convicted after phi / log10 e = {:.1} mean intervals without news",
                super::membership::conviction_intervals(config.membership.phi)
            ),
        )
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        Some(Lesson {
            figure: super::membership_spec::DETECTION_FIGURE,
            expected: super::membership::conviction_intervals(config.membership.phi),
            why: format!(
                "convicted after phi / log10 e = {:.1} mean intervals without news",
                super::membership::conviction_intervals(config.membership.phi)
            ),
            measured: measures.and_then(|measures| measures.first_detection),
        })
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(super::membership_spec::DETECTION_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn page_nodes(&self) -> u32 {
        super::membership_spec::PAGE_NODES
    }
    fn node_bytes(&self, config: &Config) -> u64 {
        super::membership_spec::node_bytes(config)
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        super::membership_spec::sends_per_node(config)
    }
}
