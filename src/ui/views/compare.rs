//! Compare view: 2 to 4 panels, each its own protocol, sharing every other parameter and
//! the seed unless the panel overrides N, fanout, loss, crashes or the seed, stepping in
//! lockstep: one Step plays round r in every panel still running.

use crate::engine::params;
use crate::engine::{Config, Mode};
use crate::ui::charts::compare::{self as chart, Line};
use crate::ui::lecture::export::{ExportButtons, csv};
use crate::ui::run::panels::plain as count_row;
use crate::ui::run::stage;
use crate::ui::state::{Action, DATAGRAMS_PER_FRAME, Run};
use crate::ui::url::checks::{keep_consistent, runnable};
use crate::ui::url::view_keys::{OVERRIDABLE, Pick, ViewSetup, parse_own, short_label, shown};
use crate::ui::widgets::frame_loop::FrameLoop;
use crate::ui::widgets::palette::{self, Rgb};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlCanvasElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Above this many nodes a panel's stage is drawn once per round, without flying datagrams.
pub const STAGE_ANIMATED_NODES: u32 = 200;
pub const COLOURS: [Rgb; 4] = [
    palette::PUSH,
    palette::PULL,
    palette::NEW,
    palette::SELECTED,
];

#[derive(Clone)]
pub struct Panel {
    pub pick: Pick,
    /// The shared configuration with the panel's protocol and overrides.
    pub config: Config,
    pub run: Rc<RefCell<Run>>,
    /// What the page changed in the panel's configuration (e.g. N lowered to its protocol's cap).
    pub notices: Vec<String>,
}

/// The panels and their shared clock.
#[derive(Clone)]
pub struct Lockstep {
    pub config: Config,
    pub panels: Vec<Panel>,
    pub playing: bool,
    pub fast_forward: bool,
    pub version: u64,
}

pub enum Move {
    /// A playback action of the shared controls (Play, Step, Reset, Run to end).
    Playback(Action),
    /// The frame loop's tick while playing.
    Advance,
    Configure(Box<Config>, Vec<Pick>),
}

fn panels(config: &Config, picks: &[Pick]) -> Vec<Panel> {
    picks
        .iter()
        .map(|pick| {
            let mut config = pick.apply(config);
            let mut notices = Vec::new();
            keep_consistent(&mut config, &mut notices);
            if let Err(reason) = runnable(&config) {
                notices.push(format!(
                    "{reason}; this panel runs the page's default settings instead."
                ));
                config = Config {
                    mode: pick.mode,
                    ..crate::ui::url::Setup::default().config
                };
            }
            Panel {
                pick: pick.clone(),
                run: Rc::new(RefCell::new(Run::new(&config))),
                config,
                notices,
            }
        })
        .collect()
}

impl Lockstep {
    pub fn new(config: &Config, picks: &[Pick]) -> Lockstep {
        Lockstep {
            config: config.clone(),
            panels: panels(config, picks),
            playing: false,
            fast_forward: false,
            version: 0,
        }
    }

    pub fn is_over(&self) -> bool {
        self.panels.iter().all(|panel| panel.run.borrow().is_over())
    }

    /// Round r in every panel still running; false once all are over.
    pub fn step(&mut self) -> bool {
        let mut stepped = false;
        for panel in &self.panels {
            stepped |= panel.run.borrow_mut().step();
        }
        self.version += 1;
        stepped
    }

    fn picks(&self) -> Vec<Pick> {
        self.panels.iter().map(|panel| panel.pick.clone()).collect()
    }

    fn reset(&mut self) {
        self.restart(&self.picks());
    }

    /// New panels for `picks` at round 0, paused.
    fn restart(&mut self, picks: &[Pick]) {
        self.panels = panels(&self.config, picks);
        self.playing = false;
        self.fast_forward = false;
        self.version += 1;
    }
}

impl Reducible for Lockstep {
    type Action = Move;

    fn reduce(self: Rc<Self>, action: Move) -> Rc<Self> {
        let mut lab = (*self).clone();
        match action {
            Move::Playback(Action::TogglePlay) => {
                if lab.is_over() {
                    lab.reset();
                }
                lab.playing = !lab.playing;
                lab.fast_forward = false;
            }
            Move::Playback(Action::Step) => {
                lab.playing = false;
                lab.fast_forward = false;
                lab.step();
            }
            Move::Playback(Action::RunToEnd) => {
                lab.playing = true;
                lab.fast_forward = true;
            }
            Move::Playback(_) => lab.reset(),
            Move::Advance if lab.playing => {
                if lab.fast_forward {
                    // Whole lockstep rounds until the frame's datagram budget is spent.
                    let sent = |lab: &Lockstep| -> u64 {
                        let runs = lab.panels.iter().map(|panel| panel.run.borrow());
                        runs.map(|run| run.simulation.totals().datagrams).sum()
                    };
                    let budget = sent(&lab) + DATAGRAMS_PER_FRAME;
                    while sent(&lab) < budget && lab.step() {}
                } else {
                    lab.step();
                }
                if lab.is_over() {
                    lab.playing = false;
                    lab.fast_forward = false;
                }
            }
            Move::Advance => return self,
            Move::Configure(config, picks) => {
                if *config == lab.config && picks == lab.picks() {
                    return self;
                }
                lab.config = *config;
                lab.restart(&picks);
            }
        }
        Rc::new(lab)
    }
}

impl PartialEq for Lockstep {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.playing == other.playing
    }
}

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub config: Config,
    pub speed: f64,
    pub setup: ViewSetup,
    pub on_setup: Callback<ViewSetup>,
    /// Hands the host the callback its playback buttons drive.
    pub on_playback: Callback<Callback<Action>>,
    /// (playing, over) for the host's Play button.
    pub on_status: Callback<(bool, bool)>,
    /// `autoplay=1`: the panels start playing.
    pub autoplay: bool,
    /// `lock=`'s URL keys: the panels disable their own fields (and for `mode` their protocols,
    /// Add and Remove).
    pub lock: Vec<String>,
}

fn rounds_to_all(run: &Run) -> String {
    run.simulation
        .completion_time()
        .map_or_else(String::new, |time| {
            if time.fract() == 0.0 {
                format!("{time}")
            } else {
                format!("{time:.2}")
            }
        })
}

fn or_dash(rounds: Option<u32>) -> String {
    rounds.map_or_else(|| "–".into(), |rounds| rounds.to_string())
}

/// One table row: rounds to 50 / 99 / 100 %, datagrams per node, redundant share, lost, peak at
/// the sender, all from the run's reports.
pub fn row(run: &Run) -> [String; 7] {
    let simulation = &run.simulation;
    let totals = simulation.totals();
    let live = f64::from(simulation.live().max(1));
    let redundant = totals.redundant as f64 / (totals.payload.max(1)) as f64;
    [
        or_dash(run.rounds_to(0)),
        or_dash(run.rounds_to(1)),
        rounds_to_all(run),
        format!("{:.2}", totals.datagrams as f64 / live),
        format!("{:.1}%", redundant * 100.0),
        totals.lost.to_string(),
        simulation.peak_at_sender().to_string(),
    ]
}

pub const COLUMNS: [&str; 7] = [
    "rounds to 50%",
    "rounds to 99%",
    "rounds to 100%",
    "datagrams per node",
    "redundant share",
    "lost",
    "peak at sender",
];

/// (round, fraction) points of a run.
pub fn curve(run: &Run) -> Vec<(f64, f64)> {
    run.fractions
        .points(0)
        .map(|(round, &fraction)| (f64::from(round), fraction))
        .collect()
}

fn draw_chart(canvas: &HtmlCanvasElement, lab: &Lockstep) {
    let runs: Vec<_> = lab.panels.iter().map(|panel| panel.run.borrow()).collect();
    let curves: Vec<_> = runs.iter().map(|run| curve(run)).collect();
    let labels: Vec<String> = lab.panels.iter().map(|panel| panel.pick.label()).collect();
    let lines: Vec<Line> = lab
        .panels
        .iter()
        .enumerate()
        .map(|(index, _)| Line {
            label: &labels[index],
            colour: COLOURS[index],
            points: &curves[index],
            theory: &runs[index].theory,
        })
        .collect();
    if let Err(error) = chart::draw(canvas, &lines) {
        web_sys::console::error_1(&error.to_string().into());
    }
}

#[function_component(CompareView)]
pub fn compare_view(props: &CompareProps) -> Html {
    let lab = use_reducer(|| Lockstep {
        playing: props.autoplay,
        ..Lockstep::new(&props.config, &props.setup.picks)
    });
    // The last refused override, said under the panels.
    let refused = use_state(|| None::<String>);
    // Four distinct refs (cloning one NodeRef shares it).
    let stages = use_memo((), |_| {
        (0..4).map(|_| NodeRef::default()).collect::<Vec<_>>()
    });
    let stages: Vec<NodeRef> = (*stages).clone();
    let chart_ref = use_node_ref();
    let latest = use_mut_ref(|| (lab.clone(), props.speed));
    *latest.borrow_mut() = (lab.clone(), props.speed);
    {
        let dispatcher = lab.dispatcher();
        use_effect_with(
            (props.config.clone(), props.setup.picks.clone()),
            move |(config, picks)| {
                dispatcher.dispatch(Move::Configure(Box::new(config.clone()), picks.clone()));
            },
        );
    }
    {
        let dispatcher = lab.dispatcher();
        let on_playback = props.on_playback.clone();
        use_effect_with((), move |_| {
            on_playback.emit(Callback::from(move |action| {
                dispatcher.dispatch(Move::Playback(action))
            }));
        });
    }
    {
        let on_status = props.on_status.clone();
        use_effect_with((lab.playing, lab.is_over()), move |status| {
            on_status.emit(*status)
        });
    }
    {
        let latest = latest.clone();
        let stages = stages.clone();
        let chart_ref = chart_ref.clone();
        use_effect_with((), move |_| {
            let (mut painted, mut started, mut seen, mut awaiting) = (None, 0.0, u64::MAX, None);
            let frames = FrameLoop::start(move |timestamp| {
                let (lab, speed) = latest.borrow().clone();
                if lab.version != seen {
                    seen = lab.version;
                    started = timestamp;
                }
                let round_ms = if lab.playing { 1000.0 / speed } else { 900.0 };
                let progress = ((timestamp - started) / round_ms).clamp(0.0, 1.0);
                if lab.playing
                    && awaiting != Some(lab.version)
                    && (lab.fast_forward || progress >= 1.0)
                {
                    awaiting = Some(lab.version);
                    lab.dispatch(Move::Advance);
                }
                let changed = painted != Some(lab.version);
                for (panel, node) in lab.panels.iter().zip(&stages) {
                    let animated = panel.config.nodes <= STAGE_ANIMATED_NODES && !lab.fast_forward;
                    if let Some(canvas) = node
                        .cast::<HtmlCanvasElement>()
                        .filter(|_| animated || changed)
                    {
                        let shown = if animated { progress } else { 1.0 };
                        if let Err(error) = stage::draw(&canvas, &panel.run.borrow(), shown, None) {
                            web_sys::console::error_1(&error);
                        }
                    }
                }
                if let Some(canvas) = chart_ref.cast::<HtmlCanvasElement>().filter(|_| changed) {
                    draw_chart(&canvas, &lab);
                }
                painted = Some(lab.version);
            });
            move || drop(frames)
        });
    }

    let count = lab.panels.len();
    let picks = props.setup.picks.clone();
    // A callback that changes the view's setup and hands it up (to the URL and every view).
    let edit = |change: Rc<dyn Fn(&mut ViewSetup)>| {
        let (setup, on_setup) = (props.setup.clone(), props.on_setup.clone());
        move || {
            let mut setup = setup.clone();
            change(&mut setup);
            on_setup.emit(setup);
        }
    };
    let add = {
        let modes = props.setup.modes();
        let next = Mode::ALL
            .into_iter()
            .rev()
            .find(|mode| !modes.contains(mode))
            .unwrap_or(Mode::ALL[0]);
        let add = edit(Rc::new(move |setup| setup.picks.push(Pick::new(next))));
        Callback::from(move |_: MouseEvent| add())
    };
    let picks_text: Vec<String> = picks.iter().map(Pick::url).collect();
    let name = format!(
        "compare-{}-n{}-seed{}",
        picks_text.join("+").replace([':', '='], "-"),
        props.config.nodes,
        props.config.seed
    );
    let chart_csv = {
        let panels = lab.panels.clone();
        Callback::from(move |_: ()| {
            let rows = panels.iter().flat_map(|panel| {
                let pick = panel.pick.url();
                curve(&panel.run.borrow())
                    .into_iter()
                    .map(move |(round, fraction)| format!("{pick},{round},{fraction}"))
            });
            csv(
                "informed fraction per round of each panel (protocol:own parameters)",
                "panel,round,informed_fraction",
                rows,
            )
        })
    };
    // A panel's field for one shared parameter: empty shares it, a value overrides it.
    let on_edit = use_callback(
        (props.setup.clone(), props.on_setup.clone(), refused.clone()),
        |(index, key, text): (usize, &'static str, String), (setup, on_setup, refused)| {
            let own = if text.trim().is_empty() {
                None
            } else {
                match parse_own(key, &text) {
                    Ok(value) => Some(value),
                    Err(message) => {
                        refused.set(Some(format!(
                            "Panel {}: {message}; it keeps its {}.",
                            index + 1,
                            short_label(key)
                        )));
                        return;
                    }
                }
            };
            refused.set(None);
            let mut setup = setup.clone();
            // The panels may lag the setup by a render: a panel gone is left alone.
            if let Some(pick) = setup.picks.get_mut(index) {
                pick.set(key, own);
            }
            on_setup.emit(setup);
        },
    );
    // lock=: rendered here, not only set by the lecture bar after the page renders: adding a panel
    // renders the panels again afterwards, with new elements.
    let locked = |key: &str| {
        let mut locked = props.lock.iter().filter_map(|url| params::find_by_url(url));
        locked.any(|param| param.key == key)
    };
    let mode_locked = locked("mode");
    let own_field = |index: usize, pick: &Pick, key: &'static str| -> Html {
        let param = params::find(key).expect("an overridable key is a parameter");
        let shared = shown(key, (param.get)(&props.config));
        let value = pick.get(key).map(|value| shown(key, value));
        html! {
            <OwnField {index} name={key} value={value.unwrap_or_default()} {shared} on_edit={on_edit.clone()}
                locked={locked(key)} />
        }
    };
    html! {
        <section class="panel compare-view" aria-label="Compare protocols">
            <p class="hint explain">{ "Each panel runs its own protocol on the same N, fanout, loss, crashes and seed unless it overrides them; Play, Step, Reset and Run to end drive them all, so round r is round r everywhere." }</p>
            <div class="compare-panels">
                { for lab.panels.iter().enumerate().map(|(index, panel)| {
                    let run = panel.run.borrow();
                    let pick = &panel.pick;
                    let on_pick = {
                        let (setup, on_setup) = (props.setup.clone(), props.on_setup.clone());
                        Callback::from(move |event: Event| {
                            let select: HtmlSelectElement = event.target_unchecked_into();
                            if let Some(mode) = Mode::from_name(&select.value()) {
                                let mut setup = setup.clone();
                                if let Some(pick) = setup.picks.get_mut(index) {
                                    pick.mode = mode;
                                }
                                on_setup.emit(setup);
                            }
                        })
                    };
                    let remove = {
                        let remove = edit(Rc::new(move |setup| if index < setup.picks.len() && setup.picks.len() > 2 {
                                setup.picks.remove(index);
                            }));
                        Callback::from(move |_: MouseEvent| remove())
                    };
                    let style = format!("--panel: {}", palette::hex(COLOURS[index]));
                    let summary = match pick.own_text() {
                        own if own.is_empty() => "Own N, b, loss, crashed, seed".to_string(),
                        own => format!("Own: {own}"),
                    };
                    html! {
                        <div class="compare-panel" data-testid="panel" {style}>
                            <div class="panel-head">
                                <select aria-label={format!("Panel {} protocol", index + 1)} onchange={on_pick}
                                    disabled={mode_locked} title={lock_title(mode_locked)} data-locked={lock_mark(mode_locked)}>
                                    { for Mode::ALL.into_iter().map(|mode| html! {
                                        <option value={mode.name()} selected={mode == pick.mode}>{ mode.name() }</option>
                                    }) }
                                </select>
                                <button onclick={remove} disabled={count <= 2 || mode_locked} title={lock_title(mode_locked)} data-locked={lock_mark(mode_locked)} aria-label={format!("Remove panel {}", index + 1)}>{ "Remove" }</button>
                            </div>
                            <details class="own-params" data-testid="own-params">
                                <summary>{ summary }</summary>
                                { for OVERRIDABLE.into_iter().map(|key| own_field(index, pick, key)) }
                                <span class="hint">{ "Empty shares the value on the left (shown greyed)." }</span>
                            </details>
                            <canvas ref={stages[index].clone()} class="stage small-stage" role="img"
                                aria-label={format!("{} on its network", pick.label())}></canvas>
                            { for panel.notices.iter().map(|notice| html! { <p class="hint" data-testid="panel-notice">{ notice.clone() }</p> }) }
                            <dl class="counts">
                                { count_row("Round", "round", run.simulation.round().to_string()) }
                                <div><dt>{ "Informed" }</dt><dd class="tally"><span data-testid="informed">{ run.simulation.informed() }</span>
                                    { format!(" / {} live", run.simulation.live()) }</dd></div>
                                { count_row("All by", "rounds-to-all", rounds_to_all(&run)) }
                            </dl>
                        </div>
                    }
                }) }
            </div>
            if let Some(message) = &*refused {
                <p class="status" role="alert" data-testid="override-refused">{ message.clone() }</p>
            }
            <button class="add-panel" onclick={add} disabled={count >= 4 || mode_locked} title={lock_title(mode_locked)} data-locked={lock_mark(mode_locked)}>{ "Add panel" }</button>
            <canvas ref={chart_ref.clone()} class="chart" data-testid="compare-chart" role="img"
                aria-label="Informed fraction per round of every panel, solid, and its theory curve, dashed, in the panel's colour"></canvas>
            <ExportButtons canvas={chart_ref} name={name} csv={chart_csv} />
            <table class="milestones compare-table" data-testid="compare-table">
                <thead><tr><th>{ "panel" }</th>{ for COLUMNS.iter().map(|column| html! { <th>{ *column }</th> }) }</tr></thead>
                <tbody>
                    { for lab.panels.iter().enumerate().map(|(index, panel)| html! {
                        <tr style={format!("--panel: {}", palette::hex(COLOURS[index]))}>
                            <th scope="row">{ panel.pick.label() }</th>
                            { for row(&panel.run.borrow()).into_iter().map(|cell| html! { <td>{ cell }</td> }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct OwnFieldProps {
    index: usize,
    /// The parameter's engine key (one of `OVERRIDABLE`).
    name: &'static str,
    value: AttrValue,
    shared: AttrValue,
    on_edit: Callback<(usize, &'static str, String)>,
    /// Fixed by `lock=`.
    locked: bool,
}

/// A locked control's tooltip and `data-locked` mark, as the lecture bar gives the shared controls
/// (the panels render their own: the bar's pass after each render would miss panels Yew
/// builds anew later).
fn lock_title(locked: bool) -> Option<&'static str> {
    locked.then_some(crate::ui::lecture::embed::LOCKED)
}

fn lock_mark(locked: bool) -> Option<&'static str> {
    locked.then_some("")
}

/// A panel's own value of one shared parameter. A component of its own so that it renders only
/// when its value changes, not every lockstep round (a render would wipe what is being typed).
#[function_component(OwnField)]
fn own_field(props: &OwnFieldProps) -> Html {
    let (index, key) = (props.index, props.name);
    let onchange = props.on_edit.reform(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        (index, key, input.value())
    });
    html! {
        <label>{ short_label(key) }
            <input type="text" inputmode="decimal" size="7" value={props.value.clone()}
                placeholder={props.shared.clone()} {onchange} data-own={key}
                disabled={props.locked} title={lock_title(props.locked)} data-locked={lock_mark(props.locked)}
                aria-label={format!("Panel {} {}", index + 1, short_label(key))} />
        </label>
    }
}
