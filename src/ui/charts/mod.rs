//! One module per chart, each a `draw(canvas, data)` over plain data (plotters on a canvas).

pub mod datagrams;
pub mod infection;

use plotters::style::RGBColor;

pub fn colour((r, g, b): super::palette::Rgb) -> RGBColor {
    RGBColor(r, g, b)
}

/// Font size in canvas pixels: readable at projector distance on any pixel ratio.
pub fn font_px(ratio: f64, css_px: f64) -> f64 {
    css_px * ratio
}
