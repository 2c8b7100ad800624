//! The web entry: mounts the app. Everything else lives in the library, so tests can import it.

fn main() {
    #[cfg(target_arch = "wasm32")]
    gossip_lab::ui::start();
}
