//! The stage's nodes painted in wasm memory. A canvas without a GPU spends milliseconds filling
//! every thousand small circles (a path of 2,000 discs took 4 to 6 ms in headless Chromium;
//! reading the canvas's pixels and putting them back, under 1 ms), so the nodes' discs, rings,
//! pies, timer arcs and region halos are rasterised here between one `getImageData` and one
//! `putImageData`. Coverage follows the canvas's rules for one path: the circles of one shape
//! are a union, so overlapping circles of one colour do not darken.

use crate::ui::widgets::palette::{self, Rgb};
use wasm_bindgen::{Clamped, JsValue};
use web_sys::{CanvasRenderingContext2d, ImageData};

/// A canvas's pixels held in wasm memory while shapes are painted on them.
pub struct Pixels {
    width: usize,
    height: usize,
    /// RGBA, row by row, as `getImageData` gives them.
    data: Vec<u8>,
    /// The current shape's coverage of each pixel (0 to 255): the most any of its circles gives.
    mask: Vec<u8>,
    /// The pixels the current shape covers, so that blending visits only them.
    touched: Vec<usize>,
}

/// Which part of a circle a shape covers: the disc, or a ring of that width on its edge.
#[derive(Clone, Copy, PartialEq)]
pub enum Part {
    Disc,
    Ring(f64),
}

impl Pixels {
    /// The canvas's pixels as they stand (what vector drawing has put there so far).
    pub fn read(context: &CanvasRenderingContext2d) -> Result<Pixels, JsValue> {
        let canvas = context.canvas().ok_or("no canvas")?;
        let (width, height) = (f64::from(canvas.width()), f64::from(canvas.height()));
        let image = context.get_image_data(0.0, 0.0, width, height)?;
        let (width, height) = (image.width() as usize, image.height() as usize);
        Ok(Pixels::from_rgba(width, height, image.data().0))
    }

    /// Pixels from RGBA values, row by row (what `read` takes from a canvas).
    pub fn from_rgba(width: usize, height: usize, data: Vec<u8>) -> Pixels {
        debug_assert_eq!(data.len(), 4 * width * height, "RGBA, four bytes a pixel");
        Pixels {
            width,
            height,
            data,
            mask: vec![0; width * height],
            touched: Vec::new(),
        }
    }

    /// The pixels' RGBA values, row by row.
    pub fn rgba(&self) -> &[u8] {
        &self.data
    }

    /// Puts the pixels back on the canvas.
    pub fn write(&self, context: &CanvasRenderingContext2d) -> Result<(), JsValue> {
        let image = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(&self.data),
            self.width as u32,
            self.height as u32,
        )?;
        context.put_image_data(&image, 0.0, 0.0)
    }

    /// Adds a circle at (x, y) of `radius` to the current shape: its disc or ring, and of that
    /// only the share `turn` (0 to 1) of the turn clockwise from the top, as a pie or timer arc.
    pub fn cover(&mut self, x: f64, y: f64, radius: f64, part: Part, turn: f64) {
        let half = match part {
            Part::Disc => 0.0,
            Part::Ring(width) => width / 2.0,
        };
        // No pixel centre further than this from the centre is covered at all.
        let reach = radius + half + 0.5;
        let rows = span(y, reach, self.height);
        // The turn's end as a pseudo-angle, for the pixels' own.
        let end = (turn < 1.0).then(|| {
            let angle = turn * std::f64::consts::TAU;
            clockwise(js_sys::Math::sin(angle), -js_sys::Math::cos(angle))
        });
        // Most pixels are wholly in or wholly out: squared distances decide those without a
        // square root. The bands are narrowed by far more than any rounding, so a pixel they
        // decide gets the level the distance would give it.
        let zones = Zones::new(radius, part);
        for row in rows {
            let dy = row as f64 + 0.5 - y;
            // Only the columns within reach on this row: the circle, not its square.
            let left = reach * reach - dy * dy;
            if left <= 0.0 {
                continue;
            }
            for column in span(x - 0.5, left.sqrt(), self.width) {
                let dx = column as f64 + 0.5 - x;
                let squared = dx * dx + dy * dy;
                let level = if zones.full_from <= squared && squared <= zones.full_to {
                    zones.full_level
                } else if squared <= zones.hole || squared >= zones.reach {
                    continue;
                } else {
                    let distance = squared.sqrt();
                    // A pixel's share inside the edge, as a canvas antialiases it.
                    let coverage = match part {
                        Part::Disc => radius + 0.5 - distance,
                        Part::Ring(width) => {
                            (half + 0.5 - (distance - radius).abs()).min(width.min(1.0))
                        }
                    };
                    if coverage <= 0.0 {
                        continue;
                    }
                    (coverage.min(1.0) * 255.0) as u8
                };
                if end.is_some_and(|end| clockwise(dx, dy) > end) {
                    continue;
                }
                let index = row * self.width + column;
                if self.mask[index] == 0 && level > 0 {
                    self.touched.push(index);
                }
                self.mask[index] = self.mask[index].max(level);
            }
        }
    }

    /// Paints the current shape in `colour` at `alpha` and starts the next one.
    pub fn fill(&mut self, colour: Rgb, alpha: f64) {
        let (red, green, blue) = palette::themed(colour);
        let values = [red, green, blue];
        // Most pixels are wholly covered: for those, each channel's result for each value it
        // may hold, worked out once per shape rather than per pixel.
        // The share computed as for any level (`alpha * 255 / 255`), which may differ from
        // `alpha` in the last bit.
        let share = alpha * 255.0 / 255.0;
        let whole: [[u8; 256]; 3] =
            values.map(|value| std::array::from_fn(|channel| blend(channel as u8, value, share)));
        for &index in &self.touched {
            let level = self.mask[index];
            let pixel = &mut self.data[4 * index..4 * index + 3];
            if level == 255 {
                for (channel, results) in pixel.iter_mut().zip(&whole) {
                    *channel = results[usize::from(*channel)];
                }
            } else {
                let share = alpha * f64::from(level) / 255.0;
                for (channel, value) in pixel.iter_mut().zip(values) {
                    *channel = blend(*channel, value, share);
                }
            }
            self.mask[index] = 0;
        }
        self.touched.clear();
    }
}

/// A channel's value with `value` laid over it at `share`, rounded.
fn blend(channel: u8, value: u8, share: f64) -> u8 {
    (f64::from(channel) * (1.0 - share) + f64::from(value) * share + 0.5) as u8
}

/// A circle's squared distances from its centre where pixels are wholly covered (from
/// `full_from` to `full_to`, at `full_level`) and where they may be partly (above `hole`,
/// below `reach`); outside both, none is.
struct Zones {
    full_from: f64,
    full_to: f64,
    full_level: u8,
    hole: f64,
    reach: f64,
}

impl Zones {
    /// Far more than the rounding of a squared distance, far less than a pixel.
    const MARGIN: f64 = 1e-6;

    fn new(radius: f64, part: Part) -> Zones {
        let squared = |distance: f64| distance.max(0.0) * distance.max(0.0);
        let (half, full_level, hole) = match part {
            Part::Disc => (0.0, 255, -1.0),
            Part::Ring(width) => {
                let half = width / 2.0;
                let edge = radius - half - 0.5 - Self::MARGIN;
                let hole = if edge > 0.0 { edge * edge } else { -1.0 };
                (half, (width.min(1.0) * 255.0) as u8, hole)
            }
        };
        // Wholly covered: within half - 0.5 of the circle (a disc: its inside less half a
        // pixel), if anything is; partly: within half + 0.5.
        let (inner, outer) = (
            (radius - half + 0.5 + Self::MARGIN).max(0.0),
            radius + half - 0.5 - Self::MARGIN,
        );
        let (full_from, full_to) = match part {
            Part::Disc => (0.0, outer),
            Part::Ring(_) => (inner, outer),
        };
        Zones {
            full_from: full_from * full_from,
            full_to: if full_to > full_from {
                full_to * full_to
            } else {
                -1.0
            },
            full_level,
            hole,
            reach: squared(radius + half + 0.5 + Self::MARGIN),
        }
    }
}

/// The pixel columns (or rows) within `reach` of `centre`, inside `0..size`.
fn span(centre: f64, reach: f64, size: usize) -> std::ops::Range<usize> {
    let first = (centre - reach).floor().max(0.0) as usize;
    let last = ((centre + reach).ceil().max(0.0) as usize).min(size);
    first.min(last)..last
}

/// A pseudo-angle of the direction (dx, dy) on the screen (y down), clockwise from the top, in
/// [0, 4): it grows with the angle, so comparing two needs no trigonometry.
fn clockwise(dx: f64, dy: f64) -> f64 {
    let (up, right) = (-dy, dx);
    let sum = up.abs() + right.abs();
    if sum == 0.0 {
        0.0
    } else if right >= 0.0 {
        if up >= 0.0 {
            right / sum
        } else {
            1.0 - up / sum
        }
    } else if up < 0.0 {
        2.0 - right / sum
    } else {
        3.0 + up / sum
    }
}
