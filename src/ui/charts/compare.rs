//! Compare view (#8): every panel's informed fraction per round, solid, and its theory curve,
//! dashed, in the panel's colour.

use super::{colour, font_px, open};
use crate::ui::palette::Rgb;
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
    let mut chart = ChartBuilder::on(&root)
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
        .y_label_formatter(&|value| format!("{:.0}%", value * 100.0))
        .draw()?;
    let dash = font_px(ratio, 7.0);
    for line in lines {
        let solid = colour(line.colour).stroke_width((3.0 * ratio) as u32);
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
        chart
            .draw_series(LineSeries::new(line.points.iter().copied(), solid))?
            .label(line.label.to_string())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], solid));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(text(13.0))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    root.present()?;
    Ok(())
}
