//! Push-pull gossip (Karp et al. 2000): every live node calls `fanout` peers; a caller that had
//! the rumor at the start of the round pushes it, one that did not pulls.

use super::gossip;
use super::pull::{self, answer_pull, pull_from_random_peer};
use crate::config::Config;
use crate::drivers::Run;
use crate::failures::Delay;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};
use crate::spec::{Group, Law, Lesson, Measures, ProtocolSpec, TheorySource, Words};
use crate::theory;

pub struct PushPull {
    pub fanout: u32,
}

/// Pull's kinds first (same numbers, so pull's rules apply unchanged), then the push.
pub const PUSH: u8 = 3;

pub const KINDS: &[Kind] = &[
    pull::KINDS[0],
    pull::KINDS[1],
    pull::KINDS[2],
    Kind {
        name: "push",
        payload: true,
        look: Look::Data,
        label: "push (rumor)",
    },
];

impl Protocol for PushPull {
    type Node = ();
    type Body = ();
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;

    /// Every live node calls (the default `on_round`).
    #[inline(always)]
    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        let informed = net.knew(caller, 0);
        for _ in 0..self.fanout {
            if informed {
                let callee = net.peer(caller);
                net.send(caller, callee, PUSH, ());
            } else {
                pull_from_random_peer(net, caller);
            }
        }
    }

    #[inline(always)]
    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<()>) {
        if datagram.kind == PUSH {
            net.learn(datagram.to, 0, datagram.from);
        } else {
            answer_pull(net, datagram);
        }
    }
}

// --- The descriptor ---

pub struct PushPullSpec;
pub static SPEC: PushPullSpec = PushPullSpec;
const LAW: Law = Law {
    push: true,
    pull: true,
};

static WORDS: Words = Words {
    title: "Push-pull",
    explanation: "Push-pull: informed nodes push, uninformed nodes pull. Push drives the start, pull finishes the end: \
        about log₃ N rounds (Karp et al. 2000). Loss and crashes only slow it down, they do not stop it: that is \
        why gossip is robust where a multicast tree is fragile.",
    informed: "informed",
    fanout: gossip::FANOUT_WORDS,
    click: "Click a node to see who informed it.",
    done: "every live node is informed",
    ended: "some live nodes were never informed",
};

impl ProtocolSpec for PushPullSpec {
    fn name(&self) -> &'static str {
        "push-pull"
    }
    fn group(&self) -> Group {
        Group::Gossip
    }
    fn about(&self) -> &'static str {
        "every live node calls b random peers: informed callers push, uninformed callers pull"
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
            PushPull {
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
            PushPull {
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
                n.ln() / 3f64.ln() + n.ln().log2(),
                "log3 N + log2 ln N (Karp et al. 2000: log3 N + O(log log N))",
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
