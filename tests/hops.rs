//! Hops from the sender: on small seeded runs, the informers form a tree rooted at the
//! sender, each node one hop below its informer, informed in a later round, and never more hops
//! than rounds; the tree without loss takes exactly one round per hop.

use gossip_lab::engine::{Config, Fate, Mode, Simulation};
use std::collections::HashMap;

/// A run to its end, and who first informed each node according to its recorded datagrams.
fn run_recorded(
    mode: Mode,
    nodes: u32,
    seed: u64,
    settings: &[(&str, &str)],
) -> (Simulation, HashMap<u32, u32>) {
    let mut config = Config {
        mode,
        nodes,
        seed,
        ..Config::default()
    };
    for (key, value) in settings {
        config.set(key, value).unwrap();
    }
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let mut informer = HashMap::new();
    while let Some(report) = simulation.step() {
        for contact in report.contacts.iter().filter(|c| c.fate == Fate::Informed) {
            informer.entry(contact.to).or_insert(contact.from);
        }
    }
    (simulation, informer)
}

fn run(mode: Mode, nodes: u32, seed: u64, settings: &[(&str, &str)]) -> Simulation {
    run_recorded(mode, nodes, seed, settings).0
}

/// Every informed node's hop is the length of its chain of informers back to a sender, the
/// chain read from the datagrams that informed (not from the engine's own parent records); its
/// informer was informed earlier (a smaller round, or for timed runs an earlier tick), and
/// hop <= round.
fn check_tree(simulation: &Simulation, informer: &HashMap<u32, u32>) {
    let hops = simulation.hops();
    let parents = simulation.parents();
    assert_eq!(parents[0], (0, None), "the sender comes first");
    for &(node, parent) in &parents {
        let (round, by) = simulation.informed_when_and_by(node).unwrap();
        assert_eq!(by, parent);
        assert_eq!(
            parent,
            informer.get(&node).copied(),
            "node {node}'s informer"
        );
        let hop = hops[node as usize].expect("informed");
        let mut chain = 0;
        let mut at = node;
        while let Some(&from) = informer.get(&at) {
            chain += 1;
            at = from;
            assert!(
                chain <= parents.len() as u32,
                "node {node}: a cycle of informers"
            );
        }
        assert_eq!(
            hop, chain,
            "node {node}: hops against its chain of informing datagrams"
        );
        match parent {
            None => assert_eq!((hop, round), (0, 0)),
            Some(parent) => {
                let (parent_round, _) = simulation.informed_when_and_by(parent).unwrap();
                assert!(
                    parent_round < round,
                    "node {node} informed in round {round}"
                );
                assert!(hop <= round, "node {node}: {hop} hops in {round} rounds");
            }
        }
    }
    let informed: Vec<u32> = parents.iter().map(|&(node, _)| node).collect();
    for (node, hop) in hops.iter().enumerate() {
        assert_eq!(
            hop.is_some(),
            informed.contains(&(node as u32)),
            "node {node}"
        );
    }
    let histogram = simulation.hop_histogram();
    assert_eq!(histogram[0], 1);
    assert_eq!(histogram.iter().sum::<u32>() as usize, parents.len());
}

#[test]
fn gossip_informers_form_a_tree_of_hops_no_deeper_than_the_rounds() {
    for seed in [1, 2, 3] {
        for mode in [Mode::Push, Mode::Pull, Mode::PushPull] {
            let (simulation, informer) =
                run_recorded(mode, 300, seed, &[("loss", "0.2"), ("crash", "0.1")]);
            check_tree(&simulation, &informer);
            // Push informs in at most one hop per round, and some nodes take the long way.
            let hops = simulation.hops();
            let deepest = hops.iter().flatten().max().unwrap();
            assert!(*deepest >= 3 && *deepest <= simulation.round());
        }
    }
}

#[test]
fn the_event_driver_gives_the_same_kind_of_tree() {
    // Delays move gossip to the event driver; rounds are then its informed round.
    let (simulation, informer) = run_recorded(Mode::Push, 200, 4, &[("delay", "uniform:0:0.5")]);
    check_tree(&simulation, &informer);
}

#[test]
fn the_tree_without_loss_takes_one_round_per_hop() {
    let (simulation, informer) = run_recorded(Mode::Tree, 40, 1, &[("fanout", "3")]);
    check_tree(&simulation, &informer);
    for (node, hop) in simulation.hops().iter().enumerate() {
        let (round, _) = simulation.informed_when_and_by(node as u32).unwrap();
        assert_eq!(*hop, Some(round), "node {node}");
    }
    // 1 + 3 + 9 + 27 > 40: depth 3, its last level partly filled.
    assert_eq!(simulation.hop_histogram(), [1, 3, 9, 27]);
}

#[test]
fn nodes_never_informed_have_no_hop() {
    let simulation = run(Mode::Push, 100, 1, &[("loss", "1")]);
    assert_eq!(simulation.hops().iter().flatten().count(), 1);
    assert_eq!(simulation.hop_histogram(), [1]);
}
