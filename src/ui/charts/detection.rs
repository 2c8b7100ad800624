//! membership: "nodes that consider X failed" over time, X the run's first crash,
//! with the suspecting nodes (SWIM) and the theory's expected first detection marked.

use super::{Key, colour, count_label, font_px, legend_above, open, round_labels};
use crate::ui::widgets::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

pub struct DetectionData<'a> {
    /// (round, suspecting, failing) live observers of X after each round.
    pub rounds: &'a [(f64, f64, f64)],
    /// Live observers of X (the curve's ceiling).
    pub observers: f64,
    /// The round X crashed before, and the theory's first detection after it, with its words.
    pub crash_round: Option<f64>,
    pub expected: Option<(f64, String)>,
}

pub fn draw(
    canvas: &HtmlCanvasElement,
    data: &DetectionData,
) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let x_max = data.rounds.last().map_or(0.0, |point| point.0).max(10.0) + 1.0;
    let y_max = data.observers.max(1.0) * 1.1;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let width = (2.5 * ratio) as u32;
    let lines = [
        (
            2usize,
            colour(palette::LOST).stroke_width(width),
            "consider X failed",
        ),
        (1, colour(palette::NEW).stroke_width(width), "suspect X"),
    ];
    let theory = colour(palette::PUSH).stroke_width((2.0 * ratio) as u32);
    let mut keys: Vec<Key> = lines
        .iter()
        .map(|&(_, style, label)| Key::line(label, style))
        .collect();
    if let (Some(_), Some((_, label))) = (data.crash_round, &data.expected) {
        keys.push(Key::dashed(label.clone(), theory));
    }
    let area = legend_above(&root, &keys, ratio)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, 10.0) as i32)
        .x_label_area_size(font_px(ratio, 34.0) as i32)
        .y_label_area_size(font_px(ratio, 56.0) as i32)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("round (period)")
        .y_desc("nodes")
        .axis_desc_style(text(14.0))
        .label_style(text(12.0))
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(round_labels(&area, ratio))
        .x_label_formatter(&|value| count_label(*value))
        .y_labels(super::value_labels(&area, ratio))
        .y_label_formatter(&|value| count_label(*value))
        .draw()?;
    for (pick, style, _) in lines {
        let points = data.rounds.iter().map(move |point| {
            let value = if pick == 2 { point.2 } else { point.1 };
            (point.0, value)
        });
        chart.draw_series(LineSeries::new(points, style))?;
    }
    let mark = colour(palette::INK)
        .mix(0.7)
        .stroke_width((1.5 * ratio) as u32);
    let dash = font_px(ratio, 6.0);
    if let Some(crash) = data.crash_round {
        chart.draw_series(DashedLineSeries::new(
            [(crash, 0.0), (crash, y_max)],
            dash,
            dash * 0.8,
            mark,
        ))?;
        if let Some((after, _)) = &data.expected {
            let at = crash + after;
            chart.draw_series(DashedLineSeries::new(
                [(at, 0.0), (at, y_max)],
                dash,
                dash * 0.8,
                theory,
            ))?;
        }
    }
    root.present()?;
    Ok(())
}
