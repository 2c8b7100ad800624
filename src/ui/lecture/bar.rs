//! Lecture-ready (issue #9), the page's part: the URL kept in step with the state, Copy link,
//! Embed, presets, tours, present mode and themes, the keys, the timeline and the exports (stage
//! PNG, WebM video, per-round CSV, configuration JSON). The pure logic is in `url::share`,
//! `url::lecture_keys` and the reducer's `Cue`.

use crate::ui::state::{Action, Cue, Lab};
use crate::ui::url::lecture_keys::tour_source;
use crate::ui::url::share::{parse_tour, to_query, to_query_for};
use crate::ui::url::view_keys;
use crate::ui::widgets::palette;
use gloo_events::EventListener;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{HtmlCanvasElement, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

/// Built-in tours: (name for `tour=`, title).
const TOURS: &[(&str, &str)] = &[
    ("for-loop", "Why not a for-loop?"),
    ("push-pull", "Push, pull, push-pull"),
    ("loss-crashes", "Loss and crashes"),
    ("trees-break", "Trees break"),
    ("nak-storms", "NAK storms"),
    ("racks", "Racks and the core switch"),
    ("many-messages", "Many messages and the three policies"),
    ("rumor-mongering", "Rumor mongering and its residue"),
    ("swim-heartbeat", "SWIM against heartbeating"),
    ("cassandra-phi", "Cassandra's φ"),
    ("async-delay", "Asynchrony and delay"),
    ("plumtree", "Plumtree: a tree that gossip repairs"),
];

/// Ready scenarios: (name, one-line caption, query).
const PRESETS: &[(&str, &str, &str)] = &[
    (
        "For-loop of unicasts",
        "the sender alone: O(N) rounds",
        "?mode=centralized&n=100&b=1&seed=1",
    ),
    (
        "Binary tree",
        "O(log N) rounds while nothing fails",
        "?mode=tree&n=200&b=2&seed=1",
    ),
    (
        "Push gossip",
        "log2 N + ln N rounds, no structure",
        "?mode=push&n=2000&b=1&seed=1",
    ),
    (
        "Pull's fast end",
        "the uninformed fraction squared each round",
        "?mode=pull&n=2000&b=1&seed=1",
    ),
    (
        "Push-pull",
        "log3 N + O(log log N) rounds",
        "?mode=push-pull&n=2000&b=1&seed=1",
    ),
    (
        "Half the datagrams lost",
        "like b / 2: about twice the rounds",
        "?mode=push&n=500&b=1&loss=0.5&seed=1",
    ),
    (
        "Tree with crashes",
        "a dead node cuts off its subtree",
        "?mode=tree&n=200&b=2&crash=0.05&seed=2",
    ),
    (
        "NAK storm",
        "SRM without suppression",
        "?mode=srm&n=200&b=2&loss=0.05&suppression=off&seed=4",
    ),
    (
        "ACK implosion",
        "RMTP without designated receivers",
        "?mode=rmtp&n=200&loss=0.05&designated=off&seed=4",
    ),
    (
        "Two racks",
        "one core switch, about one datagram a round across it",
        "?mode=push&n=200&b=1&racks=2&seed=3",
    ),
    (
        "Many messages, recent first",
        "K = 1 of 8 messages per datagram: old ones starve",
        "?mode=push&n=200&b=1&messages=8&capacity=1&policy=recent&seed=3",
    ),
    (
        "Rumor mongering",
        "stop after one unnecessary contact: a residue near 17 %",
        "?mode=push&n=200&b=1&stop=feedback-counter&stop_k=1&seed=3",
    ),
    (
        "Heartbeating",
        "a crash detected T_fail periods later",
        "?mode=heartbeat&n=100&b=1&seed=3",
    ),
    (
        "SWIM",
        "first detection after e / (e - 1) periods, for any N",
        "?mode=swim&n=100&seed=3",
    ),
    (
        "Cassandra's φ",
        "convicted when φ passes 8",
        "?mode=cassandra&n=100&seed=3",
    ),
    (
        "Asynchronous push",
        "own phases, no round boundary to wait for",
        "?mode=push&n=200&b=1&async=0&seed=3",
    ),
    (
        "Delayed datagrams",
        "every datagram 2 rounds on the way: about 20 rounds, not 14",
        "?mode=push&n=200&b=1&delay=fixed:2&seed=3",
    ),
];

/// The keys, for the `?` overlay.
const KEYS: &[(&str, &str)] = &[
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

/// The tooltip of a locked control (the compare panels render it themselves).
pub const LOCKED: &str = "fixed by the lecturer";

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

fn document() -> web_sys::Document {
    window().document().expect("a document")
}

/// The page's address without its query: links and embeds point here (works under any sub-path).
fn base_url() -> String {
    let location = window().location();
    format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    )
}

/// The file name stem of an export: the configuration in words a file system takes.
fn stem(lab: &Lab) -> String {
    let config = &lab.config;
    let round = lab.run.borrow().simulation.round();
    format!(
        "gossip-lab_{}_n{}_b{}_loss{}_crash{}_seed{}_round{round}",
        config.mode.name(),
        config.nodes,
        config.fanout,
        config.network.loss,
        config.network.crash,
        config.seed
    )
}

/// Downloads `url` as `name`.
fn download(url: &str, name: &str) {
    if let Ok(anchor) = document().create_element("a") {
        let _ = anchor.set_attribute("href", url);
        let _ = anchor.set_attribute("download", name);
        if let Some(anchor) = anchor.dyn_ref::<web_sys::HtmlElement>() {
            anchor.click();
        }
    }
}

fn download_blob(blob: &web_sys::Blob, name: &str) {
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) {
        download(&url, name);
        // Revoke once the download has started.
        let revoke = Closure::once_into_js(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        let _ = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
}

fn download_text(text: &str, mime: &str, name: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    if let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) {
        download_blob(&blob, name);
    }
}

/// Every round of the current run, exactly (replayed from round 0: the run is deterministic).
fn csv(lab: &Lab) -> String {
    let run = lab.run.borrow();
    let target = run.simulation.round();
    let mut fresh = crate::ui::state::replay(&run, 0);
    let mut text = String::from(
        "round,informed,live,informed_fraction,datagrams,payload,control,redundant,lost,to_crashed,at_sender,through_core,repaired\n",
    );
    let mut row = |fresh: &crate::ui::state::Run, counters: crate::engine::Counters| {
        let simulation = &fresh.simulation;
        let (informed, live) = (simulation.informed(), simulation.live());
        let c = counters;
        text.push_str(&format!(
            "{},{informed},{live},{},{},{},{},{},{},{},{},{},{}\n",
            simulation.round(),
            f64::from(informed) / f64::from(live.max(1)),
            c.datagrams,
            c.payload,
            c.control,
            c.redundant,
            c.lost,
            c.to_crashed,
            c.at_sender,
            c.through_core,
            c.repaired
        ));
    };
    row(&fresh, Default::default());
    while fresh.simulation.round() < target {
        let clicks: Vec<_> = run
            .clicks
            .iter()
            .filter(|click| click.0 == fresh.simulation.round())
            .copied()
            .collect();
        for (_, node, with_state) in clicks {
            fresh.toggle_crash(node, with_state);
        }
        if !fresh.step() {
            break;
        }
        let counters = fresh
            .last
            .as_ref()
            .map(|report| report.counters)
            .unwrap_or_default();
        row(&fresh, counters);
    }
    text
}

/// The configuration as JSON: `gossip-sim`'s keys, the page's URL and round.
fn config_json(lab: &Lab) -> String {
    let mut object = serde_json::Map::new();
    object.insert("config".into(), lab.config.echo().into());
    object.insert(
        "url".into(),
        format!("{}{}", base_url(), to_query(&lab.to_setup())).into(),
    );
    object.insert("round".into(), lab.run.borrow().simulation.round().into());
    crate::engine::json::to_string(&serde_json::Value::Object(object))
}

/// Fetches and parses a tour, then hands it to the reducer.
fn load_tour(name: String, dispatch: Callback<Action>) {
    yew::platform::spawn_local(async move {
        let result = async {
            let source =
                tour_source(&name).ok_or_else(|| format!("{name:?} is not a tour name"))?;
            let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(&source))
                .await
                .map_err(|_| format!("{source} could not be fetched"))?;
            let response: web_sys::Response = response.unchecked_into();
            if !response.ok() {
                return Err(format!("{source} answered HTTP {}", response.status()));
            }
            let text = response
                .text()
                .map_err(|_| format!("{source} has no text"))?;
            let text = wasm_bindgen_futures::JsFuture::from(text)
                .await
                .map_err(|_| format!("{source} could not be read"))?;
            parse_tour(&text.as_string().unwrap_or_default()).map(Rc::new)
        }
        .await;
        dispatch.emit(Action::Lecture(Cue::TourLoaded(result)));
    });
}

/// Whether the page is dark: `theme=` if given, else the system's preference.
fn dark(theme: Option<&str>) -> bool {
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

/// CSS selectors of the controls a URL key drives.
fn lock_selectors(key: &str) -> String {
    let special = match key {
        // views (#8): and the protocols Scaling sweeps (the compare panels lock their own).
        "mode" => ".modes button, [aria-label='Protocols to sweep'] button",
        "seed" => "#seed, .seed button",
        "speed" => "#speed, #speed-value",
        "log" => "#log-rounds",
        "repair" => "#repair, #repair-delay, #repair-delay-value",
        "async" => "#async-on, #async, #async-value",
        "racks" => "#racks-on, #racks, #racks-value",
        "cross" => "#cross-auto, #cross, #cross-value",
        "delay" => "[aria-label=delay] button, [id^=delay-]",
        "burst" => "[aria-label='burst loss'] button, [id^=burst-]",
        "crash_at" => "[id^=crash-at], .crash-row button",
        "push_until" => "#hand-over, #push-until, #push-until-value",
        _ => "",
    };
    let Some(param) = crate::engine::params::find_by_url(key) else {
        return special.to_string();
    };
    let id = param.flag();
    let label = param.label;
    let mut selectors = format!("#{id}, #{id}-value, [aria-label='{label}'] button");
    if !special.is_empty() {
        selectors = format!("{selectors}, {special}");
    }
    selectors
}

/// Disables the locked controls, with the lecturer's tooltip (after every render).
fn apply_locks(lock: &[String]) {
    let document = document();
    for key in lock {
        let Ok(list) = document.query_selector_all(&lock_selectors(key)) else {
            continue;
        };
        for index in 0..list.length() {
            if let Some(element) = list
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
            {
                let _ = element.set_attribute("disabled", "");
                let _ = element.set_attribute("title", LOCKED);
                let _ = element.set_attribute("data-locked", "");
            }
        }
    }
}

/// The lecture's effects: the URL, the theme and mode classes, locks, keys, tour loading, loop.
#[hook]
pub fn use_lecture(lab: &UseReducerHandle<Lab>, views: &view_keys::ViewSetup) {
    // views (#8): the loop, the scrub key and the tour keys act on the run, so only in its view.
    let in_run_view = views.view == view_keys::View::Run;
    let view_keys = view_keys::keys(views);
    let lecture = &lab.lecture;
    // After every render: the URL follows the state (not while playing: a round a frame would
    // flood the history), the theme and layout classes, the locks.
    // views (#8): with the shown view's keys.
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

fn enter_fullscreen() {
    if let Some(root) = document().document_element() {
        let _ = root.request_fullscreen();
    }
}

#[derive(Properties, PartialEq)]
pub struct LectureProps {
    pub lab: UseReducerHandle<Lab>,
    pub stage: NodeRef,
    /// views (#8): the shown view's URL keys (`view_keys::keys`), empty in the run view.
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

/// A video being recorded from the stage.
struct Recording {
    recorder: web_sys::MediaRecorder,
}

/// A canvas `band` CSS pixels taller than the stage, the stage's pixels copied at its top:
/// what slides get (the stage with its legend, or with the round and the caption).
fn framed(
    stage: &HtmlCanvasElement,
    band: f64,
) -> Option<(HtmlCanvasElement, web_sys::CanvasRenderingContext2d, f64)> {
    let ratio = window().device_pixel_ratio().max(1.0);
    let canvas: HtmlCanvasElement = document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(stage.width());
    canvas.set_height(stage.height() + (band * ratio) as u32);
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    Some((canvas, context, ratio))
}

/// Paints the frame's background and the stage on it.
fn paint_stage(
    context: &web_sys::CanvasRenderingContext2d,
    stage: &HtmlCanvasElement,
    canvas: &HtmlCanvasElement,
) {
    context.set_fill_style_str(&palette::css(palette::BACKGROUND, 1.0));
    context.fill_rect(
        0.0,
        0.0,
        f64::from(canvas.width()),
        f64::from(canvas.height()),
    );
    let _ = context.draw_image_with_html_canvas_element(stage, 0.0, 0.0);
}

/// Text wrapped to `width` canvas pixels, at most `lines` lines (the last ends in "…" if cut).
fn wrap(
    context: &web_sys::CanvasRenderingContext2d,
    text: &str,
    width: f64,
    lines: usize,
) -> Vec<String> {
    let fits = |line: &str| {
        context
            .measure_text(line)
            .map_or(true, |m| m.width() <= width)
    };
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) || line.is_empty() {
            line = candidate;
        } else {
            out.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    if out.len() > lines {
        out.truncate(lines);
        if let Some(last) = out.last_mut() {
            last.push('…');
        }
    }
    out
}

/// The stage with its legend underneath, as the page shows it (each key's swatch colour and
/// words, read from the legend beside the stage): a PNG that explains itself on a slide.
fn stage_with_legend(stage: &HtmlCanvasElement) -> Option<HtmlCanvasElement> {
    let keys = document()
        .query_selector_all(".stage-panel ul.legend li")
        .ok()?;
    let mut entries: Vec<(Option<String>, String)> = Vec::new();
    for index in 0..keys.length() {
        let Some(item) = keys
            .item(index)
            .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let colour = item
            .query_selector(".swatch")
            .ok()
            .flatten()
            .and_then(|swatch| swatch.get_attribute("style"))
            .and_then(|style| {
                style
                    .split("--swatch:")
                    .nth(1)
                    .map(|value| value.trim().trim_end_matches(';').to_string())
            });
        entries.push((
            colour,
            item.text_content().unwrap_or_default().trim().to_string(),
        ));
    }
    // Three columns on a wide stage, two on a narrow one: whole labels, not cut ones.
    let css_width = f64::from(stage.width()) / window().device_pixel_ratio().max(1.0);
    let columns = if css_width >= 720.0 { 3usize } else { 2 };
    let rows = entries.len().div_ceil(columns) as f64;
    let (canvas, context, ratio) = framed(stage, rows * 20.0 + 12.0)?;
    paint_stage(&context, stage, &canvas);
    context.set_font(&format!("{}px sans-serif", (13.0 * ratio).round()));
    context.set_text_baseline("middle");
    let column_width = f64::from(canvas.width()) / columns as f64;
    for (index, (colour, words)) in entries.iter().enumerate() {
        let x = (index % columns) as f64 * column_width + 8.0 * ratio;
        let y = f64::from(stage.height()) + (6.0 + (index / columns) as f64 * 20.0 + 10.0) * ratio;
        // The gradient key (informed early to late) has no single colour: viridis's middle.
        let fill = colour
            .clone()
            .unwrap_or_else(|| palette::hex(palette::viridis(0.5)));
        context.set_fill_style_str(&fill);
        context.begin_path();
        let _ = context.arc(x + 6.0 * ratio, y, 6.0 * ratio, 0.0, std::f64::consts::TAU);
        context.fill();
        context.set_fill_style_str(&palette::css(palette::INK, 1.0));
        let text = wrap(&context, words, column_width - 24.0 * ratio, 1).join(" ");
        let _ = context.fill_text(&text, x + 17.0 * ratio, y);
    }
    Some(canvas)
}

/// A requestAnimationFrame callback that asks for the next frame itself.
type FrameLoop = Closure<dyn FnMut()>;

/// Starts recording the stage as WebM, framed with the round and the caption (the tour's, else
/// the configuration) under it; the file downloads when the recorder stops.
fn start_recording(stage: &HtmlCanvasElement, name: String) -> Option<Recording> {
    let (canvas, context, ratio) = framed(stage, 64.0)?;
    let fallback = name.replace('_', " ");
    // Each animation frame copies the stage and writes the round counter and the caption under
    // it, until the recorder stops.
    let frame: Rc<RefCell<Option<FrameLoop>>> = Rc::new(RefCell::new(None));
    let again = frame.clone();
    let (stage, target) = (stage.clone(), canvas.clone());
    let recorder_slot: Rc<RefCell<Option<web_sys::MediaRecorder>>> = Rc::new(RefCell::new(None));
    let watched = recorder_slot.clone();
    *frame.borrow_mut() = Some(Closure::<dyn FnMut()>::new(move || {
        if watched
            .borrow()
            .as_ref()
            .is_some_and(|recorder| recorder.state() == web_sys::RecordingState::Inactive)
        {
            again.borrow_mut().take(); // the loop ends with the recording
            return;
        }
        paint_stage(&context, &stage, &target);
        let text = |id: &str| {
            document()
                .query_selector(&format!("[data-testid=\"{id}\"]"))
                .ok()
                .flatten()
                .and_then(|element| element.text_content())
                .map(|text| text.trim().to_string())
        };
        let round = text("round").unwrap_or_default();
        let caption = text("tour-caption").unwrap_or_else(|| fallback.clone());
        let top = f64::from(stage.height());
        context.set_fill_style_str(&palette::css(palette::INK, 1.0));
        context.set_text_baseline("top");
        context.set_font(&format!("bold {}px sans-serif", (18.0 * ratio).round()));
        let _ = context.fill_text(&format!("Round {round}"), 10.0 * ratio, top + 6.0 * ratio);
        context.set_font(&format!("{}px sans-serif", (13.0 * ratio).round()));
        let width = f64::from(target.width()) - 20.0 * ratio;
        for (index, line) in wrap(&context, &caption, width, 2).iter().enumerate() {
            let _ = context.fill_text(
                line,
                10.0 * ratio,
                top + (30.0 + 16.0 * index as f64) * ratio,
            );
        }
        if let Some(callback) = again.borrow().as_ref() {
            let _ = window().request_animation_frame(callback.as_ref().unchecked_ref());
        }
    }));
    if let Some(callback) = frame.borrow().as_ref() {
        let _ = window().request_animation_frame(callback.as_ref().unchecked_ref());
    }
    let stream = canvas.capture_stream_with_frame_request_rate(30.0).ok()?;
    let options = web_sys::MediaRecorderOptions::new();
    options.set_mime_type("video/webm");
    let recorder =
        web_sys::MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)
            .ok()?;
    let chunks = Rc::new(js_sys::Array::new());
    let kept = chunks.clone();
    let on_data =
        Closure::<dyn FnMut(web_sys::BlobEvent)>::new(move |event: web_sys::BlobEvent| {
            if let Some(blob) = event.data() {
                kept.push(&blob);
            }
        });
    let on_stop = Closure::<dyn FnMut()>::new(move || {
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("video/webm");
        if let Ok(blob) = web_sys::Blob::new_with_blob_sequence_and_options(&chunks, &options) {
            download_blob(&blob, &name);
        }
    });
    // The handlers live as long as the recorder (its last events come after `stop()`).
    recorder.set_ondataavailable(Some(on_data.into_js_value().unchecked_ref()));
    recorder.set_onstop(Some(on_stop.into_js_value().unchecked_ref()));
    recorder.start_with_time_slice(250).ok()?;
    *recorder_slot.borrow_mut() = Some(recorder.clone());
    Some(Recording { recorder })
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

/// The frame sizes the Embed dialog offers (640 × 400 first: the compact layout's own).
const EMBED_SIZES: [(u32, u32); 4] = [(640, 400), (800, 500), (960, 600), (1280, 720)];

/// Controls an embed may fix: (URL key, label).
const EMBED_LOCKS: [(&str, &str); 6] = [
    ("mode", "protocol"),
    ("n", "N"),
    ("b", "b"),
    ("loss", "loss"),
    ("crash", "crashed"),
    ("seed", "seed"),
];

/// What the Embed dialog puts in the snippet.
#[derive(Clone, PartialEq)]
struct EmbedOptions {
    autoplay: bool,
    looping: bool,
    lock: Vec<String>,
    view: view_keys::View,
    size: (u32, u32),
    /// The frame itself, shown in the dialog (loaded only on demand).
    preview: bool,
}

/// The Embed dialog: autoplay, loop, the controls to lock, the view and the frame's size, the
/// snippet they make, and on demand a preview of the frame, scaled to fit. It floats over the
/// page; × and Esc close it.
fn embed_dialog(
    options: &UseStateHandle<EmbedOptions>,
    snippet: &str,
    src: &str,
    close: Callback<MouseEvent>,
) -> Html {
    let update = |change: fn(&mut EmbedOptions, &web_sys::Event)| {
        let options = options.clone();
        Callback::from(move |event: Event| {
            let mut next = (*options).clone();
            change(&mut next, &event);
            options.set(next);
        })
    };
    let on_autoplay = update(|options, event| {
        options.autoplay = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            .is_some_and(|input| input.checked());
    });
    let on_loop = update(|options, event| {
        options.looping = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            .is_some_and(|input| input.checked());
    });
    let on_view = update(|options, event| {
        let name = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|select| select.value())
            .unwrap_or_default();
        if let Some(view) = view_keys::View::ALL
            .into_iter()
            .find(|view| view.name() == name)
        {
            options.view = view;
        }
    });
    let on_size = update(|options, event| {
        let index = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map_or(0, |select| select.selected_index().max(0) as usize);
        options.size = EMBED_SIZES[index.min(EMBED_SIZES.len() - 1)];
    });
    let lock_box = |key: &'static str, label: &'static str| {
        let options_handle = options.clone();
        let onchange = Callback::from(move |event: Event| {
            let on = event
                .target()
                .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|input| input.checked());
            let mut next = (*options_handle).clone();
            next.lock.retain(|locked| locked != key);
            if on {
                next.lock.push(key.to_string());
            }
            options_handle.set(next);
        });
        html! {
            <label class="check"><input type="checkbox" checked={options.lock.iter().any(|locked| locked == key)}
                {onchange} aria-label={format!("Lock {label}")} />{ label }</label>
        }
    };
    let toggle_preview = {
        let options = options.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*options).clone();
            next.preview = !next.preview;
            options.set(next);
        })
    };
    let (width, height) = options.size;
    // The preview frame at the snippet's size, scaled to 320 CSS pixels wide.
    let scale = 320.0 / f64::from(width);
    let frame_style = format!(
        "width: {width}px; height: {height}px; transform: scale({scale:.4}); transform-origin: 0 0; border: 0"
    );
    let holder_style = format!(
        "width: 320px; height: {:.0}px; overflow: hidden",
        f64::from(height) * scale
    );
    html! {
        <div class="embed-box" role="dialog" aria-label="Embed" data-testid="embed-dialog">
            <div class="embed-head">
                <h2>{ "Embed in course notes" }</h2>
                <button class="link" aria-label="Close the Embed dialog" title="Close (Esc)" onclick={close}>{ "×" }</button>
            </div>
            <div class="embed-options">
                <label class="check"><input type="checkbox" checked={options.autoplay} onchange={on_autoplay} aria-label="Autoplay" />{ "autoplay" }</label>
                <label class="check"><input type="checkbox" checked={options.looping} onchange={on_loop} aria-label="Loop" />{ "loop (next seed)" }</label>
                <span class="embed-locks">{ "lock:" }{ for EMBED_LOCKS.iter().map(|&(key, label)| lock_box(key, label)) }</span>
                <label>{ "view " }
                    <select onchange={on_view} aria-label="Embedded view" data-testid="embed-view">
                        { for view_keys::View::ALL.iter().map(|view| html! {
                            <option value={view.name()} selected={*view == options.view}>{ view.names().1 }</option>
                        }) }
                    </select>
                </label>
                <label>{ "size " }
                    <select onchange={on_size} aria-label="Embed size" data-testid="embed-size">
                        { for EMBED_SIZES.iter().map(|&(w, h)| html! {
                            <option selected={(w, h) == options.size}>{ format!("{w} × {h}") }</option>
                        }) }
                    </select>
                </label>
                <button onclick={toggle_preview} aria-pressed={options.preview.to_string()}>{ "Preview" }</button>
            </div>
            <label for="embed-snippet">{ "Paste this into your course notes:" }</label>
            <textarea id="embed-snippet" data-testid="embed-snippet" readonly=true rows="3" value={snippet.to_string()} />
            if options.preview {
                <div class="embed-preview" style={holder_style}>
                    <iframe src={src.to_string()} style={frame_style} title="Embed preview" data-testid="embed-preview"></iframe>
                </div>
            }
        </div>
    }
}

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
    // views (#8): the link and the embed open the view shown, with its panels.
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
