//! Many messages: the coverage heat strip. One row per message (message 0 on top), one column
//! per round, each cell coloured by the share of the live nodes holding that message after that
//! round (pale grey: nobody, dark blue: everyone). Drawn with plain canvas rectangles.

use crate::ui::widgets::canvas::{context, fit_to_css};
use crate::ui::widgets::palette::{self, Rgb};
use wasm_bindgen::JsValue;
use web_sys::HtmlCanvasElement;

/// Columns drawn at most: long runs show every k-th round.
const MAX_COLUMNS: usize = 600;

/// The colour of a coverage share in 0..=1: pale grey to the push blue, darker once complete.
pub fn shade(share: f32) -> Rgb {
    if share >= 1.0 {
        return (8, 48, 107);
    }
    let (r0, g0, b0) = palette::UNINFORMED;
    let (r1, g1, b1) = palette::PUSH;
    let mix =
        |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * share.clamp(0.0, 1.0)) as u8;
    (mix(r0, r1), mix(g0, g1), mix(b0, b1))
}

/// `columns`: (round, coverage of each message), oldest first.
pub fn draw(canvas: &HtmlCanvasElement, columns: &[(u32, &Vec<f32>)]) -> Result<(), JsValue> {
    let (width, height, ratio) = fit_to_css(canvas);
    let context = context(canvas)?;
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, width, height);
    let messages = columns.first().map_or(0, |(_, shares)| shares.len());
    if messages == 0 {
        return Ok(());
    }
    let font = 12.0 * ratio;
    let (left, top, bottom, right) = (44.0 * ratio, 22.0 * ratio, 30.0 * ratio, 12.0 * ratio);
    let (plot_width, plot_height) = (width - left - right, height - top - bottom);
    context.set_fill_style_str("#141414");
    context.set_font(&format!("{}px sans-serif", 14.0 * ratio));
    context.fill_text(
        "Coverage: share of live nodes holding each message",
        left,
        15.0 * ratio,
    )?;
    let step = columns.len().div_ceil(MAX_COLUMNS).max(1);
    let shown: Vec<&(u32, &Vec<f32>)> = columns.iter().step_by(step).collect();
    let cell_width = plot_width / shown.len() as f64;
    let cell_height = plot_height / messages as f64;
    for (column, (_, shares)) in shown.iter().enumerate() {
        for (message, &share) in shares.iter().enumerate() {
            context.set_fill_style_str(&palette::css(shade(share), 1.0));
            // A hair wider than the cell, so no seams show between columns.
            context.fill_rect(
                left + column as f64 * cell_width,
                top + message as f64 * cell_height,
                cell_width + 0.6,
                cell_height + 0.6,
            );
        }
    }
    // Axes: message labels on the left (at most about 8), rounds underneath.
    context.set_fill_style_str("#141414");
    context.set_font(&format!("{font}px sans-serif"));
    let label_every = messages.div_ceil(8).max(1);
    for message in (0..messages).step_by(label_every) {
        let y = top + (message as f64 + 0.5) * cell_height + font * 0.35;
        context.fill_text(&format!("m{message}"), 6.0 * ratio, y)?;
    }
    let first = shown.first().map_or(0, |column| column.0);
    let last = shown.last().map_or(0, |column| column.0);
    context.fill_text(&format!("round {first}"), left, height - 8.0 * ratio)?;
    context.set_text_align("right");
    context.fill_text(
        &format!("round {last}"),
        width - right,
        height - 8.0 * ratio,
    )?;
    context.set_text_align("left");
    Ok(())
}
