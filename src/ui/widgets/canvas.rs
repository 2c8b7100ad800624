//! Canvas helpers shared by the stage and the charts.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Matches the canvas's pixel size to its CSS size times the device pixel ratio (sharp on
/// projectors and high-density screens); returns (width, height, pixel ratio).
pub fn fit_to_css(canvas: &HtmlCanvasElement) -> (f64, f64, f64) {
    let ratio = web_sys::window()
        .map(|window| window.device_pixel_ratio())
        .unwrap_or(1.0)
        .max(1.0);
    let width = (f64::from(canvas.client_width().max(1)) * ratio).round();
    let height = (f64::from(canvas.client_height().max(1)) * ratio).round();
    if f64::from(canvas.width()) != width || f64::from(canvas.height()) != height {
        canvas.set_width(width as u32);
        canvas.set_height(height as u32);
    }
    (width, height, ratio)
}

pub fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(JsValue::from)
}

/// A chart kept drawn at its box's size by `on_resize`, until dropped.
pub struct OnResize {
    observer: web_sys::ResizeObserver,
    _draw: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Drop for OnResize {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Calls `draw` once `element` has a size and again each time its box changes size, while the
/// guard lives: a chart drawn once for its data (the experiment's histogram, the scaling curves)
/// is drawn afresh when the window is resized, present mode is toggled or the rows above it wrap,
/// instead of showing its old pixels stretched to the new box.
pub fn on_resize(element: &web_sys::Element, draw: Box<dyn FnMut()>) -> Option<OnResize> {
    let draw = wasm_bindgen::closure::Closure::wrap(draw);
    let observer = web_sys::ResizeObserver::new(draw.as_ref().unchecked_ref()).ok()?;
    observer.observe(element);
    Some(OnResize {
        observer,
        _draw: draw,
    })
}
