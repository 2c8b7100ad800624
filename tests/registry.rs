#![cfg(not(target_arch = "wasm32"))]
//! The registry as the command line shows it: `gossip-sim protocols`, a flag refused for a
//! protocol that does not take it, the lesson in the summary, and no panic where there was one.

use gossip_lab::engine::params::PARAMS;
use gossip_lab::engine::{Config, Mode, Simulation};
use serde_json::Value;
use std::process::{Command, Output};

fn gossip_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gossip-sim"))
        .args(args)
        .output()
        .expect("gossip-sim runs")
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn protocols_lists_every_protocol_with_what_it_takes() {
    let listed = json(&gossip_sim(&["protocols", "--format", "json"]));
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), Mode::ALL.len());
    for (entry, mode) in listed.iter().zip(Mode::ALL) {
        let keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "about", "group", "kinds", "lesson", "name", "params", "theory"
            ]
        );
        assert_eq!(entry["name"], mode.name());
        assert_eq!(entry["group"], mode.group().name());
        let params: Vec<&str> = entry["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key.as_str().unwrap())
            .collect();
        // Every listed key is a parameter, and exactly the ones the protocol takes.
        for key in &params {
            assert!(
                PARAMS.iter().any(|param| param.key == *key),
                "{mode}: {key}"
            );
        }
        let taken: Vec<&str> = PARAMS
            .iter()
            .filter(|param| param.applies_to(mode))
            .map(|param| param.key)
            .collect();
        assert_eq!(params.len(), taken.len(), "{mode}");
        assert!(!entry["kinds"].as_array().unwrap().is_empty(), "{mode}");
        assert!(entry["theory"]["source"].is_string(), "{mode}");
        assert!(entry["lesson"]["figure"].is_string(), "{mode}");
    }
}

#[test]
fn a_flag_the_protocol_does_not_take_is_refused_with_one_line() {
    // Every (protocol, flag) pair the registry rules out, at the flag's default value.
    let defaults = Config::default();
    for mode in Mode::ALL {
        for param in PARAMS
            .iter()
            .copied()
            .filter(|param| !param.applies_to(mode))
        {
            let value = (param.get)(&defaults).text();
            let flag = format!("--{}", param.flag());
            let output = gossip_sim(&["--mode", mode.name(), &flag, &value, "--quiet"]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{mode} {flag}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{mode} {flag}: {stderr}");
            assert_eq!(
                stderr.trim_end(),
                format!("gossip-sim: {}", param.inapplicable(mode)),
                "{mode} {flag}"
            );
            assert!(output.stdout.is_empty());
        }
    }
    let output = gossip_sim(&["--mode", "push", "--suppression", "off"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        "gossip-sim: suppression does not apply to push: it applies to srm"
    );
}

#[test]
fn the_summary_carries_the_lesson_the_engine_measured() {
    for args in [
        // SRM's figure holds on a star (the sender above b = 16 leaves).
        &[
            "--mode", "srm", "--nodes", "17", "--fanout", "16", "--loss", "0.05", "--c2", "8",
            "--seed", "3",
        ][..],
        &[
            "--mode",
            "rmtp",
            "--nodes",
            "200",
            "--designated",
            "off",
            "--seed",
            "3",
        ],
        &["--mode", "push-pull", "--nodes", "500", "--seed", "3"],
        &["--mode", "swim", "--nodes", "50", "--seed", "3"],
        &[
            "--mode",
            "push",
            "--nodes",
            "500",
            "--stop",
            "feedback-coin",
            "--stop-k",
            "2",
        ],
    ] {
        let summary = json(&gossip_sim(&[args, &["--quiet"]].concat()));
        let lesson = &summary["lesson"];
        // The page's run for the same seed: the same figure, expectation and measure.
        let mut config = Config::default();
        for pair in args.chunks(2) {
            config
                .set(&pair[0][2..].replace('-', "_"), pair[1])
                .unwrap();
        }
        let mut simulation = Simulation::new(config).unwrap();
        simulation.run_to_end();
        let expected = simulation
            .lesson()
            .expect("every protocol here has a lesson");
        assert_eq!(lesson["figure"], expected.figure, "{args:?}");
        let close = |json: &Value, value: f64| (json.as_f64().unwrap() - value).abs() < 1e-6;
        assert!(
            close(&lesson["expected"], expected.expected.unwrap()),
            "{args:?}: {lesson}"
        );
        assert!(
            close(&lesson["measured"], expected.measured.unwrap()),
            "{args:?}: {lesson} against {expected:?}"
        );
    }
}

#[test]
fn what_panicked_or_exhausted_memory_now_runs_or_is_refused() {
    // Membership with delays (a list read from a snapshot older than the snapshots kept).
    for args in [
        &[
            "--mode",
            "heartbeat",
            "--nodes",
            "100",
            "--delay",
            "exp:10",
            "--periods",
            "100",
        ][..],
        &[
            "--mode",
            "cassandra",
            "--nodes",
            "100",
            "--delay",
            "exp:5",
            "--periods",
            "100",
        ],
    ] {
        let summary = json(&gossip_sim(&[args, &["--quiet"]].concat()));
        assert!(summary["lesson"].is_object(), "{args:?}");
    }
    // Pull with 16 peers and a 10-round delay at 2^20 nodes: 5 GB of datagrams in flight.
    let output = gossip_sim(&[
        "--mode", "pull", "--nodes", "1048576", "--fanout", "16", "--delay", "fixed:10", "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("memory"), "{stderr}");
}

#[test]
fn every_parameter_is_described_once_with_one_url_key() {
    // The shared table and each protocol's own parameters make one list: no key or URL key
    // twice, and a protocol's own parameters are among those it takes.
    let keys: std::collections::BTreeSet<&str> = PARAMS.iter().map(|param| param.key).collect();
    assert_eq!(keys.len(), PARAMS.len());
    let urls: Vec<String> = PARAMS
        .iter()
        .filter_map(|param| param.url)
        .map(|url| url.replace('_', "-"))
        .collect();
    let unique: std::collections::BTreeSet<&String> = urls.iter().collect();
    assert_eq!(unique.len(), urls.len());
    for mode in Mode::ALL {
        for param in mode.spec().own_params() {
            assert!(mode.takes(param.key), "{mode}: {}", param.key);
            assert!(PARAMS.iter().any(|known| known.key == param.key));
        }
        for key in mode.spec().params() {
            assert!(
                PARAMS.iter().any(|param| param.key == *key),
                "{mode} takes {key}, which no parameter describes"
            );
        }
    }
}

#[test]
fn a_planned_drop_that_is_malformed_or_out_of_range_is_refused_in_one_line() {
    for (args, message) in [
        (
            &["--mode", "srm", "--drop", "3"][..],
            "an entry is PACKET@NODE",
        ),
        (
            &["--mode", "srm", "--drop", "0@1"],
            "packets are numbered from 1",
        ),
        (&["--mode", "srm", "--drop", "3@0"], "node 0 is the sender"),
        (
            &["--mode", "srm", "--nodes", "7", "--drop", "3@7"],
            "drop 3@7: the node must be from 1 to 6 (N - 1)",
        ),
        (
            &["--mode", "rmtp", "--packets", "4", "--drop", "5@1"],
            "drop 5@1: the packet must be from 1 to 4 (packets)",
        ),
        (
            &["--mode", "tree", "--drop", "1@1"],
            "drop does not apply to tree: it applies to srm, rmtp",
        ),
    ] {
        let output = gossip_sim(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // At most 64 entries; the flag repeats.
    let many: Vec<String> = (1..=65).map(|node| format!("1@{node}")).collect();
    let output = gossip_sim(&["--mode", "srm", "--drop", &many.join(",")]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("at most 64 entries (got 65)"));
    let twice = json(&gossip_sim(&[
        "--mode", "srm", "--nodes", "7", "--fanout", "2", "--drop", "3@1", "--drop", "4@2",
        "--quiet",
    ]));
    assert_eq!(twice["config"]["drop"], "3@1,4@2");
}

#[test]
fn every_protocol_the_page_caps_below_the_engine_says_why() {
    // The page's notice and the nodes control's hint read the reason from the descriptor.
    for mode in Mode::ALL {
        let spec = mode.spec();
        let capped = spec.page_nodes() < gossip_lab::engine::config::limits::NODES.1;
        assert_eq!(
            spec.page_nodes_reason().is_some(),
            capped,
            "{}: page cap {} and reason {:?}",
            mode.name(),
            spec.page_nodes(),
            spec.page_nodes_reason()
        );
    }
}
