//! The automation contract: query parameters that set the initial state. Every invalid value
//! produces a specific notice and falls back to the default; nothing here can fail.
//!
//! The page's keys are read here; the views' (`view_keys`) and the lecture's (`lecture_keys`)
//! are read by their own modules, over the value readers in `values`; `checks` holds what any
//! configuration must satisfy; `share` writes the state back and checks tours (it reads links
//! with `parse_query`, so it sits above this module, which never calls it).

pub mod checks;
pub mod lecture_keys;
pub mod share;
pub mod values;
pub mod view_keys;

use crate::engine::Config;
use crate::engine::params::{self, Param, Value};
use crate::ui::limits;
use checks::keep_consistent;
use values::{decode, flag, page_value};

/// What the page starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    pub config: Config,
    pub speed: f64,
    pub autoplay: bool,
    pub perf: bool,
    /// The charts' rounds axis on a log scale.
    pub log_rounds: bool,
    /// The lecture's keys: embed, lock, loop, round, tour, present, theme.
    pub lecture: lecture_keys::Lecture,
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
    let query = lecture_keys::bounded(query, &mut notices);
    // The views' keys, read here to know which protocols the URL's parameters are for.
    let mut views = view_keys::ViewSetup::default();
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
            // views: view, modes, trials are the views' own; checked here for the notices.
            key if view_keys::is_url_key(key) => {
                view_keys::read_key(&mut views, key, &value, &mut notices)
            }
            // lecture: embed, lock, loop, round, tour, present, theme.
            key if lecture_keys::parse_key(&mut setup.lecture, key, &value, &mut notices) => {}
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
    views: &view_keys::ViewSetup,
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
