//! What describes a protocol to the rest of the lab: its name, group, parameters, datagram
//! kinds, builder, round limit, theory, lesson and the page's words. Each protocol file exports
//! one `SPEC`; `protocols::REGISTRY` lists them. The CLI, the JSON, the URL, the parameter table,
//! the controls, the charts and the lesson read a protocol only through its spec.

use crate::config::Config;
use crate::drivers::Run;
use crate::failures::Delay;
use crate::protocol::Structure;
use crate::report::{Counters, Kind};

/// How the page groups the protocols.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Multicast,
    Gossip,
    /// Who is alive, by gossip.
    Membership,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Multicast, Group::Gossip, Group::Membership];

    pub fn name(self) -> &'static str {
        match self {
            Group::Multicast => "multicast",
            Group::Gossip => "gossip",
            Group::Membership => "membership",
        }
    }
}

/// The words the page uses for a protocol.
#[derive(Debug)]
pub struct Words {
    /// The protocol's name as a heading ("Push-pull", "SRM").
    pub title: &'static str,
    /// The explanation under the stage: what to watch and why it matters.
    pub explanation: &'static str,
    /// What the tally counts, after "N / M live": "informed", "hold every packet".
    pub informed: &'static str,
    /// What the fanout b means for this protocol, under its control.
    pub fanout: &'static str,
    /// What clicking a node shows.
    pub click: &'static str,
    /// The status line's words when a run completes ("every live node is informed").
    pub done: &'static str,
    /// The status line's words when a run ends with nodes left out.
    pub ended: &'static str,
}

/// A protocol's lesson in one figure: what to measure, what theory expects of it for this
/// configuration, and what the run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// What the figure is, in words.
    pub figure: &'static str,
    /// What theory expects; `None` where its assumptions do not hold (`why` says which).
    pub expected: Option<f64>,
    /// Why that is expected, in words.
    pub why: String,
    /// The run's value; `None` before there is anything to measure (no loss repaired yet).
    pub measured: Option<f64>,
}

/// What a lesson's figure is measured from: a run's totals and outcome.
#[derive(Clone, Debug, Default)]
pub struct Measures {
    pub totals: Counters,
    /// The most datagrams that arrived at the sender in one round.
    pub peak_at_sender: u64,
    pub live: u32,
    /// Live nodes informed.
    pub informed: u32,
    /// The round every live node was informed in, if it was.
    pub completed: Option<u32>,
    /// Membership: periods from the watched crash to its first detection, if detected.
    pub first_detection: Option<f64>,
    /// The protocol's figures per message (`ProtocolSpec::message_figures`), figure by figure,
    /// each one value per message (NaN where a message gives none); empty without such figures.
    pub per_message: Vec<f64>,
}

impl Measures {
    /// The share of the live nodes never informed.
    pub fn residue(&self) -> f64 {
        f64::from(self.live - self.informed.min(self.live)) / f64::from(self.live.max(1))
    }

    /// Figure `figure` (an index into `ProtocolSpec::message_figures`) of each message.
    pub fn figure(&self, figure: usize, messages: u32) -> &[f64] {
        let messages = messages as usize;
        self.per_message
            .get(figure * messages..(figure + 1) * messages)
            .unwrap_or(&[])
    }

    /// Payload datagrams per live node: rumor mongering's traffic m.
    pub fn traffic(&self) -> f64 {
        self.totals.payload as f64 / f64::from(self.live.max(1))
    }
}

/// A figure a protocol measures for each message it broadcasts (Plumtree's reliability, say):
/// the JSON summary gives it as `{mean, per_message}` under `key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageFigure {
    /// The JSON key ("rmr").
    pub key: &'static str,
    /// What it is, in words.
    pub about: &'static str,
}

/// Where a protocol's theory comes from and when it holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TheorySource {
    pub source: &'static str,
    pub assumptions: &'static str,
}

/// Plain gossip's law: who calls and what a call does (theory.md section 1). The mean-field
/// recurrence, the round limit and the counting driver read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Law {
    /// Informed callers push.
    pub push: bool,
    /// Uninformed callers pull.
    pub pull: bool,
}

/// The lesson of a protocol whose theory gives the rounds to inform everyone.
pub const ROUNDS_FIGURE: &str = "rounds to inform every live node";

/// The rounds lesson: the theory's rounds against the run's, where the theory gives some.
pub fn rounds_lesson(expected: Option<u32>, measures: Option<&Measures>) -> Option<Lesson> {
    Some(Lesson {
        figure: ROUNDS_FIGURE,
        expected: Some(f64::from(expected?)),
        why: "theory".into(),
        measured: measures
            .and_then(|measures| measures.completed)
            .map(f64::from),
    })
}

/// `first` then `then`, for parameter lists built on a shared one (`C` must be `A + B`).
pub const fn join<const A: usize, const B: usize, const C: usize>(
    first: [&'static str; A],
    then: [&'static str; B],
) -> [&'static str; C] {
    assert!(A + B == C, "C must be A + B");
    let mut joined = [""; C];
    let mut index = 0;
    while index < A {
        joined[index] = first[index];
        index += 1;
    }
    while index < C {
        joined[index] = then[index - A];
        index += 1;
    }
    joined
}

/// The memory a run needs, in bytes, as `Config::validate` estimates it.
pub const BYTES_PER_IN_FLIGHT: u64 = 48;

pub trait ProtocolSpec: Sync {
    /// The name on the command line, in URLs and in JSON ("push-pull").
    fn name(&self) -> &'static str;
    fn group(&self) -> Group;
    /// One line: what the protocol does.
    fn about(&self) -> &'static str;
    /// The JSON keys of every parameter the protocol takes; others are refused.
    fn params(&self) -> &'static [&'static str];
    /// Parameters no other protocol has, described here (key, URL key, range, default, help)
    /// and held in `Config::own`: a new protocol's parameters need no row in `params.rs` nor a
    /// field in `Config`. They join `params::PARAMS` (the CLI's flags, the URL's keys, the JSON,
    /// the README's table); list their keys in `params` too.
    fn own_params(&self) -> &'static [crate::params::Param] {
        &[]
    }
    /// The datagram kinds a run of `config` sends.
    fn kinds(&self, config: &Config) -> &'static [Kind];
    /// The kinds (indices into `kinds`) the protocol multicasts: the JSON's `multicasts` holds
    /// each of them, zero included, so a run without a multicast still says it had none.
    fn multicast_kinds(&self) -> &'static [u8] {
        &[]
    }
    /// How the stage lays the nodes out.
    fn structure(&self, _config: &Config) -> Structure {
        Structure::Circle
    }
    /// The run of `config` on the driver that fits it.
    fn build(&self, config: &Config) -> Box<dyn Run>;
    /// The run on the event driver (`delay` overriding the configured one): the differential
    /// tests' twin of the fast driver's run.
    fn build_on_events(&self, config: &Config, _delay: Option<Delay>) -> Box<dyn Run> {
        self.build(config)
    }
    /// The default round limit: far beyond what a run that can complete needs.
    fn round_limit(&self, config: &Config) -> u32;
    /// Checks between parameters of this protocol (the ranges are checked already).
    fn check(&self, _config: &Config) -> Result<(), String> {
        Ok(())
    }
    /// Plain gossip's law, when `config` is plain gossip (one rumor, no stop rule).
    fn law(&self, _config: &Config) -> Option<Law> {
        None
    }
    /// The theory's expected informed fraction of the live nodes per round, from round 0; empty
    /// where no model holds for `config`.
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64>;
    /// Rounds until the theory expects every live node informed; `None` if it never does or no
    /// model holds.
    fn expected_rounds(&self, config: &Config) -> Option<u32>;
    /// The literature's closed form for the rounds, where one applies, with its source.
    fn closed_form(&self, _config: &Config) -> Option<(f64, &'static str)> {
        None
    }
    /// Where the protocol's theory comes from and its assumptions; `None`: no model.
    fn theory(&self) -> Option<TheorySource>;
    /// The sentence that says which theory is drawn for `config`, or that none is.
    fn theory_note(&self, config: &Config) -> String;
    /// The lesson's figure for `config`, measured from `measures` when given.
    fn lesson(&self, _config: &Config, _measures: Option<&Measures>) -> Option<Lesson> {
        None
    }
    /// The name of the lesson's figure, whatever the configuration; `None`: no lesson figure.
    fn lesson_figure(&self) -> Option<&'static str> {
        None
    }
    fn words(&self) -> &'static Words;
    /// A second paragraph for a variant of the protocol that `config` selects (a stop rule).
    fn variant_explanation(&self, _config: &Config) -> Option<&'static str> {
        None
    }
    /// The most nodes the page runs this protocol with (the CLI takes `limits::NODES`).
    fn page_nodes(&self) -> u32 {
        crate::config::limits::PAGE_NODES
    }
    /// Why the page runs this protocol with fewer nodes than plain gossip, in a few words the
    /// nodes control and its notice show ("every node keeps a list of every member"); `None`
    /// where the page takes as many nodes as the engine.
    fn page_nodes_reason(&self) -> Option<&'static str> {
        Some("more would not keep the frames smooth")
    }
    /// The fanout the page moves to when a lecturer picks this protocol while b is 1: b = 1
    /// makes a tree a chain, which teaches the opposite of its lesson. The CLI and the URL keep
    /// b as given.
    fn page_fanout(&self) -> Option<u32> {
        None
    }
    /// Whether a crash cuts the subtree below the node off (the plain tree, no routing around).
    fn crash_cuts_subtree(&self) -> bool {
        false
    }
    /// Figures measured per message, in the order `Protocol::message_figures` computes them;
    /// each joins the JSON summary as `{mean, per_message}`.
    fn message_figures(&self) -> &'static [MessageFigure] {
        &[]
    }
    /// Bytes of state per node, beyond the driver's own.
    fn node_bytes(&self, _config: &Config) -> u64 {
        0
    }
    /// The most datagrams one node sends in one round (an upper bound, for the memory budget).
    fn sends_per_node(&self, config: &Config) -> u64;
    /// Bytes one datagram waiting in the event driver's queue holds (`drivers::queued_bytes`
    /// of the protocol, for a body larger than a few words).
    fn datagram_bytes(&self) -> u64 {
        BYTES_PER_IN_FLIGHT
    }
}
