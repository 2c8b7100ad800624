//! The app: layout, the keyboard shortcuts, and the frame loop that plays rounds at the chosen
//! speed and paints the stage and the charts.

use super::charts::{comparison, core, coverage, datagrams, infection, latency};
use super::state::{self, ANIMATED_NODES, Action, History, Lab};
use crate::engine::Counters;
use crate::ui::run::controls::Controls;
use crate::ui::run::panels::{
    Counts, Expectation, Explanation, Legend, Milestones, NodeDetails, Notices, RunProps,
};
use crate::ui::run::stage;
use crate::ui::url;
use crate::ui::url::view_keys;
use crate::ui::widgets::canvas;
use crate::ui::widgets::frame_loop::FrameLoop;
use crate::ui::widgets::palette;
use gloo_events::{EventListener, EventListenerOptions};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlElement, KeyboardEvent};
use yew::prelude::*;

/// How long the datagrams of a single step take to fly when not playing, in ms.
const STEP_ANIMATION_MS: f64 = 900.0;
/// Frames kept for the `?perf=1` readout.
const PERF_WINDOW: usize = 120;

fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map(|performance| performance.now())
        .unwrap_or(0.0)
}

fn initial_lab() -> Lab {
    let query = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    let (setup, notices) = url::parse_query(&query);
    Lab::new(setup, notices)
}

/// What the frame loop remembers between frames.
#[derive(Default)]
struct Painter {
    /// The run version the charts (and a large-N stage) were last drawn for.
    painted_version: Option<u64>,
    /// When the newest round started animating, and which version that was.
    round_started: f64,
    /// How far through its round the stage was last drawn (0 to 1), to draw it again so.
    stage_progress: f64,
    seen_version: u64,
    /// The version an Advance was dispatched for; no second one until the state moves on.
    awaiting: Option<u64>,
    last_timestamp: Option<f64>,
    /// When the first frame was painted, in ms since navigation started.
    first_frame_ms: Option<f64>,
    work_ms: VecDeque<f64>,
    intervals_ms: VecDeque<f64>,
}

impl Painter {
    fn record_interval(&mut self, timestamp: f64) {
        if let Some(last) = self.last_timestamp {
            push_window(&mut self.intervals_ms, timestamp - last);
        }
        self.last_timestamp = Some(timestamp);
    }

    fn readout(&self) -> String {
        let mut work: Vec<f64> = self.work_ms.iter().copied().collect();
        work.sort_by(f64::total_cmp);
        let median = work.get(work.len() / 2).copied().unwrap_or(0.0);
        let worst = work.last().copied().unwrap_or(0.0);
        let mean_interval =
            self.intervals_ms.iter().sum::<f64>() / self.intervals_ms.len().max(1) as f64;
        let fps = if mean_interval > 0.0 {
            1000.0 / mean_interval
        } else {
            0.0
        };
        let first = self.first_frame_ms.unwrap_or(0.0);
        format!(
            "frame work: median {median:.2} ms, worst {worst:.2} ms · {fps:.0} fps · first frame at {first:.0} ms · wasm memory {:.0} MB",
            wasm_memory_bytes() / 1e6
        )
    }
}

/// The wasm instance's linear memory now (it only grows): the engine's and the page's data.
fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|memory| memory.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map_or(0.0, |buffer| f64::from(buffer.byte_length()))
}

fn push_window(window: &mut VecDeque<f64>, value: f64) {
    if window.len() == PERF_WINDOW {
        window.pop_front();
    }
    window.push_back(value);
}

/// A thinned per-round series as (round, value) points.
fn curve(history: &History<f64>) -> Vec<(f64, f64)> {
    history
        .points(0)
        .map(|(round, &fraction)| (f64::from(round), fraction))
        .collect()
}

fn canvas(node: &NodeRef) -> Option<HtmlCanvasElement> {
    node.cast::<HtmlCanvasElement>()
}

/// One frame: play what is due (only while the run view is shown), then paint what changed.
/// Returns nothing; errors in drawing are logged, never thrown (a failed frame must not stop the
/// loop).
fn on_frame(
    lab: &UseReducerHandle<Lab>,
    painter: &mut Painter,
    views: &Views,
    in_run_view: bool,
    timestamp: f64,
) {
    painter.record_interval(timestamp);
    if lab.version != painter.seen_version {
        painter.seen_version = lab.version;
        painter.round_started = timestamp;
    }
    let round_ms = if lab.playing {
        1000.0 / lab.speed
    } else {
        STEP_ANIMATION_MS
    };
    let progress = ((timestamp - painter.round_started) / round_ms).clamp(0.0, 1.0);
    // views: a tour step may set the hidden run playing; it waits for its view. A round
    // cut by the frame's work budget goes on at every frame until it ends.
    let mid_round = lab.run.borrow().mid_round();
    if in_run_view
        && lab.playing
        && (mid_round
            || painter.awaiting != Some(lab.version) && (lab.fast_forward || progress >= 1.0))
    {
        painter.awaiting = Some(lab.version);
        lab.dispatch(Action::Advance);
    }

    let run = lab.run.borrow();
    let animated = run.simulation.config().nodes <= ANIMATED_NODES;
    let changed = painter.painted_version != Some(lab.version);
    if let Some(stage_canvas) = canvas(&views.stage).filter(|_| animated || changed) {
        let shown = if lab.fast_forward { 1.0 } else { progress };
        painter.stage_progress = shown;
        if let Err(error) = stage::draw(&stage_canvas, &run, shown, lab.selected) {
            web_sys::console::error_1(&error);
        }
    }
    if changed {
        painter.painted_version = Some(lab.version);
        let log_rounds = lab.log_rounds;
        if let Some(chart) = canvas(&views.chart) {
            let ghost_points: Vec<(String, Vec<(f64, f64)>)> = lab
                .ghosts
                .iter()
                .map(|ghost| {
                    let label = state::ghost_label(&ghost.config, run.simulation.config());
                    (label, curve(&ghost.fractions))
                })
                .collect();
            let points = curve(&run.fractions);
            // async-racks: asynchronous gossip is drawn against time in periods, beside the
            // synchronous theory, with the asynchronous theory's figure marked.
            let config = run.simulation.config();
            let periods = config.timed() && config.asynchrony.is_some();
            let async_mark = periods
                .then(|| crate::engine::protocols::closed_form_rounds(config))
                .flatten()
                .map(|(time, source)| {
                    // The closed form's shape: "about 2 ln N periods with ..." gives "~2 ln N".
                    let shape = source
                        .split("about ")
                        .nth(1)
                        .and_then(|rest| rest.split(" periods").next())
                        .unwrap_or("Poisson clocks");
                    (time, format!("async theory (~{shape}): {time:.1} periods"))
                });
            // No curve, no legend entry: the theory note under the chart says which theory holds.
            let theory_label = run.theory_label().map(|label| {
                if periods {
                    format!("synchronous {label}")
                } else {
                    label
                }
            });
            let data = infection::InfectionData {
                points: &points,
                theory: &run.theory,
                theory_rounds: run.theory_rounds,
                theory_label,
                periods,
                async_mark,
                ghosts: ghost_points
                    .iter()
                    .map(|(label, points)| infection::Ghost { label, points })
                    .collect(),
                log_rounds,
                y_desc: if config.mode.group() == crate::engine::config::Group::Membership {
                    &["share believing X failed", "believing X failed", "X failed"]
                } else {
                    &["informed fraction", "informed"]
                },
            };
            if let Err(error) = infection::draw(&chart, &data) {
                web_sys::console::error_1(&error.to_string().into());
            }
        }
        let config = run.simulation.config();
        if let (Some(chart), Some(comparison)) = (canvas(&views.comparison), &run.comparison) {
            // Many messages: the comparison is the policies' latency per message.
            let drawn = if config.many_messages() {
                latency::draw(&chart, comparison, config.messages.count)
            } else {
                comparison::draw(&chart, comparison)
            };
            if let Err(error) = drawn {
                web_sys::console::error_1(&error.to_string().into());
            }
        }
        // Many messages: the coverage heat strip.
        if let Some(chart) = canvas(&views.coverage) {
            let columns: Vec<(u32, &Vec<f32>)> = run.coverage.points(0).collect();
            if let Err(error) = coverage::draw(&chart, &columns) {
                web_sys::console::error_1(&error);
            }
        }
        // async-racks: datagrams through the core per round.
        if let Some(chart) = canvas(&views.core) {
            let rounds: Vec<(f64, u64)> = run
                .counters
                .points(1)
                .map(|(round, counters)| (f64::from(round), counters.through_core))
                .collect();
            let totals = run.simulation.totals();
            let mean = totals.through_core as f64 / f64::from(run.simulation.round().max(1));
            if let Err(error) = core::draw(&chart, &rounds, mean) {
                web_sys::console::error_1(&error.to_string().into());
            }
        }
        if let Some(chart) = canvas(&views.datagrams) {
            let rounds: Vec<(f64, Counters)> = run
                .counters
                .points(1)
                .map(|(round, counters)| (f64::from(round), *counters))
                .collect();
            if let Err(error) = datagrams::draw(&chart, run.simulation.kinds(), &rounds, log_rounds)
            {
                web_sys::console::error_1(&error.to_string().into());
            }
        }
    }
    painter.first_frame_ms.get_or_insert_with(now);
}

/// Measures each frame's main-thread work for `?perf=1`: from the start of the frame callback to
/// a message posted then. The message runs as the next task, after Yew's scheduler (a microtask)
/// has played the round and re-rendered, so the figure covers all of the frame's work.
struct FrameTimer {
    channel: web_sys::MessageChannel,
    frame_started: Rc<std::cell::Cell<f64>>,
    _on_message: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl FrameTimer {
    fn new(painter: Rc<RefCell<Painter>>, perf: NodeRef) -> Option<FrameTimer> {
        let channel = web_sys::MessageChannel::new().ok()?;
        let frame_started = Rc::new(std::cell::Cell::new(0.0));
        let started = frame_started.clone();
        let on_message = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            let mut painter = painter.borrow_mut();
            push_window(&mut painter.work_ms, now() - started.get());
            if painter.work_ms.len().is_multiple_of(15)
                && let Some(readout) = perf.cast::<HtmlElement>()
            {
                readout.set_text_content(Some(&painter.readout()));
            }
        });
        channel
            .port1()
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(FrameTimer {
            channel,
            frame_started,
            _on_message: on_message,
        })
    }

    fn start_frame(&self) {
        self.frame_started.set(now());
        let _ = self
            .channel
            .port2()
            .post_message(&wasm_bindgen::JsValue::NULL);
    }
}

impl Drop for FrameTimer {
    fn drop(&mut self) {
        self.channel.port1().set_onmessage(None);
    }
}

#[derive(Clone)]
struct Views {
    stage: NodeRef,
    chart: NodeRef,
    datagrams: NodeRef,
    comparison: NodeRef,
    /// Many messages: the coverage heat strip.
    coverage: NodeRef,
    perf: NodeRef,
    core: NodeRef, // async-racks
}

/// "Path from the sender: 0 → 7 → 12 (2 hops)".
fn path_words(path: &[u32]) -> String {
    let hops = path.len().saturating_sub(1);
    let nodes: Vec<String> = path.iter().map(u32::to_string).collect();
    let unit = if hops == 1 { "hop" } else { "hops" };
    format!(
        "Path from the sender: {} ({hops} {unit})",
        nodes.join(" → ")
    )
}

/// The lesson's own chart beside its figure, where the protocol has one.
#[derive(Clone, Copy, PartialEq)]
enum LessonChart {
    None,
    /// The same seed with the protocol's switch on and off (SRM's NAK storm, RMTP's implosion).
    Comparison,
    /// Membership: the nodes that consider the crashed node failed, over time.
    Detection,
}

/// Space: play/pause, →: step, R: reset; not while typing in a field or moving a slider.
fn shortcut(event: &KeyboardEvent) -> Option<Action> {
    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return None;
    }
    let target = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok());
    if let Some(element) = target {
        let tag = element.tag_name().to_ascii_lowercase();
        if tag == "input" || tag == "select" || tag == "textarea" {
            return None;
        }
    }
    match event.key().as_str() {
        " " | "Spacebar" => Some(Action::TogglePlay),
        "ArrowRight" => Some(Action::Step),
        "r" | "R" => Some(Action::Reset),
        _ => None,
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let lab = use_reducer(initial_lab);
    // views: Run / Compare / Experiment / Scaling; the views other than Run replace <main>.
    let view_setup = use_state(super::views::initial_setup);
    // One callback for the page's life (the setter is stable): the compare panels' memos hold.
    let on_view_setup = use_callback(
        view_setup.setter(),
        |setup: view_keys::ViewSetup, set_setup| {
            super::views::write_url(&setup);
            set_setup.set(setup);
        },
    );
    // `autoplay=1` plays the compare panels only in the view the page opened with, not on every
    // return to the tab.
    let opening_view = use_mut_ref(|| Some(view_setup.view));
    if *opening_view.borrow() != Some(view_setup.view) {
        *opening_view.borrow_mut() = None;
    }
    let autoplay = lab.lecture.autoplay && opening_view.borrow().is_some();
    let on_tab = {
        let (setup, on_view_setup) = ((*view_setup).clone(), on_view_setup.clone());
        Callback::from(move |view| {
            on_view_setup.emit(view_keys::ViewSetup {
                view,
                ..setup.clone()
            })
        })
    };
    let views = Views {
        stage: use_node_ref(),
        chart: use_node_ref(),
        datagrams: use_node_ref(),
        comparison: use_node_ref(),
        coverage: use_node_ref(),
        perf: use_node_ref(),
        core: use_node_ref(),
    };
    // The newest state, for the frame loop and the key listener (they outlive a render).
    let latest = use_mut_ref(|| lab.clone());
    *latest.borrow_mut() = lab.clone();
    crate::ui::lecture::effects::use_lecture(&lab, &view_setup); // lecture: URL, theme, locks, keys, tours, loop
    {
        // views: the run pauses when its view is left (autoplay=1 plays the compare panels);
        // Pause, not Play/Pause, which would replay a finished run.
        let dispatcher = lab.dispatcher();
        use_effect_with(view_setup.view, move |&view| {
            if view != view_keys::View::Run {
                dispatcher.dispatch(Action::Pause);
            }
        });
    }

    {
        let latest = latest.clone();
        let views = views.clone();
        // views: a fresh painter when the view changes, so the run view's new canvases are drawn.
        use_effect_with(view_setup.view, move |&view| {
            let in_run_view = view == view_keys::View::Run;
            let painter = Rc::new(RefCell::new(Painter::default()));
            let perf = latest.borrow().perf;
            let timer = perf
                .then(|| FrameTimer::new(painter.clone(), views.perf.clone()))
                .flatten();
            // The stage drawn again as soon as its box changes size (the window, present mode,
            // a count's row that wraps), before the browser paints: drawn only by the frames, a
            // dense field kept its old pixels stretched until the run next moved.
            let redraw = {
                let (latest, painter, stage_ref) =
                    (latest.clone(), painter.clone(), views.stage.clone());
                move || {
                    let lab = latest.borrow().clone();
                    // The charts too, at the next frame (their boxes change with the stage's).
                    painter.borrow_mut().painted_version = None;
                    let progress = painter.borrow().stage_progress;
                    if let Some(stage_canvas) = canvas(&stage_ref)
                        && let Err(error) =
                            stage::draw(&stage_canvas, &lab.run.borrow(), progress, lab.selected)
                    {
                        web_sys::console::error_1(&error);
                    }
                }
            };
            let resized = views
                .stage
                .cast::<web_sys::Element>()
                .and_then(|stage| canvas::on_resize(&stage, Box::new(redraw)));
            let frames = FrameLoop::start(move |timestamp| {
                let lab = latest.borrow().clone();
                // Only frames that play a round count: idle frames would flatter the median.
                if let Some(timer) = timer.as_ref().filter(|_| lab.playing) {
                    timer.start_frame();
                }
                on_frame(
                    &lab,
                    &mut painter.borrow_mut(),
                    &views,
                    in_run_view,
                    timestamp,
                );
            });
            move || drop((frames, resized))
        });
    }
    // views: the keys drive the run in the run view, the panels in the compare view, and
    // nothing hidden in the other views.
    let shown_view = use_mut_ref(|| view_keys::View::Run);
    *shown_view.borrow_mut() = view_setup.view;
    let compare_playback = use_mut_ref(|| None::<Callback<Action>>);
    {
        let dispatcher = lab.dispatcher();
        let (shown_view, compare_playback) = (shown_view.clone(), compare_playback.clone());
        use_effect_with((), move |_| {
            let document = web_sys::window()
                .and_then(|window| window.document())
                .expect("a document");
            // Not passive: Space must not also scroll the page or press a focused button.
            let options = EventListenerOptions::enable_prevent_default();
            let listener =
                EventListener::new_with_options(&document, "keydown", options, move |event| {
                    let event = event
                        .dyn_ref::<KeyboardEvent>()
                        .expect("keydown is a KeyboardEvent");
                    let Some(action) = shortcut(event) else {
                        return;
                    };
                    match *shown_view.borrow() {
                        view_keys::View::Run => dispatcher.dispatch(action),
                        view_keys::View::Compare => match &*compare_playback.borrow() {
                            Some(playback) => playback.emit(action),
                            None => return,
                        },
                        _ => return,
                    }
                    event.prevent_default();
                });
            move || drop(listener)
        });
    }

    let dispatch = {
        let dispatcher = lab.dispatcher();
        Callback::from(move |action: Action| dispatcher.dispatch(action))
    };
    let on_stage_click = {
        let lab = lab.clone();
        let stage_ref = views.stage.clone();
        Callback::from(move |event: MouseEvent| {
            let Some(stage_canvas) = canvas(&stage_ref) else {
                return;
            };
            let node = stage::node_at(
                &stage_canvas,
                &lab.run.borrow(),
                f64::from(event.offset_x()),
                f64::from(event.offset_y()),
            );
            lab.dispatch(Action::ClickNode(node));
        })
    };
    let run_props = RunProps {
        run: lab.run.clone(),
        version: lab.version,
    };
    let (nodes, over) = (lab.config.nodes, lab.run.borrow().is_over());
    let kinds = lab.run.borrow().simulation.kinds();
    let structure = lab.run.borrow().simulation.structure();
    let tree = matches!(structure, crate::engine::Structure::Tree { .. })
        && lab.config.mode.spec().crash_cuts_subtree();
    let regions = matches!(structure, crate::engine::Structure::Regions { .. });
    let stream = lab.run.borrow().simulation.messages() > 1;
    // Rumor mongering: the engine tells who still spreads (the sender always has a state).
    let mongering = lab.run.borrow().simulation.spreading(0).is_some();
    let many_messages = lab.config.many_messages();
    let on_log = dispatch.reform(|event: Event| {
        let input: web_sys::HtmlInputElement = event.target_unchecked_into();
        Action::SetLogRounds(input.checked())
    });

    let theory_note = crate::engine::protocols::theory_note(lab.run.borrow().simulation.config());
    // The theory curve's legend as drawn on the canvas ("none": no curve), for tests and tools.
    let theory_curve = lab
        .run
        .borrow()
        .theory_label()
        .unwrap_or_else(|| "none".into());
    let run_exports = crate::ui::lecture::export::run_exports(&lab.run); // views
    // async-racks: asynchronous gossip puts time in periods on the chart's x axis.
    let chart_label = if lab.config.mode.group() == crate::engine::config::Group::Membership {
        "Share of the live nodes that believe X failed, per period"
    } else if lab.config.timed() && lab.config.asynchrony.is_some() {
        "Informed fraction against time in periods, with the synchronous theory curve and the asynchronous theory's time marked"
    } else {
        "Informed fraction per round, with the theory curve"
    };

    let stage_label = if lab.config.mode.group() == crate::engine::config::Group::Membership {
        format!(
            "The group of {} nodes, each coloured by what the others believe of it: alive, suspected or failed",
            lab.config.nodes
        )
    } else {
        format!(
            "The network of {} nodes; coloured nodes know the rumor",
            lab.config.nodes
        )
    };
    let node_path = lab
        .selected
        .and_then(|node| stage::path_from_sender(&lab.run.borrow().simulation, node));
    let membership = lab.config.mode.group() == crate::engine::config::Group::Membership;
    let has_lesson = lab.run.borrow().simulation.lesson().is_some();
    let cassandra = lab.config.mode == crate::engine::Mode::Cassandra;
    let lesson_chart = if membership {
        LessonChart::Detection
    } else if !many_messages && lab.run.borrow().comparison.is_some() {
        LessonChart::Comparison
    } else {
        LessonChart::None
    };

    html! {
        // The run view fits one screen: the stage, the main chart and the lesson never scroll.
        <div class={classes!("app", (view_setup.view == view_keys::View::Run).then_some("run-view"))}>
            <div class="toolbar">
                <header class="top">
                    <h1>{ "Gossip Lab" }</h1>
                    <super::views::Tabs view={view_setup.view} on_select={on_tab} />
                    <p class="tagline">{ "How a message spreads: a for-loop of unicasts, a tree, and gossip, round by round" }</p>
                    <p class="keys" aria-hidden="true"><kbd>{ "Space" }</kbd>{ " play/pause " }<kbd>{ "→" }</kbd>{ " step " }<kbd>{ "R" }</kbd>{ " reset" }</p>
                </header>
                <crate::ui::lecture::bar::LectureBar lab={lab.clone()} stage={views.stage.clone()}
                    view_keys={crate::ui::url::view_keys::keys(&view_setup)}
                    protocols={view_setup.protocols(lab.config.mode)} />
            </div>
            <Notices notices={lab.notices.clone()} dispatch={dispatch.clone()} />
            if view_setup.view != view_keys::View::Run {
                <super::views::ViewHost {autoplay} lock={lab.lecture.lock.clone()} setup={(*view_setup).clone()} config={lab.config.clone()} speed={lab.speed}
                    dispatch={dispatch.clone()} on_setup={on_view_setup}
                    on_playback={Callback::from(move |playback| *compare_playback.borrow_mut() = Some(playback))} />
            } else {
            <main class="layout">
                <section class="panel controls-panel" aria-label="Controls">
                    <Controls config={lab.config.clone()} speed={lab.speed} playing={lab.playing} {over} dispatch={dispatch.clone()}
                        click_crashes={lab.click_crashes} recover_with_state={lab.recover_with_state} />
                </section>
                <section class="panel stage-panel" aria-label="Network">
                    // The stage, the timeline, the counts and what a click on the stage shows fill
                    // the panel's height; the clicked node's path in words and the legend follow.
                    <div class="stage-fold">
                        <canvas ref={views.stage.clone()} class="stage" data-testid="stage" onclick={on_stage_click}
                            role="img" aria-label={stage_label}></canvas>
                        { crate::ui::lecture::bar::timeline(&lab) } // lecture
                        <Counts run={run_props.run.clone()} version={lab.version} />
                        <NodeDetails selected={lab.selected} run={run_props.clone()} dispatch={dispatch.clone()} />
                    </div>
                    if let Some(path) = &node_path {
                        <p class="node-path" data-testid="node-path">{ path_words(path) }</p>
                    }
                    <Legend mode={lab.config.mode} animated={nodes <= ANIMATED_NODES} {kinds} cut_off={tree} {regions} {stream} {mongering} />
                </section>
                <section class="panel results-panel" aria-label="Results">
                    <canvas ref={views.chart.clone()} class="chart" data-testid="chart" role="img"
                        aria-label={chart_label} data-theory-curve={theory_curve}></canvas>
                    // The lesson's figure and its own chart, right under the main chart.
                    if has_lesson || lesson_chart != LessonChart::None {
                        <div class="lesson" data-testid="lesson">
                            <Expectation run={run_props.run.clone()} version={lab.version} />
                            if lesson_chart == LessonChart::Comparison {
                                <div class="lesson-chart" data-testid="lesson-chart">
                                    { small_chart(&views.comparison, "comparison-chart", "The same run with the protocol's switch on and off") }
                                </div>
                            } else if lesson_chart == LessonChart::Detection && cassandra {
                                // Cassandra's lesson is phi's climb to the threshold.
                                <div class="lesson-chart" data-testid="lesson-chart">
                                    <crate::ui::run::membership::PhiChart run={run_props.run.clone()} version={lab.version} selected={lab.selected} />
                                </div>
                            } else if lesson_chart == LessonChart::Detection {
                                <div class="lesson-chart" data-testid="lesson-chart">
                                    <crate::ui::run::membership::DetectionChart run={run_props.run.clone()} version={lab.version} />
                                </div>
                            }
                        </div>
                    }
                    if lesson_chart == LessonChart::Detection && cassandra {
                        <crate::ui::run::membership::DetectionChart run={run_props.run.clone()} version={lab.version} />
                    }
                    // Which theory the dashed curve is, or why none is drawn.
                    <p class="theory-note" data-testid="theory-note">{ theory_note }</p>
                    <div class="chart-tools">
                        <label class="check">
                            <input type="checkbox" id="log-rounds" checked={lab.log_rounds} onchange={on_log} />
                            { "Log round axis" }
                        </label>
                        <button onclick={dispatch.reform(|_: MouseEvent| Action::ClearGhosts)} disabled={lab.ghosts.is_empty()}>
                            { "Clear earlier runs" }</button>
                    </div>
                    // views: PNG, SVG and CSV of the run's charts.
                    <crate::ui::lecture::export::ExportButtons canvas={views.chart.clone()} name={run_exports.0.clone()} csv={run_exports.1.clone()} />
                    { small_chart(&views.datagrams, "datagrams-chart", "Datagrams per round") }
                    <crate::ui::lecture::export::ExportButtons canvas={views.datagrams.clone()} name={format!("datagrams-{}", run_exports.0)} csv={run_exports.2.clone()} />
                    <ul class="legend chart-legend" aria-label="Datagrams chart legend">
                        { for datagrams::series(kinds).iter().map(|line| line_entry(line.colour, line.label.to_string())) }
                    </ul>
                    // The space-time diagram of the run so far, for networks small enough to read.
                    if nodes <= super::views::spacetime::PANEL_NODES {
                        <super::views::spacetime::SpacetimePanel run={run_props.run.clone()} version={lab.version}
                            selected={lab.selected} dispatch={dispatch.clone()} />
                    }
                    // async-racks
                    if lab.run.borrow().simulation.racks().racks > 1 {
                        { small_chart(&views.core, "core-chart", "Datagrams through the core switch per round") }
                    }
                    if many_messages {
                        // Many messages: coverage per message, latency per policy.
                        { small_chart(&views.coverage, "coverage-chart", "Coverage of each message per round: one row per message, darker is more nodes") }
                        <p class="chart-note">{ "Each row is a message, each column a round: the darker, the more live nodes hold it. Below, the same seed under each policy: rounds from a message's injection until every live node has it." }</p>
                        if let Some(comparison) = lab.run.borrow().comparison.as_ref() {
                            { small_chart(&views.comparison, "latency-chart", "Latency per message under each policy on the same seed") }
                            <ul class="legend chart-legend" aria-label="Latency chart legend" data-testid="latency-legend">
                                { for comparison.lines.iter().zip(latency::COLOURS).map(|(line, rgb)| line_entry(rgb, line.label.clone())) }
                            </ul>
                        }
                    }
                    // membership: detection numbers, the matrix, the detection chart.
                    if membership {
                        <crate::ui::run::membership::MembershipPanel run={run_props.run.clone()} version={lab.version} />
                    }
                    <Milestones run={run_props.run.clone()} version={lab.version} idle={!lab.playing && !lab.fast_forward} />
                    <Explanation mode={lab.config.mode} config={lab.config.clone()} />
                    if lab.perf {
                        <p class="perf" data-testid="perf" ref={views.perf.clone()}>{ "measuring…" }</p>
                    }
                </section>
            </main>
            }
        </div>
    }
}

/// One of the run view's small charts: a canvas the views draw on. One function rather than the
/// markup repeated: each element of `html!` is code in the page's wasm.
#[inline(never)]
fn small_chart(canvas: &NodeRef, test_id: &'static str, label: &'static str) -> Html {
    html! {
        <canvas ref={canvas.clone()} class="chart small" data-testid={test_id} role="img"
            aria-label={label}></canvas>
    }
}

/// A chart legend's entry: a line swatch and the series' name.
#[inline(never)]
fn line_entry(colour: palette::Rgb, label: String) -> Html {
    let style = format!("--swatch: {}", palette::hex(colour));
    html! { <li><span class="swatch line" {style} aria-hidden="true"></span>{ label }</li> }
}
