//! Cassandra: the phi one observer's failure detector holds about the watched node, period by
//! period, with the conviction threshold dashed: phi climbs in a straight line from the crash
//! (no more news) and the node is convicted where it crosses.

use super::{Key, colour, count_label, figure, font_px, legend_above, open, round_labels};
use crate::ui::widgets::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

pub struct PhiData<'a> {
    /// (round, phi) of the chosen observer about the watched node, oldest first.
    pub points: &'a [(f64, f64)],
    pub threshold: f64,
    /// The last round played: the x axis reaches it even before the crash.
    pub round: f64,
    /// The round the watched node crashed in, marked.
    pub crash_round: Option<f64>,
    pub observer: u32,
    pub target: Option<u32>,
}

pub fn draw(canvas: &HtmlCanvasElement, data: &PhiData) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let line = colour(palette::PUSH).stroke_width((2.5 * ratio) as u32);
    let limit = colour(palette::LOST).stroke_width((2.0 * ratio) as u32);
    let crash = colour(palette::INK).mix(0.5).stroke_width(ratio as u32);
    let subject = data
        .target
        .map_or("the crashed node".to_string(), |target| {
            format!("node {target}")
        });
    // Above the plot: the line drawn and the threshold, never over the climb.
    let keys = [
        Key::line(format!("φ of {subject} at node {}", data.observer), line),
        Key::dashed(
            format!("convicted above φ = {}", figure(data.threshold)),
            limit,
        ),
    ];
    let area = legend_above(&root, &keys, ratio)?;
    let y_max = data
        .points
        .iter()
        .map(|point| point.1)
        .fold(data.threshold * 1.25, f64::max);
    let x_max = data.round.max(8.0) + 1.0;
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, 8.0) as i32)
        .x_label_area_size(font_px(ratio, 30.0) as i32)
        .y_label_area_size(font_px(ratio, 40.0) as i32)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("round (period)")
        .y_desc("φ")
        .axis_desc_style(text(13.0))
        .label_style(text(12.0))
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(round_labels(&area, ratio))
        .x_label_formatter(&|value| count_label(*value))
        .y_labels(super::value_labels(&area, ratio).min(6))
        .y_label_formatter(&|value| count_label(*value))
        .draw()?;
    let dash = font_px(ratio, 6.0);
    if let Some(round) = data.crash_round {
        chart.draw_series(DashedLineSeries::new(
            [(round, 0.0), (round, y_max)],
            dash,
            dash * 0.8,
            crash,
        ))?;
    }
    chart.draw_series(DashedLineSeries::new(
        [(0.0, data.threshold), (x_max, data.threshold)],
        dash,
        dash * 0.8,
        limit,
    ))?;
    chart.draw_series(LineSeries::new(data.points.iter().copied(), line))?;
    root.present()?;
    Ok(())
}
