//! Trial records: an experiment split into chunks of trials, run anywhere, summarises to the
//! same figures as `ensemble::run`, and records survive the Web Worker's flat encoding.

use gossip_lab::engine::Config;
use gossip_lab::engine::ensemble::{self, Experiment, TrialRecord};

/// Configurations that fill every block of a record: kinds and multicasts (SRM), arrivals and a
/// stop rule's residue, racks, many messages with incomplete ones, loss = 1's warning.
fn experiments() -> Vec<Experiment> {
    let settings: [&[(&str, &str)]; 6] = [
        &[("mode", "pull"), ("loss", "0.1"), ("crash", "0.2")],
        &[("mode", "srm"), ("nodes", "60"), ("loss", "0.05")],
        &[("mode", "push"), ("stop", "feedback-coin"), ("stop_k", "2")],
        &[("mode", "push"), ("async", "0.2"), ("racks", "4")],
        &[("messages", "8"), ("max_rounds", "6"), ("loss", "0.2")],
        &[("loss", "1"), ("nodes", "50")],
    ];
    settings
        .iter()
        .map(|pairs| {
            let mut config = Config {
                nodes: 300,
                seed: 11,
                ..Config::default()
            };
            for (key, value) in *pairs {
                config.set(key, value).unwrap();
            }
            Experiment::new(config, 13).unwrap()
        })
        .collect()
}

fn json(summary: &ensemble::Summary) -> String {
    serde_json::to_string(summary).unwrap()
}

#[test]
fn chunks_of_any_size_summarise_like_one_run() {
    for experiment in experiments() {
        let whole = json(&ensemble::run(&experiment, |_| {}));
        for chunk in [1, 4, 13] {
            let records: Vec<TrialRecord> = (0..experiment.trials)
                .step_by(chunk as usize)
                .flat_map(|first| {
                    let count = chunk.min(experiment.trials - first);
                    ensemble::run_trials(&experiment.config, first, count)
                })
                .collect();
            let split = json(&ensemble::summarize(&experiment, &records));
            assert_eq!(split, whole, "chunks of {chunk}: {:?}", experiment.echo());
        }
    }
}

#[test]
fn records_survive_the_flat_encoding() {
    for experiment in experiments() {
        let records = ensemble::run_trials(&experiment.config, 5, 4);
        assert_eq!(
            records.iter().map(|r| r.trial).collect::<Vec<_>>(),
            [5, 6, 7, 8]
        );
        let mut numbers = Vec::new();
        for record in &records {
            record.encode(&mut numbers);
        }
        assert_eq!(TrialRecord::decode(&numbers), Some(records));
    }
}

#[test]
fn a_truncated_buffer_is_refused_not_a_panic() {
    let experiment = &experiments()[4];
    let mut numbers = Vec::new();
    ensemble::run_trial(&experiment.config, 0).encode(&mut numbers);
    for length in 1..numbers.len() {
        assert_eq!(TrialRecord::decode(&numbers[..length]), None, "{length}");
    }
    assert_eq!(TrialRecord::decode(&[]), Some(Vec::new()));
}
