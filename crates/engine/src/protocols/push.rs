//! Push gossip: whoever has the rumor tells `fanout` random peers each round.

use super::gossip;
use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::failures::Delay;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};
use crate::spec::{Group, Law, Lesson, Measures, ProtocolSpec, TheorySource, Words};
use crate::theory;

pub struct Push {
    pub fanout: u32,
}

pub const PUSH: u8 = 0;

pub const KINDS: &[Kind] = &[Kind {
    name: "push",
    payload: true,
    look: Look::Data,
    label: "push (rumor)",
}];

impl Protocol for Push {
    type Node = ();
    type Body = ();
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;

    #[inline(always)]
    fn on_round(&self, net: &mut impl Net<Self>) {
        // Only nodes informed before this round call: the prefix of the informed order (no scan
        // of N). Known to be informed: no need for `on_period`'s check (a cache miss per caller).
        gossip::informed_callers(net, self.fanout, push_to_random_peer);
    }

    #[inline(always)]
    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        if net.knew(caller, 0) {
            gossip::per_fanout(self.fanout, || push_to_random_peer(net, caller));
        }
    }

    #[inline(always)]
    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        net.learn(datagram.to, 0, datagram.from);
    }
}

/// One push: a single datagram carrying the rumor.
#[inline(always)]
pub fn push_to_random_peer<P: Protocol<Body = ()>>(net: &mut impl Net<P>, caller: u32) {
    let callee = net.peer(caller);
    net.send(caller, callee, PUSH, ());
}

// --- The descriptor ---

/// Push, with its variants: rumor mongering's stop rules and the hand-over to pull.
pub struct PushSpec;
pub static SPEC: PushSpec = PushSpec;
const LAW: Law = Law {
    push: true,
    pull: false,
};

/// Plain push: what the variants leave as it is.
static PLAIN: gossip::GossipSpec<Push> = gossip::GossipSpec {
    name: "push",
    about: "informed nodes call b random peers each round and hand them the rumor",
    law: LAW,
    kinds: KINDS,
    words: &WORDS,
    protocol: |fanout| Push { fanout },
    closed_form: |n, b, q| {
        Some(if b == 1.0 && q == 1.0 {
            (
                n.log2() + n.ln(),
                "log2 N + ln N (Frieze & Grimmett 1985; Pittel 1987)",
            )
        } else if b == 1.0 {
            (
                n.ln() / q.ln_1p() + n.ln() / q,
                "log_(1+q) N + (1/q) ln N (Doerr, Huber & Levavi 2013)",
            )
        } else {
            (
                n.ln() / (b * q).ln_1p() + n.ln() / (b * q),
                "log_(1+bq) N + ln N / (bq) (Doerr & Kostrygin 2017)",
            )
        })
    },
};

/// Plain gossip's parameters and the variants'.
const PARAMS: [&str; 23] = crate::spec::join(
    gossip::PARAM_LIST,
    ["stop", "stop_k", "push_until", "push_rounds"],
);

static WORDS: Words = Words {
    title: "Push",
    explanation: "Push: every informed node sends the rumor to b random nodes each round. At first the informed set \
        roughly doubles every round (log₂ N rounds); at the end the last few nodes are hit only by luck, so \
        the tail takes about ln N more rounds. Compare a for-loop of unicasts: N − 1 sends in a row, O(N).",
    informed: "informed",
    fanout: gossip::FANOUT_WORDS,
    click: "Click a node to see who informed it.",
    done: "every live node is informed",
    ended: "the rumor died out before every live node had it",
};

impl ProtocolSpec for PushSpec {
    fn page_nodes(&self) -> u32 {
        crate::config::limits::PAGE_GOSSIP_NODES
    }
    fn page_nodes_reason(&self) -> Option<&'static str> {
        None
    }
    fn name(&self) -> &'static str {
        PLAIN.name
    }
    fn group(&self) -> Group {
        Group::Gossip
    }
    fn about(&self) -> &'static str {
        PLAIN.about
    }
    fn params(&self) -> &'static [&'static str] {
        &PARAMS
    }
    fn kinds(&self, config: &Config) -> &'static [Kind] {
        if config.mongering.stop.is_some() && !config.many_messages() {
            super::mongering::KINDS
        } else if config.hybrid.is_hybrid() && !config.many_messages() {
            super::push_pull::KINDS
        } else {
            KINDS
        }
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        let fanout = config.fanout;
        if config.many_messages() {
            return gossip::build_messages(config, LAW);
        }
        match config.mongering.stop {
            Some(rule) => on_events(
                super::mongering::Mongering {
                    fanout,
                    rule,
                    k: config.mongering.k,
                },
                config,
            ),
            None if config.hybrid.is_hybrid() => on_events(
                super::push_then_pull::PushThenPull {
                    fanout,
                    params: config.hybrid,
                },
                config,
            ),
            None => PLAIN.build(config),
        }
    }
    fn build_on_events(&self, config: &Config, delay: Option<Delay>) -> Box<dyn Run> {
        if self.law(config).is_none() {
            return self.build(config);
        }
        gossip::build_on_events(
            config,
            delay,
            Push {
                fanout: config.fanout,
            },
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        match config.mongering.stop {
            // Once all know, every contact is unnecessary: a counter stops k rounds later, a coin
            // after a geometric number of rounds of mean k (the last of N within k (ln N + 30)).
            Some(_) if !config.many_messages() => {
                let k = f64::from(config.mongering.k);
                super::clamp_rounds(
                    f64::from(theory::default_round_limit(config, LAW))
                        + k * (f64::from(config.nodes).ln() + 30.0),
                )
            }
            _ => PLAIN.round_limit(config),
        }
    }
    fn check(&self, config: &Config) -> Result<(), String> {
        if config.mongering.stop.is_some() && config.hybrid.is_hybrid() {
            return Err("stop and push_until / push_rounds cannot be combined: a stop rule ends push rumor mongering, a hand-over switches push to pull; choose one".into());
        }
        if config.many_messages() && (config.mongering.stop.is_some() || config.hybrid.is_hybrid())
        {
            return Err(format!(
                "messages must be 1 with a stop rule or push then pull (got {})",
                config.messages.count
            ));
        }
        Ok(())
    }
    fn law(&self, config: &Config) -> Option<Law> {
        (config.mongering.stop.is_none() && !config.hybrid.is_hybrid()).then_some(LAW)
    }
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64> {
        // The variants' own curves assume the flat, synchronous model; plain push has its models.
        let flat = gossip::outside_the_model(config).is_none();
        match config.mongering.stop {
            Some(rule) if flat => super::mongering::expected_curve(
                config.live_count(),
                config.fanout,
                rule,
                config.mongering.k,
                config.mean_loss(),
                max_points,
            ),
            None if config.hybrid.is_hybrid() && flat => super::push_then_pull::expected_curve(
                config.nodes,
                config.live_count(),
                config.fanout,
                config.mean_loss(),
                &config.hybrid,
                max_points,
            ),
            None if !config.hybrid.is_hybrid() => PLAIN.expected_curve(config, max_points),
            _ => Vec::new(),
        }
    }
    fn expected_rounds(&self, config: &Config) -> Option<u32> {
        if config.mongering.stop.is_some() {
            // A stop rule may leave nodes uninformed: "every node" has no expected round.
            return None;
        }
        if config.hybrid.is_hybrid() {
            let curve = self.expected_curve(config, theory::MAX_ITERATIONS as usize);
            let live = f64::from(config.live_count());
            return curve
                .last()
                .is_some_and(|&informed| (1.0 - informed) * live < 0.5)
                .then(|| curve.len() as u32 - 1);
        }
        PLAIN.expected_rounds(config)
    }
    fn closed_form(&self, config: &Config) -> Option<(f64, &'static str)> {
        self.law(config)?;
        PLAIN.closed_form(config)
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(gossip::THEORY)
    }
    fn theory_note(&self, config: &Config) -> String {
        let outside = gossip::outside_the_model(config);
        match config.mongering.stop {
            // The same condition as the residue the engine reports (`stop_rule_theory`).
            Some(rule)
                if config.asynchrony.is_some()
                    && super::mongering::continuous_residue_holds(config, rule) =>
            {
                "theory: the residue of feedback + coin in continuous time, s = e^(−(k+1)(1−s)); no curve for asynchronous periods".into()
            }
            Some(_) => match outside {
                Some(combination) => format!(
                    "no closed-form theory for this combination (a stop rule with {combination})"
                ),
                None => "theory: rumor mongering's mean field (Demers et al. 1987), dashed; it ends with a residue".into(),
            },
            None if config.hybrid.is_hybrid() => match outside {
                Some(combination) => format!(
                    "no closed-form theory for this combination (push then pull with {combination})"
                ),
                None => "theory: push's mean field, then pull's after the hand-over, dashed".into(),
            },
            None => PLAIN.theory_note(config),
        }
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        if config.mongering.stop.is_some() {
            let (residue, _) = super::mongering::stop_rule_theory(config)?;
            return Some(Lesson {
                figure: "never informed (residue)",
                expected: Some(residue),
                why: "the stop rule's mean field: the rumor dies out before reaching everyone"
                    .into(),
                measured: measures.map(Measures::residue),
            });
        }
        crate::spec::rounds_lesson(self.expected_rounds(config), measures)
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(crate::spec::ROUNDS_FIGURE)
    }
    fn variant_explanation(&self, config: &Config) -> Option<&'static str> {
        match config.mongering.stop {
            Some(rule) if rule.feedback => Some(
                "Rumor mongering (Demers et al. 1987): a node stops spreading after k unnecessary contacts \
                 (the callee already knew: it says so, the feedback), by a counter or a coin of chance 1/k. \
                 Cheap, but the rumor can die out before everyone has it: the residue s, tied to the \
                 traffic m (pushes per node) by s = e^(−m). Raise k: less residue, more traffic.",
            ),
            Some(_) => Some(
                "Rumor mongering, blind (Demers et al. 1987): a node stops after k pushes, or with chance 1/k \
                 after each, whether or not the callee knew. No feedback to send, but more residue for the \
                 same k than with feedback: s = e^(−m) still ties residue to traffic.",
            ),
            None if config.hybrid.is_hybrid() => Some(
                "Push, then pull: push is cheap and fast while few know (the informed set doubles), pull is \
                 fast once most do (an uninformed node's chance to stay so is squared each round). Switch \
                 at the right moment and the run is both short and cheap.",
            ),
            None => None,
        }
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        let law = Law {
            push: true,
            pull: config.hybrid.is_hybrid(),
        };
        gossip::sends_per_node(config, law)
    }
}
