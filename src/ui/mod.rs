//! The Yew app (wasm32 only): one reducer (`state`), components that dispatch its actions, a
//! frame loop that plays rounds and paints the stage and charts (`app`). The state, the URL
//! parser and the lecture's pure part (`share`) also compile natively, for tests/lecture.rs.

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod canvas;
#[cfg(target_arch = "wasm32")]
pub mod charts;
pub mod comparison;
#[cfg(target_arch = "wasm32")]
pub mod controls;
#[cfg(target_arch = "wasm32")]
pub mod export; // views (#8)
#[cfg(target_arch = "wasm32")]
pub mod frame_loop;
#[cfg(target_arch = "wasm32")]
pub mod lecture; // lecture: the page's share bar, timeline, tours, presentation, exports
#[cfg(target_arch = "wasm32")]
pub mod matrix; // membership (issue #11)
#[cfg(target_arch = "wasm32")]
pub mod membership; // membership (issue #11)
pub mod metadata; // views (#8): the configuration inside PNG and SVG exports
#[cfg(target_arch = "wasm32")]
pub mod palette;
#[cfg(target_arch = "wasm32")]
pub mod panels;
pub mod share; // lecture
#[cfg(target_arch = "wasm32")]
pub mod stage;
pub mod state;
pub mod url;
pub mod view_keys; // views (#8): the views' URL keys (native, for url.rs)
#[cfg(target_arch = "wasm32")]
pub mod views; // views (#8)
#[cfg(target_arch = "wasm32")]
pub mod workers; // views (#8)

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
