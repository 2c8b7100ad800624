#![cfg(not(target_arch = "wasm32"))]
//! A round played in parts (`Simulation::step_within`, the page's work budget per frame) is the
//! same round: for any budget the reports, recorded or not, equal `step`'s one for one, the run
//! ends at the same round with the same totals, and between parts the run stands mid-round
//! (`round` counts the rounds ended, the status stays running, no crash is taken).

use gossip_lab::engine::{Config, RoundReport, Simulation, Slice};

fn config(options: &[(&str, &str)]) -> Config {
    let mut config = Config::default();
    for (key, value) in options {
        config.set(key, value).expect("a valid value");
    }
    config.validate().expect("valid");
    config
}

fn simulation(config: &Config, records: bool) -> Simulation {
    if records {
        Simulation::with_contacts(config.clone())
    } else {
        Simulation::new(config.clone())
    }
    .expect("valid")
}

/// Every report of the run, one `step` each.
fn whole(config: &Config, records: bool) -> Vec<RoundReport> {
    let mut simulation = simulation(config, records);
    std::iter::from_fn(|| simulation.step()).collect()
}

/// Every report of the run, each round played in parts of `budget`; also how many parts.
fn in_parts(config: &Config, records: bool, budget: u64) -> (Vec<RoundReport>, u64) {
    let mut simulation = simulation(config, records);
    let mut reports = Vec::new();
    let mut parts = 0;
    loop {
        let before = simulation.round();
        match simulation.step_within(budget) {
            Slice::Round(report) => {
                assert_eq!(report.round, before + 1, "{config:?}");
                reports.push(*report);
            }
            Slice::Part => {
                parts += 1;
                assert!(simulation.mid_round());
                assert_eq!(
                    simulation.round(),
                    before,
                    "a round under way is not counted"
                );
                assert_eq!(simulation.status(), gossip_lab::engine::Status::Running);
                assert!(!simulation.crash(1), "no crash in the middle of a round");
            }
            Slice::Over => break,
        }
    }
    (reports, parts)
}

#[test]
fn a_round_in_parts_is_the_same_round() {
    let cases: &[&[(&str, &str)]] = &[
        &[
            ("mode", "srm"),
            ("nodes", "300"),
            ("fanout", "2"),
            ("loss", "0.05"),
            ("packets", "8"),
            ("seed", "3"),
        ],
        &[
            ("mode", "srm"),
            ("nodes", "200"),
            ("fanout", "3"),
            ("loss", "0.1"),
            ("packets", "8"),
            ("crash_at", "4:0.1"),
            ("partition", "3:half:9"),
            ("srm", "adaptive"),
            ("seed", "11"),
        ],
        &[
            ("mode", "rmtp"),
            ("nodes", "300"),
            ("loss", "0.2"),
            ("packets", "8"),
            ("seed", "5"),
        ],
        &[
            ("mode", "push-pull"),
            ("nodes", "500"),
            ("fanout", "2"),
            ("loss", "0.1"),
            ("delay", "uniform:0:2"),
            ("seed", "9"),
        ],
        &[
            ("mode", "swim"),
            ("nodes", "60"),
            ("loss", "0.05"),
            ("seed", "2"),
        ],
    ];
    for options in cases {
        let config = config(options);
        for records in [false, true] {
            let expected = whole(&config, records);
            assert!(expected.len() > 3, "{options:?}: a run of a few rounds");
            for budget in [1, 50, 4_000] {
                let (reports, parts) = in_parts(&config, records, budget);
                assert_eq!(
                    reports.len(),
                    expected.len(),
                    "{options:?}, budget {budget}"
                );
                for (report, expected) in reports.iter().zip(&expected) {
                    assert!(
                        report == expected,
                        "{options:?}, records {records}, budget {budget}: round {} differs",
                        expected.round
                    );
                }
                if budget == 1 {
                    assert!(
                        parts > 0,
                        "{options:?}: a budget of 1 cuts rounds into parts"
                    );
                }
            }
        }
    }
}

/// "Run to end" in the middle of a round finishes that round and plays on: the round's
/// scheduled crashes were taken when it began, and are not taken again.
#[test]
fn run_to_end_from_the_middle_of_a_round_is_the_same_run() {
    let config = config(&[
        ("mode", "srm"),
        ("nodes", "300"),
        ("loss", "0.1"),
        ("crash_at", "3:0.2"),
        ("seed", "5"),
    ]);
    let mut straight = simulation(&config, false);
    straight.run_to_end();
    let mut cut = simulation(&config, false);
    // Into round 3, the one with the crashes, part way.
    while cut.round() < 2 {
        cut.step();
    }
    assert!(
        matches!(cut.step_within(50), Slice::Part),
        "round 3 fits 50 units"
    );
    cut.run_to_end();
    assert_eq!(cut.live(), straight.live());
    assert_eq!(cut.round(), straight.round());
    assert_eq!(cut.totals(), straight.totals());
}
