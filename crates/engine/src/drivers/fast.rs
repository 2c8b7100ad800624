//! The fast driver: one message, every datagram delivered within its round (zero delay), no
//! timers, node state in one byte. Gossip at 10^6 nodes runs here.

use super::{Loss, Recorder, delivered_fate};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{
    Change, Contact, Counters, Fate, KindId, Learned, MAX_KINDS, Tick, round_start,
};
use crate::rng::Rng;
use std::marker::PhantomData;

/// One byte per node, read on every datagram: small enough to stay in cache at N = 10^6.
const UNINFORMED: u8 = 0;
/// Informed before the current round: it may use the rumor now.
const INFORMED: u8 = 1;
/// Informed during the current round: it uses the rumor from the next round on.
const JUST_INFORMED: u8 = 2;
const CRASHED: u8 = 3;

/// Who knows the rumor, since when and from whom.
pub struct Network {
    nodes: u32,
    /// Nodes not crashed (this driver has no crashes during a run).
    live: u32,
    /// The hot state: UNINFORMED, INFORMED, JUST_INFORMED or CRASHED.
    state: Vec<u8>,
    /// Informed nodes in the order they were informed (senders first); `order[..count]` is valid.
    order: Vec<u32>,
    /// `informers[i]` handed the rumor to `order[i]` (the senders' entries are themselves).
    informers: Vec<u32>,
    count: usize,
    /// `round_starts[r]` is where round r's new nodes start in `order` (round 0: the senders).
    round_starts: Vec<usize>,
    /// The round's datagrams that arrived at node 0: counted here, off the round's registers
    /// (see `Round::arrived_at_sender`).
    arrived_at_sender: u64,
}

impl Network {
    pub fn new(nodes: u32, senders: u32, crashed: &[bool]) -> Self {
        // Zeroed vectors come from the allocator already zero (UNINFORMED, node 0): building them
        // costs nothing per node, and a crash-free network (the common run) touches no more.
        let mut state = vec![UNINFORMED; nodes as usize];
        // A sum the compiler vectorises: the scan below runs only when some node crashed.
        let crashed_count: u32 = crashed.iter().map(|&crashed| u32::from(crashed)).sum();
        if crashed_count > 0 {
            for (node, _) in crashed.iter().enumerate().filter(|&(_, &crashed)| crashed) {
                state[node] = CRASHED;
            }
        }
        state[..senders as usize].fill(INFORMED);
        let mut order = vec![0; nodes as usize];
        let mut informers = vec![0; nodes as usize];
        for sender in 0..senders {
            order[sender as usize] = sender;
            informers[sender as usize] = sender;
        }
        Network {
            nodes,
            live: nodes - crashed_count,
            state,
            informers,
            order,
            count: senders as usize,
            round_starts: vec![0],
            arrived_at_sender: 0,
        }
    }

    pub fn informed_count(&self) -> u32 {
        self.count as u32
    }

    /// Informed nodes in the order they were reached (senders first).
    pub fn informed_order(&self) -> &[u32] {
        &self.order[..self.count]
    }

    pub fn is_crashed(&self, node: u32) -> bool {
        self.state[node as usize] == CRASHED
    }

    /// Whether `node` has the rumor (informed before or during the current round).
    pub fn knows(&self, node: u32) -> bool {
        matches!(self.state[node as usize], INFORMED | JUST_INFORMED)
    }

    /// Calls `visit(node, tick)` for every informed node in the order they were reached, with
    /// the first tick of the round they were informed in (0 for senders).
    pub fn for_each_informed(&self, visit: &mut dyn FnMut(u32, Tick)) {
        for (round, window) in self.round_starts.windows(2).enumerate() {
            for &node in &self.order[window[0]..window[1]] {
                visit(node, round_start(round as u32));
            }
        }
        let last = *self.round_starts.last().expect("round 0 is always there");
        let round = self.round_starts.len() - 1;
        for &node in &self.order[last..self.count] {
            visit(node, round_start(round as u32));
        }
    }

    /// `visit(round, nodes informed in it)` for every round so far (round 0: the senders).
    pub fn for_each_round_size(&self, visit: &mut dyn FnMut(u32, u32)) {
        for (round, window) in self.round_starts.windows(2).enumerate() {
            visit(round as u32, (window[1] - window[0]) as u32);
        }
        let last = *self.round_starts.last().expect("round 0 is always there");
        visit(
            self.round_starts.len() as u32 - 1,
            (self.count - last) as u32,
        );
    }

    /// sweep: `visit(node, informer)` in the informed order (informer None for senders).
    pub fn for_each_parent(&self, visit: &mut dyn FnMut(u32, Option<u32>)) {
        let senders = self.round_starts.get(1).copied().unwrap_or(self.count);
        for (position, &node) in self.informed_order().iter().enumerate() {
            visit(
                node,
                (position >= senders).then(|| self.informers[position]),
            );
        }
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

    /// Opens the next round: last round's new nodes may use the rumor now (touching only them,
    /// never all N). The round is played on the returned `Round` and closed with `end_round`.
    pub(crate) fn begin_round<'a, P: Protocol, L: Loss, R: Recorder, const CRASHES: bool>(
        &'a mut self,
        protocol: &'a P,
        rng: Rng,
        round: u32,
        loss: L,
        recorder: R,
    ) -> Round<'a, P, L, R, CRASHES> {
        let previous_start = *self.round_starts.last().expect("round 0 is always there");
        for &node in &self.order[previous_start..self.count] {
            self.state[node as usize] = INFORMED;
        }
        self.round_starts.push(self.count);
        // Split at the round's start: callers read the prefix (indices below its length need no
        // bounds check) while the round's new nodes go after it.
        let (informed, fresh) = self.order.split_at_mut(self.count);
        self.arrived_at_sender = 0;
        Round {
            protocol,
            rng,
            nodes: self.nodes,
            live: self.live,
            round,
            loss,
            state: &mut self.state,
            informed,
            fresh,
            fresh_informers: &mut self.informers[self.count..],
            fresh_count: 0,
            counters: Counters::default(),
            sent: [0; MAX_KINDS / 2],
            arrived_at_sender: &mut self.arrived_at_sender,
            recorder,
            hop: 0,
            taught: false,
            unit: (),
        }
    }

    /// Keeps what a round did: how many are informed now.
    pub(crate) fn end_round(&mut self, count: usize) {
        self.count = count;
    }
}

// A round sends at most `fanout` datagrams of a kind per node, and one reply to each request.
const _: () = assert!(
    (2 * crate::config::limits::NODES.1 as u64 * crate::config::limits::FANOUT.1 as u64) < 1 << 32
);

/// One round being played: the hot state borrowed as slices, the counters and the generator held
/// by value, so the compiler keeps them in registers instead of re-reading them after every store.
/// `CRASHES` is false when no node is crashed: every crash check then compiles away.
pub struct Round<'a, P: Protocol, L: Loss, R: Recorder, const CRASHES: bool> {
    protocol: &'a P,
    /// Held by value for the round, so its state stays in registers.
    rng: Rng,
    nodes: u32,
    live: u32,
    round: u32,
    loss: L,
    state: &'a mut [u8],
    /// The informed order up to this round: the nodes that may use the rumor now.
    informed: &'a [u32],
    /// The rest of the informed order and of the informers: this round's new nodes go here.
    fresh: &'a mut [u32],
    fresh_informers: &'a mut [u32],
    fresh_count: usize,
    /// The other counts: those per kind and the arrivals at node 0 are the next two fields.
    counters: Counters,
    /// Datagrams sent per kind, two kinds to a word: kind 2w in word w's low 32 bits, kind
    /// 2w + 1 in its high ones. A round sends fewer than 2^32 datagrams of a kind (below), so
    /// the halves never carry into each other. The counts are what the compiler must keep in
    /// registers through the callers' loop beside the generator and the slices, and V8, which
    /// compiles the page's engine, has fewer registers to give them than LLVM natively.
    sent: [u64; MAX_KINDS / 2],
    /// Arrivals at node 0, a rare event (one datagram in N, and node 0's own replies): counted
    /// in a branch, in the network, instead of with an add on every datagram into one more
    /// register. Both changes together made the page's push-pull a tenth faster.
    arrived_at_sender: &'a mut u64,
    recorder: R,
    /// Datagrams being delivered inside one another (a reply inside its request's delivery).
    hop: u8,
    /// Set by `learn` when the datagram being delivered taught its receiver something.
    taught: bool,
    unit: (),
}

/// How deep inside other deliveries a datagram is delivered, as a type: sent by the round
/// (`Top`), on receipt of one of those (`Nested`: a pull's request), one more (`Twice`: its
/// reply), or deeper (`Deep`, which recurses into itself). The reply has its own level because a
/// recursive call is never inlined: with it at `Deep`, every reply was a function call once the
/// link-time optimiser ran at the page's size-optimising level.
/// Each depth is its own inlined code, so the kinds a protocol sends are constants there and its
/// rule on receipt is chosen at compile time: a pull's request and its reply run straight
/// through, without looping over a kind known only at run time.
trait Depth {
    type Deeper: Depth;
}

enum Top {}
enum Nested {}
enum Twice {}
enum Deep {}

impl Depth for Top {
    type Deeper = Nested;
}
impl Depth for Nested {
    type Deeper = Twice;
}
impl Depth for Twice {
    type Deeper = Deep;
}
impl Depth for Deep {
    type Deeper = Deep;
}

/// The round as a protocol sees it at depth `D`: what it sends is delivered at `D::Deeper`.
struct At<'r, 'a, P: Protocol, L: Loss, R: Recorder, const CRASHES: bool, D: Depth> {
    round: &'r mut Round<'a, P, L, R, CRASHES>,
    depth: PhantomData<D>,
}

impl<'a, P: Protocol<Node = ()>, L: Loss, R: Recorder, const CRASHES: bool>
    Round<'a, P, L, R, CRASHES>
{
    /// Plays the protocol's round; returns (informed before it, informed after it, counters) and
    /// the generator.
    pub(crate) fn play(mut self) -> (usize, usize, Counters, Rng) {
        let protocol = self.protocol;
        protocol.on_round(&mut self.at::<Top>());
        self.counters.at_sender = *self.arrived_at_sender;
        for (kind, by_kind) in self.counters.by_kind.iter_mut().enumerate() {
            *by_kind = (self.sent[kind / 2] >> (32 * (kind % 2))) & u64::from(u32::MAX);
        }
        self.counters.complete(P::PAYLOAD_KINDS);
        let counters = self.counters;
        let informed_at_start = self.informed.len();
        let count = informed_at_start + self.fresh_count;
        (informed_at_start, count, counters, self.rng)
    }

    #[inline(always)]
    fn at<D: Depth>(&mut self) -> At<'_, 'a, P, L, R, CRASHES, D> {
        At {
            round: self,
            depth: PhantomData,
        }
    }

    #[inline(always)]
    fn now(&self) -> Tick {
        round_start(self.round)
    }

    /// A node's state byte without a bounds check: every node a round sees is below `nodes`
    /// (callers count up to it, peers are drawn below it, the informed order holds nodes), and
    /// the state has one byte per node. The check cost two instructions per datagram.
    #[inline(always)]
    fn state_of(&self, node: u32) -> u8 {
        debug_assert!((node as usize) < self.state.len());
        // SAFETY: node < nodes == state.len(), as above.
        unsafe { *self.state.get_unchecked(node as usize) }
    }

    /// Carries a datagram; one that arrives is handed to the protocol at depth `D` (the sender's
    /// depth's `Deeper`).
    #[inline(always)]
    fn send<D: Depth>(&mut self, from: u32, to: u32, kind: KindId, body: P::Body) {
        // Counters are added without branches; delivery branches.
        let lost = self.loss.drops(&mut self.rng);
        let target = self.state_of(to);
        let crashed = CRASHES && !lost & (target == CRASHED);
        let arrived = !lost & !crashed;
        let counters = &mut self.counters;
        counters.lost += u64::from(lost);
        counters.to_crashed += u64::from(crashed);
        // The mask keeps the index in bounds without a check: kinds are fewer than MAX_KINDS.
        // Datagrams, payload and control follow from these per-kind counts (`complete`). The
        // kind is a constant here, so this is one add of a constant.
        let kind_index = kind as usize & (MAX_KINDS - 1);
        self.sent[kind_index / 2] += 1 << (32 * (kind_index % 2));
        if !arrived {
            if R::ON {
                let (now, hop) = (self.now(), self.hop);
                self.recorder.contact(|| Contact {
                    from,
                    to,
                    kind,
                    fate: if lost { Fate::Lost } else { Fate::Crashed },
                    sent: now,
                    arrives: now,
                    hop,
                });
            }
            return;
        }
        if to == 0 {
            *self.arrived_at_sender += 1;
        }
        let mut datagram = Datagram {
            from,
            to,
            kind,
            body,
        };
        let protocol = self.protocol;
        if !R::ON {
            protocol.on_receive(&mut self.at::<D>(), &mut datagram);
            return;
        }
        // Recording: the contact, then its delivery one hop deeper, then its fate.
        let (now, hop) = (self.now(), self.hop);
        let index = self.recorder.contact(|| Contact {
            from,
            to,
            kind,
            fate: Fate::Arrived,
            sent: now,
            arrives: now,
            hop,
        });
        let outer = std::mem::replace(&mut self.taught, false);
        self.hop += 1;
        protocol.on_receive(&mut self.at::<D>(), &mut datagram);
        self.hop -= 1;
        let payload = P::PAYLOAD_KINDS >> kind & 1 == 1;
        self.recorder
            .settle(index, delivered_fate(payload, self.taught));
        self.taught = outer;
    }

    #[inline(always)]
    fn learn(&mut self, node: u32, from: u32) -> bool {
        // A branch, not a flag added to the count: knowing already is one compare and one add.
        if self.state_of(node) != UNINFORMED {
            self.counters.redundant += 1;
            return false;
        }
        debug_assert!(self.fresh_count < self.fresh.len().min(self.fresh_informers.len()));
        // SAFETY: `node` is in bounds (see `state_of`); a node is learned at most once (it was
        // UNINFORMED), so the round's new nodes never outnumber the uninformed ones, which is
        // the length of `fresh` and of `fresh_informers` (N minus those informed before).
        unsafe {
            *self.state.get_unchecked_mut(node as usize) = JUST_INFORMED;
            *self.fresh.get_unchecked_mut(self.fresh_count) = node;
            *self.fresh_informers.get_unchecked_mut(self.fresh_count) = from;
        }
        self.fresh_count += 1;
        if R::ON {
            self.taught = true;
        }
        let (tick, hop) = (self.now(), self.hop.saturating_sub(1));
        self.recorder.learned(|| Learned {
            tick,
            hop,
            node,
            message: 0,
            from,
        });
        true
    }
}

impl<P, L, R, const CRASHES: bool, D> Net<P> for At<'_, '_, P, L, R, CRASHES, D>
where
    P: Protocol<Node = ()>,
    L: Loss,
    R: Recorder,
    D: Depth,
{
    #[inline(always)]
    fn nodes(&self) -> u32 {
        self.round.nodes
    }

    fn live(&self) -> u32 {
        self.round.live
    }

    #[inline(always)]
    fn is_plain(&self) -> bool {
        L::LOSSLESS && !CRASHES && !R::ON
    }

    #[inline(always)]
    fn now(&self) -> Tick {
        self.round.now()
    }

    #[inline(always)]
    fn round(&self) -> u32 {
        self.round.round
    }

    #[inline(always)]
    fn rng(&mut self) -> &mut Rng {
        &mut self.round.rng
    }

    #[inline(always)]
    fn is_crashed(&self, node: u32) -> bool {
        CRASHES && self.round.state_of(node) == CRASHED
    }

    #[inline(always)]
    fn peer(&mut self, caller: u32) -> u32 {
        self.round.rng.peer(caller, self.round.nodes)
    }

    #[inline(always)]
    fn knew(&self, node: u32, _message: u32) -> bool {
        self.round.state_of(node) == INFORMED
    }

    #[inline(always)]
    fn informed_before_round(&self) -> usize {
        self.round.informed.len()
    }

    #[inline(always)]
    fn informed_at(&self, index: usize) -> u32 {
        self.round.informed[index]
    }

    #[inline(always)]
    fn send(&mut self, from: u32, to: u32, kind: KindId, body: P::Body) {
        self.round.send::<D::Deeper>(from, to, kind, body);
    }

    fn send_after(&mut self, from: u32, to: u32, kind: KindId, body: P::Body, extra: Tick) {
        assert_eq!(extra, 0, "delayed datagrams travel on the event driver");
        self.round.send::<D::Deeper>(from, to, kind, body);
    }

    fn lose_after(&mut self, _: u32, _: u32, _: KindId, _: P::Body, _: Tick) {
        unreachable!("planned losses are for packet streams, on the event driver")
    }

    fn set_timer(&mut self, _node: u32, _after: Tick, _timer: P::Timer) {
        unreachable!("protocols with timers run on the event driver")
    }

    fn cancel_timer(&mut self, _node: u32, _timer: P::Timer) {}

    fn count_multicast(&mut self, _kind: KindId) {
        unreachable!("multicast protocols run on the event driver")
    }

    fn has_timer(&self, _node: u32, _timer: P::Timer) -> bool {
        false
    }

    #[inline(always)]
    fn learn(&mut self, node: u32, _message: u32, from: u32) -> bool {
        self.round.learn(node, from)
    }

    #[inline(always)]
    fn knows(&self, node: u32, _message: u32) -> bool {
        matches!(self.round.state_of(node), INFORMED | JUST_INFORMED)
    }

    fn state(&self, _node: u32) -> &() {
        &self.round.unit
    }

    fn state_mut(&mut self, _node: u32) -> &mut () {
        &mut self.round.unit
    }

    fn note(&mut self, _node: u32, _change: Change) {}
}
