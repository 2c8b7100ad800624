//! Issue #8's views beside the run view: Compare (2 to 4 protocols in lockstep), Experiment (R
//! trials in Web Workers) and Scaling (rounds against N). Their URL keys (`view`, `modes`,
//! `trials`) are read here; url.rs only hands them over, app.rs only switches views.

pub mod compare;
pub mod experiment;
pub mod scaling;

use crate::engine::{Config, Mode};
use crate::ui::controls::Controls;
use crate::ui::state::Action;
use yew::prelude::*;

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
    fn names(self) -> (&'static str, &'static str) {
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

pub fn initial_setup() -> ViewSetup {
    let query = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    from_query(&query)
}

#[derive(Properties, PartialEq)]
pub struct TabsProps {
    pub view: View,
    pub on_select: Callback<View>,
}

/// Run / Compare / Experiment / Scaling.
#[function_component(Tabs)]
pub fn tabs(props: &TabsProps) -> Html {
    html! {
        <nav class="view-tabs" role="tablist" aria-label="Views">
            { for View::ALL.into_iter().map(|view| {
                let selected = view == props.view;
                let label = view.names().1;
                html! {
                    <button role="tab" aria-selected={selected.to_string()}
                        class={classes!("tab", selected.then_some("pressed"))}
                        onclick={props.on_select.reform(move |_: MouseEvent| view)}>{ label }</button>
                }
            }) }
        </nav>
    }
}

#[derive(Properties, PartialEq)]
pub struct ViewHostProps {
    pub setup: ViewSetup,
    pub config: Config,
    pub speed: f64,
    pub dispatch: Callback<Action>,
    pub on_setup: Callback<ViewSetup>,
}

/// A view other than Run: the shared parameters on the left (the run view's controls, their
/// playback buttons driving this view's panels in Compare), the view on the right.
#[function_component(ViewHost)]
pub fn view_host(props: &ViewHostProps) -> Html {
    let playback = use_state(|| None::<Callback<Action>>);
    let status = use_state(|| (false, false));
    // Playback actions go to the view (compare), every other action to the shared reducer.
    let dispatch = {
        let shared = props.dispatch.clone();
        let playback = (*playback).clone();
        Callback::from(move |action: Action| match (&action, &playback) {
            (Action::TogglePlay | Action::Step | Action::Reset | Action::RunToEnd, Some(view)) => {
                view.emit(action)
            }
            (Action::TogglePlay | Action::Step | Action::Reset | Action::RunToEnd, None) => {}
            _ => shared.emit(action),
        })
    };
    let class = classes!(
        "panel",
        "controls-panel",
        format!("for-{}", props.setup.view.name())
    );
    let body = match props.setup.view {
        View::Compare => html! {
            <compare::CompareView config={props.config.clone()} speed={props.speed}
                setup={props.setup.clone()} on_setup={props.on_setup.clone()}
                on_playback={{ let playback = playback.clone(); Callback::from(move |cb| playback.set(Some(cb))) }}
                on_status={{ let status = status.clone(); Callback::from(move |s| status.set(s)) }} />
        },
        View::Experiment => html! {
            <experiment::ExperimentView config={props.config.clone()} setup={props.setup.clone()}
                on_setup={props.on_setup.clone()} />
        },
        View::Scaling => html! {
            <scaling::ScalingView config={props.config.clone()} setup={props.setup.clone()}
                on_setup={props.on_setup.clone()} />
        },
        View::Run => html! {},
    };
    html! {
        <main class={classes!("layout", "view-layout")}>
            <section {class} aria-label="Controls">
                <Controls config={props.config.clone()} speed={props.speed} playing={status.0} over={status.1}
                    {dispatch} click_crashes={false} recover_with_state={true} />
            </section>
            { body }
        </main>
    }
}

/// Puts the views' keys in the address bar (replacing the entry), so a reload or a shared link
/// opens the same view.
pub fn write_url(setup: &ViewSetup) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let query = window.location().search().unwrap_or_default();
    let mut pairs: Vec<String> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_url_key(pair.split('=').next().unwrap_or("")))
        .map(String::from)
        .collect();
    if setup.view != View::Run {
        pairs.push(format!("view={}", setup.view.name()));
        let modes: Vec<&str> = setup.modes.iter().map(|mode| mode.name()).collect();
        pairs.push(format!("modes={}", modes.join(",")));
        pairs.push(format!("trials={}", setup.trials));
    }
    let url = format!("?{}", pairs.join("&"));
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}
