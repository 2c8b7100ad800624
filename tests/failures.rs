#![cfg(not(target_arch = "wasm32"))]
//! Failures and delays (theory.md section 9): a fixture per rule (crash schedules, crashes and
//! recoveries by hand, delay distributions, the Gilbert-Elliott chain, `fixed:1` against the
//! synchronous model, burst with P = 0, malformed values) and statistics against theory (the
//! chain's mean loss and burst length, push slowed by a fixed delay as the lagged mean-field
//! recurrence says).

use gossip_lab::engine::ensemble::{self, Experiment};
use gossip_lab::engine::failures::{Burst, Chain, CrashSchedule, Delay, PartitionSchedule};
use gossip_lab::engine::report::{Change, Fate};
use gossip_lab::engine::rng::{Rng, Stream};
use gossip_lab::engine::{Config, Mode, NetworkConfig, RoundReport, Simulation};

fn reports(mut simulation: Simulation) -> Vec<RoundReport> {
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    reports
}

fn config(mode: Mode, nodes: u32, seed: u64) -> Config {
    Config {
        mode,
        nodes,
        seed,
        ..Config::default()
    }
}

fn set(mut config: Config, key: &str, text: &str) -> Config {
    config.set(key, text).unwrap();
    config
}

fn crashed_in(report: &RoundReport) -> Vec<u32> {
    report
        .events
        .iter()
        .filter(|event| event.change == Change::Crashed)
        .map(|event| event.node)
        .collect()
}

// --- Crash schedule -------------------------------------------------------------------------

#[test]
fn a_crash_schedule_crashes_exactly_round_f_n_live_non_senders_at_its_round() {
    for mode in Mode::ALL {
        for seed in [1, 2, 3] {
            // 10% crashed from the start, then 0.1 of N = 200 at round 3 and 0.05 at round 4.
            let mut base = config(mode, 200, seed);
            base.network.crash = 0.1;
            // The tree repairs, so a chain cut by a crash does not end the run early.
            base.tree.repair_delay = Some(1);
            let config = set(base.without_inapplicable(), "crash_at", "3:0.1,4:0.05");
            let mut simulation = Simulation::with_contacts(config.clone()).unwrap();
            let at_start: Vec<bool> = (0..200).map(|node| simulation.is_crashed(node)).collect();
            let mut live = simulation.live();
            assert_eq!(live, 200 - config.crashed_count());
            for round in 1..=4 {
                let report = simulation
                    .step()
                    .unwrap_or_else(|| panic!("{mode} seed {seed}: ended before round {round}"));
                let crashed = crashed_in(&report);
                let expected = match round {
                    3 => 20,
                    4 => 10,
                    _ => 0,
                };
                assert_eq!(crashed.len(), expected, "{mode} seed {seed} round {round}");
                for &node in &crashed {
                    assert_ne!(node, 0, "the sender never crashes");
                    assert!(!at_start[node as usize], "only live nodes crash");
                }
                live -= expected as u32;
                assert_eq!(simulation.live(), live);
            }
        }
    }
}

#[test]
fn a_crash_schedule_does_not_change_the_runs_other_draws() {
    // Before the crash round the run is the run without a schedule, datagram for datagram.
    let plain = config(Mode::Push, 500, 4);
    let scheduled = set(plain.clone(), "crash_at", "6:0.2");
    let without = reports(Simulation::with_contacts(plain).unwrap());
    let with = reports(Simulation::with_contacts(scheduled).unwrap());
    assert_eq!(without[..5], with[..5]);
    assert_ne!(without[5], with[5]);
}

#[test]
fn crashed_nodes_send_nothing_after_their_crash() {
    for mode in Mode::GOSSIP {
        let config = set(config(mode, 300, 9), "crash_at", "4:0.3");
        let all = reports(Simulation::with_contacts(config).unwrap());
        let crashed = crashed_in(&all[3]);
        assert_eq!(crashed.len(), 90);
        for report in &all[3..] {
            for contact in &report.contacts {
                assert!(!crashed.contains(&contact.from), "{mode}: {contact:?}");
                if crashed.contains(&contact.to) {
                    assert_eq!(contact.fate, Fate::Crashed);
                }
            }
        }
    }
}

// --- Crash and recover by hand --------------------------------------------------------------

#[test]
fn crashing_a_node_on_the_fast_driver_replays_the_run_on_the_event_driver() {
    for mode in Mode::GOSSIP {
        let mut base = config(mode, 300, 11);
        base.network = NetworkConfig {
            loss: 0.1,
            crash: 0.1,
        };
        let mut fast = Simulation::with_contacts(base.clone()).unwrap();
        let mut event = Simulation::on_event_driver(base.clone(), 0, true).unwrap();
        for _ in 0..3 {
            assert_eq!(fast.step(), event.step());
        }
        let node = (1..300).find(|&node| !fast.is_crashed(node)).unwrap();
        assert!(fast.crash(node));
        assert!(event.crash(node));
        assert!(fast.is_crashed(node));
        assert_eq!(reports(fast), reports(event), "{mode}");
    }
}

#[test]
fn a_recovered_node_comes_back_with_its_state_or_empty() {
    for keep_state in [true, false] {
        let mut simulation = Simulation::with_contacts(config(Mode::Push, 100, 5)).unwrap();
        for _ in 0..3 {
            simulation.step();
        }
        let node = simulation.informed_order()[1];
        assert_eq!(simulation.known(node), 1);
        let (informed, live) = (simulation.informed(), simulation.live());
        assert!(simulation.crash(node));
        // A crashed informed node leaves both counts: informed counts live nodes only.
        assert_eq!(
            (simulation.informed(), simulation.live()),
            (informed - 1, live - 1)
        );
        simulation.step();
        assert!(simulation.recover(node, keep_state));
        assert!(!simulation.is_crashed(node));
        assert_eq!(simulation.known(node), u64::from(keep_state));
        assert_eq!(
            simulation.informed_order().contains(&node),
            keep_state,
            "an empty recovery forgets the rumor"
        );
        let report = simulation.step().unwrap();
        assert!(
            report
                .events
                .iter()
                .any(|event| event.node == node && event.change == Change::Recovered)
        );
        simulation.run_to_end();
        assert_eq!(simulation.known(node), 1, "informed again, or still");
    }
}

#[test]
fn the_sender_cannot_be_crashed_by_hand() {
    let mut simulation = Simulation::new(config(Mode::Push, 50, 1)).unwrap();
    assert!(!simulation.crash(0));
    assert!(!simulation.crash(50));
}

// --- Delays ---------------------------------------------------------------------------------

fn delays_of(config: Config) -> Vec<u64> {
    let all = reports(Simulation::with_contacts(config).unwrap());
    all.iter()
        .flat_map(|report| report.contacts.iter())
        .map(|contact| contact.arrives - contact.sent)
        .collect()
}

#[test]
fn a_fixed_delay_delivers_every_datagram_that_many_ticks_later() {
    for mode in Mode::GOSSIP {
        let delays = delays_of(set(config(mode, 200, 3), "delay", "fixed:0.5"));
        assert!(!delays.is_empty());
        assert!(delays.iter().all(|&delay| delay == 50), "{mode}");
    }
}

#[test]
fn a_uniform_delay_covers_its_interval_in_whole_ticks() {
    let delays = delays_of(set(
        config(Mode::PushPull, 500, 3),
        "delay",
        "uniform:0.2:0.6",
    ));
    assert!(delays.iter().all(|delay| (20..=60).contains(delay)));
    assert!(delays.contains(&20) && delays.contains(&60));
    let n = delays.len() as f64;
    let mean = delays.iter().sum::<u64>() as f64 / n;
    // Uniform on 41 ticks: sd sqrt((41^2 - 1) / 12).
    let se = ((41.0f64 * 41.0 - 1.0) / 12.0).sqrt() / n.sqrt();
    assert!((mean - 40.0).abs() < 3.0 * se, "mean {mean}, se {se}");
}

#[test]
fn an_exponential_delay_has_its_mean() {
    for seed in [1, 2, 3] {
        let delays = delays_of(set(config(Mode::Pull, 500, seed), "delay", "exp:0.5"));
        let n = delays.len() as f64;
        let mean = delays.iter().sum::<u64>() as f64 / n;
        // Exponential: sd = mean = 50 ticks; rounding to ticks adds no bias at this scale.
        let se = 50.0 / n.sqrt();
        assert!((mean - 50.0).abs() < 0.5 + 3.0 * se, "mean {mean}, se {se}");
    }
}

#[test]
fn a_pull_reply_answers_with_what_the_callee_knows_when_the_request_arrives() {
    // Two nodes, fixed delay 0.5: node 1 asks at tick 0, node 0 (informed) answers at tick 50,
    // and the rumor reaches node 1 at tick 100, the first tick of round 2.
    let config = set(config(Mode::Pull, 2, 1), "delay", "fixed:0.5");
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let first = simulation.step().unwrap();
    let request = first.contacts.iter().find(|c| c.from == 1).unwrap();
    assert_eq!((request.sent, request.arrives), (0, 50));
    let second = simulation.step().unwrap();
    let reply = second.contacts.iter().find(|c| c.to == 1).unwrap();
    assert_eq!((reply.sent, reply.arrives, reply.kind), (50, 100, 1));
    assert_eq!(second.newly_informed, vec![1]);
    assert_eq!(simulation.informed_time(1), Some(1.0));
    assert_eq!(simulation.completion_time(), Some(1.0));
}

#[test]
fn datagrams_in_flight_are_counted_and_listed_across_round_boundaries() {
    let config = set(config(Mode::Push, 100, 2), "delay", "fixed:2.5");
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let first = simulation.step().unwrap();
    assert_eq!(first.in_flight, 1);
    assert_eq!(first.flying.len(), 1);
    assert_eq!((first.flying[0].sent, first.flying[0].arrives), (0, 250));
    let second = simulation.step().unwrap();
    assert_eq!(second.in_flight, 2, "the first push is still flying");
    let third = simulation.step().unwrap();
    assert!(
        third
            .contacts
            .iter()
            .any(|c| (c.sent, c.arrives) == (0, 250))
    );
}

#[test]
fn fixed_delay_one_is_the_synchronous_run_one_round_later() {
    // Push with delay 1: a push sent at the start of round r arrives at the first tick of round
    // r + 1 and its receiver pushes in that round, exactly as a synchronous receiver informed in
    // round r does. So the same draws happen in the same order: the datagrams of round r are the
    // synchronous run's, the informed count after round r + 1 is the synchronous count after
    // round r, and the completion time in periods is the synchronous round count.
    for (loss, crash) in [(0.0, 0.0), (0.2, 0.0), (0.1, 0.3)] {
        for seed in [1, 7, 99] {
            let mut sync = config(Mode::Push, 400, seed);
            sync.network = NetworkConfig { loss, crash };
            let delayed = set(sync.clone(), "delay", "fixed:1");
            let mut sync_run = Simulation::new(sync).unwrap();
            let mut delayed_run = Simulation::new(delayed).unwrap();
            let mut informed_sync = vec![sync_run.informed()];
            let mut informed_delayed = vec![delayed_run.informed()];
            let mut datagrams_sync = Vec::new();
            let mut datagrams_delayed = Vec::new();
            while let Some(report) = sync_run.step() {
                informed_sync.push(report.informed);
                datagrams_sync.push(report.counters);
            }
            while let Some(report) = delayed_run.step() {
                informed_delayed.push(report.informed);
                datagrams_delayed.push(report.counters);
            }
            let rounds = informed_sync.len() - 1;
            assert_eq!(informed_delayed.len(), rounds + 2, "one more round");
            assert_eq!(informed_delayed[1], informed_sync[0]);
            for round in 1..=rounds {
                assert_eq!(
                    informed_delayed[round + 1],
                    informed_sync[round],
                    "round {round}"
                );
                let (sent, delayed_sent) =
                    (datagrams_sync[round - 1], datagrams_delayed[round - 1]);
                assert_eq!(sent.datagrams, delayed_sent.datagrams, "round {round}");
                assert_eq!(sent.lost, delayed_sent.lost, "round {round}");
            }
            assert_eq!(sync_run.completion_time(), delayed_run.completion_time());
            assert!(delayed_run.config().timed());
        }
    }
}

// --- Burst loss -----------------------------------------------------------------------------

#[test]
fn burst_loss_with_p_zero_is_no_loss_at_all() {
    for mode in Mode::ALL {
        let mut lossy = config(mode, 200, 8);
        lossy.network.loss = 0.5;
        let burst = set(lossy, "burst", "0:0.5");
        let lossless = config(mode, 200, 8);
        let with_burst = reports(Simulation::with_contacts(burst).unwrap());
        let without = reports(Simulation::with_contacts(lossless).unwrap());
        assert_eq!(with_burst, without, "{mode}");
    }
}

/// The chain's bad-state share and its burst lengths over `steps` datagrams.
fn chain_sample(burst: Burst, seed: u64, steps: u32) -> (f64, Vec<u32>) {
    let mut chain = Chain::new(burst);
    let mut rng = Rng::new(seed, Stream::Burst);
    let (mut bad, mut bursts, mut current) = (0u32, Vec::new(), 0u32);
    for _ in 0..steps {
        if chain.step(&mut rng) {
            bad += 1;
            current += 1;
        } else if current > 0 {
            bursts.push(current);
            current = 0;
        }
    }
    (f64::from(bad) / f64::from(steps), bursts)
}

#[test]
fn the_gilbert_elliott_chain_has_the_mean_loss_and_burst_length_of_theory() {
    // theory.md section 9: mean loss h P / (P + R) (h = 1 here: every bad-state datagram is
    // lost), mean burst 1 / R datagrams.
    for (p, r) in [(0.05, 0.25), (0.01, 0.5), (0.2, 0.1)] {
        let burst = Burst { p, r };
        for seed in [1, 2, 3] {
            let steps = 400_000u32;
            let (share, bursts) = chain_sample(burst, seed, steps);
            let pi = p / (p + r);
            // A two-state chain's sample mean: variance pi (1 - pi) / n, times (1 + rho) / (1 - rho)
            // for its lag-one correlation rho = 1 - P - R.
            let rho = 1.0 - p - r;
            let se = (pi * (1.0 - pi) / f64::from(steps) * (1.0 + rho) / (1.0 - rho)).sqrt();
            assert!(
                (share - pi).abs() < 3.0 * se,
                "share {share} vs {pi}, se {se}"
            );
            // Burst lengths are geometric with mean 1 / R and sd sqrt(1 - R) / R.
            let n = bursts.len() as f64;
            let mean = bursts.iter().map(|&b| f64::from(b)).sum::<f64>() / n;
            let se = (1.0 - r).sqrt() / r / n.sqrt();
            assert!(
                (mean - 1.0 / r).abs() < 3.0 * se,
                "burst {mean} vs {}, se {se}",
                1.0 / r
            );
        }
    }
}

#[test]
fn a_run_with_burst_loss_loses_the_theorys_share_of_its_datagrams() {
    // In a run the chain steps once per datagram: with loss h = 0.8 in the bad state the lost
    // share is h P / (P + R); binomial given the bad steps, plus the chain's correlated share.
    let (p, r, h) = (0.05, 0.2, 0.8);
    for seed in [1, 2, 3] {
        let mut base = config(Mode::PushPull, 2000, seed);
        base.network.loss = h;
        let config = set(base, "burst", "0.05:0.2");
        let mut simulation = Simulation::new(config).unwrap();
        simulation.run_to_end();
        let totals = simulation.totals();
        let n = totals.datagrams as f64;
        let share = totals.lost as f64 / n;
        let pi = p / (p + r);
        let rho = 1.0 - p - r;
        let chain_var = h * h * pi * (1.0 - pi) * (1.0 + rho) / (1.0 - rho);
        let draw_var = pi * h * (1.0 - h);
        let se = ((chain_var + draw_var) / n).sqrt();
        assert!(
            (share - h * pi).abs() < 3.0 * se,
            "lost {share} vs {}, se {se}",
            h * pi
        );
    }
}

// --- Malformed values -----------------------------------------------------------------------

#[test]
fn malformed_values_are_refused_with_a_specific_message() {
    let cases = [
        ("delay", "fixed:", "not a number"),
        ("delay", "uniform:3:1", "A <= B"),
        ("delay", "exp:-1", "outside 0 to 10"),
        ("delay", "exp:0", "above 0"),
        ("delay", "fixed:11", "outside 0 to 10"),
        ("delay", "<script>alert(1)</script>", "unknown distribution"),
        ("burst", "0.1", "P:R"),
        ("burst", "2:0.5", "P (good to bad)"),
        ("burst", "0.1:0", "R (bad to good)"),
        ("crash_at", "5:2", "fraction must be from 0 to 1"),
        ("crash_at", "0:0.1", "round must be from 1"),
        ("crash_at", "x", "ROUND:FRACTION"),
        (
            "crash_at",
            "1:0.1,2:0.1,3:0.1,4:0.1,5:0.1,6:0.1,7:0.1,8:0.1,9:0.1",
            "at most 8",
        ),
    ];
    for (key, text, says) in cases {
        let error = Config::default().set(key, text).unwrap_err().0;
        assert!(error.contains(says), "{key}={text}: {error}");
        assert!(error.starts_with(key), "{error}");
    }
    // JSON: the same messages; a crash schedule may be an array.
    let error = Experiment::from_json(r#"{"delay": "uniform:3:1"}"#)
        .unwrap_err()
        .0;
    assert!(error.contains("A <= B"), "{error}");
    let error = Experiment::from_json(r#"{"delay": 3}"#).unwrap_err().0;
    assert!(error.starts_with("delay must be"), "{error}");
    let experiment = Experiment::from_json(r#"{"crash_at": ["5:0.1", "9:0.2"]}"#).unwrap();
    assert_eq!(experiment.config.crash_at.to_string(), "5:0.1,9:0.2");
    let error = Experiment::from_json(r#"{"crash_at": ["5:2"]}"#)
        .unwrap_err()
        .0;
    assert!(error.contains("fraction"), "{error}");
}

#[test]
fn text_forms_round_trip() {
    for text in ["none", "fixed:0.5", "uniform:0.1:2", "exp:1.5"] {
        assert_eq!(Delay::parse(text).unwrap().to_string(), text);
    }
    assert_eq!(
        Burst::parse("0.1:0.3").unwrap().unwrap().to_string(),
        "0.1:0.3"
    );
    let schedule = CrashSchedule::parse("9:0.2, 5:0.1").unwrap();
    assert_eq!(schedule.to_string(), "5:0.1,9:0.2", "sorted by round");
}

#[test]
fn schedules_are_ordered_by_round_keeping_the_given_order_within_a_round() {
    // Eight entries (the most a schedule takes) in reverse, with ties: a stable order by round.
    let crashes = CrashSchedule::parse("8:0.8,7:0.7,7:0.6,5:0.5,4:0.4,4:0.3,2:0.2,1:0.1").unwrap();
    assert_eq!(
        crashes.to_string(),
        "1:0.1,2:0.2,4:0.4,4:0.3,5:0.5,7:0.7,7:0.6,8:0.8"
    );
    let partitions = PartitionSchedule::parse("9:half,3:0-4|5-9,3:half,1:half").unwrap();
    assert_eq!(partitions.to_string(), "1:half,3:0-4|5-9,3:half,9:half");
}

// --- Statistics: delay slows push -----------------------------------------------------------

/// The lagged mean-field recurrence of push with a fixed delay of k rounds: pushes sent at the
/// start of round t by the nodes known then arrive at the start of round t + k, so
/// s(t) = s(t - 1) exp(-b q x(t - k)); k = 1 is theory.md section 2's synchronous recurrence.
/// Returns the first round start with s N < 1/2, in periods.
fn lagged_mean_field(nodes: u32, lag: usize) -> usize {
    let n = f64::from(nodes);
    let mut known = vec![1.0 / n];
    let mut s = 1.0 - 1.0 / n;
    while s * n >= 0.5 {
        let t = known.len();
        let sending = if t >= lag { known[t - lag] } else { 0.0 };
        s *= (-sending).exp();
        known.push(1.0 - s);
    }
    known.len() - 1
}

#[test]
fn a_fixed_delay_of_d_rounds_slows_push_as_the_lagged_recurrence_says() {
    // Each hop waits D rounds instead of one, so push slows by about D - 1 rounds per hop of the
    // critical path; the lagged recurrence gives the slowdown in periods. Tolerance: half a
    // round for the recurrence's whole-round crossing, plus 3 standard errors.
    let nodes = 1000;
    for offset in [0u64, 1000, 2000] {
        let mut sync = config(Mode::Push, nodes, 1 + offset);
        sync.nodes = nodes;
        let trials = 150;
        let base = ensemble::run(&Experiment::new(sync.clone(), trials).unwrap(), |_| {});
        let base = base.rounds.unwrap();
        for lag in [2usize, 3] {
            let delayed = set(sync.clone(), "delay", &format!("fixed:{lag}"));
            let summary = ensemble::run(&Experiment::new(delayed, trials).unwrap(), |_| {});
            let rounds = summary.rounds.unwrap();
            let predicted = (lagged_mean_field(nodes, lag) - lagged_mean_field(nodes, 1)) as f64;
            let measured = rounds.mean - base.mean;
            let se = ((rounds.sd.powi(2) + base.sd.powi(2)) / f64::from(trials)).sqrt();
            assert!(
                (measured - predicted).abs() < 0.5 + 3.0 * se,
                "offset {offset} lag {lag}: slowdown {measured} vs {predicted}, se {se}"
            );
        }
    }
}

/// `--loss` with `--burst` is the bad state's loss: loss 1 there loses only the bad state's
/// share of datagrams, P / (P + R), so the run spreads, with no "cannot spread" warning and a
/// round limit for the mean loss.
#[test]
fn burst_loss_with_loss_1_still_spreads() {
    for seed in [1, 2, 3] {
        let config = set(
            set(config(Mode::Push, 1000, seed), "burst", "0.1:0.5"),
            "loss",
            "1",
        );
        assert!((config.mean_loss() - 0.1 / 0.6).abs() < 1e-12);
        assert!(config.round_limit() > 30);
        let mut simulation = Simulation::new(config).unwrap();
        assert_eq!(simulation.warning(), None);
        assert!(matches!(
            simulation.run_to_end(),
            gossip_lab::engine::Status::Completed { .. }
        ));
    }
}

/// For push, `fixed:1` is the synchronous model: the same times and the same datagrams (a run
/// completed by the arrivals at a round's first tick sends nothing more in that round). A pull is
/// a request and a reply, two trips, so pull and push-pull are slower with any delay.
#[test]
fn fixed_1_push_sends_what_the_synchronous_model_sends() {
    for seed in [1, 2, 3] {
        let mut synchronous = Simulation::new(config(Mode::Push, 1000, seed)).unwrap();
        let mut delayed =
            Simulation::new(set(config(Mode::Push, 1000, seed), "delay", "fixed:1")).unwrap();
        synchronous.run_to_end();
        delayed.run_to_end();
        assert_eq!(delayed.completion_time(), synchronous.completion_time());
        assert_eq!(delayed.totals().datagrams, synchronous.totals().datagrams);
    }
}
