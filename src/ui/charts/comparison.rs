//! The lesson's two runs side by side (see `ui::comparison`): one line each, labelled with the
//! figure that tells them apart.

use super::{colour, font_px, open};
use crate::ui::comparison::Comparison;
use crate::ui::palette;
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
    let mut chart = ChartBuilder::on(&root)
        .margin(font_px(ratio, 10.0) as i32)
        .caption(comparison.title, text(14.0))
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
        .x_label_formatter(&|value| format!("{value:.0}"))
        .y_label_formatter(&|value| super::datagrams::compact(*value))
        .draw()?;
    for (line, rgb) in comparison.lines.iter().zip(COLOURS) {
        let style = colour(rgb).stroke_width((2.5 * ratio) as u32);
        chart
            .draw_series(LineSeries::new(line.points.iter().copied(), style))?
            .label(line.label.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(text(13.0))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    root.present()?;
    Ok(())
}
