#![cfg(not(target_arch = "wasm32"))]
//! Asynchronous periods and racks behind a core switch (theory.md sections 5 and 9): fixtures
//! for each rule, and statistics against theory with tolerance = stated bias + 3 standard errors,
//! on several seeds.

use gossip_lab::engine::ensemble::{self, Experiment, Summary};
use gossip_lab::engine::report::{TICKS_PER_ROUND, Tick};
use gossip_lab::engine::theory::asynchronous_periods;
use gossip_lab::engine::{Config, Contact, Mode, NetworkConfig, RoundReport, Simulation, Status};
use std::collections::BTreeMap;

fn reports(config: &Config) -> Vec<RoundReport> {
    let mut simulation = Simulation::with_contacts(config.clone()).unwrap();
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    reports
}

fn contacts(reports: &[RoundReport]) -> Vec<Contact> {
    reports
        .iter()
        .flat_map(|report| report.contacts.iter().copied())
        .collect()
}

/// The ticks at which each node started a call (hop 0: its own turn, not an answer).
fn turns(reports: &[RoundReport]) -> BTreeMap<u32, Vec<Tick>> {
    let mut turns: BTreeMap<u32, Vec<Tick>> = BTreeMap::new();
    for contact in contacts(reports).iter().filter(|contact| contact.hop == 0) {
        turns.entry(contact.from).or_default().push(contact.sent);
    }
    turns
}

fn pull(nodes: u32, jitter: f64, seed: u64) -> Config {
    Config {
        nodes,
        mode: Mode::Pull,
        seed,
        asynchrony: Some(jitter),
        // Loss slows the run down, so every node has many turns to look at.
        network: NetworkConfig {
            loss: 0.8,
            crash: 0.0,
        },
        ..Config::default()
    }
}

#[test]
fn without_jitter_every_node_acts_exactly_once_a_period_at_its_own_phase() {
    let reports = reports(&pull(60, 0.0, 3));
    let rounds = reports.len() as u64;
    assert!(rounds >= 5, "{rounds} rounds to look at");
    let turns = turns(&reports);
    assert_eq!(turns.len(), 60, "every node takes turns");
    let mut phases = std::collections::BTreeSet::new();
    for (node, ticks) in &turns {
        let phase = ticks[0];
        assert!(
            phase < TICKS_PER_ROUND,
            "node {node}: first turn in period 1"
        );
        let expected: Vec<Tick> = (0..rounds).map(|k| phase + k * TICKS_PER_ROUND).collect();
        assert_eq!(ticks, &expected, "node {node}: once a period at its phase");
        phases.insert(phase);
    }
    assert!(phases.len() > 30, "phases are spread: {phases:?}");
}

#[test]
fn with_jitter_each_period_lies_within_one_plus_or_minus_the_jitter() {
    for jitter in [0.1, 0.5] {
        let reports = reports(&pull(80, jitter, 5));
        let bound = (jitter * TICKS_PER_ROUND as f64).round() as Tick;
        let mut shortest = Tick::MAX;
        let mut longest = 0;
        for ticks in turns(&reports).values() {
            for pair in ticks.windows(2) {
                let period = pair[1] - pair[0];
                assert!(
                    (TICKS_PER_ROUND - bound..=TICKS_PER_ROUND + bound).contains(&period),
                    "a period of {period} ticks with jitter {jitter}"
                );
                shortest = shortest.min(period);
                longest = longest.max(period);
            }
        }
        // The periods use the whole range (uniform, not stuck at one value).
        assert!(shortest <= TICKS_PER_ROUND - bound * 3 / 4, "{shortest}");
        assert!(longest >= TICKS_PER_ROUND + bound * 3 / 4, "{longest}");
    }
}

#[test]
fn a_node_informed_mid_period_gossips_at_its_next_own_phase() {
    let config = Config {
        nodes: 100,
        seed: 11,
        asynchrony: Some(0.0),
        ..Config::default()
    };
    let reports = reports(&config);
    let learned: BTreeMap<u32, Tick> = reports
        .iter()
        .flat_map(|report| report.learned.iter())
        .map(|learned| (learned.node, learned.tick))
        .collect();
    let turns = turns(&reports);
    let mut within_the_round = 0;
    for (node, &informed) in &learned {
        let Some(ticks) = turns.get(node) else {
            continue; // informed too late to push before everyone knew
        };
        let first = ticks[0];
        // Its next own phase: after the tick it learned (usable from the next tick), within a period.
        assert!(
            first > informed && first <= informed + TICKS_PER_ROUND,
            "node {node} informed at {informed} first pushed at {first}"
        );
        for pair in ticks.windows(2) {
            assert_eq!(pair[1] - pair[0], TICKS_PER_ROUND);
        }
        // Synchronous rounds would wait for the next round's start.
        if first / TICKS_PER_ROUND == informed / TICKS_PER_ROUND {
            within_the_round += 1;
        }
    }
    assert!(
        within_the_round > 10,
        "{within_the_round} nodes pushed in the round they learned"
    );
}

#[test]
fn asynchronous_times_are_in_periods_with_fractions() {
    let simulation = {
        let mut simulation = Simulation::new(Config {
            nodes: 500,
            seed: 2,
            asynchrony: Some(0.2),
            ..Config::default()
        })
        .unwrap();
        simulation.run_to_end();
        simulation
    };
    let time = simulation.completion_time().unwrap();
    let Status::Completed { rounds } = simulation.status() else {
        panic!("completes");
    };
    assert!(
        time <= f64::from(rounds) && time > f64::from(rounds - 1),
        "{time} in round {rounds}"
    );
    assert_ne!(time.fract(), 0.0);
}

/// Calls of a pull run on racks: (caller, callee) of every request.
fn calls(config: &Config) -> Vec<(u32, u32)> {
    contacts(&reports(config))
        .iter()
        .filter(|contact| contact.hop == 0)
        .map(|contact| (contact.from, contact.to))
        .collect()
}

fn racked(nodes: u32, racks: u32, cross: Option<f64>, seed: u64) -> Config {
    Config {
        racks,
        cross,
        ..pull(nodes, 0.0, seed)
    }
    .synchronous()
}

trait Synchronous {
    fn synchronous(self) -> Self;
}

impl Synchronous for Config {
    fn synchronous(self) -> Self {
        Config {
            asynchrony: None,
            ..self
        }
    }
}

#[test]
fn a_peer_is_outside_the_rack_with_probability_p_uniformly_over_the_other_racks() {
    let (nodes, racks, cross) = (400u32, 4u32, 0.3);
    let rack = |node: u32| node * racks / nodes;
    let mut all = Vec::new();
    for seed in 1..=4 {
        all.extend(calls(&racked(nodes, racks, Some(cross), seed)));
    }
    let count = all.len() as f64;
    let outside: Vec<_> = all
        .iter()
        .filter(|&&(caller, callee)| rack(caller) != rack(callee))
        .collect();
    let share = outside.len() as f64 / count;
    let se = (cross * (1.0 - cross) / count).sqrt();
    assert!(
        (share - cross).abs() < 3.0 * se,
        "outside share {share}, expected {cross} +- {}",
        3.0 * se
    );
    // Outside: uniform over the other three racks (each a third, 3 SE).
    let mut to_rack = [[0u32; 4]; 4];
    for &&(caller, callee) in &outside {
        to_rack[rack(caller) as usize][rack(callee) as usize] += 1;
    }
    for (from, row) in to_rack.iter().enumerate() {
        let total: u32 = row.iter().sum();
        let se = (2.0 / 9.0 / f64::from(total)).sqrt();
        for (to, &hits) in row.iter().enumerate().filter(|&(to, _)| to != from) {
            let share = f64::from(hits) / f64::from(total);
            assert!(
                (share - 1.0 / 3.0).abs() < 3.0 * se,
                "rack {from} -> {to}: {share}"
            );
        }
    }
    // Inside: never oneself.
    assert!(all.iter().all(|&(caller, callee)| caller != callee));
}

#[test]
fn by_default_a_peer_is_outside_with_probability_one_over_the_rack_size() {
    let (nodes, racks) = (40u32, 4u32); // racks of 10: outside with probability 1/10
    let mut all = Vec::new();
    for seed in 1..=30 {
        all.extend(calls(&racked(nodes, racks, None, seed)));
    }
    let count = all.len() as f64;
    let outside = all
        .iter()
        .filter(|&&(caller, callee)| caller * racks / nodes != callee * racks / nodes)
        .count() as f64;
    let se = (0.1 * 0.9 / count).sqrt();
    assert!(
        (outside / count - 0.1).abs() < 3.0 * se,
        "{} of {count}",
        outside
    );
}

#[test]
fn cross_zero_never_crosses_the_core() {
    let config = Config {
        nodes: 200,
        racks: 2,
        cross: Some(0.0),
        max_rounds: Some(40),
        ..Config::default()
    };
    let mut simulation = Simulation::new(config).unwrap();
    assert_eq!(simulation.run_to_end(), Status::Stopped { rounds: 40 });
    assert_eq!(simulation.totals().through_core, 0);
    assert_eq!(simulation.informed(), 100, "only the sender's rack knows");
    assert!(simulation.informed_order().iter().all(|&node| node < 100));
}

#[test]
fn one_rack_is_the_flat_network_and_through_core_counts_every_crossing() {
    let flat = Config {
        nodes: 300,
        seed: 4,
        ..Config::default()
    };
    let one_rack = Config {
        racks: 1,
        cross: Some(0.5),
        ..flat.clone()
    };
    assert_eq!(
        reports(&flat),
        reports(&one_rack),
        "racks = 1 is today's network"
    );
    let two = Config {
        racks: 2,
        cross: Some(0.5),
        ..flat
    };
    for report in reports(&two) {
        let crossing = report
            .contacts
            .iter()
            .filter(|contact| (contact.from < 150) != (contact.to < 150))
            .count() as u64;
        assert_eq!(report.counters.through_core, crossing);
    }
}

// Statistics.

fn summary(config: Config, trials: u32) -> Summary {
    let summary = ensemble::run(&Experiment::new(config.clone(), trials).unwrap(), |_| {});
    assert_eq!(
        summary.completed, trials,
        "every trial completes: {config:?}"
    );
    summary
}

/// Mean rounds (periods) and its standard error.
fn mean_rounds(config: Config, trials: u32) -> (f64, f64) {
    let rounds = summary(config, trials).rounds.unwrap();
    (rounds.mean, rounds.standard_error(trials))
}

#[test]
fn asynchronous_push_is_faster_than_synchronous_push() {
    // theory.md section 9: about 2 ln N periods against log2 N + ln N rounds (14 against 17 at
    // N = 1000); the difference must exceed 3 SE of the difference, on several seeds.
    for seed in [1, 2, 3] {
        for jitter in [0.0, 0.5] {
            let synchronous = Config {
                nodes: 1000,
                seed,
                ..Config::default()
            };
            let asynchronous = Config {
                asynchrony: Some(jitter),
                ..synchronous.clone()
            };
            let (sync_mean, sync_se) = mean_rounds(synchronous, 200);
            let (async_mean, async_se) = mean_rounds(asynchronous, 200);
            assert!(
                sync_mean - async_mean > 3.0 * sync_se.hypot(async_se),
                "seed {seed} jitter {jitter}: {async_mean} periods against {sync_mean} rounds"
            );
        }
    }
}

/// Allowed distance from the Poisson-clock mean 2 H_(N-1) (N - 1) / N, in periods: periodic
/// clocks with random phases grow at the same Malthusian rate as Poisson clocks (the offspring
/// times U + k, U uniform, give sum E[e^-(U+k)] = 1 at rate 1) and an uninformed node is hit by
/// the superposition of many phases, nearly a Poisson stream, so the log terms agree and only
/// the O(1) term differs: theory.md section 3, "every formula carries an O(1) term worth about
/// one round", so one period (plus 3 standard errors of the measured mean).
const PERIODIC_BIAS: f64 = 1.0;

#[test]
fn asynchronous_push_completes_near_the_poisson_clock_figure() {
    for (nodes, trials) in [(1_000u32, 300u32), (10_000, 100)] {
        for (seed, jitter) in [(7, 0.0), (8, 0.25), (9, 0.5)] {
            let config = Config {
                nodes,
                seed,
                asynchrony: Some(jitter),
                ..Config::default()
            };
            let law = config.mode.spec().law(&config).unwrap();
            let (expected, _) = asynchronous_periods(&config, law).unwrap();
            let (mean, se) = mean_rounds(config, trials);
            assert!(
                (mean - expected).abs() < PERIODIC_BIAS + 3.0 * se,
                "N={nodes} jitter {jitter}: {mean} periods against {expected} (+- {})",
                PERIODIC_BIAS + 3.0 * se
            );
        }
    }
}

#[test]
fn two_racks_take_logarithmic_rounds_and_constant_core_traffic() {
    // theory.md section 5: O(log N) rounds in each rack plus O(1) to cross; each caller crosses
    // with probability 1 / n_i, so the core carries at most (calls per round) / n_i = b N / (N/2)
    // = 2 datagrams a round in expectation, whatever N.
    for seed in [1, 2] {
        let mut means = Vec::new();
        for exponent in 10..=14 {
            let config = Config {
                nodes: 1 << exponent,
                seed,
                racks: 2,
                ..Config::default()
            };
            let trials = 60;
            let summary = summary(config, trials);
            let rounds = summary.rounds.unwrap();
            let core = summary.core_per_round.unwrap();
            assert!(
                core.mean <= 2.0,
                "N = 2^{exponent}: {} through the core a round",
                core.mean
            );
            assert!(core.mean > 0.3, "the rumor crosses: {}", core.mean);
            means.push((rounds.mean, rounds.standard_error(trials), core.mean));
        }
        // Each doubling of N adds a constant (theory.md sections 3 and 5): push in a rack takes
        // log2 n + ln n + O(1), so 1 + ln 2 more rounds per doubling of the rack; the second
        // rack's spread overlaps the first's at best (one rack's 1 + ln 2) and follows it at
        // worst (two racks', 2 (1 + ln 2)). Each end widened by the O(1) term, "worth about one
        // round" (section 3), and by 3 standard errors of the difference of the two means.
        let per_rack = 1.0 + std::f64::consts::LN_2;
        let (low, high) = (per_rack - 1.0, 2.0 * per_rack + 1.0);
        for pair in means.windows(2) {
            let (step, se) = (pair[1].0 - pair[0].0, pair[0].1.hypot(pair[1].1));
            assert!(
                step > low - 3.0 * se && step < high + 3.0 * se,
                "seed {seed}: {step} rounds more per doubling ({means:?})"
            );
        }
        // Core traffic does not grow with N: the largest N's mean within 0.5 of the smallest's.
        let (first, last) = (means[0].2, means[4].2);
        assert!(
            (last - first).abs() < 0.5,
            "core per round {first} -> {last}"
        );
    }
}
