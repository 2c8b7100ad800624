//! A trace on a stage: its nodes on a circle, at one moment of the trace. Each node is coloured
//! by when it first learned a message (viridis, dark = early; grey: nothing yet), a crashed one
//! crossed, a pending timer an arc that fills until it is due; every datagram in the air a dot
//! between its sender and receiver in its kind's colour, a lost one a cross halfway. Canvas
//! drawing over plain data (a `Replay` and the moment), like the run view's stage.

use crate::engine::report::Fate;
use crate::engine::trace::{Replay, TimerEnd};
use crate::ui::widgets::canvas::{context, fit_to_css};
use crate::ui::widgets::palette::{self, Rgb};
use std::f64::consts::{PI, TAU};
use wasm_bindgen::JsValue;
use web_sys::HtmlCanvasElement;

pub struct Moment<'a> {
    pub replay: &'a Replay,
    pub colours: &'a [Rgb],
    pub timer_colours: &'a [Rgb],
    /// The time shown, a place in ticks.
    pub cursor: f64,
    /// The trace's whole span (for the colour of a node by when it learned).
    pub until: f64,
    pub highlight: Option<u32>,
}

/// Where node `node` of `nodes` sits on a circle of `radius` round (`cx`, `cy`), node 0 on top.
/// The browser's sine and cosine, as on the run view's stage: Rust's own, with their argument
/// reduction, were the page's only use of them and cost it about 3 KB gzipped.
pub fn position(node: u32, nodes: u32, (cx, cy, radius): (f64, f64, f64)) -> (f64, f64) {
    let angle = -PI / 2.0 + TAU * f64::from(node) / f64::from(nodes.max(1));
    (
        cx + radius * js_sys::Math::cos(angle),
        cy + radius * js_sys::Math::sin(angle),
    )
}

/// The circle the nodes sit on in a canvas of this size (CSS pixels times `ratio`).
pub fn circle(width: f64, height: f64, ratio: f64) -> (f64, f64, f64) {
    (
        width / 2.0,
        height / 2.0,
        (width.min(height) / 2.0 - 22.0 * ratio).max(10.0),
    )
}

/// The node under (x, y), in CSS pixels of `canvas`, if any.
pub fn node_at(canvas: &HtmlCanvasElement, nodes: u32, x: f64, y: f64) -> Option<u32> {
    let (width, height) = (
        f64::from(canvas.client_width()),
        f64::from(canvas.client_height()),
    );
    let ring = circle(width, height, 1.0);
    let reach = node_radius(nodes, ring.2, 1.0) + 4.0;
    (0..nodes).find(|&node| {
        let (nx, ny) = position(node, nodes, ring);
        (nx - x).hypot(ny - y) <= reach
    })
}

fn node_radius(nodes: u32, radius: f64, ratio: f64) -> f64 {
    (PI * radius / f64::from(nodes.max(1)) * 0.55).clamp(3.0 * ratio, 14.0 * ratio)
}

pub fn draw(canvas: &HtmlCanvasElement, moment: &Moment) -> Result<(), JsValue> {
    let (width, height, ratio) = fit_to_css(canvas);
    let context = context(canvas)?;
    let replay = moment.replay;
    let nodes = replay.nodes;
    let cursor = moment.cursor;
    context.set_fill_style_str(&palette::css(palette::BACKGROUND, 1.0));
    context.fill_rect(0.0, 0.0, width, height);
    let ring = circle(width, height, ratio);
    let radius = node_radius(nodes, ring.2, ratio);
    let at = |node: u32| position(node, nodes, ring);

    // Each node's state at the cursor: crashed, and when it first learned (if it has).
    let mut crashed = vec![false; nodes as usize];
    for &(place, node, crash) in replay.crashes.iter().filter(|crash| crash.0 <= cursor) {
        let _ = place;
        crashed[node as usize] = crash;
    }
    let mut first = vec![None::<f64>; nodes as usize];
    for &(place, node, _, _) in replay.learned.iter().filter(|learned| learned.0 <= cursor) {
        let slot = &mut first[node as usize];
        if slot.is_none() {
            *slot = Some(place);
        }
    }
    for node in 0..nodes {
        let (x, y) = at(node);
        let fill = match first[node as usize] {
            Some(place) => palette::viridis(place / moment.until.max(1.0)),
            None => palette::UNINFORMED,
        };
        context.begin_path();
        context.arc(x, y, radius, 0.0, TAU)?;
        context.set_fill_style_str(&palette::css(fill, 1.0));
        context.fill();
        context.set_line_width(1.0 * ratio);
        context.set_stroke_style_str(&palette::css(palette::UNINFORMED_EDGE, 1.0));
        context.stroke();
        if moment.highlight == Some(node) {
            context.begin_path();
            context.arc(x, y, radius + 3.0 * ratio, 0.0, TAU)?;
            context.set_line_width(3.0 * ratio);
            context.set_stroke_style_str(&palette::css(palette::SELECTED, 1.0));
            context.stroke();
        }
        if crashed[node as usize] {
            let size = radius * 0.8;
            context.begin_path();
            context.move_to(x - size, y - size);
            context.line_to(x + size, y + size);
            context.move_to(x - size, y + size);
            context.line_to(x + size, y - size);
            context.set_line_width(2.5 * ratio);
            context.set_stroke_style_str(&palette::css(palette::CRASHED, 1.0));
            context.stroke();
        }
        if nodes <= 50 && radius >= 7.0 * ratio {
            context.set_font(&format!(
                "{}px system-ui, sans-serif",
                (radius * 0.95).round()
            ));
            context.set_text_align("center");
            context.set_text_baseline("middle");
            let dark =
                first[node as usize].is_some_and(|place| place / moment.until.max(1.0) < 0.6);
            context.set_fill_style_str(if dark { "#fff" } else { "#222" });
            context.fill_text(&node.to_string(), x, y)?;
        }
    }
    // Pending timers: an arc round the node, filling until it is due.
    for bar in replay
        .timers
        .iter()
        .filter(|bar| (bar.set as f64) <= cursor && cursor < bar.end as f64)
    {
        let span = (bar.due.unwrap_or(bar.end).saturating_sub(bar.set)).max(1) as f64;
        let done = ((cursor - bar.set as f64) / span).clamp(0.05, 1.0);
        let (x, y) = at(bar.node);
        context.begin_path();
        let arc_radius = radius + 4.5 * ratio;
        context.arc(x, y, arc_radius, -PI / 2.0, -PI / 2.0 + TAU * done)?;
        context.set_line_width(2.5 * ratio);
        let faint = if bar.how == TimerEnd::Fired { 0.9 } else { 0.5 };
        context.set_stroke_style_str(&palette::css(moment.timer_colours[bar.name], faint));
        context.stroke();
    }
    // Datagrams in the air.
    let dot = 3.8 * ratio;
    for flight in &replay.flights {
        if flight.sent_at > cursor {
            continue;
        }
        let arrives = flight.arrives_at.unwrap_or(flight.sent_at + 100.0);
        let lost = flight.fate == Some(Fate::Lost);
        // A lost datagram's cross stays a little after it would have arrived.
        let shown_until = if lost { arrives + 40.0 } else { arrives };
        if cursor >= shown_until {
            continue;
        }
        let fraction =
            ((cursor - flight.sent_at) / (arrives - flight.sent_at).max(1e-9)).clamp(0.0, 1.0);
        let ((x1, y1), (x2, y2)) = (at(flight.from), at(flight.to));
        let colour = moment.colours[flight.kind];
        if lost && fraction >= 0.5 {
            let (x, y) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
            let size = 4.5 * ratio;
            context.begin_path();
            context.move_to(x - size, y - size);
            context.line_to(x + size, y + size);
            context.move_to(x - size, y + size);
            context.line_to(x + size, y - size);
            context.set_line_width(2.5 * ratio);
            context.set_stroke_style_str(&palette::css(palette::LOST, 0.9));
            context.stroke();
            continue;
        }
        let (x, y) = (x1 + (x2 - x1) * fraction, y1 + (y2 - y1) * fraction);
        context.begin_path();
        context.arc(x, y, dot, 0.0, TAU)?;
        context.set_fill_style_str(&palette::css(colour, 0.9));
        context.fill();
    }
    Ok(())
}
