//! What a lecturer takes out of the page: the lecture bar (links, embed, presets, tours, present
//! mode, themes, the timeline) and the exports under every chart. `metadata` is pure, so the
//! exports' bytes are tested natively.

#[cfg(target_arch = "wasm32")]
pub mod bar;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub mod effects;
#[cfg(target_arch = "wasm32")]
pub mod embed;
#[cfg(target_arch = "wasm32")]
pub mod export;
#[cfg(target_arch = "wasm32")]
mod files;
pub mod metadata;
#[cfg(target_arch = "wasm32")]
mod scenarios;
#[cfg(target_arch = "wasm32")]
mod slides;
