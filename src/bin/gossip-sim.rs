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
    use gossip_lab::engine::ensemble::{self, Experiment, TRIALS, TrialRecord};
    use gossip_lab::engine::params::{self, Domain, PARAMS, Param};
    use gossip_lab::engine::protocols;
    use gossip_lab::engine::sweep::{self, Row, Sweep};
    use gossip_lab::engine::trace;
    use gossip_lab::engine::{Config, ConfigError, Mode, Simulation};
    use indicatif::{ProgressBar, ProgressStyle};
    use rayon::prelude::*;
    use std::process::ExitCode;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    const EXAMPLE: &str = "Examples:\n  gossip-sim --nodes 10000 --fanout 1 --mode push-pull --loss 0.1 --crash 0.2 --trials 1000 --seed 7\n  gossip-sim --mode centralized --transport reliable --timeout 2 --loss 0.1 --nodes 1000\n  gossip-sim --mode tree --fanout 2 --crash 0.05 --repair-delay 2";

    /// The command: one flag per engine parameter (from `params::PARAMS`), then the CLI's own;
    /// the `sweep` subcommand takes the same but `mode` and `nodes`.
    fn command() -> Command {
        let command = Command::new("gossip-sim")
            .version(env!("CARGO_PKG_VERSION"))
            .about("Simulate multicast, gossip and membership protocols and print statistics (`gossip-sim protocols` lists them)")
            .after_help(EXAMPLE)
            .args_conflicts_with_subcommands(true)
            .subcommand(sweep_command())
            .subcommand(trace_command())
            .subcommand(protocols_command());
        shared_args(param_args(command, &[]))
            .arg(
                Arg::new("per_round")
                    .long("per-round")
                    .action(ArgAction::SetTrue)
                    .help("print the per-round series of one trial (the seed's) instead of the summary"),
            )
            .arg(
                Arg::new("params_markdown")
                    .long("params-markdown")
                    .action(ArgAction::SetTrue)
                    .help("print the parameter table (Markdown, as in the README) and exit"),
            )
    }

    /// One flag per engine parameter but `except`.
    fn param_args(mut command: Command, except: &[&str]) -> Command {
        for param in PARAMS
            .iter()
            .copied()
            .filter(|param| !except.contains(&param.key))
        {
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
            // A crash schedule's, a drop list's and the partitions' flags may be given several times.
            let arg = if matches!(
                param.domain,
                Domain::Schedule | Domain::Drops | Domain::Partitions
            ) {
                arg.action(ArgAction::Append)
            } else {
                arg
            };
            command = command.arg(arg);
        }
        command
    }

    /// The flags of both the summary and the sweep: trials, format, threads, quiet.
    fn shared_args(command: Command) -> Command {
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
                Arg::new("threads")
                    .long("threads")
                    .value_name("N")
                    .help(format!(
                        "threads running trials (default: every core, here {}; 1: one after another); the numbers are the same for any N [1 to {MAX_THREADS}]",
                        std::thread::available_parallelism().map_or(1, usize::from)
                    )),
            )
            .arg(
                Arg::new("quiet")
                    .long("quiet")
                    .short('q')
                    .action(ArgAction::SetTrue)
                    .help("no progress bar"),
            )
    }

    // sweep: the scaling table.
    const SWEEP_EXAMPLE: &str = "Example:\n  gossip-sim sweep --modes push,pull --nodes-from 16 --nodes-to 1048576 --trials 200 --format csv";

    fn sweep_command() -> Command {
        let command = Command::new("sweep")
            .about("Mean rounds to completion against N (powers of two) for several protocols: one row per (mode, N), with the 95 % interval and each protocol's closed form")
            .after_help(SWEEP_EXAMPLE)
            .arg(
                Arg::new("modes")
                    .long("modes")
                    .value_name("MODES")
                    .default_value("push,pull,push-pull")
                    .help(format!(
                        "protocols, comma separated ({})",
                        Mode::ALL.map(Mode::name).join(", ")
                    )),
            )
            .arg(
                Arg::new("nodes_from")
                    .long("nodes-from")
                    .value_name("N")
                    .default_value("16")
                    .help("smallest N, a power of two [2 to 1048576]"),
            )
            .arg(
                Arg::new("nodes_to")
                    .long("nodes-to")
                    .value_name("N")
                    .default_value("1048576")
                    .help("largest N, a power of two [2 to 1048576]; the points are every power of two between"),
            );
        shared_args(param_args(command, &["mode", "nodes"]))
    }

    const MAX_THREADS: usize = 1024;

    /// The engine parameters given on the command line (a sweep has no `mode` or `nodes`).
    fn config(matches: &ArgMatches) -> Result<Config, ConfigError> {
        Ok(given_config(matches)?.0)
    }

    /// The configuration, and the parameters given on the command line.
    fn given_config(matches: &ArgMatches) -> Result<(Config, Vec<&'static Param>), ConfigError> {
        let mut config = Config::default();
        let mut given = Vec::new();
        for param in PARAMS.iter().copied() {
            if let Ok(Some(texts)) = matches.try_get_many::<String>(param.key) {
                let texts: Vec<&str> = texts.map(String::as_str).collect();
                config.set(param.key, &texts.join(","))?;
                given.push(param);
            }
        }
        Ok((config, given))
    }

    /// The run's configuration: a flag the protocol does not take is refused, even at its
    /// default value.
    fn run_config(matches: &ArgMatches) -> Result<Config, ConfigError> {
        let (config, given) = given_config(matches)?;
        if let Some(param) = given.iter().find(|param| !param.applies_to(config.mode)) {
            return Err(ConfigError(param.inapplicable(config.mode)));
        }
        Ok(config)
    }

    fn trials(matches: &ArgMatches) -> Result<u32, ConfigError> {
        let text = matches.get_one::<String>("trials").expect("has a default");
        text.parse::<u32>().map_err(|_| {
            ConfigError(format!(
                "trials must be a whole number from {} to {} (got {text:?})",
                TRIALS.0, TRIALS.1
            ))
        })
    }

    fn experiment(matches: &ArgMatches) -> Result<Experiment, ConfigError> {
        Experiment::new(run_config(matches)?, trials(matches)?)
    }

    /// The trial runner `--threads` asks for: rayon's pool, or none for one after another.
    fn runner(matches: &ArgMatches) -> Result<Runner, ConfigError> {
        let threads = match matches.get_one::<String>("threads") {
            None => None,
            Some(text) => Some(
                text.parse::<usize>()
                    .ok()
                    .filter(|threads| (1..=MAX_THREADS).contains(threads))
                    .ok_or_else(|| {
                        ConfigError(format!(
                            "threads must be a whole number from 1 to {MAX_THREADS} (got {text:?})"
                        ))
                    })?,
            ),
        };
        let pool = match threads {
            Some(1) => None,
            threads => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads.unwrap_or(0))
                    .build()
                    .map_err(|error| ConfigError(format!("cannot start threads: {error}")))?,
            ),
        };
        Ok(Runner {
            pool,
            done: AtomicU64::new(0),
        })
    }

    /// Runs trials on its threads and counts them (the progress bar reads the count).
    struct Runner {
        pool: Option<rayon::ThreadPool>,
        done: AtomicU64,
    }

    impl Runner {
        /// Trial `trial` of `configs[point]` for each job, played by `play` (an experiment's or
        /// a sweep's trial), the records in the jobs' order whatever the threads: the summaries
        /// are those of one thread, to the last bit.
        fn records(
            &self,
            configs: &[Config],
            jobs: &[(usize, u32)],
            play: fn(&Config, u32) -> TrialRecord,
        ) -> Vec<TrialRecord> {
            let run = |&(point, trial): &(usize, u32)| {
                let record = play(&configs[point], trial);
                self.done.fetch_add(1, Ordering::Relaxed);
                record
            };
            match &self.pool {
                None => jobs.iter().map(run).collect(),
                Some(pool) => pool.install(|| jobs.par_iter().map(run).collect()),
            }
        }

        /// Runs `work` while a progress bar (only for work over a second, and unless `quiet`)
        /// shows `self.done` of `total` trials.
        fn with_progress<T: Send>(
            &self,
            total: u64,
            show: bool,
            work: impl FnOnce() -> T + Send,
        ) -> T {
            std::thread::scope(|scope| {
                // The worker wakes this thread as it finishes: a plain sleep would hold every
                // run up to the next 50 ms, which a benchmark of the process would count.
                let this = std::thread::current();
                let worker = scope.spawn(move || {
                    let result = work();
                    this.unpark();
                    result
                });
                let started = Instant::now();
                let mut bar: Option<ProgressBar> = None;
                while !worker.is_finished() {
                    std::thread::park_timeout(Duration::from_millis(50));
                    if show && bar.is_none() && started.elapsed() > Duration::from_secs(1) {
                        let new_bar = ProgressBar::new(total);
                        new_bar.set_style(
                            ProgressStyle::with_template("{bar:40} {pos}/{len} trials, {eta} left")
                                .expect("valid template"),
                        );
                        bar = Some(new_bar);
                    }
                    if let Some(bar) = &bar {
                        bar.set_position(self.done.load(Ordering::Relaxed));
                    }
                }
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                worker.join().unwrap_or_else(|_| std::process::exit(101))
            })
        }
    }

    /// A refused argument: one line naming it and what it takes, exit status 2 (`--help`
    /// lists every range).
    fn usage_error(error: ConfigError) -> ExitCode {
        eprintln!("gossip-sim: {error}");
        ExitCode::from(2)
    }

    const TRACE_EXAMPLE: &str = "Example:\n  gossip-sim trace --mode srm --nodes 16 --loss 0.1 --seed 3 > run.jsonl\n\nOne JSON object a line: send, receive, lost, timer_set, timer_fired (cancelled: true when given up), learn,\ncrash, recover, partition (docs/trace.md). The page loads the file and animates it.";

    /// `gossip-sim trace`: every event of one run (the seed's), as JSON Lines.
    fn trace_command() -> Command {
        param_args(
            Command::new("trace")
                .about(format!(
                    "Write every event of one run (the seed's) as JSON Lines on stdout: each datagram sent, received or lost, each named timer, each node's first copy of a message, crashes and recoveries (at most {} nodes and {} events)",
                    trace::MAX_TRACED_NODES,
                    trace::MAX_EVENTS
                ))
                .after_help(TRACE_EXAMPLE),
            &[],
        )
    }

    fn trace(matches: &ArgMatches) -> ExitCode {
        let config = match run_config(matches) {
            Ok(config) => config,
            Err(error) => return usage_error(error),
        };
        match trace::record(&config, None, &[]) {
            Ok(events) => {
                use std::io::Write;
                let text = trace::write(&events);
                let mut out = std::io::stdout().lock();
                // A closed pipe (`| head`) is not an error worth a message.
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                ExitCode::SUCCESS
            }
            Err(message) => usage_error(ConfigError(message)),
        }
    }

    /// `gossip-sim protocols`: the registry, one object per protocol.
    fn protocols_command() -> Command {
        Command::new("protocols")
            .about("List the protocols: group, what each does, the parameters it takes, its datagram kinds, its theory and its lesson")
            .arg(
                Arg::new("format")
                    .long("format")
                    .value_parser(["json", "text"])
                    .default_value("text")
                    .help("output format"),
            )
    }

    fn list_protocols(matches: &ArgMatches) -> ExitCode {
        let defaults = Config::default();
        let entries: Vec<serde_json::Value> = Mode::ALL
            .into_iter()
            .map(|mode| {
                let spec = mode.spec();
                let config = Config { mode, ..defaults.clone() };
                serde_json::json!({
                    "name": spec.name(),
                    "group": spec.group().name(),
                    "about": spec.about(),
                    "params": spec.params(),
                    "kinds": spec.kinds(&config).iter().map(|kind| kind.name).collect::<Vec<_>>(),
                    "theory": spec.theory().map(|theory| serde_json::json!({
                        "source": theory.source,
                        "assumptions": theory.assumptions,
                    })),
                    "lesson": spec.lesson_figure().map(|figure| serde_json::json!({ "figure": figure })),
                })
            })
            .collect();
        if matches.get_one::<String>("format").map(String::as_str) == Some("json") {
            println!(
                "{}",
                serde_json::to_string_pretty(&entries).expect("serialises")
            );
        } else {
            for mode in Mode::ALL {
                let spec = mode.spec();
                println!(
                    "{:<12} {:<11} {}",
                    spec.name(),
                    spec.group().name(),
                    spec.about()
                );
                println!("{:<24} takes: {}", "", spec.params().join(", "));
            }
        }
        ExitCode::SUCCESS
    }

    pub fn main() -> ExitCode {
        // A bug must not greet a user with a backtrace: one line, with where it happened.
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let place = info
                .location()
                .map(|location| format!(" at {}:{}", location.file(), location.line()))
                .unwrap_or_default();
            eprintln!(
                "gossip-sim: internal error{place}: {message} (please report the command line)"
            );
        }));
        let matches = command().get_matches();
        match matches.subcommand() {
            Some(("sweep", matches)) => return sweep(matches),
            Some(("protocols", matches)) => return list_protocols(matches),
            Some(("trace", matches)) => return trace(matches),
            _ => {}
        }
        if matches.get_flag("params_markdown") {
            print!("{}", params::markdown_table());
            return ExitCode::SUCCESS;
        }
        let (experiment, runner) = match experiment(&matches)
            .and_then(|experiment| runner(&matches).map(|runner| (experiment, runner)))
        {
            Ok(both) => both,
            Err(error) => return usage_error(error),
        };
        let csv = matches.get_one::<String>("format").map(String::as_str) == Some("csv");
        if matches.get_flag("per_round") {
            print_rounds(&experiment, csv)
        } else {
            print_summary(&experiment, &runner, csv, !matches.get_flag("quiet"))
        }
    }

    /// A run the protocol stopped (its memory outgrew the estimate): one line, no figures.
    fn halted(message: &str) -> ExitCode {
        eprintln!("gossip-sim: {message}");
        ExitCode::FAILURE
    }

    /// The shared parameters of a sweep as the summary echoes them, without `mode` and `nodes`
    /// and with the round limit as given (the default limit depends on N).
    fn sweep_echo(sweep: &Sweep) -> serde_json::Map<String, serde_json::Value> {
        let mut echo = sweep.base.echo();
        echo.remove("mode");
        echo.remove("nodes");
        echo.insert("max_rounds".into(), sweep.base.max_rounds.into());
        echo
    }

    // sweep: every (mode, N) point's trials on the runner's threads, then one row each.
    fn sweep(matches: &ArgMatches) -> ExitCode {
        let parsed = (|| {
            let modes = matches
                .get_one::<String>("modes")
                .expect("has a default")
                .split(',')
                .map(|name| {
                    Mode::from_name(name.trim()).ok_or_else(|| {
                        ConfigError(format!(
                            "modes: {name:?} is not a protocol ({})",
                            params::protocol_names().join(", ")
                        ))
                    })
                })
                .collect::<Result<Vec<Mode>, ConfigError>>()?;
            let size = |key: &str| {
                let text = matches.get_one::<String>(key).expect("has a default");
                text.parse::<u32>().map_err(|_| {
                    ConfigError(format!(
                        "{} must be a power of two from 2 to 1048576 (got {text:?})",
                        key.replace('_', "-")
                    ))
                })
            };
            let trials = trials(matches)?;
            Experiment::new(Config::default(), trials)?;
            // A flag no swept protocol takes is refused; each point takes the ones it does.
            let (_, given) = given_config(matches)?;
            if let Some(param) = given
                .iter()
                .find(|param| !modes.iter().any(|&mode| param.applies_to(mode)))
            {
                return Err(ConfigError(format!(
                    "{} does not apply to any of {}: it applies to {}",
                    param.key,
                    modes
                        .iter()
                        .map(|mode| mode.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                    param.protocols_text()
                )));
            }
            let sweep = Sweep::new(
                config(matches)?,
                modes,
                size("nodes_from")?,
                size("nodes_to")?,
                trials,
            )?;
            Ok((sweep, runner(matches)?))
        })();
        let (sweep, runner) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return usage_error(error),
        };
        let points = sweep.points();
        let experiments: Vec<Experiment> = points
            .iter()
            .map(|&point| sweep.experiment(point).expect("checked by Sweep::new"))
            .collect();
        let configs: Vec<Config> = experiments.iter().map(|e| e.config.clone()).collect();
        let jobs: Vec<(usize, u32)> = (0..points.len())
            .flat_map(|point| (0..sweep.trials).map(move |trial| (point, trial)))
            .collect();
        let records = runner.with_progress(jobs.len() as u64, !matches.get_flag("quiet"), || {
            runner.records(&configs, &jobs, sweep::run_trial)
        });
        if let Some(message) = records.iter().find_map(|record| record.halted.as_deref()) {
            return halted(message);
        }
        let rows: Vec<Row> = experiments
            .iter()
            .zip(records.chunks(sweep.trials as usize))
            .map(|(experiment, records)| {
                Row::new(experiment, &ensemble::summarize(experiment, records))
            })
            .collect();
        if matches.get_one::<String>("format").map(String::as_str) == Some("csv") {
            // The configuration as comment lines, so a figure can be remade from its data.
            println!(
                "# config gossip-sim sweep --modes {} --nodes-from {} --nodes-to {} --trials {}",
                sweep
                    .modes
                    .iter()
                    .map(|mode| mode.name())
                    .collect::<Vec<_>>()
                    .join(","),
                sweep.from,
                sweep.to,
                sweep.trials
            );
            println!("# config {}", serde_json::Value::Object(sweep_echo(&sweep)));
            println!("{}", Row::CSV_HEADER);
            for row in &rows {
                println!("{}", row.csv());
            }
        } else {
            let mut config = sweep_echo(&sweep);
            config.insert(
                "modes".into(),
                sweep.modes.iter().map(|mode| mode.name()).collect(),
            );
            config.insert("nodes_from".into(), sweep.from.into());
            config.insert("nodes_to".into(), sweep.to.into());
            config.insert("trials".into(), sweep.trials.into());
            let output = serde_json::json!({ "config": config, "rows": rows });
            println!(
                "{}",
                serde_json::to_string_pretty(&output).expect("serialises")
            );
        }
        ExitCode::SUCCESS
    }

    fn print_summary(
        experiment: &Experiment,
        runner: &Runner,
        csv: bool,
        show_progress: bool,
    ) -> ExitCode {
        let configs = [experiment.config.clone()];
        let jobs: Vec<(usize, u32)> = (0..experiment.trials).map(|trial| (0, trial)).collect();
        let records = runner.with_progress(u64::from(experiment.trials), show_progress, || {
            runner.records(&configs, &jobs, ensemble::run_trial)
        });
        if let Some(message) = records.iter().find_map(|record| record.halted.as_deref()) {
            return halted(message);
        }
        let summary = ensemble::summarize(experiment, &records);
        if let Some(warning) = &summary.warning {
            eprintln!("gossip-sim: warning: {warning}");
        }
        if !csv {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).expect("summary serialises")
            );
            return ExitCode::SUCCESS;
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
        ExitCode::SUCCESS
    }

    fn print_rounds(experiment: &Experiment, csv: bool) -> ExitCode {
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
        if let Some(message) = simulation.halted() {
            return halted(&message);
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
            return ExitCode::SUCCESS;
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
        ExitCode::SUCCESS
    }
}
