//! The engine for JavaScript: `simulate(config_json) -> summary_json`, the same summary as
//! `gossip-sim --format json`. Bad input throws an Error with the same message the CLI prints.
//!
//! Web Workers split an experiment: each calls `run_trials(config_json, first, count, sweep)` for
//! its chunk and posts the numbers back; the page concatenates the chunks in trial order and calls
//! `summarize(config_json, records)`, which gives `simulate`'s summary to the last digit.
//!
//! `simulate` and `summarize` (JSON out) are built for Node only (`--features node`, see
//! scripts/build-node.sh): the page summarises in Rust, and leaving them out keeps serde_json's
//! float formatter and its tables out of the page's wasm.

#[cfg(feature = "node")]
use crate::engine::ensemble::TrialRecord;
use crate::engine::ensemble::{self, Experiment};
use crate::engine::sweep;
use wasm_bindgen::prelude::*;

fn experiment(config_json: &str) -> Result<Experiment, JsError> {
    Experiment::from_json(config_json).map_err(|error| JsError::new(&error.0))
}

#[cfg(feature = "node")]
fn to_json(summary: &ensemble::Summary) -> Result<String, JsError> {
    serde_json::to_string(summary).map_err(|error| JsError::new(&error.to_string()))
}

#[cfg(feature = "node")]
#[wasm_bindgen]
pub fn simulate(config_json: &str) -> Result<String, JsError> {
    let experiment = experiment(config_json)?;
    to_json(&ensemble::run(&experiment, |_| {}))
}

/// Trials `first..first + count` of the configuration (its `trials` key is ignored), as
/// `TrialRecord::encode`'s numbers (a Float64Array in JavaScript), in trial order; `sweep`: as a
/// scaling sweep's point (`sweep::run_trials`: plain gossip counted, as `gossip-sim sweep`).
#[wasm_bindgen]
pub fn run_trials(
    config_json: &str,
    first: u32,
    count: u32,
    sweep: bool,
) -> Result<Vec<f64>, JsError> {
    let experiment = experiment(config_json)?;
    let records = if sweep {
        sweep::run_trials(&experiment.config, first, count)
    } else {
        ensemble::run_trials(&experiment.config, first, count)
    };
    let mut numbers = Vec::new();
    for record in records {
        record.encode(&mut numbers);
    }
    Ok(numbers)
}

/// The summary (JSON, as `simulate`'s) of every trial's records, concatenated in trial order.
#[cfg(feature = "node")]
#[wasm_bindgen]
pub fn summarize(config_json: &str, records: &[f64]) -> Result<String, JsError> {
    let experiment = experiment(config_json)?;
    let records = TrialRecord::decode(records)
        .filter(|records| records.len() == experiment.trials as usize)
        .ok_or_else(|| JsError::new("summarize: the records are not the experiment's trials"))?;
    to_json(&ensemble::summarize(&experiment, &records))
}
