//! Datagrams per round: all sent, those carrying the rumor, the redundant ones, and the lost ones.
//! The legend is HTML beside the canvas (`SERIES`), one row that never covers a line.

use super::{colour, font_px, open};
use crate::engine::Counters;
use crate::ui::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// A line: label, colour, width in CSS px, and its value in a round.
pub type Series = (&'static str, palette::Rgb, f64, fn(&Counters) -> u64);

/// Each line. "sent" is widest and drawn first:
/// in push every datagram carries the rumor and the two lines coincide.
pub const SERIES: [Series; 4] = [
    ("sent", palette::INK, 6.0, |c| c.datagrams),
    ("with rumor", palette::PUSH, 2.5, |c| c.payload),
    ("redundant", palette::REDUNDANT, 2.5, |c| c.redundant),
    (
        "lost (network or to a crashed node)",
        palette::LOST,
        2.5,
        |c| c.lost + c.to_crashed,
    ),
];

pub fn draw(
    canvas: &HtmlCanvasElement,
    rounds: &[Counters],
) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let y_max = rounds
        .iter()
        .map(|counters| counters.datagrams)
        .max()
        .unwrap_or(0)
        .max(10) as f64
        * 1.08;
    let x_max = (rounds.len() + 1).max(8) as f64;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let mut chart = ChartBuilder::on(&root)
        .margin(font_px(ratio, 10.0) as i32)
        .x_label_area_size(font_px(ratio, 34.0) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc("datagrams")
        .axis_desc_style(text(14.0))
        .label_style(text(12.0))
        .light_line_style(RGBColor(238, 238, 238))
        .x_label_formatter(&|value| format!("{value:.0}"))
        .y_label_formatter(&|value| compact(*value))
        .draw()?;
    for (_, rgb, width, value) in SERIES {
        let style = colour(rgb).stroke_width((width * ratio) as u32);
        let points = rounds
            .iter()
            .enumerate()
            .map(move |(index, counters)| ((index + 1) as f64, value(counters) as f64));
        chart.draw_series(LineSeries::new(points, style))?;
    }
    root.present()?;
    Ok(())
}

/// 1200 -> "1.2k", 3400000 -> "3.4M": axis labels that fit.
pub fn compact(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}
