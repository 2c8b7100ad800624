//! The stage as a slide takes it: a PNG with its legend underneath, and a WebM video with the
//! round and the caption under each frame.

use crate::ui::widgets::palette;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::HtmlCanvasElement;

use super::browser::{document, download_blob, window};

/// A video being recorded from the stage.
pub(super) struct Recording {
    pub(super) recorder: web_sys::MediaRecorder,
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

/// Paints the frame's background and the stage on it, scaled to fit the frame's width and
/// `area` pixels of height: a video keeps the frame it started with while the stage's size
/// follows the page (the counts under it wrap as their numbers grow).
fn paint_stage(
    context: &web_sys::CanvasRenderingContext2d,
    stage: &HtmlCanvasElement,
    canvas: &HtmlCanvasElement,
    area: f64,
) {
    let width = f64::from(canvas.width());
    context.set_fill_style_str(&palette::css(palette::BACKGROUND, 1.0));
    context.fill_rect(0.0, 0.0, width, f64::from(canvas.height()));
    let (stage_width, stage_height) = (f64::from(stage.width()), f64::from(stage.height()));
    let scale = (width / stage_width.max(1.0)).min(area / stage_height.max(1.0));
    let _ = context.draw_image_with_html_canvas_element_and_dw_and_dh(
        stage,
        (width - stage_width * scale) / 2.0,
        0.0,
        stage_width * scale,
        stage_height * scale,
    );
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
pub(super) fn stage_with_legend(stage: &HtmlCanvasElement) -> Option<HtmlCanvasElement> {
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
    paint_stage(&context, stage, &canvas, f64::from(stage.height()));
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
pub(super) fn start_recording(stage: &HtmlCanvasElement, name: String) -> Option<Recording> {
    let (canvas, context, ratio) = framed(stage, 64.0)?;
    // The band's top for the whole recording: the stage's height when it started.
    let top = f64::from(stage.height());
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
        paint_stage(&context, &stage, &target, top);
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
