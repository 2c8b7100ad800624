//! Pull gossip: every live node, informed or not, asks `fanout` random peers for news each round.

use crate::engine::network::Exchange;
use crate::engine::report::ContactKind;
use crate::engine::rng::Rng;

#[inline(always)]
pub fn play_round(round: &mut impl Exchange, rng: &mut Rng, fanout: u32) {
    let nodes = round.nodes();
    for caller in 0..nodes {
        // Crashed nodes never send; everyone else polls, "no matter infected or not".
        if round.is_crashed(caller) {
            continue;
        }
        for _ in 0..fanout {
            pull_from_random_peer(round, rng, caller, nodes);
        }
    }
}

/// One pull: a request, and if it arrives a reply that carries the rumor only if the callee
/// had it at the start of the round.
#[inline(always)]
pub fn pull_from_random_peer(round: &mut impl Exchange, rng: &mut Rng, caller: u32, nodes: u32) {
    let callee = rng.peer(caller, nodes);
    if let Some(has_news) = round.send(rng, caller, callee, ContactKind::PullRequest, false) {
        round.send(rng, callee, caller, ContactKind::PullReply, has_news);
    }
}
