//! RMTP, the Reliable Multicast Transport Protocol (Paul, Sabnani, Lin, Bhattacharyya, IEEE JSAC
//! 1997; theory.md section 7). The sender multicasts packets 0 .. M - 1, one per round, to every
//! receiver (each copy lost independently). Receivers are grouped into R regions of consecutive
//! nodes, the first node of each the region's designated receiver (DR). Every ACK period each
//! receiver unicasts a bitmap of the packets it holds to its DR, which retransmits what the
//! receiver lacks; DRs send their own bitmaps to the sender, which retransmits to them. Without
//! DRs every receiver sends its bitmap to the sender: N - 1 ACKs a period land on one node, the
//! ACK implosion.
//!
//! Rules (P: the ACK period in rounds; K = `SILENT_PERIODS`):
//! - Regions: receivers 1 .. N - 1 split into R groups of consecutive nodes, as even as can be
//!   (`region_of`); the first node of each group is its DR (`designated_receiver`).
//! - Data: the sender multicasts packet m at the start of round m + 1 to every receiver.
//! - ACK rounds: rounds P + 1, 2 P + 1, 3 P + 1, ..., the same for every node (aligned, so the
//!   implosion shows as one burst a period). At the first tick of an ACK round, before that
//!   round's data packet leaves, each live receiver that does not hold all M packets, and once
//!   more right after it has them all (so its DR or the sender learns it is done), unicasts one
//!   ACK whose body is its bitmap of held packets: to its DR (designated on; a DR itself ACKs
//!   the sender) or to the sender (designated off). A receiver knows the stream length M, so it
//!   keeps ACKing while packets are still to come; it never asks for a packet not yet sent,
//!   since a retransmitter only sends packets that left before the ACK's round.
//! - Regional retransmission: a DR (or the sender) keeps the bitmaps of the ACK round and,
//!   one tick after they arrive (`REPAIR_AFTER`), decides packet by packet among those it held
//!   by then and that had left the sender when the bitmaps were sent. Its group is its region
//!   but itself (the sender's: the DRs; without DRs, every receiver). If more than
//!   F = `mcast_threshold` of the group (F times its size, strictly more) lack the packet, it
//!   multicasts it once to the whole group (kind `regional_repair`: one datagram per member,
//!   each lost on its own, the members that hold it get a redundant copy); otherwise it unicasts
//!   it (kind `repair`) to each ACKer that lacks it. An ACKer outside the group (a receiver
//!   re-affiliated to the sender) always gets unicasts. What a DR lacks too it gets from the
//!   sender through its own ACK, and forwards at the next period.
//! - Crashed DR (RMTP's receivers fall back to another ACK processor, the sender always being
//!   one): a receiver that has ACKed its DR in K periods in a row while missing a packet already
//!   sent, without any repair arriving, presumes its DR down and re-affiliates to the
//!   sender: from the next ACK round on it ACKs the sender directly (noted as
//!   `Change::Reattached { to: 0 }` for the stage). Under loss a live DR may stay silent K periods
//!   too (its ACK or its answers lost, or it lacks the packet itself); such a receiver then also
//!   re-affiliates, which costs one more ACK at the sender a period, never delivery.
//! - Crashed receivers swallow what reaches them and send nothing; the sender never crashes.
//!
//! So with DRs the sender gets at most R ACKs an ACK round (plus one per re-affiliated
//! receiver), without them one per live receiver still ACKing: N - 1 in the first ACK round.
//!
//! Parameters: M packets, R regions, the ACK period in rounds, designated receivers on/off, the
//! multicast threshold F.

use super::stream;
use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::params::{Domain, Param, Value};
use crate::protocol::{Datagram, Net, Protocol, Structure};
use crate::report::{Change, Kind, Look, TICKS_PER_ROUND, Tick};
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};

/// ACK periods a receiver waits, missing packets, for its DR's retransmission before it
/// re-affiliates to the sender. A live DR answers a period with probability about (1 - p)^2 (the
/// ACK and one retransmission both get through, and the DR holds the packet), so it stays silent
/// K periods in a row with probability about (1 - (1 - p)^2)^K per loss episode: with 999
/// receivers, M = 8 and 10 regions, K = 3 re-affiliated about 90 live-DR receivers a run at
/// p = 0.2, K = 6 about 6 (none at p = 0.1), at the cost of K periods before a crashed DR's
/// receivers turn to the sender.
pub const SILENT_PERIODS: u32 = 6;

/// Ticks between the ACK round's bitmaps arriving and a repairer's decision: they all arrive
/// at the round's first tick (no datagram delay in the multicast modes), so one tick later
/// every bitmap that got through is in, and the stage draws the repairs after the ACKs.
pub const REPAIR_AFTER: Tick = 1;

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
    /// The share of a repairer's group that must lack a packet, strictly more than it, for the
    /// packet to go by multicast to the whole group (`mcast_threshold`, in (0, 1]).
    pub threshold: f64,
    /// Data packets lost by plan on the link into a receiver.
    pub drops: super::stream::Drops,
}

/// The default share of a region that must lack a packet for its DR to multicast it. The
/// paper gives no value; a quarter keeps a lone loss on unicast and a loss upstream of the
/// region (most of it lacking) on one multicast.
pub const DEFAULT_THRESHOLD: f64 = 0.25;

pub const DATA: u8 = 0;
pub const ACK: u8 = 1;
/// A packet unicast to one receiver that lacks it.
pub const REPAIR: u8 = 2;
/// A packet multicast to a whole region (or to every DR): one datagram per member.
pub const REGIONAL_REPAIR: u8 = 3;

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
        name: "repair",
        payload: true,
        look: Look::Repair,
        label: "unicast repair",
    },
    Kind {
        name: "regional_repair",
        payload: true,
        look: Look::RegionalRepair,
        label: "regional multicast repair",
    },
];

/// The region of receiver `node` (1 .. N - 1) among `regions` groups of consecutive receivers,
/// as even as can be: receiver index i = node - 1 is in region floor(i R / (N - 1)). Node 0, the
/// sender, is in no region (it gives 0).
pub fn region_of(node: u32, nodes: u32, regions: u32) -> u32 {
    let receivers = u64::from(nodes.saturating_sub(1)).max(1);
    (u64::from(node.saturating_sub(1)) * u64::from(regions) / receivers) as u32
}

/// The designated receiver of `region`: its first node, 1 + ceil(region (N - 1) / R). For
/// `region` = R it gives N, one past the last receiver, so region r spans
/// `designated_receiver(r) .. designated_receiver(r + 1)`.
pub fn designated_receiver(region: u32, nodes: u32, regions: u32) -> u32 {
    let receivers = u64::from(nodes.saturating_sub(1));
    1 + (u64::from(region) * receivers).div_ceil(u64::from(regions.max(1))) as u32
}

/// ACKs the sender expects in one ACK round while every receiver still ACKs (the first ACK
/// round of a stream longer than the period), without loss or crashes: R with designated
/// receivers (one bitmap per DR, nothing else reaches the sender), N - 1 without (every
/// receiver's bitmap: the ACK implosion). Crashed DRs add their re-affiliated receivers.
pub fn expected_acks_at_sender_per_period(nodes: u32, regions: u32, designated: bool) -> f64 {
    if designated {
        f64::from(regions.min(nodes.saturating_sub(1)))
    } else {
        f64::from(nodes.saturating_sub(1))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// The sender's turn to multicast packet m.
    Send(u32),
    /// A receiver's ACK round.
    Ack,
    /// A DR's or the sender's decision, once the ACK round's bitmaps are in: multicast or
    /// unicast each packet its group lacks.
    Repair,
}

/// Per node. The sender counts what it has sent; a receiver its silent ACK periods.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Sender: packets multicast so far (0 .. sent).
    pub sent: u32,
    /// Receiver: ACKs sent to its DR in a row, missing packets, without a retransmission.
    pub silent: u32,
    /// Receiver: ACKs the sender directly, its DR presumed crashed.
    pub reattached: bool,
    /// DR or sender: the bitmaps heard this ACK round, waiting for the repair decision: the
    /// ACKer, its bitmap, and how many packets had left the sender when it came (a bitmap
    /// cannot lack what was not sent yet).
    pub acks: Vec<(u32, u64, u32)>,
}

impl Rmtp {
    fn period(&self) -> Tick {
        Tick::from(self.params.ack_period.max(1)) * TICKS_PER_ROUND
    }

    fn all(&self) -> u64 {
        if self.packets >= 64 {
            u64::MAX
        } else {
            (1 << self.packets) - 1
        }
    }

    /// The packets `node` holds now, as a bitmap.
    fn held(&self, net: &impl Net<Self>, node: u32) -> u64 {
        (0..self.packets)
            .filter(|&packet| net.knows(node, packet))
            .fold(0, |bitmap, packet| bitmap | 1 << packet)
    }

    /// Where `node` sends its ACKs: its DR, or the sender (DRs, designated off, re-affiliated).
    fn ack_target(&self, net: &impl Net<Self>, node: u32) -> u32 {
        if !self.params.designated || net.state(node).reattached {
            return 0;
        }
        let region = region_of(node, self.nodes, self.params.regions);
        let designated = designated_receiver(region, self.nodes, self.params.regions);
        if designated == node { 0 } else { designated }
    }

    /// Whether `member` belongs to the group `node` repairs by multicast: a DR's region (but
    /// the DR), the sender's DRs, or every receiver when there are no DRs.
    fn in_group(&self, node: u32, member: u32) -> bool {
        let (nodes, regions) = (self.nodes, self.params.regions);
        if node != 0 {
            let region = region_of(node, nodes, regions);
            member > node && member < designated_receiver(region + 1, nodes, regions)
        } else {
            member != 0
                && (!self.params.designated
                    || designated_receiver(region_of(member, nodes, regions), nodes, regions)
                        == member)
        }
    }

    /// The group `node` repairs by multicast (see `in_group`), in node order.
    fn group(&self, node: u32) -> Vec<u32> {
        let (nodes, regions) = (self.nodes, self.params.regions);
        if node != 0 {
            let region = region_of(node, nodes, regions);
            (node + 1..designated_receiver(region + 1, nodes, regions)).collect()
        } else if self.params.designated {
            (0..regions.min(nodes - 1))
                .map(|region| designated_receiver(region, nodes, regions))
                .collect()
        } else {
            (1..nodes).collect()
        }
    }

    /// Rule: regional retransmission. With the ACK round's bitmaps in, for each packet the
    /// repairer held before this tick: if more than `threshold` of its group lack it, one
    /// multicast to the whole group (members that hold it get a redundant copy); otherwise a
    /// unicast to each ACKer that lacks it. ACKers outside the group (receivers re-affiliated
    /// to the sender) always get unicasts.
    fn repair(&self, net: &mut impl Net<Self>, node: u32) {
        let acks = std::mem::take(&mut net.state_mut(node).acks);
        let group = self.group(node);
        let bar = self.threshold * group.len() as f64;
        for packet in 0..self.packets {
            if !net.knew(node, packet) {
                continue;
            }
            let lacks =
                |&(_, bitmap, sent): &(u32, u64, u32)| packet < sent && bitmap >> packet & 1 == 0;
            let missing = acks
                .iter()
                .filter(|ack| lacks(ack) && self.in_group(node, ack.0))
                .count();
            let multicast = missing as f64 > bar;
            if multicast {
                net.count_multicast(REGIONAL_REPAIR);
                for &member in &group {
                    net.send(node, member, REGIONAL_REPAIR, u64::from(packet));
                }
            }
            for ack in acks.iter().filter(|ack| lacks(ack)) {
                if !(multicast && self.in_group(node, ack.0)) {
                    net.send(node, ack.0, REPAIR, u64::from(packet));
                }
            }
        }
    }

    /// A receiver's ACK round: its bitmap to its DR or the sender, then the next ACK round
    /// unless this was the ACK after completing.
    fn ack(&self, net: &mut impl Net<Self>, node: u32) {
        let held = self.held(net, node);
        let all = self.all();
        // Packets already sent: those that left before this round (ACKs go before its data).
        let sent = net.round().saturating_sub(1).min(self.packets);
        let sent_mask = if sent >= 64 {
            u64::MAX
        } else {
            (1 << sent) - 1
        };
        let missing = sent_mask & !held != 0;
        let mut to = self.ack_target(net, node);
        if to != 0 && missing && net.state(node).silent >= SILENT_PERIODS {
            net.state_mut(node).reattached = true;
            net.note(node, Change::Reattached { to: 0 });
            to = 0;
        }
        if to != 0 && missing {
            net.state_mut(node).silent += 1;
        }
        net.send(node, to, ACK, held);
        if held != all {
            net.set_timer(node, self.period(), Timer::Ack);
        }
    }
}

impl Protocol for Rmtp {
    type Node = Node;
    /// A packet number (data, retransmission) or a bitmap of held packets (ACK).
    type Body = u64;
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;

    fn messages(&self) -> u32 {
        self.packets
    }

    fn timer_name(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Ack => "ACK timer",
            Timer::Send(_) | Timer::Repair => "",
        }
    }

    fn start(&self, net: &mut impl Net<Self>) {
        // Set first, so in any round the ACKs (timers set earlier) go before the data packet.
        net.set_timer(0, 0, Timer::Send(0));
        for receiver in 1..self.nodes {
            if !net.is_crashed(receiver) {
                net.set_timer(receiver, self.period(), Timer::Ack);
            }
        }
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        if net.is_crashed(node) {
            return;
        }
        match timer {
            Timer::Send(packet) => {
                if packet < self.packets {
                    for receiver in 1..self.nodes {
                        if self.drops.drops(packet, receiver) {
                            net.lose_after(node, receiver, DATA, u64::from(packet), 0);
                        } else {
                            net.send(node, receiver, DATA, u64::from(packet));
                        }
                    }
                    net.state_mut(node).sent = packet + 1;
                    net.set_timer(node, TICKS_PER_ROUND, Timer::Send(packet + 1));
                }
            }
            Timer::Ack => self.ack(net, node),
            Timer::Repair => self.repair(net, node),
        }
    }

    /// Rule: a receiver back from a crash ACKs again from its next period (its ACK timer died
    /// with it), so its region's designated receiver learns what it lacks.
    fn on_recover(&self, net: &mut impl Net<Self>, node: u32) {
        if node != 0 && !net.has_timer(node, Timer::Ack) {
            net.set_timer(node, self.period(), Timer::Ack);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<u64>) {
        let Datagram {
            from,
            to,
            kind,
            body,
        } = *datagram;
        if kind != ACK {
            if kind != DATA {
                net.state_mut(to).silent = 0;
            }
            net.learn(to, body as u32, from);
            return;
        }
        // An ACK: kept until the round's bitmaps are in (they all leave at the ACK round's
        // first tick), then `repair` decides one tick later.
        let sent = net.state(0).sent;
        if !net.has_timer(to, Timer::Repair) {
            // Bitmaps left from before a crash are stale.
            net.state_mut(to).acks.clear();
            net.set_timer(to, REPAIR_AFTER, Timer::Repair);
        }
        net.state_mut(to).acks.push((from, body, sent));
    }
}

// --- The descriptor ---

/// The multicast threshold of `config`.
pub fn threshold(config: &Config) -> f64 {
    match config.own_value("mcast_threshold") {
        Value::Real(threshold) => threshold,
        _ => DEFAULT_THRESHOLD,
    }
}

static OWN_PARAMS: [Param; 1] = [Param {
    key: "mcast_threshold",
    url: Some("mcast_threshold"),
    label: "Multicast threshold",
    domain: Domain::Real { min: 0.0, max: 1.0 },
    default: "0.25",
    help: "rmtp: a designated receiver (or the sender, for the DRs) multicasts a packet to its whole region when more than this share of the region lacks it, else unicasts it to each receiver that does (above 0; 1: always unicast)",
    get: |config| config.own_value("mcast_threshold"),
    set: |config, value| config.set_own("mcast_threshold", value),
}];

pub struct RmtpSpec;
pub static SPEC: RmtpSpec = RmtpSpec;

static WORDS: Words = Words {
    title: "RMTP",
    explanation: "RMTP: the sender multicasts the packets; every ACK period each receiver sends a bitmap of what it \
        holds to its region's designated receiver, which retransmits the gaps, and only the designated \
        receivers ACK the sender. Turn them off and every receiver ACKs the sender at once: the ACK \
        implosion. RMTP (Bell Labs, 1997) made positive ACKs scale by giving each region its own \
        retransmitter, so the sender hears from R nodes instead of N.",
    informed: "hold every packet",
    fanout: "not used: RMTP multicasts to every receiver",
    click: "Click a node to see which packets it holds and its region.",
    done: "every live node holds every packet",
    ended: "some live nodes miss packets that nobody can repair",
};

const PEAK_FIGURE: &str = "most datagrams at the sender in one round";

impl ProtocolSpec for RmtpSpec {
    fn name(&self) -> &'static str {
        "rmtp"
    }
    fn group(&self) -> Group {
        Group::Multicast
    }
    fn about(&self) -> &'static str {
        "Reliable Multicast Transport Protocol: ACK bitmaps to designated receivers, which retransmit in their region"
    }
    fn params(&self) -> &'static [&'static str] {
        &[
            "mode",
            "nodes",
            "loss",
            "crash",
            "seed",
            "max_rounds",
            "burst",
            "crash_at",
            "partition",
            "packets",
            "regions",
            "designated",
            "ack_period",
            "mcast_threshold",
            "drop",
        ]
    }
    fn own_params(&self) -> &'static [Param] {
        &OWN_PARAMS
    }
    fn multicast_kinds(&self) -> &'static [u8] {
        &[REGIONAL_REPAIR]
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn structure(&self, config: &Config) -> Structure {
        if config.rmtp.designated {
            Structure::Regions {
                regions: config.rmtp.regions,
            }
        } else {
            Structure::Star
        }
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        on_events(
            Rmtp {
                nodes: config.nodes,
                packets: config.packets,
                params: config.rmtp,
                threshold: threshold(config),
                drops: config.drops,
            },
            config,
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        let srm = crate::protocols::srm::Params::default();
        let wait =
            32.0 * (srm.c1 + srm.c2 + srm.d1 + srm.d2 + 2.0) + f64::from(config.rmtp.ack_period);
        stream::round_limit(config, 1, wait)
    }
    fn check(&self, config: &Config) -> Result<(), String> {
        let threshold = threshold(config);
        if threshold <= 0.0 {
            return Err(format!(
                "mcast_threshold must be above 0 and at most 1 (a share of the region) (got {threshold})"
            ));
        }
        if config.rmtp.regions > config.nodes - 1 {
            return Err(format!(
                "regions must be between 1 and {} (N - 1 receivers) (got {})",
                config.nodes - 1,
                config.rmtp.regions
            ));
        }
        Ok(())
    }
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64> {
        let Some(rounds) = stream::rounds(config, 1) else {
            return Vec::new();
        };
        let n = f64::from(config.nodes);
        // One multicast hop: every receiver holds all M packets once the last arrives.
        (0..=rounds.min(max_points as u32))
            .map(|round| {
                if round + 1 > config.packets {
                    1.0
                } else {
                    1.0 / n
                }
            })
            .collect()
    }
    fn expected_rounds(&self, config: &Config) -> Option<u32> {
        stream::rounds(config, 1)
    }
    fn closed_form(&self, config: &Config) -> Option<(f64, &'static str)> {
        self.expected_rounds(config).map(|rounds| {
            (
                f64::from(rounds),
                "M without loss: one multicast hop for the last packet (theory.md section 7)",
            )
        })
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: "theory.md section 7: M rounds without loss; R ACKs at the sender per period with designated receivers, N - 1 without",
            assumptions: "the stream's curve holds without loss or crashes; retransmissions under loss have no closed form",
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        if self.expected_rounds(config).is_some() {
            "theory: without loss the last packet arrives one hop after it leaves, M rounds, dashed"
                .into()
        } else {
            "no closed-form theory for retransmissions under loss or crashes: no theory curve is drawn (without loss: M rounds)".into()
        }
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        Some(Lesson {
            figure: PEAK_FIGURE,
            expected: Some(expected_acks_at_sender_per_period(
                config.nodes,
                config.rmtp.regions,
                config.rmtp.designated,
            )),
            why: if config.rmtp.designated {
                format!(
                    "only the {} designated receivers ACK the sender",
                    config.rmtp.regions
                )
            } else {
                "every receiver ACKs the sender in the same round: the implosion".into()
            },
            // Nothing to measure before the first datagram.
            measured: measures
                .filter(|measures| measures.totals.datagrams > 0)
                .map(|measures| measures.peak_at_sender as f64),
        })
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(PEAK_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn page_nodes(&self) -> u32 {
        // Retransmissions per receiver: a lossy round costs N times the losses.
        20_000
    }
    fn page_nodes_reason(&self) -> Option<&'static str> {
        Some("a lossy round retransmits to each receiver")
    }
    fn node_bytes(&self, _config: &Config) -> u64 {
        // A bitmap of the packets held, and a designated receiver's region's bitmaps.
        64
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        // An ACK and a retransmission per packet.
        2 * u64::from(config.packets) + 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_consecutive_and_even() {
        for (nodes, regions) in [(11, 3), (1000, 10), (1000, 7), (5, 4), (2, 1), (100, 99)] {
            let mut sizes = vec![0u32; regions as usize];
            let mut last = 0;
            for node in 1..nodes {
                let region = region_of(node, nodes, regions);
                assert!(region >= last && region < regions);
                last = region;
                sizes[region as usize] += 1;
                let first = designated_receiver(region, nodes, regions);
                assert!(first <= node && node < designated_receiver(region + 1, nodes, regions));
                assert_eq!(region_of(first, nodes, regions), region);
            }
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "{nodes} {regions}: {sizes:?}");
            assert_eq!(designated_receiver(regions, nodes, regions), nodes);
        }
    }
}
