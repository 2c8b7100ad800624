//! What push, pull and push-pull share: their parameters, the many-messages protocol they hand
//! over to for M > 1, their round limit and the mean-field theory with the assumptions it needs.

use super::messages;
use crate::config::Config;
use crate::drivers::{Run, event_run, fast_or_event, on_events};
use crate::failures::Delay;
use crate::protocol::Protocol;
use crate::spec::{Law, Lesson, Measures, TheorySource};
use crate::theory;

/// The parameters every plain gossip protocol takes.
pub const PARAMS: &[&str] = &[
    "mode",
    "nodes",
    "fanout",
    "loss",
    "crash",
    "senders",
    "seed",
    "max_rounds",
    "async",
    "racks",
    "cross",
    "messages",
    "capacity",
    "policy",
    "inject_every",
    "delay",
    "burst",
    "crash_at",
];

pub const THEORY: TheorySource = TheorySource {
    source: "the mean-field recurrence (theory.md section 2) and the literature's closed forms (section 3)",
    assumptions: "one rumor; a flat network; synchronous rounds; datagrams within their round; crashes from the start; independent loss. Delay, asynchrony, racks and a crash schedule each have their own model; other combinations have none",
};

pub const FANOUT_WORDS: &str = "peers called per round, 1 to 16";

/// The run of `config`: plain gossip on the fast driver where it can, else the event driver;
/// M > 1 messages on the many-messages protocol.
pub fn build<P: Protocol<Node = ()> + 'static>(
    config: &Config,
    law: Law,
    protocol: P,
) -> Box<dyn Run> {
    if config.many_messages() {
        return build_messages(config, law);
    }
    fast_or_event(protocol, config)
}

/// The plain protocol on the event driver, `delay` overriding the configured one.
pub fn build_on_events<P: Protocol<Node = ()> + 'static>(
    config: &Config,
    delay: Option<Delay>,
    protocol: P,
) -> Box<dyn Run> {
    Box::new(event_run(protocol, config, delay))
}

/// Many messages: M messages, capacity K and a policy, on the event driver (also with M = 1,
/// for the test that it then is exactly the single-rumor run).
pub fn build_messages(config: &Config, law: Law) -> Box<dyn Run> {
    let (fanout, params, senders) = (config.fanout, config.messages, config.senders);
    let priority = messages::priorities(config.seed, params.count);
    match (law.push, law.pull) {
        (true, false) => on_events(
            messages::Messages::<{ messages::PUSH }> {
                fanout,
                params,
                senders,
                priority,
            },
            config,
        ),
        (false, true) => on_events(
            messages::Messages::<{ messages::PULL }> {
                fanout,
                params,
                senders,
                priority,
            },
            config,
        ),
        _ => on_events(
            messages::Messages::<{ messages::PUSH_PULL }> {
                fanout,
                params,
                senders,
                priority,
            },
            config,
        ),
    }
}

/// The round limit of plain gossip, with a delay's slowest hop and many messages' batches.
pub fn round_limit(config: &Config, law: Law) -> u32 {
    let single = theory::default_round_limit(config, law);
    if config.many_messages() {
        // The last injection, then the single rumor's limit once per batch of K messages, four
        // times over (recent can starve old messages for long).
        let params = config.messages;
        let batches = f64::from(params.count.div_ceil(params.capacity));
        return super::clamp_rounds(
            f64::from(params.injected_round(params.count - 1))
                + 4.0 * batches * f64::from(single.max(10)),
        );
    }
    // A hop takes up to the delay's bound more rounds.
    let slowest_hop = match config.delay {
        _ if !config.has_delay() => 0.0,
        Delay::Fixed(d) => d,
        Delay::Uniform(_, b) => b,
        Delay::Exp(mean) => 3.0 * mean,
        Delay::None => 0.0,
    };
    super::clamp_rounds(f64::from(single) * (1.0 + slowest_hop))
}

/// Why the flat, synchronous mean field does not describe `config`, if it does not: the
/// combination's name.
pub fn outside_the_model(config: &Config) -> Option<&'static str> {
    if config.many_messages() {
        Some("many messages")
    } else if config.has_delay() {
        Some("delay")
    } else if config.asynchrony.is_some() {
        Some("asynchronous periods")
    } else if config.racks > 1 {
        Some("racks")
    } else if !config.crash_at.is_empty() {
        Some("a crash schedule")
    } else if config.burst.is_some() {
        Some("burst loss")
    } else {
        None
    }
}

/// The mean-field curve where it holds.
pub fn expected_curve(config: &Config, law: Law, max_points: usize) -> Vec<f64> {
    if outside_the_model(config).is_some() {
        return Vec::new();
    }
    theory::mean_field_curve(config, law, max_points)
}

/// The mean-field rounds where the model holds.
pub fn expected_rounds(config: &Config, law: Law) -> Option<u32> {
    if outside_the_model(config).is_some() {
        return None;
    }
    theory::mean_field_rounds(config, law)
}

/// The theory note of plain gossip.
pub fn theory_note(config: &Config) -> String {
    match outside_the_model(config) {
        Some("many messages") => {
            "theory: a single rumor's; no closed-form theory for every one of M > 1 messages".into()
        }
        Some(combination) => {
            format!(
                "no closed-form theory for this combination ({combination}): no theory curve is drawn"
            )
        }
        None if config.mean_loss() >= 1.0 => "theory: never (every datagram is lost)".into(),
        None => "theory: the mean-field recurrence (theory.md section 2), dashed".into(),
    }
}

/// Datagrams one node sends in a round, at most: b pushes, or b requests and b replies.
pub fn sends_per_node(config: &Config, law: Law) -> u64 {
    u64::from(config.fanout) * if law.pull { 2 } else { 1 }
}

/// The lesson of a protocol whose theory gives the rounds to inform everyone.
pub const ROUNDS_FIGURE: &str = "rounds to inform every live node";

/// The rounds lesson: the theory's rounds against the run's, where the theory gives some.
pub fn rounds_lesson(expected: Option<u32>, measures: Option<&Measures>) -> Option<Lesson> {
    Some(Lesson {
        figure: ROUNDS_FIGURE,
        expected: f64::from(expected?),
        why: "theory".into(),
        measured: measures
            .and_then(|measures| measures.completed)
            .map(f64::from),
    })
}
