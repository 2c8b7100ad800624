//! Experiment view: R trials of the current configuration in Web Workers, summarised by the
//! engine's own `summarize` over the records in trial order, so every figure equals
//! `gossip-sim --trials R --seed S` to the last digit, however many workers ran them.

use super::workers::{Pool, Task, split};
use crate::engine::Config;
use crate::engine::ensemble::{self, Experiment, Summary, TrialRecord};
use crate::ui::charts::histogram;
use crate::ui::lecture::export::{ExportButtons, csv};
use crate::ui::run::panels::plain as count_row;
use crate::ui::url::checks::runnable;
use crate::ui::url::view_keys::ViewSetup;
use crate::ui::widgets::canvas::on_resize;
use std::rc::Rc;
use web_sys::{HtmlCanvasElement, HtmlInputElement};
use yew::prelude::*;

/// The configuration as the JSON object the workers' `run_trials` reads (the CLI's keys).
pub fn config_json(config: &Config) -> Rc<str> {
    crate::engine::json::to_string(&serde_json::Value::Object(config.echo())).into()
}

/// About 50 tasks per experiment: a fine progress bar, little messaging.
pub fn chunk(trials: u32) -> u32 {
    trials.div_ceil(50).max(1)
}

/// Every task's numbers, in task (so trial) order, as records.
pub fn records(results: &[Vec<f64>]) -> Option<Vec<TrialRecord>> {
    TrialRecord::decode(&results.concat())
}

/// The state of a batch of worker tasks: progress while running, then the result or an error.
pub enum Batch<T> {
    Idle,
    Running(usize, usize),
    Done(Rc<T>),
    Failed(String),
}

impl<T> Clone for Batch<T> {
    fn clone(&self) -> Self {
        match self {
            Batch::Idle => Batch::Idle,
            Batch::Running(done, total) => Batch::Running(*done, *total),
            Batch::Done(value) => Batch::Done(value.clone()),
            Batch::Failed(error) => Batch::Failed(error.clone()),
        }
    }
}

impl<T> PartialEq for Batch<T> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Batch::Idle, Batch::Idle) => true,
            (Batch::Running(a, b), Batch::Running(c, d)) => (a, b) == (c, d),
            (Batch::Done(a), Batch::Done(b)) => Rc::ptr_eq(a, b),
            (Batch::Failed(a), Batch::Failed(b)) => a == b,
            _ => false,
        }
    }
}

/// Runs `tasks` in the workers; `partial` sees the numbers so far (None: task not done) after
/// each task; `finish` turns the records (task order) into the result.
pub fn start<T: 'static>(
    state: &UseStateHandle<Batch<T>>,
    pool: &Rc<std::cell::RefCell<Option<Pool>>>,
    tasks: Vec<Task>,
    partial: Box<super::workers::Partial>,
    finish: impl FnOnce(Vec<Vec<f64>>) -> Result<T, String> + 'static,
) {
    pool.borrow_mut().take();
    state.set(Batch::Running(0, tasks.len()));
    let (progress, done) = (state.clone(), state.clone());
    let started = Pool::run(
        tasks,
        // At most about 100 re-renders a run: small tasks finish many to a frame.
        Box::new(move |finished, total, results| {
            if finished % (total / 100).max(1) == 0 {
                progress.set(Batch::Running(finished, total))
            }
            partial(results);
        }),
        Box::new(move |results| {
            done.set(match results.and_then(finish) {
                Ok(value) => Batch::Done(Rc::new(value)),
                Err(error) => Batch::Failed(error),
            })
        }),
    );
    match started {
        Ok(started) => *pool.borrow_mut() = Some(started),
        Err(error) => state.set(Batch::Failed(format!("{error:?}"))),
    }
}

/// The progress bar with its Cancel button, while running; the error, if any.
pub fn progress<T>(batch: &Batch<T>, cancel: Callback<MouseEvent>) -> Html {
    match batch {
        Batch::Running(done, total) => html! {
            <div class="progress-row">
                <progress data-testid="progress" max={total.to_string()} value={done.to_string()}
                    aria-label="Trials done"></progress>
                <span>{ format!("{done} / {total} batches") }</span>
                <button onclick={cancel}>{ "Cancel" }</button>
            </div>
        },
        Batch::Failed(error) => html! { <p class="status">{ error.clone() }</p> },
        _ => html! {},
    }
}

pub struct Outcome {
    pub summary: Summary,
    pub trials: u32,
    /// Rounds to completion of the completed trials, in trial order.
    pub rounds: Vec<f64>,
}

#[derive(Properties, PartialEq)]
pub struct ExperimentProps {
    pub config: Config,
    pub setup: ViewSetup,
    pub on_setup: Callback<ViewSetup>,
}

/// A trials field (1 to 10,000), shared with the scaling view.
pub fn trials_field(setup: &ViewSetup, on_setup: &Callback<ViewSetup>, label: &str) -> Html {
    let onchange = {
        let (setup, on_setup) = (setup.clone(), on_setup.clone());
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let trials = input.value_as_number();
            let trials = if trials.is_nan() {
                setup.trials
            } else {
                trials.round().clamp(1.0, 10_000.0) as u32
            };
            on_setup.emit(ViewSetup {
                trials,
                ..setup.clone()
            });
        })
    };
    html! {
        <label class="trials">{ label }
            <input type="number" min="1" max="10000" step="1" value={setup.trials.to_string()} {onchange} />
        </label>
    }
}

#[function_component(ExperimentView)]
pub fn experiment_view(props: &ExperimentProps) -> Html {
    let batch = use_state(|| Batch::<Outcome>::Idle);
    let pool = use_mut_ref(|| None::<Pool>);
    let canvas = use_node_ref();
    let run = {
        let (batch, pool) = (batch.clone(), pool.clone());
        move |config: &Config, trials: u32| {
            // The trials run the chosen protocol's own parameters, within the page's memory.
            let config = &config.clone().without_inapplicable();
            if runnable(config).is_err() {
                return;
            }
            let Ok(experiment) = Experiment::new(config.clone(), trials) else {
                return;
            };
            let tasks = split(&config_json(config), trials, chunk(trials));
            start(&batch, &pool, tasks, Box::new(|_| ()), move |results| {
                let records = records(&results).ok_or("the workers' records do not decode")?;
                let rounds = records
                    .iter()
                    .filter_map(|record| record.completion_time)
                    .collect();
                let summary = ensemble::summarize(&experiment, &records);
                Ok(Outcome {
                    summary,
                    trials,
                    rounds,
                })
            });
        }
    };
    {
        let run = run.clone();
        use_effect_with(
            (props.config.clone(), props.setup.trials),
            move |(config, trials)| {
                run(config, *trials);
            },
        );
    }
    {
        let pool = pool.clone();
        use_effect_with((), move |_| move || drop(pool.borrow_mut().take()));
    }
    {
        let (canvas, batch) = (canvas.clone(), (*batch).clone());
        use_effect_with(batch, move |batch| {
            let drawn = match (batch, canvas.cast::<HtmlCanvasElement>()) {
                (Batch::Done(outcome), Some(canvas)) => {
                    let theory = outcome.summary.theory.mean_field_rounds.map(f64::from);
                    let bins = histogram::bins(&outcome.rounds);
                    on_resize(
                        &canvas.clone().into(),
                        Box::new(move || {
                            let x_desc = "rounds to inform every live node";
                            if let Err(error) = histogram::draw(&canvas, &bins, theory, x_desc) {
                                web_sys::console::error_1(&error.to_string().into());
                            }
                        }),
                    )
                }
                _ => None,
            };
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
        let (config, trials) = (props.config.clone(), props.setup.trials);
        Callback::from(move |_: MouseEvent| run(&config, trials))
    };
    let config = &props.config;
    let name = format!(
        "experiment-{}-n{}-seed{}",
        config.mode.name(),
        config.nodes,
        config.seed
    );
    let outcome = match &*batch {
        Batch::Done(outcome) => Some(outcome.clone()),
        _ => None,
    };
    let histogram_csv = {
        let outcome = outcome.clone();
        Callback::from(move |_: ()| {
            let bins = outcome
                .as_ref()
                .map(|outcome| histogram::bins(&outcome.rounds))
                .unwrap_or_default();
            csv(
                "rounds to completion per trial",
                "rounds,trials",
                bins.iter().map(|(round, count)| format!("{round},{count}")),
            )
        })
    };
    html! {
        <section class="panel experiment-view" aria-label="Experiment">
            <p class="hint explain">{ "R trials of the configuration on the left, trial i with the seed gossip-sim uses for trial i, run in Web Workers on every core: the distribution of the rounds to inform every live node, against the theory's figure." }</p>
            <div class="progress-row">
                { trials_field(&props.setup, &props.on_setup, "Trials R") }
                <button class="primary" onclick={again}>{ "Run trials" }</button>
            </div>
            { progress(&batch, cancel) }
            if let Some(outcome) = outcome {
                { numbers(&outcome) }
            }
            <canvas ref={canvas.clone()} class="chart" data-testid="histogram" role="img"
                aria-label="Histogram of the rounds to completion over the trials, with the theory's rounds marked"></canvas>
            <ExportButtons canvas={canvas} name={name} csv={histogram_csv} />
        </section>
    }
}

/// The summary's figures, printed with the digits gossip-sim prints.
fn numbers(outcome: &Outcome) -> Html {
    let summary = &outcome.summary;
    // Shown to three significant digits; the full value stays in `data-value` for tools.
    let (mean, sd, interval) = match summary.rounds {
        Some(rounds) => {
            let half = 1.96 * rounds.standard_error(summary.completed);
            (
                (significant(rounds.mean), rounds.mean.to_string()),
                (significant(rounds.sd), rounds.sd.to_string()),
                format!(
                    "{} to {}",
                    significant(rounds.mean - half),
                    significant(rounds.mean + half)
                ),
            )
        }
        None => (
            ("–".into(), String::new()),
            ("–".into(), String::new()),
            "–".into(),
        ),
    };
    let share = f64::from(summary.completed) / f64::from(outcome.trials) * 100.0;
    let theory = summary
        .theory
        .mean_field_rounds
        .map_or("–".into(), |rounds| rounds.to_string());
    html! {
        <dl class="counts view-numbers">
            <div><dt>{ "Mean rounds" }</dt><dd data-testid="experiment-mean" data-value={mean.1}>{ mean.0 }</dd></div>
            <div><dt>{ "Standard deviation" }</dt><dd data-testid="experiment-sd" data-value={sd.1}>{ sd.0 }</dd></div>
            { count_row("95 % interval of the mean", "experiment-interval", interval) }
            <div><dt>{ "Completed" }</dt><dd><span data-testid="experiment-completed">{ summary.completed }</span>
                { format!(" of {} ({share:.1}%)", outcome.trials) }</dd></div>
            <div><dt>{ "Datagrams per node" }</dt><dd data-testid="experiment-datagrams"
                data-value={summary.datagrams_per_node.mean.to_string()}>{ significant(summary.datagrams_per_node.mean) }</dd></div>
            { count_row("Theory (mean field)", "experiment-theory", theory) }
        </dl>
    }
}

/// Three significant digits, no trailing zeros: 14.2333 -> "14.2", 1.309379 -> "1.31", 12 -> "12".
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let decimals = (2 - value.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}
