//! Colours: Okabe-Ito (safe for the common colour-vision deficiencies) for categories, and
//! viridis for "which round a node was informed in" (perceptually ordered, also safe).

pub type Rgb = (u8, u8, u8);

pub const BACKGROUND: Rgb = (255, 255, 255);
pub const UNINFORMED: Rgb = (222, 222, 222);
pub const UNINFORMED_EDGE: Rgb = (150, 150, 150);
pub const CRASHED: Rgb = (30, 30, 30);
/// Okabe-Ito orange: informed in the round just played.
pub const NEW: Rgb = (230, 159, 0);
/// Okabe-Ito blue: push datagrams and the current run's curve.
pub const PUSH: Rgb = (0, 114, 178);
/// Okabe-Ito bluish green: pull requests and replies.
pub const PULL: Rgb = (0, 158, 115);
/// Okabe-Ito vermillion: lost datagrams.
pub const LOST: Rgb = (213, 94, 0);
pub const REDUNDANT: Rgb = (150, 150, 150);
/// Okabe-Ito reddish purple: the selected node, ACKs and repairs.
pub const SELECTED: Rgb = (204, 121, 167);
/// Okabe-Ito reddish purple, darker: acknowledgements and repairs (the reliability machinery).
pub const REPAIR: Rgb = (170, 68, 153);
/// A dark olive brown: a repair multicast to a whole region, set apart from the unicast repairs'
/// purple, from the lost datagrams' vermillion and from the orange of the nodes new this round.
pub const REGIONAL_REPAIR: Rgb = (120, 86, 0);
/// A pale warm grey: nodes cut off below a crash or never reached.
pub const CUT_OFF: Rgb = (236, 214, 196);
/// Region colours, light enough to sit behind the nodes.
pub const REGIONS: [Rgb; 6] = [
    (86, 180, 233),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (240, 228, 66),
    (150, 150, 150),
];
/// A partition's cut, and the datagrams it drops: a dark red apart from the lost vermillion.
pub const CUT: Rgb = (165, 0, 38);
/// Tree edges and the star's spokes.
pub const EDGE: Rgb = (200, 200, 200);

/// A kind's line on the datagram chart: one colour per look, all distinct (and none the lost
/// line's vermillion), so every kind a protocol declares has its own line.
pub fn chart_colour(look: crate::engine::Look) -> Rgb {
    use crate::engine::Look;
    match look {
        Look::Data => PUSH,
        Look::Request => (86, 180, 233),
        Look::Reply => PULL,
        Look::EmptyReply => (230, 159, 0),
        Look::Ack => SELECTED,
        Look::Repair => REPAIR,
        Look::RegionalRepair => REGIONAL_REPAIR,
    }
}

/// How a datagram kind is drawn: its colour, and whether it is solid (carries the message) or a
/// hollow ring (control traffic).
pub fn look(look: crate::engine::Look) -> (Rgb, bool) {
    use crate::engine::Look;
    match look {
        Look::Data => (PUSH, true),
        Look::Request => (PULL, false),
        Look::Reply => (PULL, true),
        Look::EmptyReply => (PULL, false),
        Look::Ack => (REPAIR, false),
        Look::Repair => (REPAIR, true),
        Look::RegionalRepair => (REGIONAL_REPAIR, true),
    }
}
pub const INK: Rgb = (20, 20, 20);

const VIRIDIS: [Rgb; 9] = [
    (68, 1, 84),
    (71, 45, 123),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (40, 174, 128),
    (94, 201, 98),
    (173, 220, 48),
    (253, 231, 37),
];

/// Viridis at `t` in 0..=1 (dark purple early, yellow late).
pub fn viridis(t: f64) -> Rgb {
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let low = t.floor() as usize;
    let high = (low + 1).min(VIRIDIS.len() - 1);
    let mix = t - low as f64;
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * mix).round() as u8;
    let (a, b) = (VIRIDIS[low], VIRIDIS[high]);
    (lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

// lecture: the dark theme's stage (charts are inverted by CSS, see style.css).
thread_local! {
    static DARK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn set_dark(dark: bool) {
    DARK.with(|cell| cell.set(dark));
}

/// Whether the dark theme is on (the stage's cached layer is painted in one theme).
pub fn is_dark() -> bool {
    DARK.with(std::cell::Cell::get)
}

/// A colour as the current theme shows it: the dark theme swaps the neutrals.
pub fn themed(rgb: Rgb) -> Rgb {
    if !DARK.with(std::cell::Cell::get) {
        return rgb;
    }
    match rgb {
        BACKGROUND => (18, 20, 24),
        INK => (240, 240, 240),
        UNINFORMED => (112, 118, 128),
        UNINFORMED_EDGE => (170, 174, 182),
        CRASHED => (235, 235, 235),
        EDGE => (95, 100, 108),
        CUT_OFF => (110, 84, 64),
        other => other,
    }
}

pub fn css(rgb: Rgb, alpha: f64) -> String {
    let (r, g, b) = themed(rgb);
    format!("rgba({r},{g},{b},{alpha:.3})")
}

pub fn hex(rgb: Rgb) -> String {
    let (r, g, b) = themed(rgb);
    format!("#{r:02x}{g:02x}{b:02x}")
}
