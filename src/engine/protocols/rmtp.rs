//! RMTP, the Reliable Multicast Transport Protocol (Paul, Sabnani, Lin, Bhattacharyya, IEEE JSAC
//! 1997; theory.md section 7). The sender multicasts packets 0 .. M - 1, one per round, to every
//! receiver (each copy lost independently). Receivers are grouped into R regions of consecutive
//! nodes, the first node of each the region's designated receiver (DR). Every ACK period each
//! receiver unicasts a bitmap of the packets it holds to its DR, which retransmits what the
//! receiver lacks; DRs send their own bitmaps to the sender, which retransmits to them. Without
//! DRs every receiver sends its bitmap to the sender: N - 1 ACKs a period land on one node, the
//! ACK implosion.
//!
//! Parameters: M packets, R regions, the ACK period in rounds, designated receivers on/off.

use crate::engine::protocol::{Datagram, Net, Protocol, Structure};
use crate::engine::report::{Kind, Look, TICKS_PER_ROUND};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    pub regions: u32,
    /// Rounds between a receiver's ACK bitmaps.
    pub ack_period: u32,
    /// Whether regions have designated receivers (off: every receiver ACKs the sender).
    pub designated: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            regions: 8,
            ack_period: 2,
            designated: true,
        }
    }
}

pub struct Rmtp {
    pub nodes: u32,
    pub packets: u32,
    pub params: Params,
}

pub const DATA: u8 = 0;
pub const ACK: u8 = 1;
pub const RETRANSMISSION: u8 = 2;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "data",
        payload: true,
        look: Look::Data,
        label: "data packet",
    },
    Kind {
        name: "ack",
        payload: false,
        look: Look::Ack,
        label: "ACK bitmap",
    },
    Kind {
        name: "retransmission",
        payload: true,
        look: Look::Repair,
        label: "retransmission",
    },
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// The sender's turn to multicast packet m.
    Send(u32),
}

impl Protocol for Rmtp {
    type Node = ();
    /// A packet number (data, retransmission) or a bitmap of held packets (ACK).
    type Body = u64;
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;

    fn structure(&self) -> Structure {
        Structure::Regions {
            regions: self.params.regions,
        }
    }

    fn messages(&self) -> u32 {
        self.packets
    }

    fn start(&self, net: &mut impl Net<Self>) {
        net.set_timer(0, 0, Timer::Send(0));
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        let Timer::Send(packet) = timer;
        if packet < self.packets {
            for receiver in 1..self.nodes {
                net.send(node, receiver, DATA, u64::from(packet));
            }
            net.set_timer(node, TICKS_PER_ROUND, Timer::Send(packet + 1));
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: Datagram<u64>) {
        if datagram.kind != ACK {
            net.learn(datagram.to, datagram.body as u32, datagram.from);
        }
    }
}
