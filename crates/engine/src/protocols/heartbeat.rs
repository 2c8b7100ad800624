//! Gossip-style heartbeating (van Renesse, Minsky and Hayden, Middleware 1998; theory.md section
//! 10). Each period a node increments its own heartbeat counter and sends its list (member,
//! counter) to `fanout` members drawn from its list; a receiver keeps the higher counter per
//! member and stamps it with its own time. A member whose counter has not increased for T_fail
//! periods is marked failed (and no longer gossiped); T_cleanup periods later its entry is
//! deleted (unknown), so that an old entry still gossiped by a slower node does not bring it back.

use super::membership::{Entry, HasView, SEED, Seen, Shared, View, bytes};
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look, MembershipRound, TICKS_PER_ROUND, Tick};

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
