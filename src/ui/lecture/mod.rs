//! What a lecturer takes out of the page: the lecture bar (links, embed, presets, tours, present
//! mode, themes, the timeline) and the exports under every chart. `metadata` is pure, so the
//! exports' bytes are tested natively.

#[cfg(target_arch = "wasm32")]
pub mod bar;
#[cfg(target_arch = "wasm32")]
pub mod export;
pub mod metadata;
