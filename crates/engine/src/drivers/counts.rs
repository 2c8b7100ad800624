//! The counting driver: plain push, pull and push-pull played as counts, for the scaling sweep.
//! The fast driver follows every datagram to a node; late in a push run almost every one lands
//! on a node that knows already, and a sweep of 200 trials per point spends minutes on them.
//! Here a round draws only how many nodes it informs, from the same law:
//!
//! - push: each of the i·b datagrams informs a new node with chance (1 - loss) · u_k / (N - 1),
//!   u_k the nodes still uninformed (peers are uniform over the N - 1 others, theory.md);
//! - pull: callers are independent, so the uninformed callers informed in a round are exactly
//!   Binomial(u, 1 - (1 - (1 - loss)² i / (N - 1))^b), and with the replies they are a
//!   multinomial over each caller's outcomes: a few binomial draws per round, whatever N;
//! - push-pull: the pulls as in pull, then the pushes on the nodes the pulls left.
//!
//! Pushes are drawn one datagram at a time while a datagram's chance is high, then by geometric
//! skips (one logarithm per node informed): O(N) draws a trial, not O(N log N) datagrams. Pulls
//! cost O(rounds). The law is the fast driver's (tested: distributions of rounds and datagrams
//! agree), the draws are not: a counted trial is not the page's run of that seed, which is why
//! only the sweep counts (the Experiment view and `gossip-sim --trials` replay the page).
//! Datagrams are counted exactly; per-kind counts, losses and the sender's load are left out of
//! a counted record (a sweep's row does not read them).

use super::run::gossip_needs_events;
use crate::config::Config;
use crate::ensemble::TrialRecord;
use crate::rng::{Chance, Rng, Stream, trial_seed};
use crate::simulation::Arrivals;
use crate::spec::Law;

/// Below this chance per datagram (or per caller) the draws skip ahead: a geometric draw costs
/// about as much as a dozen uniform ones.
const SKIP_BELOW: f64 = 1.0 / 8.0;

/// Whether `config` is a run the counting driver plays with the fast driver's law: push without
/// a stop rule or hand-over, pull or push-pull, one message, on the fast driver.
pub fn counts(config: &Config) -> bool {
    config.mode.spec().law(config).is_some()
        && !config.many_messages()
        && !gossip_needs_events(config)
}

/// The nodes and the network as counts.
struct Population {
    /// N - 1: every peer is uniform over the others.
    others: u32,
    crashed: u32,
    fanout: u32,
    /// The chance a datagram arrives, from the loss as the fast driver draws it (an integer
    /// threshold, so a loss a hair below 1 is the same "every datagram lost" there and here).
    delivery: f64,
    /// The loss as the fast driver draws it.
    loss_chance: Chance,
}

/// One round: (nodes informed, datagrams sent).
type RoundCounts = (u32, u64);

/// Trial `trial` of `config` (which must satisfy `counts`), as counts; the record has what a
/// sweep's row reads.
pub fn run_trial(config: &Config, trial: u32) -> TrialRecord {
    debug_assert!(counts(config));
    let law = config.mode.spec().law(config).expect("plain gossip");
    let mut rng = Rng::new(trial_seed(config.seed, u64::from(trial)), Stream::Gossip);
    let loss_chance = Chance::new(config.network.loss);
    let population = Population {
        others: config.nodes - 1,
        crashed: config.crashed_count(),
        fanout: config.fanout,
        delivery: 1.0 - loss_chance.probability(),
        loss_chance,
    };
    let live = config.live_count();
    let limit = config.round_limit();
    // Senders never crash: they are live.
    let mut informed = config.senders;
    let (mut rounds, mut datagrams) = (0u32, 0u64);
    // The fast driver's arrival sums: per round, the round's number times its new nodes.
    let (mut arrived, mut arrival_sum, mut last) = (0u32, 0.0f64, 0.0f64);
    while informed < live && rounds < limit {
        rounds += 1;
        let uninformed = live - informed;
        let (new, sent) = match law {
            Law { pull: false, .. } => push_round(&population, informed, uninformed, &mut rng),
            Law { push: false, .. } => {
                pull_round(&population, informed, uninformed, false, &mut rng)
            }
            _ => pull_round(&population, informed, uninformed, true, &mut rng),
        };
        informed += new;
        datagrams += sent;
        if new > 0 {
            arrived += new;
            arrival_sum += f64::from(rounds) * f64::from(new);
            last = f64::from(rounds);
        }
    }
    TrialRecord {
        trial,
        completion_time: (informed == live).then_some(f64::from(rounds)),
        live,
        uninformed: live - informed,
        arrivals: (arrived > 0).then(|| Arrivals {
            mean: arrival_sum / f64::from(arrived),
            last,
        }),
        datagrams,
        rounds_played: rounds,
        cannot_spread: config.mean_loss() >= 1.0 && live > informed,
        ..TrialRecord::default()
    }
}

/// Push: the i informed nodes send b datagrams each; one informs a new node with chance
/// (1 - loss) u_k / (N - 1).
fn push_round(
    population: &Population,
    informed: u32,
    uninformed: u32,
    rng: &mut Rng,
) -> RoundCounts {
    let pushes = u64::from(informed) * u64::from(population.fanout);
    (spread_pushes(population, pushes, uninformed, rng), pushes)
}

/// How many of `uninformed` nodes `pushes` datagrams inform, drawn one datagram at a time while
/// the chance is high, then by geometric skips.
fn spread_pushes(population: &Population, pushes: u64, uninformed: u32, rng: &mut Rng) -> u32 {
    let (mut left, mut new) = (pushes, 0u32);
    while left > 0 && new < uninformed {
        let target = uninformed - new;
        let chance = population.delivery * f64::from(target) / f64::from(population.others);
        if chance <= 0.0 {
            break;
        }
        if chance >= SKIP_BELOW {
            // Datagram by datagram until one informs (then the chance is recomputed).
            while left > 0 {
                left -= 1;
                let arrives = !rng.happens(population.loss_chance);
                // The peer is uniform over the others; the uninformed are `target` of them.
                if arrives && rng.below(population.others) < target {
                    new += 1;
                    break;
                }
            }
        } else {
            let misses = geometric(rng, ln_1m(chance));
            if misses >= left as f64 {
                break;
            }
            left -= misses as u64 + 1;
            new += 1;
        }
    }
    new
}

/// Pull (`push_pull` false: every live node pulls b times) or push-pull (true: the uninformed
/// pull, the informed push b times). A pull informs its uninformed caller when the request and
/// the reply arrive and the callee was informed before the round; every request that arrives at
/// a live node is answered. Callers are independent, so a round's pulls are a few binomial
/// draws (`caller_outcomes`), whatever N.
fn pull_round(
    population: &Population,
    informed: u32,
    uninformed: u32,
    push_pull: bool,
    rng: &mut Rng,
) -> RoundCounts {
    let fanout = u64::from(population.fanout);
    let calls = CallChances::new(population, informed);
    let (pulled, replies) = caller_outcomes(population.fanout, &calls, uninformed, rng);
    let mut sent = fanout * u64::from(uninformed) + replies;
    if !push_pull {
        // The informed callers' pulls teach nothing; their requests and replies are counted.
        let requests = u64::from(informed) * fanout;
        sent += requests + binomial64(rng, requests, calls.reply, 1.0 - calls.reply);
    }
    let mut new = pulled;
    if push_pull {
        let pushes = u64::from(informed) * fanout;
        new += spread_pushes(population, pushes, uninformed - pulled, rng);
        sent += pushes;
    }
    (new, sent)
}

/// What one call of an uninformed caller does: it is answered (the request reached a live node)
/// with chance `reply`, and the answer informs it (the callee was informed and the reply
/// arrived) with chance `learn` <= `reply`.
struct CallChances {
    learn: f64,
    reply: f64,
}

impl CallChances {
    fn new(population: &Population, informed: u32) -> Self {
        let others = f64::from(population.others);
        let delivery = population.delivery;
        // Among the N - 1 others of an uninformed caller: the informed, the crashed, the rest.
        let live = f64::from(population.others - population.crashed) / others;
        CallChances {
            learn: delivery * delivery * f64::from(informed) / others,
            reply: delivery * live,
        }
    }
}

/// The uninformed callers' round: (callers informed, replies sent). A caller's b calls are
/// independent, so its outcome (informed or not, j replies) has chance C(b, j) (1 - reply)^(b - j)
/// times (reply - learn)^j if not informed, times reply^j - (reply - learn)^j if informed; the
/// callers are independent, so the counts of the 2 (b + 1) outcomes are multinomial, drawn as
/// one binomial per outcome.
fn caller_outcomes(fanout: u32, calls: &CallChances, callers: u32, rng: &mut Rng) -> (u32, u64) {
    let outcomes = outcome_chances(fanout, calls);
    // Sequential binomials: outcome k among those left, with chance its share of what is left.
    let (mut left, mut learned, mut replies) = (callers, 0u32, 0u64);
    for (index, &(informs, replied, chance)) in outcomes.iter().enumerate() {
        if left == 0 {
            break;
        }
        // What is left after this one, summed afresh (no cancellation).
        let after: f64 = outcomes[index + 1..].iter().map(|outcome| outcome.2).sum();
        let drawn = if after <= 0.0 {
            left
        } else {
            let rest = chance + after;
            binomial(rng, left, chance / rest, after / rest)
        };
        left -= drawn;
        if informs {
            learned += drawn;
        }
        replies += u64::from(replied) * u64::from(drawn);
    }
    (learned, replies)
}

/// A caller's 2 (b + 1) outcomes: (informed, replies, chance), the informed ones first.
fn outcome_chances(fanout: u32, calls: &CallChances) -> Vec<(bool, u32, f64)> {
    let b = fanout as usize;
    let silent = 1.0 - calls.reply;
    let unhelpful = calls.reply - calls.learn;
    let mut outcomes = Vec::with_capacity(2 * (b + 1));
    let mut choose = 1.0f64;
    for j in 0..=b {
        // C(b, j) (1 - reply)^(b - j), by products (the same in every build).
        let base = choose * power(silent, b - j);
        let (reply_j, unhelpful_j) = (power(calls.reply, j), power(unhelpful, j));
        outcomes.push((
            true,
            j as u32,
            base * informed_part(reply_j, unhelpful_j, calls, j),
        ));
        outcomes.push((false, j as u32, base * unhelpful_j));
        choose = choose * (b - j) as f64 / (j + 1) as f64;
    }
    outcomes
}

/// reply^j - (reply - learn)^j, the chance that j answered calls include an informing one,
/// without losing a small `learn` to cancellation.
fn informed_part(reply_j: f64, unhelpful_j: f64, calls: &CallChances, j: usize) -> f64 {
    if j == 0 || calls.learn <= 0.0 {
        return 0.0;
    }
    if unhelpful_j < 0.5 * reply_j {
        reply_j - unhelpful_j
    } else {
        // reply^j (1 - (1 - learn / reply)^j)
        -reply_j * libm::expm1(j as f64 * ln_1m(calls.learn / calls.reply))
    }
}

/// x^k by products, the same in every build.
fn power(x: f64, k: usize) -> f64 {
    (0..k).fold(1.0, |product, _| product * x)
}

/// Binomial(n, hit) for counts above u32 (the informed callers' requests): in u32 pieces.
fn binomial64(rng: &mut Rng, n: u64, hit: f64, miss: f64) -> u64 {
    let (mut left, mut total) = (n, 0u64);
    while left > 0 {
        let piece = left.min(u64::from(u32::MAX)) as u32;
        total += u64::from(binomial(rng, piece, hit, miss));
        left -= u64::from(piece);
    }
    total
}

/// A draw from Binomial(n, hit), exact: `hit` and `miss` = 1 - hit are both given, so a chance
/// near 0 or near 1 keeps its digits. The rarer outcome is drawn: by geometric skips while it is
/// expected fewer than 10 times, else by Hörmann's transformed rejection (`btrs`).
pub fn binomial(rng: &mut Rng, n: u32, hit: f64, miss: f64) -> u32 {
    if n == 0 || hit <= 0.0 {
        return 0;
    }
    if miss <= 0.0 {
        return n;
    }
    if hit > miss {
        return n - binomial(rng, n, miss, hit);
    }
    if f64::from(n) * hit < 10.0 {
        let log_miss = if hit < 1e-5 {
            ln_1m(hit)
        } else {
            libm::log(miss)
        };
        let (mut position, mut hits) = (0.0, 0u32);
        loop {
            position += geometric(rng, log_miss);
            if position >= f64::from(n) {
                return hits;
            }
            hits += 1;
            position += 1.0;
        }
    }
    btrs(rng, n, hit, miss)
}

/// Binomial(n, p) for p <= 1/2 and n p >= 10: W. Hörmann, "The generation of binomial random
/// variates", J. Statist. Comput. Simul. 46 (1993), algorithm BTRS: a transformed-rejection
/// hat over the whole law, so the draw is exact, in about 1.2 tries of two uniforms. libm's
/// logarithm and log-gamma, so the same draws natively and in wasm32.
fn btrs(rng: &mut Rng, n: u32, p: f64, q: f64) -> u32 {
    let count = f64::from(n);
    let spq = (count * p * q).sqrt();
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = count * p + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let alpha = (2.83 + 5.1 / b) * spq;
    let log_odds = libm::log(p / q);
    let mode = ((count + 1.0) * p).floor();
    let h = libm::lgamma(mode + 1.0) + libm::lgamma(count - mode + 1.0);
    loop {
        let u = rng.unit_open53() - 0.5;
        let v = rng.unit_open53();
        let us = 0.5 - u.abs();
        if us <= 0.0 {
            continue;
        }
        let k = ((2.0 * a / us + b) * u + c).floor();
        if k < 0.0 || k > count {
            continue;
        }
        // The box where the hat lies under the law: accept at once (most draws).
        if us >= 0.07 && v <= v_r {
            return k as u32;
        }
        let v = libm::log(v * alpha / (a / (us * us) + b));
        let bound =
            h - libm::lgamma(k + 1.0) - libm::lgamma(count - k + 1.0) + (k - mode) * log_odds;
        if v <= bound {
            return k as u32;
        }
    }
}

/// ln(1 - p) for 0 < p < 1, accurate when p is tiny (where 1 - p rounds to 1 and its logarithm
/// to 0): the series' first terms below 1e-5 (error under p^4), libm's `log` above (1 - p then
/// keeps all but 1e-11 of p). Not libm's `log1p`: one more function in the page's wasm.
fn ln_1m(p: f64) -> f64 {
    if p < 1e-5 {
        -p * (1.0 + p * (0.5 + p / 3.0))
    } else {
        libm::log(1.0 - p)
    }
}

/// Misses before the first hit of independent trials whose miss chance has logarithm
/// `log_miss` (< 0): floor(ln U / ln(1 - p)), U uniform in (0, 1] with 53 bits. libm's
/// logarithm, not the platform's: the same draws natively and in wasm32 (and one function in
/// the page's wasm: `failures` draws exponential delays with it).
fn geometric(rng: &mut Rng, log_miss: f64) -> f64 {
    (libm::log(rng.unit_open53()) / log_miss).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ln P(X = k) for X ~ Binomial(n, p).
    fn log_pmf(n: u32, p: f64, k: u32) -> f64 {
        let (n, k) = (f64::from(n), f64::from(k));
        libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0)
            + k * libm::log(p)
            + (n - k) * libm::log(1.0 - p)
    }

    /// Draws against the binomial law, per (n, p), on both of the sampler's paths (geometric
    /// skips below n p = 10, BTRS above, and the flip for p > 1/2): the mean within 3 standard
    /// errors of n p (sd sqrt(n p q / draws)); the sample variance within 3 standard errors of
    /// n p q (its variance (mu4 - sigma^4) / draws, mu4 = n p q (1 + 3 (n - 2) p q) for the
    /// binomial); and the whole law by Pearson's chi-square over cells of at least 5 expected
    /// draws (tails merged), below its 99.99th percentile (Wilson-Hilferty, z = 3.719).
    #[test]
    fn binomial_draws_follow_the_binomial_law() {
        const DRAWS: u32 = 20_000;
        let cases: [(u32, f64); 8] = [
            (20, 0.6),
            (50, 0.1),
            (100, 0.15),
            (1000, 0.3),
            (1000, 0.9),
            (100_000, 0.5),
            (1_000_000, 0.001),
            (1 << 20, 0.999_99),
        ];
        for (case, &(n, p)) in cases.iter().enumerate() {
            let mut rng = Rng::new(100 + case as u64, Stream::Gossip);
            let draws: Vec<u32> = (0..DRAWS)
                .map(|_| binomial(&mut rng, n, p, 1.0 - p))
                .collect();
            assert!(draws.iter().all(|&k| k <= n));
            let m = f64::from(DRAWS);
            let (mean_law, variance_law) = (f64::from(n) * p, f64::from(n) * p * (1.0 - p));
            let mean = draws.iter().map(|&k| f64::from(k)).sum::<f64>() / m;
            let variance = draws
                .iter()
                .map(|&k| (f64::from(k) - mean).powi(2))
                .sum::<f64>()
                / (m - 1.0);
            let bound = 3.0 * (variance_law / m).sqrt();
            assert!(
                (mean - mean_law).abs() <= bound,
                "Binomial({n}, {p}): mean {mean}, law {mean_law} (bound {bound})"
            );
            let mu4 = variance_law * (1.0 + 3.0 * (f64::from(n) - 2.0) * p * (1.0 - p));
            let bound = 3.0 * ((mu4 - variance_law * variance_law) / m).sqrt();
            assert!(
                (variance - variance_law).abs() <= bound,
                "Binomial({n}, {p}): variance {variance}, law {variance_law} (bound {bound})"
            );
            // Cells k = lo..=hi with at least 5 expected draws each; the tails join the ends.
            let expected = |k: u32| m * libm::exp(log_pmf(n, p, k));
            let center = mean_law.round() as u32;
            let mut lo = center;
            while lo > 0 && expected(lo - 1) >= 5.0 {
                lo -= 1;
            }
            let mut hi = center;
            while hi < n && expected(hi + 1) >= 5.0 {
                hi += 1;
            }
            let inner: f64 = (lo..=hi).map(expected).sum();
            let lower_tail: f64 = (0..lo).map(expected).sum();
            let mut cells: Vec<(f64, f64)> = (lo..=hi).map(|k| (expected(k), 0.0)).collect();
            let (mut below, mut above) = (0.0, 0.0);
            for &k in &draws {
                if k < lo {
                    below += 1.0;
                } else if k > hi {
                    above += 1.0;
                } else {
                    cells[(k - lo) as usize].1 += 1.0;
                }
            }
            cells.push((lower_tail, below));
            cells.push(((m - inner - lower_tail).max(0.0), above));
            let cells: Vec<(f64, f64)> = cells.into_iter().filter(|c| c.0 >= 1.0).collect();
            let chi2: f64 = cells.iter().map(|(e, o)| (o - e).powi(2) / e).sum();
            let df = (cells.len() - 1) as f64;
            let h = 2.0 / (9.0 * df);
            let critical = df * (1.0 - h + 3.719 * h.sqrt()).powi(3);
            assert!(
                chi2 <= critical,
                "Binomial({n}, {p}): chi-square {chi2} over {df} degrees of freedom (99.99 %: {critical})"
            );
        }
    }

    /// A caller's outcomes are a law (their chances sum to one), with the right chance of being
    /// informed and the right mean replies, for every fanout, loss and share informed; without
    /// loss or crashes every call is answered.
    #[test]
    fn a_callers_outcomes_are_a_law() {
        for fanout in [1, 2, 3, 16] {
            for (delivery, crashed) in [(1.0, 0), (0.8, 0), (0.5, 300)] {
                for informed in [1, 10, 500, 998 - crashed] {
                    let population = Population {
                        others: 999,
                        crashed,
                        fanout,
                        delivery,
                        loss_chance: Chance::new(1.0 - delivery),
                    };
                    let calls = CallChances::new(&population, informed);
                    let outcomes = outcome_chances(fanout, &calls);
                    let total: f64 = outcomes.iter().map(|o| o.2).sum();
                    assert!((total - 1.0).abs() < 1e-12, "{fanout} {delivery}: {total}");
                    // Informed: at least one of b calls informs.
                    let informs: f64 = outcomes.iter().filter(|o| o.0).map(|o| o.2).sum();
                    let law = 1.0 - (1.0 - calls.learn).powi(fanout as i32);
                    assert!(
                        (informs - law).abs() < 1e-12,
                        "{fanout} {delivery}: {informs}"
                    );
                    // Replies: b calls each answered with chance `reply`.
                    let replies: f64 = outcomes.iter().map(|o| f64::from(o.1) * o.2).sum();
                    let law = f64::from(fanout) * calls.reply;
                    assert!(
                        (replies - law).abs() < 1e-9,
                        "{fanout} {delivery}: {replies}"
                    );
                    let mut rng = Rng::new(5, Stream::Gossip);
                    let (learned, replies) = caller_outcomes(fanout, &calls, 1000, &mut rng);
                    assert!(learned <= 1000);
                    assert!(replies <= 1000 * u64::from(fanout));
                    if delivery == 1.0 && crashed == 0 {
                        assert_eq!(replies, 1000 * u64::from(fanout));
                    }
                }
            }
        }
    }
}
