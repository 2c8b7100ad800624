//! Pull gossip: every live node, informed or not, asks `fanout` random peers for news each round.

use super::gossip;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};
use crate::spec::{Law, Words};

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

    /// Every live node polls, "no matter infected or not".
    #[inline(always)]
    fn on_round(&self, net: &mut impl Net<Self>) {
        gossip::every_live_node_calls!(Pull, self, net)
    }

    #[inline(always)]
    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        gossip::per_fanout(self.fanout, || pull_from_random_peer(net, caller));
    }

    #[inline(always)]
    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        answer_pull(net, *datagram);
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

pub static SPEC: gossip::GossipSpec<Pull> = gossip::GossipSpec {
    name: "pull",
    about: "every live node asks b random peers for news each round",
    law: Law {
        push: false,
        pull: true,
    },
    kinds: KINDS,
    words: &WORDS,
    protocol: |fanout| Pull { fanout },
    closed_form: |n, b, q| {
        (b == 1.0 && q == 1.0).then(|| {
            (
                n.log2() + n.ln().log2(),
                "log2 N + log2 ln N (Panagiotou & Reisser; Demers et al. 1987)",
            )
        })
    },
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
