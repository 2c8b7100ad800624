//! SRM, Scalable Reliable Multicast (Floyd, Jacobson, Liu, McCanne, Zhang, IEEE/ACM ToN 1997;
//! theory.md section 7). The sender multicasts packets 0 .. M - 1, one per round, over the balanced
//! b-ary tree of `tree.rs`; a multicast floods the tree hop by hop (one round a hop), and a loss
//! on a link hides the packet from the whole subtree beyond it. Receivers NAK what they miss after
//! random delays, with exponential backoff and suppression, and any holder repairs after a random
//! delay, unless it hears a repair first.
//!
//! Rules (d: a node's distance in hops to the sender; d_A: its distance to A; one hop = one round):
//! - Data: the sender multicasts packet m at the start of round m + 1; every multicast (data,
//!   NAK, repair, session) is flooded over the tree: a node forwards a copy to each tree neighbour
//!   except the one it came from, one hop later; each hop is lost independently.
//! - Session: after the last packet the sender multicasts a session message carrying the highest
//!   sequence number every `SESSION_PERIOD` rounds, so a receiver detects a missing last packet.
//! - Gap detection: a node that sees sequence number s (data, repair or session) and lacks some
//!   m < s (or m <= s for a session) sets a request timer for each such m, uniform in
//!   [C1 d, (C1 + C2) d] hops, if it has none pending for m.
//! - Request timer fires: multicast a NAK for m, and back off: the next timer for m is drawn from
//!   [2^i C1 d, 2^i (C1 + C2) d], i the backoffs so far (at most `MAX_BACKOFFS`; then it stays).
//! - Suppression (when on): hearing another's NAK for m while a request timer for m is pending,
//!   back off the same way instead of sending; off: ignore others' NAKs (the NAK storm).
//! - Repair: a holder of m that hears a NAK for m from A sets a repair timer uniform in
//!   [D1 d_A, (D1 + D2) d_A] hops unless one is pending; when it fires it multicasts the repair.
//!   Hearing a repair for m cancels a pending repair timer for m (suppression, when on).
//! - Crashed nodes: end hosts that neither forward nor answer; the multicast routing goes around
//!   them (their tree neighbours forward to each other), so a crash costs only that node.
//!
//! Parameters: M packets, C1, C2, D1, D2 (ns-2's defaults 2, 2, 1, 1), suppression on/off.

use super::tree::Tree;
use crate::engine::protocol::{Datagram, Net, Protocol, Structure};
use crate::engine::report::{Kind, Look, TICKS_PER_ROUND, Tick};

/// One hop of the multicast tree, in ticks: a round.
pub const HOP: Tick = TICKS_PER_ROUND;
/// Rounds between the sender's session messages after its last packet.
pub const SESSION_PERIOD: u32 = 4;
/// Backoffs per packet at most (ns-2's SRM agent).
pub const MAX_BACKOFFS: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Request timer: uniform in [C1 d, (C1 + C2) d] hops.
    pub c1: f64,
    pub c2: f64,
    /// Repair timer: uniform in [D1 d_A, (D1 + D2) d_A] hops.
    pub d1: f64,
    pub d2: f64,
    /// Whether hearing an equal NAK or repair suppresses one's own.
    pub suppression: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            c1: 2.0,
            c2: 2.0,
            d1: 1.0,
            d2: 1.0,
            suppression: true,
        }
    }
}

pub struct Srm {
    pub tree: Tree,
    pub packets: u32,
    pub params: Params,
}

pub const DATA: u8 = 0;
pub const NAK: u8 = 1;
pub const REPAIR: u8 = 2;
pub const SESSION: u8 = 3;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "data",
        payload: true,
        look: Look::Data,
        label: "data packet",
    },
    Kind {
        name: "nak",
        payload: false,
        look: Look::Request,
        label: "NAK (request)",
    },
    Kind {
        name: "repair",
        payload: true,
        look: Look::Repair,
        label: "repair",
    },
    Kind {
        name: "session",
        payload: false,
        look: Look::EmptyReply,
        label: "session message",
    },
];

/// What a datagram carries: the packet (sequence number) it is about, who multicast it first,
/// and the tree neighbour it came from (not to be sent back).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Body {
    pub packet: u32,
    pub origin: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// The sender's turn to multicast packet m (or, past the last, a session message).
    Send(u32),
    /// Forward a flooded multicast one hop on.
    Forward(u8, Body, u32),
    /// Request (NAK) timer for packet m.
    Request(u32),
    /// Repair timer for packet m.
    Repair(u32),
}

/// Per node: backoffs so far for each packet (index m).
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub backoffs: Vec<u8>,
}

impl Protocol for Srm {
    type Node = Node;
    type Body = Body;
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;

    fn structure(&self) -> Structure {
        Structure::Tree {
            fanout: self.tree.fanout,
        }
    }

    fn messages(&self) -> u32 {
        self.packets
    }

    fn timer_name(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Request(_) => "request (NAK) timer",
            Timer::Repair(_) => "repair timer",
            _ => "",
        }
    }

    fn start(&self, net: &mut impl Net<Self>) {
        net.set_timer(0, 0, Timer::Send(0));
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        if let Timer::Send(packet) = timer
            && packet < self.packets
        {
            for child in self.tree.children(node) {
                let body = Body {
                    packet,
                    origin: node,
                };
                net.send_after(node, child, DATA, body, HOP);
            }
            net.set_timer(node, TICKS_PER_ROUND, Timer::Send(packet + 1));
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<Body>) {
        let Datagram { from, to, body, .. } = datagram;
        if net.learn(to, body.packet, from) {
            for child in self.tree.children(to) {
                net.send_after(to, child, DATA, body, HOP);
            }
        }
    }
}
