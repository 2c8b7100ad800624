//! Push gossip: whoever has the rumor tells `fanout` random peers each round.

use crate::engine::network::Exchange;
use crate::engine::report::ContactKind;
use crate::engine::rng::Rng;

#[inline(always)]
pub fn play_round(round: &mut impl Exchange, rng: &mut Rng, fanout: u32) {
    let nodes = round.nodes();
    // Only nodes informed before this round call: the prefix of the informed order (no scan of N).
    for index in 0..round.informed_at_start() {
        let caller = round.informed_at(index);
        for _ in 0..fanout {
            push_to_random_peer(round, rng, caller, nodes);
        }
    }
}

/// One push: a single datagram carrying the rumor.
#[inline(always)]
pub fn push_to_random_peer(round: &mut impl Exchange, rng: &mut Rng, caller: u32, nodes: u32) {
    let callee = rng.peer(caller, nodes);
    round.send(rng, caller, callee, ContactKind::Push, true);
}
