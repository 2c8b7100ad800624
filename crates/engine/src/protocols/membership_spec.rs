//! What the three membership protocols' descriptors share: their checks, theory notes and budget.

use crate::config::{Config, limits};

/// The lesson's figure of every membership protocol.
pub const DETECTION_FIGURE: &str = "periods from the crash to its first detection";

/// The page runs membership up to this many nodes: views are N x N.
pub const PAGE_NODES: u32 = 1_000;

/// When the membership figures hold.
pub const ASSUMPTIONS: &str =
    "one crash, no delay, independent loss; the figure is the first detection after the crash";

/// The membership modes' checks between parameters: views are N x N.
pub fn check(config: &Config) -> Result<(), String> {
    if config.nodes > limits::MEMBERSHIP_NODES {
        return Err(format!(
            "nodes must be between 2 and {} for {}: every node keeps a view of every member (got {})",
            limits::MEMBERSHIP_NODES,
            config.mode,
            config.nodes
        ));
    }
    Ok(())
}

/// The theory note: the figure where its assumptions hold.
pub fn theory_note(config: &Config, title: &str, figure: &str) -> String {
    if config.has_delay() || config.burst.is_some() {
        format!(
            "no closed-form theory for this combination ({title} with delay or burst loss): see the run's figures"
        )
    } else {
        format!("theory: {figure} (theory.md section 10)")
    }
}

/// A node's view of every member, and one list shared with the datagrams in flight.
pub fn node_bytes(config: &Config) -> u64 {
    2 * 16 * u64::from(config.nodes)
}

/// A period's datagrams, at most: b lists (heartbeat), a ping, k ping-reqs and their answers
/// (SWIM), a Syn, Ack and Ack2 with the seed's and an unreachable node's (Cassandra).
pub fn sends_per_node(config: &Config) -> u64 {
    2 * u64::from(config.fanout.max(config.membership.ping_req)) + 6
}
