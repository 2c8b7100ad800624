//! The lecture's effects on the page: the URL kept in step with the state, the theme and the
//! present and embed classes, the locks, the keys, the tour's loading and the loop.

use crate::ui::state::{Action, Cue, Lab};
use crate::ui::url::share::to_query_for;
use crate::ui::url::view_keys;
use crate::ui::widgets::palette;
use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::browser::{document, window};
use super::embed::apply_locks;
use super::scenarios::load_tour;

/// The keys, for the `?` overlay.
pub(super) const KEYS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("→ / ←", "next / previous round"),
    ("R", "reset"),
    (
        "PageDown / PageUp",
        "next / previous tour step (presenter remotes)",
    ),
    ("P", "present mode on / off"),
    ("T", "light / dark theme"),
    ("?", "this list"),
    ("Esc", "close this list"),
];

/// Whether the page is dark: `theme=` if given, else the system's preference.
pub(super) fn dark(theme: Option<&str>) -> bool {
    theme.map_or_else(
        || {
            window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|query| query.matches())
        },
        |theme| theme == "dark",
    )
}

/// The lecture's effects: the URL, the theme and mode classes, locks, keys, tour loading, loop.
#[hook]
pub fn use_lecture(lab: &UseReducerHandle<Lab>, views: &view_keys::ViewSetup) {
    // views: the loop, the scrub key and the tour keys act on the run, so only in its view.
    let in_run_view = views.view == view_keys::View::Run;
    let view_keys = view_keys::keys(views);
    let lecture = &lab.lecture;
    // After every render: the URL follows the state (not while playing: a round a frame would
    // flood the history), the theme and layout classes, the locks.
    // views: with the shown view's keys.
    let protocols = views.protocols(lab.config.mode);
    let query = (!lab.playing)
        .then(|| view_keys::with_keys(to_query_for(&lab.to_setup(), &protocols), &view_keys));
    let look = (lecture.theme, lecture.present, lecture.embed);
    let lock = lecture.lock.clone();
    use_effect(move || {
        if let Some(query) = query
            && window().location().search().ok() != Some(query.clone())
            && let Ok(history) = window().history()
        {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&query));
        }
        let (theme, present, embed) = look;
        let is_dark = dark(theme);
        palette::set_dark(is_dark);
        crate::ui::charts::set_present(present);
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", if is_dark { "dark" } else { "light" });
            let classes = root.class_list();
            let _ = classes.toggle_with_force("present", present);
            let _ = classes.toggle_with_force("embed", embed);
        }
        apply_locks(&lock);
    });
    // loop=1: a pause at the end of a run, then the next seed.
    let waiting = lecture.looping && in_run_view && !lab.playing && lab.run.borrow().is_over();
    {
        let dispatch = lab.dispatcher();
        use_effect_with((waiting, lab.version), move |&(waiting, _)| {
            let timer = waiting.then(|| {
                let next = Closure::once_into_js(move || {
                    dispatch.dispatch(Action::Lecture(Cue::NextLoop))
                });
                window()
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        next.unchecked_ref(),
                        1500,
                    )
                    .unwrap_or(0)
            });
            move || {
                if let Some(timer) = timer {
                    window().clear_timeout_with_handle(timer);
                }
            }
        });
    }
    let latest = use_mut_ref(|| (lab.clone(), in_run_view));
    *latest.borrow_mut() = (lab.clone(), in_run_view);
    let tour = lecture.tour.clone();
    use_effect_with((), move |_| {
        if let Some(name) = tour {
            let lab = latest.borrow().0.clone();
            load_tour(name, Callback::from(move |action| lab.dispatch(action)));
        }
        let listener = EventListener::new_with_options(
            &document(),
            "keydown",
            gloo_events::EventListenerOptions::enable_prevent_default(),
            move |event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let (lab, in_run_view) = latest.borrow().clone();
                if let Some(cue) = key_cue(event, &lab, in_run_view) {
                    event.prevent_default();
                    if cue == Cue::Present(true) {
                        enter_fullscreen();
                    }
                    lab.dispatch(Action::Lecture(cue));
                }
            },
        );
        move || drop(listener)
    });
}

/// The lecture's keys (Space, → and R are app.rs's); none while typing in a field.
fn key_cue(event: &KeyboardEvent, lab: &Lab, in_run_view: bool) -> Option<Cue> {
    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return None;
    }
    let typing = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| {
            matches!(
                element.tag_name().to_ascii_lowercase().as_str(),
                "input" | "select" | "textarea"
            )
        });
    if typing {
        return None;
    }
    let lecture = &lab.lecture;
    let round = lab.run.borrow().simulation.round();
    let steps = lecture.guide.as_ref().map_or(0, |tour| tour.steps.len());
    match event.key().as_str() {
        "ArrowLeft" if in_run_view => Some(Cue::Scrub(round.saturating_sub(1))),
        "PageDown" | "PageUp" if !in_run_view => None,
        "PageDown" if lecture.step + 1 < steps => Some(Cue::TourStep(lecture.step + 1)),
        "PageUp" if steps > 0 && lecture.step > 0 => Some(Cue::TourStep(lecture.step - 1)),
        "?" => Some(Cue::Help(!lecture.help)),
        "Escape" if lecture.help => Some(Cue::Help(false)),
        "p" | "P" => Some(Cue::Present(!lecture.present)),
        "t" | "T" => Some(Cue::Theme(if dark(lecture.theme) {
            "light"
        } else {
            "dark"
        })),
        _ => None,
    }
}

pub(super) fn enter_fullscreen() {
    if let Some(root) = document().document_element() {
        let _ = root.request_fullscreen();
    }
}
