//! Experiment view: how many trials completed in each number of rounds, with the theory's
//! rounds marked; the scaling view's hops from the sender.

use super::{Key, colour, count_label, font_px, legend_above, open, round_labels};
use crate::ui::widgets::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// Bins of width 1 round (timed runs: the period containing the time), as (first round, count).
pub fn bins(rounds: &[f64]) -> Vec<(f64, u32)> {
    let Some(low) = rounds.iter().copied().map(f64::floor).reduce(f64::min) else {
        return Vec::new();
    };
    let high = rounds.iter().copied().fold(low, f64::max).floor();
    let mut counts = vec![0u32; (high - low) as usize + 1];
    for &value in rounds {
        counts[(value.floor() - low) as usize] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(index, count)| (low + index as f64, count))
        .collect()
}

pub fn draw(
    canvas: &HtmlCanvasElement,
    bins: &[(f64, u32)],
    theory: Option<f64>,
    x_desc: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let first = bins
        .first()
        .map_or(0.0, |bin| bin.0)
        .min(theory.unwrap_or(f64::MAX));
    let last = bins
        .last()
        .map_or(8.0, |bin| bin.0 + 1.0)
        .max(theory.map_or(0.0, |t| t + 1.0));
    let most = bins.iter().map(|bin| bin.1).max().unwrap_or(1).max(1);
    let marker = colour(palette::LOST).stroke_width((2.5 * ratio) as u32);
    // The theory's mark is named above the plot, never over a bar.
    let keys: Vec<Key> = theory
        .map(|rounds| Key::line(format!("theory: {} rounds", super::figure(rounds)), marker))
        .into_iter()
        .collect();
    let area = legend_above(&root, &keys, ratio)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, 10.0) as i32)
        .x_label_area_size(font_px(ratio, 36.0) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d((first - 0.5)..(last + 0.5), 0f64..f64::from(most) * 1.1)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("count")
        .axis_desc_style(text(15.0))
        .label_style(text(13.0))
        .light_line_style(RGBColor(238, 238, 238))
        // Counts of trials and whole rounds: integer ticks only.
        .x_labels(round_labels(&area, ratio))
        .x_label_formatter(&|value| count_label(*value))
        .y_labels(super::value_labels(&area, ratio))
        .y_label_formatter(&|value| count_label(*value))
        .draw()?;
    let fill = colour(palette::PUSH).mix(0.8).filled();
    chart.draw_series(bins.iter().map(|&(round, count)| {
        Rectangle::new([(round - 0.4, 0.0), (round + 0.4, f64::from(count))], fill)
    }))?;
    if let Some(rounds) = theory {
        chart.draw_series(LineSeries::new(
            [(rounds, 0.0), (rounds, f64::from(most) * 1.1)],
            marker,
        ))?;
    }
    root.present()?;
    Ok(())
}
