//! Push, then pull (theory.md section 2's two regimes, the lecture's hybrid): push is cheap and
//! fast while few know the rumor, pull is fast once most do (its tail is O(log log N)). Nodes push
//! while the informed fraction of the live nodes at the round's start is below `until`, and for at
//! most `rounds` rounds, then every live node pulls.

use super::gossip;
use super::pull::{answer_pull, pull_from_random_peer};
use super::push_pull::{KINDS, PUSH};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::Kind;

/// When push hands over to pull: at an informed fraction, after some rounds, or whichever first.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Params {
    /// Push while fewer than this fraction of the live nodes know the rumor.
    pub until: Option<f64>,
    /// Push for at most this many rounds.
    pub rounds: Option<u32>,
}

impl Params {
    pub fn is_hybrid(&self) -> bool {
        self.until.is_some() || self.rounds.is_some()
    }

    /// Whether round `round` still pushes, `informed` of the live nodes knowing at its start.
    pub fn pushes(&self, informed: f64, round: u32) -> bool {
        self.until.is_none_or(|until| informed < until)
            && self.rounds.is_none_or(|rounds| round <= rounds)
    }
}

pub struct PushThenPull {
    pub fanout: u32,
    pub params: Params,
}

impl PushThenPull {
    /// Whether the current round (period) still pushes.
    pub fn pushing(&self, net: &impl Net<Self>) -> bool {
        let informed = net.informed_before_round() as f64 / f64::from(net.live().max(1));
        self.params.pushes(informed, net.round())
    }
}

impl Protocol for PushThenPull {
    type Node = ();
    type Body = ();
    type Timer = ();
    /// Push-pull's kinds: pull's request and replies, and the push.
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;

    fn on_round(&self, net: &mut impl Net<Self>) {
        if self.pushing(net) {
            gossip::informed_callers(net, self.fanout, push_as);
        } else {
            for caller in 0..net.nodes() {
                if !net.is_crashed(caller) {
                    for _ in 0..self.fanout {
                        pull_from_random_peer(net, caller);
                    }
                }
            }
        }
    }

    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        let pushing = self.pushing(net);
        if pushing && !net.knew(caller, 0) {
            return;
        }
        for _ in 0..self.fanout {
            if pushing {
                push_as(net, caller);
            } else {
                pull_from_random_peer(net, caller);
            }
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        if datagram.kind == PUSH {
            net.learn(datagram.to, 0, datagram.from);
        } else {
            answer_pull(net, *datagram);
        }
    }
}

/// A push with push-pull's kind number for it.
fn push_as(net: &mut impl Net<PushThenPull>, caller: u32) {
    let callee = net.peer(caller);
    net.send(caller, callee, PUSH, ());
}

/// The mean-field curve (theory.md section 2): push's escape while pushing, pull's after.
pub fn expected_curve(
    nodes: u32,
    live: u32,
    fanout: u32,
    loss: f64,
    params: &Params,
    max_points: usize,
) -> Vec<f64> {
    let live = f64::from(live);
    let others = f64::from(nodes - 1);
    let b = f64::from(fanout);
    let q = 1.0 - loss;
    let mut uninformed = 1.0 - 1.0 / live;
    let mut curve = vec![1.0 - uninformed];
    let mut round = 1u32;
    while curve.len() < max_points && uninformed * live >= 0.5 && q > 0.0 {
        let informed = 1.0 - uninformed;
        let pushing = params.pushes(informed, round);
        let informed_nodes = informed * live;
        uninformed *= if pushing {
            (b * informed_nodes * (-q / others).ln_1p()).exp()
        } else {
            (b * (-q * q * (informed_nodes / others).min(1.0)).ln_1p()).exp()
        };
        curve.push(1.0 - uninformed);
        round += 1;
    }
    curve
}
