//! The page's view of heartbeat, SWIM and Cassandra (theory.md section 10): a sentence per
//! protocol on what to look at and the trade-off, the detection numbers beside the theory, the
//! observer-by-member matrix and the chart of the nodes that consider the crashed node X failed.
//! Their sliders are built with the other protocols' in `controls`.

use crate::engine::config::Config;
use crate::engine::protocols::membership::VIEW_CAP;
use crate::ui::charts::{detection, phi};
use crate::ui::run::matrix;
use crate::ui::run::panels::RunProps;
use crate::ui::state::{PHI_NODES, Run};
use crate::ui::widgets::palette;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// The lesson's expected first detection in periods after the crash, and the theory in words
/// for the chart's legend and the note, from the protocol's descriptor.
fn expected(config: &Config) -> Option<(f64, String, String)> {
    let lesson = crate::engine::protocols::lesson(config, None)?;
    let expected = lesson.expected?;
    let label = format!("theory: {} periods", crate::ui::charts::figure(expected));
    Some((expected, label, lesson.why))
}

fn periods_text(value: Option<f64>) -> String {
    value.map_or("–".into(), |periods| format!("{periods:.2}"))
}

/// Detection numbers and the matrix of the current run.
#[function_component(MembershipPanel)]
pub fn membership_panel(props: &RunProps) -> Html {
    let matrix_ref = use_node_ref();
    let run = props.run.borrow();
    let config = run.simulation.config().clone();
    let round = run
        .last
        .as_ref()
        .and_then(|report| report.membership.clone())
        .unwrap_or_default();
    let rounds = f64::from(run.simulation.round().max(1));
    let live = f64::from(config.live_count().max(1));
    let datagrams = run.simulation.totals().datagrams as f64 / live / rounds;
    let bytes = round.bytes as f64 / live / rounds;
    let false_rate = round.false_detections as f64 * 1000.0 / rounds;
    let expected = expected(&config);
    let figure = expected
        .as_ref()
        .map_or("–".into(), |(figure, _, _)| format!("{figure:.2}"));
    let words = expected
        .as_ref()
        .map_or(String::new(), |(_, _, why)| format!(" Theory: {why}."));
    let target = round
        .target
        .map_or("no crash yet".into(), |node| format!("node {node}"));
    let shown = config.nodes <= VIEW_CAP;
    {
        let (matrix_ref, run) = (matrix_ref.clone(), props.run.clone());
        use_effect_with(props.version, move |_| {
            draw_matrix(&run.borrow(), &matrix_ref);
        });
    }
    html! {
        <div class="membership" data-testid="membership">
            <table class="milestones">
                <thead><tr><th>{ format!("Crash of X = {target}") }</th><th>{ "this run" }</th><th>{ "theory" }</th></tr></thead>
                <tbody>
                    <tr><th scope="row">{ "first detection (periods)" }</th>
                        <td data-testid="first-detection">{ periods_text(round.first_detection) }</td>
                        <td class="theory" data-testid="expected-detection">{ figure }</td></tr>
                    <tr><th scope="row">{ "every live node (periods)" }</th>
                        <td data-testid="all-detection">{ periods_text(round.all_detection) }</td>
                        <td class="theory">{ "+ dissemination" }</td></tr>
                    <tr><th scope="row">{ "false detections / 1000 periods" }</th>
                        <td data-testid="false-detections">{ format!("{false_rate:.1}") }</td><td></td></tr>
                    <tr><th scope="row">{ "datagrams / node / period" }</th>
                        <td data-testid="datagrams-per-period">{ format!("{datagrams:.3}") }</td><td></td></tr>
                    <tr><th scope="row">{ "bytes / node / period" }</th>
                        <td data-testid="bytes-per-period">{ format!("{bytes:.0}") }</td><td></td></tr>
                    if config.membership.join_at.is_some() {
                        <tr><th scope="row">{ "join reaches everyone (periods)" }</th>
                            <td data-testid="join-time">{ periods_text(round.join_time) }</td><td></td></tr>
                    }
                </tbody>
            </table>
            <p class="chart-note">{ format!("{} live nodes consider X failed, {} suspect it.{words}", round.failing, round.suspecting) }</p>
            if shown {
                <canvas ref={matrix_ref} class="matrix" data-testid="membership-matrix" role="img"
                    aria-label="Who believes whom: rows are observers, columns members"></canvas>
                <ul class="legend chart-legend" aria-label="Matrix legend" data-testid="matrix-legend">
                    { for matrix::COLOURS.iter().map(|&(rgb, label)| html! {
                        <li><span class="swatch" style={format!("--swatch: {0}; background: {0}", palette::hex(rgb))} aria-hidden="true"></span>{ label }</li>
                    }) }
                </ul>
                <p class="chart-note">{ "Row: what one node believes; column: what everyone believes of one member. A crash turns its column from green to yellow (SWIM) and orange." }</p>
            } else {
                <p class="chart-note" data-testid="membership-matrix-off">{ format!("The matrix is drawn up to {VIEW_CAP} nodes.") }</p>
            }
        </div>
    }
}

/// The lesson's own chart: the nodes that consider X failed over time, beside the theory's
/// first detection (shown with the lesson's figure, so it stays on screen).
#[function_component(DetectionChart)]
pub fn detection_chart(props: &RunProps) -> Html {
    let chart_ref = use_node_ref();
    {
        let (chart_ref, run) = (chart_ref.clone(), props.run.clone());
        use_effect_with(props.version, move |_| {
            draw_detection(&run.borrow(), &chart_ref);
        });
    }
    html! {
        <canvas ref={chart_ref} class="chart small" data-testid="detection-chart" role="img"
            aria-label="Nodes that consider X failed over time, with the theory's first detection"></canvas>
    }
}

fn draw_matrix(run: &Run, matrix_ref: &NodeRef) {
    let config = run.simulation.config();
    let round = run
        .last
        .as_ref()
        .and_then(|report| report.membership.as_ref());
    if let Some(canvas) = matrix_ref.cast::<HtmlCanvasElement>() {
        let views = round.map_or(&[][..], |round| &round.views[..]);
        if let Err(error) = matrix::draw(&canvas, views, config.nodes) {
            web_sys::console::error_1(&error);
        }
    }
}

fn draw_detection(run: &Run, chart_ref: &NodeRef) {
    let config = run.simulation.config();
    let round = run
        .last
        .as_ref()
        .and_then(|report| report.membership.as_ref());
    if let Some(canvas) = chart_ref.cast::<HtmlCanvasElement>() {
        let rounds: Vec<(f64, f64, f64)> = run
            .detection
            .points(1)
            .map(|(round, &(suspecting, failing))| {
                (f64::from(round), f64::from(suspecting), f64::from(failing))
            })
            .collect();
        // The crash happened at the start of the round whose first tick is the crash tick.
        let crash_round = run.crash_round.map(|round| f64::from(round) - 1.0);
        let data = detection::DetectionData {
            rounds: &rounds,
            observers: f64::from(round.map_or(config.nodes, |round| round.observers.max(1))),
            crash_round,
            expected: expected(config).map(|(figure, label, _)| (figure, label)),
        };
        if let Err(error) = detection::draw(&canvas, &data) {
            web_sys::console::error_1(&error.to_string().into());
        }
    }
}

#[derive(Properties, Clone)]
pub struct PhiChartProps {
    pub run: std::rc::Rc<std::cell::RefCell<Run>>,
    pub version: u64,
    /// The clicked node: the observer whose phi is drawn (else the first live node).
    pub selected: Option<u32>,
}

impl PartialEq for PhiChartProps {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.run, &other.run)
            && self.version == other.version
            && self.selected == other.selected
    }
}

/// Cassandra: the chosen observer's phi about the crashed node over time, the threshold dashed.
#[function_component(PhiChart)]
pub fn phi_chart(props: &PhiChartProps) -> Html {
    let chart_ref = use_node_ref();
    {
        let (chart_ref, run, selected) = (chart_ref.clone(), props.run.clone(), props.selected);
        use_effect_with((props.version, props.selected), move |_| {
            draw_phi(&run.borrow(), selected, &chart_ref);
        });
    }
    let run = props.run.borrow();
    let label = if run.simulation.config().nodes <= PHI_NODES {
        "φ of the crashed node at one observer over time, with the conviction threshold"
    } else {
        "φ over time is recorded up to 300 nodes"
    };
    html! {
        <canvas ref={chart_ref} class="chart small" data-testid="phi-chart" role="img" aria-label={label}
            data-observer={crate::ui::run::stage::phi_observer(&run, props.selected).map(|node| node.to_string())}></canvas>
    }
}

fn draw_phi(run: &Run, selected: Option<u32>, chart_ref: &NodeRef) {
    let Some(observer) = crate::ui::run::stage::phi_observer(run, selected) else {
        return;
    };
    let simulation = &run.simulation;
    let points: Vec<(f64, f64)> = run
        .phi
        .points(1)
        .filter_map(|(round, row)| {
            let phi = f64::from(*row.get(observer as usize)?);
            phi.is_finite().then_some((f64::from(round), phi))
        })
        .collect();
    let target = run
        .last
        .as_ref()
        .and_then(|report| report.membership.as_ref())
        .and_then(|round| round.target);
    let data = phi::PhiData {
        points: &points,
        threshold: simulation.config().membership.phi,
        round: f64::from(simulation.round()),
        crash_round: run.crash_round.map(|round| f64::from(round) - 1.0),
        observer,
        target,
    };
    if let Some(canvas) = chart_ref.cast::<HtmlCanvasElement>()
        && let Err(error) = phi::draw(&canvas, &data)
    {
        web_sys::console::error_1(&error.to_string().into());
    }
}
