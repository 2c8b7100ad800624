#![cfg(not(target_arch = "wasm32"))]
//! The gossip drivers are tuned for speed, never for a different run: each of these runs is
//! pinned by a digest of every round (who learned, in order, and every counter) and of every
//! recorded datagram. A change that makes any of them differ changes what a published seed shows.

use gossip_lab::engine::{Config, Mode, NetworkConfig, Simulation};

/// FNV-1a over 64-bit words: stable across platforms and Rust versions.
struct Digest(u64);

impl Digest {
    fn add(&mut self, word: u64) {
        for byte in word.to_le_bytes() {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }
}

fn digest(mut simulation: Simulation) -> u64 {
    let mut digest = Digest(0xcbf2_9ce4_8422_2325);
    while let Some(report) = simulation.step() {
        digest.add(report.round.into());
        digest.add(report.informed.into());
        for node in &report.newly_informed {
            digest.add((*node).into());
        }
        let c = &report.counters;
        for count in [
            c.datagrams,
            c.payload,
            c.control,
            c.redundant,
            c.lost,
            c.to_crashed,
            c.at_sender,
        ] {
            digest.add(count);
        }
        for count in c.by_kind {
            digest.add(count);
        }
        for contact in &report.contacts {
            digest.add((u64::from(contact.from) << 32) | u64::from(contact.to));
            digest.add(u64::from(contact.kind));
            digest.add(contact.fate as u64);
        }
    }
    digest.0
}

/// (mode, fanout, loss, crash, seed, records)
fn runs() -> Vec<(Mode, u32, f64, f64, u64, bool)> {
    let mut runs = Vec::new();
    for mode in [Mode::Push, Mode::Pull, Mode::PushPull] {
        for (fanout, loss, crash) in [(1, 0.0, 0.0), (1, 0.1, 0.0), (3, 0.0, 0.2), (2, 0.3, 0.3)] {
            for seed in [1, 7, 12345] {
                runs.push((mode, fanout, loss, crash, seed, false));
            }
            runs.push((mode, fanout, loss, crash, 99, true));
        }
    }
    runs
}

fn config(mode: Mode, fanout: u32, loss: f64, crash: f64, seed: u64) -> Config {
    Config {
        nodes: 3000,
        mode,
        fanout,
        seed,
        network: NetworkConfig { loss, crash },
        ..Config::default()
    }
}

/// The digests of `runs()`, in order, as the engine played them when they were pinned.
const PINNED: [u64; 48] = [
    0x5c652a0dc851b0f8,
    0xb8f8456ee5fa1806,
    0x96f59b257f1ebd1f,
    0xbf77b6b0ddfecc48,
    0x13fa901c88b2acb5,
    0x76bdfe0a51dd5712,
    0xeda1cde96a6b6f31,
    0xc74f976bb897b708,
    0xfc2658afd87003ff,
    0x3e5bcdbc375de5d9,
    0xdd2ee6cb0d3edfb0,
    0x76260358d5392bde,
    0x3cda864bfcf94876,
    0x8dccc5b0bd5b1f4d,
    0x7a9da383debb1e52,
    0x778c09328ff8ba1a,
    0x23ba2c4aed8e977c,
    0x15e0522500e9b17d,
    0x1be267979394c0a1,
    0xec655a3f92eaea20,
    0xb815d91a645d5f63,
    0x0150e1250c4a2553,
    0xa0f0ed47a44f1da8,
    0x2899487fb9f966ba,
    0x5c72fea022123935,
    0xade589bade1b0fb8,
    0x826f7a94c2a0dacf,
    0x369257bdab221dd7,
    0x3eafb28f78598600,
    0x637f02f801a32f48,
    0xb4effd9df38afa45,
    0xc2c1491659174dc2,
    0x62bad4c96f98558f,
    0xa851ff2a23e626ec,
    0x829a3559bd8f0722,
    0x1e826fca0181f30c,
    0x7d7507e598494d27,
    0xae553476d6772d5a,
    0x3e7949d545ce8f93,
    0xd3dbf2e31924673d,
    0x1b6fdfb171b1c846,
    0x156aca063d514909,
    0xcd703e53067f2a1a,
    0xcac1f2ab12b6001d,
    0x5dddb7e718674c5c,
    0x817aa448b9a2f78f,
    0x78aa0d596c3c865d,
    0x87d74423c5530a87,
];

#[test]
fn every_pinned_gossip_run_is_played_exactly_as_before() {
    let runs = runs();
    assert_eq!(runs.len(), PINNED.len());
    for ((mode, fanout, loss, crash, seed, records), pinned) in runs.into_iter().zip(PINNED) {
        let config = config(mode, fanout, loss, crash, seed);
        let simulation = if records {
            Simulation::with_contacts(config).unwrap()
        } else {
            Simulation::new(config).unwrap()
        };
        assert_eq!(
            digest(simulation),
            pinned,
            "{mode:?} b={fanout} loss={loss} crash={crash} seed={seed} records={records}"
        );
    }
}
