//! What push, pull and push-pull share: their parameters, the many-messages protocol they hand
//! over to for M > 1, their round limit and the mean-field theory with the assumptions it needs.

use super::messages;
use crate::config::Config;
use crate::drivers::{Run, event_run, fast_or_event, on_events};
use crate::failures::Delay;
use crate::protocol::{Net, Protocol};
use crate::report::Kind;
use crate::spec::{Group, Law, Lesson, Measures, ProtocolSpec, TheorySource, Words};
use crate::theory;
use crate::theory_models;

/// The parameters every plain gossip protocol takes.
pub const PARAMS: &[&str] = &PARAM_LIST;
pub const PARAM_LIST: [&str; 19] = [
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
    "partition",
];

pub const THEORY: TheorySource = TheorySource {
    source: "the mean-field recurrence (theory.md section 2) and the literature's closed forms (section 3)",
    assumptions: "one rumor; a flat network; synchronous rounds; datagrams within their round; crashes from the start; independent loss. Delay, asynchrony, racks and a crash schedule each have their own model; other combinations have none",
};

pub const FANOUT_WORDS: &str = "peers called per round, 1 to 16";

/// Pull's and push-pull's round: every live node's turn (`on_period`), in node order. The page's
/// engine gives fanout 1, the lecture's default, a loop of its own in the plain round
/// (`Net::is_plain`): V8, which compiles the page's wasm, then finds no loop over the fanout
/// inside the loop over callers and keeps the round's counts and generator in registers instead
/// of moving them to the stack and back around it (push-pull's run at 10^6: a fifth fewer
/// instructions). Natively LLVM's code for one loop is the faster (a second cost push-pull a
/// fifth more instructions). A macro, so that each protocol's round is its own code: a helper
/// function taking the protocol was left a function call in the page's pull.
macro_rules! every_live_node_calls {
    ($protocol:ident, $self:ident, $net:ident) => {{
        #[cfg(target_arch = "wasm32")]
        if $self.fanout == 1 && $net.is_plain() {
            let one = $protocol { fanout: 1 };
            for node in 0..$net.nodes() {
                if !$net.is_crashed(node) {
                    one.on_period($net, node);
                }
            }
            return;
        }
        for node in 0..$net.nodes() {
            if !$net.is_crashed(node) {
                $self.on_period($net, node);
            }
        }
    }};
}
pub(crate) use every_live_node_calls;

/// Calls `call` `fanout` times (fanout is at least 1). One call, the lecture's default, is
/// written out: the loop around a caller is then the loop over callers alone, which saves a
/// tenth of pull's instructions at N = 10^5.
#[inline(always)]
pub fn per_fanout(fanout: u32, mut call: impl FnMut()) {
    if fanout == 1 {
        call();
    } else {
        for _ in 0..fanout {
            call();
        }
    }
}

/// Calls `call(net, caller)` `fanout` times for every live node informed before this round, in
/// the informed order (push's round: no scan of N).
#[inline(always)]
pub fn informed_callers<P: Protocol, N: Net<P>>(
    net: &mut N,
    fanout: u32,
    mut call: impl FnMut(&mut N, u32),
) {
    // One call per caller (the lecture's fanout) has a loop of its own, without the fanout's
    // test per caller: a tenth of push's instructions.
    if fanout == 1 {
        let callers = net.informed_before_round();
        // The page's engine takes two callers a turn of the loop, then the odd one: V8 then
        // checks for an interrupt and tests the loop's end half as often (push's run at 10^6:
        // 6 % faster). Natively LLVM's code for one a turn is the faster (two cost push 14 %
        // more instructions at 10^5).
        #[cfg(target_arch = "wasm32")]
        let paired = if !net.is_plain() {
            0
        } else {
            for pair in 0..callers / 2 {
                for caller in [net.informed_at(2 * pair), net.informed_at(2 * pair + 1)] {
                    if !net.is_crashed(caller) {
                        call(net, caller);
                    }
                }
            }
            callers / 2 * 2
        };
        #[cfg(not(target_arch = "wasm32"))]
        let paired = 0;
        for index in paired..callers {
            let caller = net.informed_at(index);
            if !net.is_crashed(caller) {
                call(net, caller);
            }
        }
        return;
    }
    for index in 0..net.informed_before_round() {
        let caller = net.informed_at(index);
        if !net.is_crashed(caller) {
            per_fanout(fanout, || call(net, caller));
        }
    }
}

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
    let single = theory::default_round_limit(&after_the_crashes(config), law)
        + config
            .crash_at
            .entries()
            .iter()
            .map(|entry| entry.round)
            .max()
            .unwrap_or(0);
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

/// `config` with its crash schedule played from the start: the fewer live nodes a run must
/// inform after the last scheduled crash (their limit is longer: fewer callers, more lost calls).
fn after_the_crashes(config: &Config) -> Config {
    if config.crash_at.is_empty() {
        return config.clone();
    }
    let candidates = f64::from(config.nodes - config.senders).max(1.0);
    let scheduled: f64 = config
        .crash_at
        .entries()
        .iter()
        .map(|entry| entry.fraction * f64::from(config.nodes))
        .sum();
    let crashed = config.network.crash * candidates + scheduled;
    let mut survivors = config.clone();
    survivors.network.crash = (crashed / candidates).min(crate::config::limits::CRASH.1);
    survivors
}

/// Why the flat, synchronous mean field does not describe `config`, if it does not: the
/// combination's name ("racks", "delay with racks").
pub fn outside_the_model(config: &Config) -> Option<String> {
    let features = features(config);
    match features.as_slice() {
        [] => None,
        // Many messages leave the single rumor's theory whatever else is on.
        _ if features.contains(&"many messages") => Some("many messages".into()),
        [one] => Some(one.to_string()),
        [first, second] => Some(format!("{first} with {second}")),
        _ => Some(
            "three or more of delay, asynchronous periods, racks, a crash schedule and burst loss"
                .into(),
        ),
    }
}

/// The features beyond the flat, synchronous, independent-loss, single-rumor model, in order.
fn features(config: &Config) -> Vec<&'static str> {
    let mut features = Vec::new();
    if config.many_messages() {
        features.push("many messages");
    }
    if config.has_delay() {
        features.push("delay");
    }
    if config.asynchrony.is_some() {
        features.push("asynchronous periods");
    }
    if config.racks > 1 {
        features.push("racks");
    }
    if !config.crash_at.is_empty() {
        features.push("a crash schedule");
    }
    if config.burst.is_some() {
        features.push("burst loss");
    }
    features
}

/// Which model draws the theory of `config` under `law`, if one does.
enum Model {
    /// theory.md section 2.
    MeanField,
    /// theory.md section 9: the lagged recurrence (push; pull and push-pull at tick resolution).
    Delay,
    /// theory.md section 9: the logistic ODE of Poisson clocks.
    Asynchronous,
    /// theory.md section 5: the per-rack mean field.
    Racks,
    /// theory.md section 9: the live fraction under a crash schedule.
    CrashSchedule,
}

fn model(config: &Config, law: Law) -> Option<Model> {
    match outside_the_model(config).as_deref() {
        None => Some(Model::MeanField),
        Some("delay") => Some(Model::Delay),
        Some("asynchronous periods") if law.push => Some(Model::Asynchronous),
        Some("racks") => Some(Model::Racks),
        Some("a crash schedule") => Some(Model::CrashSchedule),
        _ => None,
    }
}

/// The model's curve and whether it reached every live node.
fn model_curve(config: &Config, law: Law, max_points: usize) -> Option<theory_models::Curve> {
    match model(config, law)? {
        Model::MeanField => {
            let points = theory::mean_field_curve(config, law, max_points);
            let done = theory::mean_field_rounds(config, law)
                .is_some_and(|rounds| (rounds as usize) < points.len());
            Some(theory_models::Curve { points, done })
        }
        Model::Delay => theory_models::delay_curve(config, law, max_points),
        Model::Asynchronous => theory_models::asynchronous_curve(config, law, max_points),
        Model::Racks => Some(theory_models::racks_curve(config, law, max_points)),
        Model::CrashSchedule => Some(theory_models::crash_schedule_curve(config, law, max_points)),
    }
}

/// The model's curve where one holds.
pub fn expected_curve(config: &Config, law: Law, max_points: usize) -> Vec<f64> {
    if let Some(Model::MeanField) = model(config, law) {
        return theory::mean_field_curve(config, law, max_points);
    }
    model_curve(config, law, max_points).map_or_else(Vec::new, |curve| curve.points)
}

/// The model's rounds where one holds.
pub fn expected_rounds(config: &Config, law: Law) -> Option<u32> {
    if let Some(Model::MeanField) = model(config, law) {
        return theory::mean_field_rounds(config, law);
    }
    model_curve(config, law, theory::MAX_ITERATIONS as usize + 1)?.rounds()
}

/// The theory note of plain gossip (`law`: who calls).
pub fn theory_note(config: &Config, law: Law) -> String {
    let never = config.mean_loss() >= 1.0;
    match (outside_the_model(config).as_deref(), model(config, law)) {
        (Some("many messages"), _) => {
            "theory: a single rumor's; no closed-form theory for every one of M > 1 messages".into()
        }
        (_, Some(_)) if never => "theory: never (every datagram is lost)".into(),
        (None, _) => "theory: the mean-field recurrence (theory.md section 2), dashed".into(),
        (Some(_), Some(Model::Delay)) => format!(
            "theory: the lagged recurrence for delay {} (theory.md section 9), dashed",
            config.delay
        ),
        (Some(_), Some(Model::Asynchronous)) => "theory: the Poisson clock's logistic curve, dx/dt = r x (1 − x) (theory.md section 9), per period, dashed".into(),
        (Some(_), Some(Model::Racks)) => "theory: the mean field per rack (theory.md section 5), dashed".into(),
        (Some(_), Some(Model::CrashSchedule)) => "theory: the mean-field recurrence over the live nodes under the crash schedule (theory.md section 9), dashed".into(),
        (Some("asynchronous periods"), _) => "no closed-form theory for this combination (pull with asynchronous periods): no theory curve is drawn".into(),
        (Some(combination), _) => format!(
            "no closed-form theory for this combination ({combination}): no theory curve is drawn"
        ),
    }
}

/// Datagrams one node sends in a round, at most: b pushes, or b requests and b replies.
pub fn sends_per_node(config: &Config, law: Law) -> u64 {
    u64::from(config.fanout) * if law.pull { 2 } else { 1 }
}

/// Plain gossip's descriptor: what tells push, pull and push-pull apart is data (who calls,
/// their datagram kinds, the words, the literature's closed form), the rest is this one impl.
pub struct GossipSpec<P> {
    pub name: &'static str,
    pub about: &'static str,
    pub law: Law,
    pub kinds: &'static [Kind],
    pub words: &'static Words,
    /// The protocol with fanout b.
    pub protocol: fn(u32) -> P,
    /// The literature's closed form for the rounds at (N, b, q) (theory.md section 3), where
    /// one is known.
    pub closed_form: fn(f64, f64, f64) -> Option<(f64, &'static str)>,
}

impl<P: Protocol<Node = ()> + 'static> ProtocolSpec for GossipSpec<P> {
    fn page_nodes(&self) -> u32 {
        crate::config::limits::PAGE_GOSSIP_NODES
    }
    fn page_nodes_reason(&self) -> Option<&'static str> {
        None
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn group(&self) -> Group {
        Group::Gossip
    }
    fn about(&self) -> &'static str {
        self.about
    }
    fn params(&self) -> &'static [&'static str] {
        PARAMS
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        self.kinds
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        build(config, self.law, (self.protocol)(config.fanout))
    }
    fn build_on_events(&self, config: &Config, delay: Option<Delay>) -> Box<dyn Run> {
        if config.many_messages() {
            return self.build(config);
        }
        build_on_events(config, delay, (self.protocol)(config.fanout))
    }
    fn round_limit(&self, config: &Config) -> u32 {
        round_limit(config, self.law)
    }
    fn law(&self, _config: &Config) -> Option<Law> {
        Some(self.law)
    }
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64> {
        expected_curve(config, self.law, max_points)
    }
    fn expected_rounds(&self, config: &Config) -> Option<u32> {
        expected_rounds(config, self.law)
    }
    fn closed_form(&self, config: &Config) -> Option<(f64, &'static str)> {
        if config.many_messages() {
            return None;
        }
        let (n, b, q) = theory::closed_form_inputs(config)?;
        if config.asynchrony.is_some() {
            return theory::asynchronous_periods(config, self.law);
        }
        if outside_the_model(config).is_some() {
            return None;
        }
        (self.closed_form)(n, b, q)
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(THEORY)
    }
    fn theory_note(&self, config: &Config) -> String {
        theory_note(config, self.law)
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        crate::spec::rounds_lesson(self.expected_rounds(config), measures)
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(crate::spec::ROUNDS_FIGURE)
    }
    fn words(&self) -> &'static Words {
        self.words
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        sends_per_node(config, self.law)
    }
}
