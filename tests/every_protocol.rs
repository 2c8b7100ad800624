#![cfg(not(target_arch = "wasm32"))]
//! Every protocol, every parameter that applies to it, at random points of its range and at its
//! edges: a configuration the engine accepts runs without panicking, its live and informed
//! counts agree, its datagram totals are the sum of their kinds and of its rounds, recording
//! the datagrams does not change the run, its seed replays it exactly, and it holds no more
//! memory than `Config::memory_estimate` allowed for it.

use gossip_lab::engine::params::{Domain, PARAMS, Param};
use gossip_lab::engine::{Config, Counters, Mode, RoundReport, Simulation, Status};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts the bytes each thread holds and the most it held, so a run's peak memory can be
/// compared with `Config::memory_estimate` (the tests of this file run on their own threads).
struct Meter;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(change: isize) {
    // `try_with`: a thread being torn down has no counters left; nothing to measure then.
    let _ = HELD.try_with(|held| {
        let now = held.get() + change;
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        account(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static METER: Meter = Meter;

/// Bytes this thread allocated at most while `work` ran, beyond what it held when it began.
fn peak_bytes<T>(work: impl FnOnce() -> T) -> (u64, T) {
    let start = HELD.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let result = work();
    (
        PEAK.with(Cell::get).saturating_sub(start).max(0) as u64,
        result,
    )
}

/// How to pick one parameter's value: its lower edge, its upper edge, absent (optional ones),
/// or the point `unit` of the way through its range; `extra` draws a second point (a uniform
/// delay's upper end, a schedule's entries).
#[derive(Clone, Copy, Debug)]
struct Pick {
    edge: u8,
    unit: f64,
    extra: f64,
    count: u8,
}

fn any_pick() -> impl Strategy<Value = Pick> {
    (0u8..8, 0.0f64..=1.0, 0.0f64..=1.0, 0u8..=8).prop_map(|(edge, unit, extra, count)| Pick {
        edge,
        unit,
        extra,
        count,
    })
}

/// A point of [min, max]: an edge for `edge` 0 and 1, else `unit` of the way.
fn whole_in(min: u64, max: u64, pick: Pick) -> u64 {
    match pick.edge {
        0 => min,
        1 => max,
        _ => min + ((max - min) as f64 * pick.unit).round() as u64,
    }
}

fn real_in(min: f64, max: f64, pick: Pick) -> f64 {
    match pick.edge {
        0 => min,
        1 => max,
        _ => min + (max - min) * pick.unit,
    }
}

/// The range the test draws from: the documented one, narrowed where the documented one would
/// make a run too long for a property test (N, rounds, membership periods, joins).
fn drawn_range(param: &Param, mode: Mode) -> Option<(u64, u64)> {
    let membership = Mode::MEMBERSHIP.contains(&mode);
    match param.key {
        "nodes" => Some((2, 64)),
        "max_rounds" => Some((1, 200)),
        "periods" => Some((1, 60)),
        "join_at" => Some((1, 70)),
        "senders" => Some((1, 64)),
        "t_fail" | "t_cleanup" if membership => Some((1, 40)),
        _ => match param.domain {
            Domain::Whole { min, max } | Domain::Optional { min, max } => Some((min, max)),
            _ => None,
        },
    }
}

fn number(value: f64) -> String {
    // Three decimals keep the text within the range after parsing.
    format!("{:.3}", value)
}

/// One delay distribution of the documented forms, 0 to 10 rounds.
fn delay_text(pick: Pick) -> String {
    let (a, b) = (real_in(0.0, 10.0, pick), 10.0 * pick.extra);
    match pick.count % 4 {
        0 => "none".into(),
        1 => format!("fixed:{}", number(a)),
        2 => format!("uniform:{}:{}", number(a.min(b)), number(a.max(b))),
        // An exponential's mean is above 0: its lower edge is the smallest step the text keeps.
        _ => format!("exp:{}", number(a.max(0.001))),
    }
}

/// A crash schedule of `count` entries (none for 0), early rounds mostly, and its edges.
fn schedule_text(pick: Pick) -> String {
    if pick.count == 0 {
        return "none".into();
    }
    (0..pick.count)
        .map(|entry| {
            let shift = (pick.unit * 7.0 + f64::from(entry) * pick.extra).fract();
            let round = match (pick.edge, entry) {
                (0, 0) => 1,
                (1, 0) => 10_000,
                _ => 1 + (shift * 40.0) as u32,
            };
            let fraction = match pick.edge {
                0 => 0.0,
                1 => 1.0,
                _ => (shift * 3.0).fract() * 0.6,
            };
            format!("{round}:{}", number(fraction))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The text of `param`'s value for this pick, as the CLI and the URL would type it.
fn text(param: &Param, mode: Mode, pick: Pick, seed: u64) -> String {
    if let Some((min, max)) = drawn_range(param, mode) {
        let optional = matches!(param.domain, Domain::Optional { .. });
        if optional && pick.edge == 7 {
            return "none".into();
        }
        return whole_in(min, max, pick).to_string();
    }
    match param.domain {
        Domain::Whole { .. } | Domain::Optional { .. } => unreachable!("drawn_range covers them"),
        Domain::Seed => seed.to_string(),
        Domain::Protocol => mode.name().into(),
        Domain::Real { min, max } => number(real_in(min, max, pick)),
        Domain::OptionalReal { min, max, absent } => {
            if pick.edge == 7 || pick.edge == 6 {
                absent.into()
            } else {
                number(real_in(min, max, pick))
            }
        }
        Domain::Choice(names) => {
            names[(pick.unit * names.len() as f64) as usize % names.len()].into()
        }
        Domain::Delay => delay_text(pick),
        Domain::Burst => match pick.edge {
            7 | 6 => "none".into(),
            // R above 0: its lower edge is the smallest step the text keeps.
            _ => format!(
                "{}:{}",
                number(real_in(0.0, 1.0, pick)),
                number(real_in(
                    0.001,
                    1.0,
                    Pick {
                        unit: pick.extra,
                        ..pick
                    }
                ))
            ),
        },
        Domain::Schedule => schedule_text(pick),
        // Planned losses: none, or packet 1 on the link into node 1 (in range for every N, M).
        Domain::Drops => if pick.count == 0 { "none" } else { "1@1" }.into(),
    }
}

/// A configuration of `mode` with every parameter that applies to it set from its pick, and
/// the settings as typed (for the failure message); `None` if `validate()` refuses it.
fn configure(mode: Mode, picks: &[Pick], seed: u64) -> (Option<Config>, Vec<(String, String)>) {
    let mut config = Config {
        mode,
        ..Config::default()
    };
    let mut settings = Vec::new();
    for (&param, &pick) in PARAMS.iter().zip(picks) {
        if param.key == "mode" || !param.applies_to(mode) {
            continue;
        }
        let value = text(param, mode, pick, seed);
        config.set(param.key, &value).unwrap_or_else(|error| {
            panic!(
                "{} = {value}: an in-range value refused: {error}",
                param.key
            )
        });
        settings.push((param.key.to_string(), value));
    }
    (config.validate().is_ok().then_some(config), settings)
}

/// A whole run, one report per round (`records`: with every datagram).
fn play(config: &Config, records: bool) -> (Vec<RoundReport>, Simulation) {
    play_from(config, records).1
}

/// `play`, and the informed count before the first round (the senders).
fn play_from(config: &Config, records: bool) -> (u32, (Vec<RoundReport>, Simulation)) {
    let mut simulation = if records {
        Simulation::with_contacts(config.clone())
    } else {
        Simulation::new(config.clone())
    }
    .expect("validated");
    let start = simulation.informed();
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    (start, (reports, simulation))
}

/// What a report says about the run itself, without the recorded datagrams and events.
fn outcome(report: &RoundReport) -> (u32, Vec<u32>, u32, Counters, Vec<u32>, u64) {
    (
        report.round,
        report.newly_informed.clone(),
        report.informed,
        report.counters,
        report.holders.clone(),
        report.in_flight,
    )
}

fn check_counters(counters: &Counters, simulation: &Simulation) -> Result<(), TestCaseError> {
    let kinds = simulation.kinds();
    let by_kind: u64 = counters.by_kind.iter().sum();
    prop_assert_eq!(counters.datagrams, by_kind, "datagrams against their kinds");
    let payload: u64 = kinds
        .iter()
        .zip(counters.by_kind)
        .filter(|(kind, _)| kind.payload)
        .map(|(_, count)| count)
        .sum();
    prop_assert_eq!(
        counters.payload,
        payload,
        "payload against the payload kinds"
    );
    prop_assert_eq!(counters.control, counters.datagrams - counters.payload);
    prop_assert!(
        counters.by_kind[kinds.len()..]
            .iter()
            .all(|&count| count == 0),
        "a datagram of an undeclared kind: {:?}",
        counters.by_kind
    );
    Ok(())
}

fn check_run(config: &Config) -> Result<(), TestCaseError> {
    let nodes = config.nodes;
    let (mut informed_before, (reports, simulation)) = play_from(config, false);
    prop_assert!(informed_before <= config.senders);
    let mut summed = Counters::default();
    for report in &reports {
        check_counters(&report.counters, &simulation)?;
        summed.add(&report.counters);
        prop_assert!(report.informed <= nodes);
        for &node in &report.newly_informed {
            prop_assert!(node < nodes);
        }
        let unique: std::collections::BTreeSet<_> = report.newly_informed.iter().collect();
        prop_assert_eq!(
            unique.len(),
            report.newly_informed.len(),
            "informed twice in a round"
        );
        // Nodes informed this round are counted, unless crashed since (a schedule's crashes
        // come at the start of a round, before anyone learns).
        prop_assert!(report.informed <= informed_before + report.newly_informed.len() as u32);
        informed_before = report.informed;
    }
    // The run's end: nothing left running, within the round limit, counts consistent.
    let status = simulation.status();
    prop_assert!(status != Status::Running, "{:?}", status);
    prop_assert!(simulation.round() <= simulation.round_limit());
    prop_assert_eq!(simulation.round() as usize, reports.len());
    let (informed, live) = (simulation.informed(), simulation.live());
    prop_assert!(
        informed <= live && live <= nodes,
        "informed {} live {} of {}",
        informed,
        live,
        nodes
    );
    prop_assert!(live >= config.senders.min(nodes), "the senders never crash");
    if let Some(last) = reports.last() {
        prop_assert_eq!(last.informed, informed);
        for &holders in &last.holders {
            prop_assert!(holders <= live);
        }
    }
    let order = simulation.informed_order();
    let distinct: std::collections::BTreeSet<_> = order.iter().collect();
    prop_assert_eq!(
        distinct.len(),
        order.len(),
        "a node in the informed order twice"
    );
    prop_assert!(informed as usize <= order.len());
    if let Status::Completed { .. } = status {
        prop_assert_eq!(informed, live);
    }
    // Totals: the sum of the rounds, and the sum of their kinds.
    let totals = simulation.totals();
    prop_assert_eq!(totals, summed);
    check_counters(&totals, &simulation)?;
    prop_assert!(totals.lost + totals.to_crashed <= totals.datagrams);
    if config.many_messages() && config.messages.capacity > 1 {
        // known: with many messages `redundant` counts messages a node already held, not
        // datagrams, so a datagram of capacity K counts up to K; bounded in those units only.
        prop_assert!(totals.redundant <= totals.payload * u64::from(config.messages.capacity));
    } else {
        prop_assert!(totals.redundant <= totals.payload);
    }
    prop_assert!(totals.at_sender <= totals.datagrams);
    prop_assert!(totals.through_core <= totals.datagrams);

    // The same seed, the same run: again without recording, and once recording every datagram
    // (recording must not change what happens).
    let (again, replay) = play(config, false);
    prop_assert_eq!(&again, &reports);
    prop_assert_eq!(replay.informed_order(), order);
    let (recorded, recorded_run) = play(config, true);
    prop_assert_eq!(
        recorded.iter().map(outcome).collect::<Vec<_>>(),
        reports.iter().map(outcome).collect::<Vec<_>>()
    );
    prop_assert_eq!(recorded_run.informed_order(), order);
    // And without reports at all, within the memory `validate` budgeted for it.
    let (peak, (quiet, quiet_status)) = peak_bytes(|| {
        let mut quiet = Simulation::new(config.clone()).expect("validated");
        let status = quiet.run_to_end();
        (quiet, status)
    });
    prop_assert!(
        peak <= config.memory_estimate(),
        "the run held {peak} bytes at most, over the {} its estimate allows",
        config.memory_estimate()
    );
    prop_assert_eq!(quiet_status, status);
    prop_assert_eq!(quiet.totals(), totals);
    prop_assert_eq!(quiet.informed_order(), order);
    Ok(())
}

/// 32 cases per mode, from a fixed seed so a failure is the same on every machine.
fn every_configuration_of(mode: Mode) {
    let config = ProptestConfig {
        cases: 32,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    };
    let index = Mode::ALL
        .iter()
        .position(|&m| m == mode)
        .expect("registered");
    let seed = [index as u8; 32];
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let strategy = (
        proptest::collection::vec(any_pick(), PARAMS.len()),
        any::<u64>(),
    );
    let result = runner.run(&strategy, |(picks, seed)| {
        let (config, settings) = configure(mode, &picks, seed);
        let Some(config) = config else {
            return Ok(()); // refused by validate(): a refusal, not a failure
        };
        // A panic is reported with the settings as typed, so it can be replayed by hand.
        let outcome = std::panic::catch_unwind(|| check_run(&config));
        match outcome {
            Ok(result) => {
                result.map_err(|error| TestCaseError::fail(format!("{mode} {settings:?}: {error}")))
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                    .unwrap_or_default();
                Err(TestCaseError::fail(format!(
                    "{mode} {settings:?}: panicked: {message}"
                )))
            }
        }
    });
    if let Err(error) = result {
        panic!("{mode}: {error}");
    }
}

#[test]
fn centralized() {
    every_configuration_of(Mode::Centralized);
}

#[test]
fn tree() {
    every_configuration_of(Mode::Tree);
}

#[test]
fn srm() {
    every_configuration_of(Mode::Srm);
}

#[test]
fn rmtp() {
    every_configuration_of(Mode::Rmtp);
}

#[test]
fn push() {
    every_configuration_of(Mode::Push);
}

#[test]
fn pull() {
    every_configuration_of(Mode::Pull);
}

#[test]
fn push_pull() {
    every_configuration_of(Mode::PushPull);
}

#[test]
fn heartbeat() {
    every_configuration_of(Mode::Heartbeat);
}

#[test]
fn swim() {
    every_configuration_of(Mode::Swim);
}

#[test]
fn cassandra() {
    every_configuration_of(Mode::Cassandra);
}

/// Every protocol registered beyond the ones named above (a protocol added to the registry is
/// checked here without a line of its own).
#[test]
fn every_other_protocol() {
    let named = [
        Mode::Centralized,
        Mode::Tree,
        Mode::Srm,
        Mode::Rmtp,
        Mode::Push,
        Mode::Pull,
        Mode::PushPull,
        Mode::Heartbeat,
        Mode::Swim,
        Mode::Cassandra,
    ];
    for mode in Mode::ALL.into_iter().filter(|mode| !named.contains(mode)) {
        every_configuration_of(mode);
    }
}
