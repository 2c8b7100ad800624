//! The whole UI state as one reducer: `Lab` + `Action`. Components dispatch actions; only this
//! file changes state. The run lives behind `Rc<RefCell>` so a round does not copy the network.
// lecture: natively (tests/lecture.rs) only the reducer is absent; what it alone uses is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]

pub mod comparison;

use crate::engine::config::Group;
use crate::engine::params::{self, Domain, Value};
use crate::engine::protocols::{self, centralized::Transport};
use crate::engine::report::Counters;
use crate::engine::{Config, Mode, RoundReport, Simulation, Slice, Status};
use crate::ui::limits;
use crate::ui::url::checks::{keep_consistent, runnable};
use crate::ui::url::lecture_keys::{Lecture, Tour, TourAction};
use crate::ui::url::{Setup, parse_query};
use comparison::{Comparison, compare};
use std::cell::RefCell;
use std::rc::Rc;
#[cfg(target_arch = "wasm32")] // lecture: the state compiles natively for tests/lecture.rs
use yew::Reducible;

/// Above this many nodes the stage draws a dense field and no datagrams are animated.
pub const ANIMATED_NODES: u32 = 2_000;
/// Earlier runs kept on the chart.
pub const MAX_GHOSTS: usize = 6;
/// How much work one animation frame may do when running to the end: datagrams, not time, so the
/// result never depends on the machine.
pub const DATAGRAMS_PER_FRAME: u64 = 1_500_000;
/// How much of a round one animation frame may play while playing (datagrams and queued events,
/// `Simulation::step_within`): a heavier round (SRM's repairs at N = 10,000 hold millions of
/// datagrams) goes on over the next frames, so frames stay smooth while rounds come slower. The
/// page shows the last round ended meanwhile; a round is the same however it is cut.
pub const WORK_PER_FRAME: u64 = 200_000;

/// Points kept per series: a run of any length draws from at most this many (older rounds are
/// thinned by halves), so memory stays bounded however long a run lasts.
pub const HISTORY_POINTS: usize = 2048;

/// A per-round series thinned to at most `HISTORY_POINTS`: `values[i]` is round `i * stride`,
/// and `latest` is the newest round if it is not one of those.
#[derive(Clone, Debug, PartialEq)]
pub struct History<T> {
    pub stride: u32,
    values: Vec<T>,
    latest: Option<(u32, T)>,
}

impl<T: Clone> History<T> {
    pub fn new() -> Self {
        History {
            stride: 1,
            values: Vec::new(),
            latest: None,
        }
    }

    /// Records round `round`'s value; rounds arrive in order, from 0 or 1.
    pub fn push(&mut self, round: u32, value: T) {
        if round.is_multiple_of(self.stride) {
            self.values.push(value);
            self.latest = None;
            if self.values.len() > HISTORY_POINTS {
                // Keep rounds 0, 2 stride, 4 stride, ...: the curve's shape, half the points.
                let kept: Vec<T> = self.values.iter().step_by(2).cloned().collect();
                self.values = kept;
                self.stride *= 2;
            }
        } else {
            self.latest = Some((round, value));
        }
    }

    /// (round, value) of every kept point, oldest first, the newest always included.
    pub fn points(&self, first_round: u32) -> impl Iterator<Item = (u32, &T)> + Clone + '_ {
        let stride = self.stride;
        self.values
            .iter()
            .enumerate()
            .map(move |(index, value)| (first_round + index as u32 * stride, value))
            .chain(self.latest.iter().map(|(round, value)| (*round, value)))
    }

    pub fn len(&self) -> usize {
        self.values.len() + usize::from(self.latest.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn last(&self) -> Option<&T> {
        self.latest
            .as_ref()
            .map(|(_, value)| value)
            .or(self.values.last())
    }
}

impl<T: Clone> Default for History<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The most points of a theory curve the page draws.
pub const THEORY_POINTS: usize = 4000;

/// A run and everything the views derive from its reports.
pub struct Run {
    /// Which run this is, for what is drawn once a run and round (no two runs share it).
    pub id: u64,
    pub simulation: Simulation,
    /// The last round played, for animation (datagrams only for small N).
    pub last: Option<RoundReport>,
    /// Informed fraction of live nodes after each round, from round 0.
    pub fractions: History<f64>,
    /// Counters of each round, from round 1.
    pub counters: History<Counters>,
    /// The round each node was informed in, `u32::MAX` if never: shading for the stage.
    pub informed_round: Vec<u32>,
    /// The first round with at least 50 % and 99 % of the live nodes informed.
    pub reached: [Option<u32>; 2],
    /// The theory's expected informed fraction for these parameters, from round 0.
    pub theory: Vec<f64>,
    pub theory_rounds: Option<u32>,
    /// The protocol's lesson: this configuration with one switch flipped, beside it (many
    /// messages: the same seed under each policy, latency per message).
    pub comparison: Option<Comparison>,
    /// Many messages: each message's coverage (share of the live nodes holding it) per round,
    /// from round 0; empty with one message.
    pub coverage: History<Vec<f32>>,
    /// lecture: the nodes crashed or recovered by a click, (round, node, with state), so the
    /// timeline replays them.
    pub clicks: Vec<(u32, u32, bool)>,
    // membership
    /// Live observers suspecting and considering failed the watched crash, per round from 1.
    pub detection: History<(u32, u32)>,
    /// The round the watched node crashed at the start of.
    pub crash_round: Option<u32>,
    /// Cassandra, N <= `PHI_NODES`: per round from 1, every observer's phi about the watched
    /// node (NaN: none), empty until it has crashed; the phi plot picks one observer's column.
    pub phi: History<Rc<[f32]>>,
}

thread_local! {
    static RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A number no earlier run of this page got.
fn next_run_id() -> u64 {
    RUNS.with(|runs| {
        runs.set(runs.get() + 1);
        runs.get()
    })
}

/// Cassandra records every observer's phi about the watched node up to this many nodes (a
/// bounded history: at most `HISTORY_POINTS` rows of this many).
pub const PHI_NODES: u32 = 300;

/// The fractions the milestones table reports besides 100 %.
pub const MILESTONES: [f64; 2] = [0.5, 0.99];

impl Run {
    pub fn new(config: &Config) -> Run {
        Run::with_comparison(config, compare(&config.clone().without_inapplicable()))
    }

    /// A run whose comparison is already known (a reset or replay of the same configuration
    /// keeps its comparison instead of playing it again).
    #[inline(never)] // lecture: one copy for its callers (size)
    pub(super) fn with_comparison(config: &Config, comparison: Option<Comparison>) -> Run {
        // The page's configuration may hold other protocols' settings (kept for when the page
        // switches back to them); the run gets only its own protocol's.
        let own = config.clone().without_inapplicable();
        let simulation = if config.nodes <= ANIMATED_NODES {
            Simulation::with_contacts(own)
        } else {
            Simulation::new(own)
        }
        .expect("the UI only builds configurations `runnable` accepted");
        let mut informed_round = vec![u32::MAX; config.nodes as usize];
        for &node in simulation.informed_order() {
            informed_round[node as usize] = 0;
        }
        let mut run = Run {
            id: next_run_id(),
            fractions: History::new(),
            counters: History::new(),
            informed_round,
            reached: [None; 2],
            theory: protocols::expected_curve(config, THEORY_POINTS),
            theory_rounds: protocols::expected_rounds(config),
            comparison,
            coverage: History::new(),
            clicks: Vec::new(),        // lecture
            detection: History::new(), // membership
            crash_round: None,
            phi: History::new(),
            last: None,
            simulation,
        };
        run.record_fraction(0);
        let holders = run.simulation.holders();
        run.record_coverage(0, &holders);
        run
    }

    fn record_fraction(&mut self, round: u32) {
        let fraction = f64::from(self.simulation.informed()) / f64::from(self.simulation.live());
        for (reached, &milestone) in self.reached.iter_mut().zip(&MILESTONES) {
            if reached.is_none() && fraction >= milestone - 1e-12 {
                *reached = Some(round);
            }
        }
        self.fractions.push(round, fraction);
    }

    /// Many messages: the round's coverage of each message, from the report's holders.
    fn record_coverage(&mut self, round: u32, holders: &[u32]) {
        if holders.is_empty() {
            return;
        }
        let live = self.simulation.live().max(1) as f32;
        let shares = holders.iter().map(|&count| count as f32 / live).collect();
        self.coverage.push(round, shares);
    }

    /// Plays one round (or the rest of the one under way); false once the run is over.
    #[inline(never)] // lecture: one copy for its callers (size)
    pub fn step(&mut self) -> bool {
        let Some(report) = self.simulation.step() else {
            return false;
        };
        self.take(report);
        true
    }

    /// Plays at most `budget` of a round (`WORK_PER_FRAME`): `Some(true)` when a round ended
    /// (its report taken as `step` takes it), `Some(false)` when the round goes on, `None` once
    /// the run is over.
    pub fn step_within(&mut self, budget: u64) -> Option<bool> {
        match self.simulation.step_within(budget) {
            Slice::Round(report) => {
                self.take(*report);
                Some(true)
            }
            Slice::Part => Some(false),
            Slice::Over => None,
        }
    }

    /// Whether a round is under way (`step_within` cut it).
    pub fn mid_round(&self) -> bool {
        self.simulation.mid_round()
    }

    /// A round's report: the charts' series and the round shown.
    fn take(&mut self, report: RoundReport) {
        for &node in &report.newly_informed {
            self.informed_round[node as usize] = report.round;
        }
        self.record_fraction(report.round);
        self.record_coverage(report.round, &report.holders);
        self.counters.push(report.round, report.counters);
        // membership
        if let Some(round) = &report.membership {
            self.detection
                .push(report.round, (round.suspecting, round.failing));
            if round.target.is_some() && self.crash_round.is_none() {
                self.crash_round = Some(report.round);
            }
            let config = self.simulation.config();
            if config.mode == Mode::Cassandra && config.nodes <= PHI_NODES {
                let row: Rc<[f32]> = match round.target {
                    Some(target) => (0..config.nodes)
                        .map(|observer| {
                            self.simulation
                                .phi(observer, target)
                                .filter(|_| !self.simulation.is_crashed(observer))
                                .map_or(f32::NAN, |phi| phi as f32)
                        })
                        .collect(),
                    None => Rc::from(Vec::new()),
                };
                self.phi.push(report.round, row);
            }
        }
        self.last = Some(report);
    }

    /// Failures and delays: crashes a live node before the next round, or recovers a crashed
    /// one (with its state or empty). The sender cannot be crashed.
    pub fn toggle_crash(&mut self, node: u32, with_state: bool) {
        // Between rounds only: a round under way ends first.
        if self.mid_round() {
            self.step();
        }
        self.clicks
            .push((self.simulation.round(), node, with_state)); // lecture
        if self.simulation.is_crashed(node) {
            if self.simulation.recover(node, with_state) && !with_state {
                self.informed_round[node as usize] = u32::MAX;
            }
        } else {
            self.simulation.crash(node);
        }
    }

    pub fn is_over(&self) -> bool {
        self.simulation.status() != Status::Running
    }

    /// The first round at which at least `MILESTONES[index]` of the live nodes were informed.
    pub fn rounds_to(&self, index: usize) -> Option<u32> {
        self.reached[index]
    }

    /// The theory curve's legend: when it expects everyone informed, or why it never does;
    /// `None` when no curve is drawn (the theory note says why).
    pub fn theory_label(&self) -> Option<String> {
        let config = self.simulation.config();
        match self.theory_rounds {
            Some(rounds) => Some(format!("theory: all by round {rounds}")),
            None if self.theory.is_empty() => None,
            None if config.mean_loss() >= 1.0 => {
                Some("theory: never (every datagram is lost)".into())
            }
            None if config.mode.group() == Group::Multicast => {
                Some("theory: not everyone (nothing repairs a cut)".into())
            }
            None => Some(match crate::engine::protocols::stop_rule_theory(config) {
                Some((residue, _)) => format!(
                    "theory (mean field): {:.1}% never informed",
                    residue * 100.0
                ),
                // The lagged recurrence for pull stopped at its bound of work, where it got to.
                None if self.theory.len() < THEORY_POINTS => {
                    format!("theory: not within {} rounds", self.theory.len() - 1)
                }
                None => "theory: not within a million rounds".into(),
            }),
        }
    }

    /// The same for the theory curve.
    pub fn theory_rounds_to(&self, fraction: f64) -> Option<usize> {
        self.theory
            .iter()
            .position(|&informed| informed >= fraction - 1e-12)
    }
}

/// A finished or abandoned run kept as a faded curve, with the parameters it ran with (its
/// legend names what differs from the run on screen, so it is labelled when drawn).
#[derive(Clone, Debug, PartialEq)]
pub struct Ghost {
    pub config: Config,
    pub fractions: Rc<History<f64>>,
}

/// A faded run's legend: what sets it apart from `current`, the protocol when it differs, then
/// every parameter either protocol takes whose value differs ("suppression off", "N=1000",
/// "loss 0.05"). Read from the parameter table, so a new parameter is named without a change here.
pub fn ghost_label(ghost: &Config, current: &Config) -> String {
    let mut parts: Vec<String> = Vec::new();
    if ghost.mode != current.mode {
        parts.push(ghost.mode.name().to_string());
    }
    for param in params::PARAMS.iter() {
        if param.key == "mode" || !(param.applies_to(ghost.mode) || param.applies_to(current.mode))
        {
            continue;
        }
        let value = (param.get)(ghost).text();
        if value == (param.get)(current).text() {
            continue;
        }
        // The default as the parameter table types it ("async off", not "async none").
        let value = if value == (param.get)(&Config::default()).text() {
            param.default.to_string()
        } else {
            value
        };
        parts.push(match param.key {
            "nodes" => format!("N={value}"),
            "fanout" => format!("b={value}"),
            key => format!("{} {value}", key.replace('_', " ")),
        });
    }
    if parts.is_empty() {
        "an earlier run, same parameters".to_string()
    } else {
        parts.join(", ")
    }
}

#[derive(Clone)]
pub struct Lab {
    pub config: Config,
    /// Rounds per second while playing.
    pub speed: f64,
    pub playing: bool,
    /// Playing as fast as frames allow, until the run is over.
    pub fast_forward: bool,
    pub run: Rc<RefCell<Run>>,
    /// Bumped whenever the run changes, so views know to redraw.
    pub version: u64,
    pub ghosts: Rc<Vec<Ghost>>,
    /// The node whose details are shown (small N).
    pub selected: Option<u32>,
    /// Messages about rejected or clamped input, shown until dismissed.
    pub notices: Vec<String>,
    pub perf: bool,
    /// The charts' rounds axis on a log scale (O(N) beside O(log N)).
    pub log_rounds: bool,
    // Failures and delays.
    /// What clicking a node does: crash or recover it (true), or show its details.
    pub click_crashes: bool,
    /// A recovered node comes back with its state (true) or empty.
    pub recover_with_state: bool,
    /// The fanout the page chose on a protocol switch (its descriptor's `page_fanout`, from
    /// b = 1), until the lecturer sets b: switching on to a protocol without one puts b back to 1.
    pub page_fanout: Option<u32>,
    /// lecture: URL keys, timeline, tour, presentation.
    pub lecture: Lecture,
}

impl PartialEq for Lab {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && Rc::ptr_eq(&self.run, &other.run)
            && self.config == other.config
            && self.speed == other.speed
            && self.playing == other.playing
            && self.fast_forward == other.fast_forward
            && self.ghosts == other.ghosts
            && self.selected == other.selected
            && self.notices == other.notices
            && self.log_rounds == other.log_rounds
            && self.click_crashes == other.click_crashes
            && self.recover_with_state == other.recover_with_state
            && self.lecture == other.lecture // lecture
    }
}

impl Lab {
    pub fn new(mut setup: Setup, mut notices: Vec<String>) -> Lab {
        // A configuration over the page's memory is not started: the page opens with the
        // default settings of the chosen protocol and says why.
        if let Err(reason) = runnable(&setup.config) {
            notices.push(format!(
                "{reason}. The run was not started; the page opened with the default settings of {} instead.",
                setup.config.mode
            ));
            let default = Setup::default().config;
            setup.config = Config {
                mode: setup.config.mode,
                ..default.clone()
            };
            if runnable(&setup.config).is_err() {
                setup.config = default;
            }
            setup.autoplay = false;
        }
        let mut lab = Lab {
            run: Rc::new(RefCell::new(Run::new(&setup.config))),
            config: setup.config,
            speed: setup.speed,
            playing: setup.autoplay,
            fast_forward: false,
            version: 0,
            ghosts: Rc::new(Vec::new()),
            selected: None,
            notices,
            perf: setup.perf,
            log_rounds: setup.log_rounds,
            click_crashes: false,
            recover_with_state: true,
            page_fanout: None,
            // lecture: opens at `round=R`.
            lecture: Lecture {
                autoplay: setup.autoplay,
                ..setup.lecture.clone()
            },
        };
        lab.open_at(setup.lecture.round.unwrap_or(0));
        lab
    }
}

/// Everything a user (or the frame loop) can do. Values from inputs arrive unchecked: the reducer
/// clamps them and says so.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    SetNodes(f64),
    SetFanout(f64),
    /// Loss probability, 0 to 1.
    SetLoss(f64),
    /// Crashed fraction, 0 to 0.99.
    SetCrash(f64),
    SetMode(Mode),
    /// Centralized: UDP or reliable.
    SetTransport(Transport),
    /// Centralized, reliable: rounds before a retransmission.
    SetTimeout(f64),
    /// Tree: repair after this many rounds, or no repair.
    SetRepair(Option<f64>),
    /// Log scale for the rounds axis of the charts.
    SetLogRounds(bool),
    /// Any engine parameter by its JSON key, as typed or chosen: out-of-range numbers are
    /// clamped with a notice, malformed ones refused with one (the registry's messages).
    SetParam(&'static str, String),
    /// The seed as typed.
    SetSeed(String),
    /// A fresh random seed, chosen by the caller.
    NewSeed(u64),
    SetSpeed(f64),
    TogglePlay,
    /// Stops playing (and running to the end); a paused or finished run is left as it is.
    Pause,
    Step,
    Reset,
    RunToEnd,
    /// The frame loop's tick while playing: one round, or when running to the end as many as the
    /// frame's datagram budget allows.
    Advance,
    Select(Option<u32>),
    // Failures and delays.
    /// A click on the stage: inspects the node, or crashes / recovers it (`click_crashes`).
    ClickNode(Option<u32>),
    SetClickCrashes(bool),
    SetRecoverWithState(bool),
    ClearGhosts,
    DismissNotices,
    /// The lecture's timeline, loop, tours and presentation (`Cue`, below).
    Lecture(Cue),
}

/// Clamps `value` into `range`, adding a notice when it had to.
fn clamp(name: &str, value: f64, (low, high): (f64, f64), notices: &mut Vec<String>) -> f64 {
    if value.is_nan() {
        notices.push(format!(
            "{name} must be a number from {low} to {high}; kept at {low}."
        ));
        low
    } else if value < low || value > high {
        let clamped = value.clamp(low, high);
        notices.push(format!(
            "{name} must be from {low} to {high}; {value} was set to {clamped}."
        ));
        clamped
    } else {
        value
    }
}

/// Sets parameter `key` from `text` through its description in `params::PARAMS`.
fn set_param(config: &mut Config, key: &str, text: &str, notices: &mut Vec<String>) {
    let Some(param) = params::find(key) else {
        notices.push(format!("{key} is not a parameter."));
        return;
    };
    let value = match (param.parse(text), param.domain) {
        (Ok(value), _) => value,
        // A number out of range is clamped, as the sliders' number fields are.
        (Err(_), Domain::Whole { min, max }) if text.trim().parse::<f64>().is_ok() => {
            let clamped = clamp(
                param.label,
                text.trim().parse::<f64>().unwrap_or(0.0).round(),
                (min as f64, max as f64),
                notices,
            );
            Value::Whole(clamped as u64)
        }
        (Err(_), Domain::Real { min, max }) if text.trim().parse::<f64>().is_ok() => {
            let number = text.trim().parse::<f64>().unwrap_or(min);
            Value::Real(clamp(param.label, number, (min, max), notices))
        }
        // async-racks
        (Err(_), Domain::OptionalReal { min, max, .. }) if text.trim().parse::<f64>().is_ok() => {
            let number = text.trim().parse::<f64>().unwrap_or(min);
            Value::Real(clamp(param.label, number, (min, max), notices))
        }
        (Err(message), _) => {
            notices.push(format!("{message}; kept as it was."));
            return;
        }
    };
    (param.set)(config, value);
    // The latest choice wins between rumor mongering and push-then-pull (they cannot combine).
    match key {
        "stop" if config.mongering.stop.is_some() => config.hybrid = Default::default(),
        "push_until" | "push_rounds" if config.hybrid.is_hybrid() => config.mongering.stop = None,
        _ => {}
    }
}

fn as_range(range: (u32, u32)) -> (f64, f64) {
    (f64::from(range.0), f64::from(range.1))
}

#[cfg(target_arch = "wasm32")] // lecture
impl Reducible for Lab {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut lab = (*self).clone();
        // Anything but the frame loop's tick finds the run between rounds: a round under way
        // (cut by the frame's work budget) ends first, so what the page shows is a round's end.
        if !matches!(action, Action::Advance) && lab.run.borrow().mid_round() {
            lab.run.borrow_mut().step();
            lab.version += 1;
        }
        let mut config = lab.config.clone();
        let mut notices = Vec::new();
        match action {
            Action::SetNodes(nodes) => {
                config.nodes =
                    clamp("N", nodes.round(), as_range(limits::NODES), &mut notices) as u32;
            }
            Action::SetFanout(fanout) => {
                lab.page_fanout = None;
                config.fanout = clamp(
                    "Fanout b",
                    fanout.round(),
                    as_range(limits::FANOUT),
                    &mut notices,
                ) as u32;
            }
            Action::SetLoss(loss) => {
                config.network.loss = clamp("Loss", loss, limits::LOSS, &mut notices)
            }
            Action::SetCrash(crash) => {
                config.network.crash = clamp("Crashed fraction", crash, limits::CRASH, &mut notices)
            }
            Action::SetMode(mode) => {
                config.mode = mode;
                // A b the lecturer has not chosen follows the protocol: 2 for a tree, 1 for gossip.
                if config.fanout == 1 || lab.page_fanout == Some(config.fanout) {
                    lab.page_fanout = mode.spec().page_fanout();
                    config.fanout = lab.page_fanout.unwrap_or(1);
                }
            }
            Action::SetTransport(transport) => config.centralized.transport = transport,
            Action::SetTimeout(timeout) => {
                config.centralized.timeout = clamp(
                    "Timeout",
                    timeout.round(),
                    as_range(limits::TIMEOUT),
                    &mut notices,
                ) as u32
            }
            Action::SetRepair(delay) => {
                config.tree.repair_delay = delay.map(|delay| {
                    clamp(
                        "Repair delay",
                        delay.round(),
                        as_range(limits::REPAIR_DELAY),
                        &mut notices,
                    ) as u32
                })
            }
            Action::SetParam(key, text) => set_param(&mut config, key, &text, &mut notices),
            Action::SetLogRounds(log) => {
                lab.log_rounds = log;
                lab.version += 1;
            }
            Action::SetSeed(text) => match text.trim().parse::<u64>() {
                Ok(seed) => config.seed = seed,
                Err(_) => notices.push(format!(
                    "Seed {text:?} is not a whole number from 0 to 18446744073709551615; kept {}.",
                    config.seed
                )),
            },
            Action::NewSeed(seed) => config.seed = seed,
            Action::SetSpeed(speed) => {
                lab.speed = clamp("Speed", speed, limits::SPEED, &mut notices)
            }
            Action::TogglePlay => {
                if lab.run.borrow().is_over() {
                    // Play on a finished run replays it: what a lecturer means by pressing Play again.
                    lab.restart(false);
                }
                lab.playing = !lab.playing;
                lab.fast_forward = false;
            }
            Action::Pause if !lab.playing && !lab.fast_forward => return self,
            Action::Pause => {
                lab.playing = false;
                lab.fast_forward = false;
            }
            Action::Step => {
                lab.playing = false;
                lab.fast_forward = false;
                lab.run.borrow_mut().step();
                lab.version += 1;
            }
            Action::Reset => lab.restart(false),
            Action::RunToEnd => {
                lab.fast_forward = true;
                lab.playing = true;
            }
            Action::Advance => {
                // Part of a heavy round: nothing new to show, no rendering.
                if lab.playing && !lab.advance() {
                    return self;
                }
            }
            Action::Select(node) => lab.selected = node,
            Action::ClickNode(Some(node)) if lab.click_crashes => {
                lab.run
                    .borrow_mut()
                    .toggle_crash(node, lab.recover_with_state);
                lab.version += 1;
            }
            Action::ClickNode(node) => lab.selected = node,
            Action::SetClickCrashes(on) => lab.click_crashes = on,
            Action::SetRecoverWithState(on) => lab.recover_with_state = on,
            Action::ClearGhosts => lab.ghosts = Rc::new(Vec::new()),
            Action::DismissNotices => lab.notices.clear(),
            Action::Lecture(cue) => {
                lab.config = config.clone();
                lab.cue(cue, &mut notices);
                config = lab.config.clone();
            }
        }
        keep_consistent(&mut config, &mut notices);
        if config != lab.config {
            // Over the page's memory (or refused by the engine): say why, keep the current run.
            match runnable(&config) {
                Ok(()) => {
                    lab.config = config;
                    lab.restart(true);
                }
                Err(reason) => notices.push(format!(
                    "{reason}. The run was not started; the settings stay as they were."
                )),
            }
        }
        lab.notices.extend(notices);
        Rc::new(lab)
    }
}

impl Lab {
    /// A fresh run of the current parameters; the old one becomes a ghost if its parameters differ.
    pub(super) fn restart(&mut self, keep_ghost: bool) {
        let old = self.run.borrow();
        // The same parameters replay the same run: no faded copy of it.
        if keep_ghost && old.fractions.len() > 1 && old.simulation.config() != &self.config {
            let config = old.simulation.config().clone();
            let mut ghosts: Vec<Ghost> = self
                .ghosts
                .iter()
                .filter(|ghost| ghost.config != config)
                .cloned()
                .collect();
            ghosts.push(Ghost {
                config,
                fractions: Rc::new(old.fractions.clone()),
            });
            let excess = ghosts.len().saturating_sub(MAX_GHOSTS);
            ghosts.drain(..excess);
            self.ghosts = Rc::new(ghosts);
        }
        let same = old.simulation.config() == &self.config;
        let comparison = same.then(|| old.comparison.clone());
        drop(old);
        let run = match comparison {
            Some(comparison) => Run::with_comparison(&self.config, comparison),
            None => Run::new(&self.config),
        };
        self.run = Rc::new(RefCell::new(run));
        self.selected = None;
        self.fast_forward = false;
        self.lecture.frontier = 0; // lecture: a new run's timeline
        self.version += 1;
    }

    /// Plays one round, or while fast-forwarding as many as the frame's datagram budget allows;
    /// a round heavier than a frame's work (`WORK_PER_FRAME`) goes on at the next frames.
    /// Returns whether a round ended (something new to show).
    fn advance(&mut self) -> bool {
        let mut run = self.run.borrow_mut();
        // Up to `ANIMATED_NODES` the stage animates every frame from the engine's state, so a
        // round plays whole there (at most tens of milliseconds); above, the dense field is
        // painted only when a round has ended.
        let work = if run.simulation.config().nodes <= ANIMATED_NODES {
            u64::MAX
        } else {
            WORK_PER_FRAME
        };
        let ended = if self.fast_forward {
            let mut left = DATAGRAMS_PER_FRAME;
            let mut ended = false;
            while left > 0 {
                // A whole round where rounds play whole, as before; else what is left of both.
                match run.step_within(if work == u64::MAX {
                    work
                } else {
                    left.min(work)
                }) {
                    Some(true) => {
                        ended = true;
                        let datagrams = run.last.as_ref().map_or(0, |last| last.counters.datagrams);
                        left = left.saturating_sub(datagrams.max(1));
                    }
                    Some(false) | None => break,
                }
            }
            ended
        } else {
            run.step_within(work) == Some(true)
        };
        let over = run.is_over();
        if over {
            self.playing = false;
            self.fast_forward = false;
        }
        drop(run);
        if ended || over {
            self.version += 1;
        }
        ended || over
    }
}

// The reducer's lecture actions.

/// What the lecture features do to the state (the reducer's `Action::Lecture` arm).
#[derive(Clone, Debug, PartialEq)]
pub enum Cue {
    /// The timeline: show round R (replaying from round 0 if it was before the current one).
    Scrub(u32),
    /// `loop=1`: the run is over; the next seed plays.
    NextLoop,
    /// A tour was fetched (or failed to be).
    TourLoaded(Result<Rc<Tour>, String>),
    /// Show tour step `index` (its state, then its action).
    TourStep(usize),
    /// Close the tour.
    TourClose,
    Present(bool),
    Theme(&'static str),
    Help(bool),
}

/// A fresh run of `run`'s configuration played to `target` (or its end), with the nodes crashed
/// or recovered by clicks up to then, at the rounds they were clicked.
pub fn replay(run: &Run, target: u32) -> Run {
    let mut fresh = Run::with_comparison(run.simulation.config(), run.comparison.clone());
    loop {
        let round = fresh.simulation.round();
        for &(_, node, with_state) in run.clicks.iter().filter(|click| click.0 == round) {
            fresh.toggle_crash(node, with_state);
        }
        if round >= target || !fresh.step() {
            return fresh;
        }
    }
}

/// Plays the run forward to round `target` (or its end).
fn play_to(run: &mut Run, target: u32) {
    while run.simulation.round() < target && run.step() {}
}

impl Lab {
    /// The page's state as a `Setup`: what `to_query` writes (the round is the current one).
    // Fields other helpers add to `Setup` (views: view, modes, trials) start at their defaults
    // until a line here copies them from the `Lab`.
    #[allow(clippy::needless_update)]
    pub fn to_setup(&self) -> Setup {
        let mut lecture = self.lecture.clone();
        lecture.round = Some(self.run.borrow().simulation.round());
        Setup {
            config: self.config.clone(),
            speed: self.speed,
            autoplay: self.lecture.autoplay,
            perf: self.perf,
            log_rounds: self.log_rounds,
            lecture,
            ..Setup::default()
        }
    }

    /// Opens at `round=R` (a new page or a tour step).
    pub fn open_at(&mut self, round: u32) {
        play_to(&mut self.run.borrow_mut(), round);
        self.note_frontier();
        self.version += 1;
    }

    /// The timeline's end follows the furthest round played.
    pub fn note_frontier(&mut self) {
        let round = self.run.borrow().simulation.round();
        self.lecture.frontier = self.lecture.frontier.max(round);
    }

    /// Replaces the state with `setup` (a tour step), keeping the current run as a ghost.
    fn apply(&mut self, setup: Setup) {
        self.config = setup.config;
        self.speed = setup.speed;
        self.log_rounds = setup.log_rounds;
        self.playing = setup.autoplay;
        self.restart(true);
        self.open_at(setup.lecture.round.unwrap_or(0));
    }

    /// The lecture's actions; `notices` as the reducer's.
    pub fn cue(&mut self, cue: Cue, notices: &mut Vec<String>) {
        match cue {
            Cue::Scrub(target) => {
                self.playing = false;
                self.fast_forward = false;
                self.note_frontier();
                let target = target.min(self.lecture.frontier);
                let current = self.run.borrow().simulation.round();
                if target < current {
                    let fresh = replay(&self.run.borrow(), target);
                    self.run = Rc::new(std::cell::RefCell::new(fresh));
                } else {
                    play_to(&mut self.run.borrow_mut(), target);
                }
                self.version += 1;
            }
            Cue::NextLoop => {
                self.config.seed = self.config.seed.wrapping_add(1);
                self.restart(true);
                self.playing = true;
            }
            Cue::TourLoaded(Ok(tour)) => {
                self.lecture.guide = Some(tour);
                self.cue(Cue::TourStep(0), notices);
            }
            Cue::TourLoaded(Err(message)) => {
                notices.push(format!("The tour could not be loaded: {message}."));
            }
            Cue::TourStep(index) => {
                let Some(tour) = self.lecture.guide.clone() else {
                    return;
                };
                let Some(step) = tour.steps.get(index) else {
                    return;
                };
                self.lecture.step = index;
                let (setup, step_notices) = parse_query(&step.query);
                notices.extend(step_notices);
                self.apply(setup);
                let mut run = self.run.borrow_mut();
                match step.action {
                    Some(TourAction::RunTo(round)) => play_to(&mut run, round),
                    Some(TourAction::Highlight(node)) => self.selected = Some(node),
                    Some(TourAction::Crash(node)) if node < self.config.nodes => {
                        run.toggle_crash(node, true);
                        self.selected = Some(node);
                    }
                    _ => {}
                }
                drop(run);
                self.note_frontier();
                self.version += 1;
            }
            Cue::TourClose => self.lecture.guide = None,
            Cue::Present(on) => self.lecture.present = on,
            Cue::Theme(theme) => {
                self.lecture.theme = Some(theme);
                self.version += 1; // the stage redraws in the theme's colours
            }
            Cue::Help(on) => self.lecture.help = on,
        }
    }
}
