//! The Yew app (wasm32 only): one reducer (`state`), components that dispatch its actions, a
//! frame loop that plays rounds and paints the stage and charts (`app`). The state, the URL
//! parser and the lecture's pure part (`share`) also compile natively, for tests/lecture.rs.

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
    /// descriptor may say fewer, which `state::keep_consistent` applies with a notice.
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
