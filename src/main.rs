//! The web entry: mounts the app. Everything else lives in the library, so tests can import it.

fn main() {
    // views: the trial workers load this same wasm; the app starts only in a page.
    #[cfg(target_arch = "wasm32")]
    if web_sys::window().is_some() {
        gossip_lab::ui::start();
    }
}
