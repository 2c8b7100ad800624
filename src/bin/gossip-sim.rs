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
    use clap::{Parser, ValueEnum};
    use gossip_lab::engine::config::limits;
    use gossip_lab::engine::ensemble::{self, Experiment, TRIALS};
    use gossip_lab::engine::{Config, Mode, Simulation};
    use indicatif::{ProgressBar, ProgressStyle};
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    /// Simulate gossip dissemination (push, pull, push-pull) and print statistics.
    #[derive(Parser, Debug)]
    #[command(name = "gossip-sim", version, about, after_help = EXAMPLE)]
    struct Args {
        /// Number of nodes N (2 to 1000000)
        #[arg(long, default_value_t = 1000)]
        nodes: u32,
        /// Peers each caller contacts per round, with replacement (1 to 16)
        #[arg(long, default_value_t = 1)]
        fanout: u32,
        /// Gossip protocol
        #[arg(long, default_value = "push", value_parser = parse_mode)]
        mode: Mode,
        /// Probability that a datagram is lost (0 to 1)
        #[arg(long, default_value_t = 0.0)]
        loss: f64,
        /// Fraction of non-sender nodes crashed from the start (0 to 0.99)
        #[arg(long, default_value_t = 0.0)]
        crash: f64,
        /// Nodes 0..senders start informed (1 to N)
        #[arg(long, default_value_t = 1)]
        senders: u32,
        /// Independent trials; trial i uses a seed derived from (seed, i), trial 0 the seed itself
        #[arg(long, default_value_t = 1)]
        trials: u32,
        /// Seed (any u64); the page shows the same run for the same seed
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Stop a trial without completing after this many rounds (default: a bound from theory)
        #[arg(long)]
        max_rounds: Option<u32>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Print the per-round series of one trial (the seed's) instead of the summary
        #[arg(long)]
        per_round: bool,
        /// No progress bar
        #[arg(long, short)]
        quiet: bool,
    }

    const EXAMPLE: &str = "Example:\n  gossip-sim --nodes 10000 --fanout 1 --mode push-pull --loss 0.1 --crash 0.2 --trials 1000 --seed 7 --format json";

    #[derive(Clone, Copy, Debug, ValueEnum)]
    enum Format {
        Json,
        Csv,
    }

    fn parse_mode(text: &str) -> Result<Mode, String> {
        text.parse()
            .map_err(|error: gossip_lab::engine::ConfigError| error.0)
    }

    pub fn main() -> ExitCode {
        let args = Args::parse();
        let config = Config {
            nodes: args.nodes,
            fanout: args.fanout,
            mode: args.mode,
            loss: args.loss,
            crash: args.crash,
            senders: args.senders,
            seed: args.seed,
            max_rounds: args.max_rounds,
        };
        let experiment = match Experiment::new(config, args.trials) {
            Ok(experiment) => experiment,
            Err(error) => {
                eprintln!("gossip-sim: {error}");
                eprintln!(
                    "ranges: --nodes {}..={}, --fanout {}..={}, --loss {}..={}, --crash {}..={}, --trials {}..={}, --max-rounds {}..={}",
                    limits::NODES.0,
                    limits::NODES.1,
                    limits::FANOUT.0,
                    limits::FANOUT.1,
                    limits::LOSS.0,
                    limits::LOSS.1,
                    limits::CRASH.0,
                    limits::CRASH.1,
                    TRIALS.0,
                    TRIALS.1,
                    limits::MAX_ROUNDS.0,
                    limits::MAX_ROUNDS.1
                );
                return ExitCode::from(2);
            }
        };
        if args.per_round {
            print_rounds(&experiment, args.format);
        } else {
            print_summary(&experiment, args.format, !args.quiet);
        }
        ExitCode::SUCCESS
    }

    fn print_summary(experiment: &Experiment, format: Format, show_progress: bool) {
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
        if let Some(warning) = summary.warning {
            eprintln!("gossip-sim: warning: {warning}");
        }
        match format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&summary).expect("summary serialises")
            ),
            Format::Csv => {
                let rounds = summary.rounds;
                let field =
                    |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
                let config = &experiment.config;
                println!(
                    "nodes,fanout,mode,loss,crash,trials,seed,completed,rounds_mean,rounds_sd,rounds_min,rounds_max,datagrams_per_node_mean"
                );
                println!(
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    config.nodes,
                    config.fanout,
                    config.mode,
                    config.loss,
                    config.crash,
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
        }
    }

    fn print_rounds(experiment: &Experiment, format: Format) {
        let mut simulation = Simulation::new(experiment.config.clone()).expect("validated");
        if let Some(warning) = simulation.warning() {
            eprintln!("gossip-sim: warning: {warning}");
        }
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
        match format {
            Format::Csv => {
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
            }
            Format::Json => {
                let series: Vec<_> = rows
                    .into_iter()
                    .map(|(round, informed, new, counters)| {
                        serde_json::json!({ "round": round, "informed": informed, "new": new, "counters": counters })
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
    }
}
