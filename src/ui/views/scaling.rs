//! Scaling view: mean rounds to completion against N (2^4 up to 2^20) for several
//! protocols, R trials per point in the workers (`sweep::run_trials`, as `gossip-sim sweep`:
//! plain gossip counted), each point the engine's `summarize` of its records; and the hops from
//! the sender of one run, with the who-informed-whom tree for small N.

use super::compare::COLOURS;
use super::experiment::{Batch, config_json, progress, records, start, trials_field};
use super::workers::{Pool, Task, split};
use crate::engine::ensemble::{self, Experiment, Summary};
use crate::engine::sweep;
use crate::engine::{Config, Mode, Simulation};
use crate::ui::charts::{histogram, scaling};
use crate::ui::lecture::export::{ExportButtons, csv};
use crate::ui::url::checks::{keep_consistent, runnable};
use crate::ui::url::view_keys::{Pick, ViewSetup};
use crate::ui::widgets::{canvas, palette};
use std::rc::Rc;
use web_sys::{HtmlCanvasElement, HtmlSelectElement};
use yew::prelude::*;

/// The smallest N of a sweep, 2^4; the largest is chosen, up to 2^20.
pub const FIRST_POWER: u32 = 4;
pub const LAST_POWER: u32 = 20;
/// The who-informed-whom tree is drawn up to this many nodes.
pub const TREE_NODES: u32 = 64;
/// Hops are counted up to this many nodes (finding who informed a node is a search).
pub const HOPS_NODES: u32 = 4096;

/// One row of the table, one point of the chart.
#[derive(Clone)]
pub struct Row {
    pub mode: Mode,
    pub summary: Summary,
    /// The engine's row of this point: what `gossip-sim sweep` prints for it.
    pub sweep: sweep::Row,
}

impl Row {
    /// The row of `experiment` from its summary.
    fn new(experiment: &Experiment, summary: Summary) -> Row {
        Row {
            mode: experiment.config.mode,
            sweep: sweep::Row::new(experiment, &summary),
            summary,
        }
    }

    /// The theory's rounds: the literature's closed form where one applies, else mean field.
    fn theory(&self) -> Option<f64> {
        let theory = &self.summary.theory;
        theory
            .closed_form_rounds
            .or(theory.mean_field_rounds.map(f64::from))
    }

    /// The row as `gossip-sim sweep --format csv` prints it, cell by cell: the page's table is
    /// the CLI's, to the last digit.
    fn cells(&self) -> Vec<String> {
        self.sweep.csv().split(',').map(String::from).collect()
    }
}

pub const COLUMNS: &str = sweep::Row::CSV_HEADER;

/// The sweep's configurations: every mode at N = 2^4 .. 2^last (SRM and RMTP only up to the
/// page's caps), smallest N first.
pub fn points(config: &Config, modes: &[Mode], last: u32) -> Vec<Config> {
    let mut points = Vec::new();
    for power in FIRST_POWER..=last {
        for &mode in modes {
            let mut point = Config {
                mode,
                nodes: 1 << power,
                ..config.clone()
            }
            .without_inapplicable();
            keep_consistent(&mut point, &mut Vec::new());
            if point.nodes == 1 << power && runnable(&point).is_ok() {
                points.push(point);
            }
        }
    }
    points
}

#[derive(Properties, PartialEq)]
pub struct ScalingProps {
    pub config: Config,
    pub setup: ViewSetup,
    pub on_setup: Callback<ViewSetup>,
}

/// Adds to `rows` the points after them whose every task is done, in sweep order: each point
/// the engine's `summarize` of its records. Points finish about in order (tasks are handed out
/// smallest N first), so the chart fills from the left while the sweep runs.
fn extend_rows(
    rows: &mut Vec<Row>,
    configs: &[Config],
    counts: &[usize],
    trials: u32,
    results: &[Option<Vec<f64>>],
) -> Result<(), String> {
    let first_task: usize = counts[..rows.len()].iter().sum();
    let mut tasks = results.get(first_task..).unwrap_or_default();
    for (point, &count) in configs.iter().zip(counts).skip(rows.len()) {
        let (chunks, rest) = tasks.split_at(count.min(tasks.len()));
        let Some(chunks) = chunks.iter().cloned().collect::<Option<Vec<_>>>() else {
            break;
        };
        tasks = rest;
        let records = records(&chunks).ok_or("the workers' records do not decode")?;
        let experiment = Experiment::new(point.clone(), trials).map_err(|error| error.0)?;
        rows.push(Row::new(
            &experiment,
            ensemble::summarize(&experiment, &records),
        ));
    }
    Ok(())
}

#[function_component(ScalingView)]
pub fn scaling_view(props: &ScalingProps) -> Html {
    let batch = use_state(|| Batch::<Vec<Row>>::Idle);
    // The points done so far while the sweep runs.
    let partial = use_state(|| Rc::new(Vec::<Row>::new()));
    let pool = use_mut_ref(|| None::<Pool>);
    let last = use_state(|| 14u32);
    let (chart_ref, hops_ref, tree_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    let run = {
        let (batch, pool, partial) = (batch.clone(), pool.clone(), partial.clone());
        move |config: &Config, modes: &[Mode], trials: u32, last: u32| {
            let configs = Rc::new(points(config, modes, last));
            let mut tasks: Vec<Task> = Vec::new();
            let mut counts = Vec::new();
            for point in configs.iter() {
                // Eight tasks per point: large N keeps every worker busy.
                let point_tasks = split(&config_json(point), trials, trials.div_ceil(8));
                counts.push(point_tasks.len());
                // Played as `gossip-sim sweep` plays a point (plain gossip counted).
                tasks.extend(point_tasks.into_iter().map(|task| Task {
                    sweep: true,
                    ..task
                }));
            }
            let counts = Rc::new(counts);
            partial.set(Rc::default());
            let so_far = Rc::new(std::cell::RefCell::new(Vec::new()));
            let on_partial = {
                let (configs, counts, partial) = (configs.clone(), counts.clone(), partial.clone());
                let so_far = so_far.clone();
                move |results: &[Option<Vec<f64>>]| {
                    let mut rows = so_far.borrow_mut();
                    let before = rows.len();
                    if extend_rows(&mut rows, &configs, &counts, trials, results).is_ok()
                        && rows.len() > before
                    {
                        partial.set(Rc::new(rows.clone()));
                    }
                }
            };
            start(&batch, &pool, tasks, Box::new(on_partial), move |results| {
                let results: Vec<_> = results.into_iter().map(Some).collect();
                // The points summarised as they came in, then any the progress did not reach.
                let mut rows = so_far.take();
                extend_rows(&mut rows, &configs, &counts, trials, &results)?;
                Ok(rows)
            });
        }
    };
    {
        let run = run.clone();
        let deps = (
            props.config.clone(),
            props.setup.modes(),
            props.setup.trials,
            *last,
        );
        use_effect_with(deps, move |(config, modes, trials, last)| {
            run(config, modes, *trials, *last)
        });
    }
    {
        let pool = pool.clone();
        use_effect_with((), move |_| move || drop(pool.borrow_mut().take()));
    }
    let rows = match &*batch {
        Batch::Done(rows) => Some(rows.clone()),
        Batch::Running(..) | Batch::Failed(_) if !partial.is_empty() => Some((*partial).clone()),
        _ => None,
    };
    {
        let (chart_ref, modes, rows) = (chart_ref.clone(), props.setup.modes(), rows.clone());
        let key = rows.as_ref().map(|rows| Rc::as_ptr(rows) as usize);
        use_effect_with(key, move |_| {
            let drawn =
                rows.zip(chart_ref.cast::<HtmlCanvasElement>())
                    .and_then(|(rows, canvas)| {
                        canvas::on_resize(
                            &canvas.clone().into(),
                            Box::new(move || draw_sweep(&canvas, &modes, &rows)),
                        )
                    });
            move || drop(drawn)
        });
    }
    // Hops from the sender in one run of the configuration on the left.
    let hops = use_memo(props.config.clone(), hops);
    {
        let (hops_ref, tree_ref, hops) = (hops_ref.clone(), tree_ref.clone(), hops.clone());
        use_effect_with(hops, move |hops| {
            let hops = hops.clone();
            let drawn = hops_ref.cast::<HtmlCanvasElement>().and_then(|canvas| {
                canvas::on_resize(
                    &canvas.clone().into(),
                    Box::new(move || {
                        let counts: Vec<f64> = hops
                            .iter()
                            .flatten()
                            .map(|&(_, hops)| f64::from(hops))
                            .collect();
                        if let Err(error) = histogram::draw(
                            &canvas,
                            &histogram::bins(&counts),
                            None,
                            "hops from the sender",
                        ) {
                            web_sys::console::error_1(&error.to_string().into());
                        }
                        if let Some(tree) = tree_ref.cast::<HtmlCanvasElement>() {
                            draw_tree(&tree, &hops);
                        }
                    }),
                )
            });
            move || drop(drawn)
        });
    }

    let cancel = {
        let (batch, pool) = (batch.clone(), pool.clone());
        Callback::from(move |_: MouseEvent| {
            pool.borrow_mut().take();
            batch.set(Batch::Failed("Cancelled.".into()));
        })
    };
    let again = {
        let (config, modes, trials, last) = (
            props.config.clone(),
            props.setup.modes(),
            props.setup.trials,
            *last,
        );
        Callback::from(move |_: MouseEvent| run(&config, &modes, trials, last))
    };
    let on_last = {
        let last = last.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            last.set(select.value().parse().unwrap_or(14));
        })
    };
    // Off: every panel of the protocol (the compare view may repeat it), keeping two distinct
    // protocols; on: a panel more, up to the compare view's four.
    let distinct = props.setup.modes().len();
    let blocked = |pressed: bool| match pressed {
        true if distinct <= 2 => Some("Scaling sweeps at least two protocols"),
        false if props.setup.picks.len() >= 4 => {
            Some("At most four protocols (the compare view's four panels)")
        }
        _ => None,
    };
    let toggle = |mode: Mode| {
        let (setup, on_setup) = (props.setup.clone(), props.on_setup.clone());
        Callback::from(move |_: MouseEvent| {
            let mut picks = setup.picks.clone();
            if picks.iter().any(|chosen| chosen.mode == mode) {
                picks.retain(|chosen| chosen.mode != mode);
            } else {
                picks.push(Pick::new(mode));
            }
            on_setup.emit(ViewSetup {
                picks,
                ..setup.clone()
            });
        })
    };
    let config = &props.config;
    let name = format!(
        "scaling-{}-seed{}",
        props
            .setup
            .modes()
            .iter()
            .map(|mode| mode.name())
            .collect::<Vec<_>>()
            .join("+"),
        config.seed
    );
    let table_csv = {
        let rows = rows.clone();
        Callback::from(move |_: ()| {
            let rows = rows
                .iter()
                .flat_map(|rows| rows.iter())
                .map(|row| row.cells().join(","));
            csv("mean rounds to completion against N", COLUMNS, rows)
        })
    };
    let hops_csv = {
        let hops = hops.clone();
        Callback::from(move |_: ()| {
            let counts: Vec<f64> = hops
                .iter()
                .flatten()
                .map(|&(_, hops)| f64::from(hops))
                .collect();
            let bins = histogram::bins(&counts);
            csv(
                "hops from the sender in one run",
                "hops,nodes",
                bins.iter().map(|(hops, count)| format!("{hops},{count}")),
            )
        })
    };
    let hops_name = format!(
        "hops-{}-n{}-seed{}",
        config.mode.name(),
        config.nodes,
        config.seed
    );
    html! {
        <section class="panel scaling-view" aria-label="Scaling">
            // The sweep's controls and its chart: a wide screen's first screenful (style.css).
            <div class="sweep">
                <p class="hint explain">{ "Mean rounds to inform everyone against N on a log axis, R trials per point with its 95 % interval, and each protocol's theory dashed: O(N) rises steeply, O(log N) is a straight line, O(log log N) bends flat." }</p>
                if props.setup.picks.iter().any(|pick| !pick.overrides.is_empty()) {
                    <p class="hint" data-testid="overrides-ignored">{ "Each protocol runs once here, with the shared parameters: the compare panels' own values do not apply." }</p>
                }
                <div class="mode" role="group" aria-label="Protocols to sweep">
                    { for Mode::ALL.into_iter().map(|mode| {
                        let pressed = props.setup.picks.iter().any(|pick| pick.mode == mode);
                        let why = blocked(pressed);
                        html! { <button class={classes!("segment", pressed.then_some("pressed"))} aria-pressed={pressed.to_string()}
                            onclick={toggle(mode)} disabled={why.is_some()} title={why}>{ mode.name() }</button> }
                    }) }
                </div>
                <div class="progress-row">
                    { trials_field(&props.setup, &props.on_setup, "Trials per point") }
                    <label>{ "Largest N " }
                        <select aria-label="Largest N" onchange={on_last}>
                            { for (8..=LAST_POWER).map(|power| html! {
                                <option value={power.to_string()} selected={power == *last}>{ format!("2^{power} = {}", 1u32 << power) }</option>
                            }) }
                        </select>
                    </label>
                    <button class="primary" onclick={again}>{ "Run sweep" }</button>
                </div>
                { progress(&batch, cancel) }
                <canvas ref={chart_ref.clone()} class="chart" data-testid="scaling-chart" role="img"
                    aria-label="Mean rounds to completion against N on a log axis, with 95 % error bars and each protocol's theory curve"></canvas>
                <ExportButtons canvas={chart_ref} name={name} csv={table_csv} />
            </div>
            if let Some(rows) = rows {
                <div class="table-scroll">
                    <table class="data-table" data-testid="scaling-table">
                        <thead><tr>{ for COLUMNS.split(',').map(|column| html! { <th>{ column }</th> }) }</tr></thead>
                        <tbody>{ for rows.iter().map(|row| html! {
                            // Keyed: a row's element stays its own as points arrive.
                            <tr key={format!("{}-{}", row.sweep.mode, row.sweep.nodes)}>{ for row.cells().into_iter().map(|cell| html! { <td>{ cell }</td> }) }</tr>
                        }) }</tbody>
                    </table>
                </div>
            }
            <h2 class="view-heading">{ format!("Hops from the sender: {} at N = {}, seed {}", config.mode.name(), config.nodes, config.seed) }</h2>
            <p class="hint">{ "How many forwardings each informed node is from the sender in this run (who informed whom, as the engine reports it; N up to 4,096); for N up to 64 the tree itself, one row per hop." }</p>
            <canvas ref={hops_ref.clone()} class="chart small" data-testid="hops-chart" role="img" aria-label="Informed nodes per hop count from the sender"></canvas>
            <ExportButtons canvas={hops_ref} name={hops_name} csv={hops_csv} />
            if config.nodes <= TREE_NODES {
                <canvas ref={tree_ref} class="chart" data-testid="hops-tree" role="img" aria-label="Who informed whom: the sender on top, each node under the node that informed it"></canvas>
            }
        </section>
    }
}

/// The sweep's chart: each protocol's points so far, in its colour.
fn draw_sweep(canvas: &HtmlCanvasElement, modes: &[Mode], rows: &[Row]) {
    let points: Vec<Vec<scaling::Point>> = modes
        .iter()
        .map(|&mode| {
            rows.iter()
                .filter(|row| row.mode == mode)
                .filter_map(|row| {
                    Some((
                        f64::from(row.sweep.nodes),
                        row.summary.rounds?.mean,
                        row.sweep.rounds_ci95.unwrap_or(0.0),
                        row.theory(),
                    ))
                })
                .collect()
        })
        .collect();
    let series: Vec<scaling::Series> = modes
        .iter()
        .zip(&points)
        .enumerate()
        .map(|(index, (mode, points))| scaling::Series {
            label: mode.name(),
            colour: COLOURS[index],
            points,
        })
        .collect();
    if let Err(error) = scaling::draw(canvas, &series) {
        web_sys::console::error_1(&error.to_string().into());
    }
}

/// One run with contacts: for each node, (parent, hops from a sender) if informed.
fn hops(config: &Config) -> Vec<Option<(Option<u32>, u32)>> {
    if config.nodes > HOPS_NODES {
        return Vec::new();
    }
    let Ok(mut simulation) = Simulation::new(config.clone()) else {
        return Vec::new();
    };
    simulation.run_to_end();
    let mut hops: Vec<Option<(Option<u32>, u32)>> = vec![None; config.nodes as usize];
    // Informed order puts every parent before its children.
    for &node in simulation.informed_order() {
        let parent = simulation.informed_when_and_by(node).and_then(|(_, by)| by);
        let depth = parent
            .and_then(|parent| hops[parent as usize])
            .map_or(0, |(_, depth)| depth + 1);
        hops[node as usize] = Some((parent, depth));
    }
    hops
}

/// The who-informed-whom tree: hop d on row d, each node under its parent's column order.
fn draw_tree(canvas: &HtmlCanvasElement, hops: &[Option<(Option<u32>, u32)>]) {
    let (width, height, ratio) = canvas::fit_to_css(canvas);
    let Ok(context) = canvas::context(canvas) else {
        return;
    };
    context.set_fill_style_str("#fff");
    context.fill_rect(0.0, 0.0, width, height);
    let depth = hops
        .iter()
        .flatten()
        .map(|&(_, depth)| depth)
        .max()
        .unwrap_or(0);
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); depth as usize + 1];
    // Parents first: each row ordered by its parents' places, so edges rarely cross.
    let mut place = vec![0.0f64; hops.len()];
    for row in 0..=depth {
        let mut nodes: Vec<u32> = (0..hops.len() as u32)
            .filter(|&node| hops[node as usize].is_some_and(|(_, d)| d == row))
            .collect();
        nodes.sort_by(|&a, &b| {
            let key = |node: u32| {
                hops[node as usize]
                    .and_then(|(parent, _)| parent)
                    .map_or(0.0, |parent| place[parent as usize])
            };
            key(a).total_cmp(&key(b))
        });
        for (index, &node) in nodes.iter().enumerate() {
            place[node as usize] = (index as f64 + 0.5) / nodes.len() as f64;
        }
        rows[row as usize] = nodes;
    }
    let margin = 16.0 * ratio;
    let y = |row: u32| margin + f64::from(row) * (height - 2.0 * margin) / f64::from(depth.max(1));
    let x = |node: u32| margin + place[node as usize] * (width - 2.0 * margin);
    context.set_stroke_style_str(&palette::css(palette::EDGE, 1.0));
    context.set_line_width(ratio);
    for (node, entry) in hops.iter().enumerate() {
        if let Some((Some(parent), depth)) = entry {
            context.begin_path();
            context.move_to(x(*parent), y(depth - 1));
            context.line_to(x(node as u32), y(*depth));
            context.stroke();
        }
    }
    context.set_font(&format!("{}px sans-serif", 10.0 * ratio));
    for (row, nodes) in rows.iter().enumerate() {
        for &node in nodes {
            context.set_fill_style_str(&palette::css(
                palette::viridis(row as f64 / f64::from(depth.max(1))),
                1.0,
            ));
            context.begin_path();
            let _ = context.arc(
                x(node),
                y(row as u32),
                6.0 * ratio,
                0.0,
                std::f64::consts::TAU,
            );
            context.fill();
            context.set_fill_style_str("#222");
            let _ = context.fill_text(
                &node.to_string(),
                x(node) + 7.0 * ratio,
                y(row as u32) - 5.0 * ratio,
            );
        }
    }
}
