//! Gossip-style heartbeating (van Renesse, Minsky and Hayden, Middleware 1998; theory.md section
//! 10). Each period a node increments its own heartbeat counter and sends its list (member,
//! counter) to `fanout` members drawn from its list; a receiver keeps the higher counter per
//! member and stamps it with its own time. A member whose counter has not increased for T_fail
//! periods is marked failed (and no longer gossiped); T_cleanup periods later its entry is
//! deleted (unknown), so that an old entry still gossiped by a slower node does not bring it back.

use super::membership::{HasView, Member, SEED, Seen, Shared, View, bytes, stamp};
use super::membership_spec::MembershipSpec;
use crate::drivers::on_events;
use crate::protocol::{Datagram, Net, Protocol};
use crate::report::{Kind, Look, MembershipRound, TICKS_PER_ROUND, Tick};
use crate::spec::Words;
use std::rc::Rc;

pub const LIST: u8 = 0;

pub const KINDS: &[Kind] = &[Kind {
    name: "heartbeat-list",
    payload: false,
    look: Look::Data,
    label: "heartbeat list",
}];

/// An observer's entry for one member: 16 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Entry {
    /// The member's heartbeat counter, with its generation (the round it joined) in the high
    /// 32 bits.
    pub version: u64,
    /// Listed: the tick the counter last increased here. Failed: the tick it was marked failed.
    /// A failed member's last increase no longer matters (a newer counter revives it and
    /// restamps), so one field serves both.
    at: u32,
    pub seen: Seen,
}

impl Entry {
    /// When the observer last heard a higher counter (while listed).
    pub fn heard(&self) -> Tick {
        Tick::from(self.at)
    }

    /// A higher counter, heard `now`.
    fn raise(&mut self, version: u64, now: Tick) {
        self.version = version;
        self.at = stamp(now);
    }
}

impl Member for Entry {
    fn seen(&self) -> Seen {
        self.seen
    }
    fn set_seen(&mut self, seen: Seen, now: Tick) {
        self.seen = seen;
        self.at = stamp(now);
    }
    fn newcomer(version: u64, now: Tick) -> Entry {
        Entry {
            version,
            at: stamp(now),
            seen: Seen::Alive,
        }
    }
}

/// Whether a member is in the list a node gossips: not failed, not deleted.
fn listed(entry: &Entry) -> bool {
    matches!(entry.seen, Seen::Alive | Seen::Suspected)
}

#[derive(Clone, Debug, Default)]
pub struct Node {
    pub view: View<Entry>,
    /// How many members it lists (itself included), for the size of its lists.
    listed: u64,
    /// No listed member can be due to fail, nor failed one to be deleted, before this tick, so
    /// the pass over the list waits until then (0: not yet known).
    due: Tick,
}

impl HasView for Node {
    type Entry = Entry;
    fn view(&self) -> &View<Entry> {
        &self.view
    }
    fn view_mut(&mut self) -> &mut View<Entry> {
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
    /// periods after that. Keeps the node's count of listed members and the tick the next
    /// change can come at.
    fn expire(&self, net: &mut impl Net<Self>, node: u32) {
        let now = net.now();
        if now < net.state(node).due {
            return;
        }
        let params = &self.shared.params;
        let t_fail = Tick::from(params.t_fail) * TICKS_PER_ROUND;
        let t_cleanup = Tick::from(params.t_cleanup) * TICKS_PER_ROUND;
        let (mut from, mut count, mut due, mut deleted) = (0, 0, Tick::MAX, 0);
        // One pass over the list; it stops only to mark a member failed through the shared
        // rule (which reports it), then goes on after it.
        loop {
            let entries = net.state_mut(node).view.entries_mut();
            let mut failed = None;
            for (member, entry) in entries.iter_mut().enumerate().skip(from) {
                if member as u32 == node {
                    count += u64::from(listed(entry));
                    continue;
                }
                let at = Tick::from(entry.at);
                match entry.seen {
                    Seen::Alive if now - at > t_fail => {
                        failed = Some(member as u32);
                        break;
                    }
                    // Deleted: forgotten, counter included.
                    Seen::Failed if now - at > t_cleanup => {
                        *entry = Entry::default();
                        deleted += 1;
                    }
                    Seen::Failed => due = due.min(at + t_cleanup + 1),
                    _ if listed(entry) => {
                        count += 1;
                        due = due.min(at + t_fail + 1);
                    }
                    _ => {}
                }
            }
            let Some(member) = failed else {
                let state = net.state_mut(node);
                (state.listed, state.due) = (count, due);
                if deleted > 0 {
                    state.view.recount();
                }
                return;
            };
            self.shared.mark(net, node, member, Seen::Failed);
            due = due.min(now + t_cleanup + 1);
            from = member as usize + 1;
        }
    }
}

impl Protocol for Heartbeat {
    type Node = Node;
    /// The sender's list as it was when sent (members it does not list are skipped).
    type Body = Rc<[Entry]>;
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
        if joining {
            let state = net.state_mut(node);
            (state.listed, state.due) = (1, 0);
        } else {
            let own = &mut net.state_mut(node).view.entries_mut()[node as usize];
            own.raise(own.version + 1, now);
            self.expire(net, node);
        }
        let listed_count = net.state(node).listed;
        // The list it gossips: every member it does not consider failed (or has deleted).
        let size = bytes::HEADER + bytes::ENVELOPE + bytes::HEARTBEAT_ENTRY * listed_count;
        let list = net.state(node).view.share();
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
            net.send(node, peer, LIST, Rc::clone(&list));
            if joining {
                break;
            }
        }
        // Now and then its list goes to a member it holds as failed: if that member is back (a
        // partition healed), the higher counters revive this side in its list, and its own
        // gossip then revives its side here.
        if !joining && let Some(member) = self.shared.reconnect(net, node) {
            self.shared.sent(size);
            net.send(node, member, LIST, list);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<Rc<[Entry]>>) {
        let node = datagram.to;
        if !net.state(node).view.joined() {
            return;
        }
        let list = datagram.body;
        let now = stamp(net.now());
        let mut from = 0;
        // The higher counter wins, stamped with the receiver's own time. One pass; it stops
        // only where a member comes back (or into) the list, to mark it alive. Which side is
        // newer is a coin toss per member, so the pass writes every entry rather than branch.
        loop {
            let entries = net.state_mut(node).view.entries_mut();
            let count = entries.len().min(list.len());
            let (theirs, mine) = (&list[..count], &mut entries[..count]);
            let mut revived = None;
            for member in from..count {
                let (their, entry) = (theirs[member], &mut mine[member]);
                let take = listed(&their)
                    & (member != node as usize)
                    & ((entry.seen == Seen::Unknown) | (their.version > entry.version));
                entry.version = if take { their.version } else { entry.version };
                entry.at = if take { now } else { entry.at };
                if take & (entry.seen != Seen::Alive) {
                    revived = Some(member);
                    break;
                }
            }
            let Some(member) = revived else {
                return;
            };
            // Listed again: it counts, and it may fail before the pass was due.
            let state = net.state_mut(node);
            state.listed += 1;
            state.due = state.due.min(Tick::from(now));
            self.shared.mark(net, node, member as u32, Seen::Alive);
            from = member + 1;
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

    fn consistent(&self, states: &[Node], is_crashed: &dyn Fn(u32) -> bool) -> Option<bool> {
        Some(self.shared.consistent(states, is_crashed))
    }
}

// --- The descriptor ---

pub static SPEC: MembershipSpec = MembershipSpec {
    name: "heartbeat",
    about: "gossip-style heartbeating (van Renesse et al. 1998): lists of heartbeat counters, failed after T_fail periods without an increase",
    params: &[
        "mode",
        "nodes",
        "fanout",
        "loss",
        "crash",
        "seed",
        "max_rounds",
        "burst",
        "crash_at",
        "partition",
        "delay",
        "periods",
        "join_at",
        "t_fail",
        "t_cleanup",
    ],
    kinds: KINDS,
    words: &WORDS,
    source: "theory.md section 10: a member is failed T_fail periods after its last heartbeat increase, plus the O(log N) age of that heartbeat (van Renesse et al. 1998)",
    build: |config| {
        on_events(
            Heartbeat {
                shared: super::membership::Shared::new(config.membership, config.nodes),
                fanout: config.fanout,
            },
            config,
        )
    },
    detection: |config| {
        (
            f64::from(config.membership.t_fail),
            format!(
                "failed after T_fail = {:.0} periods without news (+ the heartbeat's age)",
                config.membership.t_fail
            ),
        )
    },
};

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
