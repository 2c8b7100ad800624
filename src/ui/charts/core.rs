//! async-racks: datagrams through the core switch per round (racks > 1), and their mean so far:
//! theory.md section 5 says O(1) a round, whatever N.

use super::{Key, colour, count_label, font_px, legend_above, open, round_labels};
use crate::ui::widgets::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// `rounds`: (round, datagrams through the core in that round), oldest first.
pub fn draw(
    canvas: &HtmlCanvasElement,
    rounds: &[(f64, u64)],
    mean: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let y_max = rounds
        .iter()
        .map(|&(_, count)| count)
        .max()
        .unwrap_or(0)
        .max(4) as f64
        * 1.15;
    let x_max = rounds.last().map_or(0.0, |point| point.0).max(8.0) + 1.0;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let line = colour(palette::NEW).stroke_width((2.5 * ratio) as u32);
    let average = colour(palette::INK)
        .mix(0.6)
        .stroke_width((1.5 * ratio) as u32);
    // The legend sits above the plot: it never covers a peak.
    let keys = [
        Key::line("datagrams through the core", line),
        Key::dashed(format!("mean {} a round", super::figure(mean)), average),
    ];
    let area = legend_above(&root, &keys, ratio)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, 10.0) as i32)
        .x_label_area_size(font_px(ratio, 34.0) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc("through the core")
        .axis_desc_style(text(14.0))
        .label_style(text(12.0))
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(round_labels(&area, ratio))
        .x_label_formatter(&|value| count_label(*value))
        // Whole datagrams only: small counts would otherwise repeat a rounded label.
        .y_labels(super::value_labels(&area, ratio))
        .y_label_formatter(&|value| count_label(*value))
        .draw()?;
    chart.draw_series(LineSeries::new(
        rounds.iter().map(|&(round, count)| (round, count as f64)),
        line,
    ))?;
    let dash = font_px(ratio, 6.0);
    chart.draw_series(DashedLineSeries::new(
        [(0.0, mean), (x_max, mean)],
        dash,
        dash * 0.8,
        average,
    ))?;
    root.present()?;
    Ok(())
}
