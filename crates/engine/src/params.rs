//! The one description of every parameter: its JSON key (the CLI flag is the key with '-' for
//! '_'), its URL key, range, default and help. The CLI builds its flags from it, the page parses
//! its URL with it, `simulate()` reads JSON with it, validation messages quote it, and the README's
//! table is printed from it (`gossip-sim --params-markdown`, checked by a test).

use super::config::{Config, ConfigError, Mode, limits};
use super::failures::{Burst, CrashSchedule, Delay, PartitionSchedule, Split};
use super::protocols::centralized::Transport;
use super::protocols::messages::Policy;
use super::protocols::mongering;
use super::protocols::stream::Drops;
use serde_json::{Map, Value as Json};
use std::sync::LazyLock;

/// The values a parameter may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    Whole {
        min: u64,
        max: u64,
    },
    Real {
        min: f64,
        max: f64,
    },
    Choice(&'static [&'static str]),
    /// A protocol of the registry, by name.
    Protocol,
    /// Any u64.
    Seed,
    /// A whole number in range, or absent ("none").
    Optional {
        min: u64,
        max: u64,
    },
    // async-racks: a real number in range, or absent (the word `absent` says what absent means).
    OptionalReal {
        min: f64,
        max: f64,
        absent: &'static str,
    },
    // Failures and delays: structured values with one text form each (see `failures`).
    /// A delay distribution: none, fixed:D, uniform:A:B, exp:MEAN.
    Delay,
    /// Gilbert-Elliott transitions P:R, or none.
    Burst,
    /// A crash schedule ROUND:FRACTION,...; JSON also takes an array of entries.
    Schedule,
    /// Planned losses PACKET@NODE,...; JSON also takes an array of entries.
    Drops,
    /// Network partitions ROUND:SPLIT[:HEAL],...; JSON also takes an array of entries.
    Partitions,
}

// A partition schedule makes the enum about 1.7 KB; it stays `Copy` (the table's get and set
// pass values by value), and a value exists only while a parameter is read or set, never per
// datagram or per node.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Whole(u64),
    Real(f64),
    Choice(&'static str),
    Absent,
    // Failures and delays.
    Delay(Delay),
    Burst(Option<Burst>),
    Schedule(CrashSchedule),
    Drops(Drops),
    Partitions(PartitionSchedule),
}

pub struct Param {
    /// The JSON key; `--key` (with '-' for '_') on the command line.
    pub key: &'static str,
    /// The page's URL key, if the page has a control for it.
    pub url: Option<&'static str>,
    /// The page's label for its control.
    pub label: &'static str,
    pub domain: Domain,
    /// The default, as typed.
    pub default: &'static str,
    pub help: &'static str,
    pub get: fn(&Config) -> Value,
    pub set: fn(&mut Config, Value),
}

fn whole(value: Value) -> u64 {
    match value {
        Value::Whole(value) => value,
        _ => unreachable!("checked by Param::parse"),
    }
}

fn real(value: Value) -> f64 {
    match value {
        Value::Real(value) => value,
        _ => unreachable!("checked by Param::parse"),
    }
}

fn optional(value: Value) -> Option<u32> {
    match value {
        Value::Whole(value) => Some(value as u32),
        _ => None,
    }
}

fn optional_value(value: Option<u32>) -> Value {
    value.map_or(Value::Absent, |value| Value::Whole(value.into()))
}

// async-racks: the Real-or-absent domain's value conversions.
fn optional_real(value: Value) -> Option<f64> {
    match value {
        Value::Real(value) => Some(value),
        _ => None,
    }
}

fn optional_real_value(value: Option<f64>) -> Value {
    value.map_or(Value::Absent, Value::Real)
}

const ON_OFF: &[&str] = &["on", "off"];

fn on_off(on: bool) -> Value {
    Value::Choice(if on { "on" } else { "off" })
}

fn is_on(value: Value) -> bool {
    value == Value::Choice("on")
}

/// Every parameter: these, which the engine's `Config` holds in its fields, then each protocol's
/// own (`ProtocolSpec::own_params`, held in `Config::own`), in the registry's order.
pub static PARAMS: LazyLock<Vec<&'static Param>> = LazyLock::new(|| {
    let mut all: Vec<&'static Param> = FIELDS.iter().collect();
    for mode in Mode::ALL {
        for param in mode.spec().own_params() {
            if all.iter().all(|known| known.key != param.key) {
                all.push(param);
            }
        }
    }
    all
});

/// The parameters `Config` holds in its fields.
static FIELDS: &[Param] = &[
    Param {
        key: "mode",
        url: Some("mode"),
        label: "Protocol",
        domain: Domain::Protocol,
        default: "push",
        help: "the protocol (`gossip-sim protocols` lists them with the parameters each takes)",
        get: |config| Value::Choice(config.mode.name()),
        set: |config, value| {
            if let Value::Choice(name) = value {
                config.mode = Mode::from_name(name).expect("a listed name");
            }
        },
    },
    Param {
        key: "nodes",
        url: Some("n"),
        label: "Nodes N",
        domain: Domain::Whole {
            min: limits::NODES.0 as u64,
            max: limits::NODES.1 as u64,
        },
        default: "1000",
        help: "number of nodes N; node 0 is the sender (the page takes up to 1,048,576 for push, pull and push-pull, 100,000 or fewer for the others)",
        get: |config| Value::Whole(config.nodes.into()),
        set: |config, value| config.nodes = whole(value) as u32,
    },
    Param {
        key: "fanout",
        url: Some("b"),
        label: "Fanout b",
        domain: Domain::Whole {
            min: limits::FANOUT.0 as u64,
            max: limits::FANOUT.1 as u64,
        },
        default: "1",
        help: "b: gossip peers called per round (with replacement); the centralized sender's unicasts per round; the tree's arity (tree, srm); heartbeat: lists sent per period; a broadcast tree: neighbours per node",
        get: |config| Value::Whole(config.fanout.into()),
        set: |config, value| config.fanout = whole(value) as u32,
    },
    Param {
        key: "loss",
        url: Some("loss"),
        label: "Loss %",
        domain: Domain::Real {
            min: limits::LOSS.0,
            max: limits::LOSS.1,
        },
        default: "0",
        help: "probability that one datagram is lost",
        get: |config| Value::Real(config.network.loss),
        set: |config, value| config.network.loss = real(value),
    },
    Param {
        key: "crash",
        url: Some("crash"),
        label: "Crashed %",
        domain: Domain::Real {
            min: limits::CRASH.0,
            max: limits::CRASH.1,
        },
        default: "0",
        help: "fraction of the non-sender nodes crashed from the start (the same set in every mode for a seed)",
        get: |config| Value::Real(config.network.crash),
        set: |config, value| config.network.crash = real(value),
    },
    Param {
        key: "senders",
        url: None,
        label: "Senders",
        domain: Domain::Whole {
            min: 1,
            max: limits::NODES.1 as u64,
        },
        default: "1",
        help: "nodes 0..senders start informed, or inject the messages (1 to N)",
        get: |config| Value::Whole(config.senders.into()),
        set: |config, value| config.senders = whole(value) as u32,
    },
    Param {
        key: "seed",
        url: Some("seed"),
        label: "Seed",
        domain: Domain::Seed,
        default: "1",
        help: "any u64: the same seed is the same run in every browser and in the CLI",
        get: |config| Value::Whole(config.seed),
        set: |config, value| config.seed = whole(value),
    },
    Param {
        key: "max_rounds",
        url: None,
        label: "Round limit",
        domain: Domain::Optional {
            min: limits::MAX_ROUNDS.0 as u64,
            max: limits::MAX_ROUNDS.1 as u64,
        },
        default: "none",
        help: "stop a run without completing after this many rounds (none: a bound from theory no completing run comes near)",
        get: |config| optional_value(config.max_rounds),
        set: |config, value| config.max_rounds = optional(value),
    },
    Param {
        key: "transport",
        url: Some("transport"),
        label: "Transport",
        domain: Domain::Choice(Transport::NAMES),
        default: "udp",
        help: "centralized: udp (a lost unicast stays lost) or reliable (ACKs, retransmission after the timeout)",
        get: |config| Value::Choice(config.centralized.transport.name()),
        set: |config, value| {
            if let Value::Choice(name) = value {
                config.centralized.transport = Transport::from_name(name).expect("a listed name");
            }
        },
    },
    Param {
        key: "timeout",
        url: Some("timeout"),
        label: "Timeout (rounds)",
        domain: Domain::Whole {
            min: limits::TIMEOUT.0 as u64,
            max: limits::TIMEOUT.1 as u64,
        },
        default: "2",
        help: "centralized, reliable: rounds the sender waits for an ACK before sending again",
        get: |config| Value::Whole(config.centralized.timeout.into()),
        set: |config, value| config.centralized.timeout = whole(value) as u32,
    },
    Param {
        key: "repair_delay",
        url: Some("repair"),
        label: "Repair after (rounds)",
        domain: Domain::Optional {
            min: limits::REPAIR_DELAY.0 as u64,
            max: limits::REPAIR_DELAY.1 as u64,
        },
        default: "none",
        help: "tree: an orphan asks its nearest live ancestor for the message this many rounds after it was due (none: no repair)",
        get: |config| optional_value(config.tree.repair_delay),
        set: |config, value| config.tree.repair_delay = optional(value),
    },
    Param {
        key: "packets",
        url: Some("packets"),
        label: "Packets M",
        domain: Domain::Whole {
            min: limits::PACKETS.0 as u64,
            max: limits::PACKETS.1 as u64,
        },
        default: "8",
        help: "srm, rmtp: packets in the stream, one sent per round",
        get: |config| Value::Whole(config.packets.into()),
        set: |config, value| config.packets = whole(value) as u32,
    },
    Param {
        key: "suppression",
        url: Some("suppression"),
        label: "Suppression",
        domain: Domain::Choice(ON_OFF),
        default: "on",
        help: "srm: hearing an equal NAK or repair holds one's own back (off: the NAK storm)",
        get: |config| on_off(config.srm.suppression),
        set: |config, value| config.srm.suppression = is_on(value),
    },
    Param {
        key: "c1",
        url: Some("c1"),
        label: "C1",
        domain: Domain::Real {
            min: limits::TIMER_FACTOR.0,
            max: limits::TIMER_FACTOR.1,
        },
        default: "2",
        help: "srm: request timers start C1 d hops after a loss is seen (d: hops to the sender)",
        get: |config| Value::Real(config.srm.c1),
        set: |config, value| config.srm.c1 = real(value),
    },
    Param {
        key: "c2",
        url: Some("c2"),
        label: "C2",
        domain: Domain::Real {
            min: limits::TIMER_FACTOR.0,
            max: limits::TIMER_FACTOR.1,
        },
        default: "2",
        help: "srm: request timers are spread over C2 d more hops (0: deterministic)",
        get: |config| Value::Real(config.srm.c2),
        set: |config, value| config.srm.c2 = real(value),
    },
    Param {
        key: "d1",
        url: Some("d1"),
        label: "D1",
        domain: Domain::Real {
            min: limits::TIMER_FACTOR.0,
            max: limits::TIMER_FACTOR.1,
        },
        default: "1",
        help: "srm: repair timers start D1 d_A hops after a NAK from A (d_A: hops to A)",
        get: |config| Value::Real(config.srm.d1),
        set: |config, value| config.srm.d1 = real(value),
    },
    Param {
        key: "d2",
        url: Some("d2"),
        label: "D2",
        domain: Domain::Real {
            min: limits::TIMER_FACTOR.0,
            max: limits::TIMER_FACTOR.1,
        },
        default: "1",
        help: "srm: repair timers are spread over D2 d_A more hops (0: deterministic)",
        get: |config| Value::Real(config.srm.d2),
        set: |config, value| config.srm.d2 = real(value),
    },
    Param {
        key: "regions",
        url: Some("regions"),
        label: "Regions R",
        domain: Domain::Whole {
            min: limits::REGIONS.0 as u64,
            max: limits::REGIONS.1 as u64,
        },
        default: "8",
        help: "rmtp: regions of consecutive receivers, each with a designated receiver (at most N - 1)",
        get: |config| Value::Whole(config.rmtp.regions.into()),
        set: |config, value| config.rmtp.regions = whole(value) as u32,
    },
    Param {
        key: "designated",
        url: Some("designated"),
        label: "Designated receivers",
        domain: Domain::Choice(ON_OFF),
        default: "on",
        help: "rmtp: receivers ACK their region's designated receiver (off: all ACK the sender, the ACK implosion)",
        get: |config| on_off(config.rmtp.designated),
        set: |config, value| config.rmtp.designated = is_on(value),
    },
    Param {
        key: "ack_period",
        url: Some("ack-period"),
        label: "ACK period (rounds)",
        domain: Domain::Whole {
            min: limits::ACK_PERIOD.0 as u64,
            max: limits::ACK_PERIOD.1 as u64,
        },
        default: "2",
        help: "rmtp: rounds between a receiver's ACK bitmaps",
        get: |config| Value::Whole(config.rmtp.ack_period.into()),
        set: |config, value| config.rmtp.ack_period = whole(value) as u32,
    },
    // async-racks: asynchronous periods, racks behind a core switch.
    Param {
        key: "async",
        url: Some("async"),
        label: "Jitter",
        domain: Domain::OptionalReal {
            min: limits::JITTER.0,
            max: limits::JITTER.1,
            absent: "off",
        },
        default: "off",
        help: "gossip: asynchronous periods, each node from its own random phase, each period 1 + u long, u uniform in [-jitter, jitter] (off: synchronous rounds; 0: random phases, no jitter)",
        get: |config| optional_real_value(config.asynchrony),
        set: |config, value| config.asynchrony = optional_real(value),
    },
    Param {
        key: "racks",
        url: Some("racks"),
        label: "Racks R",
        domain: Domain::Whole {
            min: limits::RACKS.0 as u64,
            max: limits::RACKS.1 as u64,
        },
        default: "1",
        help: "gossip: racks of consecutive nodes behind top-of-rack switches joined by one core switch (1: a flat network; at most N)",
        get: |config| Value::Whole(config.racks.into()),
        set: |config, value| config.racks = whole(value) as u32,
    },
    Param {
        key: "cross",
        url: Some("cross"),
        label: "Cross-rack P",
        domain: Domain::OptionalReal {
            min: limits::CROSS.0,
            max: limits::CROSS.1,
            absent: "auto",
        },
        default: "auto",
        help: "gossip with racks: probability that a caller picks its peer outside its rack (auto: 1 / n_i, n_i its rack's size)",
        get: |config| optional_real_value(config.cross),
        set: |config, value| config.cross = optional_real(value),
    },
    // --- rumor mongering and push-then-pull (theory.md section 6; issue: hybrids and stopping)
    Param {
        key: "stop",
        url: Some("stop"),
        label: "Stop rule",
        domain: Domain::Choice(STOP_NAMES),
        default: "none",
        help: "push: rumor mongering (Demers et al. 1987): a node stops spreading after k unnecessary contacts (feedback) or any k contacts (blind), counted (counter) or with chance 1/k each (coin); none: push for ever",
        get: |config| {
            Value::Choice(
                config
                    .mongering
                    .stop
                    .map_or("none", mongering::StopRule::name),
            )
        },
        set: |config, value| {
            if let Value::Choice(name) = value {
                config.mongering.stop = mongering::StopRule::from_name(name);
            }
        },
    },
    Param {
        key: "stop_k",
        url: Some("stop_k"),
        label: "k",
        domain: Domain::Whole {
            min: limits::STOP_K.0 as u64,
            max: limits::STOP_K.1 as u64,
        },
        default: "1",
        help: "push with a stop rule: the counter's limit, or 1 / the coin's chance of stopping",
        get: |config| Value::Whole(config.mongering.k.into()),
        set: |config, value| config.mongering.k = whole(value) as u32,
    },
    Param {
        key: "push_until",
        url: Some("push_until"),
        label: "Push until",
        domain: Domain::OptionalReal {
            min: 0.0,
            max: 1.0,
            absent: "none",
        },
        default: "none",
        help: "push: push while fewer than this fraction of the live nodes know the rumor, then every live node pulls (push then pull); none: push only",
        get: |config| optional_real_value(config.hybrid.until),
        set: |config, value| config.hybrid.until = optional_real(value),
    },
    Param {
        key: "push_rounds",
        url: Some("push_rounds"),
        label: "Push rounds",
        domain: Domain::Optional {
            min: limits::PUSH_ROUNDS.0 as u64,
            max: limits::PUSH_ROUNDS.1 as u64,
        },
        default: "none",
        help: "push: push for at most this many rounds, then every live node pulls (with push_until: whichever comes first)",
        get: |config| optional_value(config.hybrid.rounds),
        set: |config, value| config.hybrid.rounds = optional(value),
    },
    // Many messages (theory.md section 8).
    Param {
        key: "messages",
        url: Some("messages"),
        label: "Messages M",
        domain: Domain::Whole {
            min: limits::MESSAGES.0 as u64,
            max: limits::MESSAGES.1 as u64,
        },
        default: "1",
        help: "messages M the senders inject, message m at sender m mod senders (1: the single rumor)",
        get: |config| Value::Whole(config.messages.count.into()),
        set: |config, value| config.messages.count = whole(value) as u32,
    },
    Param {
        key: "capacity",
        url: Some("capacity"),
        label: "Capacity K",
        domain: Domain::Whole {
            min: limits::CAPACITY.0 as u64,
            max: limits::CAPACITY.1 as u64,
        },
        default: "1",
        help: "gossip, messages > 1: the most messages one datagram carries (k)",
        get: |config| Value::Whole(config.messages.capacity.into()),
        set: |config, value| config.messages.capacity = whole(value) as u32,
    },
    Param {
        key: "policy",
        url: Some("policy"),
        label: "Policy",
        domain: Domain::Choice(Policy::NAMES),
        default: "random",
        help: "gossip, messages > 1: which K a node sends: a uniform random subset, the most recently received, or the highest priority (a random permutation per seed)",
        get: |config| Value::Choice(config.messages.policy.name()),
        set: |config, value| {
            if let Value::Choice(name) = value {
                config.messages.policy = Policy::from_name(name).expect("a listed name");
            }
        },
    },
    Param {
        key: "inject_every",
        url: Some("inject-every"),
        label: "Inject every (rounds)",
        domain: Domain::Whole {
            min: limits::INJECT_EVERY.0 as u64,
            max: limits::INJECT_EVERY.1 as u64,
        },
        default: "0",
        help: "messages > 1: message m is injected at the end of round m R (0: all before round 1)",
        get: |config| Value::Whole(config.messages.inject_every.into()),
        set: |config, value| config.messages.inject_every = whole(value) as u32,
    },
    // Failures and delays (theory.md section 9).
    Param {
        key: "delay",
        url: Some("delay"),
        label: "Delay",
        domain: Domain::Delay,
        default: "none",
        help: "each datagram's delay in rounds, drawn per datagram: fixed:D, uniform:A:B or exp:MEAN (gossip and membership; a protocol that takes a round per hop adds it to the hop); rounds is then in periods, a float",
        get: |config| Value::Delay(config.delay),
        set: |config, value| {
            if let Value::Delay(delay) = value {
                config.delay = delay;
            }
        },
    },
    Param {
        key: "burst",
        url: Some("burst"),
        label: "Burst loss",
        domain: Domain::Burst,
        default: "none",
        help: "Gilbert-Elliott burst loss P:R: one chain for the network stepped per datagram, good to bad with P, bad to good with R; loss is then the loss in the bad state (0 in the good), mean loss P/(P+R) of it, bursts 1/R datagrams long",
        get: |config| Value::Burst(config.burst),
        set: |config, value| {
            if let Value::Burst(burst) = value {
                config.burst = burst;
            }
        },
    },
    Param {
        key: "crash_at",
        url: Some("crash_at"),
        label: "Crash schedule",
        domain: Domain::Schedule,
        default: "none",
        help: "crashes during the run, ROUND:FRACTION (repeatable, or a comma list, at most 8): at the start of that round the fraction of the N nodes (rounded) crashes, chosen among the live non-senders",
        get: |config| Value::Schedule(config.crash_at),
        set: |config, value| {
            if let Value::Schedule(schedule) = value {
                config.crash_at = schedule;
            }
        },
    },
    Param {
        key: "drop",
        url: Some("drop"),
        label: "Drop packets",
        domain: Domain::Drops,
        default: "none",
        help: "streams: PACKET@NODE (repeatable, or a comma list, at most 64): the sender's data packet PACKET (1 to M) is lost on the link into NODE, whatever loss says; repairs pass",
        get: |config| Value::Drops(config.drops),
        set: |config, value| {
            if let Value::Drops(drops) = value {
                config.drops = drops;
            }
        },
    },
    Param {
        key: "partition",
        url: Some("partition"),
        label: "Partitions",
        domain: Domain::Partitions,
        default: "none",
        help: "network partitions, ROUND:SPLIT[:HEAL] (repeatable, or a comma list, at most 8): from the start of ROUND until the start of HEAL (none: never) every datagram sent across the cut is dropped and counted as partitioned. SPLIT: half (nodes below N/2 against the rest), racks (each rack a side; gossip with racks), node ranges 0-49|50-99 (sides split by |, ranges of one side joined by +, nodes 0 to N - 1, nodes not named one more side), or one-way A->B (only datagrams from A to B dropped; half-> for the lower half to the upper)",
        get: |config| Value::Partitions(config.partitions),
        set: |config, value| {
            if let Value::Partitions(partitions) = value {
                config.partitions = partitions;
            }
        },
    },
    // membership: heartbeat, SWIM and Cassandra (theory.md section 10).
    Param {
        key: "t_fail",
        url: Some("t_fail"),
        label: "T_fail (periods)",
        domain: Domain::Whole {
            min: limits::T_FAIL.0 as u64,
            max: limits::T_FAIL.1 as u64,
        },
        default: "20",
        help: "heartbeat: periods without a heartbeat increase before a member is marked failed",
        get: |config| Value::Whole(config.membership.t_fail.into()),
        set: |config, value| config.membership.t_fail = whole(value) as u32,
    },
    Param {
        key: "t_cleanup",
        url: Some("t_cleanup"),
        label: "T_cleanup (periods)",
        domain: Domain::Whole {
            min: limits::T_CLEANUP.0 as u64,
            max: limits::T_CLEANUP.1 as u64,
        },
        default: "20",
        help: "heartbeat: periods a failed member stays listed as failed before it is deleted",
        get: |config| Value::Whole(config.membership.t_cleanup.into()),
        set: |config, value| config.membership.t_cleanup = whole(value) as u32,
    },
    Param {
        key: "ping_req",
        url: Some("ping_req"),
        label: "Ping-req k",
        domain: Domain::Whole {
            min: limits::PING_REQ.0 as u64,
            max: limits::PING_REQ.1 as u64,
        },
        default: "3",
        help: "swim: k, the members asked to ping a target that did not ack (0: no indirect probe)",
        get: |config| Value::Whole(config.membership.ping_req.into()),
        set: |config, value| config.membership.ping_req = whole(value) as u32,
    },
    Param {
        key: "suspicion",
        url: Some("suspicion"),
        label: "Suspicion (periods)",
        domain: Domain::Whole {
            min: limits::SUSPICION.0 as u64,
            max: limits::SUSPICION.1 as u64,
        },
        default: "5",
        help: "swim: periods a member stays suspected before it is confirmed failed, unless it refutes (0: failed at once)",
        get: |config| Value::Whole(config.membership.suspicion.into()),
        set: |config, value| config.membership.suspicion = whole(value) as u32,
    },
    Param {
        key: "phi",
        url: Some("phi"),
        label: "Phi threshold",
        domain: Domain::Real {
            min: limits::PHI.0,
            max: limits::PHI.1,
        },
        default: "8",
        help: "cassandra: phi_convict_threshold; an endpoint is convicted after phi / log10(e) mean intervals without news (18.4 at 8)",
        get: |config| Value::Real(config.membership.phi),
        set: |config, value| config.membership.phi = real(value),
    },
    Param {
        key: "periods",
        url: Some("periods"),
        label: "Periods",
        domain: Domain::Whole {
            min: limits::PERIODS.0 as u64,
            max: limits::PERIODS.1 as u64,
        },
        default: "100",
        help: "heartbeat, swim, cassandra: how many periods (rounds) a run lasts; without crash_at one node crashes at round 10 (crash_at 1:0: none)",
        get: |config| Value::Whole(config.membership.periods.into()),
        set: |config, value| config.membership.periods = whole(value) as u32,
    },
    Param {
        key: "join_at",
        url: Some("join_at"),
        label: "Join at round",
        domain: Domain::Optional {
            min: limits::JOIN_AT.0 as u64,
            max: limits::JOIN_AT.1 as u64,
        },
        default: "none",
        help: "heartbeat, swim, cassandra: node N - 1 is out of the group until this round, then joins through seed node 0 (none: no join)",
        get: |config| optional_value(config.membership.join_at),
        set: |config, value| config.membership.join_at = optional(value),
    },
];

const STOP_NAMES: &[&str] = &[
    "none",
    "feedback-counter",
    "feedback-coin",
    "blind-counter",
    "blind-coin",
];

pub fn find(key: &str) -> Option<&'static Param> {
    PARAMS.iter().copied().find(|param| param.key == key)
}

/// The parameter under URL key `url`; `_` and `-` are the same (`ack_period` = `ack-period`).
pub fn find_by_url(url: &str) -> Option<&'static Param> {
    let normal = |key: &str| key.replace('_', "-");
    let url = normal(url);
    PARAMS
        .iter()
        .copied()
        .find(|param| param.url.is_some_and(|key| normal(key) == url))
}

/// Words accepted for "no value" in an optional parameter.
const ABSENT: &[&str] = &["none", "off", ""];

impl Param {
    pub fn flag(&self) -> String {
        self.key.replace('_', "-")
    }

    pub fn applies_to(&self, mode: Mode) -> bool {
        mode.takes(self.key)
    }

    /// The protocols that take this parameter.
    pub fn protocols(&self) -> impl Iterator<Item = Mode> + '_ {
        Mode::ALL.into_iter().filter(|&mode| self.applies_to(mode))
    }

    /// The protocols that take this parameter, in words: "push, pull, push-pull" or "all".
    pub fn protocols_text(&self) -> String {
        if self.protocols().count() == Mode::ALL.len() {
            return "all".into();
        }
        self.protocols()
            .map(Mode::name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The refusal of this parameter for `mode`, which does not take it.
    pub fn inapplicable(&self, mode: Mode) -> String {
        format!(
            "{} does not apply to {mode}: it applies to {}",
            self.key,
            self.protocols_text()
        )
    }

    /// What the parameter accepts, in words: "a whole number from 2 to 1000000".
    pub fn expected(&self) -> String {
        match self.domain {
            Domain::Whole { min, max } => format!("a whole number from {min} to {max}"),
            Domain::Real { min, max } => format!("a number from {min} to {max}"),
            Domain::Choice(names) => format!("one of {}", names.join(", ")),
            Domain::Protocol => format!("one of {}", protocol_names().join(", ")),
            Domain::Seed => "a whole number from 0 to 18446744073709551615".into(),
            Domain::Optional { min, max } => {
                format!("a whole number from {min} to {max}, or none")
            }
            // async-racks
            Domain::OptionalReal { min, max, absent } => {
                format!("a number from {min} to {max}, or {absent}")
            }
            Domain::Delay => Delay::FORMS.into(),
            Domain::Burst => Burst::FORM.into(),
            Domain::Schedule => CrashSchedule::FORM.into(),
            Domain::Drops => Drops::FORM.into(),
            Domain::Partitions => PartitionSchedule::FORM.into(),
        }
    }

    /// The range as the README and `--help` show it.
    pub fn range_text(&self) -> String {
        match self.domain {
            Domain::Whole { min, max } => format!("{min} to {max}"),
            Domain::Real { min, max } => format!("{min} to {max}"),
            Domain::Choice(names) => names.join(", "),
            Domain::Protocol => protocol_names().join(", "),
            Domain::Seed => "any u64".into(),
            Domain::Optional { min, max } => format!("{min} to {max}, or none"),
            // async-racks
            Domain::OptionalReal { min, max, absent } => format!("{min} to {max}, or {absent}"),
            Domain::Delay => "none, fixed:D, uniform:A:B, exp:MEAN (0 to 10 rounds)".into(),
            Domain::Burst => "none or P:R (P 0 to 1, R over 0 to 1)".into(),
            Domain::Schedule => "none or ROUND:FRACTION, up to 8".into(),
            Domain::Drops => "none or PACKET@NODE, up to 64".into(),
            Domain::Partitions => "none or ROUND:SPLIT[:HEAL], up to 8".into(),
        }
    }

    /// Parses typed text (a CLI argument, a URL value) and checks the range.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        let text = text.trim();
        let malformed = || format!("{} must be {} (got {text:?})", self.key, self.expected());
        let value = match self.domain {
            Domain::Whole { .. } | Domain::Seed => {
                Value::Whole(text.parse().map_err(|_| malformed())?)
            }
            Domain::Real { .. } => {
                let value: f64 = text.parse().map_err(|_| malformed())?;
                Value::Real(value)
            }
            Domain::Choice(names) => Value::Choice(
                names
                    .iter()
                    .find(|&&name| name == text)
                    .ok_or_else(malformed)?,
            ),
            Domain::Protocol => Value::Choice(Mode::from_name(text).ok_or_else(malformed)?.name()),
            Domain::Optional { .. } if ABSENT.contains(&text) => Value::Absent,
            Domain::Optional { .. } => Value::Whole(text.parse().map_err(|_| malformed())?),
            // async-racks
            Domain::OptionalReal { absent, .. } if text == absent || ABSENT.contains(&text) => {
                Value::Absent
            }
            Domain::OptionalReal { .. } => Value::Real(text.parse().map_err(|_| malformed())?),
            // Structured values say precisely what is wrong.
            Domain::Delay => Value::Delay(Delay::parse(text)?),
            Domain::Burst => Value::Burst(Burst::parse(text)?),
            Domain::Schedule => Value::Schedule(CrashSchedule::parse(text)?),
            Domain::Drops => Value::Drops(Drops::parse(text)?),
            Domain::Partitions => Value::Partitions(PartitionSchedule::parse(text)?),
        };
        self.check(value)?;
        Ok(value)
    }

    /// Reads a JSON value (`simulate()`'s input).
    pub fn from_json(&self, json: &serde_json::Value) -> Result<Value, String> {
        let malformed = || {
            format!(
                "{} must be {} (got {})",
                self.key,
                self.expected(),
                crate::json::to_string(json)
            )
        };
        let value = match (self.domain, json) {
            (Domain::Optional { .. }, serde_json::Value::Null) => Value::Absent,
            (
                Domain::Delay
                | Domain::Burst
                | Domain::Schedule
                | Domain::Drops
                | Domain::Partitions,
                Json::Null,
            ) => {
                return self.parse("none");
            }
            (
                Domain::Delay
                | Domain::Burst
                | Domain::Schedule
                | Domain::Drops
                | Domain::Partitions,
                Json::String(text),
            ) => {
                return self.parse(text);
            }
            // A crash schedule, planned drops or partitions may also be an array of entries.
            (Domain::Schedule | Domain::Drops | Domain::Partitions, Json::Array(entries)) => {
                let texts: Option<Vec<&str>> = entries.iter().map(Json::as_str).collect();
                return self.parse(&texts.ok_or_else(malformed)?.join(","));
            }
            (
                Domain::Delay
                | Domain::Burst
                | Domain::Schedule
                | Domain::Drops
                | Domain::Partitions,
                _,
            ) => {
                return Err(malformed());
            }
            (Domain::Whole { .. } | Domain::Seed | Domain::Optional { .. }, _) => {
                Value::Whole(json.as_u64().ok_or_else(malformed)?)
            }
            (Domain::Real { .. }, _) => Value::Real(json.as_f64().ok_or_else(malformed)?),
            // async-racks: null or the absent word ("off", "auto"), or a number.
            (Domain::OptionalReal { .. }, serde_json::Value::Null) => Value::Absent,
            (Domain::OptionalReal { .. }, serde_json::Value::String(text)) => {
                return self.parse(text);
            }
            (Domain::OptionalReal { .. }, _) => Value::Real(json.as_f64().ok_or_else(malformed)?),
            (Domain::Choice(_) | Domain::Protocol, serde_json::Value::String(text)) => {
                return self.parse(text);
            }
            (Domain::Choice(_) | Domain::Protocol, _) => return Err(malformed()),
        };
        self.check(value)?;
        Ok(value)
    }

    /// The range check, with the message every front end shows.
    pub fn check(&self, value: Value) -> Result<(), String> {
        let out_of_range = |shown: String, min: String, max: String| {
            Err(format!(
                "{} must be between {min} and {max} (got {shown})",
                self.key
            ))
        };
        match (self.domain, value) {
            (Domain::Whole { min, max } | Domain::Optional { min, max }, Value::Whole(value))
                if !(min..=max).contains(&value) =>
            {
                out_of_range(value.to_string(), min.to_string(), max.to_string())
            }
            // `contains` is false for NaN, so NaN is refused here too.
            (
                Domain::Real { min, max } | Domain::OptionalReal { min, max, .. },
                Value::Real(value),
            ) if !(min..=max).contains(&value) => {
                out_of_range(value.to_string(), min.to_string(), max.to_string())
            }
            _ => Ok(()),
        }
    }
}

/// The README's parameter table, in Markdown.
pub fn markdown_table() -> String {
    let mut table = String::from(
        "| JSON key | CLI flag | URL key | range | default | applies to | meaning |\n|---|---|---|---|---|---|---|\n",
    );
    for param in PARAMS.iter() {
        let modes = param.protocols_text();
        table.push_str(&format!(
            "| `{}` | `--{}` | {} | {} | {} | {} | {} |\n",
            param.key,
            param.flag(),
            param.url.map_or("–".to_string(), |url| format!("`{url}`")),
            param.range_text(),
            param.default,
            modes,
            param.help
        ));
    }
    table
}

impl Config {
    /// Every parameter within its range, the ones that depend on others consistent, none the
    /// protocol does not take away from its default, and the run within the CLI's memory budget.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_within(limits::CLI_MEMORY)
    }

    /// `validate` with a memory budget of `budget` bytes (the page's is smaller).
    pub fn validate_within(&self, budget: u64) -> Result<(), ConfigError> {
        // Senders first: their range depends on N, which the message should say.
        if !(1..=self.nodes).contains(&self.senders) {
            return Err(ConfigError(format!(
                "senders must be between 1 and {} (got {})",
                self.nodes, self.senders
            )));
        }
        for param in PARAMS.iter() {
            param.check((param.get)(self)).map_err(ConfigError)?;
        }
        if let Some(param) = self.inapplicable_params().next() {
            return Err(ConfigError(param.inapplicable(self.mode)));
        }
        // A rack holds at least one node.
        if self.racks > self.nodes {
            return Err(ConfigError(format!(
                "racks must be between 1 and {} (N) (got {})",
                self.nodes, self.racks
            )));
        }
        // Planned losses name a packet of the stream and a node of the run.
        self.drops
            .check(self.nodes, self.packets)
            .map_err(ConfigError)?;
        self.check_partitions().map_err(ConfigError)?;
        self.mode.spec().check(self).map_err(ConfigError)?;
        let needed = self.memory_estimate();
        if needed > budget {
            return Err(ConfigError(format!(
                "this run would need about {} of memory ({} nodes, about {} datagrams in flight), over the {} this front end allows: lower nodes, fanout or delay",
                bytes_text(needed),
                self.nodes,
                self.in_flight_estimate(),
                bytes_text(budget)
            )));
        }
        Ok(())
    }

    /// Partitions name nodes below N, and split by racks only where there are racks.
    pub fn check_partitions(&self) -> Result<(), String> {
        for entry in self.partitions.entries() {
            if let Some(highest) = entry
                .split
                .highest_node()
                .filter(|&node| node >= self.nodes)
            {
                return Err(format!(
                    "partition {entry} names node {highest}, but the nodes are 0 to {}",
                    self.nodes - 1
                ));
            }
            if entry.split == Split::Racks && !(self.racks > 1 && self.mode.takes("racks")) {
                return Err(format!(
                    "partition {entry} splits by racks, but this run has none: racks applies to {} and must be above 1",
                    find("racks").map_or(String::new(), |racks| racks.protocols_text())
                ));
            }
        }
        Ok(())
    }

    /// The parameters set away from their defaults that the protocol does not take.
    pub fn inapplicable_params(&self) -> impl Iterator<Item = &'static Param> + '_ {
        let defaults = Config::default();
        PARAMS.iter().copied().filter(move |param| {
            !param.applies_to(self.mode) && (param.get)(self) != (param.get)(&defaults)
        })
    }

    /// Resets every parameter the protocol does not take to its default: what a view that runs
    /// several protocols from one configuration gives each.
    pub fn without_inapplicable(mut self) -> Config {
        let defaults = Config::default();
        for param in PARAMS.iter() {
            if !param.applies_to(self.mode) {
                (param.set)(&mut self, (param.get)(&defaults));
            }
        }
        self
    }

    /// Datagrams in flight at once, at most about: each node's sends per round, for as many
    /// rounds as a datagram may take (Little's law with the delay's mean, plus the round).
    pub fn in_flight_estimate(&self) -> u64 {
        let spec = self.mode.spec();
        let rounds_in_flight = if self.has_delay() {
            self.delay.mean().ceil() as u64 + 1
        } else {
            1
        };
        u64::from(self.nodes) * spec.sends_per_node(self) * rounds_in_flight
    }

    /// The bytes a run of this configuration needs, about: the drivers' per-node state, the
    /// protocol's, and the datagrams in flight (counted twice: a queue's vectors may hold twice
    /// what is queued).
    pub fn memory_estimate(&self) -> u64 {
        const DRIVER_BYTES_PER_NODE: u64 = 96;
        // What any run holds whatever its size: the generator, the report's buffers, the queue's
        // first allocation.
        const FIXED_BYTES: u64 = 1 << 20;
        let spec = self.mode.spec();
        let nodes = u64::from(self.nodes);
        let in_flight = if spec.law(self).is_some()
            && !crate::drivers::gossip_needs_events(self)
            && !self.many_messages()
        {
            // The fast driver delivers within the round: nothing waits in a queue.
            0
        } else {
            2 * self.in_flight_estimate() * spec.datagram_bytes()
        };
        FIXED_BYTES + nodes * (DRIVER_BYTES_PER_NODE + spec.node_bytes(self)) + in_flight
    }

    /// Sets one parameter by its JSON key from text, as the CLI and the URL do.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), ConfigError> {
        let param = find(key).ok_or_else(|| ConfigError(format!("unknown parameter {key:?}")))?;
        let value = param.parse(text).map_err(ConfigError)?;
        (param.set)(self, value);
        Ok(())
    }

    /// Reads the keys of a JSON object that name parameters (others are left in `object` for
    /// the caller), starting from the defaults, and validates the result.
    pub fn from_json(object: &mut Map<String, Json>) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let mut given = Vec::new();
        for param in PARAMS.iter() {
            if let Some(json) = object.remove(param.key) {
                let value = param.from_json(&json).map_err(ConfigError)?;
                (param.set)(&mut config, value);
                given.push(param);
            }
        }
        // A parameter the protocol does not take is refused, even at its default value.
        if let Some(param) = given.iter().find(|param| !param.applies_to(config.mode)) {
            return Err(ConfigError(param.inapplicable(config.mode)));
        }
        config.validate()?;
        Ok(config)
    }

    /// The parameters that apply to this mode, keyed by their JSON keys (round limit resolved).
    pub fn echo(&self) -> Map<String, Json> {
        let mut resolved = self.clone();
        resolved.max_rounds = Some(self.round_limit());
        // The crash schedule played, the default one included.
        resolved.crash_at = self.crash_schedule();
        PARAMS
            .iter()
            .filter(|param| param.applies_to(self.mode))
            // Capacity, policy and schedule only matter when M > 1.
            .filter(|param| {
                self.many_messages() || !["capacity", "policy", "inject_every"].contains(&param.key)
            })
            .map(|param| (param.key.to_string(), (param.get)(&resolved).to_json()))
            .collect()
    }
}

impl Value {
    fn to_json(self) -> Json {
        match self {
            Value::Whole(value) => value.into(),
            Value::Real(value) => value.into(),
            Value::Choice(name) => name.into(),
            Value::Absent => Json::Null,
            // Failures and delays: their text form, "none" when off.
            Value::Delay(_)
            | Value::Burst(_)
            | Value::Schedule(_)
            | Value::Drops(_)
            | Value::Partitions(_) => self.text().into(),
        }
    }

    /// The value as typed in a URL or on the command line.
    pub fn text(self) -> String {
        match self {
            Value::Whole(value) => value.to_string(),
            Value::Real(value) => value.to_string(),
            Value::Choice(name) => name.to_string(),
            Value::Absent => "none".to_string(),
            Value::Delay(delay) => delay.to_string(),
            Value::Burst(burst) => burst.map_or("none".to_string(), |burst| burst.to_string()),
            Value::Schedule(schedule) => schedule.to_string(),
            Value::Drops(drops) => drops.to_string(),
            Value::Partitions(partitions) => partitions.to_string(),
        }
    }
}

/// Every protocol's name, in the registry's order.
pub fn protocol_names() -> Vec<&'static str> {
    Mode::ALL.into_iter().map(Mode::name).collect()
}

/// Bytes in words: "2.0 GB", "512 MB".
pub fn bytes_text(bytes: u64) -> String {
    const MB: f64 = (1u64 << 20) as f64;
    let mb = bytes as f64 / MB;
    if mb >= 1024.0 {
        format!("{:.1} GB", mb / 1024.0)
    } else {
        format!("{mb:.0} MB")
    }
}
