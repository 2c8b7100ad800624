//! Compare view: every panel's informed fraction per round, solid, and its theory curve,
//! dashed, in the panel's colour.

use super::{Key, colour, font_px, legend_above, open, round_labels};
use crate::ui::widgets::palette::Rgb;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// One panel's curves.
pub struct Line<'a> {
    pub label: &'a str,
    pub colour: Rgb,
    /// (round, informed fraction), oldest first.
    pub points: &'a [(f64, f64)],
    /// The expected fraction after each round, from round 0.
    pub theory: &'a [f64],
}

pub fn draw(canvas: &HtmlCanvasElement, lines: &[Line]) -> Result<(), Box<dyn std::error::Error>> {
    let longest = lines
        .iter()
        .filter_map(|line| line.points.last())
        .fold(8.0f64, |most, point| most.max(point.0 + 1.0));
    let (root, ratio) = open(canvas)?;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let solid = |line: &Line| colour(line.colour).stroke_width((3.0 * ratio) as u32);
    let keys: Vec<Key> = lines
        .iter()
        .map(|line| Key::line(line.label, solid(line)))
        .collect();
    let area = legend_above(&root, &keys, ratio)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, 10.0) as i32)
        .x_label_area_size(font_px(ratio, 36.0) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d(0f64..longest, 0f64..1.02f64)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc("informed fraction")
        .axis_desc_style(text(15.0))
        .label_style(text(13.0))
        .light_line_style(RGBColor(238, 238, 238))
        .y_labels(super::value_labels(&area, ratio))
        .y_label_formatter(&|value| format!("{:.0}%", value * 100.0))
        .x_labels(round_labels(&area, ratio))
        .x_label_formatter(&|value| super::count_label(*value))
        .draw()?;
    let dash = font_px(ratio, 7.0);
    for line in lines {
        let solid = solid(line);
        let dashed = colour(line.colour)
            .mix(0.7)
            .stroke_width((1.5 * ratio) as u32);
        let theory = line
            .theory
            .iter()
            .enumerate()
            .map(|(round, &fraction)| (round as f64, fraction))
            .take_while(|&(round, _)| round <= longest);
        chart.draw_series(DashedLineSeries::new(theory, dash, dash * 0.8, dashed))?;
        chart.draw_series(LineSeries::new(line.points.iter().copied(), solid))?;
    }
    root.present()?;
    Ok(())
}
