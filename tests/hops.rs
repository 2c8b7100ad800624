//! Hops from the sender (#8): on small seeded runs, the informers form a tree rooted at the
//! sender, each node one hop below its informer, informed in a later round, and never more hops
//! than rounds; the tree without loss takes exactly one round per hop.

use gossip_lab::engine::{Config, Mode, Simulation};

fn run(mode: Mode, nodes: u32, seed: u64, settings: &[(&str, &str)]) -> Simulation {
    let mut config = Config {
        mode,
        nodes,
        seed,
        ..Config::default()
    };
    for (key, value) in settings {
        config.set(key, value).unwrap();
    }
    let mut simulation = Simulation::new(config).unwrap();
    simulation.run_to_end();
    simulation
}

/// Every informed node's hop is its informer's plus one, its informer was informed earlier (a
/// smaller round, or for timed runs an earlier tick), and hop <= round.
fn check_tree(simulation: &Simulation) {
    let hops = simulation.hops();
    let parents = simulation.parents();
    assert_eq!(parents[0], (0, None), "the sender comes first");
    for &(node, parent) in &parents {
        let (round, by) = simulation.informed_when_and_by(node).unwrap();
        assert_eq!(by, parent);
        let hop = hops[node as usize].expect("informed");
        match parent {
            None => assert_eq!((hop, round), (0, 0)),
            Some(parent) => {
                assert_eq!(hops[parent as usize], Some(hop - 1), "node {node}");
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
            let simulation = run(mode, 300, seed, &[("loss", "0.2"), ("crash", "0.1")]);
            check_tree(&simulation);
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
    let simulation = run(Mode::Push, 200, 4, &[("delay", "uniform:0:0.5")]);
    check_tree(&simulation);
}

#[test]
fn the_tree_without_loss_takes_one_round_per_hop() {
    let simulation = run(Mode::Tree, 40, 1, &[("fanout", "3")]);
    check_tree(&simulation);
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
