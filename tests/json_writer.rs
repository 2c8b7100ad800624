//! The engine's JSON writer (crates/engine/src/json.rs) against serde_json: the same value reads back, for
//! every mode's configuration echo and for awkward numbers and strings.

use gossip_lab::engine::json;
use gossip_lab::engine::{Config, Mode};
use serde_json::{Value, json};

fn reads_back(value: &Value) {
    let text = json::to_string(value);
    let back: Value = serde_json::from_str(&text).expect("the writer's output is JSON");
    assert_eq!(&back, value, "{text}");
}

#[test]
fn every_modes_configuration_reads_back_unchanged() {
    for mode in Mode::ALL {
        let config = Config {
            mode,
            nodes: 300,
            ..Config::default()
        };
        reads_back(&Value::Object(config.echo()));
    }
}

#[test]
fn numbers_and_strings_read_back_exactly() {
    reads_back(&json!({
        "tiny": 1e-300, "third": 1.0 / 3.0, "big": 1.7976931348623157e308, "negative": -0.125,
        "whole": 18446744073709551615u64, "minus": -9007199254740993i64, "zero": 0.0,
        "text": "quote \" backslash \\ newline \n tab \t bell \u{7} é ✓",
        "list": [null, true, false, [], {}],
    }));
}
