//! Datagrams per round: all sent, one line per datagram kind the protocol declares, and the lost
//! ones. The legend is HTML beside the canvas (`series`), one row that never covers a line.

use super::{colour, font_px, open};
use crate::engine::{Counters, Kind};
use crate::ui::widgets::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// A line: label, colour, width in CSS px, and its value in a round.
pub struct Series {
    pub label: &'static str,
    pub colour: palette::Rgb,
    pub width: f64,
    value: Box<dyn Fn(&Counters) -> u64>,
}

/// The lines for a protocol's kinds. "sent" is widest and drawn first: with one kind (push) the
/// two lines coincide.
pub fn series(kinds: &'static [Kind]) -> Vec<Series> {
    let mut lines = vec![Series {
        label: "sent",
        colour: palette::INK,
        width: 6.0,
        value: Box::new(|counters| counters.datagrams),
    }];
    for (index, kind) in kinds.iter().enumerate() {
        lines.push(Series {
            label: kind.label,
            colour: palette::chart_colour(kind.look),
            width: if kind.payload { 2.5 } else { 1.5 },
            value: Box::new(move |counters| counters.by_kind[index]),
        });
    }
    lines.push(Series {
        label: "lost (network, partition or to a crashed node)",
        colour: palette::LOST,
        width: 2.5,
        value: Box::new(|counters| counters.lost + counters.to_crashed + counters.partitioned),
    });
    lines
}

/// `rounds`: (round, that round's counters), oldest first.
pub fn draw(
    canvas: &HtmlCanvasElement,
    kinds: &'static [Kind],
    rounds: &[(f64, Counters)],
    log_rounds: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let (root, ratio) = open(canvas)?;
    let y_max = rounds
        .iter()
        .map(|(_, counters)| counters.datagrams)
        .max()
        .unwrap_or(0)
        .max(10) as f64
        * 1.08;
    let x_max = rounds.last().map_or(0.0, |point| point.0).max(8.0) + 1.0;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let lines = series(kinds);
    macro_rules! plot {
        ($x_range:expr, $x_desc:expr, $log:expr) => {{
            let mut chart = ChartBuilder::on(&root)
                .margin(font_px(ratio, 10.0) as i32)
                .x_label_area_size(font_px(ratio, 34.0) as i32)
                .y_label_area_size(font_px(ratio, 62.0) as i32)
                .build_cartesian_2d($x_range, 0f64..y_max)?;
            chart
                .configure_mesh()
                .x_desc($x_desc)
                .y_desc("datagrams")
                .axis_desc_style(text(14.0))
                .label_style(text(12.0))
                .light_line_style(RGBColor(238, 238, 238))
                .x_label_formatter(&|value| super::infection::round_label(*value, $log))
                .y_labels(super::value_labels(&root, ratio))
                .y_label_formatter(&|value| super::count_label(*value))
                .draw()?;
            for line in &lines {
                let style = colour(line.colour).stroke_width((line.width * ratio) as u32);
                let points = rounds
                    .iter()
                    .map(|(round, counters)| (*round, (line.value)(counters) as f64));
                chart.draw_series(LineSeries::new(points, style))?;
            }
        }};
    }
    if log_rounds {
        plot!((1f64..x_max).log_scale(), "round (log scale)", true);
    } else {
        plot!(0f64..x_max, "round", false);
    }
    root.present()?;
    Ok(())
}
