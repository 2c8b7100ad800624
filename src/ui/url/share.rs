//! Sharing the page: its whole state written back as a query (generic over `params::PARAMS` and
//! `page_keys`), and tours (JSON steps, each a query) checked as they load. Compiles natively so
//! the links and the tours are tested without a browser (tests/lecture.rs).

use super::lecture_keys::{MAX_ROUND, Tour, TourAction, TourStep};
use super::{Setup, parse_query};
use crate::engine::Mode;
use crate::engine::params::PARAMS;

/// The page's own keys with their values when not the default, in URL order. A new page key
/// plugs in here with one line (and one in `url::parse_query`).
pub fn page_keys(setup: &Setup) -> Vec<(&'static str, String)> {
    let default = Setup::default();
    let lecture = &setup.lecture;
    let on = |flag: bool| flag.then(|| "1".to_string());
    let keys = [
        (
            "speed",
            (setup.speed != default.speed).then(|| setup.speed.to_string()),
        ),
        ("log", on(setup.log_rounds)),
        ("perf", on(setup.perf)),
        (
            "round",
            lecture
                .round
                .filter(|&round| round > 0)
                .map(|round| round.to_string()),
        ),
        ("autoplay", on(setup.autoplay)),
        ("loop", on(lecture.looping)),
        (
            "lock",
            (!lecture.lock.is_empty()).then(|| lecture.lock.join(",")),
        ),
        ("embed", on(lecture.embed)),
        ("present", on(lecture.present)),
        ("theme", lecture.theme.map(str::to_string)),
        ("tour", lecture.tour.clone()),
    ];
    keys.into_iter()
        .filter_map(|(key, value)| value.map(|value| (key, value)))
        .collect()
}

/// Parameters always written, even at their defaults: a link names its protocol, size and seed.
const ALWAYS: &[&str] = &["mode", "nodes", "fanout", "seed"];

/// The whole state as a query (`?mode=push&n=200&...`) for the run view: every parameter of the
/// chosen protocol that differs from the page's default (and the protocol, N, b and seed
/// always), then the page's keys. `parse_query(&to_query(setup))` gives `setup` back.
pub fn to_query(setup: &Setup) -> String {
    to_query_for(setup, &[setup.config.mode])
}

/// `to_query` for a view that runs `protocols`: the parameters any of them takes.
pub fn to_query_for(setup: &Setup, protocols: &[Mode]) -> String {
    let default = Setup::default().config;
    let mut pairs: Vec<(&str, String)> = PARAMS
        .iter()
        .copied()
        .filter(|param| protocols.iter().any(|&mode| param.applies_to(mode)))
        .filter_map(|param| {
            let key = param.url?;
            let value = (param.get)(&setup.config).text();
            let write = ALWAYS.contains(&param.key) || value != (param.get)(&default).text();
            write.then_some((key, value))
        })
        .collect();
    pairs.extend(page_keys(setup));
    let mut query = String::from("?");
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            query.push('&');
        }
        query.push_str(key);
        query.push('=');
        encode(value, &mut query);
    }
    query
}

/// Percent-encodes what a query value cannot hold as typed.
fn encode(value: &str, out: &mut String) {
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b':'
            | b','
            | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

/// The most steps a tour may have.
const MAX_STEPS: usize = 200;

/// An object's fields, refusing any not in `known` (a typo must not pass silently).
fn fields<'a>(
    json: &'a serde_json::Value,
    what: &str,
    known: &[&str],
) -> Result<&'a serde_json::Map<String, serde_json::Value>, String> {
    let object = json
        .as_object()
        .ok_or_else(|| format!("{what} is not a JSON object"))?;
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(format!(
            "{what} has an unknown field {key:?} (known: {})",
            known.join(", ")
        )),
        None => Ok(object),
    }
}

fn text(
    object: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    what: &str,
) -> Result<String, String> {
    object
        .get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("{what} needs a text field {key:?}"))
}

/// Parses and checks a tour: every step's query must parse without a notice, every action name
/// a node of that step's network and a round at most `MAX_ROUND`.
pub fn parse_tour(json: &str) -> Result<Tour, String> {
    let json = crate::engine::json::parse(json)
        .map_err(|error| format!("the tour is not valid JSON: {error}"))?;
    let object = fields(&json, "the tour", &["title", "steps"])?;
    let title = text(object, "title", "the tour")?;
    let steps = object
        .get("steps")
        .and_then(serde_json::Value::as_array)
        .ok_or("the tour needs a list \"steps\"")?;
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(format!(
            "a tour has 1 to {MAX_STEPS} steps, this one {}",
            steps.len()
        ));
    }
    let mut tour = Tour {
        title,
        steps: Vec::new(),
    };
    for (index, step) in steps.iter().enumerate() {
        let what = format!("step {}", index + 1);
        let step = fields(step, &what, &["query", "caption", "action"])?;
        let query = text(step, "query", &what)?;
        let (setup, notices) = parse_query(&query);
        if let Some(notice) = notices.first() {
            return Err(format!("{what}'s query: {notice}"));
        }
        let action = match step.get("action") {
            None | Some(serde_json::Value::Null) => None,
            Some(action) => {
                let action = fields(
                    action,
                    &format!("{what}'s action"),
                    &["run_to", "highlight", "crash"],
                )?;
                let (name, value) = action
                    .iter()
                    .next()
                    .filter(|_| action.len() == 1)
                    .ok_or_else(|| {
                        format!("{what}'s action needs exactly one of run_to, highlight, crash")
                    })?;
                let number = value
                    .as_u64()
                    .and_then(|number| u32::try_from(number).ok())
                    .ok_or_else(|| format!("{what}'s {name} needs a whole number"))?;
                let nodes = setup.config.nodes;
                match name.as_str() {
                    "run_to" if number <= MAX_ROUND => Some(TourAction::RunTo(number)),
                    "run_to" => {
                        return Err(format!(
                            "{what} runs to round {number}, more than {MAX_ROUND}"
                        ));
                    }
                    _ if number >= nodes => {
                        return Err(format!(
                            "{what} names node {number}, but its network has {nodes} nodes"
                        ));
                    }
                    "highlight" => Some(TourAction::Highlight(number)),
                    _ => Some(TourAction::Crash(number)),
                }
            }
        };
        tour.steps.push(TourStep {
            query,
            caption: text(step, "caption", &what)?,
            action,
        });
    }
    Ok(tour)
}
