//! What theory.md predicts: the mean-field recurrence (section 2) and the literature's closed
//! forms (section 3). The UI draws these as the dashed "theory" curve and estimate.

use super::config::{Config, limits};
use super::spec::Law;

/// Iterations of the recurrence at most (about 40 ms): a configuration needing more rounds than
/// this is reported as "over a million rounds", and the page never waits longer for its theory.
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// Expected informed fraction of the live nodes after each round, from round 0, until fewer
/// than half a node is expected to be uninformed (s * L < 1/2) or `max_points` are produced.
///
/// Finite-N form of theory.md section 2 (it tends to the exp form as N grows): with I = x L informed
/// live nodes among N - 1 possible callees, a given node escapes all b I pushes with probability
/// (1 - q/(N-1))^(b I), and each of its own b pulls fails with probability 1 - q^2 I/(N-1).
/// Crashed callees absorb calls, which is theory.md's "multiply q by (1 - f)".
pub fn mean_field_curve(config: &Config, law: Law, max_points: usize) -> Vec<f64> {
    let mut curve = Vec::new();
    iterate(config, law, |informed_fraction| {
        curve.push(informed_fraction);
        curve.len() < max_points
    });
    curve
}

/// Rounds until the recurrence expects fewer than half a live node uninformed; `None` if it never
/// gets there (loss = 1, or beyond the round cap).
pub fn mean_field_rounds(config: &Config, law: Law) -> Option<u32> {
    let mut points = 0u32;
    let done = iterate(config, law, |_| {
        points += 1;
        true
    });
    done.then(|| points - 1)
}

/// Runs the recurrence, calling `visit` with each round's informed fraction (round 0 first) until
/// `visit` says stop; returns whether it reached s * L < 1/2.
fn iterate(config: &Config, law: Law, mut visit: impl FnMut(f64) -> bool) -> bool {
    let live = f64::from(config.live_count());
    let others = f64::from(config.nodes - 1);
    let fanout = f64::from(config.fanout);
    let delivery = 1.0 - config.mean_loss();
    let mut uninformed = 1.0 - f64::from(config.senders) / live;
    for _ in 0..=MAX_ITERATIONS {
        if !visit(1.0 - uninformed) {
            return false;
        }
        if uninformed * live < 0.5 {
            return true;
        }
        let informed_nodes = (1.0 - uninformed) * live;
        let escape_push = (fanout * informed_nodes * (-delivery / others).ln_1p()).exp();
        // A node's others hold at most N - 1 informed nodes: clamp so rounding cannot pass 1.
        let informed_share = (informed_nodes / others).min(1.0);
        let escape_pull = (fanout * (-delivery * delivery * informed_share).ln_1p()).exp();
        if law.push {
            uninformed *= escape_push;
        }
        if law.pull {
            uninformed *= escape_pull;
        }
    }
    false
}

/// The figures the closed forms of theory.md section 3 take, (N, b, q), where they apply: one
/// sender, no crashes, some delivery. Asynchronous periods have their own (`asynchronous_periods`).
pub fn closed_form_inputs(config: &Config) -> Option<(f64, f64, f64)> {
    let q = 1.0 - config.mean_loss();
    (config.network.crash == 0.0 && config.senders == 1 && q > 0.0)
        .then(|| (f64::from(config.nodes), f64::from(config.fanout), q))
}

/// The default round limit: generous enough that a run able to complete practically never hits it,
/// and O(1) to compute (the page computes it on every parameter change). Twice a crude estimate of
/// the rounds (early growth by a factor 1 + g per round, g the expected new nodes per informed
/// node), plus the rounds after which even a fully informed network leaves some node uninformed
/// with probability below e^-28 (per-node escape probability r per round), plus 50.
pub fn default_round_limit(config: &Config, law: Law) -> u32 {
    let live = config.live_count();
    if live <= config.senders {
        return 1;
    }
    if config.mean_loss() >= 1.0 {
        // Nothing can arrive; a few rounds show the drops, then the run stops.
        return 10;
    }
    let others = f64::from(config.nodes - 1);
    let live_f = f64::from(live);
    let fanout = f64::from(config.fanout);
    let delivery = 1.0 - config.mean_loss();
    let reachable = (live_f - 1.0) / others;
    let push_growth = fanout * delivery * reachable;
    let pull_growth = fanout * delivery * delivery * reachable;
    let push_escape = fanout * (live_f - 1.0) * (-delivery / others).ln_1p();
    let pull_escape = fanout * (-delivery * delivery * reachable).ln_1p();
    let growth =
        if law.push { push_growth } else { 0.0 } + if law.pull { pull_growth } else { 0.0 };
    let ln_escape =
        if law.push { push_escape } else { 0.0 } + if law.pull { pull_escape } else { 0.0 };
    let early = live_f.ln() / growth.ln_1p();
    let tail = (live_f.ln() + 28.0) / -ln_escape;
    let limit = 2.0 * (early + tail) + 50.0;
    limit.ceil().min(f64::from(limits::MAX_ROUNDS.1)) as u32
}

/// Periods to inform everyone with Poisson clocks (theory.md section 9), where the
/// asynchronous run is compared: with k of N informed, push informs at rate b q k (N - k) / (N - 1)
/// and push-pull at b (q + q^2) k (N - k) / (N - 1), so the expected time is the sum of the
/// inverse rates, 2 H_(N-1) (N - 1) / N / r (r = b q, b (q + q^2)): about 2 ln N periods for push
/// (Janson 1999), ln N for push-pull. Jittered periodic clocks are not Poisson clocks: the tests
/// state the bias.
pub fn asynchronous_periods(config: &Config, law: Law) -> Option<(f64, &'static str)> {
    let q = 1.0 - config.mean_loss();
    let b = f64::from(config.fanout);
    let n = f64::from(config.nodes);
    let harmonic: f64 = (1..config.nodes).map(|k| 1.0 / f64::from(k)).sum();
    let logistic = harmonic * (n - 1.0) / n;
    match (law.push, law.pull) {
        (true, false) => Some((
            2.0 * logistic / (b * q),
            "2 H_(N-1) / (b q), about 2 ln N periods with Poisson clocks (Janson 1999)",
        )),
        // theory.md gives no asynchronous figure for pull: with periodic clocks each node still
        // pulls once a period, so its log log N tail survives and a Poisson figure would mislead.
        (true, true) => Some((
            logistic / (b * (q + q * q)) * 2.0,
            "2 H_(N-1) / (b (q + q^2)), about ln N periods with Poisson clocks (Janson 1999)",
        )),
        _ => None,
    }
}
