//! The space-time view (`view=spacetime`): one run's trace, or a loaded one (a file picked or
//! dropped, or `trace=` a same-origin URL), on a stage and in the space-time diagram, with its
//! own timeline; the trace and the diagram export as JSON Lines and SVG. Also the run view's
//! space-time panel for small networks. Every trace, the lab's or a loaded one, goes through the
//! same `Replay`, so what was exported and loaded back is drawn the same.

use crate::engine::trace::{self, Replay};
use crate::engine::{Config, Mode};
use crate::ui::charts::spacetime::{self, Data, Diagram};
use crate::ui::charts::trace_stage::{self, Moment};
use crate::ui::state::{Action, Run};
use crate::ui::widgets::palette::{self, Rgb};
use gloo_render::{AnimationFrame, request_animation_frame};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlInputElement};
use yew::prelude::*;

/// The most nodes the diagram draws a line for (a loaded trace or the run's own).
pub const DIAGRAM_NODES: u32 = 100;
/// Where the run's own trace opens: the end of round 8, in ticks.
const OPENING: f64 = 800.0;
/// The run view shows its space-time panel up to this many nodes.
pub const PANEL_NODES: u32 = 32;

/// A trace ready to show: its replay, its text (for the export) and where it came from.
#[derive(Clone)]
pub struct Shown {
    pub replay: Rc<Replay>,
    pub text: Rc<String>,
    /// "this run: push, N = 16, seed 3" or the file's name.
    pub source: String,
    /// The export's file name, without extension.
    pub name: String,
    /// The protocol whose kinds colour the datagrams first (the run's own).
    pub mode: Option<Mode>,
}

/// Each kind's colour: the look its protocol declares (the shown run's first, then any in the
/// registry with that name), else one of the spare colours by order.
pub fn kind_colours(kinds: &[String], mode: Option<Mode>) -> Vec<Rgb> {
    const SPARE: [Rgb; 4] = [(0, 0, 0), (120, 120, 120), (204, 121, 167), (86, 180, 233)];
    let config = Config::default();
    let declared = |name: &str| {
        mode.into_iter()
            .chain(Mode::ALL)
            .flat_map(|mode| {
                mode.spec()
                    .kinds(&Config {
                        mode,
                        ..config.clone()
                    })
                    .iter()
            })
            .find(|kind| kind.name == name)
            .map(|kind| palette::chart_colour(kind.look))
    };
    kinds
        .iter()
        .enumerate()
        .map(|(index, name)| declared(name).unwrap_or(SPARE[index % SPARE.len()]))
        .collect()
}

fn timer_colours(names: &[String]) -> Vec<Rgb> {
    (0..names.len())
        .map(|index| spacetime::TIMER_COLOURS[index % spacetime::TIMER_COLOURS.len()])
        .collect()
}

/// The diagram's data for a trace, highlighting `highlight`, up to `until` (a place in ticks).
pub fn data(shown: &Shown, highlight: Option<u32>, until: f64) -> Rc<Data> {
    let replay = &shown.replay;
    Rc::new(Data {
        colours: kind_colours(&replay.kinds, shown.mode),
        timer_colours: timer_colours(&replay.timer_names),
        until: until.max(1.0),
        highlight,
        replay: replay.clone(),
    })
}

/// The run's trace of `config` (to its end, or to `rounds`, with the clicked crashes), or why
/// not (too many nodes, too many events).
pub fn run_trace(
    config: &Config,
    rounds: Option<u32>,
    clicks: &[(u32, u32, bool)],
) -> Result<Shown, String> {
    let config = config.clone().without_inapplicable();
    if config.nodes > DIAGRAM_NODES {
        return Err(format!(
            "The space-time diagram draws one line per node: at most {DIAGRAM_NODES} (this run has {}). Lower N, or load a trace.",
            config.nodes
        ));
    }
    let events = trace::record(&config, rounds, clicks)?;
    let mut replay = Replay::from_events(&events).map_err(|error| error.to_string())?;
    // A node that took part in nothing (cut off early) still has its line.
    replay.nodes = replay.nodes.max(config.nodes);
    Ok(Shown {
        replay: Rc::new(replay),
        text: Rc::new(trace::write(&events)),
        source: format!(
            "this run: {}, N = {}, seed {}",
            config.mode.name(),
            config.nodes,
            config.seed
        ),
        name: format!(
            "gossip-lab_{}_n{}_seed{}_trace",
            config.mode.name(),
            config.nodes,
            config.seed
        ),
        mode: Some(config.mode),
    })
}

/// A loaded trace's text as a `Shown`, or the message saying what is wrong (with its line).
pub fn load(text: String, source: &str) -> Result<Shown, String> {
    let replay = Replay::load(&text).map_err(|error| format!("{source}: {error}"))?;
    if replay.nodes > DIAGRAM_NODES {
        return Err(format!(
            "{source}: node {} is beyond the {DIAGRAM_NODES} nodes the diagram draws",
            replay.nodes - 1
        ));
    }
    let stem = source
        .rsplit('/')
        .next()
        .unwrap_or(source)
        .trim_end_matches(".jsonl");
    Ok(Shown {
        replay: Rc::new(replay),
        text: Rc::new(text),
        source: format!("loaded: {source}"),
        name: stem.to_string(),
        mode: None,
    })
}

/// The refusal of a file too large to read, before reading it.
fn too_large(bytes: f64) -> Option<String> {
    (bytes > trace::MAX_BYTES as f64).then(|| {
        format!(
            "the file is {:.1} MB; at most {} MB are read",
            bytes / (1024.0 * 1024.0),
            trace::MAX_BYTES / (1024 * 1024)
        )
    })
}

/// Reads a picked or dropped file, then hands the result on.
fn read_file(file: web_sys::File, done: Callback<Result<Shown, String>>) {
    let name = file.name();
    if let Some(problem) = too_large(file.size()) {
        done.emit(Err(format!("{name}: {problem}")));
        return;
    }
    yew::platform::spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|text| text.as_string());
        done.emit(match text {
            Some(text) => load(text, &name),
            None => Err(format!("{name} could not be read as text")),
        });
    });
}

/// Fetches a same-origin trace (`trace=`), then hands the result on.
fn fetch_trace(path: String, done: Callback<Result<Shown, String>>) {
    yew::platform::spawn_local(async move {
        let result = async {
            let window = web_sys::window().ok_or("no window")?;
            let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&path))
                .await
                .map_err(|_| format!("{path} could not be fetched"))?;
            let response: web_sys::Response = response.unchecked_into();
            if !response.ok() {
                return Err(format!("{path} answered HTTP {}", response.status()));
            }
            let length = response
                .headers()
                .get("content-length")
                .ok()
                .flatten()
                .and_then(|length| length.parse::<f64>().ok());
            if let Some(problem) = length.and_then(too_large) {
                return Err(format!("{path}: {problem}"));
            }
            let text = response.text().map_err(|_| format!("{path} has no text"))?;
            let text = wasm_bindgen_futures::JsFuture::from(text)
                .await
                .map_err(|_| format!("{path} could not be read"))?;
            load(text.as_string().unwrap_or_default(), &path)
        }
        .await;
        done.emit(result);
    });
}

/// Downloads the diagram as SVG, with the configuration in its metadata.
fn export_svg(svg: &NodeRef, name: &str) {
    if let Some(element) = svg.cast::<web_sys::Element>() {
        let text = crate::ui::lecture::metadata::svg_with_metadata(
            &element.outer_html(),
            &crate::ui::lecture::metadata::describe(
                name,
                &web_sys::window()
                    .and_then(|window| window.location().search().ok())
                    .unwrap_or_default(),
            ),
        );
        crate::ui::lecture::export::save_text(&text, "image/svg+xml", &format!("{name}.svg"));
    }
}

/// The legend: each kind's colour, then each timer's.
fn legend(shown: &Shown) -> Html {
    let replay = &shown.replay;
    let colours = kind_colours(&replay.kinds, shown.mode);
    let timers = timer_colours(&replay.timer_names);
    html! {
        <ul class="legend chart-legend spacetime-legend" aria-label="Space-time legend">
            { for replay.kinds.iter().zip(colours).map(|(kind, rgb)| html! {
                <li><span class="swatch line" style={format!("--swatch: {}", palette::hex(rgb))} aria-hidden="true"></span>{ kind.clone() }</li>
            }) }
            { for replay.timer_names.iter().zip(timers).map(|(name, rgb)| html! {
                <li><span class="swatch bar" style={format!("--swatch: {}", palette::hex(rgb))} aria-hidden="true"></span>{ name.clone() }</li>
            }) }
            <li><span class="swatch cross" style={format!("--swatch: {}", palette::hex(palette::LOST))} aria-hidden="true"></span>{ "lost" }</li>
            <li><span class="swatch dot small" style={format!("--swatch: {}", palette::hex(palette::INK))} aria-hidden="true"></span>{ "first copy" }</li>
        </ul>
    }
}

#[derive(Properties, PartialEq)]
pub struct SpacetimeViewProps {
    pub config: Config,
    /// Playback speed in rounds per second (the page's).
    pub speed: f64,
    /// `trace=`: a same-origin trace to load first.
    pub trace: Option<String>,
}

/// The space-time view: the run's trace or a loaded one, on a stage and in the diagram.
#[function_component(SpacetimeView)]
pub fn spacetime_view(props: &SpacetimeViewProps) -> Html {
    let own = use_memo(props.config.clone(), |config| run_trace(config, None, &[]));
    let loaded = use_state(|| None::<Shown>);
    let error = use_state(|| None::<String>);
    // The run's own trace opens at its eighth round: a long run's overview is a thicket, its
    // first rounds are the lesson (Play or the timeline go on).
    let cursor = use_state(|| OPENING);
    let playing = use_state(|| false);
    let highlight = use_state(|| None::<u32>);
    let hovered = use_state(|| None::<usize>);
    let dragging = use_state(|| false);
    let stage = use_node_ref();
    let svg = use_node_ref();

    let on_loaded = {
        let (loaded, error, cursor, highlight, playing) = (
            loaded.clone(),
            error.clone(),
            cursor.clone(),
            highlight.clone(),
            playing.clone(),
        );
        Callback::from(move |result: Result<Shown, String>| match result {
            Ok(shown) => {
                loaded.set(Some(shown));
                error.set(None);
                cursor.set(0.0);
                highlight.set(None);
                playing.set(true);
            }
            Err(message) => error.set(Some(message)),
        })
    };
    {
        let on_loaded = on_loaded.clone();
        use_effect_with(props.trace.clone(), move |trace| {
            if let Some(path) = trace.clone() {
                fetch_trace(path, on_loaded);
            }
        });
    }

    let shown: Option<Shown> = (*loaded).clone().or_else(|| own.as_ref().clone().ok());
    let until = shown
        .as_ref()
        .map_or(1.0, |shown| shown.replay.end as f64 + 1.0);
    let now = cursor.min(until);
    // The diagram spans the rounds up to the time shown (at least eight), the whole trace once it
    // has played: a long run's first rounds are not squeezed into a sliver while they play.
    let span = if now >= until {
        until
    } else {
        (f64::from(Replay::round_of(now as u64).max(8)) * 100.0).min(until)
    };
    let data = {
        let key = shown
            .as_ref()
            .map(|shown| Rc::as_ptr(&shown.replay) as usize);
        let shown = shown.clone();
        use_memo(
            (key, *highlight, span as u64),
            move |(_, highlight, span)| shown.map(|shown| data(&shown, *highlight, *span as f64)),
        )
    };

    // Playing: each frame moves the cursor on by the page's speed, in rounds per second.
    let frame = use_mut_ref(|| None::<AnimationFrame>);
    let last = use_mut_ref(|| None::<f64>);
    {
        let (frame, last, cursor, playing) =
            (frame.clone(), last.clone(), cursor.clone(), playing.clone());
        let speed = props.speed;
        use_effect(move || {
            if *playing {
                let (last_frame, cursor, playing) = (last.clone(), cursor.clone(), playing.clone());
                *frame.borrow_mut() = Some(request_animation_frame(move |timestamp| {
                    let elapsed = last_frame
                        .borrow()
                        .map_or(0.0, |last| (timestamp - last).min(100.0));
                    *last_frame.borrow_mut() = Some(timestamp);
                    let next = now + elapsed / 1000.0 * speed * 100.0;
                    if next >= until {
                        playing.set(false);
                        cursor.set(until);
                    } else {
                        cursor.set(next);
                    }
                }));
            } else {
                frame.borrow_mut().take();
                last.borrow_mut().take();
            }
        });
    }
    // The stage follows the cursor; drawn again a frame later (the first layout may still
    // move) and when the window is resized.
    let resized = use_state(|| 0u32);
    {
        let resized = resized.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                gloo_events::EventListener::new(&window, "resize", move |_| {
                    resized.set(resized.wrapping_add(1))
                })
            });
            move || drop(listener)
        });
    }
    let settle = use_mut_ref(|| None::<AnimationFrame>);
    {
        let (stage, shown, highlight) = (stage.clone(), shown.clone(), *highlight);
        let _ = *resized;
        use_effect(move || {
            let paint = move || {
                if let (Some(canvas), Some(shown)) = (stage.cast::<HtmlCanvasElement>(), &shown) {
                    let colours = kind_colours(&shown.replay.kinds, shown.mode);
                    let timers = timer_colours(&shown.replay.timer_names);
                    let _ = trace_stage::draw(
                        &canvas,
                        &Moment {
                            replay: &shown.replay,
                            colours: &colours,
                            timer_colours: &timers,
                            cursor: now,
                            until,
                            highlight,
                        },
                    );
                }
            };
            paint();
            *settle.borrow_mut() = Some(request_animation_frame(move |_| paint()));
        });
    }

    let on_node = {
        let highlight = highlight.clone();
        Callback::from(move |node: u32| {
            highlight.set((*highlight != Some(node)).then_some(node));
        })
    };
    let on_stage_click = {
        let (on_node, stage) = (on_node.clone(), stage.clone());
        let nodes = shown.as_ref().map_or(0, |shown| shown.replay.nodes);
        Callback::from(move |event: MouseEvent| {
            if let Some(canvas) = stage.cast::<HtmlCanvasElement>()
                && let Some(node) = trace_stage::node_at(
                    &canvas,
                    nodes,
                    f64::from(event.offset_x()),
                    f64::from(event.offset_y()),
                )
            {
                on_node.emit(node);
            }
        })
    };
    let on_hover = {
        let hovered = hovered.clone();
        Callback::from(move |index: Option<usize>| hovered.set(index))
    };
    let on_seek = {
        let (cursor, playing) = (cursor.clone(), playing.clone());
        Callback::from(move |place: f64| {
            playing.set(false);
            cursor.set(place);
        })
    };
    let on_scrub = {
        let on_seek = on_seek.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            on_seek.emit(input.value_as_number().max(0.0));
        })
    };
    let on_play = {
        let (playing, cursor) = (playing.clone(), cursor.clone());
        Callback::from(move |_: MouseEvent| {
            if !*playing && now >= until {
                cursor.set(0.0);
            }
            playing.set(!*playing);
        })
    };
    let on_pick = {
        let on_loaded = on_loaded.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                read_file(file, on_loaded.clone());
            }
            // The same file picked again loads again.
            input.set_value("");
        })
    };
    let on_drop = {
        let (on_loaded, dragging) = (on_loaded.clone(), dragging.clone());
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dragging.set(false);
            if let Some(file) = event
                .data_transfer()
                .and_then(|transfer| transfer.files())
                .and_then(|files| files.get(0))
            {
                read_file(file, on_loaded.clone());
            }
        })
    };
    let on_drag_over = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dragging.set(true);
        })
    };
    let on_drag_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_export = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(shown) = &shown {
                crate::ui::lecture::export::save_text(
                    &shown.text,
                    "application/jsonl",
                    &format!("{}.jsonl", shown.name),
                );
            }
        })
    };
    let on_svg = {
        let (svg, name) = (
            svg.clone(),
            shown
                .as_ref()
                .map(|shown| shown.name.clone())
                .unwrap_or_default(),
        );
        Callback::from(move |_: MouseEvent| export_svg(&svg, &name))
    };
    let on_own = {
        let (loaded, cursor, error) = (loaded.clone(), cursor.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            loaded.set(None);
            error.set(None);
            cursor.set(OPENING);
        })
    };

    let readout = match (&shown, *hovered) {
        (Some(shown), Some(index)) => shown
            .replay
            .flights
            .get(index)
            .map(|flight| spacetime::describe(&shown.replay, flight)),
        _ => None,
    }
    .or_else(|| highlight.map(|node| format!("node {node} highlighted (click it again to clear)")))
    .unwrap_or_else(|| {
        "Hover an arrow to see its datagram; click a node to highlight its line.".into()
    });
    let rounds = Replay::round_of(now.max(0.0) as u64).min(Replay::round_of(until as u64));
    let total = Replay::round_of((until - 1.0).max(0.0) as u64);
    let drawn = shown.as_ref().map_or(0, |shown| shown.replay.flights.len());
    html! {
        <section class="panel spacetime-panel" aria-label="Space-time diagram">
            <div class={classes!("trace-bar", dragging.then_some("dragging"))} ondragover={on_drag_over.clone()}
                ondragleave={on_drag_leave} ondrop={on_drop.clone()}>
                <button data-testid="trace-play" onclick={on_play} disabled={shown.is_none()}>
                    { if *playing { "Pause" } else if now >= until { "Replay" } else { "Play" } }</button>
                <input type="range" data-testid="trace-timeline" aria-label="Trace time (ticks)" min="0"
                    max={until.floor().to_string()} step="1" value={now.floor().to_string()} oninput={on_scrub}
                    aria-valuetext={format!("round {rounds} of {total}")} />
                <span class="timeline-label" data-testid="trace-round">{ format!("round {rounds} / {total}") }</span>
                <label class="drop-zone" title="Drop a .jsonl trace here, or click to pick one">
                    { "Load trace…" }
                    <input type="file" accept=".jsonl,.json,.txt,application/jsonl" data-testid="trace-drop" onchange={on_pick} />
                </label>
                <button data-testid="trace-export" onclick={on_export} disabled={shown.is_none()}>{ "Export trace" }</button>
                <button data-testid="spacetime-svg" onclick={on_svg} disabled={shown.is_none()}>{ "SVG" }</button>
                if loaded.is_some() {
                    <button onclick={on_own}>{ "Back to this run" }</button>
                }
            </div>
            if let Some(message) = &*error {
                <p class="trace-error" role="alert" data-testid="trace-error">{ message.clone() }</p>
            }
            if let Some(shown) = &shown {
                <p class="trace-source" data-testid="trace-source">
                    { format!("{} · {} events, {} nodes, {} datagrams", shown.source, shown.replay.events, shown.replay.nodes, drawn) }
                    if drawn > spacetime::MAX_ARROWS {
                        { format!(" (the first {} drawn)", spacetime::MAX_ARROWS) }
                    }
                </p>
                <div class="spacetime-body" ondragover={on_drag_over} ondrop={on_drop}>
                    <canvas ref={stage} class="stage trace-stage" data-testid="trace-stage" onclick={on_stage_click}
                        role="img" aria-label="The trace's nodes at the time shown, with the datagrams in the air"></canvas>
                    <div class="spacetime-chart">
                        if let Some(data) = (*data).clone() {
                            <Diagram {data} cursor={Some(now)} {on_node} {on_hover} on_seek={Some(on_seek)} svg={svg}
                                label="Space-time diagram: one line per node, time to the right, each datagram an arrow" />
                        }
                        <p class="spacetime-readout" data-testid="spacetime-readout" aria-live="polite">{ readout }</p>
                        { legend(shown) }
                    </div>
                </div>
            } else if let Err(message) = own.as_ref() {
                <p class="trace-note" data-testid="trace-note">{ message.clone() }</p>
            }
        </section>
    }
}

#[derive(Properties)]
pub struct PanelProps {
    pub run: Rc<RefCell<Run>>,
    pub version: u64,
    pub selected: Option<u32>,
    pub dispatch: Callback<Action>,
}

impl PartialEq for PanelProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.selected == other.selected
    }
}

/// The run view's space-time panel (small networks): the run so far, replayed with its clicks,
/// to the round shown, so it follows the timeline; a node clicked here or on the stage is
/// highlighted.
#[function_component(SpacetimePanel)]
pub fn spacetime_panel(props: &PanelProps) -> Html {
    let hovered = use_state(|| None::<usize>);
    let svg = use_node_ref();
    let (shown, round) = {
        let run = props.run.borrow();
        let round = run.simulation.round();
        let key = (props.version, round);
        let config = run.simulation.config().clone();
        let clicks = run.clicks.clone();
        (
            use_memo(key, move |_| run_trace(&config, Some(round), &clicks)),
            round,
        )
    };
    let data = {
        let shown = shown.clone();
        // The run so far: to the end of the round shown, or of the last event (a delayed
        // datagram's arrival may fall later).
        let until = shown
            .as_ref()
            .as_ref()
            .map_or(0.0, |shown| shown.replay.end as f64 + 1.0)
            .max(f64::from(round.max(1)) * 100.0);
        use_memo((props.version, props.selected), move |(_, selected)| {
            shown
                .as_ref()
                .as_ref()
                .ok()
                .map(|shown| data(shown, *selected, until))
        })
    };
    let on_node = props
        .dispatch
        .reform(|node: u32| Action::Select(Some(node)));
    let on_hover = {
        let hovered = hovered.clone();
        Callback::from(move |index: Option<usize>| hovered.set(index))
    };
    let readout = match (shown.as_ref(), *hovered) {
        (Ok(shown), Some(index)) => shown
            .replay
            .flights
            .get(index)
            .map(|flight| spacetime::describe(&shown.replay, flight)),
        _ => None,
    }
    .unwrap_or_else(|| {
        "Hover an arrow to see its datagram; click a node's number to highlight its line.".into()
    });
    let on_svg = {
        let svg = svg.clone();
        let name = shown
            .as_ref()
            .as_ref()
            .map(|shown| shown.name.clone())
            .unwrap_or_default();
        Callback::from(move |_: MouseEvent| export_svg(&svg, &name))
    };
    let body = match (shown.as_ref(), (*data).clone()) {
        (Ok(shown), Some(data)) => html! {
            <>
                <Diagram {data} cursor={None::<f64>} {on_node} {on_hover} svg={svg}
                    label="Space-time diagram of this run so far: one line per node, each datagram an arrow" />
                <p class="spacetime-readout" data-testid="spacetime-readout" aria-live="polite">{ readout }</p>
                { legend(shown) }
                <div class="export" role="group" aria-label="Export">
                    <button onclick={on_svg} data-testid="spacetime-svg">{ "SVG" }</button>
                </div>
            </>
        },
        (Err(message), _) => html! { <p class="trace-note">{ message.clone() }</p> },
        _ => html! {},
    };
    html! {
        <div class="spacetime-run" aria-label="Space-time diagram of this run">
            <h3 class="chart-title">{ "Space-time diagram" }</h3>
            { body }
        </div>
    }
}
