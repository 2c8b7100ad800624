//! The automation contract: query parameters that set the initial state. Every invalid value
//! produces a specific notice and falls back to the default; nothing here can fail.

use super::limits;
use crate::engine::{Config, Mode};

/// What the page starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    pub config: Config,
    pub speed: f64,
    pub autoplay: bool,
    pub perf: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            config: Config {
                nodes: 200,
                fanout: 1,
                seed: 1,
                ..Config::default()
            },
            speed: 2.0,
            autoplay: false,
            perf: false,
        }
    }
}

/// Reads `?n=..&b=..&loss=..&crash=..&mode=..&seed=..&speed=..&autoplay=1&perf=1`.
pub fn parse_query(query: &str) -> (Setup, Vec<String>) {
    let mut setup = Setup::default();
    let mut notices = Vec::new();
    for pair in query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(raw);
        let mut reject = |expected: &str, fallback: String| {
            notices.push(format!(
                "URL parameter {key}={value:?} is not {expected}; using {fallback}."
            ));
        };
        match key {
            "n" => match value.parse::<u32>() {
                Ok(nodes) if (limits::NODES.0..=limits::NODES.1).contains(&nodes) => {
                    setup.config.nodes = nodes
                }
                _ => reject(
                    &format!(
                        "a whole number from {} to {}",
                        limits::NODES.0,
                        limits::NODES.1
                    ),
                    setup.config.nodes.to_string(),
                ),
            },
            "b" => match value.parse::<u32>() {
                Ok(fanout) if (limits::FANOUT.0..=limits::FANOUT.1).contains(&fanout) => {
                    setup.config.fanout = fanout
                }
                _ => reject(
                    &format!(
                        "a whole number from {} to {}",
                        limits::FANOUT.0,
                        limits::FANOUT.1
                    ),
                    setup.config.fanout.to_string(),
                ),
            },
            "loss" => match value.parse::<f64>() {
                Ok(loss) if (limits::LOSS.0..=limits::LOSS.1).contains(&loss) => {
                    setup.config.loss = loss
                }
                _ => reject("a probability from 0 to 1", setup.config.loss.to_string()),
            },
            "crash" => match value.parse::<f64>() {
                Ok(crash) if (limits::CRASH.0..=limits::CRASH.1).contains(&crash) => {
                    setup.config.crash = crash
                }
                _ => reject("a fraction from 0 to 0.99", setup.config.crash.to_string()),
            },
            "mode" => match value.parse::<Mode>() {
                Ok(mode) => setup.config.mode = mode,
                Err(_) => reject("push, pull or push-pull", setup.config.mode.to_string()),
            },
            "seed" => match value.parse::<u64>() {
                Ok(seed) => setup.config.seed = seed,
                Err(_) => reject(
                    "a whole number from 0 to 18446744073709551615",
                    setup.config.seed.to_string(),
                ),
            },
            "speed" => match value.parse::<f64>() {
                Ok(speed) if (limits::SPEED.0..=limits::SPEED.1).contains(&speed) => {
                    setup.speed = speed
                }
                _ => reject(
                    &format!(
                        "a speed from {} to {} rounds per second",
                        limits::SPEED.0,
                        limits::SPEED.1
                    ),
                    setup.speed.to_string(),
                ),
            },
            "autoplay" => setup.autoplay = flag(&value, "autoplay", &mut notices),
            "perf" => setup.perf = flag(&value, "perf", &mut notices),
            _ => notices.push(format!("URL parameter {key:?} is unknown and was ignored.")),
        }
    }
    (setup, notices)
}

fn flag(value: &str, key: &str, notices: &mut Vec<String>) -> bool {
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
fn decode(raw: &str) -> String {
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
