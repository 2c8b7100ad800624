//! Push gossip: whoever has the rumor tells `fanout` random peers each round.

use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};

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
        // Only nodes informed before this round call: the prefix of the informed order (no scan of N).
        for index in 0..net.informed_before_round() {
            let caller = net.informed_at(index);
            // Known to be informed: no need for `on_period`'s check (a cache miss per caller).
            if !net.is_crashed(caller) {
                for _ in 0..self.fanout {
                    push_to_random_peer(net, caller);
                }
            }
        }
    }

    #[inline(always)]
    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        if net.knew(caller, 0) {
            for _ in 0..self.fanout {
                push_to_random_peer(net, caller);
            }
        }
    }

    #[inline(always)]
    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<()>) {
        net.learn(datagram.to, 0, datagram.from);
    }
}

/// One push: a single datagram carrying the rumor.
#[inline(always)]
pub fn push_to_random_peer<P: Protocol<Body = ()>>(net: &mut impl Net<P>, caller: u32) {
    let callee = net.peer(caller);
    net.send(caller, callee, PUSH, ());
}
