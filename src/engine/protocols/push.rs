//! Push gossip: whoever has the rumor tells `fanout` random peers each round.

use crate::engine::network::Network;
use crate::engine::report::ContactKind;
use crate::engine::rng::Rng;

pub fn play_round(network: &mut Network, rng: &mut Rng, fanout: u32, callers: usize) {
    let nodes = network.nodes();
    // Only nodes informed before this round call: the prefix of the informed order (no scan of N).
    for index in 0..callers {
        let caller = network.informed_at(index);
        for _ in 0..fanout {
            push_to_random_peer(network, rng, caller, nodes);
        }
    }
}

/// One push: a single datagram carrying the rumor.
#[inline]
pub fn push_to_random_peer(network: &mut Network, rng: &mut Rng, caller: u32, nodes: u32) {
    let callee = rng.peer(caller, nodes);
    network.send(rng, caller, callee, ContactKind::Push, true);
}
