//! The nodes' state and the one primitive every protocol uses: send a datagram over a lossy
//! network to a node that may have crashed. Protocol files only decide who sends what to whom.

use super::report::{Contact, ContactKind, Counters, Fate};
use super::rng::{Chance, Rng};

/// One byte per node, read on every datagram: small enough to stay in cache at N = 10^6.
const UNINFORMED: u8 = 0;
/// Informed before the current round: it may use the rumor now.
const INFORMED: u8 = 1;
/// Informed during the current round: it uses the rumor from the next round on.
const JUST_INFORMED: u8 = 2;
const CRASHED: u8 = 3;

pub struct Network {
    nodes: u32,
    /// The hot state: UNINFORMED, INFORMED, JUST_INFORMED or CRASHED.
    state: Vec<u8>,
    /// Informed nodes in the order they were informed (senders first); `order[..count]` is valid.
    order: Vec<u32>,
    /// `informers[i]` handed the rumor to `order[i]` (the senders' entries are themselves).
    informers: Vec<u32>,
    count: usize,
    /// `round_starts[r]` is where round r's new nodes start in `order` (round 0: the senders).
    round_starts: Vec<usize>,
}

impl Network {
    pub fn new(nodes: u32, senders: u32, crashed: &[bool]) -> Self {
        let mut state: Vec<u8> = crashed
            .iter()
            .map(|&crashed| if crashed { CRASHED } else { UNINFORMED })
            .collect();
        state[..senders as usize].fill(INFORMED);
        let mut order = vec![0; nodes as usize];
        for sender in 0..senders {
            order[sender as usize] = sender;
        }
        Network {
            nodes,
            state,
            informers: order.clone(),
            order,
            count: senders as usize,
            round_starts: vec![0],
        }
    }

    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    pub fn informed_count(&self) -> u32 {
        self.count as u32
    }

    /// Informed nodes in the order they were reached (senders first).
    pub fn informed_order(&self) -> &[u32] {
        &self.order[..self.count]
    }

    #[inline(always)]
    pub fn is_crashed(&self, node: u32) -> bool {
        self.state[node as usize] == CRASHED
    }

    /// The round `node` was informed in (0 for senders) and who informed it (None for senders).
    /// A scan of the informed order: for inspecting single nodes, not for hot loops.
    pub fn informed_when_and_by(&self, node: u32) -> Option<(u32, Option<u32>)> {
        let position = self
            .informed_order()
            .iter()
            .position(|&informed| informed == node)?;
        let round = self
            .round_starts
            .partition_point(|&start| start <= position)
            - 1;
        let informer = (round > 0).then_some(self.informers[position]);
        Some((round as u32, informer))
    }

    /// Bytes held by the node state (contacts excluded), for the memory budget.
    pub fn state_bytes(&self) -> usize {
        self.state.capacity()
            + self.order.capacity() * 4
            + self.informers.capacity() * 4
            + self.round_starts.capacity() * std::mem::size_of::<usize>()
    }

    /// Opens the next round: last round's new nodes may use the rumor now (touching only them,
    /// never all N). The round is played on the returned `Round` and closed with `end_round`.
    pub(super) fn begin_round<L: Loss, R: Recorder, const CRASHES: bool>(
        &mut self,
        loss: L,
        recorder: R,
    ) -> Round<'_, L, R, CRASHES> {
        let previous_start = *self.round_starts.last().expect("round 0 is always there");
        for &node in &self.order[previous_start..self.count] {
            self.state[node as usize] = INFORMED;
        }
        self.round_starts.push(self.count);
        Round {
            nodes: self.nodes,
            loss,
            state: &mut self.state,
            order: &mut self.order,
            informers: &mut self.informers,
            informed_at_start: self.count,
            count: self.count,
            counters: Counters::default(),
            recorder,
        }
    }

    /// Keeps what a round did: how many are informed now.
    pub(super) fn end_round(&mut self, count: usize) {
        self.count = count;
    }
}

/// How the network drops datagrams. A type, so a lossless run compiles without any loss logic.
pub trait Loss: Copy {
    fn drops(self, rng: &mut Rng) -> bool;
}

#[derive(Clone, Copy)]
pub struct Lossless;

impl Loss for Lossless {
    #[inline(always)]
    fn drops(self, _: &mut Rng) -> bool {
        false
    }
}

/// Each datagram dropped independently with this chance.
#[derive(Clone, Copy)]
pub struct Lossy(pub Chance);

impl Loss for Lossy {
    #[inline(always)]
    fn drops(self, rng: &mut Rng) -> bool {
        rng.happens(self.0)
    }
}

/// Where a round's datagrams are written down for animation, if anywhere. A type, so runs that
/// do not animate pay nothing per datagram.
pub trait Recorder {
    fn record(&mut self, contact: impl FnOnce() -> Contact);
}

/// Records nothing.
impl Recorder for () {
    #[inline(always)]
    fn record(&mut self, _: impl FnOnce() -> Contact) {}
}

impl Recorder for &mut Vec<Contact> {
    #[inline(always)]
    fn record(&mut self, contact: impl FnOnce() -> Contact) {
        self.push(contact());
    }
}

/// What a protocol sees and does during one round; protocol files are written against this.
pub trait Exchange {
    fn nodes(&self) -> u32;
    /// Nodes informed before this round: the prefix of the informed order that may push now.
    fn informed_at_start(&self) -> usize;
    /// The informed node at `index` of the informed order.
    fn informed_at(&self, index: usize) -> u32;
    fn is_crashed(&self, node: u32) -> bool;
    /// Had the node the rumor when this round began? (What it learns now it uses next round.)
    fn knew_at_start(&self, node: u32) -> bool;
    /// One datagram from `from` to `to`: the network may drop it, a crashed node swallows it; if it
    /// carries the rumor and arrives, `to` is informed (or it was redundant). If it arrived, returns
    /// whether `to` had the rumor at the start of the round (what its reply would carry).
    fn send(
        &mut self,
        rng: &mut Rng,
        from: u32,
        to: u32,
        kind: ContactKind,
        payload: bool,
    ) -> Option<bool>;
}

/// One round being played: the hot state borrowed as slices and the counters held by value, so
/// the compiler keeps them in registers instead of re-reading them after every store.
/// `CRASHES` is false when no node is crashed: every crash check then compiles away.
pub struct Round<'a, L: Loss, R: Recorder, const CRASHES: bool> {
    nodes: u32,
    loss: L,
    state: &'a mut [u8],
    order: &'a mut [u32],
    informers: &'a mut [u32],
    informed_at_start: usize,
    count: usize,
    counters: Counters,
    recorder: R,
}

impl<L: Loss, R: Recorder, const CRASHES: bool> Round<'_, L, R, CRASHES> {
    pub(super) fn finish(self) -> (usize, usize, Counters) {
        (self.informed_at_start, self.count, self.counters)
    }
}

impl<L: Loss, R: Recorder, const CRASHES: bool> Exchange for Round<'_, L, R, CRASHES> {
    #[inline(always)]
    fn nodes(&self) -> u32 {
        self.nodes
    }

    #[inline(always)]
    fn informed_at_start(&self) -> usize {
        self.informed_at_start
    }

    #[inline(always)]
    fn informed_at(&self, index: usize) -> u32 {
        self.order[index]
    }

    #[inline(always)]
    fn is_crashed(&self, node: u32) -> bool {
        CRASHES && self.state[node as usize] == CRASHED
    }

    #[inline(always)]
    fn knew_at_start(&self, node: u32) -> bool {
        self.state[node as usize] == INFORMED
    }

    #[inline(always)]
    fn send(
        &mut self,
        rng: &mut Rng,
        from: u32,
        to: u32,
        kind: ContactKind,
        payload: bool,
    ) -> Option<bool> {
        // Counters are added without branches; informing, rare per datagram, branches.
        let lost = self.loss.drops(rng);
        let target = self.state[to as usize];
        let crashed = CRASHES && !lost & (target == CRASHED);
        let arrived = !lost & !crashed;
        let informs = arrived & payload & (target == UNINFORMED);
        let counters = &mut self.counters;
        counters.datagrams += 1;
        counters.payload += u64::from(payload);
        counters.control += u64::from(!payload);
        counters.lost += u64::from(lost);
        counters.to_crashed += u64::from(crashed);
        counters.redundant += u64::from(arrived & payload & (target != UNINFORMED));
        if informs {
            self.state[to as usize] = JUST_INFORMED;
            self.order[self.count] = to;
            self.informers[self.count] = from;
            self.count += 1;
        }
        self.recorder.record(|| {
            let fate = match (lost, crashed, payload, informs) {
                (true, ..) => Fate::Lost,
                (_, true, ..) => Fate::Crashed,
                (_, _, false, _) => Fate::Arrived,
                (.., true) => Fate::Informed,
                _ => Fate::Redundant,
            };
            Contact {
                from,
                to,
                kind,
                fate,
            }
        });
        arrived.then_some(target == INFORMED)
    }
}
