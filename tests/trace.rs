#![cfg(not(target_arch = "wasm32"))]
//! Traces out and in: a run's trace holds every datagram its reports hold, each node's first copy
//! of each message and its named timers; written and read back it is the same events, and the
//! replay pairs every send with the run's own arrival or loss. A malformed trace is refused with
//! its line and what is wrong there.

use gossip_lab::engine::report::Fate;
use gossip_lab::engine::trace::{
    self, Event, EventKind, MAX_EVENTS, Replay, TimerEnd, TraceWriter,
};
use gossip_lab::engine::{Config, Mode, Simulation};

/// A small network of `mode` with some loss, on a fixed seed: every kind of event happens.
fn small(mode: Mode, extra: &[(&str, &str)]) -> Config {
    let mut config = Config::default();
    config.set("mode", mode.name()).expect("a mode");
    config.set("nodes", "12").expect("12 nodes");
    config.set("loss", "0.1").expect("10 % loss");
    config.set("seed", "5").expect("a seed");
    if Mode::ALL
        .iter()
        .any(|&other| other == mode && other.takes("periods"))
    {
        config.set("periods", "30").expect("30 periods");
    }
    for (key, value) in extra {
        config.set(key, value).expect("a valid value");
    }
    config
}

/// Every datagram of a recording run, as (from, to, kind, sent, arrives, fate), sorted.
type Datagram = (u32, u32, String, u64, u64, Fate);

fn run_datagrams(config: &Config) -> Vec<Datagram> {
    let mut simulation = Simulation::with_contacts(config.clone()).expect("valid");
    let kinds = simulation.kinds();
    let mut datagrams = Vec::new();
    while let Some(report) = simulation.step() {
        for contact in report.contacts {
            datagrams.push((
                contact.from,
                contact.to,
                kinds[contact.kind as usize].name.to_string(),
                contact.sent,
                contact.arrives,
                contact.fate,
            ));
        }
    }
    datagrams.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    datagrams
}

fn replay_datagrams(replay: &Replay) -> Vec<Datagram> {
    let mut datagrams: Vec<Datagram> = replay
        .flights
        .iter()
        .filter_map(|flight| {
            Some((
                flight.from,
                flight.to,
                replay.kinds[flight.kind].clone(),
                flight.sent,
                flight.arrives?,
                flight.fate?,
            ))
        })
        .collect();
    datagrams.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    datagrams
}

#[test]
fn every_protocol_round_trips_and_replays_its_datagrams() {
    for mode in Mode::ALL {
        let config = small(mode, &[]);
        let events = trace::record(&config, None, &[]).expect("a small run is traced");
        let text = trace::write(&events);
        assert_eq!(
            text.lines().count(),
            events.len(),
            "{mode:?}: one event a line"
        );
        let parsed = trace::parse(&text).expect("the lab's own trace reads back");
        assert_eq!(
            parsed, events,
            "{mode:?}: parse(write(run)) is the run's events"
        );
        let replay = Replay::load(&text).expect("replays");
        // Every datagram the run's reports hold, paired send to arrival with its fate.
        assert_eq!(
            replay_datagrams(&replay),
            run_datagrams(&config),
            "{mode:?}: the replay's datagrams are the run's"
        );
        let sends = events.iter().filter(|e| e.event == EventKind::Send).count();
        let ends = events
            .iter()
            .filter(|e| matches!(e.event, EventKind::Receive | EventKind::Lost))
            .count();
        assert!(
            sends >= ends && sends > 0,
            "{mode:?}: {sends} sends, {ends} ends"
        );
        // The same seed writes the same text.
        let again = trace::write(&trace::record(&config, None, &[]).expect("traced"));
        assert_eq!(again, text, "{mode:?}: a seed reproduces its trace");
    }
}

#[test]
fn learn_marks_each_informed_nodes_first_copy_once() {
    let config = small(Mode::from_name("push-pull").expect("a mode"), &[]);
    let events = trace::record(&config, None, &[]).expect("traced");
    let mut simulation = Simulation::new(config).expect("valid");
    simulation.run_to_end();
    let mut learners: Vec<u32> = events
        .iter()
        .filter(|event| event.event == EventKind::Learn)
        .map(|event| event.to.expect("a learner"))
        .collect();
    let count = learners.len();
    learners.sort_unstable();
    learners.dedup();
    assert_eq!(learners.len(), count, "one learn per node and message");
    let mut informed = simulation.informed_order().to_vec();
    informed.sort_unstable();
    assert_eq!(learners, informed, "the learners are the informed nodes");
    // The sender knows from tick 0; everyone else learns from a datagram.
    let first = &events[0];
    assert_eq!(
        (first.event, first.to, first.from),
        (EventKind::Learn, Some(0), Some(0))
    );
}

#[test]
fn named_timers_are_set_then_fired_or_cancelled() {
    // SRM under loss: request timers, repair timers, suppression cancelling some.
    let srm = small(Mode::from_name("srm").expect("srm"), &[("loss", "0.2")]);
    let replay =
        Replay::from_events(&trace::record(&srm, None, &[]).expect("traced")).expect("loads");
    let names = &replay.timer_names;
    assert!(
        names.iter().any(|name| name.contains("request")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|name| name.contains("repair")),
        "{names:?}"
    );
    assert!(replay.timers.iter().any(|bar| bar.how == TimerEnd::Fired));
    // A suppressed timer is written as a cancelled firing, and read back as a cancelled bar.
    let events = trace::record(&srm, None, &[]).expect("traced");
    let text = trace::write(&events);
    assert!(text.contains("\"event\":\"timer_fired\"") && text.contains("\"cancelled\":true"));
    assert!(
        !text.contains("timer_cancelled"),
        "only the nine documented events"
    );
    assert!(
        replay
            .timers
            .iter()
            .any(|bar| bar.how == TimerEnd::Cancelled)
    );
    for bar in &replay.timers {
        assert!(bar.end >= bar.set, "a bar ends after it starts: {bar:?}");
        if bar.how == TimerEnd::Fired {
            assert_eq!(Some(bar.end), bar.due, "a timer fires when due: {bar:?}");
        }
    }
    // RMTP: every receiver's ACK period.
    let rmtp = small(Mode::from_name("rmtp").expect("rmtp"), &[]);
    let replay =
        Replay::from_events(&trace::record(&rmtp, None, &[]).expect("traced")).expect("loads");
    let acks: Vec<u32> = replay.timers.iter().map(|bar| bar.node).collect();
    assert!(
        (1..12).all(|node| acks.contains(&node)),
        "every receiver's ACK timer"
    );
    // SWIM with a crash: ping timeouts, and the suspicion of the crashed member.
    let swim = small(Mode::from_name("swim").expect("swim"), &[("loss", "0")]);
    let replay =
        Replay::from_events(&trace::record(&swim, None, &[]).expect("traced")).expect("loads");
    let names = &replay.timer_names;
    assert!(names.iter().any(|name| name == "ping timeout"), "{names:?}");
    assert!(names.iter().any(|name| name == "suspicion"), "{names:?}");
    assert_eq!(
        replay.crashes.iter().filter(|crash| crash.2).count(),
        1,
        "the watched crash"
    );
}

#[test]
fn a_crashed_node_crashes_in_the_trace_and_its_timers_end() {
    let config = small(Mode::from_name("push").expect("push"), &[("crash", "0.25")]);
    let events = trace::record(&config, None, &[]).expect("traced");
    let simulation = Simulation::new(config).expect("valid");
    let crashed: Vec<u32> = (0..12)
        .filter(|&node| simulation.is_crashed(node))
        .collect();
    let traced: Vec<u32> = events
        .iter()
        .filter(|event| event.event == EventKind::Crash && event.tick == 0)
        .map(|event| event.to.expect("a node"))
        .collect();
    assert_eq!(traced, crashed);
    assert_eq!(crashed.len(), 3, "a quarter of the 11 receivers, rounded");
}

#[test]
fn a_run_too_large_to_trace_is_refused_with_a_message() {
    let mut config = Config::default();
    config.set("nodes", "20000").expect("valid");
    let message = trace::record(&config, None, &[]).expect_err("too many nodes");
    assert!(message.contains("10000 nodes"), "{message}");
    // A limit on events: a writer refuses the round that passes it.
    let config = small(Mode::from_name("push").expect("push"), &[]);
    let mut simulation = Simulation::with_contacts(config).expect("valid");
    let mut writer = TraceWriter::new(&simulation, 20);
    let mut refused = None;
    while let Some(report) = simulation.step() {
        if let Err(error) = writer.round(&report) {
            refused = Some(error.0);
            break;
        }
    }
    let message = refused.expect("more than 20 events");
    assert!(message.contains("more than 20 events"), "{message}");
}

/// The message for a trace, or a panic if it reads.
fn refused(text: &str) -> String {
    match Replay::load(text) {
        Ok(_) => panic!("{text:?} was accepted"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn malformed_traces_get_their_line_and_what_is_wrong() {
    let good = "{\"event\":\"send\",\"tick\":0,\"from\":0,\"to\":1,\"kind\":\"push\"}\n";
    let cases = [
        ("", "the trace holds no events"),
        (
            "{\"event\":\"send\",\"tick\":0,\"from\":0,\"to\":1,\"kind\":\"push\"",
            "line 1: not JSON",
        ),
        (
            &format!("{good}\n[1, 2]"),
            "line 3: [1,2] is not a JSON object",
        ),
        (
            &format!("{good}{{\"tick\":3}}"),
            "line 2: no \"event\" field",
        ),
        (
            &format!("{good}{{\"event\":\"jump\",\"tick\":3}}"),
            "line 2: unknown event \"jump\"",
        ),
        (
            &format!("{good}{{\"event\":\"crash\"}}"),
            "line 2: crash without \"tick\"",
        ),
        (
            &format!("{good}{{\"event\":\"crash\",\"tick\":-1,\"to\":2}}"),
            "line 2: \"tick\" is -1, not a whole number",
        ),
        (
            &format!("{good}{{\"event\":\"send\",\"tick\":1,\"from\":0,\"to\":1}}"),
            "line 2: send without \"kind\"",
        ),
        (
            &format!("{good}{{\"event\":\"crash\",\"tick\":1,\"to\":\"a\"}}"),
            "line 2: \"to\" is \"a\", not a whole number from 0 to 99999",
        ),
        (
            &format!("{good}{{\"event\":\"crash\",\"tick\":1,\"to\":2,\"form\":1}}"),
            "line 2: crash does not take \"form\"",
        ),
        (
            &format!("{{\"event\":\"crash\",\"tick\":5,\"to\":2}}\n{good}"),
            "line 2: tick 0 comes after tick 5",
        ),
        (
            &format!(
                "{good}{{\"event\":\"receive\",\"tick\":1,\"from\":2,\"to\":1,\"kind\":\"push\"}}"
            ),
            "line 2: receive of a push datagram from 2 to 1 that was never sent",
        ),
        (
            &format!("{good}{{\"event\":\"timer_fired\",\"tick\":1,\"to\":1,\"kind\":\"ack\"}}"),
            "line 2: timer_fired of a \"ack\" timer node 1 never set",
        ),
        (
            &format!(
                "{good}{{\"event\":\"timer_fired\",\"tick\":1,\"to\":1,\"kind\":\"ack\",\"cancelled\":1}}"
            ),
            "line 2: \"cancelled\" is 1, not true or false",
        ),
        (
            &format!(
                "{good}{{\"event\":\"timer_cancelled\",\"tick\":1,\"to\":1,\"kind\":\"ack\"}}"
            ),
            "line 2: unknown event \"timer_cancelled\"",
        ),
        (
            &format!(
                "{good}{{\"event\":\"receive\",\"tick\":1,\"from\":0,\"to\":1,\"kind\":\"push\",\"fate\":\"eaten\"}}"
            ),
            "line 2: \"fate\" is \"eaten\", not one of",
        ),
        (
            &format!(
                "{good}{{\"event\":\"learn\",\"tick\":1,\"to\":1,\"message\":0,\"kind\":\"<b>x</b>\"}}"
            ),
            "line 2: learn does not take \"kind\"",
        ),
        (
            &format!("{}\n", "x".repeat(2000)),
            "line 1: 2000 characters",
        ),
    ];
    for (text, expected) in cases {
        let message = refused(text);
        assert!(
            message.starts_with(expected),
            "{text:?}: {message:?} should start with {expected:?}"
        );
    }
}

#[test]
fn a_trace_of_more_events_than_the_limit_is_refused() {
    let line = "{\"event\":\"crash\",\"tick\":0,\"to\":1}\n";
    let text = line.repeat(MAX_EVENTS + 1);
    let message = refused(&text);
    assert_eq!(
        message,
        format!(
            "line {}: more than {MAX_EVENTS} events; a trace holds at most that many",
            MAX_EVENTS + 1
        )
    );
    let huge = " ".repeat(trace::MAX_BYTES + 1);
    assert!(refused(&huge).starts_with("the trace is 48.0 MB; at most 48 MB are read"));
}

#[test]
fn a_hand_written_trace_pairs_in_order_and_places_shared_ticks_apart() {
    // A student's log: no `sent` fields, two datagrams on one link, a timer, a crash.
    let text = "\
{\"event\":\"learn\",\"tick\":0,\"to\":0,\"message\":0}
{\"event\":\"send\",\"tick\":0,\"from\":0,\"to\":1,\"kind\":\"data\"}
{\"event\":\"send\",\"tick\":0,\"from\":0,\"to\":1,\"kind\":\"data\"}
{\"event\":\"timer_set\",\"tick\":0,\"to\":0,\"kind\":\"ack wait\",\"due\":300}
{\"event\":\"receive\",\"tick\":100,\"from\":0,\"to\":1,\"kind\":\"data\"}
{\"event\":\"learn\",\"tick\":100,\"from\":0,\"to\":1,\"message\":0}
{\"event\":\"lost\",\"tick\":150,\"from\":0,\"to\":1,\"kind\":\"data\"}
{\"event\":\"crash\",\"tick\":200,\"to\":0}
";
    let replay = Replay::load(text).expect("a valid trace");
    assert_eq!(replay.nodes, 2);
    assert_eq!(replay.kinds, vec!["data".to_string()]);
    assert_eq!(replay.flights.len(), 2);
    assert_eq!(replay.flights[0].arrives, Some(100));
    assert_eq!(replay.flights[1].arrives, Some(150));
    assert!(replay.flights[1].lost());
    // The four events at tick 0 are placed in order within 80 of the 100 ticks to the next.
    assert_eq!(replay.flights[0].sent_at, 30.0);
    assert_eq!(replay.flights[1].sent_at, 50.0);
    // The crash ends node 0's timer before it was due.
    assert_eq!(replay.timers[0].how, TimerEnd::Crashed);
    assert_eq!(replay.timers[0].end, 200);
    assert_eq!(replay.rounds(), 3);
    // Written back, it reads as the same events.
    let events = trace::parse(text).expect("parses");
    assert_eq!(
        trace::parse(&trace::write(&events)).expect("parses"),
        events
    );
    assert_eq!(events[0], {
        let mut learn = Event::new(EventKind::Learn, 0);
        learn.to = Some(0);
        learn.message = Some(0);
        learn
    });
}
