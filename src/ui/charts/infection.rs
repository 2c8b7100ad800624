//! Informed fraction of the live nodes per round: this run, the mean-field theory (dashed) with
//! its rounds-to-completion marked, and earlier runs as faded ghosts.

use super::{colour, font_px, open};
use crate::ui::palette;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

pub struct Ghost<'a> {
    pub label: &'a str,
    pub fractions: &'a [f64],
}

pub struct InfectionData<'a> {
    pub fractions: &'a [f64],
    pub theory: &'a [f64],
    pub theory_rounds: Option<u32>,
    pub ghosts: Vec<Ghost<'a>>,
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
    let (root, ratio) = open(canvas)?;
    let longest_ghost = data
        .ghosts
        .iter()
        .map(|ghost| ghost.fractions.len())
        .max()
        .unwrap_or(0);
    let theory_end = data
        .theory_rounds
        .map(|rounds| rounds as usize + 2)
        .unwrap_or(0);
    let x_max = data
        .fractions
        .len()
        .max(longest_ghost)
        .max(theory_end)
        .max(8) as f64;
    let text = |size: f64| ("sans-serif", font_px(ratio, size)).into_font();
    let mut chart = ChartBuilder::on(&root)
        .margin(font_px(ratio, 10.0) as i32)
        .x_label_area_size(font_px(ratio, 36.0) as i32)
        .y_label_area_size(font_px(ratio, 62.0) as i32)
        .build_cartesian_2d(0f64..x_max, 0f64..1.02f64)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc("informed fraction")
        .axis_desc_style(text(15.0))
        .label_style(text(13.0))
        .light_line_style(RGBColor(238, 238, 238))
        .y_label_formatter(&|value| format!("{:.0}%", value * 100.0))
        .x_label_formatter(&|value| format!("{value:.0}"))
        .draw()?;

    for (index, ghost) in data.ghosts.iter().enumerate() {
        let style = colour(GHOST_COLOURS[index % GHOST_COLOURS.len()])
            .mix(0.45)
            .stroke_width((2.0 * ratio) as u32);
        chart
            .draw_series(LineSeries::new(points(ghost.fractions), style))?
            .label(ghost.label.to_string())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
    }

    let theory_style = colour(palette::INK)
        .mix(0.75)
        .stroke_width((2.0 * ratio) as u32);
    let dash = font_px(ratio, 7.0);
    let shown_theory = &data.theory[..data.theory.len().min(x_max as usize + 1)];
    chart
        .draw_series(DashedLineSeries::new(
            points(shown_theory),
            dash,
            dash * 0.8,
            theory_style,
        ))?
        .label(match data.theory_rounds {
            Some(rounds) => format!("theory (mean field): all by round {rounds}"),
            None => "theory (mean field): not within a million rounds".to_string(),
        })
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], theory_style));
    if let Some(rounds) = data.theory_rounds {
        let marker = colour(palette::INK).mix(0.5).stroke_width(ratio as u32);
        let x = f64::from(rounds);
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, 1.02)],
            dash * 0.5,
            dash * 0.5,
            marker,
        ))?;
    }

    let current = colour(palette::PUSH).stroke_width((3.5 * ratio) as u32);
    chart
        .draw_series(LineSeries::new(points(data.fractions), current))?
        .label("this run")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], current));
    chart.draw_series(
        points(data.fractions)
            .last()
            .map(|point| Circle::new(point, (4.0 * ratio) as i32, current.filled())),
    )?;

    chart
        .configure_series_labels()
        // Upper left is empty in every S-shaped spreading curve.
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(text(13.0))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    root.present()?;
    Ok(())
}

fn points(fractions: &[f64]) -> impl Iterator<Item = (f64, f64)> + Clone + '_ {
    fractions
        .iter()
        .enumerate()
        .map(|(round, &fraction)| (round as f64, fraction))
}
