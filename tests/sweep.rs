#![cfg(not(target_arch = "wasm32"))]
//! The scaling sweep and the threads: `gossip-sim sweep` prints one row per (mode, N) with
//! the protocol's closed form, the same rows and summaries whatever the thread count, and a
//! specific message (exit 2) for a bad range; the engine's chunks give the same records.

use gossip_lab::engine::ensemble::TrialRecord;
use gossip_lab::engine::sweep::{self, Point, Row, Sweep};
use gossip_lab::engine::{Config, Mode};
use std::process::{Command, Output};

fn gossip_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gossip-sim"))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("gossip-sim runs")
}

fn stdout(args: &[&str]) -> String {
    let output = gossip_sim(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

const SWEEP: [&str; 9] = [
    "sweep",
    "--modes",
    "push,pull",
    "--nodes-from",
    "16",
    "--nodes-to",
    "256",
    "--trials",
    "20",
];

#[test]
fn the_csv_has_its_configuration_a_header_and_a_row_per_mode_and_n() {
    let csv = stdout(
        &[
            &SWEEP[..],
            &["--format", "csv", "--seed", "5", "--loss", "0.1"],
        ]
        .concat(),
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "# config gossip-sim sweep --modes push,pull --nodes-from 16 --nodes-to 256 --trials 20"
    );
    assert!(lines[1].starts_with("# config {") && lines[1].contains("\"loss\":0.1"));
    assert!(lines[1].contains("\"seed\":5"), "{}", lines[1]);
    assert_eq!(lines[2], Row::CSV_HEADER);
    let rows: Vec<Vec<&str>> = lines[3..]
        .iter()
        .map(|line| line.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2 * 5, "push and pull at 16, 32, 64, 128, 256");
    let points: Vec<(&str, &str)> = rows.iter().map(|row| (row[0], row[1])).collect();
    assert_eq!(points[..2], [("push", "16"), ("push", "32")]);
    assert_eq!(points[9], ("pull", "256"));
    for row in &rows {
        assert_eq!(row.len(), 11);
        assert_eq!((row[2], row[3]), ("20", "20"), "every trial completes");
        let [mean, min, max]: [f64; 3] = [row[4], row[7], row[8]].map(|x| x.parse().unwrap());
        assert!(min <= mean && mean <= max);
    }
}

/// The theory column is the registry's closed form: the lecture's curves for b = 1 without loss.
#[test]
fn the_theory_column_is_each_protocols_closed_form() {
    let csv = stdout(&[
        "sweep",
        "--modes",
        "centralized,tree,push,pull,push-pull",
        "--nodes-from",
        "64",
        "--nodes-to",
        "1024",
        "--trials",
        "2",
        "--fanout",
        "1",
        "--format",
        "csv",
    ]);
    let mut checked = 0;
    for line in csv.lines().filter(|line| !line.starts_with('#')).skip(1) {
        let row: Vec<&str> = line.split(',').collect();
        let n: f64 = row[1].parse().unwrap();
        let theory: f64 = row[10].parse().unwrap();
        let expected = match row[0] {
            "centralized" => n - 1.0,
            "tree" => n - 1.0, // b = 1: a chain
            "push" => n.log2() + n.ln(),
            "pull" => n.log2() + n.ln().log2(),
            "push-pull" => n.ln() / 3f64.ln() + n.ln().log2(),
            mode => panic!("{mode}"),
        };
        assert!(
            (theory - expected).abs() < 1e-6,
            "{line}: expected {expected}"
        );
        checked += 1;
    }
    assert_eq!(checked, 5 * 5);
    let tree = stdout(&[
        "sweep",
        "--modes",
        "tree",
        "--fanout",
        "2",
        "--nodes-from",
        "16",
        "--nodes-to",
        "16",
        "--format",
        "csv",
    ]);
    assert!(
        tree.ends_with("\n") && tree.lines().last().unwrap().ends_with(",4"),
        "{tree}"
    );
}

#[test]
fn rows_and_summaries_are_identical_whatever_the_thread_count() {
    for format in ["csv", "json"] {
        let base = [
            &SWEEP[..],
            &["--format", format, "--loss", "0.2", "--crash", "0.1"],
        ]
        .concat();
        let one = stdout(&[&base[..], &["--threads", "1"]].concat());
        assert_eq!(
            one,
            stdout(&[&base[..], &["--threads", "4"]].concat()),
            "{format}"
        );
        assert_eq!(
            one,
            stdout(&[&base[..], &["--threads", "3"]].concat()),
            "{format}"
        );
    }
    let summary = [
        "--mode", "pull", "--nodes", "500", "--trials", "60", "--loss", "0.1",
    ];
    let one = stdout(&[&summary[..], &["--threads", "1"]].concat());
    assert!(one.contains("\"completed\": 60"));
    assert_eq!(one, stdout(&[&summary[..], &["--threads", "4"]].concat()));
    assert_eq!(one, stdout(&summary));
}

#[test]
fn bad_ranges_get_a_specific_message_and_exit_2() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--nodes-from", "100"],
            "nodes-from must be a power of two from 2 to 1048576 (got 100)",
        ),
        (
            &["--nodes-to", "2097152"],
            "nodes-to must be a power of two from 2 to 1048576 (got 2097152)",
        ),
        (
            &["--nodes-from", "64", "--nodes-to", "16"],
            "nodes-from (64) must not be above nodes-to (16)",
        ),
        (
            &["--nodes-from", "x"],
            "nodes-from must be a power of two from 2 to 1048576 (got \"x\")",
        ),
        (
            &["--modes", "push,gossipy"],
            "modes: \"gossipy\" is not a protocol",
        ),
        (
            &["--threads", "0"],
            "threads must be a whole number from 1 to 1024 (got \"0\")",
        ),
        (
            &["--modes", "rmtp", "--nodes-from", "4", "--nodes-to", "8"],
            "rmtp at N = 4: regions",
        ),
    ];
    for (args, message) in cases {
        let output = gossip_sim(&[&["sweep"][..], args].concat());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
    let output = gossip_sim(&["--threads", "two"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("threads must be a whole number"));
}

/// The page's workers: a point's trials in chunks of any size are the same records, so the row
/// is the same whatever the number of workers.
#[test]
fn a_points_chunks_give_the_same_row() {
    let base = Config {
        seed: 9,
        ..Config::default()
    };
    let sweep = Sweep::new(base, vec![Mode::PushPull, Mode::Tree], 32, 128, 17).unwrap();
    assert_eq!(sweep.points().len(), 6);
    assert_eq!(
        sweep.points()[3],
        Point {
            mode: Mode::Tree,
            nodes: 32
        }
    );
    // The CLI's rows: the same trials (plain gossip counted) as the workers' chunks below.
    let cli = stdout(&[
        "sweep",
        "--modes",
        "push-pull,tree",
        "--nodes-from",
        "32",
        "--nodes-to",
        "128",
        "--trials",
        "17",
        "--seed",
        "9",
        "--format",
        "csv",
    ]);
    let cli_rows: Vec<&str> = cli.lines().skip(3).collect();
    assert_eq!(cli_rows.len(), 6);
    for (point, cli_row) in sweep.points().into_iter().zip(cli_rows) {
        let experiment = sweep.experiment(point).unwrap();
        let whole = Row::of_records(&sweep, point, &sweep::run_trials(&experiment.config, 0, 17));
        assert_eq!(whole.csv(), cli_row, "{point:?}: the CLI's row");
        for size in [1, 5, 17, 40] {
            let ranges: Vec<(u32, u32)> = sweep::chunks(17, size).collect();
            assert_eq!(ranges.iter().map(|r| r.1).sum::<u32>(), 17);
            let records: Vec<TrialRecord> = ranges
                .into_iter()
                .flat_map(|(first, count)| sweep::run_trials(&experiment.config, first, count))
                .collect();
            assert_eq!(
                Row::of_records(&sweep, point, &records),
                whole,
                "{point:?}, chunks of {size}"
            );
        }
    }
}
