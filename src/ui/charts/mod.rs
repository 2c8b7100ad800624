//! One module per chart, each a `draw(canvas, data)` over plain data (plotters on a canvas).

pub mod compare; // views (#8)
pub mod comparison;
pub mod core; // async-racks
pub mod coverage;
pub mod datagrams;
pub mod detection; // membership (issue #11)
pub mod histogram; // views (#8)
pub mod infection;
pub mod latency;
pub mod scaling; // views (#8)
pub mod svg; // views (#8)

use super::canvas::fit_to_css;
use plotters::coord::Shift;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

thread_local! {
    /// lecture: present mode draws every chart's type, margins and lines this much larger.
    static PRESENT_SCALE: std::cell::Cell<f64> = const { std::cell::Cell::new(1.0) };
}

/// lecture: present mode on or off (large type and thick lines for the back of a lecture hall).
pub fn set_present(present: bool) {
    PRESENT_SCALE.with(|scale| scale.set(if present { 1.5 } else { 1.0 }));
}

/// A white drawing area on `canvas`, sized to its CSS box, and the scale for type and lines:
/// the device pixel ratio (times 1.5 in present mode).
/// views (#8): the backend also records the drawing as SVG (`svg::Recorder`) for the export.
pub fn open(
    canvas: &HtmlCanvasElement,
) -> Result<(DrawingArea<svg::Recorder, Shift>, f64), Box<dyn std::error::Error>> {
    let (_, _, ratio) = fit_to_css(canvas);
    let ratio = ratio * PRESENT_SCALE.with(std::cell::Cell::get);
    let root = svg::Recorder::new(canvas)
        .ok_or("no canvas backend")?
        .into_drawing_area();
    root.fill(&WHITE)?;
    Ok((root, ratio))
}

pub fn colour((r, g, b): super::palette::Rgb) -> RGBColor {
    RGBColor(r, g, b)
}

/// Font size in canvas pixels: readable at projector distance on any pixel ratio.
pub fn font_px(ratio: f64, css_px: f64) -> f64 {
    css_px * ratio
}
