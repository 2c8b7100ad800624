#![cfg(not(target_arch = "wasm32"))]
//! Properties over random valid configurations: counters add up, nothing is forgotten, no panic.

use gossip_lab::engine::config::Group;
use gossip_lab::engine::protocols::rmtp;
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, Simulation};
use proptest::prelude::*;

fn any_config() -> impl Strategy<Value = Config> {
    (
        2u32..300,
        1u32..5,
        0usize..Mode::ALL.len(),
        0.0f64..=1.0,
        0.0f64..=0.99,
        any::<u64>(),
        1u32..4,
    )
        .prop_map(|(nodes, fanout, mode, loss, crash, seed, senders)| {
            let mode = Mode::ALL[mode];
            let gossip = Mode::GOSSIP.contains(&mode);
            Config {
                nodes,
                fanout,
                mode,
                seed,
                // Multicast has one sender, node 0.
                senders: if gossip { senders.min(nodes) } else { 1 },
                network: NetworkConfig { loss, crash },
                rmtp: rmtp::Params {
                    regions: (fanout * 3).min(nodes - 1),
                    ..rmtp::Params::default()
                },
                packets: fanout * 2,
                ..Config::default()
            }
            .without_inapplicable()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rounds_keep_their_books(config in any_config()) {
        let mut simulation = Simulation::with_contacts(config).unwrap();
        let mut informed = simulation.informed();
        let (mut sent, mut drawn) = (0, 0);
        let (mut sent_payload, mut redundant) = (0, 0);
        let mut in_flight = 0;
        // At most 200 rounds: very lossy configurations may take far longer to finish.
        for _ in 0..200 {
            let Some(report) = simulation.step() else { break };
            let counters = report.counters;
            prop_assert!(report.informed >= informed, "informed count went down");
            prop_assert_eq!(report.informed - informed, report.newly_informed.len() as u32);
            // A redundant payload is one that arrived, maybe rounds after it was sent: bounded
            // by the payloads sent so far, not by this round's.
            sent_payload += counters.payload;
            redundant += counters.redundant;
            prop_assert!(redundant <= sent_payload);
            // A datagram is drawn when it lands (or is lost), which may be rounds after it was
            // sent (a hop of a multicast tree): never before.
            sent += counters.datagrams;
            drawn += report.contacts.len() as u64;
            prop_assert!(drawn <= sent);
            // Every datagram sent this round also landed in it (none in flight before or
            // after, as with every protocol that does not take a hop per round): one contact each.
            let within_round = in_flight == 0 && report.in_flight == 0;
            in_flight = report.in_flight;
            if within_round {
                prop_assert_eq!(report.contacts.len() as u64, counters.datagrams);
                // The counters against the datagrams themselves, recorded one by one: each
                // kind's count, and the payload count from the kinds that carry the message.
                let kinds = simulation.kinds();
                for (kind, declared) in kinds.iter().enumerate() {
                    let sent = report.contacts.iter().filter(|c| usize::from(c.kind) == kind);
                    prop_assert_eq!(sent.count() as u64, counters.by_kind[kind], "{}", declared.name);
                }
                let payload = report
                    .contacts
                    .iter()
                    .filter(|c| kinds[usize::from(c.kind)].payload)
                    .count();
                prop_assert_eq!(payload as u64, counters.payload);
                prop_assert!(counters.lost + counters.to_crashed <= counters.datagrams);
            }
            // A datagram that informs teaches one message; a node is informed once it knows all.
            // (Membership: a node "learns" the watched crash by its own timeout, not from a
            // datagram, so only gossip and multicast have this book.)
            let informing = report.contacts.iter().filter(|c| c.fate == Fate::Informed).count();
            if simulation.config().mode.group() != Group::Membership {
                prop_assert_eq!(informing, report.learned.len());
            }
            prop_assert!(report.newly_informed.len() <= report.learned.len());
            prop_assert!(report.informed <= simulation.live());
            informed = report.informed;
        }
    }

    #[test]
    fn totals_are_the_sum_of_the_rounds(config in any_config()) {
        let mut simulation = Simulation::new(config).unwrap();
        let mut datagrams = 0;
        for _ in 0..100 {
            let Some(report) = simulation.step() else { break };
            datagrams += report.counters.datagrams;
        }
        prop_assert_eq!(simulation.totals().datagrams, datagrams);
    }
}
