//! The URL keys of the Compare / Experiment / Scaling / Spacetime views (`view`, `modes`,
//! `trials`, ...), plain Rust so that the URL parser (which compiles natively) can check them.
//!
//! A compare panel may override shared parameters after its protocol name, each as `:key=value`
//! with the run's URL keys: `modes=push,push:loss=0.2,pull:n=1000:seed=7`.

use super::values::{decode, page_value};
use crate::engine::Mode;
use crate::engine::params::{self, Domain, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Run,
    Compare,
    Experiment,
    Scaling,
    /// The space-time diagram of one run or of a loaded trace.
    Spacetime,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Run,
        View::Compare,
        View::Experiment,
        View::Scaling,
        View::Spacetime,
    ];

    pub fn name(self) -> &'static str {
        self.names().0
    }

    /// The URL name and the tab's label.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            View::Run => ("run", "Run"),
            View::Compare => ("compare", "Compare"),
            View::Experiment => ("experiment", "Experiment"),
            View::Scaling => ("scaling", "Scaling"),
            View::Spacetime => ("spacetime", "Space-time"),
        }
    }
}

/// Trials per experiment (and per scaling point) the page runs.
pub const TRIALS: (u32, u32) = (1, 10_000);
/// The protocols a view compares until told otherwise: the gossip protocols, in the registry's
/// order.
pub fn default_modes() -> impl Iterator<Item = Mode> {
    Mode::of_group(crate::engine::config::Group::Gossip)
}

/// The shared parameters a compare panel may override, by their engine keys.
pub const OVERRIDABLE: [&str; 5] = ["nodes", "fanout", "loss", "crash", "seed"];

/// A compare panel (or a scaling curve): its protocol and its own values of shared parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    pub mode: Mode,
    /// (engine key from `OVERRIDABLE`, value), in `OVERRIDABLE`'s order, each key at most once.
    pub overrides: Vec<(&'static str, Value)>,
}

impl Pick {
    pub fn new(mode: Mode) -> Pick {
        Pick {
            mode,
            overrides: Vec::new(),
        }
    }

    /// The panel's own value of `key`, if it overrides it.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.overrides
            .iter()
            .find(|(own, _)| *own == key)
            .map(|&(_, value)| value)
    }

    /// Overrides `key` (Some) or shares it again (None).
    pub fn set(&mut self, key: &'static str, value: Option<Value>) {
        self.overrides.retain(|(own, _)| *own != key);
        // Kept in the order of OVERRIDABLE: each new value goes in at its place (a sort here
        // would compile the standard library's stable sort once more, for a handful of entries).
        let rank = |own: &str| {
            OVERRIDABLE
                .iter()
                .position(|&overridable| overridable == own)
        };
        if let Some(value) = value {
            let at = self
                .overrides
                .partition_point(|&(own, _)| rank(own) <= rank(key));
            self.overrides.insert(at, (key, value));
        }
    }

    /// The shared configuration with the protocol and the overrides applied, without the
    /// parameters other panels' protocols take and this one does not.
    pub fn apply(&self, shared: &crate::engine::Config) -> crate::engine::Config {
        let mut config = crate::engine::Config {
            mode: self.mode,
            ..shared.clone()
        };
        for &(key, value) in &self.overrides {
            if let Some(param) = params::find(key) {
                (param.set)(&mut config, value);
            }
        }
        config.without_inapplicable()
    }

    /// As the URL writes it: `push:loss=0.2:seed=7`.
    pub fn url(&self) -> String {
        let mut text = self.mode.name().to_string();
        for &(key, value) in &self.overrides {
            let url_key = params::find(key).and_then(|param| param.url).unwrap_or(key);
            text.push_str(&format!(":{url_key}={}", value.text()));
        }
        text
    }

    /// The overrides as the page says them: `loss 20%, seed 7` (empty without any).
    pub fn own_text(&self) -> String {
        let own: Vec<String> = self
            .overrides
            .iter()
            .map(|&(key, value)| format!("{} {}", short_label(key), shown(key, value)))
            .collect();
        own.join(", ")
    }

    /// As a legend or a table shows it: `push (loss 20%, seed 7)`.
    pub fn label(&self) -> String {
        match self.own_text() {
            own if own.is_empty() => self.mode.name().into(),
            own => format!("{} ({own})", self.mode.name()),
        }
    }
}

/// The short name of an overridable parameter in labels: N, b, loss, crashed, seed.
pub fn short_label(key: &str) -> &'static str {
    match key {
        "nodes" => "N",
        "fanout" => "b",
        "loss" => "loss",
        "crash" => "crashed",
        _ => "seed",
    }
}

/// Whether the page shows and takes `key` in percent (loss and crashes, as the sliders do).
pub fn in_percent(key: &str) -> bool {
    matches!(key, "loss" | "crash")
}

/// A value as the page shows it (percent for loss and crashes).
pub fn shown(key: &str, value: Value) -> String {
    match value {
        Value::Real(fraction) if in_percent(key) => {
            let percent = format!("{:.4}", fraction * 100.0);
            format!("{}%", percent.trim_end_matches('0').trim_end_matches('.'))
        }
        value => value.text(),
    }
}

/// A panel's typed value of `key` (percent for loss and crashes), checked against the page's
/// range; on failure, the message to show.
pub fn parse_own(key: &'static str, text: &str) -> Result<Value, String> {
    let param = params::find(key).expect("an overridable key is a parameter");
    let text = text.trim();
    let value = if in_percent(key) {
        let Domain::Real { min, max } = param.domain else {
            unreachable!("loss and crash are real")
        };
        match text.trim_end_matches('%').trim().parse::<f64>() {
            Ok(percent) if (min * 100.0..=max * 100.0).contains(&percent) => {
                // Shifting the decimal point in the text keeps 0.7 % as 0.007 (0.7 / 100 is 0.006999...).
                Ok(Value::Real(
                    format!("{percent}e-2").parse().unwrap_or(percent / 100.0),
                ))
            }
            _ => Err(format!(
                "a number from {} to {} (%)",
                min * 100.0,
                max * 100.0
            )),
        }
    } else {
        page_value(param, text)
    };
    value.map_err(|expected| format!("{} {text:?} is not {expected}", short_label(key)))
}

/// The views' part of the URL.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewSetup {
    pub view: View,
    /// 2 to 4 protocols: the compare panels (with their overrides), the scaling view's curves.
    pub picks: Vec<Pick>,
    pub trials: u32,
    /// `trace=`: a same-origin trace the space-time view loads.
    pub trace: Option<String>,
}

impl ViewSetup {
    /// The protocols, each once, in the panels' order (Scaling draws one curve per protocol).
    pub fn modes(&self) -> Vec<Mode> {
        let mut modes = Vec::new();
        for pick in &self.picks {
            if !modes.contains(&pick.mode) {
                modes.push(pick.mode);
            }
        }
        modes
    }

    /// The protocols the view runs: the compared ones, or `chosen` (the run and experiment views).
    pub fn protocols(&self, chosen: Mode) -> Vec<Mode> {
        match self.view {
            View::Compare | View::Scaling => self.modes(),
            View::Run | View::Experiment | View::Spacetime => vec![chosen],
        }
    }

    /// The `modes` key's value: `push,pull:loss=0.2`.
    pub fn modes_url(&self) -> String {
        let picks: Vec<String> = self.picks.iter().map(Pick::url).collect();
        picks.join(",")
    }
}

impl Default for ViewSetup {
    fn default() -> Self {
        ViewSetup {
            view: View::Run,
            picks: default_modes().map(Pick::new).collect(),
            trials: 100,
            trace: None,
        }
    }
}

/// One `modes` entry: a protocol name, then `:key=value` overrides (the run's URL keys for N,
/// fanout, loss, crashes and the seed). A bad override is dropped with a notice.
fn read_pick(entry: &str, panel: usize, notices: &mut Vec<String>) -> Option<Pick> {
    let mut parts = entry.split(':');
    let mut pick = Pick::new(Mode::from_name(parts.next()?)?);
    for part in parts {
        let (url_key, text) = part.split_once('=').unwrap_or((part, ""));
        let param = OVERRIDABLE
            .into_iter()
            .filter_map(params::find)
            .find(|param| param.url == Some(url_key));
        let Some(param) = param else {
            notices.push(format!(
                "URL parameter modes: panel {panel}'s override {url_key:?} is not one of n, b, loss, crash, seed; it was ignored."
            ));
            continue;
        };
        match page_value(param, text) {
            Ok(value) => pick.set(param.key, Some(value)),
            Err(expected) => notices.push(format!(
                "URL parameter modes: panel {panel}'s {url_key}={text:?} is not {expected}; the panel shares {url_key}."
            )),
        }
    }
    Some(pick)
}

/// Whether the URL parser should hand `key` to `read_key`.
pub fn is_url_key(key: &str) -> bool {
    matches!(key, "view" | "modes" | "trials" | "trace")
}

/// Reads one of the views' URL keys into `setup`; a bad value keeps the default and says why.
pub fn read_key(setup: &mut ViewSetup, key: &str, value: &str, notices: &mut Vec<String>) {
    let mut reject = |expected: &str, fallback: String| {
        notices.push(format!(
            "URL parameter {key}={value:?} is not {expected}; using {fallback}."
        ))
    };
    match key {
        "view" => match View::ALL.into_iter().find(|view| view.name() == value) {
            Some(view) => setup.view = view,
            None => reject(
                "run, compare, experiment, scaling or spacetime",
                "run".into(),
            ),
        },
        "trace" => match trace_source(value) {
            Some(path) => setup.trace = Some(path),
            None => notices.push(format!(
                "URL parameter trace={value:?} is not a same-origin path (letters, digits, -, _, . and /, no scheme or host); no trace loaded."
            )),
        },
        "modes" => {
            let mut own_notices = Vec::new();
            let picks: Option<Vec<Pick>> = value
                .split(',')
                .enumerate()
                .map(|(index, entry)| read_pick(entry, index + 1, &mut own_notices))
                .collect();
            match picks {
                Some(picks) if (2..=4).contains(&picks.len()) => {
                    setup.picks = picks;
                    notices.append(&mut own_notices);
                }
                _ => {
                    let names: Vec<&str> = Mode::ALL.iter().map(|mode| mode.name()).collect();
                    reject(
                        &format!(
                            "2 to 4 protocol names separated by commas ({}), each optionally followed by :n=, :b=, :loss=, :crash= or :seed= overrides",
                            names.join(", ")
                        ),
                        "push,pull,push-pull".into(),
                    )
                }
            }
        }
        _ => match value.parse::<u32>() {
            Ok(trials) if (TRIALS.0..=TRIALS.1).contains(&trials) => setup.trials = trials,
            _ => reject(
                "a whole number of trials from 1 to 10000",
                setup.trials.to_string(),
            ),
        },
    }
}

/// A `trace=` value the page may fetch: a path on the page's own origin (no scheme, no `//`
/// host, nothing that could be markup), at most 256 characters.
pub fn trace_source(value: &str) -> Option<String> {
    let path_char = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
    let same_origin = !value.is_empty()
        && value.len() <= 256
        && value.chars().all(path_char)
        && !value.starts_with("//");
    same_origin.then(|| value.to_string())
}

/// The views' setup from the page's query (the URL parser reports its notices).
pub fn from_query(query: &str) -> ViewSetup {
    let mut setup = ViewSetup::default();
    for pair in query.trim_start_matches('?').split('&') {
        if let Some((key, value)) = pair.split_once('=').filter(|(key, _)| is_url_key(key)) {
            read_key(&mut setup, key, &decode(value), &mut Vec::new());
        }
    }
    // A trace to load opens the view that draws it.
    if setup.trace.is_some() {
        setup.view = View::Spacetime;
    }
    setup
}

/// The views' keys of `setup` as a query's pairs (nothing for the run view).
pub fn keys(setup: &ViewSetup) -> String {
    if setup.view == View::Run {
        return String::new();
    }
    let trace = setup
        .trace
        .as_ref()
        .map(|path| format!("&trace={path}"))
        .unwrap_or_default();
    format!(
        "view={}&modes={}&trials={}{trace}",
        setup.view.name(),
        setup.modes_url(),
        setup.trials
    )
}

/// A query (`?a=1&b=2` or empty) with the views' `keys` appended.
pub fn with_keys(query: String, keys: &str) -> String {
    match (keys.is_empty(), query.len() > 1) {
        (true, _) => query,
        (false, true) => format!("{query}&{keys}"),
        (false, false) => format!("?{keys}"),
    }
}
