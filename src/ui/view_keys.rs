//! Views (#8): the URL keys of the Compare / Experiment / Scaling views (`view`, `modes`,
//! `trials`), plain Rust so that url.rs (which compiles natively) can check them.

use crate::engine::Mode;
use std::cell::RefCell;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Run,
    Compare,
    Experiment,
    Scaling,
}

impl View {
    pub const ALL: [View; 4] = [View::Run, View::Compare, View::Experiment, View::Scaling];

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
        }
    }
}

/// Trials per experiment (and per scaling point) the page runs.
pub const TRIALS: (u32, u32) = (1, 10_000);
pub const DEFAULT_MODES: [Mode; 3] = [Mode::Push, Mode::Pull, Mode::PushPull];

/// The views' part of the URL.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewSetup {
    pub view: View,
    /// 2 to 4 protocols: the compare panels, the scaling view's curves.
    pub modes: Vec<Mode>,
    pub trials: u32,
}

impl Default for ViewSetup {
    fn default() -> Self {
        ViewSetup {
            view: View::Run,
            modes: DEFAULT_MODES.to_vec(),
            trials: 100,
        }
    }
}

/// Whether url.rs should hand `key` to `read_key`.
pub fn is_url_key(key: &str) -> bool {
    matches!(key, "view" | "modes" | "trials")
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
            None => reject("run, compare, experiment or scaling", "run".into()),
        },
        "modes" => {
            let modes: Option<Vec<Mode>> = value.split(',').map(Mode::from_name).collect();
            match modes {
                Some(modes) if (2..=4).contains(&modes.len()) => setup.modes = modes,
                _ => reject(
                    "2 to 4 protocol names separated by commas (centralized, tree, srm, rmtp, push, pull, push-pull)",
                    "push,pull,push-pull".into(),
                ),
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

/// The views' setup from the page's query (url.rs reports its notices).
pub fn from_query(query: &str) -> ViewSetup {
    let mut setup = ViewSetup::default();
    for pair in query.trim_start_matches('?').split('&') {
        if let Some((key, value)) = pair.split_once('=').filter(|(key, _)| is_url_key(key)) {
            read_key(&mut setup, key, &value.replace("%2C", ","), &mut Vec::new());
        }
    }
    setup
}

thread_local! {
    /// The views' keys as the address bar should carry them (empty for the run view).
    static KEYS: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Remembers `setup`'s keys for `append_keys`.
pub fn remember(setup: &ViewSetup) {
    let keys = if setup.view == View::Run {
        String::new()
    } else {
        let modes: Vec<&str> = setup.modes.iter().map(|mode| mode.name()).collect();
        format!(
            "view={}&modes={}&trials={}",
            setup.view.name(),
            modes.join(","),
            setup.trials
        )
    };
    KEYS.with(|cell| *cell.borrow_mut() = keys);
}

/// A query (`?a=1&b=2` or empty) with the views' keys appended: the lecture's URL writer calls it.
pub fn append_keys(query: String) -> String {
    KEYS.with(|cell| {
        let keys = cell.borrow();
        match (keys.is_empty(), query.len() > 1) {
            (true, _) => query,
            (false, true) => format!("{query}&{keys}"),
            (false, false) => format!("?{keys}"),
        }
    })
}
