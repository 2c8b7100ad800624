//! The stage: the network on a canvas. Small N: nodes on a circle and every datagram of the
//! round in flight. Large N: one cell per node in a pixel buffer filled here (one canvas call).

use super::canvas::{context, fit_to_css};
use super::palette::{self, Rgb};
use super::state::{ANIMATED_NODES, Run};
use crate::engine::{Contact, ContactKind, Fate};
use std::f64::consts::{PI, TAU};
use wasm_bindgen::{Clamped, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Where each node sits on the circle, in canvas pixels, and the node radius.
struct Circle {
    center: (f64, f64),
    radius: f64,
    node_radius: f64,
    nodes: u32,
}

impl Circle {
    fn new(width: f64, height: f64, nodes: u32, ratio: f64) -> Circle {
        let radius = 0.43 * width.min(height);
        let spacing = TAU * radius / f64::from(nodes);
        Circle {
            center: (width / 2.0, height / 2.0),
            radius,
            node_radius: (0.38 * spacing).clamp(2.5 * ratio, 14.0 * ratio),
            nodes,
        }
    }

    fn position(&self, node: u32) -> (f64, f64) {
        let angle = TAU * f64::from(node) / f64::from(self.nodes) - PI / 2.0;
        (
            self.center.0 + self.radius * angle.cos(),
            self.center.1 + self.radius * angle.sin(),
        )
    }
}

/// When a datagram of the round travels, as fractions of the round: requests and pushes in the
/// first half, replies in the second (a reply answers an arrived request).
fn flight(kind: ContactKind) -> (f64, f64) {
    match kind {
        ContactKind::Push | ContactKind::PullRequest => (0.0, 0.5),
        ContactKind::PullReply => (0.5, 1.0),
    }
}

/// Draws the stage at `progress` (0..=1) through the last round's animation.
pub fn draw(
    canvas: &HtmlCanvasElement,
    run: &Run,
    progress: f64,
    selected: Option<u32>,
) -> Result<(), JsValue> {
    let (width, height, ratio) = fit_to_css(canvas);
    let context = context(canvas)?;
    context.set_fill_style_str(&palette::css(palette::BACKGROUND, 1.0));
    context.fill_rect(0.0, 0.0, width, height);
    if run.simulation.config().nodes <= ANIMATED_NODES {
        draw_circle(&context, run, progress, selected, width, height, ratio);
        Ok(())
    } else {
        draw_field(&context, run, width, height)
    }
}

/// The node under a click at CSS pixel (x, y), if it is within reach of one (small N only).
pub fn node_at(canvas: &HtmlCanvasElement, run: &Run, x: f64, y: f64) -> Option<u32> {
    let nodes = run.simulation.config().nodes;
    if nodes > ANIMATED_NODES {
        return None;
    }
    let (width, height, ratio) = fit_to_css(canvas);
    let circle = Circle::new(width, height, nodes, ratio);
    let (x, y) = (x * ratio, y * ratio);
    let reach = (circle.node_radius * 1.6).max(10.0 * ratio);
    (0..nodes)
        .map(|node| {
            let (px, py) = circle.position(node);
            (node, (px - x).hypot(py - y))
        })
        .filter(|&(_, distance)| distance <= reach)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(node, _)| node)
}

/// The colour scale's end: the theory's rounds to completion, or the rounds played if longer.
fn shading_rounds(run: &Run) -> f64 {
    f64::from(
        run.theory_rounds
            .unwrap_or(1)
            .max(run.simulation.round())
            .max(1),
    )
}

fn draw_circle(
    context: &CanvasRenderingContext2d,
    run: &Run,
    progress: f64,
    selected: Option<u32>,
    width: f64,
    height: f64,
    ratio: f64,
) {
    let nodes = run.simulation.config().nodes;
    let circle = Circle::new(width, height, nodes, ratio);
    let network = run.simulation.network();
    let round = run.simulation.round();
    let contacts: &[Contact] = run
        .last
        .as_ref()
        .map(|report| report.contacts.as_slice())
        .unwrap_or(&[]);
    // A node informed this round turns informed when its informing datagram lands.
    let mut lands_at = vec![0.0; nodes as usize];
    for contact in contacts
        .iter()
        .filter(|contact| contact.fate == Fate::Informed)
    {
        lands_at[contact.to as usize] = flight(contact.kind).1;
    }

    // Paths first, faint, so the dots and nodes sit on top.
    context.set_line_width(ratio);
    for contact in contacts {
        let (start, end) = flight(contact.kind);
        if progress < start || progress > end + 0.25 {
            continue;
        }
        let (from, to) = (circle.position(contact.from), circle.position(contact.to));
        context.set_stroke_style_str(&palette::css(contact_colour(contact), 0.18));
        context.begin_path();
        context.move_to(from.0, from.1);
        context.line_to(to.0, to.1);
        context.stroke();
    }

    for node in 0..nodes {
        let (x, y) = circle.position(node);
        let r = circle.node_radius;
        if network.is_crashed(node) {
            draw_cross(context, x, y, r * 0.9, palette::CRASHED, 2.0 * ratio, 1.0);
            continue;
        }
        let informed_in = run.informed_round[node as usize];
        let visible =
            informed_in < round || (informed_in == round && progress >= lands_at[node as usize]);
        let fill = if visible {
            palette::viridis(f64::from(informed_in) / shading_rounds(run))
        } else {
            palette::UNINFORMED
        };
        context.set_fill_style_str(&palette::css(fill, 1.0));
        context.begin_path();
        let _ = context.arc(x, y, r, 0.0, TAU);
        context.fill();
        context.set_line_width(ratio);
        context.set_stroke_style_str(&palette::css(
            if visible {
                palette::INK
            } else {
                palette::UNINFORMED_EDGE
            },
            0.6,
        ));
        context.stroke();
        if visible && informed_in == round && round > 0 {
            ring(context, x, y, r + 2.5 * ratio, palette::NEW, 3.0 * ratio);
        }
        if informed_in == 0 {
            ring(context, x, y, r + 2.5 * ratio, palette::INK, 2.0 * ratio);
        }
        if selected == Some(node) {
            ring(
                context,
                x,
                y,
                r + 6.0 * ratio,
                palette::SELECTED,
                3.0 * ratio,
            );
        }
    }

    for contact in contacts {
        draw_datagram(context, &circle, contact, progress, ratio);
    }
}

fn contact_colour(contact: &Contact) -> Rgb {
    match (contact.fate, contact.kind) {
        (Fate::Lost | Fate::Crashed, _) => palette::LOST,
        (Fate::Redundant, _) => palette::REDUNDANT,
        (_, ContactKind::Push) => palette::PUSH,
        _ => palette::PULL,
    }
}

/// One datagram at `progress`: useful ones solid, empty ones hollow, redundant ones grey and small;
/// a lost one stops halfway and fades under a cross, one sent to a crashed node dies at it.
fn draw_datagram(
    context: &CanvasRenderingContext2d,
    circle: &Circle,
    contact: &Contact,
    progress: f64,
    ratio: f64,
) {
    let (start, end) = flight(contact.kind);
    if progress < start {
        return;
    }
    let travelled = ((progress - start) / (end - start)).clamp(0.0, 1.0);
    let (from, to) = (circle.position(contact.from), circle.position(contact.to));
    let at = |fraction: f64| {
        (
            from.0 + (to.0 - from.0) * fraction,
            from.1 + (to.1 - from.1) * fraction,
        )
    };
    let size = (circle.node_radius * 0.55).clamp(2.5 * ratio, 6.0 * ratio);
    match contact.fate {
        Fate::Lost | Fate::Crashed => {
            let stop = if contact.fate == Fate::Lost { 0.5 } else { 1.0 };
            let (x, y) = at(travelled.min(stop));
            if travelled < stop {
                dot(context, x, y, size, palette::LOST, 1.0, true);
            } else {
                // Fade out over the rest of the round (and a little after).
                let fade =
                    (1.0 - (progress - (start + stop * (end - start))) / 0.6).clamp(0.0, 1.0);
                draw_cross(context, x, y, size * 1.4, palette::LOST, 2.0 * ratio, fade);
            }
        }
        _ if travelled >= 1.0 => {}
        Fate::Redundant => {
            let (x, y) = at(travelled);
            dot(context, x, y, size * 0.7, palette::REDUNDANT, 0.9, true);
        }
        Fate::Informed => {
            let (x, y) = at(travelled);
            dot(
                context,
                x,
                y,
                size * 1.15,
                contact_colour(contact),
                1.0,
                true,
            );
        }
        Fate::Arrived => {
            let (x, y) = at(travelled);
            dot(context, x, y, size, contact_colour(contact), 1.0, false);
        }
    }
}

fn dot(
    context: &CanvasRenderingContext2d,
    x: f64,
    y: f64,
    radius: f64,
    colour: Rgb,
    alpha: f64,
    filled: bool,
) {
    context.begin_path();
    let _ = context.arc(x, y, radius, 0.0, TAU);
    if filled {
        context.set_fill_style_str(&palette::css(colour, alpha));
        context.fill();
    } else {
        context.set_fill_style_str(&palette::css(palette::BACKGROUND, alpha));
        context.fill();
        context.set_line_width(radius * 0.45);
        context.set_stroke_style_str(&palette::css(colour, alpha));
        context.stroke();
    }
}

fn ring(context: &CanvasRenderingContext2d, x: f64, y: f64, radius: f64, colour: Rgb, width: f64) {
    context.begin_path();
    let _ = context.arc(x, y, radius, 0.0, TAU);
    context.set_line_width(width);
    context.set_stroke_style_str(&palette::css(colour, 1.0));
    context.stroke();
}

fn draw_cross(
    context: &CanvasRenderingContext2d,
    x: f64,
    y: f64,
    half: f64,
    colour: Rgb,
    width: f64,
    alpha: f64,
) {
    context.set_line_width(width);
    context.set_stroke_style_str(&palette::css(colour, alpha));
    context.begin_path();
    context.move_to(x - half, y - half);
    context.line_to(x + half, y + half);
    context.move_to(x + half, y - half);
    context.line_to(x - half, y + half);
    context.stroke();
}

/// Large N: a square grid of cells in node order, coloured from a buffer filled here.
fn draw_field(
    context: &CanvasRenderingContext2d,
    run: &Run,
    width: f64,
    height: f64,
) -> Result<(), JsValue> {
    let nodes = run.simulation.config().nodes;
    let columns = f64::from(nodes).sqrt().ceil() as u32;
    let rows = nodes.div_ceil(columns);
    let cell = ((width.min(height) / f64::from(columns.max(rows))).floor() as u32).max(1);
    let (image_width, image_height) = (columns * cell, rows * cell);
    let mut pixels = vec![255u8; (image_width * image_height * 4) as usize];
    let network = run.simulation.network();
    let round = run.simulation.round();
    let scale = shading_rounds(run);
    for node in 0..nodes {
        let informed_in = run.informed_round[node as usize];
        let colour = if network.is_crashed(node) {
            palette::CRASHED
        } else if informed_in == u32::MAX {
            palette::UNINFORMED
        } else if informed_in == round && round > 0 {
            palette::NEW
        } else {
            palette::viridis(f64::from(informed_in) / scale)
        };
        let (column, row) = (node % columns, node / columns);
        for dy in 0..cell {
            let start = (((row * cell + dy) * image_width + column * cell) * 4) as usize;
            for pixel in pixels[start..start + (cell * 4) as usize].chunks_exact_mut(4) {
                pixel.copy_from_slice(&[colour.0, colour.1, colour.2, 255]);
            }
        }
    }
    let image =
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), image_width, image_height)?;
    let left = ((width - f64::from(image_width)) / 2.0).floor();
    let top = ((height - f64::from(image_height)) / 2.0).floor();
    context.put_image_data(&image, left, top)
}
