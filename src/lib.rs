//! Gossip Lab: a browser laboratory for multicast and gossip protocols.
//!
//! `engine` is pure Rust and runs anywhere; `ui` is the Yew app (wasm32 only); `js` exports the
//! engine to JavaScript as `simulate(config_json) -> summary_json`.

// The engine lives in its own crate (crates/engine) so that it is optimised for speed and the page
// for size; `gossip_lab::engine` is its path for the UI, the CLI and the tests.
pub use gossip_engine as engine;

#[cfg(target_arch = "wasm32")]
pub mod js;
// The page's state, URL parser and tours compile natively too (tests/lecture.rs); the
// components are wasm32 only (ui/mod.rs).
pub mod ui;
