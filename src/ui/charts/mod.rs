//! One module per chart, each a `draw(canvas, data)` over plain data (plotters on a canvas).

pub mod compare; // views
pub mod comparison;
pub mod core; // async-racks
pub mod coverage;
pub mod datagrams;
pub mod detection; // membership
pub mod histogram; // views
pub mod infection;
pub mod latency;
pub mod phi;
pub mod scaling; // views
pub mod spacetime;
pub mod svg; // views
pub mod trace_stage;

use crate::ui::widgets::canvas::fit_to_css;
use plotters::coord::Shift;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

thread_local! {
    /// lecture: present mode draws every chart's type, margins and lines this much larger.
    static PRESENT_SCALE: std::cell::Cell<f64> = const { std::cell::Cell::new(1.0) };
}

/// lecture: present mode on or off (large type and thick lines for the back of a lecture hall).
/// A 720-line projector gets less than a 1080p one: the charts must still fit beside the stage.
pub fn set_present(present: bool) {
    let tall = web_sys::window()
        .and_then(|window| window.inner_height().ok())
        .and_then(|height| height.as_f64())
        .is_some_and(|height| height >= 1000.0);
    let factor = match (present, tall) {
        (false, _) => 1.0,
        (true, true) => 1.5,
        (true, false) => 1.25,
    };
    PRESENT_SCALE.with(|scale| scale.set(factor));
}

/// A white drawing area on `canvas`, sized to its CSS box, and the scale for type and lines:
/// the device pixel ratio (times 1.5 in present mode).
/// views: the backend also records the drawing as SVG (`svg::Recorder`) for the export.
pub fn open(
    canvas: &HtmlCanvasElement,
) -> Result<(DrawingArea<svg::Recorder, Shift>, f64), Box<dyn std::error::Error>> {
    let (_, _, ratio) = fit_to_css(canvas);
    // A short chart keeps plain type: larger type would leave no room for the data.
    let room = (f64::from(canvas.client_height()) / 220.0).max(1.0);
    let ratio = ratio * PRESENT_SCALE.with(std::cell::Cell::get).min(room);
    let root = svg::Recorder::new(canvas)
        .ok_or("no canvas backend")?
        .into_drawing_area();
    root.fill(&WHITE)?;
    Ok((root, ratio))
}

pub fn colour((r, g, b): crate::ui::widgets::palette::Rgb) -> RGBColor {
    RGBColor(r, g, b)
}

/// Font size in canvas pixels: readable at projector distance on any pixel ratio.
pub fn font_px(ratio: f64, css_px: f64) -> f64 {
    css_px * ratio
}

/// A legend entry: a sample of a line (solid or dashed) and its label.
pub struct Key {
    pub label: String,
    pub style: ShapeStyle,
    pub dashed: bool,
}

impl Key {
    pub fn line(label: impl Into<String>, style: ShapeStyle) -> Key {
        Key {
            label: label.into(),
            style,
            dashed: false,
        }
    }

    pub fn dashed(label: impl Into<String>, style: ShapeStyle) -> Key {
        Key {
            dashed: true,
            ..Key::line(label, style)
        }
    }
}

/// Draws the legend in a band above the plot, wrapping its keys onto as many rows as the width
/// needs, and returns the area below it for the chart: a legend outside the plot never covers a
/// curve, whatever the data does.
pub fn legend_above<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    keys: &[Key],
    ratio: f64,
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    if keys.is_empty() {
        return Ok(root.clone());
    }
    let font = ("sans-serif", font_px(ratio, 13.0)).into_font();
    let (width, _) = root.dim_in_pixel();
    let (sample, gap, pad) = (20.0 * ratio, 14.0 * ratio, 8.0 * ratio);
    let row_height = 19.0 * ratio;
    // Each key's place: (row, x, type size).
    let mut places = Vec::with_capacity(keys.len());
    let (mut row, mut x) = (0u32, pad);
    let room = f64::from(width) - 2.0 * pad - sample - 5.0 * ratio;
    for key in keys {
        let text = root
            .estimate_text_size(&key.label, &font.clone().into_text_style(root))
            .map_or(key.label.len() as f64 * 7.0 * ratio, |(w, _)| f64::from(w));
        // A label wider than the band gets smaller type, never a cut.
        let size = if text > room {
            (13.0 * room / text).max(8.0)
        } else {
            13.0
        };
        let text = text.min(room);
        let span = sample + 5.0 * ratio + text;
        if x > pad && x + span > f64::from(width) - pad {
            row += 1;
            x = pad;
        }
        places.push((row, x, size));
        x += span + gap;
    }
    let band = (f64::from(row + 1) * row_height + 6.0 * ratio) as u32;
    let (top, rest) = root.split_vertically(band);
    for (key, &(row, x, size)) in keys.iter().zip(&places) {
        let y = (4.0 * ratio + (f64::from(row) + 0.5) * row_height) as i32;
        let x0 = x as i32;
        if key.dashed {
            let dash = (sample / 4.0) as i32;
            for part in [0, 2] {
                let from = x0 + part * dash;
                top.draw(&PathElement::new(
                    [(from, y), (from + dash + dash / 2, y)],
                    key.style,
                ))?;
            }
        } else {
            top.draw(&PathElement::new(
                [(x0, y), (x0 + sample as i32, y)],
                key.style,
            ))?;
        }
        let style = ("sans-serif", font_px(ratio, size))
            .into_font()
            .into_text_style(&top)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            ));
        top.draw(&Text::new(
            key.label.clone(),
            ((x + sample + 5.0 * ratio) as i32, y),
            style,
        ))?;
    }
    Ok(rest)
}

/// A count axis's label: integers only (no "2.5 datagrams"), large ones compact ("1.5k").
pub fn count_label(value: f64) -> String {
    if (value - value.round()).abs() > 1e-6 {
        return String::new();
    }
    compact(value)
}

/// One decimal, and none where it is zero ("2k", not "2.0k").
fn trimmed(value: f64, unit: &str) -> String {
    let text = format!("{value:.1}");
    format!("{}{unit}", text.strip_suffix(".0").unwrap_or(&text))
}

/// 1200 -> "1.2k", 3400000 -> "3.4M": axis labels that fit.
pub fn compact(value: f64) -> String {
    match value {
        v if v >= 1e6 => trimmed(v / 1e6, "M"),
        v if v >= 1e3 => trimmed(v / 1e3, "k"),
        v => format!("{v:.0}"),
    }
}

/// The margin round the plot of a chart whose y axis's words `y_words` chooses, in CSS pixels.
pub const MARGIN: f64 = 10.0;
/// The band under such a plot for its x axis's labels and name, in CSS pixels.
pub const X_LABELS: f64 = 36.0;

/// The y axis's words: the first of `choices` (longest first) that the plot's height holds, where
/// the chart's `MARGIN` and `X_LABELS` leave it, else the last: never a name cut at
/// both ends or run into the legend on a short chart (a phone's, or a lesson's under a tour).
/// Said on the canvas too (`data-y-label`), for a reader who cannot see the pixels, and tests.
pub fn y_words<'w, DB: DrawingBackend>(
    canvas: &HtmlCanvasElement,
    area: &DrawingArea<DB, Shift>,
    choices: &[&'w str],
    ratio: f64,
) -> &'w str {
    let plot_height = f64::from(area.dim_in_pixel().1) - font_px(ratio, X_LABELS + 2.0 * MARGIN);
    let words = choices
        .iter()
        .find(|words| {
            let style = ("sans-serif", font_px(ratio, 15.0)).into_font();
            area.estimate_text_size(words, &style.into_text_style(area))
                .is_ok_and(|(width, _)| f64::from(width) <= plot_height)
        })
        .or(choices.last())
        .copied()
        .unwrap_or_default();
    canvas.set_attribute("data-y-label", words).ok();
    words
}

/// How many labels a rounds axis takes on `area`: one per 48 CSS pixels, so labels never run
/// together on a narrow chart.
pub fn round_labels<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, ratio: f64) -> usize {
    let (width, _) = area.dim_in_pixel();
    ((f64::from(width) / (48.0 * ratio)) as usize).clamp(3, 12)
}

/// How many labels a value axis takes on `area`: one per 24 CSS pixels of height.
pub fn value_labels<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, ratio: f64) -> usize {
    let (_, height) = area.dim_in_pixel();
    ((f64::from(height) / (24.0 * ratio)) as usize).clamp(3, 11)
}

/// A figure for a label, to the digits that mean something: three significant digits, two
/// below 1, trailing zeros dropped ("18.4", "1.58", "0.94", "120", "18").
pub fn figure(value: f64) -> String {
    let magnitude = value.abs();
    let decimals = match magnitude {
        m if m >= 100.0 || m == 0.0 => 0,
        m if m >= 10.0 => 1,
        m if m >= 1.0 => 2,
        m => (1.0 - m.log10().floor()).clamp(2.0, 6.0) as usize,
    };
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}
