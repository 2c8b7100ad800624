//! Push-pull gossip (Karp et al. 2000): every live node calls `fanout` peers; a caller that had
//! the rumor at the start of the round pushes it, one that did not pulls.

use super::gossip;
use super::pull::{self, answer_pull, pull_from_random_peer};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look};
use crate::spec::{Law, Words};

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

    /// Every live node calls.
    #[inline(always)]
    fn on_round(&self, net: &mut impl Net<Self>) {
        gossip::every_live_node_calls!(PushPull, self, net)
    }

    #[inline(always)]
    fn on_period(&self, net: &mut impl Net<Self>, caller: u32) {
        let informed = net.knew(caller, 0);
        if informed {
            gossip::per_fanout(self.fanout, || {
                let callee = net.peer(caller);
                net.send(caller, callee, PUSH, ());
            });
        } else {
            gossip::per_fanout(self.fanout, || pull_from_random_peer(net, caller));
        }
    }

    #[inline(always)]
    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        if datagram.kind == PUSH {
            net.learn(datagram.to, 0, datagram.from);
        } else {
            answer_pull(net, *datagram);
        }
    }
}

// --- The descriptor ---

pub static SPEC: gossip::GossipSpec<PushPull> = gossip::GossipSpec {
    name: "push-pull",
    about: "every live node calls b random peers: informed callers push, uninformed callers pull",
    law: Law {
        push: true,
        pull: true,
    },
    kinds: KINDS,
    words: &WORDS,
    protocol: |fanout| PushPull { fanout },
    closed_form: |n, b, q| {
        (b == 1.0 && q == 1.0).then(|| {
            (
                n.ln() / 3f64.ln() + n.ln().log2(),
                "log3 N + log2 ln N (Karp et al. 2000: log3 N + O(log log N))",
            )
        })
    },
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
