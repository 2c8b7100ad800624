//! What one round did: the record the UI animates and the CLI tabulates.

use serde::Serialize;

/// Datagram counters of a round or of a whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Every datagram sent.
    pub datagrams: u64,
    /// Datagrams that carry the rumor (pushes and replies from informed nodes).
    pub payload: u64,
    /// Datagrams that carry no rumor (pull requests, replies from uninformed nodes).
    pub control: u64,
    /// Payloads that arrived at a node that already had the rumor.
    pub redundant: u64,
    /// Datagrams the network dropped (probability `loss` each).
    pub lost: u64,
    /// Datagrams that reached a crashed node and vanished there.
    pub to_crashed: u64,
}

impl Counters {
    pub fn add(&mut self, other: &Counters) {
        self.datagrams += other.datagrams;
        self.payload += other.payload;
        self.control += other.control;
        self.redundant += other.redundant;
        self.lost += other.lost;
        self.to_crashed += other.to_crashed;
    }
}

/// What a datagram is, so the stage can draw pushes, requests and replies differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactKind {
    Push,
    PullRequest,
    PullReply,
}

/// What became of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fate {
    /// Dropped by the network.
    Lost,
    /// Arrived at a crashed node.
    Crashed,
    /// Carried the rumor to a node that did not have it.
    Informed,
    /// Carried the rumor to a node that already had it.
    Redundant,
    /// Arrived, carrying no rumor (a request, or "nothing new").
    Arrived,
}

impl Fate {
    pub fn delivered(self) -> bool {
        !matches!(self, Fate::Lost | Fate::Crashed)
    }
}

/// One datagram of a round, for animation (collected only when asked for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub from: u32,
    pub to: u32,
    pub kind: ContactKind,
    pub fate: Fate,
}

/// Everything one call to `Simulation::step` did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RoundReport {
    /// 1 for the first round of calls.
    pub round: u32,
    /// Nodes informed in this round, in the order they were reached.
    pub newly_informed: Vec<u32>,
    /// Informed live nodes after this round.
    pub informed: u32,
    pub counters: Counters,
    /// Every datagram of the round; empty unless contacts are collected.
    pub contacts: Vec<Contact>,
}
