//! Export: the charts' backend draws on the canvas and records the same primitives as SVG
//! (kept on the canvas element as `__svg`), so every chart's "SVG" is its own `draw`, with no
//! second copy of the chart code (plotters' SVG backend would monomorphise every chart twice).

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use plotters_canvas::CanvasBackend;
use std::fmt::Write;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

pub struct Recorder {
    canvas: CanvasBackend,
    element: HtmlCanvasElement,
    svg: String,
}

type Failure = DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>;

impl Recorder {
    pub fn new(element: &HtmlCanvasElement) -> Option<Recorder> {
        // Round joins: the canvas's default miter join turns every sharp peak of a thick line
        // (the 6 px "sent" line rising and falling round by round) into a spike up to ten times
        // the line's half-width beyond the data.
        if let Some(context) = element
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|context| context.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        {
            context.set_line_join("round");
            context.set_line_cap("round");
        }
        let canvas = CanvasBackend::with_canvas_object(element.clone())?;
        let (width, height) = canvas.get_size();
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n"
        );
        Some(Recorder {
            canvas,
            element: element.clone(),
            svg,
        })
    }

    /// A stroked or filled shape with the style's colour (and width, stroked).
    fn shape(&mut self, tag: &str, geometry: &str, color: BackendColor, width: u32, fill: bool) {
        let (r, g, b) = color.rgb;
        let (kind, extra) = if fill {
            ("fill", String::new())
        } else {
            (
                "stroke",
                format!(" fill=\"none\" stroke-width=\"{width}\" stroke-linejoin=\"round\""),
            )
        };
        let _ = writeln!(
            self.svg,
            "<{tag} {geometry}{extra} {kind}=\"rgb({r},{g},{b})\" {kind}-opacity=\"{:.3}\"/>",
            color.alpha
        );
    }
}

fn points(path: impl IntoIterator<Item = BackendCoord>) -> (Vec<BackendCoord>, String) {
    let path: Vec<BackendCoord> = path.into_iter().collect();
    let text = path
        .iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    (path, text)
}

impl DrawingBackend for Recorder {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.canvas.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Failure> {
        self.canvas.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Failure> {
        let svg = format!("{}</svg>\n", self.svg);
        let _ = js_sys::Reflect::set(&self.element, &"__svg".into(), &svg.into());
        self.canvas.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Failure> {
        let geometry = format!(
            "x=\"{}\" y=\"{}\" width=\"1\" height=\"1\"",
            point.0, point.1
        );
        self.shape("rect", &geometry, color, 1, true);
        self.canvas.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failure> {
        let geometry = format!(
            "x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"",
            from.0, from.1, to.0, to.1
        );
        self.shape(
            "line",
            &geometry,
            style.color(),
            style.stroke_width(),
            false,
        );
        self.canvas.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure> {
        let geometry = format!(
            "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
            upper_left.0,
            upper_left.1,
            bottom_right.0 - upper_left.0,
            bottom_right.1 - upper_left.1
        );
        self.shape("rect", &geometry, style.color(), style.stroke_width(), fill);
        self.canvas.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failure> {
        let (path, text) = points(path);
        self.shape(
            "polyline",
            &format!("points=\"{text}\""),
            style.color(),
            style.stroke_width(),
            false,
        );
        self.canvas.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure> {
        let geometry = format!("cx=\"{}\" cy=\"{}\" r=\"{radius}\"", center.0, center.1);
        self.shape(
            "circle",
            &geometry,
            style.color(),
            style.stroke_width(),
            fill,
        );
        self.canvas.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), Failure> {
        let (path, text) = points(vertices);
        self.shape(
            "polygon",
            &format!("points=\"{text}\""),
            style.color(),
            1,
            true,
        );
        self.canvas.fill_polygon(path, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Failure> {
        let anchor = style.anchor();
        let h = match anchor.h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "middle",
        };
        let v = match anchor.v_pos {
            VPos::Top => "text-before-edge",
            VPos::Center => "central",
            VPos::Bottom => "text-after-edge",
        };
        let rotate = match style.transform() {
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => 270,
            FontTransform::None => 0,
        };
        let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
        let (r, g, b) = style.color().rgb;
        let _ = writeln!(
            self.svg,
            "<text x=\"{x}\" y=\"{y}\" transform=\"rotate({rotate} {x} {y})\" font-family=\"{}\" font-size=\"{}\" text-anchor=\"{h}\" dominant-baseline=\"{v}\" fill=\"rgb({r},{g},{b})\">{escaped}</text>",
            style.family().as_str(),
            style.size(),
            x = pos.0,
            y = pos.1,
        );
        self.canvas.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), Failure> {
        self.canvas.estimate_text_size(text, style)
    }
}

/// The SVG of the last drawing on `canvas`, if a chart drew it.
pub fn recorded(canvas: &HtmlCanvasElement) -> Option<String> {
    js_sys::Reflect::get(canvas, &"__svg".into())
        .ok()?
        .as_string()
}
