//! The engine for JavaScript: `simulate(config_json) -> summary_json`, the same summary as
//! `gossip-sim --format json`. Bad input throws an Error with the same message the CLI prints.

use crate::engine::ensemble::{self, Experiment};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn simulate(config_json: &str) -> Result<String, JsError> {
    let experiment = Experiment::from_json(config_json).map_err(|error| JsError::new(&error.0))?;
    let summary = ensemble::run(&experiment, |_| {});
    serde_json::to_string(&summary).map_err(|error| JsError::new(&error.to_string()))
}
