//! Push-pull gossip (Karp et al. 2000): every live node calls `fanout` peers; a caller that had
//! the rumor at the start of the round pushes it, one that did not pulls.

use super::{pull::pull_from_random_peer, push::push_to_random_peer};
use crate::engine::network::Exchange;
use crate::engine::rng::Rng;

#[inline(always)]
pub fn play_round(round: &mut impl Exchange, rng: &mut Rng, fanout: u32) {
    let nodes = round.nodes();
    for caller in 0..nodes {
        if round.is_crashed(caller) {
            continue;
        }
        let informed = round.knew_at_start(caller);
        for _ in 0..fanout {
            if informed {
                push_to_random_peer(round, rng, caller, nodes);
            } else {
                pull_from_random_peer(round, rng, caller, nodes);
            }
        }
    }
}
