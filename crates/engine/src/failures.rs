//! Failures and delays (theory.md section 9): a datagram delay drawn per datagram, burst loss
//! (Gilbert and Elliott), and a crash schedule during a run. Each is a small `Copy` value with
//! one text form, shared by the CLI (`--delay exp:0.5`), the URL (`delay=exp:0.5`) and JSON
//! (`"delay": "exp:0.5"`), so every front end parses and refuses the same way.

use super::report::{TICKS_PER_ROUND, Tick};
use super::rng::{Chance, Rng};
use std::fmt;

/// The largest delay parameter, in rounds (a mean, a fixed delay or a uniform bound).
pub const MAX_DELAY: f64 = 10.0;
/// The most entries in a crash schedule.
pub const MAX_CRASHES: usize = 8;
/// The latest round a crash may be scheduled at.
pub const MAX_CRASH_ROUND: u32 = 10_000;

/// How long a datagram takes, in rounds ("periods"); drawn per datagram.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Delay {
    /// Delivered at once (the synchronous model).
    #[default]
    None,
    /// Every datagram takes D rounds.
    Fixed(f64),
    /// Uniform in [A, B] rounds.
    Uniform(f64, f64),
    /// Exponential with this mean, in rounds.
    Exp(f64),
}

impl Delay {
    pub const FORMS: &'static str = "none, fixed:D, uniform:A:B or exp:MEAN (rounds, 0 to 10)";

    /// Whether every datagram arrives at once: the synchronous model.
    pub fn is_zero(self) -> bool {
        match self {
            Delay::None => true,
            Delay::Fixed(d) => ticks(d) == 0,
            Delay::Uniform(a, b) => ticks(a) == 0 && ticks(b) == 0,
            Delay::Exp(_) => false,
        }
    }

    /// The mean delay in rounds.
    pub fn mean(self) -> f64 {
        match self {
            Delay::None => 0.0,
            Delay::Fixed(d) => d,
            Delay::Uniform(a, b) => (a + b) / 2.0,
            Delay::Exp(mean) => mean,
        }
    }

    /// One datagram's delay in ticks (a round is `TICKS_PER_ROUND`).
    /// A `quantile` (below 1) of the sum of `hops` independent delays, in ticks, rounded up:
    /// the time by which a chain of `hops` datagrams has arrived with at least that
    /// probability. Fixed: `hops` D; uniform: `hops` B, the largest sum (a bound); exponential:
    /// the Erlang(`hops`, mean) quantile, found by bisection on its tail
    /// e^(-x) sum_{i < hops} x^i / i! (libm, so every platform gets the same ticks), plus half
    /// a tick a hop for the draws' rounding.
    pub fn sum_quantile(self, hops: u32, quantile: f64) -> Tick {
        let hops_ticks = Tick::from(hops);
        match self {
            Delay::None => 0,
            Delay::Fixed(d) => hops_ticks * ticks(d),
            Delay::Uniform(_, b) => hops_ticks * ticks(b),
            Delay::Exp(mean) => {
                let tail = |x: f64| {
                    let (mut term, mut sum) = (1.0, 1.0);
                    for i in 1..hops {
                        term *= x / f64::from(i);
                        sum += term;
                    }
                    libm::exp(-x) * sum
                };
                let (mut low, mut high) = (0.0, 10.0 + 10.0 * f64::from(hops));
                for _ in 0..100 {
                    let middle = (low + high) / 2.0;
                    if tail(middle) > 1.0 - quantile {
                        low = middle;
                    } else {
                        high = middle;
                    }
                }
                (high * mean * TICKS_PER_ROUND as f64).ceil() as Tick + hops_ticks.div_ceil(2)
            }
        }
    }

    pub fn draw(self, rng: &mut Rng) -> Tick {
        match self {
            Delay::None => 0,
            Delay::Fixed(d) => ticks(d),
            Delay::Uniform(a, b) => {
                let (low, high) = (ticks(a), ticks(b));
                low + u64::from(rng.below((high - low + 1) as u32))
            }
            // Inverse transform on (0, 1]; libm's log, so wasm32 and x86_64 draw the same ticks.
            Delay::Exp(mean) => {
                let unit = 1.0 - rng.unit();
                (-mean * TICKS_PER_ROUND as f64 * libm::log(unit)).round() as Tick
            }
        }
    }

    pub fn parse(text: &str) -> Result<Delay, String> {
        let text = text.trim();
        let wrong = |why: &str| {
            Err(format!(
                "delay must be {} (got {text:?}): {why}",
                Delay::FORMS
            ))
        };
        let parts: Vec<&str> = text.split(':').collect();
        let numbers: Result<Vec<f64>, _> = parts[1..].iter().map(|part| rounds(part)).collect();
        let numbers = match numbers {
            Ok(numbers) => numbers,
            Err(why) => return wrong(&why),
        };
        match (parts[0], numbers.as_slice()) {
            ("none" | "off" | "", []) => Ok(Delay::None),
            ("fixed", [d]) => Ok(Delay::Fixed(*d)),
            ("fixed", _) => wrong("fixed takes one delay, fixed:D"),
            ("uniform", [a, b]) if a <= b => Ok(Delay::Uniform(*a, *b)),
            ("uniform", [_, _]) => wrong("uniform:A:B needs A <= B"),
            ("uniform", _) => wrong("uniform takes two bounds, uniform:A:B"),
            ("exp", [mean]) if *mean > 0.0 => Ok(Delay::Exp(*mean)),
            ("exp", [_]) => wrong("an exponential's mean must be above 0"),
            ("exp", _) => wrong("exp takes one mean, exp:MEAN"),
            _ => wrong("unknown distribution"),
        }
    }
}

/// A delay bound in rounds: a number from 0 to `MAX_DELAY`.
fn rounds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=MAX_DELAY).contains(&value) => Ok(value),
        Ok(value) => Err(format!("{value} is outside 0 to {MAX_DELAY} rounds")),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

/// Rounds to ticks, rounded to the nearest tick.
fn ticks(rounds: f64) -> Tick {
    (rounds * TICKS_PER_ROUND as f64).round() as Tick
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delay::None => f.write_str("none"),
            Delay::Fixed(d) => write!(f, "fixed:{d}"),
            Delay::Uniform(a, b) => write!(f, "uniform:{a}:{b}"),
            Delay::Exp(mean) => write!(f, "exp:{mean}"),
        }
    }
}

/// Gilbert-Elliott burst loss for the whole network: one two-state chain stepped once per
/// datagram, good -> bad with probability `p`, bad -> good with probability `r`; a datagram is
/// lost with the run's `loss` in the bad state and never in the good one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Burst {
    pub p: f64,
    pub r: f64,
}

impl Burst {
    pub const FORM: &'static str = "none or P:R, P from 0 to 1 and R above 0 up to 1";

    /// The long-run share of datagrams sent in the bad state, P / (P + R).
    pub fn bad_share(self) -> f64 {
        if self.p == 0.0 {
            0.0
        } else {
            self.p / (self.p + self.r)
        }
    }

    /// Mean loss with loss `h` in the bad state (theory.md: h P / (P + R)).
    pub fn mean_loss(self, h: f64) -> f64 {
        h * self.bad_share()
    }

    pub fn parse(text: &str) -> Result<Option<Burst>, String> {
        let text = text.trim();
        if ["none", "off", ""].contains(&text) {
            return Ok(None);
        }
        let wrong = |why: &str| {
            Err(format!(
                "burst must be {} (got {text:?}): {why}",
                Burst::FORM
            ))
        };
        let Some((p, r)) = text.split_once(':') else {
            return wrong("two transition probabilities, P:R");
        };
        let (Ok(p), Ok(r)) = (p.trim().parse::<f64>(), r.trim().parse::<f64>()) else {
            return wrong("P and R must be numbers");
        };
        if !(0.0..=1.0).contains(&p) {
            return wrong("P (good to bad) must be from 0 to 1");
        }
        if !(r > 0.0 && r <= 1.0) {
            return wrong("R (bad to good) must be above 0 and at most 1");
        }
        Ok(Some(Burst { p, r }))
    }
}

impl fmt::Display for Burst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.p, self.r)
    }
}

/// The Gilbert-Elliott chain of a run: starts in the good state.
#[derive(Clone, Copy, Debug)]
pub struct Chain {
    pub bad: bool,
    to_bad: Chance,
    to_good: Chance,
}

impl Chain {
    pub fn new(burst: Burst) -> Self {
        Chain {
            bad: false,
            to_bad: Chance::new(burst.p),
            to_good: Chance::new(burst.r),
        }
    }

    /// One datagram: the chain takes a step, then says whether the datagram meets the bad state.
    pub fn step(&mut self, rng: &mut Rng) -> bool {
        let flip = rng.happens(if self.bad { self.to_good } else { self.to_bad });
        self.bad ^= flip;
        self.bad
    }
}

/// One entry of a crash schedule: at the start of `round`, `fraction` of the N nodes (rounded)
/// crash, chosen uniformly among the live non-senders.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CrashAt {
    pub round: u32,
    pub fraction: f64,
}

impl CrashAt {
    /// How many nodes crash of `nodes`.
    pub fn count(self, nodes: u32) -> u32 {
        (self.fraction * f64::from(nodes)).round() as u32
    }
}

/// Up to `MAX_CRASHES` entries, in round order (entries of one round apply in the order typed).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CrashSchedule {
    entries: [CrashAt; MAX_CRASHES],
    len: usize,
}

impl CrashSchedule {
    pub const FORM: &'static str = "none or ROUND:FRACTION entries separated by commas, at most 8, round 1 to 10000, fraction 0 to 1";

    pub fn entries(&self) -> &[CrashAt] {
        &self.entries[..self.len]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn from_entries(entries: &[CrashAt]) -> Result<CrashSchedule, String> {
        if entries.len() > MAX_CRASHES {
            return Err(format!(
                "crash_at takes at most {MAX_CRASHES} entries (got {})",
                entries.len()
            ));
        }
        let mut schedule = CrashSchedule::default();
        for &entry in entries {
            schedule.entries[schedule.len] = entry;
            schedule.len += 1;
        }
        sort_few_by_key(&mut schedule.entries[..schedule.len], |entry| entry.round);
        Ok(schedule)
    }

    /// Parses "5:0.1,9:0.2" (or "none").
    pub fn parse(text: &str) -> Result<CrashSchedule, String> {
        let text = text.trim();
        if ["none", "off", ""].contains(&text) {
            return Ok(CrashSchedule::default());
        }
        let mut entries = Vec::new();
        for part in text.split(',') {
            let wrong = |why: &str| {
                Err(format!(
                    "crash_at must be {} (got {:?}): {why}",
                    CrashSchedule::FORM,
                    part.trim()
                ))
            };
            let Some((round, fraction)) = part.trim().split_once(':') else {
                return wrong("an entry is ROUND:FRACTION");
            };
            let Ok(round) = round.trim().parse::<u32>() else {
                return wrong("the round must be a whole number");
            };
            let Ok(fraction) = fraction.trim().parse::<f64>() else {
                return wrong("the fraction must be a number");
            };
            if !(1..=MAX_CRASH_ROUND).contains(&round) {
                return wrong("the round must be from 1 to 10000");
            }
            if !(0.0..=1.0).contains(&fraction) {
                return wrong("the fraction must be from 0 to 1");
            }
            entries.push(CrashAt { round, fraction });
        }
        CrashSchedule::from_entries(&entries)
    }
}

impl fmt::Display for CrashSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let entries: Vec<String> = self
            .entries()
            .iter()
            .map(|entry| format!("{}:{}", entry.round, entry.fraction))
            .collect();
        f.write_str(&entries.join(","))
    }
}

/// Chooses which live non-senders crash for `entry`: exactly min(round(F N), candidates) of
/// them, each set equally likely (selection sampling over the candidates in node order).
pub fn choose_victims(
    entry: CrashAt,
    nodes: u32,
    senders: u32,
    is_crashed: impl Fn(u32) -> bool,
    rng: &mut Rng,
) -> Vec<u32> {
    let candidates: Vec<u32> = (senders..nodes).filter(|&node| !is_crashed(node)).collect();
    let mut needed = entry.count(nodes).min(candidates.len() as u32);
    let mut remaining = candidates.len() as u32;
    let mut victims = Vec::with_capacity(needed as usize);
    for node in candidates {
        if needed == 0 {
            break;
        }
        if rng.below(remaining) < needed {
            victims.push(node);
            needed -= 1;
        }
        remaining -= 1;
    }
    victims
}

/// The most partitions in a schedule.
pub const MAX_PARTITIONS: usize = 8;
/// The most ranges an explicit split names (over all its sides).
pub const MAX_RANGES: usize = 16;

/// Which side of a cut a node is on, for nodes an explicit split does not name: they form one
/// more side together ("the rest").
const REST: u8 = u8::MAX;

/// How a partition splits the nodes. Two-way: a datagram between two different sides is
/// dropped. One-way (`a->b`): only datagrams from side a to side b are dropped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Split {
    /// Nodes 0 .. N/2 - 1 against N/2 .. N - 1 (N/2 rounded down).
    Half { one_way: bool },
    /// Every rack its own side (gossip with racks > 1).
    Racks,
    /// Sides of node ranges: `ranges[..len]` are (first, last, side), inclusive.
    Sides {
        ranges: [(u32, u32, u8); MAX_RANGES],
        len: u8,
        one_way: bool,
    },
}

impl Split {
    /// The side of `node` among `nodes` (`racks`: the run's racks, for `Split::Racks`).
    pub fn side(&self, node: u32, nodes: u32, racks: u32) -> u8 {
        match self {
            Split::Half { .. } => u8::from(node >= nodes / 2),
            Split::Racks => (u64::from(node) * u64::from(racks) / u64::from(nodes)) as u8,
            Split::Sides { ranges, len, .. } => ranges[..*len as usize]
                .iter()
                .find(|&&(first, last, _)| (first..=last).contains(&node))
                .map_or(REST, |&(_, _, side)| side),
        }
    }

    pub fn one_way(&self) -> bool {
        match self {
            Split::Half { one_way } | Split::Sides { one_way, .. } => *one_way,
            Split::Racks => false,
        }
    }

    /// Whether a datagram from `from` to `to` crosses the cut in a blocked direction.
    pub fn blocks(&self, from: u32, to: u32, nodes: u32, racks: u32) -> bool {
        let (a, b) = (self.side(from, nodes, racks), self.side(to, nodes, racks));
        if self.one_way() {
            a == 0 && b == 1
        } else {
            a != b
        }
    }

    /// The highest node an explicit split names (checked against N by `validate`).
    pub fn highest_node(&self) -> Option<u32> {
        match self {
            Split::Sides { ranges, len, .. } => {
                ranges[..*len as usize].iter().map(|range| range.1).max()
            }
            _ => None,
        }
    }

    /// Parses `half`, `half->`, `racks`, `0-49|50-99`, `0-9+20-29|10-19` or `0-49->50-99`.
    fn parse(text: &str) -> Result<Split, String> {
        let (sides, one_way): (Vec<&str>, bool) = match text.split_once("->") {
            Some((from, to)) => (vec![from, to], true),
            None => (text.split('|').collect(), false),
        };
        match (sides.as_slice(), one_way) {
            (["half"], false) => return Ok(Split::Half { one_way: false }),
            (["half", ""], true) => return Ok(Split::Half { one_way: true }),
            (["racks"], false) => return Ok(Split::Racks),
            _ if !text.chars().any(|c| c.is_ascii_digit()) => {
                return Err(format!(
                    "unknown split {text:?}: half, half->, racks, or node ranges"
                ));
            }
            _ => {}
        }
        let mut ranges = [(0, 0, 0); MAX_RANGES];
        let mut len = 0;
        for (side, part) in sides.iter().enumerate() {
            if part.trim().is_empty() {
                return Err(format!("an empty side in {text:?}"));
            }
            for range in part.split('+') {
                let range = range.trim();
                let (first, last) = range.split_once('-').unwrap_or((range, range));
                let (Ok(first), Ok(last)) =
                    (first.trim().parse::<u32>(), last.trim().parse::<u32>())
                else {
                    return Err(format!("{range:?} is not a node range FIRST-LAST"));
                };
                if first > last {
                    return Err(format!("the range {range:?} runs backwards"));
                }
                if len == MAX_RANGES {
                    return Err(format!("a split names at most {MAX_RANGES} ranges"));
                }
                let overlaps = ranges[..len]
                    .iter()
                    .any(|&(a, b, _)| first <= b && a <= last);
                if overlaps {
                    return Err(format!("the range {range:?} overlaps another side"));
                }
                ranges[len] = (first, last, side as u8);
                len += 1;
            }
        }
        Ok(Split::Sides {
            ranges,
            len: len as u8,
            one_way,
        })
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Split::Half { one_way: false } => f.write_str("half"),
            Split::Half { one_way: true } => f.write_str("half->"),
            Split::Racks => f.write_str("racks"),
            Split::Sides {
                ranges,
                len,
                one_way,
            } => {
                let ranges = &ranges[..*len as usize];
                let sides = ranges.iter().map(|range| range.2).max().unwrap_or(0);
                let text: Vec<String> = (0..=sides)
                    .map(|side| {
                        ranges
                            .iter()
                            .filter(|range| range.2 == side)
                            .map(|&(first, last, _)| {
                                if first == last {
                                    first.to_string()
                                } else {
                                    format!("{first}-{last}")
                                }
                            })
                            .collect::<Vec<_>>()
                            .join("+")
                    })
                    .collect();
                f.write_str(&text.join(if *one_way { "->" } else { "|" }))
            }
        }
    }
}

/// One partition: from the start of round `round` the split's cut drops datagrams, until the
/// start of round `heal` (never healed: `None`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Partition {
    pub round: u32,
    pub split: Split,
    pub heal: Option<u32>,
}

impl Partition {
    /// Whether the cut holds during `round`.
    pub fn holds(&self, round: u32) -> bool {
        round >= self.round && self.heal.is_none_or(|heal| round < heal)
    }
}

impl Default for Partition {
    fn default() -> Self {
        Partition {
            round: 1,
            split: Split::Half { one_way: false },
            heal: None,
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.round, self.split)?;
        match self.heal {
            Some(heal) => write!(f, ":{heal}"),
            None => Ok(()),
        }
    }
}

/// Up to `MAX_PARTITIONS` partitions, in the order of their start rounds. A datagram is
/// dropped when any partition holding at its sending blocks it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PartitionSchedule {
    entries: [Partition; MAX_PARTITIONS],
    len: usize,
}

impl PartitionSchedule {
    pub const FORM: &'static str = "none or ROUND:SPLIT[:HEAL] entries separated by commas, at most 8; SPLIT is half, racks, node ranges like 0-49|50-99 (sides split by |, ranges in a side joined by +, unnamed nodes one more side) or one-way A->B (half-> for the lower half to the upper); round 1 to 10000, HEAL after ROUND";

    pub fn entries(&self) -> &[Partition] {
        &self.entries[..self.len]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn from_entries(entries: &[Partition]) -> Result<PartitionSchedule, String> {
        if entries.len() > MAX_PARTITIONS {
            return Err(format!(
                "partition takes at most {MAX_PARTITIONS} entries (got {})",
                entries.len()
            ));
        }
        let mut schedule = PartitionSchedule::default();
        schedule.entries[..entries.len()].copy_from_slice(entries);
        schedule.len = entries.len();
        sort_few_by_key(&mut schedule.entries[..schedule.len], |entry| entry.round);
        Ok(schedule)
    }

    /// The partitions holding during `round`.
    pub fn holding(&self, round: u32) -> impl Iterator<Item = &Partition> {
        self.entries()
            .iter()
            .filter(move |entry| entry.holds(round))
    }

    /// Whether a datagram sent in `round` from `from` to `to` is dropped at a cut.
    #[inline]
    pub fn blocks(&self, round: u32, from: u32, to: u32, nodes: u32, racks: u32) -> bool {
        self.len > 0
            && self
                .holding(round)
                .any(|entry| entry.split.blocks(from, to, nodes, racks))
    }

    /// The round the last partition heals at; `None` without partitions or if one never heals.
    pub fn last_heal(&self) -> Option<u32> {
        let mut last = None;
        for entry in self.entries() {
            last = Some(last.unwrap_or(0).max(entry.heal?));
        }
        last
    }

    /// The latest round the schedule names (a start or a heal): 0 without partitions.
    pub fn latest_round(&self) -> u32 {
        self.entries()
            .iter()
            .map(|entry| entry.heal.unwrap_or(entry.round))
            .max()
            .unwrap_or(0)
    }

    /// Parses "10:half:30,40:0-9|10-99" (or "none").
    pub fn parse(text: &str) -> Result<PartitionSchedule, String> {
        let text = text.trim();
        if ["none", "off", ""].contains(&text) {
            return Ok(PartitionSchedule::default());
        }
        let mut entries = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let wrong = |why: String| {
                Err(format!(
                    "partition {part:?} is wrong: {why} (the form: ROUND:SPLIT[:HEAL], SPLIT half, racks, 0-49|50-99 or 0-49->50-99)"
                ))
            };
            let fields: Vec<&str> = part.split(':').map(str::trim).collect();
            let (round, split, heal) = match fields.as_slice() {
                [round, split] => (*round, *split, None),
                [round, split, heal] => (*round, *split, Some(*heal)),
                _ => return wrong("an entry is ROUND:SPLIT or ROUND:SPLIT:HEAL".into()),
            };
            let Ok(round) = round.parse::<u32>() else {
                return wrong(format!("the round {round:?} is not a whole number"));
            };
            if !(1..=MAX_CRASH_ROUND).contains(&round) {
                return wrong(format!("the round must be from 1 to {MAX_CRASH_ROUND}"));
            }
            let heal = match heal {
                None | Some("none" | "never") => None,
                Some(heal) => match heal.parse::<u32>() {
                    Ok(heal) if heal > round && heal <= MAX_CRASH_ROUND + 1 => Some(heal),
                    Ok(_) => {
                        return wrong(format!(
                            "the heal round must be after round {round}, at most {}",
                            MAX_CRASH_ROUND + 1
                        ));
                    }
                    Err(_) => {
                        return wrong(format!("the heal round {heal:?} is not a whole number"));
                    }
                },
            };
            let split = match Split::parse(split) {
                Ok(split) => split,
                Err(why) => return wrong(why),
            };
            entries.push(Partition { round, split, heal });
        }
        PartitionSchedule::from_entries(&entries)
    }
}

impl fmt::Display for PartitionSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let entries: Vec<String> = self.entries().iter().map(ToString::to_string).collect();
        f.write_str(&entries.join(","))
    }
}

/// A stable insertion sort, for a schedule's few entries (at most 8): the same order as the
/// standard library's stable sort, without compiling that sort once more per entry type.
fn sort_few_by_key<T, K: Ord>(entries: &mut [T], key: impl Fn(&T) -> K) {
    for end in 1..entries.len() {
        let mut at = end;
        while at > 0 && key(&entries[at - 1]) > key(&entries[at]) {
            entries.swap(at - 1, at);
            at -= 1;
        }
    }
}
