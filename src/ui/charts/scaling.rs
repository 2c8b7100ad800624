//! Scaling view: mean rounds to completion against N on a log axis, one colour per
//! protocol, each point with its 95 % interval as an error bar, and the protocol's theory
//! (the engine's closed form, else its mean-field figure) dashed.

use super::{Key, MARGIN, X_LABELS, colour, font_px, legend_above, open, y_words};
use crate::ui::widgets::palette::Rgb;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// One point: N, mean rounds, half-width of the 95 % interval, the theory's rounds.
pub type Point = (f64, f64, f64, Option<f64>);

pub struct Series<'a> {
    pub label: &'a str,
    pub colour: Rgb,
    pub points: &'a [Point],
}

pub fn draw(
    canvas: &HtmlCanvasElement,
    series: &[Series],
) -> Result<(), Box<dyn std::error::Error>> {
    let all = || series.iter().flat_map(|series| series.points.iter());
    let n_max = all().map(|point| point.0).fold(32.0, f64::max);
    let y_max = all()
        .map(|point| (point.1 + point.2).max(point.3.unwrap_or(0.0)))
        .fold(4.0, f64::max)
        * 1.08;
    let (root, ratio) = open(canvas)?;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    // One key per protocol above the plot, and the dashed theory once: never over a curve.
    let mut keys: Vec<Key> = series
        .iter()
        .map(|line| {
            Key::line(
                line.label,
                colour(line.colour).stroke_width((2.5 * ratio) as u32),
            )
        })
        .collect();
    keys.push(Key::dashed(
        "theory (closed form or mean field)",
        colour((90, 90, 90)).stroke_width(ratio as u32),
    ));
    let area = legend_above(&root, &keys, ratio)?;
    // In full where the plot is tall enough, else shorter (a phone's chart is about 140 px high).
    let y_desc = y_words(
        canvas,
        &area,
        &["mean rounds to inform everyone", "mean rounds", "rounds"],
        ratio,
    );
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, MARGIN) as i32)
        .x_label_area_size(font_px(ratio, X_LABELS) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d((8f64..n_max * 1.5).log_scale(), 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("N (log scale)")
        .y_desc(y_desc)
        .axis_desc_style(text(15.0))
        .label_style(text(13.0))
        .light_line_style(RGBColor(238, 238, 238))
        // 10, 20, 50, 100, ...: the log axis's other ticks would run together ("90100").
        .x_label_formatter(&|n| {
            let mantissa = *n / 10f64.powf(n.log10().floor());
            if [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6) {
                super::count_label(*n)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|rounds| super::figure(*rounds))
        .draw()?;
    let dash = font_px(ratio, 7.0);
    for line in series {
        let solid = colour(line.colour).stroke_width((2.5 * ratio) as u32);
        let theory: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter_map(|point| Some((point.0, point.3?)))
            .collect();
        chart.draw_series(DashedLineSeries::new(
            theory,
            dash,
            dash * 0.8,
            solid.stroke_width(ratio as u32),
        ))?;
        chart.draw_series(LineSeries::new(
            line.points.iter().map(|point| (point.0, point.1)),
            solid,
        ))?;
        // Error bars: the 95 % interval as a vertical stroke through a dot at the mean.
        chart.draw_series(line.points.iter().map(|&(n, mean, half, _)| {
            PathElement::new([(n, mean - half), (n, mean + half)], solid)
        }))?;
        chart.draw_series(line.points.iter().map(|&(n, mean, _, _)| {
            Circle::new((n, mean), (3.5 * ratio) as i32, solid.filled())
        }))?;
    }
    root.present()?;
    Ok(())
}
