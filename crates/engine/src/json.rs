//! JSON text of a `serde_json::Value`, written here rather than by `serde_json`'s serializer:
//! its float formatter carries tables that cost the page's wasm several KB gzipped, while Rust's
//! own `Display` for f64 (already in the page) is also the shortest text that reads back as the
//! same number. The page's JSON (the config it hands its workers, its exports) and the engine's
//! messages that quote a JSON value use it; the CLI's and `simulate()`'s summaries still go
//! through serde_json.

use serde_json::Value;
use std::fmt::Write;

/// Parses JSON text into a `Value`: the one place the page's wasm compiles serde_json's `Value`
/// reader (the engine's traces and the page's tours both call it; a generic call in each crate
/// would compile it twice).
#[inline(never)]
pub fn parse(text: &str) -> serde_json::Result<Value> {
    serde_json::from_str(text)
}

pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => match (number.as_u64(), number.as_i64(), number.as_f64()) {
            (Some(whole), _, _) => write!(out, "{whole}").unwrap_or(()),
            (_, Some(whole), _) => write!(out, "{whole}").unwrap_or(()),
            // Display of a finite f64 is the shortest decimal digits that read back as it (a
            // Value never holds NaN or infinity); ".0" keeps it a float, as serde_json does.
            // Very large or small magnitudes in exponent form (also shortest digits).
            (_, _, Some(real)) if real != 0.0 && !(1e-5..1e16).contains(&real.abs()) => {
                write!(out, "{real:e}").unwrap_or(())
            }
            (_, _, Some(real)) => {
                let start = out.len();
                write!(out, "{real}").unwrap_or(());
                if !out[start..].contains('.') {
                    out.push_str(".0");
                }
            }
            _ => out.push_str("null"),
        },
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(object) => {
            out.push('{');
            for (index, (key, item)) in object.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                write!(out, "\\u{:04x}", u32::from(control)).unwrap_or(())
            }
            other => out.push(other),
        }
    }
    out.push('"');
}
