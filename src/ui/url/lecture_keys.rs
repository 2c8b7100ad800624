//! The lecture's URL keys (`embed`, `lock`, `loop`, `round`, `tour`, `present`, `theme`), read
//! into `Lecture` with a notice for each bad value, and the tour a lecture carries.

use super::values::flag;
use crate::engine::params;
use std::rc::Rc;

/// The highest `round=` a URL may ask for (a run that long is replayed on opening).
pub const MAX_ROUND: u32 = 100_000;
/// Longer queries are cut here, with a notice (an absurd URL must not hold the page).
pub const MAX_QUERY: usize = 8_192;
/// The most names `lock=` takes.
const MAX_LOCKS: usize = 64;
/// The page's own keys a lecturer may lock besides the parameters.
pub const LOCKABLE_PAGE_KEYS: &[&str] = &["speed", "log"];

/// The lecture's state: what the URL set, and what the page adds while it runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lecture {
    /// `embed=1`: the compact layout for an iframe.
    pub embed: bool,
    /// `lock=`: URL keys whose controls are disabled ("fixed by the lecturer").
    pub lock: Vec<String>,
    /// `loop=1`: after each completion, the next seed (seed + 1) plays.
    pub looping: bool,
    /// `round=R`: the round to open at (written back as the current round).
    pub round: Option<u32>,
    /// `tour=NAME` or a same-origin URL.
    pub tour: Option<String>,
    /// `present=1`: large type, thick lines, high contrast.
    pub present: bool,
    /// `theme=light|dark`; none follows the system.
    pub theme: Option<&'static str>,
    /// `autoplay=1` as opened (kept in links and the embed snippet).
    pub autoplay: bool,
    /// The furthest round played in this run: the timeline's end.
    pub frontier: u32,
    /// The loaded tour and the step shown.
    pub guide: Option<Rc<Tour>>,
    pub step: usize,
    /// The `?` overlay listing the keys.
    pub help: bool,
}

/// Cuts an absurdly long query, saying so.
pub fn bounded<'a>(query: &'a str, notices: &mut Vec<String>) -> &'a str {
    if query.len() <= MAX_QUERY {
        return query;
    }
    notices.push(format!(
        "The URL's query is {} characters long; only the first {MAX_QUERY} were read.",
        query.len()
    ));
    let mut end = MAX_QUERY;
    while !query.is_char_boundary(end) {
        end -= 1;
    }
    &query[..end]
}

/// Reads one of the lecture's keys into `lecture`; false if `key` is not one of them.
pub fn parse_key(lecture: &mut Lecture, key: &str, value: &str, notices: &mut Vec<String>) -> bool {
    match key {
        "embed" => lecture.embed = flag(value, key, notices),
        "loop" => lecture.looping = flag(value, key, notices),
        "present" => lecture.present = flag(value, key, notices),
        "round" => match value.parse::<u32>() {
            // Round 0 is where every run opens: the same as no key (and written back as none).
            Ok(round) if round <= MAX_ROUND => lecture.round = Some(round).filter(|&r| r > 0),
            _ => notices.push(format!(
                "URL parameter round={value:?} is not a whole number from 0 to {MAX_ROUND}; opening at round 0."
            )),
        },
        "theme" => match value {
            "light" => lecture.theme = Some("light"),
            "dark" => lecture.theme = Some("dark"),
            _ => notices.push(format!(
                "URL parameter theme={value:?} is not light or dark; following the system."
            )),
        },
        "tour" => {
            if tour_source(value).is_some() {
                lecture.tour = Some(value.to_string());
            } else {
                notices.push(format!(
                    "URL parameter tour={value:?} is neither a tour name (letters, digits, - and _) nor a same-origin path ending in .json; no tour."
                ));
            }
        }
        "lock" => {
            lecture.lock.clear();
            for name in value.split(',').map(str::trim).filter(|name| !name.is_empty()) {
                if lecture.lock.len() == MAX_LOCKS {
                    notices.push(format!("lock= takes at most {MAX_LOCKS} names; the rest were ignored."));
                    break;
                }
                match lockable(name) {
                    Some(known) if !lecture.lock.iter().any(|locked| locked == known) => {
                        lecture.lock.push(known.to_string())
                    }
                    Some(_) => {}
                    None => notices.push(format!(
                        "lock: {name:?} is not a parameter's URL key; it was not locked."
                    )),
                }
            }
        }
        _ => return false,
    }
    true
}

/// A lockable name as the page writes it (`ack-period` and `ack_period` are one parameter).
fn lockable(name: &str) -> Option<&'static str> {
    params::find_by_url(name)
        .and_then(|param| param.url)
        .or_else(|| LOCKABLE_PAGE_KEYS.iter().copied().find(|&key| key == name))
}

/// Where a tour is fetched from: `tours/NAME.json` for a name, or the same-origin path as given.
/// None if the value is neither (no scheme, no `//` host, no markup).
pub fn tour_source(value: &str) -> Option<String> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !value.is_empty() && value.len() <= 64 && value.chars().all(name_char) {
        return Some(format!("tours/{value}.json"));
    }
    let path_char = |c: char| name_char(c) || c == '/' || c == '.';
    let same_origin = value.len() <= 256
        && value.chars().all(path_char)
        && !value.starts_with("//")
        && value.ends_with(".json");
    same_origin.then(|| value.to_string())
}

// Tours.

/// A guided tour: a title and its steps (static/tours/*.json).
#[derive(Clone, Debug, PartialEq)]
pub struct Tour {
    pub title: String,
    pub steps: Vec<TourStep>,
}

/// One step: the page state as a URL query, a caption, and an optional action played after the
/// state is set.
#[derive(Clone, Debug, PartialEq)]
pub struct TourStep {
    pub query: String,
    pub caption: String,
    pub action: Option<TourAction>,
}

/// `{"run_to": R}`, `{"highlight": NODE}` or `{"crash": NODE}`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TourAction {
    RunTo(u32),
    Highlight(u32),
    Crash(u32),
}
