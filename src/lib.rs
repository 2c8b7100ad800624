//! Gossip Lab: a browser laboratory for multicast and gossip protocols.
//!
//! `engine` is pure Rust and runs anywhere; `ui` is the Yew app (wasm32 only); `js` exports the
//! engine to JavaScript as `simulate(config_json) -> summary_json`.

pub mod engine;

#[cfg(target_arch = "wasm32")]
pub mod js;
// lecture: the page's state, URL parser and tours compile natively too (tests/lecture.rs); the
// components are wasm32 only (ui/mod.rs).
pub mod ui;
