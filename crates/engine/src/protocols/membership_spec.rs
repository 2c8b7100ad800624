//! What the three membership protocols' descriptors share: their checks, theory notes and budget.

use crate::config::{Config, limits};
use crate::drivers::Run;
use crate::report::Kind;
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};

/// The lesson's figure of every membership protocol.
pub const DETECTION_FIGURE: &str = "periods from the crash to its first detection";

/// The page runs membership up to this many nodes: views are N x N.
pub const PAGE_NODES: u32 = 1_000;

/// When the membership figures hold.
pub const ASSUMPTIONS: &str =
    "one crash, no delay, independent loss; the figure is the first detection after the crash";

/// The membership modes' checks between parameters: views are N x N.
pub fn check(config: &Config) -> Result<(), String> {
    if config.nodes > limits::MEMBERSHIP_NODES {
        return Err(format!(
            "nodes must be between 2 and {} for {}: every node keeps a view of every member (got {})",
            limits::MEMBERSHIP_NODES,
            config.mode,
            config.nodes
        ));
    }
    Ok(())
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

/// A node's view of every member, and one list shared with the datagrams in flight.
pub fn node_bytes(config: &Config) -> u64 {
    2 * 16 * u64::from(config.nodes)
}

/// A period's datagrams, at most: b lists (heartbeat), a ping, k ping-reqs and their answers
/// (SWIM), a Syn, Ack and Ack2 with the seed's and an unreachable node's (Cassandra).
pub fn sends_per_node(config: &Config) -> u64 {
    2 * u64::from(config.fanout.max(config.membership.ping_req)) + 6
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
    fn node_bytes(&self, config: &Config) -> u64 {
        node_bytes(config)
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
