//! Push rumor mongering (Demers et al. 1987, theory.md section 6): an infective node pushes the
//! rumor to `fanout` random peers each period until it loses interest by a stop rule, then stays
//! "removed". A run ends when no node is infective, possibly with nodes never informed (the
//! residue).
//!
//! - **feedback**: a callee answers whether it already knew the rumor (at the start of the round,
//!   in the synchronous model); only such *unnecessary* contacts count towards stopping. The answer
//!   is a datagram of its own (`feedback`), so loss can swallow it; it is not counted as traffic.
//! - **blind**: every push counts.
//! - **counter**: stop after k counted contacts (feedback: k unnecessary contacts since the last
//!   necessary one, as theory.md states the rule); **coin**: stop with probability 1/k after each.

use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};

/// Whether contacts are judged on the callee's answer or all counted, and how interest is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopRule {
    pub feedback: bool,
    pub counter: bool,
}

impl StopRule {
    pub const NAMES: &'static [&'static str] = &[
        "feedback-counter",
        "feedback-coin",
        "blind-counter",
        "blind-coin",
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES[usize::from(!self.feedback) * 2 + usize::from(!self.counter)]
    }

    pub fn from_name(name: &str) -> Option<StopRule> {
        let index = Self::NAMES.iter().position(|&known| known == name)?;
        Some(StopRule {
            feedback: index < 2,
            counter: index % 2 == 0,
        })
    }
}

/// This protocol's parameters: the stop rule (none: plain push, which never stops) and its k.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    pub stop: Option<StopRule>,
    pub k: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params { stop: None, k: 1 }
    }
}

pub struct Mongering {
    pub fanout: u32,
    pub rule: StopRule,
    pub k: u32,
}

/// A node's part in the rumor: spreading it, and how close it is to losing interest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Monger {
    pub infective: bool,
    /// Counted contacts so far (counter rules).
    pub count: u32,
}

pub const PUSH: u8 = 0;
pub const FEEDBACK: u8 = 1;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "push",
        payload: true,
        look: Look::Data,
        label: "push (rumor)",
    },
    Kind {
        name: "feedback",
        payload: false,
        look: Look::Ack,
        label: "feedback: knew it / new",
    },
];

impl Mongering {
    /// A counted contact: the counter moves on, or the coin is tossed.
    fn counted_contact(&self, net: &mut impl Net<Self>, node: u32) {
        let lost_interest = if self.rule.counter {
            let state = net.state_mut(node);
            state.count += 1;
            state.count >= self.k
        } else {
            net.rng().below(self.k) == 0
        };
        if lost_interest {
            net.state_mut(node).infective = false;
        }
    }
}

impl Protocol for Mongering {
    type Node = Monger;
    /// A feedback answer: did the callee already know the rumor?
    type Body = bool;
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;
    const STOPS: bool = true;

    fn start(&self, net: &mut impl Net<Self>) {
        for index in 0..net.informed_before_round() {
            let sender = net.informed_at(index);
            net.state_mut(sender).infective = true;
        }
    }

    fn on_round(&self, net: &mut impl Net<Self>) {
        // Only nodes informed before this round can be infective: the informed order's prefix.
        for index in 0..net.informed_before_round() {
            let caller = net.informed_at(index);
            if !net.is_crashed(caller) {
                self.on_period(net, caller);
            }
        }
    }

    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        for _ in 0..self.fanout {
            // Blind rules may end the node's interest between its pushes.
            if !net.knew(caller, 0) || !net.state(caller).infective {
                return;
            }
            let callee = net.peer(caller);
            net.send(caller, callee, PUSH, false);
            if !self.rule.feedback {
                self.counted_contact(net, caller);
            }
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<bool>) {
        let Datagram { from, to, kind, .. } = *datagram;
        match kind {
            PUSH => {
                // "Already knew" is judged at the start of the round (before this tick).
                let knew = net.knew(to, 0);
                if net.learn(to, 0, from) {
                    *net.state_mut(to) = Monger {
                        infective: true,
                        count: 0,
                    };
                }
                if self.rule.feedback {
                    net.send(to, from, FEEDBACK, knew);
                }
            }
            FEEDBACK if net.state(to).infective => {
                if datagram.body {
                    self.counted_contact(net, to);
                } else if self.rule.counter {
                    // A necessary contact starts the count of unnecessary ones afresh.
                    net.state_mut(to).count = 0;
                }
            }
            _ => {}
        }
    }

    fn quiet(&self, states: &[Monger]) -> bool {
        !states.iter().any(|state| state.infective)
    }

    fn spreading(&self, state: &Monger) -> Option<bool> {
        Some(state.infective)
    }
}

/// Expected residue of feedback + coin in the continuous-time limit (theory.md section 6): the
/// root in (0, 1) of s = exp(-(k + 1)(1 - s)), by fixed-point iteration from s = 0.
pub fn feedback_coin_residue(k: u32) -> f64 {
    let rate = f64::from(k) + 1.0;
    let mut residue = 0.0f64;
    for _ in 0..10_000 {
        let next = (-rate * (1.0 - residue)).exp();
        if (next - residue).abs() < 1e-15 {
            return next;
        }
        residue = next;
    }
    residue
}

/// The synchronous mean-field curve (one random push per infective node per round, b = 1 per
/// `fanout`, loss q): the expected informed fraction after each round, until no node is expected
/// to be infective or `max_points` are produced. Infective nodes are tracked by their count
/// (counter rules) so each rule's stop is followed: a push reaches an uninformed node with
/// probability s (necessary) or an informed one (unnecessary, 1 - s); with feedback the answer
/// must come back (probability q, and the push itself arrive, q) to count.
pub fn expected_curve(
    nodes: u32,
    fanout: u32,
    rule: StopRule,
    k: u32,
    loss: f64,
    max_points: usize,
) -> Vec<f64> {
    let n = f64::from(nodes);
    let q = 1.0 - loss;
    let b = f64::from(fanout);
    let states = if rule.counter { k as usize } else { 1 };
    // infective[c]: fraction of nodes infective with count c.
    let mut infective = vec![0.0; states];
    infective[0] = 1.0 / n;
    let mut uninformed = 1.0 - 1.0 / n;
    let mut curve = vec![1.0 - uninformed];
    let stop_chance = 1.0 / f64::from(k);
    while curve.len() < max_points {
        let spreading: f64 = infective.iter().sum();
        if spreading * n < 0.5 || uninformed * n < 0.5 {
            break;
        }
        let informed = 1.0 - uninformed;
        // Each push: delivered with q, to an uninformed node with probability s.
        let newly = uninformed * (1.0 - (-b * q * spreading * n / (n - 1.0)).exp());
        // Per push: counted (unnecessary with feedback; any when blind) with this probability.
        let counted = if rule.feedback { q * q * informed } else { 1.0 };
        let necessary = if rule.feedback {
            q * q * uninformed
        } else {
            0.0
        };
        let mut next = vec![0.0; states];
        for (count, &mass) in infective.iter().enumerate() {
            // b pushes per round: approximate as b independent contacts in sequence.
            let mut by_count = vec![0.0; states + 1];
            by_count[count] = mass;
            for _ in 0..fanout {
                let mut after = vec![0.0; states + 1];
                for (c, &m) in by_count.iter().enumerate().take(states) {
                    if m == 0.0 {
                        continue;
                    }
                    if rule.counter {
                        after[c + 1] += m * counted;
                        let reset = if c > 0 { necessary } else { 0.0 };
                        after[0] += m * reset;
                        after[c] += m * (1.0 - counted - reset);
                    } else {
                        after[states] += m * counted * stop_chance;
                        after[c] += m * (1.0 - counted * stop_chance);
                    }
                }
                after[states] += by_count[states];
                by_count = after;
            }
            for c in 0..states {
                next[c] += by_count[c];
            }
        }
        next[0] += newly;
        infective = next;
        uninformed -= newly;
        curve.push(1.0 - uninformed);
    }
    curve
}

/// The mean round in which a node that got the message got it, by an expected curve (informed
/// fraction per round from round 0): the curve's t_ave, leaving out the senders at round 0.
pub fn mean_arrival_round(curve: &[f64]) -> Option<f64> {
    let (first, last) = (*curve.first()?, *curve.last()?);
    let gained = last - first;
    (gained > 0.0).then(|| {
        curve
            .windows(2)
            .enumerate()
            .map(|(round, pair)| (round + 1) as f64 * (pair[1] - pair[0]))
            .sum::<f64>()
            / gained
    })
}

/// Whether the continuous-time residue equation s = exp(-(k + 1)(1 - s)) describes an
/// asynchronous run of `rule`: feedback + coin only, and without delays.
pub fn continuous_residue_holds(config: &crate::config::Config, rule: StopRule) -> bool {
    rule.feedback && !rule.counter && !config.has_delay()
}

/// A stop rule's expected residue (the fraction of live nodes never informed) and t_ave, by the
/// synchronous mean-field curve, or with asynchronous periods feedback + coin's residue equation
/// s = exp(-(k + 1)(1 - s)) (theory.md section 6); `None` without a stop rule or a theory.
pub fn stop_rule_theory(config: &crate::config::Config) -> Option<(f64, Option<f64>)> {
    let rule = config
        .mongering
        .stop
        .filter(|_| config.mode.takes("stop") && !config.many_messages())?;
    if config.asynchrony.is_some() {
        return continuous_residue_holds(config, rule)
            .then(|| (feedback_coin_residue(config.mongering.k), None));
    }
    if super::gossip::outside_the_model(config).is_some() {
        return None;
    }
    let curve = expected_curve(
        config.live_count(),
        config.fanout,
        rule,
        config.mongering.k,
        config.mean_loss(),
        crate::theory::MAX_ITERATIONS as usize,
    );
    let residue = 1.0 - curve.last()?;
    Some((residue, mean_arrival_round(&curve)))
}
