//! The space-time (Lamport) diagram: one horizontal line per node, time left to right; every
//! datagram an arrow from its send to its arrival in its kind's colour, a lost one ending halfway
//! in a cross; a crash an X that ends its node's line; named timers as bars above the line; each
//! node's first copy of a message a dot. Drawn as SVG elements from a `Replay` (plain data), so
//! every text of a loaded trace is a text node, never markup, and the SVG export is the drawing.

use crate::engine::report::{Fate, TICKS_PER_ROUND};
use crate::engine::trace::{Flight, Replay, TimerEnd};
use crate::ui::widgets::palette::{self, Rgb};
use std::rc::Rc;
use yew::prelude::*;

/// The drawing's width in SVG units (it scales to its box): about its width on a 1280-pixel
/// screen, so its type is drawn near its own size there.
pub const WIDTH: f64 = 640.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 8.0;
/// At most this many datagrams are drawn (the first ones); a longer run says so.
pub const MAX_ARROWS: usize = 8000;

/// What the diagram draws: the trace, each kind's and timer's colour, and the time it spans.
pub struct Data {
    pub replay: Rc<Replay>,
    /// Per kind of `replay.kinds`.
    pub colours: Vec<Rgb>,
    /// Per timer name of `replay.timer_names`.
    pub timer_colours: Vec<Rgb>,
    /// The right edge, as a place in ticks (at least the trace's end).
    pub until: f64,
    pub highlight: Option<u32>,
}

impl Data {
    /// One row per node: taller rows for fewer nodes, so 4 nodes do not look like 32.
    pub fn row(&self) -> f64 {
        (400.0 / f64::from(self.replay.nodes.max(1))).clamp(9.0, 36.0)
    }

    pub fn height(&self) -> f64 {
        TOP + self.row() * f64::from(self.replay.nodes) + BOTTOM
    }

    pub fn x(&self, place: f64) -> f64 {
        LEFT + place / self.until.max(1.0) * (WIDTH - LEFT - RIGHT)
    }

    pub fn y(&self, node: u32) -> f64 {
        TOP + self.row() * (f64::from(node) + 0.5)
    }

    /// The place of a time-line's x (for a click on the diagram).
    pub fn place_at(&self, x: f64) -> f64 {
        ((x - LEFT) / (WIDTH - LEFT - RIGHT) * self.until.max(1.0)).clamp(0.0, self.until)
    }
}

/// Timer bars: green for the first name a trace uses, purple for the second, then these.
pub const TIMER_COLOURS: [Rgb; 4] = [
    palette::PULL,
    palette::REPAIR,
    (86, 180, 233),
    (230, 159, 0),
];

/// A datagram as the readout says it.
pub fn describe(replay: &Replay, flight: &Flight) -> String {
    let kind = &replay.kinds[flight.kind];
    let round = |tick: u64| tick / TICKS_PER_ROUND + 1;
    let end = match (flight.arrives, flight.fate) {
        (None, _) => "still in flight at the end".to_string(),
        (Some(tick), Some(Fate::Lost)) => format!("lost (due at tick {tick})"),
        (Some(tick), Some(Fate::Crashed)) => format!("reached a crashed node at tick {tick}"),
        (Some(tick), Some(Fate::Informed)) => {
            format!("arrived at tick {tick}, taught something new")
        }
        (Some(tick), Some(Fate::Redundant)) => format!("arrived at tick {tick}, nothing new"),
        (Some(tick), _) => format!("arrived at tick {tick} (round {})", round(tick)),
    };
    format!(
        "{kind} from {} to {}: sent at tick {} (round {}), {end}",
        flight.from,
        flight.to,
        flight.sent,
        round(flight.sent)
    )
}

fn css(rgb: Rgb) -> String {
    palette::hex(rgb)
}

/// The rounds marked on the time axis: every round, or every k-th so at most 16 are labelled.
fn round_marks(until: f64) -> impl Iterator<Item = u64> {
    let rounds = (until / TICKS_PER_ROUND as f64).ceil().max(1.0) as u64;
    let every = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000]
        .into_iter()
        .find(|&every| rounds / every <= 16)
        .unwrap_or(10_000);
    (0..rounds).filter(move |round| round % every == 0)
}

/// The static picture (everything but the cursor): node lines, timers, datagrams, crashes.
pub fn draw(data: &Data, on_node: &Callback<u32>, on_hover: &Callback<Option<usize>>) -> Html {
    let replay = &data.replay;
    let row = data.row();
    let right = data.x(data.until);
    let faded = |touches: bool| match data.highlight {
        Some(_) if !touches => "0.18",
        _ => "1",
    };
    // Round boundaries, labelled.
    let grid = round_marks(data.until).map(|round| {
        let x = data.x((round * TICKS_PER_ROUND) as f64);
        html! {
            <g class="st-round">
                <line x1={x.to_string()} x2={x.to_string()} y1={(TOP - 4.0).to_string()} y2={(data.height() - BOTTOM).to_string()}
                    stroke="#ddd" stroke-width="0.8" />
                <text x={(x + 2.0).to_string()} y={(TOP - 8.0).to_string()} font-size="10" fill="#666">{ round + 1 }</text>
            </g>
        }
    });
    // Node lines: solid while alive, ended by the crash's X, resumed at a recovery.
    let lines = (0..replay.nodes).map(|node| {
        let y = data.y(node);
        let mut segments = Vec::new();
        let mut crosses = Vec::new();
        let mut alive_from = Some(0.0);
        for &(place, _, crash) in replay.crashes.iter().filter(|crash| crash.1 == node) {
            match (crash, alive_from) {
                (true, Some(start)) => {
                    segments.push((start, place));
                    crosses.push(place);
                    alive_from = None;
                }
                (false, None) => alive_from = Some(place),
                _ => {}
            }
        }
        if let Some(start) = alive_from {
            segments.push((start, data.until));
        }
        let highlighted = data.highlight == Some(node);
        let width = if highlighted { "2.6" } else { "1" };
        let colour = if highlighted { css(palette::SELECTED) } else { "#888".into() };
        let onclick = on_node.reform(move |_: MouseEvent| node);
        html! {
            <g class="st-node" data-node={node.to_string()}>
                if highlighted {
                    <rect x="0" y={(y - row / 2.0).to_string()} width={WIDTH.to_string()} height={row.to_string()} fill="#f6e4ee" />
                }
                { for segments.iter().map(|&(from, to)| html! {
                    <line x1={data.x(from).to_string()} x2={data.x(to).to_string()} y1={y.to_string()} y2={y.to_string()}
                        stroke={colour.clone()} stroke-width={width} />
                }) }
                { for crosses.iter().map(|&place| {
                    let (x, size) = (data.x(place), (row * 0.3).clamp(3.0, 6.0));
                    html! {
                        <path d={format!("M{} {}L{} {}M{} {}L{} {}", x - size, y - size, x + size, y + size, x - size, y + size, x + size, y - size)}
                            stroke={css(palette::CRASHED)} stroke-width="2.2" />
                    }
                }) }
                <text x={(LEFT - 6.0).to_string()} y={(y + 3.5).to_string()} font-size={(row * 0.62).clamp(8.0, 12.0).to_string()}
                    text-anchor="end" fill="#333">{ node }</text>
                // The whole row is the click target (a 1-unit line is hard to hit).
                <rect class="st-hit" x="0" y={(y - row / 2.0).to_string()} width={LEFT.to_string()} height={row.to_string()}
                    fill="transparent" {onclick} style="cursor: pointer">
                    <title>{ format!("node {node}: click to highlight its line") }</title>
                </rect>
            </g>
        }
    });
    // Timers: a bar above the line from set to fired; faint if cancelled or cut by a crash,
    // hollow if still pending at the end.
    let bar_height = (row * 0.18).clamp(2.0, 5.0);
    let timers = replay.timers.iter().map(|bar| {
        let y = data.y(bar.node) - bar_height - 1.5;
        let (x, end) = (data.x(bar.set as f64), data.x(bar.end as f64));
        let colour = css(data.timer_colours[bar.name]);
        let (fill, opacity) = match bar.how {
            TimerEnd::Fired => (colour.clone(), "0.9"),
            TimerEnd::Cancelled | TimerEnd::Crashed => (colour.clone(), "0.35"),
            TimerEnd::Pending => ("none".to_string(), "0.9"),
        };
        let how = match bar.how {
            TimerEnd::Fired => "fired",
            TimerEnd::Cancelled => "cancelled",
            TimerEnd::Crashed => "ended by a crash",
            TimerEnd::Pending => "still pending",
        };
        let due = bar.due.map(|due| format!(", due {due}")).unwrap_or_default();
        html! {
            <rect class="st-timer" x={x.to_string()} y={y.to_string()} width={(end - x - 1.5).max(1.0).to_string()} height={bar_height.to_string()}
                fill={fill} stroke={colour} stroke-width="0.6" opacity={faded(data.highlight == Some(bar.node)).to_string()} fill-opacity={opacity}>
                <title>{ format!("{} at node {}: set at tick {}{due}, {how} at tick {}", replay.timer_names[bar.name], bar.node, bar.set, bar.end) }</title>
            </rect>
        }
    });
    let arrows = replay.flights.iter().take(MAX_ARROWS).enumerate().map(|(index, flight)| {
        let (x1, y1) = (data.x(flight.sent_at), data.y(flight.from));
        let y2 = data.y(flight.to);
        let colour = css(data.colours[flight.kind]);
        let touches = data.highlight.is_some_and(|node| node == flight.from || node == flight.to);
        let opacity = match (data.highlight, flight.fate) {
            (Some(_), _) => faded(touches),
            (None, Some(Fate::Redundant)) => "0.45",
            _ => "0.95",
        };
        let hover = on_hover.reform(move |_: MouseEvent| Some(index));
        let leave = on_hover.reform(|_: MouseEvent| None);
        let title = describe(replay, flight);
        let shape = match (flight.arrives_at, flight.fate) {
            // Lost: the arrow stops halfway, under a cross.
            (Some(arrives), Some(Fate::Lost)) => {
                let (x, y) = ((x1 + data.x(arrives)) / 2.0, (y1 + y2) / 2.0);
                let size = 3.5;
                html! {
                    <>
                        <line x1={x1.to_string()} y1={y1.to_string()} x2={x.to_string()} y2={y.to_string()} stroke={colour} stroke-width="1.3" />
                        <path d={format!("M{} {}L{} {}M{} {}L{} {}", x - size, y - size, x + size, y + size, x - size, y + size, x + size, y - size)}
                            stroke={css(palette::LOST)} stroke-width="2" />
                    </>
                }
            }
            (Some(arrives), fate) => {
                let x2 = data.x(arrives);
                let (dx, dy) = (x2 - x1, y2 - y1);
                let length = (dx * dx + dy * dy).sqrt().max(1e-6);
                let (ux, uy) = (dx / length, dy / length);
                let head = 5.0_f64.min(length * 0.6);
                let (bx, by) = (x2 - ux * head, y2 - uy * head);
                let (px, py) = (-uy * head * 0.45, ux * head * 0.45);
                let dash = (fate == Some(Fate::Crashed)).then_some("3 2");
                html! {
                    <>
                        <line x1={x1.to_string()} y1={y1.to_string()} x2={bx.to_string()} y2={by.to_string()} stroke={colour.clone()}
                            stroke-width="1.3" stroke-dasharray={dash} />
                        <path d={format!("M{x2} {y2}L{} {}L{} {}Z", bx + px, by + py, bx - px, by - py)} fill={colour} />
                    </>
                }
            }
            // Still in flight when the trace ends: dashed toward its receiver.
            (None, _) => {
                let x = right.min(x1 + 30.0);
                html! {
                    <line x1={x1.to_string()} y1={y1.to_string()} x2={x.to_string()} y2={((y1 + y2) / 2.0).to_string()}
                        stroke={colour} stroke-width="1.3" stroke-dasharray="4 3" />
                }
            }
        };
        html! {
            <g class="st-datagram" opacity={opacity} onmouseenter={hover} onmouseleave={leave}>
                <title>{ title }</title>
                { shape }
            </g>
        }
    });
    let learned = replay.learned.iter().map(|&(place, node, _, _)| {
        html! {
            <circle cx={data.x(place).to_string()} cy={data.y(node).to_string()} r={(row * 0.12).clamp(1.6, 3.0).to_string()}
                fill={css(palette::INK)} opacity={faded(data.highlight == Some(node))} />
        }
    });
    let partitions = replay.partitions.iter().map(|(tick, kind)| {
        let x = data.x(*tick as f64);
        html! {
            <g class="st-partition">
                <line x1={x.to_string()} x2={x.to_string()} y1={TOP.to_string()} y2={(data.height() - BOTTOM).to_string()}
                    stroke={css(palette::LOST)} stroke-width="1.5" stroke-dasharray="6 3" />
                <text x={(x + 3.0).to_string()} y={(TOP + 10.0).to_string()} font-size="10" fill={css(palette::LOST)}>{ format!("partition {kind}") }</text>
            </g>
        }
    });
    html! {
        <g class="st-picture">
            <text x="2" y={(TOP - 8.0).to_string()} font-size="10" fill="#666">{ "round" }</text>
            { for grid }
            { for lines }
            { for timers }
            { for arrows }
            { for learned }
            { for partitions }
        </g>
    }
}

/// The picture as a component, drawn again only when its data changes (not when the cursor
/// moves), so playing a trace of thousands of datagrams stays smooth.
#[derive(Properties)]
pub struct PictureProps {
    pub data: Rc<Data>,
    pub on_node: Callback<u32>,
    pub on_hover: Callback<Option<usize>>,
}

impl PartialEq for PictureProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.data, &other.data)
    }
}

#[function_component(Picture)]
pub fn picture(props: &PictureProps) -> Html {
    draw(&props.data, &props.on_node, &props.on_hover)
}

#[derive(Properties)]
pub struct DiagramProps {
    pub data: Rc<Data>,
    /// The time shown, as a place in ticks; later events are veiled.
    pub cursor: Option<f64>,
    pub on_node: Callback<u32>,
    pub on_hover: Callback<Option<usize>>,
    /// A click on the time axis moves the cursor there.
    #[prop_or_default]
    pub on_seek: Option<Callback<f64>>,
    #[prop_or_default]
    pub svg: NodeRef,
    pub label: AttrValue,
}

impl PartialEq for DiagramProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.data, &other.data)
            && self.cursor == other.cursor
            && self.on_node == other.on_node
            && self.on_hover == other.on_hover
            && self.on_seek == other.on_seek
            && self.svg == other.svg
            && self.label == other.label
    }
}

/// The diagram with its cursor: what is later than the cursor is veiled, so it follows the
/// timeline.
#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let data = &props.data;
    let height = data.height();
    let veil = props.cursor.filter(|&cursor| cursor < data.until).map(|cursor| {
        let x = data.x(cursor);
        html! {
            <g class="st-cursor" pointer-events="none">
                <rect x={x.to_string()} y="0" width={(WIDTH - x).max(0.0).to_string()} height={height.to_string()} fill="#fff" opacity="0.78" />
                <line x1={x.to_string()} x2={x.to_string()} y1="0" y2={height.to_string()} stroke={css(palette::NEW)} stroke-width="1.6" />
            </g>
        }
    });
    let seek = props.on_seek.clone().map(|on_seek| {
        let data = data.clone();
        let svg = props.svg.clone();
        Callback::from(move |event: MouseEvent| {
            // The axis strip: a click there moves the time shown.
            let Some(element) = svg.cast::<web_sys::Element>() else {
                return;
            };
            let width = f64::from(element.client_width().max(1));
            on_seek.emit(data.place_at(f64::from(event.offset_x()) / width * WIDTH));
        })
    });
    html! {
        <svg ref={props.svg.clone()} class="spacetime" data-testid="spacetime" xmlns="http://www.w3.org/2000/svg"
            viewBox={format!("0 0 {WIDTH} {height:.1}")} role="img" aria-label={props.label.clone()}
            font-family="system-ui, sans-serif">
            <rect x="0" y="0" width={WIDTH.to_string()} height={height.to_string()} fill="#fff" />
            if let Some(seek) = seek {
                <rect class="st-axis" x={LEFT.to_string()} y="0" width={(WIDTH - LEFT).to_string()} height={(TOP - 4.0).to_string()}
                    fill="transparent" onclick={seek} style="cursor: col-resize">
                    <title>{ "click to show this time" }</title>
                </rect>
            }
            <Picture data={data.clone()} on_node={props.on_node.clone()} on_hover={props.on_hover.clone()} />
            { for veil }
        </svg>
    }
}
