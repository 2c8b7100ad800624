//! What SRM and RMTP share as packet streams: the rounds a stream takes without loss, and the
//! round limit that leaves room for its repairs.

use crate::config::Config;

/// Rounds for every live node to hold all M packets without loss or crashes: packet m leaves in
/// round m + 1 and the last arrives `depth` hops later.
pub fn rounds(config: &Config, depth: u32) -> Option<u32> {
    (config.mean_loss() == 0.0 && config.crashed_count() == 0 && config.crash_at.is_empty())
        .then(|| config.packets - 1 + depth)
}

/// The stream's round limit: the stream, then repairs: each missing packet needs a geometric
/// number of requests (success q^2 each), each at most `wait` rounds apart.
pub fn round_limit(config: &Config, depth: u32, wait: f64) -> u32 {
    let loss = config.mean_loss();
    let stream = f64::from(config.packets + depth);
    super::clamp_rounds(if loss >= 1.0 {
        stream + 10.0
    } else {
        stream + super::tries_for_all(f64::from(config.nodes * config.packets), loss) * wait + 50.0
    })
}
