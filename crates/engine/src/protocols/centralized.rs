//! Centralized multicast, the lecture's for-loop of unicasts (theory.md section 7): the sender
//! unicasts to receivers 1, 2, ..., N - 1 in order, `budget` (b) per round. Over UDP a lost
//! datagram stays lost; over a reliable transport each receiver ACKs, and the sender retransmits
//! what was not ACKed within `timeout` rounds, retransmissions sharing the budget after the
//! sweep's new receivers (so crashed receivers, which never ACK, cannot stall the sweep).

use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::protocol::{Datagram, Net, Protocol, Structure};
use crate::report::{Kind, Look, TICKS_PER_ROUND, Tick};
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Fire and forget: the run ends after one sweep.
    Udp,
    /// ACKs and retransmission after a timeout, until every receiver has ACKed.
    Reliable,
}

impl Transport {
    pub const NAMES: &'static [&'static str] = &["udp", "reliable"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Transport> {
        [Transport::Udp, Transport::Reliable]
            .into_iter()
            .find(|transport| transport.name() == name)
    }
}

/// This protocol's parameters (with the shared fanout as the send budget).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    pub transport: Transport,
    /// Rounds the sender waits for an ACK before sending again.
    pub timeout: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            transport: Transport::Udp,
            timeout: 2,
        }
    }
}

pub struct Centralized {
    pub budget: u32,
    pub params: Params,
}

pub const UNICAST: u8 = 0;
pub const ACK: u8 = 1;
pub const RETRANSMISSION: u8 = 2;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "unicast",
        payload: true,
        look: Look::Data,
        label: "unicast (message)",
    },
    Kind {
        name: "ack",
        payload: false,
        look: Look::Ack,
        label: "ACK",
    },
    Kind {
        name: "retransmission",
        payload: true,
        look: Look::Repair,
        label: "retransmission",
    },
];

/// The sender's ledger, held in node 0's state.
#[derive(Clone, Debug, Default)]
pub struct Sweep {
    /// The next receiver never sent to.
    next: u32,
    /// Sent and not yet known to be ACKed, with the tick its timeout expires, in sending order
    /// (so deadlines are in order too).
    outstanding: VecDeque<(u32, Tick)>,
    acked: Vec<bool>,
}

/// Only the sender holds a ledger; receivers hold nothing (8 bytes per node).
pub type Node = Option<Box<Sweep>>;

/// The sender's timer: its turn to send, at the start of every round it has work.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SendTurn;

impl Protocol for Centralized {
    type Node = Node;
    type Body = ();
    type Timer = SendTurn;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;

    fn start(&self, net: &mut impl Net<Self>) {
        *net.state_mut(0) = Some(Box::new(Sweep {
            next: 1,
            outstanding: VecDeque::new(),
            acked: vec![false; net.nodes() as usize],
        }));
        net.set_timer(0, 0, SendTurn);
    }

    fn on_timer(&self, net: &mut impl Net<Self>, sender: u32, _: SendTurn) {
        let now = net.now();
        let reliable = self.params.transport == Transport::Reliable;
        let deadline = now + Tick::from(self.params.timeout) * TICKS_PER_ROUND;
        let nodes = net.nodes();
        // Decide this round's sends first: ACKs arriving during them update the ledger.
        let mut sends = Vec::with_capacity(self.budget as usize);
        let sweep = net
            .state_mut(sender)
            .as_mut()
            .expect("the sender has a ledger");
        // Rule: new receivers first, in order, then what timed out without an ACK. The sweep
        // never stalls: receivers that will never ACK (crashed) only take what it leaves.
        while sends.len() < self.budget as usize && sweep.next < nodes {
            sends.push((sweep.next, UNICAST));
            if reliable {
                sweep.outstanding.push_back((sweep.next, deadline));
            }
            sweep.next += 1;
        }
        while sends.len() < self.budget as usize
            && let Some(&(receiver, expires)) = sweep.outstanding.front()
            && expires <= now
        {
            sweep.outstanding.pop_front();
            if !sweep.acked[receiver as usize] {
                sends.push((receiver, RETRANSMISSION));
                sweep.outstanding.push_back((receiver, deadline));
            }
        }
        let more = sweep.next < nodes || !sweep.outstanding.is_empty();
        for (receiver, kind) in sends {
            net.send(sender, receiver, kind, ());
        }
        if more {
            net.set_timer(sender, TICKS_PER_ROUND, SendTurn);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        let Datagram { from, to, kind, .. } = *datagram;
        match kind {
            // A receiver keeps the message and, over a reliable transport, ACKs every copy.
            UNICAST | RETRANSMISSION => {
                net.learn(to, 0, from);
                if self.params.transport == Transport::Reliable {
                    net.send(to, from, ACK, ());
                }
            }
            // The sender crosses the receiver off its ledger.
            ACK => {
                if let Some(sweep) = net.state_mut(to) {
                    sweep.acked[from as usize] = true;
                }
            }
            _ => {}
        }
    }
}

/// Expected rounds (theory.md section 7): the sweep takes ceil((N - 1) / b) rounds; over a
/// reliable transport with loss each receiver needs about 1 / q^2 sends, plus a last timeout.
pub fn expected_rounds(nodes: u32, budget: u32, params: &Params, loss: f64) -> f64 {
    let sweep = f64::from((nodes - 1).div_ceil(budget));
    let delivery = 1.0 - loss;
    match params.transport {
        Transport::Reliable if loss > 0.0 => {
            f64::from(nodes - 1) / (f64::from(budget) * delivery * delivery)
                + f64::from(params.timeout)
        }
        _ => sweep,
    }
}

/// Expected informed fraction after each round: the sweep reaches b new receivers a round, each
/// informed with probability q (reliable: the retransmissions' share of the budget slows the
/// sweep to an effective b q^2 per round, the same approximation as `expected_rounds`).
pub fn expected_curve(nodes: u32, budget: u32, params: &Params, loss: f64, max: usize) -> Vec<f64> {
    let n = f64::from(nodes);
    let receivers = n - 1.0;
    let delivery = 1.0 - loss;
    let (per_round, reach) = match params.transport {
        Transport::Udp => (f64::from(budget), delivery),
        Transport::Reliable => (f64::from(budget) * delivery * delivery, 1.0),
    };
    let mut curve = Vec::new();
    for round in 0..max {
        let swept = (per_round * round as f64).min(receivers);
        curve.push((1.0 + reach * swept) / n);
        if swept >= receivers {
            break;
        }
    }
    curve
}

// --- The descriptor ---

pub struct CentralizedSpec;
pub static SPEC: CentralizedSpec = CentralizedSpec;

static WORDS: Words = Words {
    title: "Centralized",
    explanation: "Centralized: the sender unicasts to every receiver in turn, b per round: a for-loop of N − 1 sends, \
        so it takes (N − 1) / b rounds, O(N), however fast the network. Over UDP a lost datagram stays lost; \
        over a reliable transport every receiver ACKs and the sender retransmits after a timeout, and all the \
        ACKs land on the sender.",
    informed: "informed",
    fanout: "unicasts the sender makes per round, 1 to 16",
    click: "Click a node to see when the sender reached it.",
    done: "every live node is informed",
    ended: "the sweep is over and some receivers never got the message",
};

impl ProtocolSpec for CentralizedSpec {
    fn name(&self) -> &'static str {
        "centralized"
    }
    fn group(&self) -> Group {
        Group::Multicast
    }
    fn about(&self) -> &'static str {
        "the sender unicasts to every receiver in turn, b per round: O(N)"
    }
    fn params(&self) -> &'static [&'static str] {
        &[
            "mode",
            "nodes",
            "fanout",
            "loss",
            "crash",
            "seed",
            "max_rounds",
            "burst",
            "crash_at",
            "partition",
            "transport",
            "timeout",
        ]
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn structure(&self, _config: &Config) -> Structure {
        Structure::Star
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        on_events(
            Centralized {
                budget: config.fanout,
                params: config.centralized,
            },
            config,
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        let loss = config.mean_loss();
        let sweep = f64::from((config.nodes - 1).div_ceil(config.fanout));
        super::clamp_rounds(if config.centralized.transport == Transport::Udp {
            sweep + 1.0
        } else if loss >= 1.0 {
            sweep + 10.0
        } else {
            // Every receiver needs a geometric number of tries (success q^2 each, one per
            // timeout); 4x the expectation plus the tail of the slowest receiver.
            let delivery = (1.0 - loss) * (1.0 - loss);
            4.0 * sweep / delivery
                + super::tries_for_all(f64::from(config.nodes), loss)
                    * f64::from(config.centralized.timeout + 1)
                + 50.0
        })
    }
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64> {
        if !config.crash_at.is_empty() {
            return Vec::new();
        }
        expected_curve(
            config.nodes,
            config.fanout,
            &config.centralized,
            config.mean_loss(),
            max_points,
        )
    }
    fn expected_rounds(&self, config: &Config) -> Option<u32> {
        let loss = config.mean_loss();
        match config.centralized.transport {
            _ if !config.crash_at.is_empty() => None,
            Transport::Udp if loss > 0.0 => None,
            _ if loss >= 1.0 => None,
            _ => Some(
                expected_rounds(config.nodes, config.fanout, &config.centralized, loss).ceil()
                    as u32,
            ),
        }
    }
    fn closed_form(&self, config: &Config) -> Option<(f64, &'static str)> {
        let loss = config.mean_loss();
        let reliable = config.centralized.transport == Transport::Reliable;
        ((loss == 0.0 || reliable) && loss < 1.0 && config.crash_at.is_empty()).then(|| {
            (
                expected_rounds(config.nodes, config.fanout, &config.centralized, loss),
                if loss == 0.0 {
                    "ceil((N - 1) / b): one sweep of unicasts, O(N) (theory.md section 7)"
                } else {
                    "(N - 1) / (b q^2) + timeout: O(N) (theory.md section 7)"
                },
            )
        })
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: "theory.md section 7: one sweep of (N - 1) / b rounds; reliable: (N - 1) / (b q^2) + timeout",
            assumptions: "crashes from the start only (a crash schedule has no model); loss independent per datagram",
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        if !config.crash_at.is_empty() {
            "no closed-form theory for this combination (a crash schedule): no theory curve is drawn".into()
        } else {
            "theory: the sweep, b receivers a round (theory.md section 7), dashed".into()
        }
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        crate::spec::rounds_lesson(self.expected_rounds(config), measures)
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(crate::spec::ROUNDS_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn node_bytes(&self, config: &Config) -> u64 {
        // The sender's queue of receivers.
        8 * u64::from(config.nodes) / u64::from(config.nodes.max(1))
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        // The sender's b unicasts, and their ACKs, arrive within a few rounds.
        2 * u64::from(config.fanout)
    }
}
