//! What any link, control or tour step leaves the page with: a configuration it can run.
//! Parameters that depend on each other follow, with a notice, and the memory budget holds.

use crate::engine::Config;

/// Whether the page can run `config`: its protocol's own parameters (the page keeps the others
/// for when it switches back) within the page's memory budget; otherwise the engine's reason.
pub fn runnable(config: &Config) -> Result<(), String> {
    config
        .clone()
        .without_inapplicable()
        .validate_within(crate::engine::config::limits::PAGE_MEMORY)
        .map_err(|error| error.to_string())
}

/// Parameters whose range depends on another (RMTP's regions on N) follow it, with a notice,
/// so no control or URL can leave the page with a configuration the engine refuses.
pub fn keep_consistent(config: &mut Config, notices: &mut Vec<String>) {
    // Some protocols cost more per node than a browser plays smoothly (floods, N x N views):
    // their descriptor says how many nodes the page runs them with.
    let max = config.mode.spec().page_nodes();
    if config.nodes > max {
        let why = config
            .mode
            .spec()
            .page_nodes_reason()
            .map_or(String::new(), |reason| format!(": {reason}"));
        notices.push(format!(
            "{} runs in the page with at most {max} nodes{why} (gossip-sim takes more); N was set to {max}.",
            config.mode.spec().words().title
        ));
        config.nodes = max;
    }
    if config.mongering.stop.is_some() && config.hybrid.is_hybrid() {
        notices.push(
            "A stop rule and push-then-pull cannot be combined; the hand-over to pull was dropped."
                .into(),
        );
        config.hybrid = Default::default();
    }
    // async-racks: a rack holds at least one node.
    if config.racks > config.nodes {
        notices.push(format!(
            "Racks R must be at most N = {}; {} was set to {}.",
            config.nodes, config.racks, config.nodes
        ));
        config.racks = config.nodes;
    }
    // Partitions name nodes below N and split by racks only where there are racks.
    if let Err(message) = config.check_partitions() {
        notices.push(format!("{message}; the partitions were dropped."));
        config.partitions = Default::default();
    }
    let receivers = config.nodes.saturating_sub(1).max(1);
    if config.mode.takes("regions") && config.rmtp.regions > receivers {
        notices.push(format!(
            "Regions R must be at most N − 1 = {receivers}; {} was set to {receivers}.",
            config.rmtp.regions
        ));
        config.rmtp.regions = receivers;
    }
}
