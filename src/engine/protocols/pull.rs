//! Pull gossip: every live node, informed or not, asks `fanout` random peers for news each round.

use crate::engine::network::Network;
use crate::engine::report::ContactKind;
use crate::engine::rng::Rng;

pub fn play_round(network: &mut Network, rng: &mut Rng, fanout: u32) {
    let nodes = network.nodes();
    for caller in 0..nodes {
        // Crashed nodes never send; everyone else polls, "no matter infected or not".
        if network.is_crashed(caller) {
            continue;
        }
        for _ in 0..fanout {
            pull_from_random_peer(network, rng, caller, nodes);
        }
    }
}

/// One pull: a request, and if it arrives a reply that carries the rumor only if the callee
/// had it at the start of the round.
#[inline]
pub fn pull_from_random_peer(network: &mut Network, rng: &mut Rng, caller: u32, nodes: u32) {
    let callee = rng.peer(caller, nodes);
    let request = network.send(rng, caller, callee, ContactKind::PullRequest, false);
    if request.delivered() {
        let has_news = network.knew_at_start(callee);
        network.send(rng, callee, caller, ContactKind::PullReply, has_news);
    }
}
