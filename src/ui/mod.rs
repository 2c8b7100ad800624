//! The Yew app (wasm32 only): one reducer (`state`), components that dispatch its actions, a
//! frame loop that plays rounds and paints the stage and charts (`app`). The state, the URL
//! parser (`url`) and the exports' metadata also compile natively, for the tests.
//!
//! A folder tells its part, and imports run one way, down this list (tests/ui_layers.rs):
//!
//! ```text
//! app.rs      the page: layout, tabs, keyboard, the frame loop
//!   views/    compare, experiment, scaling, spacetime; the experiment's Web Workers
//!   run/      the run view: stage, controls, panels, membership, matrix
//!   lecture/  the lecture bar (links, embed, presets, tours, present mode, timeline), exports
//!   charts/   one module per chart, each a `draw` over plain data
//!   widgets/  canvas, palette, frame loop
//! state.rs    the reducer: Lab, Action, Run (state/comparison.rs: the lesson's two runs)
//!   url/      what a link or tour step says: the page's, views' and lecture's keys, the
//!             state written back, tours, and the checks every configuration passes
//! limits      the page's ranges (below)
//! engine      gossip_engine: pure Rust
//! ```
//!
//! A part may use any part below it, never one above: the views may draw a run's stage, the run
//! view may show an export button, but the state never knows a component, and the URL keys never
//! know the state.

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod charts;
pub mod lecture;
#[cfg(target_arch = "wasm32")]
pub mod run;
pub mod state;
pub mod url;
#[cfg(target_arch = "wasm32")]
pub mod views;
#[cfg(target_arch = "wasm32")]
pub mod widgets;

#[cfg(target_arch = "wasm32")]
pub use app::App;

/// The UI's parameter ranges: the engine's, except N (the page animates up to 100,000 nodes) and
/// the playback speed, which is the UI's own.
pub mod limits {
    pub use crate::engine::config::limits::{CRASH, FANOUT, LOSS, REPAIR_DELAY, TIMEOUT};
    /// The most nodes any protocol runs with in the page (plain gossip); each protocol's
    /// descriptor may say fewer, which `url::checks::keep_consistent` applies with a notice.
    pub const NODES: (u32, u32) = (2, crate::engine::config::limits::PAGE_GOSSIP_NODES);
    /// Rounds per second.
    pub const SPEED: (f64, f64) = (0.25, 60.0);
}

/// Mounts the app in `#app` and removes the loading note.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .expect("a document");
    if let Some(loading) = document.get_element_by_id("loading") {
        loading.remove();
    }
    let root = document
        .get_element_by_id("app")
        .expect("index.html has #app");
    yew::Renderer::<App>::with_root(root).render();
}
