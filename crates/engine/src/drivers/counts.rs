//! The counting driver (#8's speed): plain push, pull and push-pull played as counts, for the
//! scaling sweep. The fast driver follows every datagram to a node; late in a push run almost
//! every one lands on a node that knows already, and a sweep of 200 trials per point spends
//! minutes on them. Here a round draws only how many nodes it informs, from the same law:
//!
//! - push: each of the i·b datagrams informs a new node with chance (1 - loss) · u_k / (N - 1),
//!   u_k the nodes still uninformed (peers are uniform over the N - 1 others, theory.md);
//! - pull: each of the u uninformed callers is informed with chance 1 - (1 - (1 - loss)² i /
//!   (N - 1))^b, independently (its reply comes from a node informed before the round);
//! - push-pull: the pulls as in pull, then the pushes on the nodes the pulls left.
//!
//! While a datagram's chance is high each one is a draw; once it is low the draws skip ahead by
//! a geometric number of misses (one logarithm per node informed), so a trial costs O(N) draws,
//! not O(N log N) datagrams. The law is the fast driver's (tested: distributions of rounds and
//! datagrams agree), the draws are not: a counted trial is not the page's run of that seed, which
//! is why only the sweep counts (the Experiment view and `gossip-sim --trials` replay the page).
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

impl Population {
    /// Whether every datagram arrives: then replies equal requests and only spread is drawn.
    fn lossless_and_whole(&self) -> bool {
        self.loss_chance == Chance::Never && self.crashed == 0
    }
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
/// a live node is answered.
fn pull_round(
    population: &Population,
    informed: u32,
    uninformed: u32,
    push_pull: bool,
    rng: &mut Rng,
) -> RoundCounts {
    let fanout = u64::from(population.fanout);
    let (pulled, mut sent) = if population.lossless_and_whole() {
        // Every request is answered: requests and replies are two per call.
        let callers = if push_pull {
            uninformed
        } else {
            informed + uninformed
        };
        (
            lossless_pulls(population, informed, uninformed, rng),
            2 * fanout * u64::from(callers),
        )
    } else {
        let (pulled, mut sent) = lossy_pulls(population, informed, uninformed, rng);
        if !push_pull {
            sent += informed_callers_pulls(population, informed, rng);
        }
        (pulled, sent)
    };
    let mut new = pulled;
    if push_pull {
        let pushes = u64::from(informed) * fanout;
        new += spread_pushes(population, pushes, uninformed - pulled, rng);
        sent += pushes;
    }
    (new, sent)
}

/// Without loss or crashes: how many of the uninformed callers reach an informed node in one of
/// their b calls (chance 1 - (1 - i / (N - 1))^b each), by caller or by geometric skips.
fn lossless_pulls(population: &Population, informed: u32, uninformed: u32, rng: &mut Rng) -> u32 {
    if informed == 0 {
        return 0;
    }
    let per_call = f64::from(informed) / f64::from(population.others);
    let miss_all: f64 = (0..population.fanout).map(|_| 1.0 - per_call).product();
    if 1.0 - miss_all >= SKIP_BELOW {
        (0..uninformed)
            .filter(|_| (0..population.fanout).any(|_| rng.below(population.others) < informed))
            .count() as u32
    } else {
        let log_miss = f64::from(population.fanout) * ln_1m(per_call);
        let mut next = 0.0;
        let mut pulled = 0;
        loop {
            next += geometric(rng, log_miss);
            if next >= f64::from(uninformed) {
                return pulled;
            }
            pulled += 1;
            next += 1.0;
        }
    }
}

/// With loss or crashes, call by call: (uninformed callers informed, requests and replies sent).
fn lossy_pulls(
    population: &Population,
    informed: u32,
    uninformed: u32,
    rng: &mut Rng,
) -> (u32, u64) {
    let (mut pulled, mut sent) = (0u32, 0u64);
    for _ in 0..uninformed {
        let mut learned = false;
        for _ in 0..population.fanout {
            sent += 1;
            if rng.happens(population.loss_chance) {
                continue;
            }
            // Among the others: the informed first, then the crashed, then the uninformed.
            let callee = rng.below(population.others);
            if callee < informed {
                sent += 1;
                learned |= !rng.happens(population.loss_chance);
            } else if callee >= informed + population.crashed {
                sent += 1; // an empty reply
            }
        }
        pulled += u32::from(learned);
    }
    (pulled, sent)
}

/// Pull's informed callers, with loss or crashes: requests, and the replies of those that reach
/// a live node.
fn informed_callers_pulls(population: &Population, informed: u32, rng: &mut Rng) -> u64 {
    let live_others = population.others - population.crashed;
    let requests = u64::from(informed) * u64::from(population.fanout);
    let replies = (0..requests)
        .filter(|_| {
            !rng.happens(population.loss_chance) && rng.below(population.others) < live_others
        })
        .count() as u64;
    requests + replies
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
