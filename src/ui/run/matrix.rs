//! membership: the node-by-node matrix, rows observers, columns members, one cell
//! each in four colours (unknown, alive, suspected, failed; a crashed observer's row greyed),
//! drawn from the report's views as a pixel buffer, so a few hundred nodes stay cheap.

use crate::ui::widgets::canvas::{context, fit_to_css};
use crate::ui::widgets::palette::Rgb;
use wasm_bindgen::{Clamped, JsValue};
use web_sys::{HtmlCanvasElement, ImageData};

/// The colours of the matrix codes 0 to 4, and their legend.
pub const COLOURS: [(Rgb, &str); 5] = [
    ((235, 235, 235), "unknown"),
    ((0, 158, 115), "alive"),
    ((240, 190, 30), "suspected"),
    ((213, 94, 0), "failed"),
    ((90, 90, 90), "observer crashed (row)"),
];

/// Draws `views` (row-major `nodes` x `nodes` codes) as large square cells, centred.
pub fn draw(canvas: &HtmlCanvasElement, views: &[u8], nodes: u32) -> Result<(), JsValue> {
    let (width, height, _) = fit_to_css(canvas);
    let context = context(canvas)?;
    context.clear_rect(0.0, 0.0, width, height);
    if nodes == 0 || views.len() != (nodes * nodes) as usize {
        return Ok(());
    }
    let cell = ((width.min(height) / f64::from(nodes)).floor() as u32).max(1);
    let side = cell * nodes;
    let mut pixels = vec![255u8; (side * side * 4) as usize];
    for (index, &code) in views.iter().enumerate() {
        let (r, g, b) = COLOURS[usize::from(code.min(4))].0;
        let (row, column) = (index as u32 / nodes, index as u32 % nodes);
        for dy in 0..cell {
            let start = (((row * cell + dy) * side + column * cell) * 4) as usize;
            for pixel in pixels[start..start + (cell * 4) as usize].chunks_exact_mut(4) {
                pixel.copy_from_slice(&[r, g, b, 255]);
            }
        }
    }
    let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), side, side)?;
    let left = ((width - f64::from(side)) / 2.0).floor();
    let top = ((height - f64::from(side)) / 2.0).floor();
    context.put_image_data(&image, left, top)
}
