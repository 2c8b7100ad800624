//! The nodes' state and the one primitive every protocol uses: send a datagram over a lossy
//! network to a node that may have crashed. Protocol files only decide who sends what to whom.

use super::report::{Contact, ContactKind, Counters, Fate};
use super::rng::{Chance, Rng};

/// Marks "never informed" in `informed_round` and "nobody" in `informed_by`.
pub const NEVER: u32 = u32::MAX;

pub struct Network {
    nodes: u32,
    loss: Chance,
    /// The round each node was informed in (0 for the senders), or NEVER.
    informed_round: Vec<u32>,
    /// Who handed each node the rumor (NEVER for senders and uninformed nodes).
    informed_by: Vec<u32>,
    crashed: Vec<bool>,
    /// Informed nodes in the order they were informed: the push callers, and each round's new ones.
    informed: Vec<u32>,
    /// The round being played; a node counts as informed "at the start" if informed before it.
    round: u32,
    /// Counters and contacts of the round being played.
    pub(super) counters: Counters,
    pub(super) contacts: Option<Vec<Contact>>,
}

impl Network {
    pub fn new(
        nodes: u32,
        senders: u32,
        crashed: Vec<bool>,
        loss: f64,
        collect_contacts: bool,
    ) -> Self {
        let mut informed_round = vec![NEVER; nodes as usize];
        informed_round[..senders as usize].fill(0);
        Network {
            nodes,
            loss: Chance::new(loss),
            informed_round,
            informed_by: vec![NEVER; nodes as usize],
            crashed,
            informed: (0..senders).collect(),
            round: 0,
            counters: Counters::default(),
            contacts: collect_contacts.then(Vec::new),
        }
    }

    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    pub fn informed_count(&self) -> u32 {
        self.informed.len() as u32
    }

    /// Informed nodes in the order they were reached (senders first).
    pub fn informed_order(&self) -> &[u32] {
        &self.informed
    }

    pub fn is_crashed(&self, node: u32) -> bool {
        self.crashed[node as usize]
    }

    pub fn informed_round(&self, node: u32) -> Option<u32> {
        Some(self.informed_round[node as usize]).filter(|&round| round != NEVER)
    }

    pub fn informed_by(&self, node: u32) -> Option<u32> {
        Some(self.informed_by[node as usize]).filter(|&from| from != NEVER)
    }

    /// Had the node the rumor when the current round began? (What it learns now it uses next round.)
    #[inline]
    pub fn knew_at_start(&self, node: u32) -> bool {
        self.informed_round[node as usize] < self.round
    }

    /// Has the node the rumor now, including from earlier in this round?
    #[inline]
    pub fn knows(&self, node: u32) -> bool {
        self.informed_round[node as usize] != NEVER
    }

    /// Bytes held by the node state (contacts excluded), for the memory budget.
    pub fn state_bytes(&self) -> usize {
        self.informed_round.capacity() * 4
            + self.informed_by.capacity() * 4
            + self.crashed.capacity()
            + self.informed.capacity() * 4
    }

    /// Opens round `round`: clears the per-round counters; returns how many nodes were informed
    /// at its start (the prefix of `informed_order` that may push this round).
    pub(super) fn begin_round(&mut self, round: u32) -> usize {
        self.round = round;
        self.counters = Counters::default();
        if let Some(contacts) = &mut self.contacts {
            contacts.clear();
        }
        self.informed.len()
    }

    /// The informed node at `index` of `informed_order`.
    #[inline]
    pub fn informed_at(&self, index: usize) -> u32 {
        self.informed[index]
    }

    /// One datagram from `from` to `to`: the network may drop it, a crashed node swallows it;
    /// if it carries the rumor and arrives, `to` is informed (or it was redundant).
    #[inline]
    pub fn send(
        &mut self,
        rng: &mut Rng,
        from: u32,
        to: u32,
        kind: ContactKind,
        payload: bool,
    ) -> Fate {
        self.counters.datagrams += 1;
        if payload {
            self.counters.payload += 1;
        } else {
            self.counters.control += 1;
        }
        let fate = if rng.happens(self.loss) {
            self.counters.lost += 1;
            Fate::Lost
        } else if self.crashed[to as usize] {
            self.counters.to_crashed += 1;
            Fate::Crashed
        } else if !payload {
            Fate::Arrived
        } else if self.knows(to) {
            self.counters.redundant += 1;
            Fate::Redundant
        } else {
            self.inform(to, from);
            Fate::Informed
        };
        if let Some(contacts) = &mut self.contacts {
            contacts.push(Contact {
                from,
                to,
                kind,
                fate,
            });
        }
        fate
    }

    fn inform(&mut self, node: u32, from: u32) {
        self.informed_round[node as usize] = self.round;
        self.informed_by[node as usize] = from;
        self.informed.push(node);
    }
}
