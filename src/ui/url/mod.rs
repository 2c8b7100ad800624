//! The automation contract: query parameters that set the initial state. Every invalid value
//! produces a specific notice and falls back to the default; nothing here can fail.

pub mod share;
pub mod view_keys;

use crate::engine::Config;
use crate::engine::params::{self, Domain, Param, Value};
use crate::ui::limits;
use crate::ui::state::keep_consistent;

/// What the page starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    pub config: Config,
    pub speed: f64,
    pub autoplay: bool,
    pub perf: bool,
    /// The charts' rounds axis on a log scale.
    pub log_rounds: bool,
    /// lecture: embed, lock, loop, round, tour, present, theme (share.rs).
    pub lecture: crate::ui::url::share::Lecture,
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
            log_rounds: false,
            lecture: Default::default(),
        }
    }
}

/// Reads `?n=..&b=..&loss=..&crash=..&mode=..&seed=..&transport=..&timeout=..&repair=..` (the
/// engine's parameters, by their URL keys in `params::PARAMS`) and the page's own keys
/// `speed`, `autoplay`, `perf` and `log`.
pub fn parse_query(query: &str) -> (Setup, Vec<String>) {
    let mut setup = Setup::default();
    let mut notices = Vec::new();
    let query = crate::ui::url::share::bounded(query, &mut notices); // lecture
    // The views' keys, read here to know which protocols the URL's parameters are for.
    let mut views = crate::ui::url::view_keys::ViewSetup::default();
    let mut given: Vec<(&str, &'static Param)> = Vec::new();
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
        if let Some(param) = params::find_by_url(key) {
            let config = &mut setup.config;
            match page_value(param, &value) {
                Ok(parsed) => {
                    (param.set)(config, parsed);
                    given.push((key, param));
                }
                Err(expected) => reject(&expected, shown((param.get)(config))),
            }
            continue;
        }
        match key {
            "speed" => set_in_range(
                &mut setup.speed,
                &value,
                limits::SPEED,
                "a speed in rounds per second",
                &mut reject,
            ),
            "autoplay" => setup.autoplay = flag(&value, "autoplay", &mut notices),
            "perf" => setup.perf = flag(&value, "perf", &mut notices),
            "log" => setup.log_rounds = flag(&value, "log", &mut notices),
            // views (#8): view, modes, trials are the views' own; checked here for the notices.
            key if crate::ui::url::view_keys::is_url_key(key) => {
                crate::ui::url::view_keys::read_key(&mut views, key, &value, &mut notices)
            }
            // lecture: embed, lock, loop, round, tour, present, theme.
            key if crate::ui::url::share::parse_key(
                &mut setup.lecture,
                key,
                &value,
                &mut notices,
            ) => {}
            _ => notices.push(format!("URL parameter {key:?} is unknown and was ignored.")),
        }
    }
    ignore_inapplicable(&mut setup.config, &views, &given, &mut notices);
    keep_consistent(&mut setup.config, &mut notices);
    (setup, notices)
}

/// A parameter the URL sets that none of the page's protocols takes is ignored with a notice
/// naming the protocols it applies to. The run and experiment views run the chosen protocol; the
/// compare and scaling views run several, and a parameter any of them takes is kept.
fn ignore_inapplicable(
    config: &mut Config,
    views: &crate::ui::url::view_keys::ViewSetup,
    given: &[(&str, &'static Param)],
    notices: &mut Vec<String>,
) {
    let modes = views.protocols(config.mode);
    let default = Setup::default().config;
    for (index, &(key, param)) in given.iter().enumerate() {
        let repeated = given[..index]
            .iter()
            .any(|(_, earlier)| earlier.key == param.key);
        if repeated || modes.iter().any(|&mode| param.applies_to(mode)) {
            continue;
        }
        let message = match modes[..] {
            [mode] => param.inapplicable(mode),
            _ => format!(
                "{} does not apply to {}: it applies to {}",
                param.key,
                modes
                    .iter()
                    .map(|mode| mode.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                param.protocols_text()
            ),
        };
        notices.push(format!("URL parameter {key}: {message}; it was ignored."));
        (param.set)(config, (param.get)(&default));
    }
}

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

/// A value as a URL would spell it.
fn shown(value: Value) -> String {
    value.text()
}

/// Sets `target` from `text` if it parses and lies in `range`; otherwise `reject` says what was
/// expected ("<what> from <low> to <high>") and the current value stays.
fn set_in_range<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    target: &mut T,
    text: &str,
    (low, high): (T, T),
    what: &str,
    reject: &mut impl FnMut(&str, String),
) {
    match text.parse::<T>() {
        Ok(value) if low <= value && value <= high => *target = value,
        _ => reject(&format!("{what} from {low} to {high}"), target.to_string()),
    }
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
