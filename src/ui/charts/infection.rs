//! Informed fraction of the live nodes per round: this run, the theory's expectation (dashed) with
//! its rounds-to-completion marked, and earlier runs as faded ghosts. The rounds axis adapts to
//! the longest curve and can be logarithmic, so O(N) and O(log N) fit on one chart.

use super::{Key, MARGIN, X_LABELS, colour, font_px, legend_above, open, round_labels, y_words};
use crate::ui::widgets::palette;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// A curve: (round, informed fraction) points, oldest first.
pub type Curve<'a> = &'a [(f64, f64)];

pub struct Ghost<'a> {
    pub label: &'a str,
    pub points: Curve<'a>,
}

pub struct InfectionData<'a> {
    pub points: Curve<'a>,
    /// The expected fraction after each round, from round 0.
    pub theory: &'a [f64],
    pub theory_rounds: Option<u32>,
    /// The theory curve's legend: "theory: all by round R", or why it never gets there; `None`
    /// where no theory holds (no curve, no legend entry: the theory note says why).
    pub theory_label: Option<String>,
    pub ghosts: Vec<Ghost<'a>>,
    /// Rounds on a log scale, from round 1 (round 0 has no place on it).
    pub log_rounds: bool,
    // async-racks
    /// Asynchronous gossip: the x axis is time in periods (a round is one period), and the
    /// asynchronous theory's completion time is marked, with its legend.
    pub periods: bool,
    pub async_mark: Option<(f64, String)>,
    /// The y axis in the protocol's words ("informed fraction", "share believing X failed"),
    /// longest first: the chart takes the first its height holds.
    pub y_desc: &'a [&'a str],
}

const GHOST_COLOURS: [palette::Rgb; 6] = [
    (86, 180, 233),
    (204, 121, 167),
    (230, 159, 0),
    (0, 158, 115),
    (213, 94, 0),
    (120, 120, 120),
];

pub fn draw(
    canvas: &HtmlCanvasElement,
    data: &InfectionData,
) -> Result<(), Box<dyn std::error::Error>> {
    let last_round = |curve: Curve| curve.last().map_or(0.0, |point| point.0);
    let longest = data
        .ghosts
        .iter()
        .map(|ghost| last_round(ghost.points))
        .fold(last_round(data.points), f64::max);
    let theory_end = data
        .theory_rounds
        .map_or(0.0, |rounds| f64::from(rounds) + 2.0);
    let mark_end = data.async_mark.as_ref().map_or(0.0, |(time, _)| time + 2.0);
    let x_max = longest.max(theory_end).max(mark_end).max(8.0);
    if data.log_rounds {
        draw_on(canvas, data, (1f64..x_max).log_scale(), true)
    } else {
        draw_on(canvas, data, 0f64..x_max, false)
    }
}

/// Draws on a rounds axis `x_range`; on a log axis the curves start at round 1.
fn draw_on<X>(
    canvas: &HtmlCanvasElement,
    data: &InfectionData,
    x_range: X,
    log: bool,
) -> Result<(), Box<dyn std::error::Error>>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let (root, ratio) = open(canvas)?;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let ghost_style = |index: usize| {
        colour(GHOST_COLOURS[index % GHOST_COLOURS.len()])
            .mix(0.45)
            .stroke_width((2.0 * ratio) as u32)
    };
    let theory_style = colour(palette::INK)
        .mix(0.75)
        .stroke_width((2.0 * ratio) as u32);
    let mark_style = colour(palette::PULL).stroke_width((2.5 * ratio) as u32);
    let current = colour(palette::PUSH).stroke_width((3.5 * ratio) as u32);
    // The legend sits above the plot: earlier runs, the theory, the asynchronous mark, this run.
    let mut keys: Vec<Key> = data
        .ghosts
        .iter()
        .enumerate()
        .map(|(index, ghost)| Key::line(ghost.label, ghost_style(index)))
        .collect();
    if let Some(label) = data
        .theory_label
        .clone()
        .filter(|_| !data.theory.is_empty())
    {
        keys.push(Key::dashed(label, theory_style));
    }
    if let Some((_, label)) = &data.async_mark {
        keys.push(Key::dashed(label.clone(), mark_style));
    }
    keys.push(Key::line("this run", current));
    let area = legend_above(&root, &keys, ratio)?;
    let y_desc = y_words(canvas, &area, data.y_desc, ratio);
    let mut chart = ChartBuilder::on(&area)
        .margin(font_px(ratio, MARGIN) as i32)
        .x_label_area_size(font_px(ratio, X_LABELS) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d(x_range, 0f64..1.02f64)?;
    let first = if log { 1.0 } else { 0.0 };
    let x_desc = match (data.periods, log) {
        (false, true) => "round (log scale)",
        (false, false) => "round",
        (true, true) => "time in periods (log scale)",
        (true, false) => "time in periods",
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(text(15.0))
        .label_style(text(13.0))
        .light_line_style(RGBColor(238, 238, 238))
        .y_labels(super::value_labels(&area, ratio))
        .y_label_formatter(&|value| format!("{:.0}%", value * 100.0))
        .x_labels(round_labels(&area, ratio))
        .x_label_formatter(&|value| round_label(*value, log))
        .draw()?;
    let from_first = |curve: Curve<'_>| {
        curve
            .iter()
            .copied()
            .filter(|&(round, _)| round >= first)
            .collect::<Vec<_>>()
    };

    for (index, ghost) in data.ghosts.iter().enumerate() {
        chart.draw_series(LineSeries::new(
            from_first(ghost.points),
            ghost_style(index),
        ))?;
    }

    let dash = font_px(ratio, 7.0);
    let theory: Vec<(f64, f64)> = data
        .theory
        .iter()
        .enumerate()
        .map(|(round, &fraction)| (round as f64, fraction))
        .filter(|&(round, _)| round >= first)
        .collect();
    if data.theory_label.is_some() && !theory.is_empty() {
        chart.draw_series(DashedLineSeries::new(
            theory,
            dash,
            dash * 0.8,
            theory_style,
        ))?;
        if let Some(rounds) = data.theory_rounds {
            let marker = colour(palette::INK).mix(0.5).stroke_width(ratio as u32);
            let x = f64::from(rounds).max(first);
            chart.draw_series(DashedLineSeries::new(
                [(x, 0.0), (x, 1.02)],
                dash * 0.5,
                dash * 0.5,
                marker,
            ))?;
        }
    }

    // async-racks: the asynchronous theory's completion time, a green dashed line.
    if let Some((time, _)) = &data.async_mark {
        let x = time.max(first);
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, 1.02)],
            dash,
            dash * 0.6,
            mark_style,
        ))?;
    }

    let points = from_first(data.points);
    let last = points.last().copied();
    chart.draw_series(LineSeries::new(points, current))?;
    chart.draw_series(
        last.map(|point| Circle::new(point, (4.0 * ratio) as i32, current.filled())),
    )?;

    root.present()?;
    Ok(())
}

/// A rounds-axis label. On a log axis only 0, 1, 2, 5, 10, 20, 50, ... are labelled, so the
/// crowded right end stays readable (the grid lines stay).
pub fn round_label(round: f64, log: bool) -> String {
    let round = round.round();
    if !log || round < 1.0 {
        return format!("{round:.0}");
    }
    let decade = 10f64.powi(round.log10().floor() as i32);
    if [1.0, 2.0, 5.0].contains(&(round / decade)) {
        format!("{round:.0}")
    } else {
        String::new()
    }
}
