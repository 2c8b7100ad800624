#![cfg(not(target_arch = "wasm32"))]
//! Many messages against theory.md section 8: "With k = 1 and M messages injected at once, push
//! needs about M times the single-message rounds for the last message under random, and starves
//! old messages under recent." Fixed seeds, several seed offsets, tolerances stated per test.

use gossip_lab::engine::Config;
use gossip_lab::engine::ensemble::{self, Experiment, Stats};
use gossip_lab::engine::protocols::messages::{Params, Policy};

const NODES: u32 = 1000;
const TRIALS: u32 = 40;

fn summary(messages: u32, policy: Policy, seed: u64, max_rounds: Option<u32>) -> ensemble::Summary {
    let config = Config {
        nodes: NODES,
        seed,
        max_rounds,
        messages: Params {
            count: messages,
            capacity: 1,
            policy,
            inject_every: 0,
        },
        ..Config::default()
    };
    ensemble::run(&Experiment::new(config, TRIALS).unwrap(), |_| {})
}

fn rounds(summary: &ensemble::Summary) -> Stats {
    assert_eq!(summary.completed, TRIALS, "every trial completes");
    summary.rounds.unwrap()
}

/// Under "random" with k = 1, each message gets a share of every informed node's pushes: 1/M
/// once the node holds all M, 1/j while it holds j < M. Time-sharing every push M ways gives the
/// theory's M T_1 (T_1: single-message rounds); the larger early shares only make it faster, so
/// the ratio T_M / (M T_1) is at most 1. Below, the mean field of theory.md section 2 bounds it:
/// a message's holders at most double each round (log2 N rounds to grow), and once nodes hold
/// every message the last one's share is 1/M, so its uninformed fraction decays by e^(-1/M) a
/// round (M ln N rounds to finish): T_M >= log2 N + M ln N, less the O(1) term "worth about one
/// round" (section 3). Both ends widened by 3 standard errors of the measured figure.
#[test]
fn random_needs_about_m_times_the_single_message_rounds_for_the_last_message() {
    for seed in [7, 107, 1007] {
        let single = rounds(&summary(1, Policy::Random, seed, None));
        for messages in [2, 4, 8] {
            let many = rounds(&summary(messages, Policy::Random, seed, None));
            let m = f64::from(messages);
            let ratio = many.mean / (m * single.mean);
            // Relative standard errors add in quadrature for a ratio of means.
            let relative = ((many.standard_error(TRIALS) / many.mean).powi(2)
                + (single.standard_error(TRIALS) / single.mean).powi(2))
            .sqrt();
            let se = 3.0 * ratio * relative;
            let n = f64::from(NODES);
            let lower = n.log2() + m * n.ln() - 1.0;
            assert!(
                many.mean > lower - 3.0 * many.standard_error(TRIALS),
                "seed {seed}, M = {messages}: {:.1} rounds, under log2 N + M ln N - 1 = {lower:.1}",
                many.mean
            );
            assert!(
                ratio <= 1.0 + se,
                "seed {seed}, M = {messages}: {:.1} rounds against M T_1 = {:.1}: ratio {ratio:.3} (3 SE {se:.3})",
                many.mean,
                m * single.mean
            );
        }
    }
}

/// Under "recent" with k = 1 each node pushes the message it received last, so a message that
/// every holder has since seen overtaken is never pushed again: old messages starve. Cut both
/// policies off at 1.5 M T_1 rounds. The same seeds play the same trials, cut off or not, so
/// random's incomplete messages are bounded by its uncut rounds: none if its slowest trial ends
/// by the cut, and otherwise at most M P(T_M > cut), which Cantelli's inequality bounds by
/// M var / (var + (cut - mean)^2). A count in 0..=M has a standard deviation of at most M / 2,
/// so 3 standard errors are at most 1.5 M / sqrt(trials): random stays within its bound plus
/// that, and recent leaves more than random by over 3 standard errors of the difference.
#[test]
fn recent_starves_old_messages() {
    let messages = 8;
    let m = f64::from(messages);
    for seed in [7, 107, 1007] {
        let single = rounds(&summary(1, Policy::Random, seed, None));
        let cutoff = (1.5 * m * single.mean).round() as u32;
        let uncut = rounds(&summary(messages, Policy::Random, seed, None));
        let random = summary(messages, Policy::Random, seed, Some(cutoff));
        let recent = summary(messages, Policy::Recent, seed, Some(cutoff));
        let incomplete = |summary: &ensemble::Summary| summary.incomplete_messages.unwrap();
        let se = 1.5 * m / f64::from(TRIALS).sqrt();
        let margin = f64::from(cutoff) - uncut.mean;
        let variance = uncut.sd * uncut.sd;
        let bound = if uncut.max <= f64::from(cutoff) {
            0.0
        } else {
            m * variance / (variance + margin * margin)
        };
        if bound == 0.0 {
            assert_eq!(
                incomplete(&random),
                0.0,
                "seed {seed}: every random trial ends by {cutoff}"
            );
        }
        assert!(
            incomplete(&random) <= bound + se,
            "seed {seed}: random leaves {} of 8 incomplete at round {cutoff} (bound {bound:.2})",
            incomplete(&random)
        );
        assert!(
            incomplete(&recent) - incomplete(&random) > std::f64::consts::SQRT_2 * se,
            "seed {seed}: recent leaves only {} of 8 incomplete at round {cutoff}, random {}",
            incomplete(&recent),
            incomplete(&random)
        );
        assert!(recent.completed < random.completed);
    }
}
