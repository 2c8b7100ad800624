//! Trials off the main thread: one module Web Worker per hardware thread, each importing
//! the page's own wasm-bindgen JS and initialising the same wasm (no second wasm to ship), then
//! answering `{config_json, first, count, sweep, task}` with `run_trials`' numbers. Tasks are handed
//! out as workers free up; results are kept by task index, so the caller merges them in trial
//! order whatever the number of workers. Dropping the `Pool` terminates its workers (Cancel).

use js_sys::{Array, Float64Array, Object, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker, WorkerOptions, WorkerType};

/// Trials `first..first + count` of one configuration (its JSON keyed like the CLI's flags).
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub config_json: Rc<str>,
    pub first: u32,
    pub count: u32,
    /// A scaling sweep's point: played as `gossip-sim sweep` plays it (`sweep::run_trials`).
    pub sweep: bool,
}

/// Splits `trials` into tasks of at most `chunk` trials, in trial order.
pub fn split(config_json: &Rc<str>, trials: u32, chunk: u32) -> Vec<Task> {
    (0..trials)
        .step_by(chunk.max(1) as usize)
        .map(|first| Task {
            config_json: config_json.clone(),
            first,
            count: chunk.min(trials - first),
            sweep: false,
        })
        .collect()
}

/// One worker per hardware thread (at least one).
pub fn worker_count() -> usize {
    web_sys::window()
        .map(|window| window.navigator().hardware_concurrency() as usize)
        .unwrap_or(1)
        .max(1)
}

struct Queue {
    tasks: Vec<Task>,
    next: usize,
    results: Vec<Slot>,
    done: usize,
    on_progress: Box<Progress>,
    /// Every task's numbers, in task order; or the first error.
    on_done: Option<Finish>,
}

/// A task's numbers, once it is done.
pub type Slot = Option<Vec<f64>>;

/// Called with (tasks done, tasks, every task's numbers so far) after each result.
type Progress = dyn Fn(usize, usize, &[Slot]);

/// Called with every task's numbers so far, after each result.
pub type Partial = dyn Fn(&[Slot]);

type Finish = Box<dyn FnOnce(Result<Vec<Vec<f64>>, String>)>;

pub struct Pool {
    workers: Vec<Worker>,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        for worker in &self.workers {
            worker.terminate();
        }
    }
}

/// The absolute URL of the page's element matching `selector`'s `href` (works from a sub-path).
fn link(selector: &str) -> Result<String, JsValue> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let href = document
        .query_selector(selector)?
        .and_then(|element| element.get_attribute("href"))
        .ok_or_else(|| format!("no {selector} in the page"))?;
    Ok(Url::new_with_base(&href, &document.base_uri()?.unwrap_or_default())?.href())
}

/// The worker's module, as a Blob URL.
fn script_url() -> Result<String, JsValue> {
    let js = link("link[rel=modulepreload]")?;
    let wasm = link("link[rel=preload][type='application/wasm']")?;
    let source = format!(
        "import init, {{ run_trials }} from {js:?};\n\
         self.onmessage = ({{ data }}) => {{\n\
           try {{\n\
             const records = run_trials(data.config_json, data.first, data.count, data.sweep);\n\
             self.postMessage({{ task: data.task, records }}, [records.buffer]);\n\
           }} catch (error) {{ self.postMessage({{ error: String(error) }}); }}\n\
         }};\n\
         init({{ module_or_path: {wasm:?} }}).then(\n\
           () => self.postMessage({{ ready: true }}),\n\
           (error) => self.postMessage({{ error: 'a worker could not start: ' + error }}));\n"
    );
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&source.into()), &options)?;
    Url::create_object_url_with_blob(&blob)
}

fn post(worker: &Worker, task: &Task, index: usize) -> Result<(), JsValue> {
    let message = Object::new();
    Reflect::set(&message, &"config_json".into(), &(*task.config_json).into())?;
    Reflect::set(&message, &"first".into(), &task.first.into())?;
    Reflect::set(&message, &"count".into(), &task.count.into())?;
    Reflect::set(&message, &"sweep".into(), &task.sweep.into())?;
    Reflect::set(&message, &"task".into(), &(index as u32).into())?;
    worker.post_message(&message)
}

impl Pool {
    /// Runs `tasks` on `worker_count()` workers (fewer if there are fewer tasks).
    pub fn run(
        tasks: Vec<Task>,
        on_progress: Box<Progress>,
        on_done: Finish,
    ) -> Result<Pool, JsValue> {
        let total = tasks.len();
        let queue = Rc::new(RefCell::new(Queue {
            results: vec![None; total],
            tasks,
            next: 0,
            done: 0,
            on_progress,
            on_done: Some(on_done),
        }));
        let url = script_url()?;
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let mut pool = Pool {
            workers: Vec::new(),
            _handlers: Vec::new(),
        };
        for _ in 0..worker_count().min(total) {
            let worker = Worker::new_with_options(&url, &options)?;
            let (queue, this) = (queue.clone(), worker.clone());
            let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                on_message(&queue, &this, &event.data())
            });
            worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
            pool.workers.push(worker);
            pool._handlers.push(handler);
        }
        Url::revoke_object_url(&url)?;
        if total == 0
            && let Some(done) = queue.borrow_mut().on_done.take()
        {
            done(Ok(Vec::new()));
        }
        Ok(pool)
    }
}

fn on_message(queue: &Rc<RefCell<Queue>>, worker: &Worker, data: &JsValue) {
    let field = |name: &str| Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let mut state = queue.borrow_mut();
    if let Some(error) = field("error").as_string() {
        if let Some(done) = state.on_done.take() {
            drop(state);
            done(Err(error));
        }
        return;
    }
    // A worker's first message says its wasm is ready; each later one carries a task's records.
    if let Some(index) = field("task").as_f64().map(|index| index as usize) {
        let records = field("records").unchecked_into::<Float64Array>().to_vec();
        if let Some(slot) = state.results.get_mut(index) {
            *slot = Some(records);
            state.done += 1;
        }
    }
    if state.next < state.tasks.len() {
        let next = state.next;
        state.next += 1;
        let _ = post(worker, &state.tasks[next], next);
    }
    let (done, total) = (state.done, state.tasks.len());
    if field("ready").is_truthy() {
        return;
    }
    (state.on_progress)(done, total, &state.results);
    if done == total
        && let Some(finish) = state.on_done.take()
    {
        let results = state
            .results
            .iter_mut()
            .map(|slot| slot.take().unwrap_or_default())
            .collect();
        drop(state);
        finish(Ok(results));
    }
}
