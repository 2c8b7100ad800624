//! Many messages: latency per message (rounds from its injection until every live node held it)
//! against the message's index, one line per policy, all on the same seed (see
//! `ui::comparison`). A message that never got everywhere has no point.

use super::{colour, font_px, open};
use crate::ui::state::comparison::Comparison;
use crate::ui::widgets::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// random, recent, priority.
pub const COLOURS: [palette::Rgb; 3] = [palette::PUSH, palette::LOST, palette::PULL];

pub fn draw(
    canvas: &HtmlCanvasElement,
    comparison: &Comparison,
    messages: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let points = || comparison.lines.iter().flat_map(|line| line.points.iter());
    let x_max = f64::from(messages.max(2)) - 0.5;
    let y_max = points().map(|point| point.1).fold(5.0, f64::max) * 1.1;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let mut chart = ChartBuilder::on(&root)
        .margin(font_px(ratio, 10.0) as i32)
        .caption(comparison.title, text(14.0))
        .x_label_area_size(font_px(ratio, 34.0) as i32)
        .y_label_area_size(font_px(ratio, 54.0) as i32)
        .build_cartesian_2d(-0.5f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("message (index: injection order)")
        .y_desc(comparison.y_desc)
        .axis_desc_style(text(14.0))
        .label_style(text(12.0))
        .light_line_style(RGBColor(238, 238, 238))
        // Message indices and rounds are whole: integer ticks only.
        .x_label_formatter(&|value| super::count_label(*value))
        .y_label_formatter(&|value| super::count_label(*value))
        .draw()?;
    let radius = (3.0 * ratio) as i32;
    for (line, rgb) in comparison.lines.iter().zip(COLOURS) {
        let style = colour(rgb).stroke_width((2.0 * ratio) as u32);
        chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
        chart.draw_series(
            line.points
                .iter()
                .map(|&point| Circle::new(point, radius, colour(rgb).filled())),
        )?;
    }
    // The legend is the page's list under the canvas (`series`): long labels stay readable.
    root.present()?;
    Ok(())
}
