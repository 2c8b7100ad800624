//! Read-only panels: the numbers, the legend, the selected node, notices and the explanation.

use crate::engine::config::Group;
use crate::engine::protocols;
use crate::engine::{Kind, Mode, Status};
use crate::ui::run::stage;
use crate::ui::state::{Action, MILESTONES, Run, THEORY_POINTS};
use crate::ui::widgets::palette::{self, Rgb};
use yew::prelude::*;

fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

fn rounds_text(rounds: Option<impl ToString>) -> String {
    rounds
        .map(|rounds| rounds.to_string())
        .unwrap_or_else(|| "–".into())
}

#[derive(Properties, Clone)]
pub struct RunProps {
    pub run: std::rc::Rc<std::cell::RefCell<Run>>,
    pub version: u64,
}

impl PartialEq for RunProps {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.run, &other.run) && self.version == other.version
    }
}

/// Round, informed and datagram counts of the run so far.
#[function_component(Counts)]
pub fn counts(props: &RunProps) -> Html {
    let run = props.run.borrow();
    let simulation = &run.simulation;
    let (informed, live) = (simulation.informed(), simulation.live());
    let totals = simulation.totals();
    let per_node = totals.datagrams as f64 / f64::from(live);
    // What the tally counts, in the protocol's words ("hold every packet", "consider X failed").
    let tally = capitalised(simulation.config().mode.spec().words().informed);
    let redundant_share = if totals.payload > 0 {
        totals.redundant as f64 / totals.payload as f64
    } else {
        0.0
    };
    html! {
        <dl class="counts">
            { plain("Round", "round", simulation.round().to_string()) }
            <div><dt>{ tally }</dt><dd class="tally"><span data-testid="informed">{ informed }</span>
                { " / " }<span data-testid="live">{ live }</span>{ " live" }</dd></div>
            { plain("Fraction", "fraction", percent(f64::from(informed) / f64::from(live))) }
            { noted("Datagrams", "datagrams", totals.datagrams.to_string(), format!(" ({per_node:.1}/node)")) }
            <div><dt>{ "Redundant" }</dt><dd data-testid="redundant">{ percent(redundant_share) }<small>{ " of payloads" }</small></dd></div>
            { noted("Lost", "lost", totals.lost.to_string(), format!(" +{} to crashed", totals.to_crashed)) }
            // Partitions: datagrams dropped at a cut, and whether one holds now.
            if !simulation.config().partitions.is_empty() {
                <div><dt>{ "Partitioned" }</dt><dd><span data-testid="partitioned">{ totals.partitioned }</span>
                    <small data-testid="partition-state">{ partition_state(simulation) }</small></dd></div>
            }
            // Failures and delays: datagrams sent and not yet arrived.
            { plain("In flight", "in-flight", simulation.in_flight().to_string()) }
            <div><dt>{ "At the sender" }</dt><dd><span data-testid="at-sender">{ totals.at_sender }</span>
                <small>{ " (at most " }<span data-testid="peak-at-sender">{ simulation.peak_at_sender() }</span>{ " a round)" }</small></dd></div>
            // async-racks: datagrams through the core switch, with racks.
            if simulation.racks().racks > 1 {
                <div><dt>{ "Core" }</dt><dd><span data-testid="through-core">{ totals.through_core }</span>
                    <small>{ " (" }<span data-testid="core-per-round">{ format!("{:.2}", totals.through_core as f64 / f64::from(simulation.round().max(1))) }</span>
                    { format!("/round, max {})", simulation.peak_through_core()) }</small></dd></div>
            }
            if let Some((mean, worst, incomplete)) = message_latency(simulation) {
                // Many messages: latency from injection until every live node has it.
                <div><dt>{ "Latency" }</dt><dd><span data-testid="message-latency">{ mean }</span>
                    <small>{ " mean, " }</small><span data-testid="message-latency-worst">{ worst }</span><small>{ " worst" }</small></dd></div>
                { noted("Incomplete", "incomplete-messages", incomplete.to_string(), format!(" of {} messages", simulation.messages())) }
            }
            <div class="kinds"><dt>{ "By kind" }</dt><dd>
                { for simulation.kinds().iter().enumerate().map(|(index, kind)| html! {
                    <span class="kind">{ format!("{} ", kind.name) }<b data-testid={format!("kind-{}", kind.name)}>{ totals.by_kind[index] }</b></span>
                }) }
            </dd></div>
        </dl>
    }
}

/// A row of the counts (here and in the views' numbers): its label and a value (`test_id` names it for the tests). One function
/// per kind of row rather than the markup repeated: each element of `html!` is code in the
/// page's wasm.
#[inline(never)]
pub(crate) fn plain(label: &'static str, test_id: &'static str, value: String) -> Html {
    html! { <div><dt>{ label }</dt><dd data-testid={test_id}>{ value }</dd></div> }
}

/// A row of the counts whose value has a note after it.
#[inline(never)]
fn noted(label: &'static str, test_id: &'static str, value: String, note: String) -> Html {
    html! {
        <div><dt>{ label }</dt><dd><span data-testid={test_id}>{ value }</span>
            <small>{ note }</small></dd></div>
    }
}

/// Many messages: the mean and worst latency (rounds) of the messages every live node holds so
/// far ("–" while none), and how many messages are not yet everywhere; `None` with one message.
fn message_latency(simulation: &crate::engine::Simulation) -> Option<(String, String, usize)> {
    let latencies = simulation.message_latencies();
    if latencies.is_empty() {
        return None;
    }
    let done: Vec<f64> = latencies
        .iter()
        .flatten()
        .map(|&rounds| f64::from(rounds))
        .collect();
    let incomplete = latencies.len() - done.len();
    if done.is_empty() {
        return Some(("–".into(), "–".into(), incomplete));
    }
    let mean = done.iter().sum::<f64>() / done.len() as f64;
    let worst = done.iter().copied().fold(0.0, f64::max);
    Some((format!("{mean:.1}"), format!("{worst:.0}"), incomplete))
}

/// Rounds to 50%, 99% and 100%, measured beside the theory's estimate, and the run's status.
#[function_component(Milestones)]
pub fn milestones(props: &MilestonesProps) -> Html {
    let run = props.run.borrow();
    let simulation = &run.simulation;
    let status = simulation.status();
    // When the last live node got it (a stop rule's run goes on after that; a timed run's time
    // has fractions of a period).
    // membership: a membership run never "informs everyone"; see its own table.
    let membership = simulation.config().mode.group() == Group::Membership;
    let rounds_to_all = simulation.completion_time().map_or_else(
        || {
            if membership {
                "n/a".into()
            } else {
                String::new()
            }
        },
        |time| {
            if time.fract() == 0.0 {
                format!("{time}")
            } else {
                format!("{time:.2}")
            }
        },
    );
    let words = simulation.config().mode.spec().words();
    let status_text = match (status, simulation.warning()) {
        (_, Some(warning)) => warning.to_string(),
        (Status::Completed { rounds }, _) if simulation.config().mongering.stop.is_some() => {
            format!("Every live node informed; the rumor died out after {rounds} rounds.")
        }
        (Status::Completed { rounds }, _) => {
            format!("After {rounds} rounds {}.", words.done)
        }
        // membership: a membership run lasts its periods.
        (Status::Stopped { rounds }, _)
            if simulation.config().mode.group() == Group::Membership =>
        {
            format!(
                "Ran its {rounds} periods; the tally counts the live nodes that {}.",
                words.informed
            )
        }
        (Status::Stopped { rounds }, _) => {
            format!(
                "Stopped at the round limit ({rounds}) before {}.",
                words.done
            )
        }
        (Status::Ended { rounds }, _) if simulation.config().mongering.stop.is_some() => {
            let missed = simulation.live() - simulation.informed();
            format!(
                "The rumor died out after {rounds} rounds: no node spreads it any more, and {missed} live node{} never got it (the residue).",
                if missed == 1 { "" } else { "s" }
            )
        }
        (Status::Ended { rounds }, _) => {
            let missed = simulation.live() - simulation.informed();
            format!(
                "Over after {rounds} rounds with nothing left to send: {missed} live node{} never got the message ({}).",
                if missed == 1 { "" } else { "s" },
                words.ended
            )
        }
        // Nothing has happened yet and nothing plays: the run waits for the lecturer.
        (Status::Running, _) if simulation.round() == 0 && props.idle => {
            "Ready: press Play, Step or Run to end.".to_string()
        }
        (Status::Running, _) => "Running: press Play, Step or Run to end.".to_string(),
    };
    // Membership's milestones are live nodes that have come to consider X failed.
    let milestones_heading = if membership {
        "Rounds until believed failed by"
    } else {
        "Rounds to inform"
    };
    let milestone = |label: &str, index: usize| {
        html! {
            <tr>
                <th scope="row">{ label }</th>
                <td>{ rounds_text(run.rounds_to(index)) }</td>
                <td class="theory">{ rounds_text(run.theory_rounds_to(MILESTONES[index])) }</td>
            </tr>
        }
    };
    html! {
        <div class="milestones-panel">
            <table class="milestones">
                <thead><tr><th>{ milestones_heading }</th><th>{ "this run" }</th><th>{ "theory" }</th></tr></thead>
                <tbody>
                    { milestone("50%", 0) }
                    { milestone("99%", 1) }
                    <tr>
                        <th scope="row">{ "100%" }</th>
                        <td data-testid="rounds-to-all">{ rounds_to_all }</td>
                        <td class="theory" data-testid="theory-rounds">{ theory_rounds_text(&run) }</td>
                    </tr>
                </tbody>
            </table>
            <p class="status" data-testid="status">{ status_text }</p>
        </div>
    }
}

fn theory_rounds_text(run: &Run) -> String {
    let config = run.simulation.config();
    match run.theory_rounds {
        Some(rounds) => rounds.to_string(),
        None if config.mean_loss() >= 1.0 => "never".into(),
        // A stop rule's expected residue: some nodes are never informed.
        None if config.mongering.stop.is_some() => "not all".into(),
        // No theory holds here (repairs under loss, a crash schedule, ...): the note says why.
        None if run.theory.is_empty() && config.mode.group() != Group::Membership => "–".into(),
        // Multicast without a way to recover from loss or crashes does not reach everyone.
        None if config.mode.group() == Group::Multicast => "not all".into(),
        // Many messages: no theory figure for "every message everywhere".
        None if config.many_messages() => "–".into(),
        // membership: see the membership table.
        None if config.mode.group() == Group::Membership => "n/a".into(),
        // The model stopped at its bound of work (the lagged recurrence for pull under heavy
        // loss with a long delay): its curve ends before the page's cap, where it got to.
        None if run.theory.len() < THEORY_POINTS => {
            format!("over {}", run.theory.len() - 1)
        }
        None => format!("over {}", crate::engine::theory::MAX_ITERATIONS),
    }
}

/// What the current mode shows, in the lecture's terms.
#[function_component(Explanation)]
pub fn explanation(props: &ExplanationProps) -> Html {
    let spec = props.mode.spec();
    let text = spec.words().explanation;
    let variant = spec.variant_explanation(&props.config);
    html! {
        <>
            <p class="explanation" data-testid="explanation">{ text }</p>
            if let Some(variant) = variant {
                <p class="explanation" data-testid="variant-explanation">{ variant }</p>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct ExplanationProps {
    pub mode: Mode,
    pub config: crate::engine::Config,
}

fn swatch(colour: Rgb, shape: &'static str) -> Html {
    let style = format!("--swatch: {}", palette::hex(colour));
    html! { <span class={classes!("swatch", shape)} style={style} aria-hidden="true"></span> }
}

/// A legend entry: a swatch and its words. One function rather than the markup repeated: each
/// element of `html!` is code in the page's wasm.
#[inline(never)]
fn entry(colour: Rgb, shape: &'static str, label: String) -> Html {
    html! { <li>{ swatch(colour, shape) }{ label }</li> }
}

#[function_component(Legend)]
pub fn legend(props: &LegendProps) -> Html {
    // The protocol's words: membership counts the nodes that consider X failed, not "informed".
    let informed = props.mode.spec().words().informed;
    let mut entries: Vec<Html> = Vec::new();
    let add = |entries: &mut Vec<Html>, colour: Rgb, shape: &'static str, label: &str| {
        entries.push(entry(colour, shape, label.to_string()));
    };
    let kinds = |entries: &mut Vec<Html>| {
        for kind in props.kinds {
            let (colour, filled) = palette::look(kind.look);
            let shape = if filled { "dot" } else { "hollow" };
            entries.push(entry(colour, shape, kind.label.to_string()));
        }
    };
    // Membership: the stage shows what the group believes about each member.
    if props.mode.group() == Group::Membership {
        // Cassandra: one observer's phi about each member (click a node to observe from it).
        let beliefs = if props.mode == Mode::Cassandra {
            add(
                &mut entries,
                palette::SELECTED,
                "ring",
                "the observer (click a node to choose)",
            );
            [
                "its φ about the node: 0",
                "φ near the threshold",
                "φ past it: convicted",
            ]
        } else {
            [
                "believed alive",
                "suspected (shade: by how many)",
                "believed failed",
            ]
        };
        let colours = [
            stage::BELIEF_ALIVE,
            stage::BELIEF_SUSPECTED,
            stage::BELIEF_FAILED,
        ];
        for (colour, label) in colours.into_iter().zip(beliefs) {
            add(&mut entries, colour, "node", label);
        }
        add(&mut entries, palette::CRASHED, "cross", "crashed");
        if props.animated {
            kinds(&mut entries);
            add(&mut entries, palette::LOST, "cross", "lost datagram");
        }
        return html! { <ul class="legend" aria-label="Legend">{ for entries }</ul> };
    }
    let gradient = format!(
        "background: linear-gradient(90deg, {}, {}, {})",
        palette::hex(palette::viridis(0.0)),
        palette::hex(palette::viridis(0.5)),
        palette::hex(palette::viridis(1.0))
    );
    add(&mut entries, palette::UNINFORMED, "node", "the others");
    entries.push(html! {
        <li><span class="swatch gradient" style={gradient} aria-hidden="true"></span>{ format!("{informed}: early → late round") }</li>
    });
    add(
        &mut entries,
        palette::NEW,
        "ring",
        &format!("{informed}, new this round"),
    );
    if props.mongering {
        let infective = palette::viridis(0.5);
        add(
            &mut entries,
            infective,
            "node",
            "infective: still spreading",
        );
        add(
            &mut entries,
            infective,
            "ring",
            "removed: stopped spreading",
        );
    }
    add(&mut entries, palette::INK, "ring", "sender");
    add(&mut entries, palette::CRASHED, "cross", "crashed");
    if props.cut_off {
        add(
            &mut entries,
            palette::CUT_OFF,
            "node",
            "cut off (below a crash, or never reached)",
        );
    }
    if props.regions {
        add(&mut entries, palette::REGIONS[0], "line", "region");
        add(&mut entries, palette::INK, "square", "designated receiver");
    }
    if props.stream {
        add(
            &mut entries,
            palette::PUSH,
            "dot",
            "share of the packets held",
        );
        add(
            &mut entries,
            palette::PULL,
            "ring",
            "pending request (NAK) or ACK timer",
        );
        add(
            &mut entries,
            palette::REPAIR,
            "ring",
            "pending repair timer",
        );
    }
    if props.animated {
        kinds(&mut entries);
        add(
            &mut entries,
            palette::REDUNDANT,
            "dot small",
            "redundant (already knew)",
        );
        add(&mut entries, palette::LOST, "cross", "lost datagram");
    } else {
        entries.push(html! {
            <li class="note">{ format!("Above {} nodes each cell is a node; datagrams are not drawn.", crate::ui::state::ANIMATED_NODES) }</li>
        });
    }
    html! { <ul class="legend" aria-label="Legend">{ for entries }</ul> }
}

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    pub mode: Mode,
    pub animated: bool,
    /// The datagram kinds the protocol declares.
    pub kinds: &'static [Kind],
    /// Whether the layout shades cut-off subtrees.
    pub cut_off: bool,
    /// Whether the layout groups receivers in regions with designated receivers.
    pub regions: bool,
    /// Whether nodes hold a stream of packets and timers (SRM, RMTP).
    pub stream: bool,
    /// Rumor mongering: the engine tells nodes still spreading from those that stopped.
    #[prop_or_default]
    pub mongering: bool,
}

#[derive(Properties, Clone)]
pub struct MilestonesProps {
    pub run: std::rc::Rc<std::cell::RefCell<Run>>,
    pub version: u64,
    /// Neither playing nor running to the end.
    pub idle: bool,
}

impl PartialEq for MilestonesProps {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.run, &other.run)
            && self.version == other.version
            && self.idle == other.idle
    }
}

/// Details of the clicked node.
#[function_component(NodeDetails)]
pub fn node_details(props: &NodeDetailsProps) -> Html {
    let run = props.run.run.borrow();
    let Some(node) = props.selected else {
        let click = run.simulation.config().mode.spec().words().click;
        return html! { <p class="node-details muted" data-testid="node-details">{ click }</p> };
    };
    let simulation = &run.simulation;
    let beliefs = stage::beliefs(&run).map(|shares| shares[node as usize]);
    let text = if let Some((suspected, failed)) = beliefs {
        // Membership: what the group believes about the node, in shares of its live observers.
        let state = if simulation.is_crashed(node) {
            "crashed"
        } else {
            "alive"
        };
        format!(
            "Node {node}: {state}; {:.0}% of the live nodes suspect it, {:.0}% believe it failed.",
            suspected * 100.0,
            failed * 100.0
        )
    } else if simulation.is_crashed(node) {
        format!("Node {node}: crashed, never sends or receives.")
    } else {
        match simulation.informed_when_and_by(node) {
            Some((0, _)) => format!("Node {node}: the sender, informed from the start."),
            Some((round, Some(from))) => {
                format!("Node {node}: informed in round {round} by node {from}.")
            }
            Some((round, None)) => format!("Node {node}: informed in round {round}."),
            None => format!("Node {node}: not informed yet."),
        }
    };
    // Cassandra: the clicked node is the observer whose phi the stage and the plot show.
    let text = match stage::phi_observer(&run, Some(node)) {
        Some(observer) if observer == node => {
            format!("{text} The stage and the φ plot show its φ about each member.")
        }
        _ => text,
    };
    // Rumor mongering: whether it still spreads, as the engine reports it.
    let text = match simulation.spreading(node) {
        Some(spreading) if simulation.informed_when_and_by(node).is_some() => format!(
            "{text} {}",
            if spreading {
                "Infective: still spreading the rumor."
            } else {
                "Removed: it has stopped spreading."
            }
        ),
        _ => text,
    };
    let dispatch = props.dispatch.clone();
    let close = Callback::from(move |_: MouseEvent| dispatch.emit(Action::Select(None)));
    html! {
        <p class="node-details" data-testid="node-details">{ text }
            <button class="link" onclick={close} aria-label="Close node details">{ "×" }</button></p>
    }
}

#[derive(Properties, PartialEq)]
pub struct NodeDetailsProps {
    pub selected: Option<u32>,
    pub run: RunProps,
    pub dispatch: Callback<Action>,
}

#[function_component(Notices)]
pub fn notices(props: &NoticesProps) -> Html {
    if props.notices.is_empty() {
        return html! { <div class="notices" role="status" aria-live="polite"></div> };
    }
    let dispatch = props.dispatch.clone();
    let dismiss = Callback::from(move |_: MouseEvent| dispatch.emit(Action::DismissNotices));
    html! {
        <div class="notices visible" role="status" aria-live="polite" data-testid="notice">
            <ul>{ for props.notices.iter().map(|notice| html! { <li>{ notice }</li> }) }</ul>
            <button onclick={dismiss}>{ "Dismiss" }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NoticesProps {
    pub notices: Vec<String>,
    pub dispatch: Callback<Action>,
}

/// A figure to the digits that mean something: whole numbers bare ("8", not "8.0"), two
/// decimals below 1, one up to 100, none above.
fn figure(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 || value >= 100.0 {
        format!("{value:.0}")
    } else if value < 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.1}")
    }
}

/// The protocol's lesson in one figure, expected beside this run's: both are the engine's.
#[function_component(Expectation)]
pub fn expectation(props: &RunProps) -> Html {
    let run = props.run.borrow();
    let simulation = &run.simulation;
    let Some(lesson) = simulation.lesson() else {
        return html! {};
    };
    let stop_rule = protocols::stop_rule_theory(simulation.config()).is_some();
    let shown = |value: f64| {
        if stop_rule {
            percent(value)
        } else {
            figure(value)
        }
    };
    let measures = simulation.measures();
    let measured = lesson.measured.map_or_else(
        || {
            if run.is_over() {
                "not reached".to_string()
            } else {
                "not yet".to_string()
            }
        },
        shown,
    );
    html! {
        <>
        <p class="expectation" data-testid="expectation">
            <b>{ capitalised(lesson.figure) }</b>
            // Without an expected figure the reason stands in its place ("no closed form: ...").
            if let Some(expected) = lesson.expected {
                { ": expected about " }<b data-testid="lesson-expected">{ shown(expected) }</b>
                { format!(" ({}); this run: ", lesson.why) }
            } else {
                { format!(": {}. This run: ", lesson.why) }
            }
            if stop_rule {
                <b data-testid="lesson-measured"><span data-testid="residue">{ measured }</span></b>
                { " with traffic m = " }<b data-testid="traffic">{ format!("{:.2}", measures.traffic()) }</b>
                { format!(" pushes per node, and e^(−m) = {}", percent((-measures.traffic()).exp())) }
            } else {
                <b data-testid="lesson-measured">{ measured }</b>
            }
        </p>
        { per_message(simulation) }
        </>
    }
}

/// The most messages whose figures the line lists; the rest are elided.
const LISTED_MESSAGES: usize = 12;

/// The protocol's figures per message (`ProtocolSpec::message_figures`), in injection order, on
/// one line: "rmr 2.97, 0, 0 · ldh 6, 6, 6 · ..."; nothing for protocols without them.
fn per_message(simulation: &crate::engine::Simulation) -> Html {
    let figures = simulation.config().mode.spec().message_figures();
    if figures.is_empty() {
        return html! {};
    }
    let values = simulation.message_figures();
    let count = simulation.messages() as usize;
    let row = |index: usize| -> String {
        let row = values
            .get(index * count..(index + 1) * count)
            .unwrap_or(&[]);
        let mut shown: Vec<String> = row
            .iter()
            .take(LISTED_MESSAGES)
            .map(|&value| {
                if value.is_nan() {
                    "–".into()
                } else {
                    figure(value)
                }
            })
            .collect();
        if row.len() > LISTED_MESSAGES {
            shown.push("…".into());
        }
        shown.join(", ")
    };
    html! {
        <p class="expectation per-message" data-testid="per-message">
            { "Per message, in injection order: " }
            { for figures.iter().enumerate().map(|(index, about)| html! {
                <span title={about.about}>
                    if index > 0 { { " · " } }
                    <b>{ about.key }</b>{ " " }
                    <span data-testid={format!("per-message-{}", about.key)}>{ row(index) }</span>
                </span>
            }) }
        </p>
    }
}

/// The figure's name as a sentence starts.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Whether a partition's cut holds in the round on the stage, in words: " cut holds" (with the
/// round it heals at) or " healed"; before its start, when it starts.
fn partition_state(simulation: &crate::engine::Simulation) -> String {
    let round = simulation.round().max(1);
    let partitions = simulation.config().partitions;
    if let Some(&entry) = simulation.partitions_holding(round).first() {
        return match partitions.entries()[entry].heal {
            Some(heal) => format!(" cut till round {heal}"),
            None => " cut, never heals".into(),
        };
    }
    match partitions
        .entries()
        .iter()
        .find(|entry| entry.round > round)
    {
        Some(next) => format!(" cut at round {}", next.round),
        None => match (simulation.membership(), simulation.rejoin_time()) {
            (None, _) => " healed".into(),
            (Some(_), Some(periods)) => format!(" healed; rejoined in {periods}"),
            (Some(_), None) => " healed; not rejoined yet".into(),
        },
    }
}
