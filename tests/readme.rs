#![cfg(not(target_arch = "wasm32"))]
//! The README's parameter table is the one `params::PARAMS` describes, so the two never drift.

use gossip_lab::engine::params::markdown_table;

#[test]
fn the_readme_lists_every_parameter_as_the_engine_describes_it() {
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(&markdown_table()),
        "README.md's parameter table is stale: paste the output of `gossip-sim --params-markdown`"
    );
}
