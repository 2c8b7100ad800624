//! Lecture-ready (issue #9), the pure part: the lecture's URL keys (`embed`, `lock`, `autoplay`,
//! `loop`, `round`, `tour`, `present`, `theme`), the whole page state written back as a query
//! (generic over `params::PARAMS` and `page_keys`), the timeline (scrub to any round played by
//! replaying the deterministic run), tours (JSON steps) and their reducer. Compiles natively so
//! the URL parser and the tours are tested without a browser (tests/lecture.rs).

use crate::engine::Mode;
use crate::engine::params::{self, PARAMS};
use crate::ui::state::{Lab, Run};
use crate::ui::url::{Setup, parse_query};
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

fn flag(key: &str, value: &str, notices: &mut Vec<String>) -> bool {
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

/// Reads one of the lecture's keys into `lecture`; false if `key` is not one of them.
pub fn parse_key(lecture: &mut Lecture, key: &str, value: &str, notices: &mut Vec<String>) -> bool {
    match key {
        "embed" => lecture.embed = flag(key, value, notices),
        "loop" => lecture.looping = flag(key, value, notices),
        "present" => lecture.present = flag(key, value, notices),
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
    let json: serde_json::Value = serde_json::from_str(json)
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

// The reducer's lecture actions.

/// What the lecture features do to the state (one `Action::Lecture` arm in state.rs).
#[derive(Clone, Debug, PartialEq)]
pub enum Cue {
    /// The timeline: show round R (replaying from round 0 if it was before the current one).
    Scrub(u32),
    /// `loop=1`: the run is over; the next seed plays.
    NextLoop,
    /// A tour was fetched (or failed to be).
    TourLoaded(Result<Rc<Tour>, String>),
    /// Show tour step `index` (its state, then its action).
    TourStep(usize),
    /// Close the tour.
    TourClose,
    Present(bool),
    Theme(&'static str),
    Help(bool),
}

/// A fresh run of `run`'s configuration played to `target` (or its end), with the nodes crashed
/// or recovered by clicks up to then, at the rounds they were clicked.
pub fn replay(run: &Run, target: u32) -> Run {
    let mut fresh = Run::with_comparison(run.simulation.config(), run.comparison.clone());
    loop {
        let round = fresh.simulation.round();
        for &(_, node, with_state) in run.clicks.iter().filter(|click| click.0 == round) {
            fresh.toggle_crash(node, with_state);
        }
        if round >= target || !fresh.step() {
            return fresh;
        }
    }
}

/// Plays the run forward to round `target` (or its end).
fn play_to(run: &mut Run, target: u32) {
    while run.simulation.round() < target && run.step() {}
}

impl Lab {
    /// The page's state as a `Setup`: what `to_query` writes (the round is the current one).
    // Fields other helpers add to `Setup` (views: view, modes, trials) start at their defaults
    // until a line here copies them from the `Lab`.
    #[allow(clippy::needless_update)]
    pub fn to_setup(&self) -> Setup {
        let mut lecture = self.lecture.clone();
        lecture.round = Some(self.run.borrow().simulation.round());
        Setup {
            config: self.config.clone(),
            speed: self.speed,
            autoplay: self.lecture.autoplay,
            perf: self.perf,
            log_rounds: self.log_rounds,
            lecture,
            ..Setup::default()
        }
    }

    /// Opens at `round=R` (a new page or a tour step).
    pub fn open_at(&mut self, round: u32) {
        play_to(&mut self.run.borrow_mut(), round);
        self.note_frontier();
        self.version += 1;
    }

    /// The timeline's end follows the furthest round played.
    pub fn note_frontier(&mut self) {
        let round = self.run.borrow().simulation.round();
        self.lecture.frontier = self.lecture.frontier.max(round);
    }

    /// Replaces the state with `setup` (a tour step), keeping the current run as a ghost.
    fn apply(&mut self, setup: Setup) {
        self.config = setup.config;
        self.speed = setup.speed;
        self.log_rounds = setup.log_rounds;
        self.playing = setup.autoplay;
        self.restart(true);
        self.open_at(setup.lecture.round.unwrap_or(0));
    }

    /// The lecture's actions; `notices` as the reducer's.
    pub fn cue(&mut self, cue: Cue, notices: &mut Vec<String>) {
        match cue {
            Cue::Scrub(target) => {
                self.playing = false;
                self.fast_forward = false;
                self.note_frontier();
                let target = target.min(self.lecture.frontier);
                let current = self.run.borrow().simulation.round();
                if target < current {
                    let fresh = replay(&self.run.borrow(), target);
                    self.run = Rc::new(std::cell::RefCell::new(fresh));
                } else {
                    play_to(&mut self.run.borrow_mut(), target);
                }
                self.version += 1;
            }
            Cue::NextLoop => {
                self.config.seed = self.config.seed.wrapping_add(1);
                self.restart(true);
                self.playing = true;
            }
            Cue::TourLoaded(Ok(tour)) => {
                self.lecture.guide = Some(tour);
                self.cue(Cue::TourStep(0), notices);
            }
            Cue::TourLoaded(Err(message)) => {
                notices.push(format!("The tour could not be loaded: {message}."));
            }
            Cue::TourStep(index) => {
                let Some(tour) = self.lecture.guide.clone() else {
                    return;
                };
                let Some(step) = tour.steps.get(index) else {
                    return;
                };
                self.lecture.step = index;
                let (setup, step_notices) = parse_query(&step.query);
                notices.extend(step_notices);
                self.apply(setup);
                let mut run = self.run.borrow_mut();
                match step.action {
                    Some(TourAction::RunTo(round)) => play_to(&mut run, round),
                    Some(TourAction::Highlight(node)) => self.selected = Some(node),
                    Some(TourAction::Crash(node)) if node < self.config.nodes => {
                        run.toggle_crash(node, true);
                        self.selected = Some(node);
                    }
                    _ => {}
                }
                drop(run);
                self.note_frontier();
                self.version += 1;
            }
            Cue::TourClose => self.lecture.guide = None,
            Cue::Present(on) => self.lecture.present = on,
            Cue::Theme(theme) => {
                self.lecture.theme = Some(theme);
                self.version += 1; // the stage redraws in the theme's colours
            }
            Cue::Help(on) => self.lecture.help = on,
        }
    }
}
