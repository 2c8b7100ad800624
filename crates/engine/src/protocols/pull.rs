//! Pull gossip: every live node, informed or not, asks `fanout` random peers for news each round.

use super::gossip;
use crate::config::Config;
use crate::drivers::Run;
use crate::failures::Delay;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};
use crate::spec::{Group, Law, Lesson, Measures, ProtocolSpec, TheorySource, Words};
use crate::theory;

pub struct Pull {
    pub fanout: u32,
}

pub const REQUEST: u8 = 0;
pub const REPLY: u8 = 1;
pub const EMPTY_REPLY: u8 = 2;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "pull-request",
        payload: false,
        look: Look::Request,
        label: "pull request",
    },
    Kind {
        name: "pull-reply",
        payload: true,
        look: Look::Reply,
        label: "reply with rumor",
    },
    Kind {
        name: "empty-reply",
        payload: false,
        look: Look::EmptyReply,
        label: "reply: nothing new",
    },
];

impl Protocol for Pull {
    type Node = ();
    type Body = ();
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;

    /// Every live node polls, "no matter infected or not" (the default `on_round`).
    #[inline(always)]
    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        for _ in 0..self.fanout {
            pull_from_random_peer(net, caller);
        }
    }

    #[inline(always)]
    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<()>) {
        answer_pull(net, datagram);
    }
}

/// One pull: a request to a random peer.
#[inline(always)]
pub fn pull_from_random_peer<P: Protocol<Body = ()>>(net: &mut impl Net<P>, caller: u32) {
    let callee = net.peer(caller);
    net.send(caller, callee, REQUEST, ());
}

/// The pull rules on receipt, with this file's kind numbers: a request is answered with what the
/// callee knew before this tick; a reply with the rumor informs the caller.
#[inline(always)]
pub fn answer_pull<P: Protocol<Body = ()>>(net: &mut impl Net<P>, datagram: Datagram<()>) {
    let Datagram { from, to, kind, .. } = datagram;
    match kind {
        REQUEST if net.knew(to, 0) => net.send(to, from, REPLY, ()),
        REQUEST => net.send(to, from, EMPTY_REPLY, ()),
        REPLY => {
            net.learn(to, 0, from);
        }
        _ => {}
    }
}

// --- The descriptor ---

pub struct PullSpec;
pub static SPEC: PullSpec = PullSpec;
const LAW: Law = Law {
    push: false,
    pull: true,
};

static WORDS: Words = Words {
    title: "Pull",
    explanation: "Pull: every live node, informed or not, asks b random nodes for news each round. The start is slow \
        (few nodes have news), but once half know, an uninformed node stays uninformed only if every ask \
        misses: its chance is squared each round, so the tail takes O(log log N) rounds.",
    informed: "informed",
    fanout: gossip::FANOUT_WORDS,
    click: "Click a node to see who informed it.",
    done: "every live node is informed",
    ended: "some live nodes were never informed",
};

impl ProtocolSpec for PullSpec {
    fn name(&self) -> &'static str {
        "pull"
    }
    fn group(&self) -> Group {
        Group::Gossip
    }
    fn about(&self) -> &'static str {
        "every live node asks b random peers for news each round"
    }
    fn params(&self) -> &'static [&'static str] {
        gossip::PARAMS
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        gossip::build(
            config,
            LAW,
            Pull {
                fanout: config.fanout,
            },
        )
    }
    fn build_on_events(&self, config: &Config, delay: Option<Delay>) -> Box<dyn Run> {
        if config.many_messages() {
            return self.build(config);
        }
        gossip::build_on_events(
            config,
            delay,
            Pull {
                fanout: config.fanout,
            },
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        gossip::round_limit(config, LAW)
    }
    fn law(&self, _config: &Config) -> Option<Law> {
        Some(LAW)
    }
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64> {
        gossip::expected_curve(config, LAW, max_points)
    }
    fn expected_rounds(&self, config: &Config) -> Option<u32> {
        gossip::expected_rounds(config, LAW)
    }
    fn closed_form(&self, config: &Config) -> Option<(f64, &'static str)> {
        if config.many_messages() {
            return None;
        }
        let (n, b, q) = theory::closed_form_inputs(config)?;
        if config.asynchrony.is_some() {
            return theory::asynchronous_periods(config, LAW);
        }
        if gossip::outside_the_model(config).is_some() {
            return None;
        }
        (b == 1.0 && q == 1.0).then(|| {
            (
                n.log2() + n.ln().log2(),
                "log2 N + log2 ln N (Panagiotou & Reisser; Demers et al. 1987)",
            )
        })
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(gossip::THEORY)
    }
    fn theory_note(&self, config: &Config) -> String {
        gossip::theory_note(config, LAW)
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        gossip::rounds_lesson(self.expected_rounds(config), measures)
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(gossip::ROUNDS_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        gossip::sends_per_node(config, LAW)
    }
}
