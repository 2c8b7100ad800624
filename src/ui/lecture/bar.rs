//! The lecture bar: Copy link, Embed, Present, the theme, the downloads (stage PNG, WebM video,
//! per-round CSV, configuration JSON, trace), the `?` overlay of keys, presets and tours; and the
//! timeline under the stage. What each does lives beside it: `effects` (URL, theme, keys, tours),
//! `embed`, `slides` (PNG and video), `files` (CSV and JSON), `scenarios` (presets and tours);
//! the pure logic is in `url::share`, `url::lecture_keys` and the reducer's `Cue`.

use crate::ui::state::{Action, Cue, Lab};
use crate::ui::url::share::to_query_for;
use crate::ui::url::view_keys;
use gloo_events::EventListener;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use super::browser::{base_url, document, download, download_text, window};
use super::effects::{KEYS, dark, enter_fullscreen};
use super::embed::{EMBED_SIZES, EmbedOptions, embed_dialog};
use super::files::{config_json, csv, stem};
use super::scenarios::{PRESETS, TOURS, load_tour};
use super::slides::{Recording, stage_with_legend, start_recording};

#[derive(Properties, PartialEq)]
pub struct LectureProps {
    pub lab: UseReducerHandle<Lab>,
    pub stage: NodeRef,
    /// views: the shown view's URL keys (`view_keys::keys`), empty in the run view.
    #[prop_or_default]
    pub view_keys: String,
    /// The protocols the shown view runs: the link carries the parameters they take.
    pub protocols: Vec<crate::engine::Mode>,
}

/// The timeline under the stage: any round played so far of this run.
pub fn timeline(lab: &UseReducerHandle<Lab>) -> Html {
    let round = lab.run.borrow().simulation.round();
    let end = lab.lecture.frontier.max(round);
    let oninput = {
        let lab = lab.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            lab.dispatch(Action::Lecture(Cue::Scrub(
                input.value_as_number().max(0.0) as u32,
            )));
        })
    };
    html! {
        <div class="timeline">
            <label for="timeline">{ "Timeline" }</label>
            <input type="range" id="timeline" data-testid="timeline" min="0" max={end.to_string()} step="1"
                value={round.to_string()} {oninput} aria-valuetext={format!("round {round} of {end}")}
                title="Drag back to any round played so far (← and → step); the run is replayed exactly" />
            <span class="timeline-label">{ format!("round {round} / {end}") }</span>
        </div>
    }
}

/// The lecture bar's buttons.
#[derive(Clone, Copy, PartialEq)]
enum Command {
    Copy,
    Embed,
    Present,
    Theme,
    Png,
    Video,
    Csv,
    Json,
    Trace,
    Help,
}

const BAR: [Command; 10] = [
    Command::Copy,
    Command::Embed,
    Command::Present,
    Command::Theme,
    Command::Png,
    Command::Video,
    Command::Csv,
    Command::Json,
    Command::Trace,
    Command::Help,
];

/// The lecture bar: presets, tours, Copy link, Embed, Present, theme, exports; the tour's
/// caption and buttons; the keys overlay.
#[function_component(LectureBar)]
pub fn lecture_bar(props: &LectureProps) -> Html {
    let lab = &props.lab;
    let lecture = &lab.lecture;
    let show_embed = use_state(|| false);
    let copied = use_state(|| false);
    let recorder: Rc<RefCell<Option<Recording>>> = use_mut_ref(|| None);
    let refresh = use_force_update();
    let is_recording = recorder.borrow().is_some();
    let over = lab.run.borrow().is_over();
    // A video stops at the end of the run.
    {
        let (recorder, refresh) = (recorder.clone(), refresh.clone());
        use_effect_with(over, move |&over| {
            if over && let Some(recording) = recorder.borrow_mut().take() {
                let _ = recording.recorder.stop();
                refresh.force_update();
            }
        });
    }
    let setup = lab.to_setup();
    // views: the link and the embed open the view shown, with its panels.
    let with_view = |query| view_keys::with_keys(query, &props.view_keys);
    let link = format!(
        "{}{}",
        base_url(),
        with_view(to_query_for(&setup, &props.protocols))
    );
    // The Embed dialog's choices: they start from the page's own state.
    let options = use_state(|| EmbedOptions {
        autoplay: lecture.autoplay,
        looping: lecture.looping,
        lock: lecture.lock.clone(),
        view: view_keys::from_query(&props.view_keys).view,
        size: EMBED_SIZES[0],
        preview: false,
    });
    let mut embedded = setup;
    embedded.lecture.embed = true;
    embedded.lecture.present = false;
    embedded.autoplay = options.autoplay;
    embedded.lecture.looping = options.looping;
    embedded.lecture.lock = options.lock.clone();
    let mut view_setup = view_keys::from_query(&props.view_keys);
    view_setup.view = options.view;
    let embed_src = format!(
        "{}{}",
        base_url(),
        view_keys::with_keys(
            to_query_for(&embedded, &props.protocols),
            &view_keys::keys(&view_setup)
        )
    );
    let (embed_width, embed_height) = options.size;
    let snippet = format!(
        "<iframe src=\"{embed_src}\" width=\"{embed_width}\" height=\"{embed_height}\" style=\"border:0\" title=\"Gossip Lab\" loading=\"lazy\"></iframe>"
    );
    // Esc closes the Embed dialog while it is open.
    {
        let show_embed = show_embed.clone();
        use_effect_with(*show_embed, move |&open| {
            let listener = open.then(|| {
                EventListener::new(&document(), "keydown", move |event| {
                    if event
                        .dyn_ref::<KeyboardEvent>()
                        .is_some_and(|key| key.key() == "Escape")
                    {
                        show_embed.set(false);
                    }
                })
            });
            move || drop(listener)
        });
    }
    let close_embed = {
        let show_embed = show_embed.clone();
        Callback::from(move |_: MouseEvent| show_embed.set(false))
    };
    let is_dark = dark(lecture.theme);
    let run_command = {
        let lab = lab.clone();
        let (stage, link) = (props.stage.clone(), link.clone());
        let (show_embed, copied) = (show_embed.clone(), copied.clone());
        Callback::from(move |command: Command| {
            let name = stem(&lab);
            let cue = match command {
                Command::Copy => {
                    let _ = window().navigator().clipboard().write_text(&link);
                    copied.set(true);
                    None
                }
                Command::Embed => {
                    show_embed.set(!*show_embed);
                    // Presenting, the command came from the menu: fold it away under the dialog.
                    if let Ok(Some(menu)) = document().query_selector(".bar-menu[open]") {
                        let _ = menu.remove_attribute("open");
                    }
                    None
                }
                Command::Present => {
                    let on = !lab.lecture.present;
                    if on {
                        enter_fullscreen();
                    } else if document().fullscreen_element().is_some() {
                        document().exit_fullscreen();
                    }
                    Some(Cue::Present(on))
                }
                Command::Theme => Some(Cue::Theme(if is_dark { "light" } else { "dark" })),
                Command::Help => Some(Cue::Help(!lab.lecture.help)),
                Command::Png => {
                    if let Some(url) = stage
                        .cast::<HtmlCanvasElement>()
                        .and_then(|canvas| stage_with_legend(&canvas).or(Some(canvas)))
                        .and_then(|canvas| crate::ui::lecture::export::png_url(&canvas, &name))
                    {
                        download(&url, &format!("{name}.png"));
                    }
                    None
                }
                Command::Csv => {
                    download_text(&csv(&lab), "text/csv", &format!("{name}.csv"));
                    None
                }
                Command::Json => {
                    download_text(
                        &config_json(&lab),
                        "application/json",
                        &format!("{name}.json"),
                    );
                    None
                }
                Command::Trace => {
                    // Every event of the run so far, with its clicked crashes (docs/trace.md).
                    let run = lab.run.borrow();
                    let config = run.simulation.config();
                    match crate::engine::trace::record(
                        config,
                        Some(run.simulation.round()),
                        &run.clicks,
                    ) {
                        Ok(events) => download_text(
                            &crate::engine::trace::write(&events),
                            "application/jsonl",
                            &format!("{name}.jsonl"),
                        ),
                        Err(message) => {
                            if let Some(window) = web_sys::window() {
                                let _ = window.alert_with_message(&format!("No trace: {message}"));
                            }
                        }
                    }
                    None
                }
                Command::Video => {
                    let recording = recorder.borrow_mut().take();
                    if let Some(recording) = recording {
                        let _ = recording.recorder.stop();
                    } else if let Some(canvas) = stage.cast::<HtmlCanvasElement>() {
                        let stem = name
                            .rsplit_once("_round")
                            .map_or(name.as_str(), |(stem, _)| stem);
                        *recorder.borrow_mut() = start_recording(&canvas, format!("{stem}.webm"));
                        lab.dispatch(Action::Reset);
                        lab.dispatch(Action::TogglePlay);
                    }
                    refresh.force_update();
                    None
                }
            };
            if let Some(cue) = cue {
                lab.dispatch(Action::Lecture(cue));
            }
        })
    };
    let label = |command: Command| match command {
        Command::Copy if *copied => "Link copied",
        Command::Copy => "Copy link",
        Command::Embed => "Embed",
        Command::Present if lecture.present => "Exit presentation",
        Command::Present => "Present",
        Command::Theme if is_dark => "Light theme",
        Command::Theme => "Dark theme",
        Command::Png => "Stage PNG",
        Command::Video if is_recording => "Stop video",
        Command::Video => "Video",
        Command::Csv => "Data CSV",
        Command::Json => "Config JSON",
        Command::Trace => "Trace",
        Command::Help => "?",
    };
    let test_id = |command: Command| match command {
        Command::Copy => Some("copy-link"),
        Command::Trace => Some("export-trace"),
        Command::Video => Some("record-video"),
        _ => None,
    };
    let on_tour = {
        let lab = lab.clone();
        Callback::from(move |event: Event| {
            let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
            let name = select.value();
            if !name.is_empty() {
                let lab = lab.clone();
                load_tour(name, Callback::from(move |action| lab.dispatch(action)));
            }
        })
    };
    let tour_button = |label: &'static str, test_id: &'static str, disabled: bool, step: usize| {
        let lab = lab.clone();
        let onclick =
            Callback::from(move |_: MouseEvent| lab.dispatch(Action::Lecture(Cue::TourStep(step))));
        html! { <button data-testid={test_id} {disabled} {onclick}>{ label }</button> }
    };
    let guide = lecture.guide.as_ref().map(|tour| {
        let count = tour.steps.len();
        let step = lecture.step.min(count.saturating_sub(1));
        let caption = tour.steps.get(step).map_or("", |step| step.caption.as_str());
        let close = {
            let lab = lab.clone();
            Callback::from(move |_: MouseEvent| lab.dispatch(Action::Lecture(Cue::TourClose)))
        };
        html! {
            <div class="tour" role="region" aria-label="Guided tour">
                <strong>{ &tour.title }</strong>
                <span class="tour-count">{ format!("step {} of {count} (PageDown / PageUp)", step + 1) }</span>
                <p class="tour-caption" data-testid="tour-caption" aria-live="polite">{ caption }</p>
                { tour_button("Back", "tour-back", step == 0, step.saturating_sub(1)) }
                { tour_button("Next", "tour-next", step + 1 >= count, step + 1) }
                <button class="link" aria-label="Close the tour" onclick={close}>{ "×" }</button>
            </div>
        }
    });
    let close_help = {
        let lab = lab.clone();
        Callback::from(move |_: MouseEvent| lab.dispatch(Action::Lecture(Cue::Help(false))))
    };
    let commands = html! {
        <>
            { for BAR.into_iter().map(|command| html! {
                <button data-testid={test_id(command)} onclick={run_command.reform(move |_: MouseEvent| command)}>{ label(command) }</button>
            }) }
            if !lecture.lock.is_empty() {
                <span class="locked-note">{ format!("Fixed by the lecturer: {}", lecture.lock.join(", ")) }</span>
            }
            <input class="share-link" readonly=true value={link} aria-label="Link to this state" data-testid="share-link" />
        </>
    };
    html! {
        <>
        <div class="lecture-bar" role="toolbar" aria-label="Lecture">
            <details class="presets">
                <summary>{ "Presets" }</summary>
                <ul>
                    { for PRESETS.iter().map(|(name, caption, query)| html! {
                        <li><a href={*query}>{ *name }</a>{ " — " }{ *caption }</li>
                    }) }
                </ul>
            </details>
            <select aria-label="Guided tours" onchange={on_tour} data-testid="tour-menu">
                <option value="" selected=true>{ "Tours…" }</option>
                { for TOURS.iter().map(|(name, title)| html! { <option value={*name}>{ *title }</option> }) }
            </select>
            // Presenting: the commands fold into one menu, so the toolbar stays one row.
            if lecture.present {
                <details class="bar-menu">
                    <summary>{ "Menu" }</summary>
                    <div class="bar-items">{ commands }</div>
                </details>
            } else {
                { commands }
            }
        </div>
        if *show_embed {
            { embed_dialog(&options, &snippet, &embed_src, close_embed) }
        }
        { for guide }
        if lecture.help {
            <div class="help-overlay" role="dialog" aria-label="Keys" data-testid="help-overlay" onclick={close_help}>
                <div class="help-card">
                    <h2>{ "Keys" }</h2>
                    <dl>{ for KEYS.iter().map(|(key, what)| html! { <><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></> }) }</dl>
                </div>
            </div>
        }
        </>
    }
}
