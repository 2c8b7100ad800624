//! The lesson's two runs side by side (see `ui::comparison`): one line each, labelled with the
//! figure that tells them apart.

use super::{Key, colour, count_label, font_px, legend_above, open, round_labels};
use crate::ui::state::comparison::Comparison;
use crate::ui::widgets::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

const COLOURS: [palette::Rgb; 2] = [palette::PUSH, palette::LOST];

pub fn draw(
    canvas: &HtmlCanvasElement,
    comparison: &Comparison,
) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let points = || comparison.lines.iter().flat_map(|line| line.points.iter());
    let x_max = points().map(|point| point.0).fold(8.0, f64::max) + 1.0;
    let y_max = points().map(|point| point.1).fold(10.0, f64::max) * 1.1;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let styles: Vec<ShapeStyle> = COLOURS
        .iter()
        .map(|&rgb| colour(rgb).stroke_width((2.5 * ratio) as u32))
        .collect();
    // A short chart gives its title's row to the data (the legend names both runs).
    let (_, height) = root.dim_in_pixel();
    let title_row = if f64::from(height) < 200.0 * ratio {
        0
    } else {
        font_px(ratio, 20.0) as u32
    };
    let (title, root) = root.split_vertically(title_row);
    // The title shrinks to the chart's width rather than run off its edges.
    let (width, _) = title.dim_in_pixel();
    let wide = title
        .estimate_text_size(comparison.title, &text(14.0).into_text_style(&title))
        .map_or(0.0, |(w, _)| f64::from(w));
    let size = if wide > f64::from(width) * 0.96 {
        (14.0 * f64::from(width) * 0.96 / wide).max(8.0)
    } else {
        14.0
    };
    if title_row > 0 {
        title.titled(comparison.title, text(size))?;
    }
    let keys: Vec<Key> = comparison
        .lines
        .iter()
        .zip(&styles)
        .map(|(line, &style)| Key::line(line.label.clone(), style))
        .collect();
    let area = legend_above(&root, &keys, ratio)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, 8.0) as i32)
        .x_label_area_size(font_px(ratio, 34.0) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc(comparison.y_desc)
        .axis_desc_style(text(14.0))
        .label_style(text(12.0))
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(round_labels(&area, ratio))
        .x_label_formatter(&|value| count_label(*value))
        .y_labels(super::value_labels(&area, ratio))
        .y_label_formatter(&|value| count_label(*value))
        .draw()?;
    for (line, &style) in comparison.lines.iter().zip(&styles) {
        chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
    }
    root.present()?;
    Ok(())
}
