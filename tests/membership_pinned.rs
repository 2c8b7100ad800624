//! The same seed gives the same membership run across changes to how the protocols keep their
//! state (packed entries, lists changed in place): each configuration's whole run, round by
//! round (counters, node events, the views matrix), folded into one FNV-1a fingerprint. The
//! fingerprints were taken from the engine before heartbeat's entry was packed into 8 bytes
//! and before Cassandra stopped copying its list during an exchange, and taken again when
//! heartbeat and SWIM began reconnecting to members they hold failed (so a healed partition
//! rejoins) and the counters gained `partitioned`; a change that alters a run fails here.
//! The component tests (`web.rs`) run it in the browser too: the page's wasm takes its own
//! paths through Cassandra's exchange (SIMD) and must play the same runs.

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

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
pub fn membership_runs_are_pinned() {
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
            0x966463ee2d03ebd0,
        ),
        (
            Mode::Heartbeat,
            &[
                ("delay", "exp:2"),
                ("periods", "60"),
                ("t_fail", "6"),
                ("t_cleanup", "6"),
            ],
            0x041b0332a56924ea,
        ),
        (
            Mode::Cassandra,
            &[
                ("periods", "60"),
                ("crash_at", "10:0.05"),
                ("join_at", "20"),
            ],
            0xab6126c141690775,
        ),
        (
            Mode::Cassandra,
            &[
                ("loss", "0.1"),
                ("delay", "uniform:0:2"),
                ("periods", "60"),
                ("crash_at", "5:0.1"),
            ],
            0x837bb47ac10194ad,
        ),
        (
            Mode::Cassandra,
            &[("periods", "80"), ("crash_at", "5:0.2,30:0.1")],
            0x2ccc84e3a9820576,
        ),
        (
            Mode::Swim,
            &[("loss", "0.05"), ("periods", "60"), ("join_at", "20")],
            0x7e143e007ba903fd,
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
