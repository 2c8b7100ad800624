//! What the three membership protocols' descriptors share: their checks, theory notes and budget.

use crate::config::{Config, limits};
use crate::drivers::Run;
use crate::report::Kind;
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};

/// The lesson's figure of every membership protocol.
pub const DETECTION_FIGURE: &str = "periods from the crash to its first detection";

/// The page runs membership up to this many nodes: heartbeat's and Cassandra's lists are N x N,
/// and a period's work grows as N^2 (each list sent or compared is N long).
pub const PAGE_NODES: u32 = 2_000;

/// Why the page caps membership at `PAGE_NODES`, in the page's words.
pub const PAGE_NODES_REASON: &str = "every node keeps a list of every member";

/// When the membership figures hold.
pub const ASSUMPTIONS: &str =
    "one crash, no delay, independent loss; the figure is the first detection after the crash";

/// The membership modes' checks between parameters: heartbeat's and Cassandra's lists are N x N.
pub fn check(config: &Config) -> Result<(), String> {
    if config.nodes > limits::MEMBERSHIP_NODES {
        return Err(format!(
            "nodes must be between 2 and {} for {}: every node keeps a list of every member (got {})",
            limits::MEMBERSHIP_NODES,
            config.mode,
            config.nodes
        ));
    }
    Ok(())
}

/// How many members a list can hold as anything but alive at version 0, at most: every member
/// where loss, delay or a partition can bring false suspicions and refutations; otherwise the
/// crashed ones (from the start and by the schedule, each fraction rounded up), and one more
/// for the joiner.
pub fn changed_members(config: &Config) -> u64 {
    let nodes = u64::from(config.nodes);
    if config.network.loss > 0.0
        || config.burst.is_some()
        || config.has_delay()
        || !config.partitions.entries().is_empty()
    {
        return nodes;
    }
    let scheduled: u64 = config
        .crash_schedule()
        .entries()
        .iter()
        .map(|entry| (entry.fraction * nodes as f64).ceil() as u64)
        .sum();
    (u64::from(config.crashed_count()) + scheduled + 1).min(nodes)
}

/// Copies of a node's list that datagrams in flight may hold at once (each a copy if the node
/// changed its list since it sent them): none without delay, where a datagram arrives within
/// the handler that sent it; with delay, two for every round a datagram may take, as the
/// queue's estimate counts them.
pub fn lists_in_flight(config: &Config) -> u64 {
    if config.has_delay() {
        2 * (config.delay.mean().ceil() as u64 + 1)
    } else {
        0
    }
}

/// The theory note: the figure where its assumptions hold.
pub fn theory_note(config: &Config, title: &str, figure: &str) -> String {
    if config.has_delay() || config.burst.is_some() {
        format!(
            "no closed-form theory for this combination ({title} with delay or burst loss): see the run's figures"
        )
    } else {
        format!("theory: {figure} (theory.md section 10)")
    }
}

/// A period's datagrams, at most: b lists (heartbeat), a ping, k ping-reqs and their answers
/// (SWIM), a Syn, Ack and Ack2 with the seed's and an unreachable node's (Cassandra), and a
/// reconnect to a member held failed with its answer (heartbeat and SWIM).
pub fn sends_per_node(config: &Config) -> u64 {
    2 * u64::from(config.fanout.max(config.membership.ping_req)) + 8
}

/// A membership protocol's descriptor: what tells heartbeat, SWIM and Cassandra apart is data
/// (their parameters, kinds, words, builder and detection figure), the rest is this one impl.
pub struct MembershipSpec {
    pub name: &'static str,
    pub about: &'static str,
    pub params: &'static [&'static str],
    pub kinds: &'static [Kind],
    pub words: &'static Words,
    pub source: &'static str,
    pub build: fn(&Config) -> Box<dyn Run>,
    /// Bytes of state per node: its list, and the copies datagrams in flight hold.
    pub node_bytes: fn(&Config) -> u64,
    /// The first detection theory expects, in periods after the crash, and why, in words.
    pub detection: fn(&Config) -> (f64, String),
}

impl ProtocolSpec for MembershipSpec {
    fn name(&self) -> &'static str {
        self.name
    }
    fn group(&self) -> Group {
        Group::Membership
    }
    fn about(&self) -> &'static str {
        self.about
    }
    fn params(&self) -> &'static [&'static str] {
        self.params
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        self.kinds
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        (self.build)(config)
    }
    /// A run lasts its periods.
    fn round_limit(&self, config: &Config) -> u32 {
        config.membership.periods
    }
    fn check(&self, config: &Config) -> Result<(), String> {
        check(config)
    }
    /// The curve is the live nodes that consider the crashed node failed: the run's own.
    fn expected_curve(&self, _config: &Config, _max_points: usize) -> Vec<f64> {
        Vec::new()
    }
    fn expected_rounds(&self, _config: &Config) -> Option<u32> {
        None
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: self.source,
            assumptions: ASSUMPTIONS,
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        theory_note(config, self.words.title, &(self.detection)(config).1)
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        let (expected, why) = (self.detection)(config);
        Some(Lesson {
            figure: DETECTION_FIGURE,
            expected: Some(expected),
            why,
            measured: measures.and_then(|measures| measures.first_detection),
        })
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(DETECTION_FIGURE)
    }
    fn words(&self) -> &'static Words {
        self.words
    }
    fn page_nodes(&self) -> u32 {
        PAGE_NODES
    }
    fn page_nodes_reason(&self) -> Option<&'static str> {
        Some(PAGE_NODES_REASON)
    }
    fn node_bytes(&self, config: &Config) -> u64 {
        (self.node_bytes)(config)
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        sends_per_node(config)
    }
    fn datagram_bytes(&self) -> u64 {
        // SWIM's datagrams carry their piggybacked updates inline: the largest of the three.
        use crate::drivers::event::queued_bytes;
        use crate::protocols::{cassandra::Cassandra, heartbeat::Heartbeat, swim::Swim};
        queued_bytes::<Heartbeat>()
            .max(queued_bytes::<Swim>())
            .max(queued_bytes::<Cassandra>())
            .max(crate::spec::BYTES_PER_IN_FLIGHT)
    }
}
