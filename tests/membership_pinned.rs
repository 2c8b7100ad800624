#![cfg(not(target_arch = "wasm32"))]
//! The same seed gives the same membership run across changes to how the protocols keep their
//! state (packed entries, lists changed in place): each configuration's whole run, round by
//! round (counters, node events, the views matrix), folded into one FNV-1a fingerprint. The
//! fingerprints were taken from the engine before heartbeat's entry was packed into 8 bytes
//! and before Cassandra stopped copying its list during an exchange; a change that alters a
//! run fails here.

use gossip_lab::engine::{Config, Mode, Simulation};

fn fingerprint(mode: Mode, settings: &[(&str, &str)]) -> u64 {
    let mut config = Config {
        mode,
        nodes: 120,
        seed: 3,
        ..Config::default()
    };
    for (key, text) in settings {
        config.set(key, text).unwrap();
    }
    let mut simulation = Simulation::new(config).unwrap();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    while let Some(report) = simulation.step() {
        let text = format!(
            "{} {:?} {:?} {:?}",
            report.round,
            report.counters,
            report.events,
            report.membership.as_ref().map(|m| &m.views)
        );
        for byte in text.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A configuration (the protocol and its settings) and its run's fingerprint.
type Pinned = (Mode, &'static [(&'static str, &'static str)], u64);

#[test]
fn membership_runs_are_pinned() {
    let runs: [Pinned; 6] = [
        (
            Mode::Heartbeat,
            &[
                ("fanout", "2"),
                ("loss", "0.1"),
                ("periods", "60"),
                ("crash_at", "10:0.05"),
                ("join_at", "20"),
            ],
            0xa01fb08239cf4ec2,
        ),
        (
            Mode::Heartbeat,
            &[
                ("delay", "exp:2"),
                ("periods", "60"),
                ("t_fail", "6"),
                ("t_cleanup", "6"),
            ],
            0x7f4723784bfe32fc,
        ),
        (
            Mode::Cassandra,
            &[
                ("periods", "60"),
                ("crash_at", "10:0.05"),
                ("join_at", "20"),
            ],
            0x2a398dfdffb5f17d,
        ),
        (
            Mode::Cassandra,
            &[
                ("loss", "0.1"),
                ("delay", "uniform:0:2"),
                ("periods", "60"),
                ("crash_at", "5:0.1"),
            ],
            0x732c77fdbc66e42b,
        ),
        (
            Mode::Cassandra,
            &[("periods", "80"), ("crash_at", "5:0.2,30:0.1")],
            0xfc011394aab7474c,
        ),
        (
            Mode::Swim,
            &[("loss", "0.05"), ("periods", "60"), ("join_at", "20")],
            0x57a00a2daacafff6,
        ),
    ];
    for (mode, settings, expected) in runs {
        assert_eq!(
            fingerprint(mode, settings),
            expected,
            "{mode} {settings:?}: the run changed"
        );
    }
}
