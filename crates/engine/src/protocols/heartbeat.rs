//! Gossip-style heartbeating (van Renesse, Minsky and Hayden, Middleware 1998; theory.md section
//! 10). Each period a node increments its own heartbeat counter and sends its list (member,
//! counter) to `fanout` members drawn from its list; a receiver keeps the higher counter per
//! member and stamps it with its own time. A member whose counter has not increased for T_fail
//! periods is marked failed (and no longer gossiped); T_cleanup periods later its entry is
//! deleted (unknown), so that an old entry still gossiped by a slower node does not bring it back.

use super::membership::{Entry, HasView, SEED, Seen, Shared, View, bytes};
use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look, MembershipRound, TICKS_PER_ROUND, Tick};
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};

pub const LIST: u8 = 0;

pub const KINDS: &[Kind] = &[Kind {
    name: "heartbeat-list",
    payload: false,
    look: Look::Data,
    label: "heartbeat list",
}];

#[derive(Clone, Debug, Default)]
pub struct Node {
    pub view: View,
}

impl HasView for Node {
    fn view(&self) -> &View {
        &self.view
    }
    fn view_mut(&mut self) -> &mut View {
        &mut self.view
    }
}

pub struct Heartbeat {
    pub shared: Shared,
    /// b: lists sent per period.
    pub fanout: u32,
}

impl Heartbeat {
    /// T_fail and T_cleanup: failed after T_fail periods without an increase, deleted T_cleanup
    /// periods after that.
    fn expire(&self, net: &mut impl Net<Self>, node: u32) {
        let now = net.now();
        let params = &self.shared.params;
        let t_fail = Tick::from(params.t_fail) * TICKS_PER_ROUND;
        let t_cleanup = Tick::from(params.t_cleanup) * TICKS_PER_ROUND;
        let nodes = net.nodes();
        for member in 0..nodes {
            if member == node {
                continue;
            }
            let entry = net.state(node).view.entries[member as usize];
            match entry.seen {
                Seen::Alive if now - entry.heard > t_fail => {
                    self.shared.mark(net, node, member, Seen::Failed);
                }
                Seen::Failed if now - entry.since > t_cleanup => {
                    // Deleted: forgotten, counter included.
                    net.state_mut(node).view.entries[member as usize] = Entry::default();
                }
                _ => {}
            }
        }
    }
}

impl Protocol for Heartbeat {
    type Node = Node;
    /// The id of the list snapshot the datagram carries.
    type Body = u32;
    type Timer = ();
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = true;
    const STOPS: bool = true;

    fn initially_known(&self, _sender: u32, _all: u64) -> u64 {
        0
    }

    fn start(&self, net: &mut impl Net<Self>) {
        self.shared.start(net);
    }

    fn on_period(&self, net: &mut impl Net<Self>, node: u32) {
        let Some(joining) = self.shared.joins_now(net, node) else {
            return;
        };
        let now = net.now();
        if !joining {
            let own = &mut net.state_mut(node).view.entries[node as usize];
            own.version += 1;
            own.heard = now;
            self.expire(net, node);
        }
        // The list it gossips: every member it does not consider failed (or has deleted).
        let list: Vec<(u32, u64)> = net
            .state(node)
            .view
            .entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| matches!(entry.seen, Seen::Alive | Seen::Suspected))
            .map(|(member, entry)| (member as u32, entry.version))
            .collect();
        let size = bytes::HEADER + bytes::ENVELOPE + bytes::HEARTBEAT_ENTRY * list.len() as u64;
        let id = self.shared.tracker.borrow_mut().lists.keep(now, list);
        for _ in 0..self.fanout {
            // A newcomer knows only the seed; so does a node whose list is otherwise empty.
            let peer = if joining {
                Some(SEED)
            } else {
                self.shared.pick(net, node, node)
            };
            let Some(peer) = peer.filter(|&peer| peer != node) else {
                continue;
            };
            self.shared.sent(size);
            net.send(node, peer, LIST, id);
            if joining {
                break;
            }
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<u32>) {
        let node = datagram.to;
        if !net.state(node).view.joined() {
            return;
        }
        let list = self
            .shared
            .tracker
            .borrow()
            .lists
            .get(datagram.body)
            .to_vec();
        let now = net.now();
        for (member, version) in list {
            if member == node {
                continue;
            }
            let entry = net.state(node).view.entries[member as usize];
            // The higher counter wins, stamped with the receiver's own time.
            if entry.seen == Seen::Unknown || version > entry.version {
                let entry = &mut net.state_mut(node).view.entries[member as usize];
                entry.version = version;
                entry.heard = now;
                self.shared.mark(net, node, member, Seen::Alive);
            }
        }
    }

    fn watch(&self, node: u32, tick: Tick) {
        self.shared.watch(node, tick);
    }

    fn membership(
        &self,
        states: &[Node],
        is_crashed: &dyn Fn(u32) -> bool,
        views: bool,
    ) -> Option<MembershipRound> {
        Some(self.shared.report(states, is_crashed, views))
    }
}

// --- The descriptor ---

pub struct HeartbeatSpec;
pub static SPEC: HeartbeatSpec = HeartbeatSpec;

static WORDS: Words = Words {
    title: "Heartbeat",
    explanation: "Heartbeat gossip (van Renesse et al. 1998): each period every node bumps its counter and sends its \
        whole list to b members; a member whose counter has not risen for T_fail periods is failed, and \
        deleted T_cleanup later. Watch the crashed node's column turn orange row by row, about T_fail plus \
        the O(log N) age of its last heartbeat. The trade-off: a small T_fail detects sooner but, under \
        loss, fails live nodes too; the lists cost O(N) bytes per datagram.",
    informed: "consider X failed",
    fanout: "lists sent per period, 1 to 16",
    click: "Click a node to see its view of the members.",
    done: "every live node considers the crashed node failed",
    ended: "the run's periods are over",
};

impl ProtocolSpec for HeartbeatSpec {
    fn name(&self) -> &'static str {
        "heartbeat"
    }
    fn group(&self) -> Group {
        Group::Membership
    }
    fn about(&self) -> &'static str {
        "gossip-style heartbeating (van Renesse et al. 1998): lists of heartbeat counters, failed after T_fail periods without an increase"
    }
    fn params(&self) -> &'static [&'static str] {
        &[
            "mode",
            "nodes",
            "fanout",
            "loss",
            "crash",
            "seed",
            "max_rounds",
            "burst",
            "crash_at",
            "delay",
            "periods",
            "join_at",
            "t_fail",
            "t_cleanup",
        ]
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        on_events(
            Heartbeat {
                shared: super::membership::Shared::new(config.membership, config.nodes),
                fanout: config.fanout,
            },
            config,
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        config.membership.periods
    }
    fn check(&self, config: &Config) -> Result<(), String> {
        super::membership_spec::check(config)
    }
    fn expected_curve(&self, _config: &Config, _max_points: usize) -> Vec<f64> {
        Vec::new()
    }
    fn expected_rounds(&self, _config: &Config) -> Option<u32> {
        None
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: "theory.md section 10: a member is failed T_fail periods after its last heartbeat increase, plus the O(log N) age of that heartbeat (van Renesse et al. 1998)",
            assumptions: super::membership_spec::ASSUMPTIONS,
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        super::membership_spec::theory_note(
            config,
            "Heartbeat",
            &format!(
                "failed after T_fail = {:.0} periods without news (+ the heartbeat's age)",
                config.membership.t_fail
            ),
        )
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        Some(Lesson {
            figure: super::membership_spec::DETECTION_FIGURE,
            expected: f64::from(config.membership.t_fail),
            why: format!(
                "failed after T_fail = {:.0} periods without news (+ the heartbeat's age)",
                config.membership.t_fail
            ),
            measured: measures.and_then(|measures| measures.first_detection),
        })
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(super::membership_spec::DETECTION_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn page_nodes(&self) -> u32 {
        super::membership_spec::PAGE_NODES
    }
    fn node_bytes(&self, config: &Config) -> u64 {
        super::membership_spec::node_bytes(config)
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        super::membership_spec::sends_per_node(config)
    }
}
