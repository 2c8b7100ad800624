//! Export: every chart's "PNG" (the canvas as drawn), "SVG" (the same drawing, recorded by
//! `charts::svg`) and "CSV" (its data), each with the configuration, the page's URL query, so a
//! figure can be remade: a PNG `tEXt` chunk, an SVG `<metadata>`, CSV `# ` comment lines.

use crate::ui::lecture::metadata::{describe, png_url_with_text, svg_with_metadata};
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, Url};
use yew::prelude::*;

fn download(href: &str, file: &str) {
    let anchor = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.create_element("a").ok())
        .and_then(|element| element.dyn_into::<HtmlAnchorElement>().ok());
    if let Some(anchor) = anchor {
        anchor.set_href(href);
        anchor.set_download(file);
        anchor.click();
    }
}

/// Downloads `text` as a file of MIME type `kind`.
pub fn save_text(text: &str, kind: &str, file: &str) {
    let options = BlobPropertyBag::new();
    options.set_type(kind);
    let parts = js_sys::Array::of1(&text.into());
    if let Ok(url) = Blob::new_with_str_sequence_and_options(&parts, &options)
        .and_then(|blob| Url::create_object_url_with_blob(&blob))
    {
        download(&url, file);
        let _ = Url::revoke_object_url(&url);
    }
}

/// The configuration: the page's URL query.
fn query() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}

/// The canvas as a PNG data URL, with `title` and the configuration in a `tEXt` chunk.
pub fn png_url(canvas: &HtmlCanvasElement, title: &str) -> Option<String> {
    let url = canvas.to_data_url().ok()?;
    png_url_with_text(&url, "Description", &describe(title, &query())).or(Some(url))
}

/// `# ` lines naming the figure and the configuration (the URL query), then `rows`.
pub fn csv(title: &str, header: &str, rows: impl IntoIterator<Item = String>) -> String {
    let query = query();
    let mut text = format!("# Gossip Lab: {title}\n# configuration: {query}\n{header}\n");
    for row in rows {
        text.push_str(&row);
        text.push('\n');
    }
    text
}

#[derive(Properties, PartialEq)]
pub struct ExportProps {
    pub canvas: NodeRef,
    /// File name without extension: the view, mode, N and seed.
    pub name: AttrValue,
    /// The chart's data as CSV, made when clicked.
    pub csv: Callback<(), String>,
}

/// The "PNG", "SVG" and "CSV" buttons under a chart.
#[function_component(ExportButtons)]
pub fn export_buttons(props: &ExportProps) -> Html {
    let png = {
        let (canvas, name) = (props.canvas.clone(), props.name.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(url) = canvas
                .cast::<HtmlCanvasElement>()
                .and_then(|canvas| png_url(&canvas, &name))
            {
                download(&url, &format!("{name}.png"));
            }
        })
    };
    let svg = {
        let (canvas, name) = (props.canvas.clone(), props.name.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(svg) = canvas
                .cast::<HtmlCanvasElement>()
                .as_ref()
                .and_then(crate::ui::charts::svg::recorded)
            {
                let svg = svg_with_metadata(&svg, &describe(&name, &query()));
                save_text(&svg, "image/svg+xml", &format!("{name}.svg"));
            }
        })
    };
    let csv = {
        let (make, name) = (props.csv.clone(), props.name.clone());
        Callback::from(move |_: MouseEvent| {
            save_text(&make.emit(()), "text/csv", &format!("{name}.csv"))
        })
    };
    html! {
        <div class="export" role="group" aria-label="Export">
            <button onclick={png} title="the chart as an image">{ "PNG" }</button>
            <button onclick={svg} title="the same drawing as vector graphics">{ "SVG" }</button>
            <button onclick={csv} title="the chart's data, with the configuration in # lines">{ "CSV" }</button>
        </div>
    }
}

/// The run view's charts: the file name and the CSV of the informed fraction per round and
/// of the datagrams per round, from the run's recorded series.
pub fn run_exports(
    run: &std::rc::Rc<std::cell::RefCell<crate::ui::state::Run>>,
) -> (AttrValue, Callback<(), String>, Callback<(), String>) {
    let config = run.borrow().simulation.config().clone();
    let name = format!(
        "run-{}-n{}-seed{}",
        config.mode.name(),
        config.nodes,
        config.seed
    );
    let (first, second) = (run.clone(), run.clone());
    let fractions = Callback::from(move |_: ()| {
        let run = first.borrow();
        let rows = run
            .fractions
            .points(0)
            .map(|(round, fraction)| format!("{round},{fraction}"));
        csv(
            "informed fraction of the live nodes per round",
            "round,informed_fraction",
            rows,
        )
    });
    let datagrams = Callback::from(move |_: ()| {
        let run = second.borrow();
        let rows = run.counters.points(1).map(|(round, counters)| {
            format!(
                "{round},{},{},{},{}",
                counters.datagrams, counters.payload, counters.redundant, counters.lost
            )
        });
        csv(
            "datagrams per round",
            "round,datagrams,payload,redundant,lost",
            rows,
        )
    });
    (name.into(), fractions, datagrams)
}
