//! Push-pull gossip (Karp et al. 2000): every live node calls `fanout` peers; a caller that had
//! the rumor at the start of the round pushes it, one that did not pulls.

use super::pull::{self, answer_pull, pull_from_random_peer};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};

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
