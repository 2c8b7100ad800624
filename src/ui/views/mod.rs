//! The views beside the run view: Compare (2 to 4 protocols in lockstep), Experiment (R trials
//! in Web Workers), Scaling (rounds against N) and Spacetime (a trace). Their URL keys (`view`,
//! `modes`, `trials`, ...) are read in `url::view_keys`; app.rs only switches views.

pub mod compare;
pub mod experiment;
pub mod scaling;
pub mod spacetime;
pub mod workers;

use crate::engine::Config;
use crate::ui::run::controls::Controls;
use crate::ui::state::Action;
use yew::prelude::*;

use crate::ui::url::view_keys::{View, ViewSetup, from_query, is_url_key, keys};

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
    /// Hands the page the compare view's playback, for the keyboard.
    pub on_playback: Callback<Callback<Action>>,
    /// `autoplay=1`: the compare panels start playing.
    pub autoplay: bool,
    /// `lock=`: the URL keys the lecturer fixed (the compare panels disable their own fields).
    pub lock: Vec<String>,
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
        // Only the compare view has playback (a hidden compare view's callback is stale).
        let playback = (*playback)
            .clone()
            .filter(|_| props.setup.view == View::Compare);
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
            <compare::CompareView config={props.config.clone()} speed={props.speed} autoplay={props.autoplay} lock={props.lock.clone()}
                setup={props.setup.clone()} on_setup={props.on_setup.clone()}
                on_playback={{
                    let (playback, up) = (playback.clone(), props.on_playback.clone());
                    Callback::from(move |cb: Callback<Action>| { up.emit(cb.clone()); playback.set(Some(cb)) })
                }}
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
        View::Spacetime => html! {
            <spacetime::SpacetimeView config={props.config.clone()} speed={props.speed} trace={props.setup.trace.clone()} />
        },
        View::Run => html! {},
    };
    html! {
        <main class={classes!("layout", "view-layout")}>
            <section {class} aria-label="Controls">
                <Controls config={props.config.clone()} speed={props.speed} playing={status.0} over={status.1}
                    {dispatch} click_crashes={false} recover_with_state={true}
                    protocols={(!matches!(props.setup.view, View::Experiment | View::Spacetime)).then(|| props.setup.modes())} />
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
    pairs.extend(Some(keys(setup)).filter(|keys| !keys.is_empty()));
    let url = format!("?{}", pairs.join("&"));
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}
