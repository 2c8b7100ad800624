//! gossip-sim: the engine on the command line, for tables in course notes.
//! `--trials 1 --seed S` is exactly the run the page shows for seed S.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Arg, ArgAction, ArgMatches, Command};
    use gossip_lab::engine::ensemble::{self, Experiment, TRIALS};
    use gossip_lab::engine::params::{self, Domain, PARAMS};
    use gossip_lab::engine::protocols;
    use gossip_lab::engine::{Config, ConfigError, Simulation};
    use indicatif::{ProgressBar, ProgressStyle};
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    const EXAMPLE: &str = "Examples:\n  gossip-sim --nodes 10000 --fanout 1 --mode push-pull --loss 0.1 --crash 0.2 --trials 1000 --seed 7\n  gossip-sim --mode centralized --transport reliable --timeout 2 --loss 0.1 --nodes 1000\n  gossip-sim --mode tree --fanout 2 --crash 0.05 --repair-delay 2";

    /// The command: one flag per engine parameter (from `params::PARAMS`), then the CLI's own.
    fn command() -> Command {
        let mut command = Command::new("gossip-sim")
            .version(env!("CARGO_PKG_VERSION"))
            .about("Simulate multicast (centralized, tree, srm, rmtp) and gossip (push, pull, push-pull) dissemination and print statistics")
            .after_help(EXAMPLE);
        for param in PARAMS {
            let arg = Arg::new(param.key)
                .long(param.flag())
                .value_name("VALUE")
                // "-0.1" is a value (refused by the range check with its message), not a flag.
                .allow_negative_numbers(true)
                .help(format!(
                    "{} [{}; default {}]",
                    param.help,
                    param.range_text(),
                    param.default
                ));
            // Failures and delays: a crash schedule's flag may be given several times.
            let arg = if param.domain == Domain::Schedule {
                arg.action(ArgAction::Append)
            } else {
                arg
            };
            command = command.arg(arg);
        }
        command
            .arg(
                Arg::new("trials")
                    .long("trials")
                    .value_name("R")
                    .default_value("1")
                    .help(format!(
                        "independent trials; trial i uses a seed derived from (seed, i), trial 0 the seed itself [{} to {}]",
                        TRIALS.0, TRIALS.1
                    )),
            )
            .arg(
                Arg::new("format")
                    .long("format")
                    .value_parser(["json", "csv"])
                    .default_value("json")
                    .help("output format"),
            )
            .arg(
                Arg::new("per_round")
                    .long("per-round")
                    .action(ArgAction::SetTrue)
                    .help("print the per-round series of one trial (the seed's) instead of the summary"),
            )
            .arg(
                Arg::new("quiet")
                    .long("quiet")
                    .short('q')
                    .action(ArgAction::SetTrue)
                    .help("no progress bar"),
            )
            .arg(
                Arg::new("params_markdown")
                    .long("params-markdown")
                    .action(ArgAction::SetTrue)
                    .help("print the parameter table (Markdown, as in the README) and exit"),
            )
    }

    fn experiment(matches: &ArgMatches) -> Result<Experiment, ConfigError> {
        let mut config = Config::default();
        for param in PARAMS {
            if let Some(texts) = matches.get_many::<String>(param.key) {
                let texts: Vec<&str> = texts.map(String::as_str).collect();
                config.set(param.key, &texts.join(","))?;
            }
        }
        let text = matches.get_one::<String>("trials").expect("has a default");
        let trials = text.parse::<u32>().map_err(|_| {
            ConfigError(format!(
                "trials must be a whole number from {} to {} (got {text:?})",
                TRIALS.0, TRIALS.1
            ))
        })?;
        Experiment::new(config, trials)
    }

    pub fn main() -> ExitCode {
        let matches = command().get_matches();
        if matches.get_flag("params_markdown") {
            print!("{}", params::markdown_table());
            return ExitCode::SUCCESS;
        }
        let experiment = match experiment(&matches) {
            Ok(experiment) => experiment,
            Err(error) => {
                eprintln!("gossip-sim: {error}");
                let ranges: Vec<String> = PARAMS
                    .iter()
                    .map(|param| format!("--{} {}", param.flag(), param.range_text()))
                    .chain([format!("--trials {} to {}", TRIALS.0, TRIALS.1)])
                    .collect();
                eprintln!("ranges: {}", ranges.join("; "));
                return ExitCode::from(2);
            }
        };
        let csv = matches.get_one::<String>("format").map(String::as_str) == Some("csv");
        if matches.get_flag("per_round") {
            print_rounds(&experiment, csv);
        } else {
            print_summary(&experiment, csv, !matches.get_flag("quiet"));
        }
        ExitCode::SUCCESS
    }

    fn print_summary(experiment: &Experiment, csv: bool, show_progress: bool) {
        let started = Instant::now();
        let mut bar: Option<ProgressBar> = None;
        let summary = ensemble::run(experiment, |done| {
            // Only long work gets a bar, so quick runs print nothing on stderr.
            if show_progress && bar.is_none() && started.elapsed() > Duration::from_secs(1) {
                let new_bar = ProgressBar::new(u64::from(experiment.trials));
                new_bar.set_style(
                    ProgressStyle::with_template("{bar:40} {pos}/{len} trials, {eta} left")
                        .expect("valid template"),
                );
                bar = Some(new_bar);
            }
            if let Some(bar) = &bar {
                bar.set_position(u64::from(done));
            }
        });
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if let Some(warning) = &summary.warning {
            eprintln!("gossip-sim: warning: {warning}");
        }
        if !csv {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).expect("summary serialises")
            );
            return;
        }
        let rounds = summary.rounds;
        let field = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
        let config = &experiment.config;
        println!(
            "nodes,fanout,mode,loss,crash,trials,seed,completed,rounds_mean,rounds_sd,rounds_min,rounds_max,datagrams_per_node_mean"
        );
        println!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            config.nodes,
            config.fanout,
            config.mode,
            config.network.loss,
            config.network.crash,
            experiment.trials,
            config.seed,
            summary.completed,
            field(rounds.map(|r| r.mean)),
            field(rounds.map(|r| r.sd)),
            field(rounds.map(|r| r.min)),
            field(rounds.map(|r| r.max)),
            summary.datagrams_per_node.mean
        );
    }

    fn print_rounds(experiment: &Experiment, csv: bool) {
        let mut simulation = Simulation::new(experiment.config.clone()).expect("validated");
        if let Some(warning) = simulation.warning() {
            eprintln!("gossip-sim: warning: {warning}");
        }
        let kinds = protocols::kinds(&experiment.config);
        let mut rows = vec![(
            0,
            simulation.informed(),
            simulation.informed(),
            Default::default(),
        )];
        while let Some(report) = simulation.step() {
            rows.push((
                report.round,
                report.informed,
                report.newly_informed.len() as u32,
                report.counters,
            ));
        }
        if csv {
            // The columns scripts rely on; per-kind counts and arrivals at the sender are in the
            // JSON form (`kinds`, `counters.at_sender`).
            println!("round,informed,new,datagrams,payload,redundant,lost");
            for (round, informed, new, counters) in rows {
                let gossip_lab::engine::Counters {
                    datagrams,
                    payload,
                    redundant,
                    lost,
                    ..
                } = counters;
                println!("{round},{informed},{new},{datagrams},{payload},{redundant},{lost}");
            }
            return;
        }
        let series: Vec<_> = rows
            .into_iter()
            .map(|(round, informed, new, counters)| {
                let by_kind: serde_json::Map<String, serde_json::Value> = kinds
                    .iter()
                    .zip(counters.by_kind)
                    .map(|(kind, count)| (kind.name.to_string(), count.into()))
                    .collect();
                serde_json::json!({ "round": round, "informed": informed, "new": new, "counters": counters, "kinds": by_kind })
            })
            .collect();
        let output = serde_json::json!({
            "config": experiment.echo(),
            "live_nodes": simulation.live(),
            "status": format!("{:?}", simulation.status()),
            "rounds": series,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&output).expect("serialises")
        );
    }
}
