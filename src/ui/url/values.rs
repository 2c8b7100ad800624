//! How the page's URL spells a value: percent-decoding, 1/0 flags, and a parameter's value
//! within the page's range. The page's, the views' and the lecture's key readers all use these.

use crate::engine::params::{Domain, Param, Value};
use crate::ui::limits;

/// A URL value for `param`, within the page's range (the page takes fewer nodes than the engine);
/// on failure, what was expected, in words.
pub(crate) fn page_value(param: &Param, text: &str) -> Result<Value, String> {
    let page_max = (param.key == "nodes").then_some(u64::from(limits::NODES.1));
    let expected = match (param.domain, page_max) {
        (Domain::Whole { min, .. }, Some(max)) => format!("a whole number from {min} to {max}"),
        _ => param.expected(),
    };
    match param.parse(text) {
        Ok(Value::Whole(value)) if page_max.is_some_and(|max| value > max) => Err(expected),
        Ok(value) => Ok(value),
        // Failures and delays: the structured values' messages say what is wrong.
        Err(message)
            if matches!(
                param.domain,
                Domain::Delay
                    | Domain::Burst
                    | Domain::Schedule
                    | Domain::Drops
                    | Domain::Partitions
            ) =>
        {
            Err(format!("valid: {message}"))
        }
        Err(_) => Err(expected),
    }
}

pub(crate) fn flag(value: &str, key: &str, notices: &mut Vec<String>) -> bool {
    match value {
        "1" | "true" | "" => true,
        "0" | "false" => false,
        _ => {
            notices.push(format!(
                "URL parameter {key}={value:?} is not 1 or 0; using 0."
            ));
            false
        }
    }
}

/// Percent-decoding of a query value ('+' is a space); malformed escapes are kept as typed.
pub(crate) fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok());
        match (byte, hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                index += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                index += 1;
            }
            _ => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
