#![cfg(not(target_arch = "wasm32"))]
//! Plumtree against theory.md section 11, with fixed seeds. Its claims here are exact, not
//! statistical, so the checks are equalities; the basis of each is written beside it.
//!
//! - A flood over the overlay (every link eager, every node forwarding its first copy to all
//!   its neighbours but the sender) sends d(source) + sum over the others of (d - 1) = 2 |E| -
//!   (n - 1) GOSSIPs, so the first message's RMR is 2 |E| / (n - 1) - 2 (about b - 2).
//! - Every hop takes one round, so first copies travel shortest paths: the flood's LDH is the
//!   source's eccentricity in the overlay, and the links that carried first copies (the only
//!   ones left eager) form its breadth-first tree. Every duplicate PRUNEs its link within two
//!   hops of the wave, so a message injected 3 or more rounds later crosses that tree only:
//!   RMR 0 and LDH = the tree's depth.
//! - With crashes, every live node adjacent to a live holder hears of each message (GOSSIP or
//!   IHAVE) and GRAFTs an announcer until it has it, so while the live overlay stays connected
//!   every live node delivers: reliability 1. The live overlay is connected unless some live
//!   node loses all its neighbours: with b = 6 and 10 % crashed, about 180 x 0.1^6 = 2e-4 per
//!   trial, asserted for these seeds below.

use gossip_lab::engine::ensemble::{self, Experiment, Summary};
use gossip_lab::engine::protocols::plumtree;
use gossip_lab::engine::report::LinkStyle;
use gossip_lab::engine::rng::trial_seed;
use gossip_lab::engine::{Config, Mode, Simulation};
use std::collections::VecDeque;

fn config(nodes: u32, fanout: u32, messages: u32, inject_every: u32, seed: u64) -> Config {
    let mut config = Config {
        nodes,
        mode: Mode::from_name("plumtree").expect("registered"),
        fanout,
        seed,
        ..Config::default()
    };
    config.messages.count = messages;
    config.messages.inject_every = inject_every;
    config
}

fn summary(config: &Config, trials: u32) -> Summary {
    ensemble::run(&Experiment::new(config.clone(), trials).unwrap(), |_| {})
}

/// Hops from `source` to every node over `neighbours` (None: unreachable), breadth first.
fn distances(neighbours: &[Vec<u32>], source: u32) -> Vec<Option<u32>> {
    let mut distance = vec![None; neighbours.len()];
    distance[source as usize] = Some(0);
    let mut queue = VecDeque::from([source]);
    while let Some(node) = queue.pop_front() {
        let next = distance[node as usize].unwrap() + 1;
        for &peer in &neighbours[node as usize] {
            if distance[peer as usize].is_none() {
                distance[peer as usize] = Some(next);
                queue.push_back(peer);
            }
        }
    }
    distance
}

/// The farthest node reachable from `source`, in hops.
fn eccentricity(neighbours: &[Vec<u32>], source: u32) -> u32 {
    distances(neighbours, source)
        .into_iter()
        .flatten()
        .max()
        .unwrap()
}

/// The solid (eager) links after the run's last round, as neighbour lists.
fn eager_tree(simulation: &mut Simulation) -> Vec<Vec<u32>> {
    let nodes = simulation.config().nodes as usize;
    let mut last = None;
    while let Some(report) = simulation.step() {
        last = Some(report);
    }
    let mut tree = vec![Vec::new(); nodes];
    for link in last.expect("a round").links {
        if link.style == LinkStyle::Solid {
            tree[link.a as usize].push(link.b);
            tree[link.b as usize].push(link.a);
        }
    }
    tree
}

/// Figure `figure` (0 RMR, 1 LDH, 2 reliability) of message `message`.
fn figure(figures: &[f64], messages: u32, figure: usize, message: u32) -> f64 {
    figures[figure * messages as usize + message as usize]
}

#[test]
fn rmr_falls_to_zero_once_the_tree_has_formed() {
    let (nodes, fanout, messages, trials) = (200, 5, 8, 20);
    let config = config(nodes, fanout, messages, plumtree::TREE_FORMS, 21);
    let summary = summary(&config, trials);
    let rmr = &summary.per_message["rmr"];
    // The flood: 2 |E| / (n - 1) - 2 exactly, per trial's overlay.
    let flood: f64 = (0..trials)
        .map(|trial| {
            let overlay = plumtree::overlay(nodes, fanout, trial_seed(config.seed, trial.into()));
            let ends: usize = overlay.iter().map(Vec::len).sum();
            ends as f64 / f64::from(nodes - 1) - 2.0
        })
        .sum::<f64>()
        / f64::from(trials);
    let first = rmr.per_message[0].unwrap();
    assert!((first - flood).abs() < 1e-6, "{first} against {flood}");
    assert!(first > f64::from(fanout) - 3.0, "about b - 2: {first}");
    // Then the tree: not one redundant GOSSIP, in any trial.
    for (message, value) in rmr.per_message.iter().enumerate().skip(1) {
        assert_eq!(*value, Some(0.0), "message {message}");
    }
    assert_eq!(summary.kinds_per_node["graft"].max, 0.0);
    let lesson = summary.lesson.unwrap();
    assert_eq!((lesson.expected, lesson.measured), (Some(0.0), Some(0.0)));
    assert!(
        reliability_is_full(&summary),
        "{:?}",
        summary.per_message["reliability"]
    );
}

/// Every message delivered by every live node, in every trial.
fn reliability_is_full(summary: &Summary) -> bool {
    let reliability = &summary.per_message["reliability"];
    reliability.mean == Some(1.0)
        && reliability
            .per_message
            .iter()
            .all(|&value| value == Some(1.0))
}

#[test]
fn the_last_delivery_hop_is_the_depth_of_the_tree() {
    let messages = 6;
    for seed in 1..=10 {
        let config = config(300, 4, messages, 4, seed);
        let overlay = plumtree::overlay(300, 4, seed);
        let mut simulation = Simulation::with_contacts(config).unwrap();
        let tree = eager_tree(&mut simulation);
        let figures = simulation.message_figures();
        // The eager links form a spanning tree: n - 1 of them, every node reached.
        let links: usize = tree.iter().map(Vec::len).sum::<usize>() / 2;
        assert_eq!(links, 299, "seed {seed}");
        assert!(
            distances(&tree, 0).iter().all(Option::is_some),
            "seed {seed}"
        );
        let depth = eccentricity(&tree, 0);
        // The flood takes shortest paths, and the tree is their breadth-first tree.
        assert_eq!(depth, eccentricity(&overlay, 0), "seed {seed}");
        for message in 0..messages {
            let ldh = figure(&figures, messages, 1, message);
            assert_eq!(ldh, f64::from(depth), "seed {seed}, message {message}");
        }
    }
}

#[test]
fn reliability_stays_full_with_crashes_the_tree_repaired_by_grafts() {
    let (nodes, fanout, messages, trials) = (200, 6, 8, 20);
    let mut config = config(nodes, fanout, messages, 5, 33);
    // Message 2 leaves at round 11: the crash comes in the middle of its flood.
    config.set("crash_at", "12:0.1").unwrap();
    let summary = summary(&config, trials);
    assert!(
        reliability_is_full(&summary),
        "{:?}",
        summary.per_message["reliability"]
    );
    assert_eq!(summary.completed, trials);
    // Repairs happened: GRAFTs, and GOSSIP sent in answer to them.
    assert!(summary.kinds_per_node["graft"].mean > 0.0);
    assert!(summary.kinds_per_node["repair"].mean > 0.0);
    // The precondition of the argument, for these seeds: the live overlay stayed connected
    // (no live node lost every neighbour).
    for trial in 0..trials {
        let seed = trial_seed(config.seed, trial.into());
        let mut simulation = Simulation::new(Config {
            seed,
            ..config.clone()
        })
        .unwrap();
        simulation.run_to_end();
        let overlay = plumtree::overlay(nodes, fanout, seed);
        let live: Vec<Vec<u32>> = (0..nodes)
            .map(|node| {
                overlay[node as usize]
                    .iter()
                    .copied()
                    .filter(|&peer| !simulation.is_crashed(peer))
                    .collect()
            })
            .collect();
        let reached = distances(&live, 0);
        assert!((0..nodes).all(|n| simulation.is_crashed(n) || reached[n as usize].is_some()));
    }
    // After the repair the last message crosses the repaired tree: its LDH is that tree's
    // depth (first copies take shortest eager paths; no timer fires for it).
    let mut simulation = Simulation::with_contacts(config.clone()).unwrap();
    let tree = eager_tree(&mut simulation);
    let figures = simulation.message_figures();
    assert_eq!(
        figure(&figures, messages, 1, messages - 1),
        f64::from(eccentricity(&tree, 0))
    );
}

#[test]
fn reliability_stays_full_under_loss_grafts_retried_until_they_get_through() {
    // With loss a GRAFT or its answer may be lost: timer 2 GRAFTs the next announcer, round
    // and round, until the message comes, so every live node still delivers every message.
    let mut config = config(200, 5, 8, 5, 45);
    config.network.loss = 0.05;
    let summary = summary(&config, 20);
    assert!(
        reliability_is_full(&summary),
        "{:?}",
        summary.per_message["reliability"]
    );
    assert!(summary.per_message["rmr"].mean.unwrap() > 0.0);
}
