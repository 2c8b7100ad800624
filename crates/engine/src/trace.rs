//! A run's trace: every datagram sent, received or lost, every named timer set, fired or
//! cancelled, each node's first copy of each message, crashes and recoveries, one JSON object a
//! line (JSON Lines; docs/trace.md). Built from the reports a recording run already makes, so the
//! CLI (`gossip-sim trace`) and the page write the same text, and read back (`parse`, `Replay`)
//! so a trace, the lab's or a student's own, can be drawn and animated. Time is in ticks,
//! `TICKS_PER_ROUND` a round.

use crate::config::Config;
use crate::report::{Change, TICKS_PER_ROUND};
use crate::report::{Contact, Fate, RoundReport, Tick, TimerStep};
use crate::simulation::Simulation;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write;

/// The most events a trace may hold, written or read: about 35 MB of text, and what a tab can
/// draw and keep.
pub const MAX_EVENTS: usize = 500_000;
/// The most bytes of a trace read back (the page refuses a larger file before parsing it).
pub const MAX_BYTES: usize = 48 * 1024 * 1024;
/// The longest line read back: an event is under 200 bytes.
pub const MAX_LINE: usize = 1024;
/// The most nodes a trace may name (node ids 0 to this - 1): the page's largest network.
pub const MAX_NODES: u32 = 100_000;
/// The most nodes of a run the CLI traces: one round of a larger run records more datagrams
/// than a trace may hold.
pub const MAX_TRACED_NODES: u32 = 10_000;
/// Ticks up to here are exact in every JSON reader (2^53).
const MAX_TICK: u64 = 1 << 53;

/// What an event is. Each arm lists the fields it must carry in `required`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A datagram leaves `from` for `to`.
    Send,
    /// It reaches `to` (also a crashed `to`, which swallows it: `fate` "crashed").
    Receive,
    /// The network dropped it (at the tick it would have arrived).
    Lost,
    /// `to` sets a named timer `kind`, due at `due`.
    TimerSet,
    /// The timer ends: it fires at its due tick, or (`cancelled: true`) the protocol gives it up.
    TimerFired,
    /// `to` holds `message` for the first time, from `from` (itself for a sender).
    Learn,
    Crash,
    Recover,
    /// A network partition starts or heals (`kind` "start" or "heal").
    Partition,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::Send,
        EventKind::Receive,
        EventKind::Lost,
        EventKind::TimerSet,
        EventKind::TimerFired,
        EventKind::Learn,
        EventKind::Crash,
        EventKind::Recover,
        EventKind::Partition,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Send => "send",
            EventKind::Receive => "receive",
            EventKind::Lost => "lost",
            EventKind::TimerSet => "timer_set",
            EventKind::TimerFired => "timer_fired",
            EventKind::Learn => "learn",
            EventKind::Crash => "crash",
            EventKind::Recover => "recover",
            EventKind::Partition => "partition",
        }
    }

    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The fields this event must carry besides `event` and `tick`.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            EventKind::Send | EventKind::Receive | EventKind::Lost => &["from", "to", "kind"],
            EventKind::TimerSet | EventKind::TimerFired => &["to", "kind"],
            EventKind::Learn => &["to", "message"],
            EventKind::Crash | EventKind::Recover => &["to"],
            EventKind::Partition => &["kind"],
        }
    }

    /// The fields this event may carry besides the required ones.
    fn optional(self) -> &'static [&'static str] {
        match self {
            EventKind::Receive | EventKind::Lost => &["sent", "fate", "message"],
            EventKind::Send => &["message"],
            EventKind::TimerSet => &["due"],
            EventKind::TimerFired => &["due", "cancelled"],
            EventKind::Learn => &["from"],
            EventKind::Partition => &["from", "to"],
            _ => &[],
        }
    }
}

/// One line of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub event: EventKind,
    pub tick: Tick,
    pub from: Option<u32>,
    pub to: Option<u32>,
    /// The datagram's kind, the timer's name, or a partition's "start" / "heal".
    pub kind: Option<String>,
    pub message: Option<u32>,
    /// Receive, lost: when the datagram was sent (pairs it with its `send`).
    pub sent: Option<Tick>,
    /// Timer set: when it is due.
    pub due: Option<Tick>,
    /// Receive: informed, redundant, arrived or crashed; lost: lost.
    pub fate: Option<Fate>,
    /// Timer fired: the protocol gave the timer up before it was due (SRM's suppression, a
    /// refuted suspicion); written only when true.
    pub cancelled: bool,
}

impl Event {
    pub fn new(event: EventKind, tick: Tick) -> Event {
        Event {
            event,
            tick,
            from: None,
            to: None,
            kind: None,
            message: None,
            sent: None,
            due: None,
            fate: None,
            cancelled: false,
        }
    }

    fn from(mut self, node: u32) -> Event {
        self.from = Some(node);
        self
    }

    fn to(mut self, node: u32) -> Event {
        self.to = Some(node);
        self
    }

    fn kind(mut self, kind: &str) -> Event {
        self.kind = Some(kind.to_string());
        self
    }
}

fn fate_name(fate: Fate) -> &'static str {
    match fate {
        Fate::Lost => "lost",
        Fate::Crashed => "crashed",
        Fate::Informed => "informed",
        Fate::Redundant => "redundant",
        Fate::Arrived => "arrived",
        Fate::Partitioned => "partitioned",
    }
}

const FATES: [Fate; 6] = [
    Fate::Lost,
    Fate::Crashed,
    Fate::Informed,
    Fate::Redundant,
    Fate::Arrived,
    Fate::Partitioned,
];

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if (control as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", control as u32);
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

/// One event as its line (without the newline), fields in the documented order.
pub fn line(event: &Event, out: &mut String) {
    out.push_str("{\"event\":\"");
    out.push_str(event.event.name());
    let _ = write!(out, "\",\"tick\":{}", event.tick);
    for (name, value) in [("from", event.from), ("to", event.to)] {
        if let Some(node) = value {
            let _ = write!(out, ",\"{name}\":{node}");
        }
    }
    if let Some(kind) = &event.kind {
        out.push_str(",\"kind\":");
        write_string(kind, out);
    }
    for (name, value) in [
        ("message", event.message.map(u64::from)),
        ("sent", event.sent),
        ("due", event.due),
    ] {
        if let Some(number) = value {
            let _ = write!(out, ",\"{name}\":{number}");
        }
    }
    if let Some(fate) = event.fate {
        let _ = write!(out, ",\"fate\":\"{}\"", fate_name(fate));
    }
    if event.cancelled {
        out.push_str(",\"cancelled\":true");
    }
    out.push('}');
}

/// The whole trace as JSON Lines, one event a line, each line ended by a newline.
pub fn write(events: &[Event]) -> String {
    let mut out = String::with_capacity(events.len() * 64);
    for event in events {
        line(event, &mut out);
        out.push('\n');
    }
    out
}

/// Why a trace cannot be read: the line (from 1) and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    /// 0 when the trace as a whole is refused (too large, empty).
    pub line: usize,
    pub problem: String,
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(formatter, "{}", self.problem)
        } else {
            write!(formatter, "line {}: {}", self.line, self.problem)
        }
    }
}

fn at(line: usize, problem: impl Into<String>) -> TraceError {
    TraceError {
        line,
        problem: problem.into(),
    }
}

/// A JSON value quoted for a message, cut short so a message stays one line.
fn quote(value: &Value) -> String {
    let text = crate::json::to_string(value);
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

fn whole(line: usize, name: &str, value: &Value, below: u64) -> Result<u64, TraceError> {
    match value.as_u64() {
        Some(number) if number < below => Ok(number),
        _ => Err(at(
            line,
            format!(
                "\"{name}\" is {}, not a whole number from 0 to {}",
                quote(value),
                below - 1
            ),
        )),
    }
}

/// Reads one line's event.
fn parse_line(number: usize, text: &str) -> Result<Event, TraceError> {
    if text.len() > MAX_LINE {
        return Err(at(
            number,
            format!("{} characters; a line holds at most {MAX_LINE}", text.len()),
        ));
    }
    let value =
        crate::json::parse(text).map_err(|error| at(number, format!("not JSON ({error})")))?;
    let Value::Object(fields) = value else {
        return Err(at(
            number,
            format!("{} is not a JSON object", quote(&value)),
        ));
    };
    let event = match fields.get("event") {
        None => return Err(at(number, "no \"event\" field")),
        Some(Value::String(name)) => EventKind::from_name(name).ok_or_else(|| {
            at(
                number,
                format!(
                    "unknown event \"{}\" (one of: {})",
                    name.chars().take(40).collect::<String>(),
                    EventKind::ALL.map(EventKind::name).join(", ")
                ),
            )
        })?,
        Some(other) => {
            return Err(at(
                number,
                format!("\"event\" is {}, not a string", quote(other)),
            ));
        }
    };
    let tick = match fields.get("tick") {
        None => return Err(at(number, format!("{} without \"tick\"", event.name()))),
        Some(value) => whole(number, "tick", value, MAX_TICK)?,
    };
    check_fields(number, event, &fields)?;
    let mut parsed = Event::new(event, tick);
    for (name, value) in &fields {
        match name.as_str() {
            "from" => parsed.from = Some(whole(number, name, value, u64::from(MAX_NODES))? as u32),
            "to" => parsed.to = Some(whole(number, name, value, u64::from(MAX_NODES))? as u32),
            "message" => parsed.message = Some(whole(number, name, value, 1 << 32)? as u32),
            "sent" => parsed.sent = Some(whole(number, name, value, MAX_TICK)?),
            "due" => parsed.due = Some(whole(number, name, value, MAX_TICK)?),
            "cancelled" => match value {
                Value::Bool(cancelled) => parsed.cancelled = *cancelled,
                _ => {
                    return Err(at(
                        number,
                        format!("\"cancelled\" is {}, not true or false", quote(value)),
                    ));
                }
            },
            "kind" => match value {
                Value::String(kind) if !kind.is_empty() && kind.chars().count() <= 40 => {
                    parsed.kind = Some(kind.clone())
                }
                _ => {
                    return Err(at(
                        number,
                        format!(
                            "\"kind\" is {}, not a name of 1 to 40 characters",
                            quote(value)
                        ),
                    ));
                }
            },
            "fate" => {
                parsed.fate = Some(
                    FATES
                        .into_iter()
                        .find(|&fate| value.as_str() == Some(fate_name(fate)))
                        .ok_or_else(|| {
                            at(
                                number,
                                format!(
                                    "\"fate\" is {}, not one of: {}",
                                    quote(value),
                                    FATES.map(fate_name).join(", ")
                                ),
                            )
                        })?,
                )
            }
            _ => {}
        }
    }
    Ok(parsed)
}

/// Every required field is there, and no field the event does not take.
fn check_fields(
    number: usize,
    event: EventKind,
    fields: &Map<String, Value>,
) -> Result<(), TraceError> {
    for &name in event.required() {
        if !fields.contains_key(name) {
            return Err(at(
                number,
                format!(
                    "{} without \"{name}\" (it needs: tick, {})",
                    event.name(),
                    event.required().join(", ")
                ),
            ));
        }
    }
    for name in fields.keys() {
        let known = name == "event"
            || name == "tick"
            || event.required().contains(&name.as_str())
            || event.optional().contains(&name.as_str());
        if !known {
            let mut takes: Vec<&str> = vec!["tick"];
            takes.extend(event.required());
            takes.extend(event.optional());
            return Err(at(
                number,
                format!(
                    "{} does not take \"{}\" (it takes: {})",
                    event.name(),
                    name.chars().take(40).collect::<String>(),
                    takes.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Reads a trace, each event with its line number. Blank lines are skipped; ticks must not go
/// back in time.
pub fn parse_numbered(text: &str) -> Result<Vec<(usize, Event)>, TraceError> {
    if text.len() > MAX_BYTES {
        return Err(at(
            0,
            format!(
                "the trace is {:.1} MB; at most {} MB are read",
                text.len() as f64 / (1024.0 * 1024.0),
                MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    let mut events = Vec::new();
    let mut last_tick = 0;
    for (index, text) in text.lines().enumerate() {
        let number = index + 1;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if events.len() == MAX_EVENTS {
            return Err(at(
                number,
                format!("more than {MAX_EVENTS} events; a trace holds at most that many"),
            ));
        }
        let event = parse_line(number, text)?;
        if event.tick < last_tick {
            return Err(at(
                number,
                format!(
                    "tick {} comes after tick {last_tick}: events must be in time order",
                    event.tick
                ),
            ));
        }
        last_tick = event.tick;
        events.push((number, event));
    }
    if events.is_empty() {
        return Err(at(0, "the trace holds no events"));
    }
    Ok(events)
}

/// Reads a trace's events.
pub fn parse(text: &str) -> Result<Vec<Event>, TraceError> {
    Ok(parse_numbered(text)?
        .into_iter()
        .map(|(_, event)| event)
        .collect())
}

/// Why a run cannot be traced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooLarge(pub String);

impl std::fmt::Display for TooLarge {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Writes a run's events down round by round, from its reports. The page feeds it the rounds it
/// replays (with its clicked crashes), the CLI a whole run (`record`).
pub struct TraceWriter {
    events: Vec<Event>,
    kinds: Vec<&'static str>,
    /// Named timers already written as set: (node, set, due, name).
    timers_set: HashSet<(u32, Tick, Tick, &'static str)>,
    /// (node, message) already learned; a recovery without its state forgets the node's.
    known: HashSet<(u32, u32)>,
    limit: usize,
}

impl TraceWriter {
    /// Starts a trace of `simulation` before its first round: the nodes crashed from the start
    /// crash at tick 0, and what a node holds before round 1 (a sender's message, a stream's
    /// packets) it learns from itself at tick 0.
    pub fn new(simulation: &Simulation, limit: usize) -> TraceWriter {
        let mut writer = TraceWriter {
            events: Vec::new(),
            kinds: simulation.kinds().iter().map(|kind| kind.name).collect(),
            timers_set: HashSet::new(),
            known: HashSet::new(),
            limit,
        };
        let nodes = simulation.config().nodes;
        for node in (0..nodes).filter(|&node| simulation.is_crashed(node)) {
            writer.events.push(Event::new(EventKind::Crash, 0).to(node));
        }
        for node in 0..nodes {
            let known = simulation.known(node);
            for message in (0..64).filter(|message| known >> message & 1 == 1) {
                writer.learn(0, node, message, node);
            }
        }
        writer
    }

    /// A node's first copy of a message (once: a report may repeat what a node held at first).
    fn learn(&mut self, tick: Tick, node: u32, message: u32, from: u32) {
        if self.known.insert((node, message)) {
            let mut learn = Event::new(EventKind::Learn, tick).from(from).to(node);
            learn.message = Some(message);
            self.events.push(learn);
        }
    }

    fn kind(&self, contact: &Contact) -> &'static str {
        self.kinds
            .get(contact.kind as usize)
            .copied()
            .unwrap_or("datagram")
    }

    fn send(&mut self, contact: &Contact) {
        let kind = self.kind(contact);
        self.events.push(
            Event::new(EventKind::Send, contact.sent)
                .from(contact.from)
                .to(contact.to)
                .kind(kind),
        );
    }

    fn timer_set(&mut self, node: u32, set: Tick, due: Tick, name: &'static str) {
        if self.timers_set.insert((node, set, due, name)) {
            let mut event = Event::new(EventKind::TimerSet, set).to(node).kind(name);
            event.due = Some(due);
            self.events.push(event);
        }
    }

    /// Writes down one round's report (a recording run's).
    pub fn round(&mut self, report: &RoundReport) -> Result<(), TooLarge> {
        // A partition starting or healing at the round's start comes first.
        for partition in &report.partitions {
            let kind = if partition.healed { "heal" } else { "start" };
            self.events
                .push(Event::new(EventKind::Partition, partition.tick).kind(kind));
        }
        // Node events first: a crash at a round's start comes before the round's datagrams.
        for event in &report.events {
            let kind = match event.change {
                Change::Crashed => EventKind::Crash,
                Change::Recovered => {
                    self.known.retain(|&(node, _)| node != event.node);
                    EventKind::Recover
                }
                _ => continue,
            };
            self.events
                .push(Event::new(kind, event.tick).to(event.node));
        }
        // In the order the datagrams arrived; each send just before its arrival when they share
        // a tick (a delayed one's send moves back to its own tick when the trace is sorted).
        for contact in &report.contacts {
            self.send(contact);
            let kind = self.kind(contact);
            // A datagram dropped at a partition's cut is lost there, with that fate.
            let event = if matches!(contact.fate, Fate::Lost | Fate::Partitioned) {
                EventKind::Lost
            } else {
                EventKind::Receive
            };
            let mut arrival = Event::new(event, contact.arrives)
                .from(contact.from)
                .to(contact.to)
                .kind(kind);
            arrival.sent = Some(contact.sent);
            arrival.fate = Some(contact.fate);
            self.events.push(arrival);
        }
        for learned in &report.learned {
            self.learn(learned.tick, learned.node, learned.message, learned.from);
        }
        for change in &report.timer_log {
            let timer = change.timer;
            self.timer_set(timer.node, timer.set, timer.due, timer.name);
            let cancelled = match change.step {
                TimerStep::Set => continue,
                TimerStep::Fired => false,
                TimerStep::Cancelled => true,
            };
            let mut event = Event::new(EventKind::TimerFired, change.tick)
                .to(timer.node)
                .kind(timer.name);
            event.due = Some(timer.due);
            event.cancelled = cancelled;
            self.events.push(event);
        }
        // Timers set before round 1 (a protocol's start) show first as pending.
        for timer in &report.timers {
            self.timer_set(timer.node, timer.set, timer.due, timer.name);
        }
        if self.events.len() > self.limit {
            return Err(TooLarge(format!(
                "the trace would hold more than {} events (reached in round {}); trace fewer \
                 nodes, rounds or packets",
                self.limit, report.round
            )));
        }
        Ok(())
    }

    /// The events in time order (stable: within a tick, in the order they happened), with the
    /// sends of the datagrams still in flight.
    pub fn finish(mut self, simulation: &Simulation) -> Vec<Event> {
        for contact in simulation.flying() {
            self.send(&contact);
        }
        self.events.sort_by_key(|event| event.tick);
        self.events
    }
}

/// Plays `config` to its end (or to `rounds`) and returns every event, or why not: a run larger
/// than a trace may be. `clicks` are crashes and recoveries made between rounds, as the page's
/// clicks are: (round played so far, node, recover with its state).
pub fn record(
    config: &Config,
    rounds: Option<u32>,
    clicks: &[(u32, u32, bool)],
) -> Result<Vec<Event>, String> {
    if config.nodes > MAX_TRACED_NODES {
        return Err(format!(
            "a trace follows every datagram: at most {MAX_TRACED_NODES} nodes (not {})",
            config.nodes
        ));
    }
    let mut simulation = Simulation::with_contacts(config.clone()).map_err(|e| e.to_string())?;
    let mut writer = TraceWriter::new(&simulation, MAX_EVENTS);
    while rounds.is_none_or(|rounds| simulation.round() < rounds) {
        let round = simulation.round();
        for &(_, node, with_state) in clicks.iter().filter(|click| click.0 == round) {
            if simulation.is_crashed(node) {
                simulation.recover(node, with_state);
            } else {
                simulation.crash(node);
            }
        }
        let Some(report) = simulation.step() else {
            break;
        };
        writer.round(&report).map_err(|error| error.0)?;
    }
    if let Some(message) = simulation.halted() {
        return Err(message);
    }
    Ok(writer.finish(&simulation))
}

/// A datagram of a trace, its send paired with its arrival or loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    pub from: u32,
    pub to: u32,
    /// Index in `Replay::kinds`.
    pub kind: usize,
    pub sent: Tick,
    /// When it arrived or was lost; `None`: still in flight when the trace ends.
    pub arrives: Option<Tick>,
    /// Lost, crashed (arrived at a crashed node), informed, redundant or arrived; `None` in
    /// flight, or arrived without a fate given.
    pub fate: Option<Fate>,
    /// Where the diagram and the stage place its send and arrival: the tick, plus its place
    /// among the events of that tick (see `Replay::place`).
    pub sent_at: f64,
    pub arrives_at: Option<f64>,
}

impl Flight {
    pub fn lost(&self) -> bool {
        matches!(self.fate, Some(Fate::Lost | Fate::Partitioned))
    }
}

/// How a timer's bar ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerEnd {
    Fired,
    Cancelled,
    /// Its node crashed first.
    Crashed,
    /// Still pending when the trace ends.
    Pending,
}

/// A named timer of a trace, from when it was set to when it fired or was given up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerBar {
    pub node: u32,
    /// Index in `Replay::timer_names`.
    pub name: usize,
    pub set: Tick,
    pub due: Option<Tick>,
    pub end: Tick,
    pub how: TimerEnd,
}

/// A trace ready to draw: its datagrams paired, its timers as bars, its nodes' knowledge and
/// crashes, in time order. The page's space-time diagram and trace stage draw this.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replay {
    /// Nodes 0 to `nodes` - 1 (the highest node the trace names, plus one).
    pub nodes: u32,
    /// The last tick of the trace.
    pub end: Tick,
    /// Datagram kinds in order of first appearance.
    pub kinds: Vec<String>,
    pub timer_names: Vec<String>,
    pub flights: Vec<Flight>,
    pub timers: Vec<TimerBar>,
    /// (place, node, message, from): each node's first copy of each message.
    pub learned: Vec<(f64, u32, u32, u32)>,
    /// (place, node, crashed: true, or recovered: false).
    pub crashes: Vec<(f64, u32, bool)>,
    /// (tick, "start" or "heal").
    pub partitions: Vec<(Tick, String)>,
    /// Events in the trace.
    pub events: usize,
}

impl Replay {
    /// Reads a trace's text.
    pub fn load(text: &str) -> Result<Replay, TraceError> {
        Replay::from_numbered(&parse_numbered(text)?)
    }

    /// A run's events (numbered as their lines would be).
    pub fn from_events(events: &[Event]) -> Result<Replay, TraceError> {
        let numbered: Vec<(usize, Event)> = events
            .iter()
            .cloned()
            .enumerate()
            .map(|(index, event)| (index + 1, event))
            .collect();
        Replay::from_numbered(&numbered)
    }

    fn from_numbered(events: &[(usize, Event)]) -> Result<Replay, TraceError> {
        let mut replay = Replay {
            events: events.len(),
            ..Replay::default()
        };
        let mut kinds: HashMap<String, usize> = HashMap::new();
        let mut timer_names: HashMap<String, usize> = HashMap::new();
        // Sends not yet arrived, per (from, to, kind): indices into `flights`, oldest first.
        let mut flying: HashMap<(u32, u32, usize), VecDeque<usize>> = HashMap::new();
        // Timers pending per (node, name): indices into `timers`, oldest first.
        let mut pending: HashMap<(u32, usize), VecDeque<usize>> = HashMap::new();
        let mut learned: HashSet<(u32, u32)> = HashSet::new();
        let mut crashed: HashSet<u32> = HashSet::new();
        let mut highest = 0;
        let places = Replay::place(events.iter().map(|(_, event)| event.tick));
        for (position, (line, event)) in events.iter().enumerate() {
            let line = *line;
            let position_of_event = position;
            let tick = event.tick;
            replay.end = replay.end.max(tick);
            for node in [event.from, event.to].into_iter().flatten() {
                highest = highest.max(node + 1);
            }
            let (from, to) = (event.from.unwrap_or(0), event.to.unwrap_or(0));
            let intern = |names: &mut HashMap<String, usize>, list: &mut Vec<String>| {
                let name = event.kind.clone().unwrap_or_default();
                *names.entry(name.clone()).or_insert_with(|| {
                    list.push(name);
                    list.len() - 1
                })
            };
            match event.event {
                EventKind::Send => {
                    let kind = intern(&mut kinds, &mut replay.kinds);
                    flying
                        .entry((from, to, kind))
                        .or_default()
                        .push_back(replay.flights.len());
                    replay.flights.push(Flight {
                        from,
                        to,
                        kind,
                        sent: tick,
                        arrives: None,
                        fate: None,
                        sent_at: places[position],
                        arrives_at: None,
                    });
                }
                EventKind::Receive | EventKind::Lost => {
                    let kind = intern(&mut kinds, &mut replay.kinds);
                    let queue = flying.entry((from, to, kind)).or_default();
                    // The send it answers: the one of its `sent` tick, else the oldest.
                    let position = match event.sent {
                        Some(sent) => queue
                            .iter()
                            .position(|&index| replay.flights[index].sent == sent),
                        None => (!queue.is_empty()).then_some(0),
                    };
                    let Some(index) = position.and_then(|position| queue.remove(position)) else {
                        return Err(at(
                            line,
                            format!(
                                "{} of a {} datagram from {from} to {to} that was never sent{}",
                                event.event.name(),
                                replay.kinds[kind],
                                event
                                    .sent
                                    .map(|sent| format!(" at tick {sent}"))
                                    .unwrap_or_default()
                            ),
                        ));
                    };
                    let flight = &mut replay.flights[index];
                    flight.arrives = Some(tick);
                    flight.arrives_at = Some(places[position_of_event]);
                    flight.fate = match (event.event, event.fate) {
                        (EventKind::Lost, Some(Fate::Partitioned)) => Some(Fate::Partitioned),
                        (EventKind::Lost, _) => Some(Fate::Lost),
                        (_, Some(Fate::Lost)) => {
                            return Err(at(
                                line,
                                "a receive's fate cannot be \"lost\" (write a lost event)",
                            ));
                        }
                        (_, fate) => fate,
                    };
                }
                EventKind::TimerSet => {
                    let name = intern(&mut timer_names, &mut replay.timer_names);
                    if event.due.is_some_and(|due| due < tick) {
                        return Err(at(line, "a timer cannot be due before it is set"));
                    }
                    pending
                        .entry((to, name))
                        .or_default()
                        .push_back(replay.timers.len());
                    replay.timers.push(TimerBar {
                        node: to,
                        name,
                        set: tick,
                        due: event.due,
                        end: event.due.unwrap_or(tick),
                        how: TimerEnd::Pending,
                    });
                }
                EventKind::TimerFired => {
                    let name = intern(&mut timer_names, &mut replay.timer_names);
                    let queue = pending.entry((to, name)).or_default();
                    // The one due when the event says (a fired one: now), else the oldest.
                    let due = match event.cancelled {
                        false => event.due.or(Some(tick)),
                        true => event.due,
                    };
                    let position = queue
                        .iter()
                        .position(|&index| due.is_some() && replay.timers[index].due == due)
                        .or((!queue.is_empty() && event.due.is_none()).then_some(0));
                    let Some(index) = position.and_then(|position| queue.remove(position)) else {
                        return Err(at(
                            line,
                            format!(
                                "{} of a \"{}\" timer node {to} never set",
                                if event.cancelled {
                                    "cancelling"
                                } else {
                                    "timer_fired"
                                },
                                replay.timer_names[name]
                            ),
                        ));
                    };
                    let bar = &mut replay.timers[index];
                    bar.end = tick;
                    bar.how = if event.cancelled {
                        TimerEnd::Cancelled
                    } else {
                        TimerEnd::Fired
                    };
                }
                EventKind::Learn => {
                    let message = event.message.unwrap_or(0);
                    if learned.insert((to, message)) {
                        replay.learned.push((
                            places[position],
                            to,
                            message,
                            event.from.unwrap_or(to),
                        ));
                    }
                }
                EventKind::Crash | EventKind::Recover => {
                    let crash = event.event == EventKind::Crash;
                    if crash {
                        crashed.insert(to);
                        // A crash kills the node's timers.
                        for ((node, _), queue) in pending.iter_mut() {
                            if *node == to {
                                for index in queue.drain(..) {
                                    let bar = &mut replay.timers[index];
                                    bar.end = tick;
                                    bar.how = TimerEnd::Crashed;
                                }
                            }
                        }
                    } else {
                        crashed.remove(&to);
                        // A recovery without its state learns afresh.
                        learned.retain(|&(node, _)| node != to);
                    }
                    replay.crashes.push((places[position], to, crash));
                }
                EventKind::Partition => {
                    replay
                        .partitions
                        .push((tick, event.kind.clone().unwrap_or_default()));
                }
            }
        }
        replay.nodes = highest.max(1);
        // A timer still pending at the end is drawn to its due tick (or the trace's end).
        for bar in &mut replay.timers {
            if bar.how == TimerEnd::Pending {
                bar.end = bar.due.unwrap_or(replay.end).max(bar.set);
            }
        }
        Ok(replay)
    }

    /// Each event's place in time for drawing: its tick, plus, when several events share a
    /// tick (a synchronous round: every send and receipt at the round's start), its order among
    /// them spread over most of the gap to the next tick (at most a round). So a datagram
    /// delivered in its own tick still slants forward, and a reply leaves after its request.
    pub fn place(ticks: impl Iterator<Item = Tick>) -> Vec<f64> {
        let ticks: Vec<Tick> = ticks.collect();
        let mut places = Vec::with_capacity(ticks.len());
        let mut start = 0;
        while start < ticks.len() {
            let tick = ticks[start];
            let end = start + ticks[start..].iter().take_while(|&&t| t == tick).count();
            let gap = ticks
                .get(end)
                .map_or(TICKS_PER_ROUND, |&next| next - tick)
                .min(TICKS_PER_ROUND) as f64;
            let count = (end - start) as f64;
            for index in 0..end - start {
                places.push(tick as f64 + 0.8 * gap * (index as f64 + 0.5) / count);
            }
            start = end;
        }
        places
    }

    /// The round a tick belongs to (round 1 is ticks 0 to 99).
    pub fn round_of(tick: Tick) -> u32 {
        (tick / TICKS_PER_ROUND) as u32 + 1
    }

    /// The last round of the trace.
    pub fn rounds(&self) -> u32 {
        Replay::round_of(self.end)
    }
}
