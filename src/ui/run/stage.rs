//! The stage: the network on a canvas, laid out by the structure the engine reports (a circle for
//! gossip, the sender in the centre of its receivers for centralized multicast, rings of depth
//! around the root for a tree). Small N: every datagram of the round in flight, timed by the report's ticks and hops.
//! Large N: one cell per node in a pixel buffer filled here (one canvas call).

use crate::engine::config::Group;
use crate::engine::drivers::event::Racks; // async-racks
use crate::engine::protocols::rmtp::designated_receiver;
use crate::engine::protocols::tree::depth_of;
use crate::engine::report::{Link, LinkStyle, TICKS_PER_ROUND, Tick, round_start};
use crate::engine::{Contact, Fate, Kind, RoundReport, Simulation, Status, Structure};
use crate::ui::run::matrix;
use crate::ui::run::pixels::{Part, Pixels};
use crate::ui::state::{ANIMATED_NODES, Run};
use crate::ui::widgets::canvas::{context, context as context_of, fit_to_css};
use crate::ui::widgets::palette::{self, Rgb};
use std::f64::consts::{PI, TAU};
use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

// The browser's sine and cosine: positions on the stage are drawing, not results, and Rust's
// own (with their argument reduction) cost the page about 3 KB gzipped.
fn cos(angle: f64) -> f64 {
    js_sys::Math::cos(angle)
}
fn sin(angle: f64) -> f64 {
    js_sys::Math::sin(angle)
}

/// Trees deeper than this are drawn on the circle (a chain around it), not in rings.
const MAX_LAYERS: u32 = 12;
/// The node radius worth adding circles for, in CSS pixels: 14 px across reads from the back row.
const LEGIBLE_RADIUS: f64 = 7.0;
/// Nodes up to this many carry their number.
const NUMBERED_NODES: u32 = 50;
/// Above this many nodes the scene is painted once a round on a layer, and datagrams trail
/// short hairlines instead of whole paths.
const LAYERED_NODES: u32 = 500;

/// Concentric circles sharing `count` places, each circle's share in proportion to its length,
/// node order running round the outermost first.
#[derive(Clone, Copy)]
struct Rings {
    count: u32,
    gap: f64,
}

impl Rings {
    /// The fewest circles (inside `radius`, none nearer the centre than 40 % of it) on which
    /// `places` nodes get a legible radius, and that radius.
    fn fit(places: u32, radius: f64, ratio: f64) -> (Rings, f64) {
        let gap = 3.2 * LEGIBLE_RADIUS * ratio;
        let mut best = (Rings { count: 1, gap }, 0.0);
        for count in 1..=12u32 {
            let innermost = radius - f64::from(count - 1) * gap;
            if count > 1 && innermost < 0.4 * radius {
                break;
            }
            let rings = Rings { count, gap };
            let length: f64 = (0..count)
                .map(|ring| TAU * rings.radius(radius, ring))
                .sum();
            let node_radius = 0.38 * length / f64::from(places.max(1));
            let node_radius = if count > 1 {
                node_radius.min(0.42 * gap)
            } else {
                node_radius
            };
            if node_radius > best.1 {
                best = (rings, node_radius);
            }
            if node_radius >= LEGIBLE_RADIUS * ratio {
                break;
            }
        }
        best
    }

    fn radius(self, outer: f64, ring: u32) -> f64 {
        outer - f64::from(ring) * self.gap
    }

    /// The circle's radius and the angle of place `index` of `places`.
    fn place(self, outer: f64, index: u32, places: u32) -> (f64, f64) {
        self.slot(outer, index, places)
            .map_or((outer, -PI / 2.0), |(radius, within, size)| {
                (radius, TAU * f64::from(within) / f64::from(size) - PI / 2.0)
            })
    }

    /// Which ring holds place `index` of `places`, the places shared between the rings in
    /// proportion to their lengths, the outermost first: that ring's radius, the place's index
    /// on it and the ring's number of places (`None` without rings).
    fn slot(self, outer: f64, index: u32, places: u32) -> Option<(f64, u32, u32)> {
        let total: f64 = (0..self.count).map(|ring| self.radius(outer, ring)).sum();
        let mut first = 0u32;
        let mut before = 0.0;
        for ring in 0..self.count {
            let radius = self.radius(outer, ring);
            before += radius;
            let end = if ring + 1 == self.count {
                places
            } else {
                (f64::from(places) * before / total).round() as u32
            };
            if index < end || ring + 1 == self.count {
                return Some((radius, index - first, end.saturating_sub(first).max(1)));
            }
            first = end;
        }
        None
    }
}

/// Where each node sits, in canvas pixels, and the node radius.
struct Layout {
    shape: Shape,
    node_radius: f64,
    nodes: u32,
    /// Every node's place, worked out once a frame (`placed`): a frame looks each up several
    /// times, and thousands of nodes each cost a sine, a cosine and a walk over the rings.
    points: Vec<(f64, f64)>,
    /// Canvas pixels per CSS pixel.
    ratio: f64,
}

#[derive(Clone, Copy)]
enum Shape {
    /// Every node on concentric circles (`rings` of them, `gap` apart, the outermost of
    /// `radius`), node 0 at the top; one circle while the nodes fit on it at a legible size.
    Circle {
        center: (f64, f64),
        radius: f64,
        rings: Rings,
    },
    /// Node 0 in the centre, the receivers on circles around it in sending order.
    Star {
        center: (f64, f64),
        radius: f64,
        rings: Rings,
    },
    /// The tree radially: the root in the centre, depth d on the ring of radius d / depth, node k
    /// of depth d at angle (k + 1/2) / b^d of the turn, so every subtree is a wedge under its parent.
    /// A level too crowded for its ring (bit d of `staggered`) puts every other node half a ring
    /// further in.
    Rings {
        fanout: u32,
        center: (f64, f64),
        ring: f64,
        staggered: u32,
    },
    // async-racks
    /// Gossip on racks: each rack a sector of `rows` concentric arcs (`row_gap` apart, the
    /// outermost of `radius`), `gap` radians between racks, its top-of-rack switch inside the
    /// sector, and the core switch in the centre.
    Racks {
        center: (f64, f64),
        radius: f64,
        racks: Racks,
        rows: u32,
        row_gap: f64,
        gap: f64,
    },
}

impl Layout {
    fn new(structure: Structure, width: f64, height: f64, nodes: u32, ratio: f64) -> Layout {
        let side = width.min(height);
        let center = (width / 2.0, height / 2.0);
        let radius = 0.43 * side;
        let (shape, spacing) = match structure {
            Structure::Tree { fanout } if fanout > 1 && depth_of(nodes, fanout) <= MAX_LAYERS => {
                // Rings need no room for a circle's outline beyond the outermost: a little wider.
                let depth = depth_of(nodes, fanout).max(1);
                let ring = 0.46 * side / f64::from(depth);
                let (staggered, spacing) = stagger(fanout, nodes, depth, ring, ratio);
                (
                    Shape::Rings {
                        fanout,
                        center,
                        ring,
                        staggered,
                    },
                    spacing,
                )
            }
            Structure::Star | Structure::Regions { .. } => {
                let (rings, spacing) = Rings::fit(nodes - 1, radius, ratio);
                (
                    Shape::Star {
                        center,
                        radius,
                        rings,
                    },
                    spacing,
                )
            }
            _ => {
                let (rings, spacing) = Rings::fit(nodes, radius, ratio);
                (
                    Shape::Circle {
                        center,
                        radius,
                        rings,
                    },
                    spacing,
                )
            }
        };
        Layout {
            shape,
            node_radius: spacing.clamp(2.5 * ratio, 14.0 * ratio),
            nodes,
            points: Vec::new(),
            ratio,
        }
    }

    /// The layout with every node's place worked out, for the frame's many look-ups.
    fn placed(mut self) -> Layout {
        self.points = (0..self.nodes).map(|node| self.place(node)).collect();
        self
    }

    // async-racks
    /// Gossip on racks (`racks.racks > 1`) is laid out by rack; other layouts stay.
    /// Gossip on racks (`racks.racks > 1`) is laid out by rack; other layouts stay. Each rack
    /// takes as few rows as give its nodes a legible size.
    fn with_racks(mut self, racks: Racks, ratio: f64) -> Layout {
        let (Shape::Circle { center, radius, .. }, true) = (self.shape, racks.racks > 1) else {
            return self;
        };
        let nodes = f64::from(self.nodes.max(1));
        let row_gap = 2.6 * LEGIBLE_RADIUS * ratio;
        let mut best = (1, 0.0, 0.0);
        for rows in 1..=8u32 {
            let innermost = radius - f64::from(rows - 1) * row_gap;
            if rows > 1 && innermost < 0.45 * radius {
                break;
            }
            let lengths: f64 = (0..rows).map(|row| radius - f64::from(row) * row_gap).sum();
            // Between racks, about a node and a half at the rows' middle.
            let middle = (radius + innermost) / 2.0;
            let gap = 1.5 * TAU * lengths / nodes / middle;
            let pitch = (TAU - f64::from(racks.racks) * gap).max(0.5 * TAU) * lengths / nodes;
            let mut node_radius = 0.38 * pitch;
            if rows > 1 {
                node_radius = node_radius.min(0.42 * row_gap);
            }
            if node_radius > best.2 {
                best = (rows, gap, node_radius);
            }
            // A little over the legible size: the rows' rounded shares crowd some rows a little.
            if node_radius >= 1.05 * LEGIBLE_RADIUS * ratio {
                break;
            }
        }
        let (rows, gap, node_radius) = best;
        self.shape = Shape::Racks {
            center,
            radius,
            racks,
            rows,
            row_gap,
            gap,
        };
        self.node_radius = self.node_radius.min(node_radius);
        self
    }

    /// Rack `rack`'s sector: its first and last angle.
    fn sector(&self, rack: u32) -> (f64, f64) {
        let Shape::Racks { racks, gap, .. } = self.shape else {
            return (0.0, 0.0);
        };
        let share = (TAU - f64::from(racks.racks) * gap) / f64::from(self.nodes.max(1));
        let (first, end) = racks.bounds(rack, self.nodes);
        // Rack 0 starts at the top, half a gap after it.
        let start = -PI / 2.0 + gap * (f64::from(rack) + 0.5) + share * f64::from(first);
        (start, start + share * f64::from(end - first))
    }

    /// The racks' innermost row's radius.
    fn innermost(&self) -> f64 {
        match self.shape {
            Shape::Racks {
                radius,
                rows,
                row_gap,
                ..
            } => radius - f64::from(rows - 1) * row_gap,
            _ => 0.0,
        }
    }

    /// Where rack `rack`'s top-of-rack switch sits: inside the middle of its sector.
    fn switch_of(&self, rack: u32) -> (f64, f64) {
        let Shape::Racks {
            center,
            radius,
            row_gap,
            ..
        } = self.shape
        else {
            return (0.0, 0.0);
        };
        let (start, end) = self.sector(rack);
        let angle = (start + end) / 2.0;
        let at = (0.62 * radius).min(self.innermost() - row_gap.max(3.0 * self.node_radius));
        (center.0 + at * cos(angle), center.1 + at * sin(angle))
    }

    /// The way a datagram flies: straight inside a rack, through both top-of-rack switches and
    /// the core switch between racks.
    fn route(&self, from: u32, to: u32) -> Vec<(f64, f64)> {
        let (start, end) = (self.position(from), self.position(to));
        match self.shape {
            Shape::Racks { center, racks, .. } if racks.crosses(from, to, self.nodes) => vec![
                start,
                self.switch_of(racks.rack(from, self.nodes)),
                center,
                self.switch_of(racks.rack(to, self.nodes)),
                end,
            ],
            _ => vec![start, end],
        }
    }

    fn position(&self, node: u32) -> (f64, f64) {
        self.points
            .get(node as usize)
            .copied()
            .unwrap_or_else(|| self.place(node))
    }

    fn place(&self, node: u32) -> (f64, f64) {
        let on_rings = |center: (f64, f64), outer: f64, rings: Rings, index: u32, count: u32| {
            let (radius, angle) = rings.place(outer, index, count);
            (
                center.0 + radius * cos(angle),
                center.1 + radius * sin(angle),
            )
        };
        match self.shape {
            Shape::Circle {
                center,
                radius,
                rings,
            } => on_rings(center, radius, rings, node, self.nodes),
            // async-racks
            Shape::Racks {
                center,
                radius,
                racks,
                rows,
                row_gap,
                ..
            } => {
                let rack = racks.rack(node, self.nodes);
                let (first, end) = racks.bounds(rack, self.nodes);
                let (start, stop) = self.sector(rack);
                // The rack's nodes over its rows, each row's share in proportion to its length.
                let rows = Rings {
                    count: rows,
                    gap: row_gap,
                };
                let at = rows.slot(radius, node - first, end - first).map_or(
                    (radius, start),
                    |(row_radius, within, count)| {
                        let turn = (f64::from(within) + 0.5) / f64::from(count);
                        (row_radius, start + (stop - start) * turn)
                    },
                );
                let (row_radius, angle) = at;
                (
                    center.0 + row_radius * cos(angle),
                    center.1 + row_radius * sin(angle),
                )
            }
            Shape::Star { center, .. } if node == 0 => center,
            Shape::Star {
                center,
                radius,
                rings,
            } => on_rings(center, radius, rings, node - 1, self.nodes - 1),
            Shape::Rings {
                fanout,
                center,
                ring,
                staggered,
            } => {
                let b = u64::from(fanout);
                let (mut depth, mut first, mut size) = (0u32, 0u64, 1u64);
                while u64::from(node) >= first + size {
                    first += size;
                    size *= b;
                    depth += 1;
                }
                // A partial last level spreads over its ring (its nodes stay in order).
                let size = size.min(u64::from(self.nodes) - first).max(1);
                let turn = ((u64::from(node) - first) as f64 + 0.5) / size as f64;
                let angle = TAU * turn - PI / 2.0;
                let inset = staggered & (1 << depth) != 0 && (u64::from(node) - first) % 2 == 1;
                let radius = ring * f64::from(depth) - if inset { ring / 2.0 } else { 0.0 };
                (
                    center.0 + radius * cos(angle),
                    center.1 + radius * sin(angle),
                )
            }
        }
    }

    /// A parent of each node to draw the tree's edges, when laid out in rings.
    fn parent(&self, node: u32) -> Option<u32> {
        match self.shape {
            Shape::Rings { fanout, .. } if node > 0 => Some((node - 1) / fanout),
            _ => None,
        }
    }
}

/// The way the message came to `node`: the sender first, `node` last, from the engine's record
/// of who informed whom; `None` while `node` is not informed.
pub fn path_from_sender(simulation: &Simulation, node: u32) -> Option<Vec<u32>> {
    let nodes = simulation.config().nodes as usize;
    let mut informer: Vec<Option<Option<u32>>> = vec![None; nodes];
    for (informed, by) in simulation.parents() {
        informer[informed as usize] = Some(by);
    }
    let mut path = vec![node];
    let mut at = node;
    loop {
        match informer.get(at as usize).copied().flatten() {
            None => return None,
            Some(None) => break,
            Some(Some(by)) if path.len() <= nodes => {
                path.push(by);
                at = by;
            }
            Some(Some(_)) => break,
        }
    }
    path.reverse();
    Some(path)
}

/// The first node of a tree's level and the level's full size.
fn level_bounds(fanout: u32, level: u32) -> (u64, u64) {
    let (mut first, mut size) = (0u64, 1u64);
    for _ in 0..level {
        first += size;
        size *= u64::from(fanout);
    }
    (first, size)
}

/// Which levels of a radial tree to stagger (a bit per level), and the node radius this allows:
/// a level too crowded for its ring puts every other node half a ring further in, doubling the
/// room along it, where that gives larger nodes than one row per level.
fn stagger(fanout: u32, nodes: u32, depth: u32, ring: f64, ratio: f64) -> (u32, f64) {
    // Each level's count (a partial last level spreads over its whole ring) and radius.
    let levels: Vec<(f64, f64)> = (1..=depth)
        .map(|level| {
            let (first, size) = level_bounds(fanout, level);
            let count = size.min(u64::from(nodes).saturating_sub(first)).max(1);
            (count as f64, ring * f64::from(level))
        })
        .collect();
    let along = |count: f64, radius: f64| 0.45 * TAU * radius / count;
    let plain = levels
        .iter()
        .map(|&(count, radius)| along(count, radius))
        .fold(ring * 0.3, f64::min);
    if plain >= LEGIBLE_RADIUS * ratio {
        return (0, plain);
    }
    let half = 0.45 * ring / 2.0;
    let (mut staggered, mut spacing) = (0u32, ring * 0.3);
    for (level, &(count, radius)) in (1u32..).zip(&levels) {
        let own = along(count, radius);
        if level >= 2 && count >= 2.0 && own < half {
            staggered |= 1 << level;
            spacing = spacing
                .min(half)
                .min(along(count / 2.0, radius - ring / 2.0));
        } else {
            spacing = spacing.min(own);
        }
    }
    if spacing > plain {
        (staggered, spacing)
    } else {
        (0, plain)
    }
}

/// Nodes cut off from the sender: below a crashed node of the tree, or (once the run is over)
/// never reached. Computed from the structure and the engine's crashed set, in one pass (a
/// parent's index is below its children's).
pub fn cut_off(simulation: &Simulation, informed_round: &[u32]) -> Vec<bool> {
    let nodes = simulation.config().nodes;
    let mut cut = vec![false; nodes as usize];
    // Only the plain tree is cut by a crash: SRM's multicast routing goes around crashed hosts.
    let Structure::Tree { fanout } = simulation.structure() else {
        return cut;
    };
    if !simulation.config().mode.spec().crash_cuts_subtree() {
        return cut;
    }
    let over = matches!(
        simulation.status(),
        Status::Ended { .. } | Status::Stopped { .. }
    );
    for node in 1..nodes {
        let parent = ((node - 1) / fanout) as usize;
        let below_crash = simulation.is_crashed(parent as u32) || cut[parent];
        let never_reached = over && informed_round[node as usize] == u32::MAX;
        cut[node as usize] = !simulation.is_crashed(node) && (below_crash || never_reached);
    }
    cut
}

/// The order of what happened within a round, from the report: each distinct (tick, hop) is
/// one slot of the animation, in time order (a reply after its request, a repair after its ask).
struct Timeline {
    slots: Vec<(Tick, u8)>,
}

impl Timeline {
    fn of(report: &RoundReport) -> Timeline {
        let mut slots: Vec<(Tick, u8)> = report
            .contacts
            .iter()
            .map(|contact| (contact.arrives, contact.hop))
            .chain(
                report
                    .learned
                    .iter()
                    .map(|learned| (learned.tick, learned.hop)),
            )
            .collect();
        slots.sort_unstable();
        slots.dedup();
        Timeline { slots }
    }

    /// The share of the round's animation at which slot `key` starts and ends.
    fn span(&self, key: (Tick, u8)) -> (f64, f64) {
        let count = self.slots.len().max(1) as f64;
        let index = self.slot(key) as f64;
        (index / count, (index + 1.0) / count)
    }

    fn slot(&self, key: (Tick, u8)) -> usize {
        self.slots.partition_point(|&slot| slot < key)
    }
}

/// The protocol's overlay links (a broadcast tree's): solid where the message itself travels,
/// dashed where only announcements do; the dashed ones first, so the tree sits on top.
fn draw_links(context: &CanvasRenderingContext2d, layout: &Layout, links: &[Link], ratio: f64) {
    if links.is_empty() {
        return;
    }
    let dashes = [
        (LinkStyle::Dashed, palette::UNINFORMED_EDGE, 0.9, 1.0, 4.0),
        (LinkStyle::Solid, palette::PUSH, 0.6, 2.0, 0.0),
    ];
    for (style, colour, alpha, width, dash) in dashes {
        let pattern = js_sys::Array::new();
        if dash > 0.0 {
            pattern.push(&JsValue::from_f64(dash * ratio));
            pattern.push(&JsValue::from_f64(dash * ratio));
        }
        let _ = context.set_line_dash(&pattern);
        context.set_line_width(width * ratio);
        context.set_stroke_style_str(&palette::css(colour, alpha));
        context.begin_path();
        for link in links.iter().filter(|link| link.style == style) {
            let (from, to) = (layout.position(link.a), layout.position(link.b));
            context.move_to(from.0, from.1);
            context.line_to(to.0, to.1);
        }
        context.stroke();
    }
    let _ = context.set_line_dash(&js_sys::Array::new());
    context.set_line_width(ratio);
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
        let Drawn {
            node_radius,
            numbered,
            cuts,
            datagrams,
            every,
        } = draw_nodes(&context, run, progress, selected, width, height, ratio);
        // For tests: the datagrams on the stage in this frame (flying, or fading where lost),
        // and every how many of the round's one is drawn.
        canvas.set_attribute("data-datagrams", &datagrams.to_string())?;
        canvas.set_attribute("data-datagrams-every", &every.to_string())?;
        // For tests: the partition cut lines drawn now (none: no partition holds).
        if cuts > 0 {
            canvas.set_attribute("data-cut", &cuts.to_string())?;
        } else {
            canvas.remove_attribute("data-cut")?;
        }
        // For tests and tools: a node's drawn diameter in CSS pixels, and whether it carries its
        // number.
        canvas.set_attribute("data-node-px", &format!("{:.1}", 2.0 * node_radius / ratio))?;
        canvas.set_attribute("data-numbered", &numbered.to_string())?;
        // The overlay links drawn solid and dashed (broadcast trees).
        let links = run
            .last
            .as_ref()
            .map_or(&[][..], |report| &report.links[..]);
        let solid = links.iter().filter(|l| l.style == LinkStyle::Solid).count();
        canvas.set_attribute("data-links-solid", &solid.to_string())?;
        canvas.set_attribute("data-links-dashed", &(links.len() - solid).to_string())?;
        // Membership: how many members the group suspects, and how many most of it believes
        // failed, as coloured on the stage.
        match beliefs(run) {
            Some(shares) => {
                let (suspected, failed) = belief_counts(&shares);
                canvas.set_attribute("data-suspected", &suspected.to_string())?;
                canvas.set_attribute("data-believed-failed", &failed.to_string())?;
            }
            None => {
                canvas.remove_attribute("data-suspected")?;
                canvas.remove_attribute("data-believed-failed")?;
            }
        }
        // Cassandra: whose phi colours the stage.
        match phi_observer(run, selected) {
            Some(observer) => canvas.set_attribute("data-phi-observer", &observer.to_string())?,
            None => canvas.remove_attribute("data-phi-observer")?,
        }
        Ok(())
    } else {
        canvas.remove_attribute("data-node-px")?;
        canvas.remove_attribute("data-numbered")?;
        canvas.set_attribute("data-datagrams", "0")?;
        canvas.remove_attribute("data-datagrams-every")?;
        let cuts = draw_field(&context, run, width, height, ratio)?;
        if cuts > 0 {
            canvas.set_attribute("data-cut", &cuts.to_string())?;
        } else {
            canvas.remove_attribute("data-cut")?;
        }
        Ok(())
    }
}

/// The node under a click at CSS pixel (x, y), if it is within reach of one (small N only).
pub fn node_at(canvas: &HtmlCanvasElement, run: &Run, x: f64, y: f64) -> Option<u32> {
    let nodes = run.simulation.config().nodes;
    if nodes > ANIMATED_NODES {
        return None;
    }
    let (width, height, ratio) = fit_to_css(canvas);
    let layout = Layout::new(run.simulation.structure(), width, height, nodes, ratio)
        .with_racks(run.simulation.racks(), ratio)
        .placed();
    let (x, y) = (x * ratio, y * ratio);
    let reach = (layout.node_radius * 1.6).max(10.0 * ratio);
    (0..nodes)
        .map(|node| {
            let (px, py) = layout.position(node);
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

/// What the group believes about each member (membership): the share of its live observers that
/// suspect it and the share that consider it failed, from the report's observer-by-member views;
/// `None` outside membership or before a report. Without views (large N) only the watched
/// crash's shares, from the report's counts.
pub fn beliefs(run: &Run) -> Option<Vec<(f64, f64)>> {
    let simulation = &run.simulation;
    if simulation.config().mode.group() != Group::Membership {
        return None;
    }
    let nodes = simulation.config().nodes as usize;
    let round = run.last.as_ref()?.membership.as_ref()?;
    let mut shares = vec![(0.0, 0.0); nodes];
    if round.views.len() == nodes * nodes {
        let observers: Vec<usize> = (0..nodes)
            .filter(|&observer| {
                !simulation.is_crashed(observer as u32)
                    && round.views[observer * nodes + observer] != 4
            })
            .collect();
        for (member, share) in shares.iter_mut().enumerate() {
            let (mut suspected, mut failed, mut count) = (0u32, 0u32, 0u32);
            for &observer in observers.iter().filter(|&&observer| observer != member) {
                count += 1;
                match round.views[observer * nodes + member] {
                    2 => suspected += 1,
                    3 => failed += 1,
                    _ => {}
                }
            }
            let count = f64::from(count.max(1));
            *share = (f64::from(suspected) / count, f64::from(failed) / count);
        }
    } else if let Some(target) = round.target {
        let observers = f64::from(round.observers.max(1));
        // `failing` counts the observers that have considered it failed; they no longer suspect.
        let failed = f64::from(round.failing) / observers;
        let suspected = (f64::from(round.suspecting) / observers).min(1.0 - failed.min(1.0));
        shares[target as usize] = (suspected, failed.min(1.0));
    }
    Some(shares)
}

/// Cassandra's chosen observer: the clicked node if it is live, else the first live node;
/// `None` for the other protocols.
pub fn phi_observer(run: &Run, selected: Option<u32>) -> Option<u32> {
    let simulation = &run.simulation;
    if simulation.config().mode != crate::engine::Mode::Cassandra {
        return None;
    }
    selected
        .filter(|&node| !simulation.is_crashed(node))
        .or_else(|| (0..simulation.config().nodes).find(|&node| !simulation.is_crashed(node)))
}

/// Cassandra: each member coloured by the phi `observer`'s detector holds about it (the
/// engine's), as belief shares: amber in proportion to phi / threshold, vermilion once phi has
/// passed the threshold.
pub fn phi_shares(run: &Run, observer: u32) -> Option<Vec<(f64, f64)>> {
    let simulation = &run.simulation;
    let threshold = simulation.config().membership.phi;
    let shares = (0..simulation.config().nodes)
        .map(|member| match simulation.phi(observer, member) {
            Some(phi) if phi > threshold => (0.0, 1.0),
            Some(phi) => ((phi / threshold).clamp(0.0, 1.0), 0.0),
            None => (0.0, 0.0),
        })
        .collect();
    Some(shares)
}

/// A member's colour from the group's belief: alive, shaded toward amber by the share that
/// suspect it and toward vermilion by the share that consider it failed (the matrix's colours).
fn belief_colour((suspected, failed): (f64, f64)) -> Rgb {
    let alive = (1.0 - suspected - failed).max(0.0);
    let mix = |channel: fn(Rgb) -> u8| {
        let value = alive * f64::from(channel(BELIEF_ALIVE))
            + suspected * f64::from(channel(BELIEF_SUSPECTED))
            + failed * f64::from(channel(BELIEF_FAILED));
        value.round().clamp(0.0, 255.0) as u8
    };
    (mix(|c| c.0), mix(|c| c.1), mix(|c| c.2))
}

/// The stage's membership colours, those of the matrix: alive, suspected, failed.
pub const BELIEF_ALIVE: Rgb = matrix::COLOURS[1].0;
pub const BELIEF_SUSPECTED: Rgb = matrix::COLOURS[2].0;
pub const BELIEF_FAILED: Rgb = matrix::COLOURS[3].0;

/// Members suspected by at least one live observer, and members most live observers consider
/// failed.
fn belief_counts(shares: &[(f64, f64)]) -> (usize, usize) {
    let suspected = shares.iter().filter(|share| share.0 > 0.0).count();
    let failed = shares.iter().filter(|share| share.1 > 0.5).count();
    (suspected, failed)
}

/// What a frame of the node stage shows apart from the moving datagrams and timers.
struct Scene<'a> {
    layout: &'a Layout,
    run: &'a Run,
    report: &'a RoundReport,
    /// When each node informed this round turns informed (share of the round's animation).
    lands_at: &'a [f64],
    cut: &'a [bool],
    selected: Option<u32>,
    ratio: f64,
    /// The tick whose pending timers the arcs show: now, or on a layer as the round ends
    /// (thousands of timer arcs would cost a frame each).
    timers_at: Tick,
}

impl Scene<'_> {
    /// Paints the regions, racks, cuts, edges, links, the clicked node's path, the nodes, their
    /// numbers and pies. At `moment` (progress and the round's timeline) the datagrams' paths
    /// are drawn under the nodes, and the nodes this round informs turn as their news lands;
    /// without it, the scene as the round starts. Returns the cut's dots and whether the nodes
    /// carry numbers.
    fn paint(
        &self,
        context: &CanvasRenderingContext2d,
        moment: Option<(f64, &Timeline, &[&Contact])>,
    ) -> (usize, bool) {
        let (layout, run, report, ratio) = (self.layout, self.run, self.report, self.ratio);
        let simulation = &run.simulation;
        let (nodes, round, selected) = (layout.nodes, simulation.round(), self.selected);
        if let Structure::Regions { regions } = simulation.structure() {
            draw_regions(context, layout, regions, nodes, ratio);
        }
        draw_racks(context, layout, report, ratio); // async-racks
        let cuts = draw_partitions(context, layout, simulation, round, ratio);

        // Edges and paths first, faint, so the dots and nodes sit on top.
        context.set_line_width(ratio);
        context.set_stroke_style_str(&palette::css(palette::EDGE, 0.7));
        context.begin_path();
        for node in 0..nodes {
            if let Some(parent) = layout.parent(node) {
                let (from, to) = (layout.position(parent), layout.position(node));
                context.move_to(from.0, from.1);
                context.line_to(to.0, to.1);
            }
        }
        context.stroke();
        draw_links_cached(context, layout, &report.links);
        // The clicked node's way back to the sender, hop by hop, under everything else.
        if let Some(path) = selected.and_then(|node| path_from_sender(simulation, node)) {
            context.set_line_width(5.0 * ratio);
            context.set_stroke_style_str(&palette::css(palette::SELECTED, 0.75));
            context.begin_path();
            for hop in path.windows(2) {
                let route = layout.route(hop[0], hop[1]);
                context.move_to(route[0].0, route[0].1);
                for &(x, y) in &route[1..] {
                    context.line_to(x, y);
                }
            }
            context.stroke();
        }
        if let Some((progress, timeline, shown)) = moment {
            draw_paths(
                context,
                layout,
                shown,
                timeline,
                simulation.kinds(),
                progress,
            );
        }

        let mut bodies = Batch::default();
        let mut rings = Batch::default();
        // Crashed members under the group's belief about them, and crashed nodes.
        let mut crashed = Batch::default();
        let mut believed_crashed = Batch::default();
        // Membership: each node in what the group believes about it, not in when it "learned".
        // Cassandra: one observer's phi about each member; the others, the group's belief.
        let observer = phi_observer(run, selected);
        let shares = observer.map_or_else(|| beliefs(run), |observer| phi_shares(run, observer));
        for node in 0..nodes {
            let (x, y) = layout.position(node);
            let r = layout.node_radius;
            if observer == Some(node) && selected != Some(node) {
                rings.add(
                    Style::outline(palette::SELECTED, 3.0 * ratio),
                    x,
                    y,
                    r + 6.0 * ratio,
                );
            }
            if let Some(shares) = &shares {
                let fill = belief_colour(shares[node as usize]);
                bodies.add(
                    Style::disc(fill, 1.0, Some((palette::INK, 0.6, ratio))),
                    x,
                    y,
                    r,
                );
                if simulation.is_crashed(node) {
                    let half = layout.node_radius * 0.9;
                    believed_crashed.add(
                        Style::cross(palette::CRASHED, 1.0, 2.5 * ratio),
                        x,
                        y,
                        half,
                    );
                }
                if selected == Some(node) {
                    rings.add(
                        Style::outline(palette::SELECTED, 3.0 * ratio),
                        x,
                        y,
                        r + 6.0 * ratio,
                    );
                }
                continue;
            }
            if simulation.is_crashed(node) {
                crashed.add(
                    Style::cross(palette::CRASHED, 1.0, 2.0 * ratio),
                    x,
                    y,
                    r * 0.9,
                );
                continue;
            }
            let informed_in = run.informed_round[node as usize];
            let landed =
                moment.is_some_and(|(progress, ..)| progress >= self.lands_at[node as usize]);
            let visible = informed_in < round || (informed_in == round && (round == 0 || landed));
            self.add_node(&mut bodies, &mut rings, node, visible);
        }
        crashed.draw(context);
        // Packets held, for a stream of several: a pie in each node not yet holding them all.
        let messages = simulation.messages();
        let pies: Vec<(f64, f64, f64)> = (0..nodes)
            .filter(|&node| messages > 1 && !simulation.is_crashed(node))
            .filter_map(|node| {
                let held = simulation.known(node).count_ones();
                let (x, y) = layout.position(node);
                (held > 0 && held < messages).then(|| (x, y, f64::from(held) / f64::from(messages)))
            })
            .collect();
        let pie_radius = layout.node_radius * 0.8;
        if let Ok(mut pixels) = Pixels::read(context) {
            bodies.paint(&mut pixels);
            rings.paint(&mut pixels);
            for &(x, y, share) in &pies {
                pixels.cover(x, y, pie_radius, Part::Disc, share);
            }
            pixels.fill(palette::PUSH, 0.85);
            // Pending timers: an arc round the node that fills until the timer fires.
            for (colour, arcs) in timer_arcs(layout, report, self.timers_at) {
                for (node, done) in arcs {
                    let (x, y) = layout.position(node);
                    let radius = layout.node_radius + 4.5 * ratio;
                    pixels.cover(x, y, radius, Part::Ring(2.5 * ratio), done);
                }
                pixels.fill(colour, 0.9);
            }
            let _ = pixels.write(context);
        }
        // A crashed member's cross over the group's belief about it.
        believed_crashed.draw(context);
        let numbered =
            nodes <= NUMBERED_NODES && draw_numbers(context, layout, run, shares.as_deref(), ratio);
        (cuts, numbered)
    }

    /// A live node's disc and rings, coloured by the round it was informed in once `visible`.
    fn add_node(&self, bodies: &mut Batch, rings: &mut Batch, node: u32, visible: bool) {
        let (run, ratio) = (self.run, self.ratio);
        let simulation = &run.simulation;
        let round = simulation.round();
        let (x, y) = self.layout.position(node);
        let r = self.layout.node_radius;
        let informed_in = run.informed_round[node as usize];
        let fill = if visible {
            palette::viridis(f64::from(informed_in) / shading_rounds(run))
        } else if self.cut[node as usize] {
            palette::CUT_OFF
        } else {
            palette::UNINFORMED
        };
        let edge = if visible {
            palette::INK
        } else {
            palette::UNINFORMED_EDGE
        };
        // Rumor mongering: a node that has stopped spreading (removed) is a hollow ring in its
        // colour, one still spreading (infective) a solid disc; the engine says which.
        if visible && simulation.spreading(node) == Some(false) {
            let ring = (r * 0.5).max(2.5 * ratio);
            let style = Style::disc(palette::BACKGROUND, 1.0, Some((fill, 1.0, ring)));
            bodies.add(style, x, y, r - ring / 2.0);
        } else {
            bodies.add(Style::disc(fill, 1.0, Some((edge, 0.6, ratio))), x, y, r);
        }
        if visible && informed_in == round && round > 0 {
            rings.add(
                Style::outline(palette::NEW, 3.0 * ratio),
                x,
                y,
                r + 2.5 * ratio,
            );
        }
        if informed_in == 0 {
            rings.add(
                Style::outline(palette::INK, 2.0 * ratio),
                x,
                y,
                r + 2.5 * ratio,
            );
        }
        if self.selected == Some(node) {
            rings.add(
                Style::outline(palette::SELECTED, 3.0 * ratio),
                x,
                y,
                r + 6.0 * ratio,
            );
        }
    }

    /// Over a layer painted as the round started: the nodes this round informs whose news has
    /// landed by `progress`, in their colour (membership colours do not move within a round).
    fn landed(&self, context: &CanvasRenderingContext2d, progress: f64) {
        let simulation = &self.run.simulation;
        if simulation.round() == 0 || simulation.config().mode.group() == Group::Membership {
            return;
        }
        let (mut bodies, mut rings) = (Batch::default(), Batch::default());
        for &node in &self.report.newly_informed {
            if !simulation.is_crashed(node) && progress >= self.lands_at[node as usize] {
                self.add_node(&mut bodies, &mut rings, node, true);
            }
        }
        bodies.draw(context);
        rings.draw(context);
    }
}

/// The datagrams' paths while they fly and a little after, one path per colour: a few strokes a
/// frame, however many datagrams fly.
fn draw_paths(
    context: &CanvasRenderingContext2d,
    layout: &Layout,
    shown: &[&Contact],
    timeline: &Timeline,
    kinds: &[Kind],
    progress: f64,
) {
    let mut paths: Vec<(Rgb, Vec<&Contact>)> = Vec::new();
    for &contact in shown {
        let (start, end) = timeline.span((contact.arrives, contact.hop));
        if progress < start || progress > end + 0.25 {
            continue;
        }
        group(&mut paths, contact_colour(contact, kinds).0, contact);
    }
    context.set_line_width(layout.ratio);
    for (colour, members) in paths {
        context.set_stroke_style_str(&palette::css(colour, 0.18));
        context.begin_path();
        for contact in members {
            // async-racks: between racks, the way through the switches.
            let route = layout.route(contact.from, contact.to);
            context.move_to(route[0].0, route[0].1);
            for &(x, y) in &route[1..] {
                context.line_to(x, y);
            }
        }
        context.stroke();
    }
}

/// Thousands of nodes: instead of whole paths (a haze over the stage, and a canvas without a
/// GPU strokes long lines slowly) each flying datagram trails a short hairline behind it, the
/// last quarter of its way, one path per colour.
fn draw_trails(
    context: &CanvasRenderingContext2d,
    layout: &Layout,
    shown: &[&Contact],
    timeline: &Timeline,
    kinds: &[Kind],
    progress: f64,
) {
    let ratio = layout.ratio;
    let mut trails: Vec<(Rgb, Vec<Segment>)> = Vec::new();
    for &contact in shown {
        let (start, end) = timeline.span((contact.arrives, contact.hop));
        if progress <= start || progress >= end {
            continue;
        }
        let travelled = (progress - start) / (end - start);
        // Lost and cut datagrams stop halfway (`draw_datagram`).
        let stop = match contact.fate {
            Fate::Lost | Fate::Partitioned => 0.5,
            _ => 1.0,
        };
        let route = layout.route(contact.from, contact.to);
        let head = along(&route, travelled.min(stop));
        let tail = along(&route, (travelled - TRAIL).clamp(0.0, stop));
        group(&mut trails, contact_colour(contact, kinds).0, (tail, head));
    }
    context.set_line_width(ratio);
    for (colour, lines) in trails {
        context.set_stroke_style_str(&palette::css(colour, 0.45));
        context.begin_path();
        for ((x0, y0), (x1, y1)) in lines {
            context.move_to(x0, y0);
            context.line_to(x1, y1);
        }
        context.stroke();
    }
}

/// A straight line from one point to another, in canvas pixels.
type Segment = ((f64, f64), (f64, f64));

/// The share of its way a datagram's trail covers behind it (thousands of nodes).
const TRAIL: f64 = 0.25;

/// What the cached layer was painted for: a change of any of these paints it again.
#[derive(Clone, Copy, PartialEq)]
struct LayerKey {
    run: u64,
    round: u32,
    /// Nodes crashed or recovered by a click in this run.
    clicks: usize,
    selected: Option<u32>,
    size: (u32, u32),
    dark: bool,
}

thread_local! {
    /// The node stage's layer (thousands of nodes): what it was painted for, the canvas, and the
    /// cut's dots it drew.
    static LAYER: std::cell::RefCell<Option<(LayerKey, HtmlCanvasElement, usize)>> = const { std::cell::RefCell::new(None) };
}

/// Copies the layer painted for `key` onto the stage, painting it first with `paint` (which
/// returns the cut's dots) if it was painted for something else; returns the cut's dots.
fn with_layer(
    context: &CanvasRenderingContext2d,
    key: LayerKey,
    width: f64,
    height: f64,
    paint: impl FnOnce(&CanvasRenderingContext2d) -> usize,
) -> usize {
    LAYER.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached
            .as_ref()
            .is_none_or(|(painted, _, _)| *painted != key)
        {
            let Some(canvas) = cached
                .take()
                .map(|(_, canvas, _)| canvas)
                .or_else(offscreen)
            else {
                return 0;
            };
            // Resizing reallocates the canvas: only when the stage's size changed (the paint
            // covers the whole layer anyway).
            if (canvas.width(), canvas.height()) != key.size {
                canvas.set_width(key.size.0);
                canvas.set_height(key.size.1);
            }
            let Ok(layer) = context_of(&canvas) else {
                return 0;
            };
            let cuts = paint(&layer);
            *cached = Some((key, canvas, cuts));
        }
        let Some((_, canvas, cuts)) = cached.as_ref() else {
            return 0;
        };
        let _ = context
            .draw_image_with_html_canvas_element_and_dw_and_dh(canvas, 0.0, 0.0, width, height);
        *cuts
    })
}

/// A canvas off the page, for a layer.
fn offscreen() -> Option<HtmlCanvasElement> {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.create_element("canvas").ok())
        .and_then(|element| element.dyn_into::<HtmlCanvasElement>().ok())
}

/// What the overlay's links were drawn for: the links, the nodes, the size and the theme.
type LinksKey = (Vec<Link>, u32, (u32, u32), bool);

thread_local! {
    /// The overlay's links as last drawn, on a canvas of their own. A broadcast tree settles
    /// within a few rounds, and dashing thousands of lines costs a canvas without a GPU about
    /// 20 ms, so the stage repaints them only when they change, not every frame.
    static LINKS: std::cell::RefCell<Option<(LinksKey, HtmlCanvasElement)>> = const { std::cell::RefCell::new(None) };
}

/// `draw_links` through the links' own layer, repainted only when the links change.
#[inline(never)] // size
fn draw_links_cached(context: &CanvasRenderingContext2d, layout: &Layout, links: &[Link]) {
    if links.is_empty() {
        return;
    }
    let Some(stage) = context.canvas() else {
        return;
    };
    let size = (stage.width(), stage.height());
    LINKS.with(|cached| {
        let mut cached = cached.borrow_mut();
        let fresh = cached
            .as_ref()
            .is_some_and(|((drawn, nodes, at, dark), _)| {
                drawn == links
                    && *nodes == layout.nodes
                    && *at == size
                    && *dark == palette::is_dark()
            });
        if !fresh {
            let Some(canvas) = cached.take().map(|(_, canvas)| canvas).or_else(offscreen) else {
                return;
            };
            if (canvas.width(), canvas.height()) != size {
                canvas.set_width(size.0);
                canvas.set_height(size.1);
            }
            let Ok(layer) = context_of(&canvas) else {
                return;
            };
            layer.clear_rect(0.0, 0.0, f64::from(size.0), f64::from(size.1));
            draw_links(&layer, layout, links, layout.ratio);
            let key = (links.to_vec(), layout.nodes, size, palette::is_dark());
            *cached = Some((key, canvas));
        }
        if let Some((_, canvas)) = cached.as_ref() {
            let _ = context.draw_image_with_html_canvas_element(canvas, 0.0, 0.0);
        }
    });
}

fn draw_nodes(
    context: &CanvasRenderingContext2d,
    run: &Run,
    progress: f64,
    selected: Option<u32>,
    width: f64,
    height: f64,
    ratio: f64,
) -> Drawn {
    let simulation = &run.simulation;
    let nodes = simulation.config().nodes;
    let kinds = simulation.kinds();
    let layout = Layout::new(simulation.structure(), width, height, nodes, ratio)
        .with_racks(simulation.racks(), ratio)
        .placed();
    let round = simulation.round();
    let empty = RoundReport::default();
    let report = run.last.as_ref().unwrap_or(&empty);
    let worked = Worked::of(run, report);
    let (timeline, lands_at) = (&worked.timeline, &worked.lands_at);
    let cut = cut_off(simulation, &run.informed_round);
    let now = round_start(round.max(1)) + (progress * TICKS_PER_ROUND as f64) as Tick;
    // Paths linger a quarter of the round after their datagrams land (`draw_paths`).
    let after = if nodes > LAYERED_NODES { 0.0 } else { 0.25 };
    let shown = worked.shown(progress, after);
    let every = shown.len().div_ceil(MOST_DRAWN).max(1);
    let shown: Vec<&Contact> = shown
        .iter()
        .step_by(every)
        .map(|&index| &report.contacts[index as usize])
        .collect();
    let scene = Scene {
        layout: &layout,
        run,
        report,
        lands_at,
        cut: &cut,
        selected,
        ratio,
        timers_at: if nodes > LAYERED_NODES {
            round_start(round.max(1) + 1)
        } else {
            now
        },
    };
    let (cuts, numbered) = if nodes > LAYERED_NODES {
        // Thousands of nodes: the scene as it stands when the round starts is painted once a
        // round onto a layer that each frame copies; only what moves is drawn over it (a canvas
        // without a GPU spends milliseconds on every thousand circles).
        let key = LayerKey {
            run: run.id,
            round,
            clicks: run.clicks.len(),
            selected,
            size: (width as u32, height as u32),
            dark: palette::is_dark(),
        };
        let cuts = with_layer(context, key, width, height, |layer| {
            layer.set_fill_style_str(&palette::css(palette::BACKGROUND, 1.0));
            layer.fill_rect(0.0, 0.0, width, height);
            scene.paint(layer, None).0
        });
        draw_trails(context, &layout, &shown, timeline, kinds, progress);
        scene.landed(context, progress);
        (cuts, false)
    } else {
        scene.paint(context, Some((progress, timeline, &shown)))
    };

    let mut datagrams = Batch::default();
    let mut crosses = Batch::default();
    let mut drawn = 0usize;
    for &contact in &shown {
        let span = timeline.span((contact.arrives, contact.hop));
        drawn += usize::from(draw_datagram(
            &mut crosses,
            &mut datagrams,
            &layout,
            contact,
            kinds,
            span,
            progress,
            ratio,
        ));
    }
    // Failures and delays: datagrams still in the air at the round's end, drawn where they are
    // at this moment of the round, so one that crosses round boundaries keeps moving.
    if simulation.config().timed() {
        let now = round_start(report.round) as f64 + progress * TICKS_PER_ROUND as f64;
        for contact in report.flying.iter().filter(|c| c.sent as f64 <= now) {
            let travelled =
                (now - contact.sent as f64) / (contact.arrives - contact.sent).max(1) as f64;
            let (from, to) = (layout.position(contact.from), layout.position(contact.to));
            let (x, y) = (
                from.0 + (to.0 - from.0) * travelled.min(1.0),
                from.1 + (to.1 - from.1) * travelled.min(1.0),
            );
            let size = datagram_size(&layout, ratio);
            let (colour, filled) = palette::look(kinds[contact.kind as usize].look);
            dot(&mut datagrams, x, y, size, colour, 0.85, filled);
            drawn += 1;
        }
    }
    crosses.draw(context);
    datagrams.draw(context);
    if every > 1 {
        // Say so on the stage (and so in its PNG and video): the thinning is not the protocol's.
        context.set_fill_style_str(&palette::css(palette::INK, 0.8));
        context.set_font(&format!("{}px sans-serif", (12.0 * ratio).round()));
        context.set_text_align("left");
        context.set_text_baseline("bottom");
        let note = format!("1 in {every} of this round's datagrams drawn");
        let _ = context.fill_text(&note, 6.0 * ratio, height - 4.0 * ratio);
    }
    Drawn {
        node_radius: layout.node_radius,
        numbered,
        cuts,
        datagrams: drawn,
        every,
    }
}

/// The pending timers' arcs at tick `now`, by colour (request timers, repair timers): each node
/// with the share of its wait done, of its timer of that kind closest to firing.
#[inline(never)] // size
fn timer_arcs(layout: &Layout, report: &RoundReport, now: Tick) -> Vec<(Rgb, Vec<(u32, f64)>)> {
    if report.timers.is_empty() {
        return Vec::new();
    }
    let nodes = layout.nodes;
    [(palette::PULL, false), (palette::REPAIR, true)]
        .into_iter()
        .map(|(colour, repair)| {
            let mut nearest: Vec<f64> = vec![-1.0; nodes as usize];
            for timer in report.timers.iter().filter(|timer| {
                !timer.name.is_empty() && timer.name.starts_with("repair") == repair
            }) {
                let span = (timer.due.saturating_sub(timer.set)).max(1) as f64;
                let done = ((now.saturating_sub(timer.set)) as f64 / span).clamp(0.05, 1.0);
                let slot = &mut nearest[timer.node as usize];
                *slot = slot.max(done);
            }
            let arcs = (0..nodes)
                .zip(nearest)
                .filter(|&(_, done)| done >= 0.0)
                .collect();
            (colour, arcs)
        })
        .collect()
}

/// What a frame of the node stage drew, for the stage's test attributes.
struct Drawn {
    node_radius: f64,
    numbered: bool,
    cuts: usize,
    datagrams: usize,
    /// Every how many of the round's datagrams one is drawn (1: all).
    every: usize,
}

/// The most datagrams a frame draws: when more are on the stage at once (SRM's NAKs and
/// repairs flood every node: 250,000 a round at N = 2,000) every k-th of the round's is drawn,
/// so a frame's work stays bounded; the stage says so. 2,500 dots already fill a 2,000-node
/// stage with the storm, and cost a canvas without a GPU about 3 ms.
const MOST_DRAWN: usize = 2_500;

/// What the stage works out once a round rather than once a frame (a storm's round holds a
/// quarter of a million datagrams): the round's timeline, when each node's news lands, and the
/// datagrams in the timeline's order, so that a frame visits only those on the stage.
struct Worked {
    key: (u64, u32, usize),
    timeline: Timeline,
    lands_at: Vec<f64>,
    /// The round's datagrams (indices into its contacts) slot by slot; in each slot first those
    /// that stay on the stage once they start (lost, cut or sent to a crashed node: they stop
    /// and fade), then those that fly until they arrive.
    order: Vec<u32>,
    /// Per slot: where its datagrams, its flying ones and the next slot's start in `order`.
    bounds: Vec<(usize, usize, usize)>,
}

thread_local! {
    static WORKED: std::cell::RefCell<Option<std::rc::Rc<Worked>>> = const { std::cell::RefCell::new(None) };
}

impl Worked {
    fn of(run: &Run, report: &RoundReport) -> std::rc::Rc<Worked> {
        let key = (run.id, report.round, report.contacts.len());
        WORKED.with(|cached| {
            let mut cached = cached.borrow_mut();
            match cached.as_ref().filter(|worked| worked.key == key) {
                Some(worked) => worked.clone(),
                None => {
                    let worked = std::rc::Rc::new(Worked::new(key, run, report));
                    *cached = Some(worked.clone());
                    worked
                }
            }
        })
    }

    #[inline(never)] // size
    fn new(key: (u64, u32, usize), run: &Run, report: &RoundReport) -> Worked {
        let timeline = Timeline::of(report);
        // A node informed this round turns informed when what informed it lands.
        let mut lands_at = vec![0.0; run.simulation.config().nodes as usize];
        for learned in &report.learned {
            lands_at[learned.node as usize] = timeline.span((learned.tick, learned.hop)).1;
        }
        // A counting sort of the datagrams by slot, those that stay first.
        let stays = |contact: &Contact| {
            matches!(contact.fate, Fate::Lost | Fate::Crashed | Fate::Partitioned)
        };
        let slots: Vec<usize> = report
            .contacts
            .iter()
            .map(|contact| timeline.slot((contact.arrives, contact.hop)))
            .collect();
        let mut counts = vec![(0, 0); timeline.slots.len()];
        for (contact, &slot) in report.contacts.iter().zip(&slots) {
            if stays(contact) {
                counts[slot].0 += 1;
            } else {
                counts[slot].1 += 1;
            }
        }
        let mut bounds = Vec::with_capacity(counts.len());
        let mut at = 0;
        for (staying, flying) in counts {
            bounds.push((at, at + staying, at + staying + flying));
            at += staying + flying;
        }
        let mut next: Vec<(usize, usize)> = bounds.iter().map(|b| (b.0, b.1)).collect();
        let mut order = vec![0; report.contacts.len()];
        for (index, (contact, &slot)) in report.contacts.iter().zip(&slots).enumerate() {
            let place = if stays(contact) {
                &mut next[slot].0
            } else {
                &mut next[slot].1
            };
            order[*place] = index as u32;
            *place += 1;
        }
        Worked {
            key,
            timeline,
            lands_at,
            order,
            bounds,
        }
    }

    /// The datagrams that may be on the stage at `progress`, or within `after` of the round's
    /// animation after they arrive (`draw_datagram` and the paths decide each exactly): those
    /// of each slot that has started, less the arrived ones of the slots that are over.
    fn shown(&self, progress: f64, after: f64) -> Vec<u32> {
        let count = self.bounds.len().max(1) as f64;
        let mut shown = Vec::new();
        for (slot, &(first, flying, end)) in self.bounds.iter().enumerate() {
            if progress < slot as f64 / count {
                break;
            }
            let over = progress > (slot + 1) as f64 / count + after;
            shown.extend_from_slice(&self.order[first..if over { flying } else { end }]);
        }
        shown
    }
}

/// Each node's number inside it, dark on the light colours and light on the dark ones; false
/// where the nodes are too small to carry one.
fn draw_numbers(
    context: &CanvasRenderingContext2d,
    layout: &Layout,
    run: &Run,
    shares: Option<&[(f64, f64)]>,
    ratio: f64,
) -> bool {
    let r = layout.node_radius;
    if r < 6.0 * ratio {
        return false;
    }
    let scale = shading_rounds(run);
    let size = (r * 0.95).min(13.0 * ratio);
    context.set_font(&format!("600 {size:.0}px system-ui, sans-serif"));
    context.set_text_align("center");
    context.set_text_baseline("middle");
    for node in 0..layout.nodes {
        if run.simulation.is_crashed(node) {
            continue;
        }
        let (x, y) = layout.position(node);
        // Membership: dark numbers on the light green and amber, white once mostly vermilion.
        if let Some(shares) = shares {
            let ink = if shares[node as usize].1 > 0.5 {
                (255, 255, 255)
            } else {
                palette::INK
            };
            context.set_fill_style_str(&palette::css(ink, 0.9));
            let _ = context.fill_text(&node.to_string(), x, y + 0.5 * ratio);
            continue;
        }
        let informed_in = run.informed_round[node as usize];
        // Viridis is dark in its first half: the early-informed nodes take white numbers (not a
        // node of this round, still grey until its datagram lands).
        let dark = informed_in < run.simulation.round() && f64::from(informed_in) / scale < 0.55;
        let ink = if dark { (255, 255, 255) } else { palette::INK };
        context.set_fill_style_str(&palette::css(ink, 0.9));
        let _ = context.fill_text(&node.to_string(), x, y + 0.5 * ratio);
    }
    true
}

/// How a batch of circles is painted: a fill and an optional outline (colour, alpha, width);
/// or as crosses (crashed nodes, lost datagrams) over the circles' squares.
#[derive(Clone, Copy, PartialEq)]
struct Style {
    fill: Option<(Rgb, f64)>,
    stroke: Option<(Rgb, f64, f64)>,
    cross: bool,
}

impl Style {
    fn disc(fill: Rgb, alpha: f64, stroke: Option<(Rgb, f64, f64)>) -> Style {
        Style {
            fill: Some((fill, alpha)),
            stroke,
            cross: false,
        }
    }

    fn outline(colour: Rgb, width: f64) -> Style {
        Style {
            fill: None,
            stroke: Some((colour, 1.0, width)),
            cross: false,
        }
    }

    /// Crosses, their alpha rounded to sixteenths so that fading ones share a few paths.
    fn cross(colour: Rgb, alpha: f64, width: f64) -> Style {
        Style {
            fill: None,
            stroke: Some((colour, (alpha * 16.0).round() / 16.0, width)),
            cross: true,
        }
    }
}

/// Circles (and crosses) grouped by style and painted with one path per style: a handful of
/// canvas calls a frame instead of a few per node and per datagram (thousands of each at 60
/// frames a second in a storm).
#[derive(Default)]
struct Batch {
    groups: Vec<(Style, Vec<Disc>)>,
}

/// Adds `item` to the group of `key`, opening it if it is new: a few colours or styles a frame,
/// so a scan beats a map. Out of line: one copy per kind of item for its many callers (size).
#[inline(never)]
fn group<K: PartialEq, V>(groups: &mut Vec<(K, Vec<V>)>, key: K, item: V) {
    match groups.iter_mut().find(|(other, _)| *other == key) {
        Some((_, items)) => items.push(item),
        None => groups.push((key, vec![item])),
    }
}

/// A circle's centre and radius, in canvas pixels.
type Disc = (f64, f64, f64);

/// Circles of a smaller radius than this, in canvas pixels, are drawn as squares.
const SQUARE_BELOW: f64 = 2.5;

impl Batch {
    #[inline(never)] // one copy for its many callers (size)
    fn add(&mut self, style: Style, x: f64, y: f64, radius: f64) {
        group(&mut self.groups, style, (x, y, radius));
    }

    fn draw(&self, context: &CanvasRenderingContext2d) {
        for (style, circles) in &self.groups {
            context.begin_path();
            for &(x, y, radius) in circles {
                // A circle under 5 canvas pixels across reads the same as its square, which a
                // canvas without a GPU fills several times faster (thousands of datagrams).
                if style.cross {
                    context.move_to(x - radius, y - radius);
                    context.line_to(x + radius, y + radius);
                    context.move_to(x + radius, y - radius);
                    context.line_to(x - radius, y + radius);
                } else if radius < SQUARE_BELOW {
                    context.rect(x - radius, y - radius, 2.0 * radius, 2.0 * radius);
                } else {
                    context.move_to(x + radius, y);
                    let _ = context.arc(x, y, radius, 0.0, TAU);
                }
            }
            if let Some((colour, alpha)) = style.fill {
                context.set_fill_style_str(&palette::css(colour, alpha));
                context.fill();
            }
            if let Some((colour, alpha, width)) = style.stroke {
                context.set_line_width(width);
                context.set_stroke_style_str(&palette::css(colour, alpha));
                context.stroke();
            }
        }
    }

    /// The same circles rasterised in wasm memory (the scene's nodes, `pixels`).
    fn paint(&self, pixels: &mut Pixels) {
        for (style, circles) in &self.groups {
            if let Some((colour, alpha)) = style.fill {
                for &(x, y, radius) in circles {
                    pixels.cover(x, y, radius, Part::Disc, 1.0);
                }
                pixels.fill(colour, alpha);
            }
            if let Some((colour, alpha, width)) = style.stroke {
                for &(x, y, radius) in circles {
                    pixels.cover(x, y, radius, Part::Ring(width), 1.0);
                }
                pixels.fill(colour, alpha);
            }
        }
    }
}

/// Regions as coloured sectors behind their receivers, and each designated receiver marked by a
/// square frame.
fn draw_regions(
    context: &CanvasRenderingContext2d,
    layout: &Layout,
    regions: u32,
    nodes: u32,
    ratio: f64,
) {
    if !matches!(layout.shape, Shape::Star { .. }) {
        return;
    }
    // A halo round each receiver: the region reads on one circle or on several.
    let mut halos = Batch::default();
    let halo = layout.node_radius + 5.0 * ratio;
    for region in 0..regions {
        let first = designated_receiver(region, nodes, regions);
        let last = designated_receiver(region + 1, nodes, regions) - 1;
        let colour = palette::REGIONS[region as usize % palette::REGIONS.len()];
        for node in first..=last {
            let (x, y) = layout.position(node);
            halos.add(Style::disc(colour, 0.35, None), x, y, halo);
        }
    }
    if let Ok(mut pixels) = Pixels::read(context) {
        halos.paint(&mut pixels);
        let _ = pixels.write(context);
    }
    for region in 0..regions {
        let first = designated_receiver(region, nodes, regions);
        let (x, y) = layout.position(first);
        let side = layout.node_radius + 4.0 * ratio;
        context.set_line_width(2.0 * ratio);
        context.set_stroke_style_str(&palette::css(palette::INK, 1.0));
        context.stroke_rect(x - side, y - side, 2.0 * side, 2.0 * side);
    }
}

/// A datagram's colour and whether it is drawn solid, from its kind's look and its fate.
fn contact_colour(contact: &Contact, kinds: &[Kind]) -> (Rgb, bool) {
    match contact.fate {
        Fate::Lost | Fate::Crashed => (palette::LOST, true),
        Fate::Partitioned => (palette::CUT, true),
        Fate::Redundant => (palette::REDUNDANT, true),
        _ => palette::look(kinds[contact.kind as usize].look),
    }
}

/// The cuts of the partitions holding in `round` (the round on the stage), drawn where the
/// sides meet whatever the layout: a dark red dot halfway between every two nearby nodes on
/// different sides, on a pale band; the dots line up along the boundary like a perforation.
/// Returns how many dots it drew.
fn draw_partitions(
    context: &CanvasRenderingContext2d,
    layout: &Layout,
    simulation: &Simulation,
    round: u32,
    ratio: f64,
) -> usize {
    let holding = simulation.partitions_holding(round);
    if holding.is_empty() || round == 0 {
        return 0;
    }
    let nodes = layout.nodes;
    let positions = &layout.points;
    let grid = Grid::new(positions);
    let distance = |a: usize, b: usize| {
        (positions[a].0 - positions[b].0).hypot(positions[a].1 - positions[b].1)
    };
    // Nearby: within twice the typical gap to a nearest neighbour (the median of them).
    let mut nearest: Vec<f64> = (0..positions.len())
        .map(|a| grid.nearest(positions, a))
        .collect();
    nearest.sort_by(f64::total_cmp);
    let reach = 2.0 * nearest.get(nearest.len() / 2).copied().unwrap_or(0.0);
    let mut middles: Vec<(f64, f64)> = Vec::new();
    for entry in holding {
        let sides: Vec<u8> = (0..nodes)
            .map(|node| simulation.partition_side(entry, node))
            .collect();
        for a in 0..positions.len() {
            grid.within(positions[a], reach, |b| {
                let gap = distance(a, b);
                if b > a && sides[a] != sides[b] && gap <= reach && gap > 0.0 {
                    let (pa, pb) = (positions[a], positions[b]);
                    middles.push(((pa.0 + pb.0) / 2.0, (pa.1 + pb.1) / 2.0));
                }
            });
        }
    }
    let mut band = Batch::default();
    let mut dots = Batch::default();
    for &(x, y) in &middles {
        dot(&mut band, x, y, 0.3 * reach, palette::CUT, 0.10, true);
        dot(&mut dots, x, y, 2.2 * ratio, palette::CUT, 0.9, true);
    }
    band.draw(context);
    dots.draw(context);
    middles.len()
}

/// The nodes' places bucketed in square cells about one node's share of the stage wide, so
/// "who is near whom" costs a few cells per node, not a pass over all of them (thousands of
/// nodes, every frame).
struct Grid {
    cell: f64,
    origin: (f64, f64),
    columns: usize,
    rows: usize,
    /// Cell k's points are `order[starts[k]..starts[k + 1]]`.
    starts: Vec<usize>,
    order: Vec<usize>,
}

impl Grid {
    fn new(points: &[(f64, f64)]) -> Grid {
        let (mut low, mut high) = (
            (f64::INFINITY, f64::INFINITY),
            (f64::NEG_INFINITY, f64::NEG_INFINITY),
        );
        for &(x, y) in points {
            low = (low.0.min(x), low.1.min(y));
            high = (high.0.max(x), high.1.max(y));
        }
        let (width, height) = ((high.0 - low.0).max(1.0), (high.1 - low.1).max(1.0));
        let cell = (width * height / points.len().max(1) as f64)
            .sqrt()
            .max(1.0);
        let columns = (width / cell) as usize + 1;
        let rows = (height / cell) as usize + 1;
        let mut grid = Grid {
            cell,
            origin: low,
            columns,
            rows,
            starts: vec![0; columns * rows + 1],
            order: vec![0; points.len()],
        };
        for &point in points {
            let k = grid.index(point);
            grid.starts[k + 1] += 1;
        }
        for k in 1..grid.starts.len() {
            grid.starts[k] += grid.starts[k - 1];
        }
        let mut next = grid.starts.clone();
        for (node, &point) in points.iter().enumerate() {
            let k = grid.index(point);
            grid.order[next[k]] = node;
            next[k] += 1;
        }
        grid
    }

    fn cell_of(&self, (x, y): (f64, f64)) -> (usize, usize) {
        let column = ((x - self.origin.0) / self.cell).max(0.0) as usize;
        let row = ((y - self.origin.1) / self.cell).max(0.0) as usize;
        (column.min(self.columns - 1), row.min(self.rows - 1))
    }

    fn index(&self, point: (f64, f64)) -> usize {
        let (column, row) = self.cell_of(point);
        row * self.columns + column
    }

    /// Calls `visit` with every point in the cells `rings` or fewer cells from `point`'s.
    fn around(&self, point: (f64, f64), rings: usize, mut visit: impl FnMut(usize)) {
        let (column, row) = self.cell_of(point);
        let columns = column.saturating_sub(rings)..=(column + rings).min(self.columns - 1);
        for row in row.saturating_sub(rings)..=(row + rings).min(self.rows - 1) {
            for column in columns.clone() {
                let k = row * self.columns + column;
                self.order[self.starts[k]..self.starts[k + 1]]
                    .iter()
                    .for_each(|&node| visit(node));
            }
        }
    }

    /// Calls `visit` with every point that may lie within `reach` of `point` (and some beyond).
    fn within(&self, point: (f64, f64), reach: f64, visit: impl FnMut(usize)) {
        self.around(point, (reach / self.cell).ceil() as usize, visit);
    }

    /// The distance from point `a` to its nearest other point: the search widens ring by ring
    /// until what it found is nearer than any point further out can be.
    fn nearest(&self, points: &[(f64, f64)], a: usize) -> f64 {
        let mut best = f64::INFINITY;
        for rings in 1..=self.columns.max(self.rows) {
            self.around(points[a], rings, |b| {
                if b != a {
                    best = best.min((points[a].0 - points[b].0).hypot(points[a].1 - points[b].1));
                }
            });
            if best <= rings as f64 * self.cell {
                break;
            }
        }
        best
    }
}

/// One datagram at `progress`, flying during its `span` of the round: useful ones solid, control
/// ones hollow, redundant ones grey and small; a lost one stops halfway and fades under a cross,
/// one sent to a crashed node dies at it. Whether it is on the stage at this moment.
#[allow(clippy::too_many_arguments)]
fn draw_datagram(
    crosses: &mut Batch,
    dots: &mut Batch,
    layout: &Layout,
    contact: &Contact,
    kinds: &[Kind],
    (start, end): (f64, f64),
    progress: f64,
    ratio: f64,
) -> bool {
    if progress < start {
        return false;
    }
    let travelled = ((progress - start) / (end - start)).clamp(0.0, 1.0);
    // async-racks: along its route (through the core switch between racks).
    let route = layout.route(contact.from, contact.to);
    let at = |fraction: f64| along(&route, fraction);
    let size = datagram_size(layout, ratio);
    let (colour, filled) = contact_colour(contact, kinds);
    match contact.fate {
        // A datagram dropped at a partition's cut stops halfway, like a lost one, in the cut's
        // colour.
        Fate::Lost | Fate::Crashed | Fate::Partitioned => {
            let stop = if contact.fate == Fate::Crashed {
                1.0
            } else {
                0.5
            };
            let (x, y) = at(travelled.min(stop));
            if travelled < stop {
                dot(dots, x, y, size, colour, 1.0, true);
            } else {
                // Fade out over the rest of the round (and a little after).
                let fade =
                    (1.0 - (progress - (start + stop * (end - start))) / 0.6).clamp(0.0, 1.0);
                crosses.add(Style::cross(colour, fade, 2.0 * ratio), x, y, size * 1.4);
            }
        }
        _ if travelled >= 1.0 => return false,
        Fate::Redundant => {
            let (x, y) = at(travelled);
            dot(dots, x, y, size * 0.7, colour, 0.9, true);
        }
        Fate::Informed => {
            let (x, y) = at(travelled);
            dot(dots, x, y, size * 1.15, colour, 1.0, filled);
        }
        Fate::Arrived => {
            let (x, y) = at(travelled);
            dot(dots, x, y, size, colour, 1.0, filled);
        }
    }
    true
}

/// A datagram's radius: about half a node's, and smaller among thousands of nodes, where a
/// round's datagrams would otherwise cover the stage.
fn datagram_size(layout: &Layout, ratio: f64) -> f64 {
    let smallest = if layout.nodes > LAYERED_NODES {
        1.6
    } else {
        2.5
    };
    (layout.node_radius * 0.55).clamp(smallest * ratio, 6.0 * ratio)
}

// async-racks
/// The point `fraction` of the way along a polyline (by length).
fn along(route: &[(f64, f64)], fraction: f64) -> (f64, f64) {
    let lengths: Vec<f64> = route
        .windows(2)
        .map(|pair| (pair[1].0 - pair[0].0).hypot(pair[1].1 - pair[0].1))
        .collect();
    let mut left = fraction * lengths.iter().sum::<f64>();
    for (pair, &length) in route.windows(2).zip(&lengths) {
        if left <= length && length > 0.0 {
            let share = left / length;
            return (
                pair[0].0 + (pair[1].0 - pair[0].0) * share,
                pair[0].1 + (pair[1].1 - pair[0].1) * share,
            );
        }
        left -= length;
    }
    route[route.len() - 1]
}

// async-racks
/// Racks: a band behind each rack's arc, its top-of-rack switch with its uplink to the core
/// switch in the centre, and the routes of this round's datagrams through the core in orange,
/// the core switch framed in orange while any crosses.
fn draw_racks(
    context: &CanvasRenderingContext2d,
    layout: &Layout,
    report: &RoundReport,
    ratio: f64,
) {
    let Shape::Racks {
        center,
        radius,
        racks,
        ..
    } = layout.shape
    else {
        return;
    };
    let nodes = layout.nodes;
    let side = (8.0 * ratio).max(layout.node_radius * 1.2);
    let innermost = layout.innermost();
    for rack in 0..racks.racks {
        // A band behind the rack's rows, a little past its first and last node.
        let (from, to) = layout.sector(rack);
        let pad = 0.6 * layout.node_radius / innermost.max(1.0);
        let colour = palette::REGIONS[rack as usize % palette::REGIONS.len()];
        context.set_stroke_style_str(&palette::css(colour, 0.3));
        context.set_line_width(radius - innermost + layout.node_radius * 2.0 + 10.0 * ratio);
        context.begin_path();
        let _ = context.arc(
            center.0,
            center.1,
            (radius + innermost) / 2.0,
            from - pad,
            to + pad,
        );
        context.stroke();
        let switch = layout.switch_of(rack);
        context.set_stroke_style_str(&palette::css(palette::EDGE, 1.0));
        context.set_line_width(3.0 * ratio);
        context.begin_path();
        context.move_to(switch.0, switch.1);
        context.line_to(center.0, center.1);
        context.stroke();
        context.set_fill_style_str(&palette::css(colour, 1.0));
        context.fill_rect(
            switch.0 - side,
            switch.1 - side * 0.6,
            2.0 * side,
            1.2 * side,
        );
        context.set_stroke_style_str(&palette::css(palette::INK, 1.0));
        context.set_line_width(1.5 * ratio);
        context.stroke_rect(
            switch.0 - side,
            switch.1 - side * 0.6,
            2.0 * side,
            1.2 * side,
        );
    }
    let crossing = report
        .contacts
        .iter()
        .filter(|contact| racks.crosses(contact.from, contact.to, nodes));
    context.set_stroke_style_str(&palette::css(palette::NEW, 0.75));
    context.set_line_width(2.5 * ratio);
    context.begin_path();
    let mut any = false;
    for contact in crossing {
        any = true;
        let route = layout.route(contact.from, contact.to);
        context.move_to(route[0].0, route[0].1);
        for &(x, y) in &route[1..] {
            context.line_to(x, y);
        }
    }
    context.stroke();
    let core = side * 1.8;
    context.set_fill_style_str(&palette::css(palette::INK, 1.0));
    context.fill_rect(
        center.0 - core,
        center.1 - core * 0.6,
        2.0 * core,
        1.2 * core,
    );
    if any {
        context.set_stroke_style_str(&palette::css(palette::NEW, 1.0));
        context.set_line_width(4.0 * ratio);
        context.stroke_rect(
            center.0 - core,
            center.1 - core * 0.6,
            2.0 * core,
            1.2 * core,
        );
    }
    context.set_fill_style_str(&palette::css(palette::BACKGROUND, 1.0));
    context.set_font(&format!("bold {}px sans-serif", (11.0 * ratio).round()));
    context.set_text_align("center");
    context.set_text_baseline("middle");
    let _ = context.fill_text("core", center.0, center.1);
}

/// A datagram's dot: solid when it carries the message, a ring on white when it is control.
fn dot(dots: &mut Batch, x: f64, y: f64, radius: f64, colour: Rgb, alpha: f64, filled: bool) {
    let style = if filled {
        Style::disc(colour, alpha, None)
    } else {
        Style::disc(
            palette::BACKGROUND,
            alpha,
            Some((colour, alpha, radius * 0.45)),
        )
    };
    dots.add(style, x, y, radius);
}

thread_local! {
    /// The dense field's pixels, kept between frames: at a million nodes a fresh 4 MB buffer a
    /// frame is a tenth of the frame's budget.
    static FIELD_PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Where a field larger than the stage is painted at one pixel a node before it is scaled
    /// down onto the stage.
    static FIELD_CANVAS: std::cell::RefCell<Option<HtmlCanvasElement>> = const { std::cell::RefCell::new(None) };
}

/// The off-screen canvas of `FIELD_CANVAS`, made once.
fn field_canvas() -> Result<HtmlCanvasElement, JsValue> {
    FIELD_CANVAS.with(|cached| {
        if let Some(canvas) = cached.borrow().as_ref() {
            return Ok(canvas.clone());
        }
        let canvas: HtmlCanvasElement = web_sys::window()
            .and_then(|window| window.document())
            .ok_or_else(|| JsValue::from_str("no document"))?
            .create_element("canvas")?
            .dyn_into()?;
        *cached.borrow_mut() = Some(canvas.clone());
        Ok(canvas)
    })
}

/// Large N: a square grid of cells in node order, one pixel or more each, coloured from a
/// buffer filled here. At 2^20 nodes this is a million cells a frame, so a cell's colour is a
/// table lookup by the round it was informed in, and the crash test is skipped when none crashed.
/// The cuts of the partitions holding are drawn over it; returns how many cell edges they run
/// along.
fn draw_field(
    context: &CanvasRenderingContext2d,
    run: &Run,
    width: f64,
    height: f64,
    ratio: f64,
) -> Result<usize, JsValue> {
    let nodes = run.simulation.config().nodes;
    let columns = f64::from(nodes).sqrt().ceil() as u32;
    let rows = nodes.div_ceil(columns);
    let cell = ((width.min(height) / f64::from(columns.max(rows))).floor() as u32).max(1);
    let (image_width, image_height) = (columns * cell, rows * cell);
    let simulation = &run.simulation;
    let round = simulation.round();
    let scale = shading_rounds(run);
    let cut = cut_off(simulation, &run.informed_round);
    let any_crashed = simulation.live() < nodes;
    let rgba = |colour: Rgb| [colour.0, colour.1, colour.2, 255];
    // By informed round: earlier rounds along viridis, this round's news highlighted.
    let by_round: Vec<[u8; 4]> = (0..=round)
        .map(|informed_in| {
            rgba(if informed_in == round && round > 0 {
                palette::NEW
            } else {
                palette::viridis(f64::from(informed_in) / scale)
            })
        })
        .collect();
    let (uninformed, crashed, cut_colour) = (
        rgba(palette::UNINFORMED),
        rgba(palette::CRASHED),
        rgba(palette::CUT_OFF),
    );
    FIELD_PIXELS.with(|buffer| {
        let mut pixels = buffer.borrow_mut();
        pixels.clear();
        pixels.resize((image_width * image_height * 4) as usize, 255);
        for node in 0..nodes {
            let informed_in = run.informed_round[node as usize];
            let colour = if any_crashed && simulation.is_crashed(node) {
                crashed
            } else if cut[node as usize] {
                cut_colour
            } else {
                // Rounds after this one cannot occur; u32::MAX is "not informed".
                by_round
                    .get(informed_in as usize)
                    .copied()
                    .unwrap_or(uninformed)
            };
            let (column, row) = (node % columns, node / columns);
            for dy in 0..cell {
                let start = (((row * cell + dy) * image_width + column * cell) * 4) as usize;
                for pixel in pixels[start..start + (cell * 4) as usize].chunks_exact_mut(4) {
                    pixel.copy_from_slice(&colour);
                }
            }
        }
        let image = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(&pixels),
            image_width,
            image_height,
        )?;
        let (image_w, image_h) = (f64::from(image_width), f64::from(image_height));
        if image_w <= width && image_h <= height {
            let left = ((width - image_w) / 2.0).floor();
            let top = ((height - image_h) / 2.0).floor();
            context.put_image_data(&image, left, top)?;
            let field = Field {
                columns,
                origin: (left, top),
                cell: f64::from(cell),
            };
            return Ok(draw_field_cuts(context, simulation, &field, ratio));
        }
        // More nodes than the stage has pixels (a million nodes on a 720p projector): paint
        // one pixel a node off screen and let the canvas average it down to fit.
        let scratch = field_canvas()?;
        scratch.set_width(image_width);
        scratch.set_height(image_height);
        crate::ui::widgets::canvas::context(&scratch)?.put_image_data(&image, 0.0, 0.0)?;
        let scale = (width / image_w).min(height / image_h);
        let (shown_w, shown_h) = (image_w * scale, image_h * scale);
        let origin = (
            ((width - shown_w) / 2.0).floor(),
            ((height - shown_h) / 2.0).floor(),
        );
        context.set_image_smoothing_enabled(true);
        context.draw_image_with_html_canvas_element_and_dw_and_dh(
            &scratch, origin.0, origin.1, shown_w, shown_h,
        )?;
        let field = Field {
            columns,
            origin,
            cell: f64::from(cell) * scale,
        };
        Ok(draw_field_cuts(context, simulation, &field, ratio))
    })
}

/// Where the dense field lies on the stage: its columns, its top left corner and a cell's side,
/// in canvas pixels.
struct Field {
    columns: u32,
    origin: (f64, f64),
    cell: f64,
}

/// The cuts of the partitions holding in the round on the stage, over the dense field: a dark
/// red line on a pale band along every cell edge between nodes on different sides (the sides
/// are node ranges, so the cut is a staircase through the grid, as on the node stage it is a
/// perforation between the sides). Returns how many cell edges it runs along.
fn draw_field_cuts(
    context: &CanvasRenderingContext2d,
    simulation: &Simulation,
    field: &Field,
    ratio: f64,
) -> usize {
    let round = simulation.round();
    let holding = simulation.partitions_holding(round);
    if holding.is_empty() || round == 0 {
        return 0;
    }
    let nodes = simulation.config().nodes;
    let (columns, cell) = (field.columns, field.cell);
    let corner = |column: u32, row: u32| {
        (
            field.origin.0 + f64::from(column) * cell,
            field.origin.1 + f64::from(row) * cell,
        )
    };
    // (from, to) segments, a row's run of horizontal edges merged into one.
    let mut segments: Vec<Segment> = Vec::new();
    let mut edges = 0usize;
    for entry in holding {
        let sides: Vec<u8> = (0..nodes)
            .map(|node| simulation.partition_side(entry, node))
            .collect();
        for node in 0..nodes {
            let (column, row) = (node % columns, node / columns);
            // The edge on the right of the cell, between it and the next node of its row.
            if column + 1 < columns
                && node + 1 < nodes
                && sides[node as usize] != sides[node as usize + 1]
            {
                edges += 1;
                segments.push((corner(column + 1, row), corner(column + 1, row + 1)));
            }
        }
        for row in 0..nodes.div_ceil(columns).saturating_sub(1) {
            let mut run: Option<u32> = None;
            for column in 0..=columns {
                let node = row * columns + column;
                let below = node + columns;
                let differs = column < columns
                    && below < nodes
                    && sides[node as usize] != sides[below as usize];
                edges += usize::from(differs);
                match (differs, run) {
                    (true, None) => run = Some(column),
                    (false, Some(first)) => {
                        segments.push((corner(first, row + 1), corner(column, row + 1)));
                        run = None;
                    }
                    _ => {}
                }
            }
        }
    }
    for (width, alpha) in [((0.4 * cell).max(8.0 * ratio), 0.25), (2.0 * ratio, 0.9)] {
        context.set_line_width(width);
        context.set_stroke_style_str(&palette::css(palette::CUT, alpha));
        context.begin_path();
        for &((x0, y0), (x1, y1)) in &segments {
            context.move_to(x0, y0);
            context.line_to(x1, y1);
        }
        context.stroke();
    }
    edges
}
