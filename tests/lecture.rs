#![cfg(not(target_arch = "wasm32"))]
//! Lecture-ready: the URL parser never panics and always yields a valid state, the
//! page state round-trips through its URL, the timeline's replay is the run itself, and every
//! built-in tour parses with valid steps.

use gossip_lab::engine::Simulation;
use gossip_lab::ui::state::{Cue, Lab, ghost_label};
use gossip_lab::ui::url::lecture_keys::{TourAction, tour_source};
use gossip_lab::ui::url::parse_query;
use gossip_lab::ui::url::share::{parse_tour, to_query};
use proptest::prelude::*;

/// Keys the parser knows, to make random queries hit real parameters often.
const KEYS: &[&str] = &[
    "n",
    "b",
    "loss",
    "crash",
    "mode",
    "seed",
    "transport",
    "timeout",
    "repair",
    "packets",
    "suppression",
    "regions",
    "designated",
    "ack-period",
    "async",
    "racks",
    "cross",
    "stop",
    "stop_k",
    "push_until",
    "messages",
    "capacity",
    "policy",
    "delay",
    "burst",
    "crash_at",
    "speed",
    "autoplay",
    "log",
    "embed",
    "lock",
    "loop",
    "round",
    "tour",
    "present",
    "theme",
    "nonsense",
    "<script>",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (-1.0e6f64..1.0e6).prop_map(|x| x.to_string()),
        (0.0f64..1.0).prop_map(|x| x.to_string()),
        prop::sample::select(vec![
            "push",
            "pull",
            "push-pull",
            "tree",
            "srm",
            "rmtp",
            "centralized",
            "on",
            "off",
            "none",
            "1",
            "0",
            "dark",
            "light",
            "n,b,mode",
            "fixed:1",
            "uniform:0:2",
            "exp:1",
            "0.1:0.3",
            "3:0.2",
            "NaN",
            "inf",
            "-1",
            "%3Cb%3E",
            "<img src=x onerror=alert(1)>",
            "../../etc/passwd",
            "//evil.example/t.json",
            "1e309",
            "",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![
                prop::sample::select(KEYS.to_vec()).prop_map(str::to_string),
                "\\PC{0,6}"
            ],
            value(),
        ),
        0..12,
    )
    .prop_map(|pairs| {
        let body: Vec<String> = pairs
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        format!("?{}", body.join("&"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any query: no panic, a configuration the engine accepts, and the state written back as a
    /// query reads back to the same state without a notice.
    #[test]
    fn parse_query_always_yields_a_valid_state(query in query()) {
        let (setup, _notices) = parse_query(&query);
        prop_assert!(setup.config.validate().is_ok(), "invalid config from {query}");
        prop_assert!(Simulation::new(setup.config.clone()).is_ok());
        let written = to_query(&setup);
        let (again, notices) = parse_query(&written);
        prop_assert!(notices.is_empty(), "{written} gave notices {notices:?}");
        prop_assert_eq!(again, setup);
    }

    /// Arbitrary bytes, not just key=value pairs.
    #[test]
    fn parse_query_survives_any_text(text in "\\PC{0,200}") {
        let (setup, _) = parse_query(&text);
        prop_assert!(setup.config.validate().is_ok());
    }
}

#[test]
fn wrong_values_get_specific_notices_and_defaults() {
    let (setup, notices) = parse_query(
        "?round=abc&theme=purple&embed=yes&lock=n,bogus,mode&tour=http://evil.example/x.json&zzz=1",
    );
    assert_eq!(setup.lecture.round, None);
    assert_eq!(setup.lecture.theme, None);
    assert!(!setup.lecture.embed);
    assert_eq!(setup.lecture.lock, vec!["n", "mode"]);
    assert_eq!(setup.lecture.tour, None);
    let all = notices.join("\n");
    for expected in [
        "round=\"abc\"",
        "theme=\"purple\"",
        "embed=\"yes\"",
        "\"bogus\"",
        "tour=",
        "\"zzz\"",
    ] {
        assert!(
            all.contains(expected),
            "no notice about {expected} in {all}"
        );
    }
    let long = format!("?n=50&x={}", "a".repeat(20_000));
    let (setup, notices) = parse_query(&long);
    assert_eq!(setup.config.nodes, 50);
    assert!(
        notices
            .iter()
            .any(|notice| notice.contains("only the first"))
    );
}

#[test]
fn tour_sources_stay_on_the_origin() {
    assert_eq!(
        tour_source("push-pull").as_deref(),
        Some("tours/push-pull.json")
    );
    assert_eq!(
        tour_source("/notes/my-tour.json").as_deref(),
        Some("/notes/my-tour.json")
    );
    for bad in [
        "//evil.example/a.json",
        "https://evil.example/a.json",
        "a<b",
        "x.js",
        "",
    ] {
        assert_eq!(tour_source(bad), None, "{bad}");
    }
}

/// The timeline: scrubbing back replays the same run, and stepping on from there gives exactly
/// the rounds played before (going back never changes what happens next).
#[test]
fn scrubbing_back_and_forth_is_the_same_run() {
    for query in [
        "?mode=push&n=300&loss=0.2&seed=7",
        "?mode=tree&n=200&b=2&loss=0.1&seed=3&repair=2",
        "?mode=srm&n=60&loss=0.05&seed=9",
    ] {
        let (setup, _) = parse_query(&format!("{query}&round=12"));
        let mut lab = Lab::new(setup, Vec::new());
        let totals = |lab: &Lab| {
            let run = lab.run.borrow();
            (
                run.simulation.round(),
                run.simulation.informed(),
                run.simulation.totals().datagrams,
            )
        };
        let at_twelve = totals(&lab);
        assert_eq!(at_twelve.0, 12.min(at_twelve.0));
        let mut notices = Vec::new();
        lab.cue(Cue::Scrub(4), &mut notices);
        assert_eq!(lab.run.borrow().simulation.round(), 4.min(at_twelve.0));
        lab.cue(Cue::Scrub(12), &mut notices);
        assert_eq!(totals(&lab), at_twelve, "{query}");
        lab.cue(Cue::Scrub(0), &mut notices);
        assert_eq!(lab.run.borrow().simulation.round(), 0);
        lab.cue(Cue::Scrub(99), &mut notices);
        assert_eq!(
            totals(&lab),
            at_twelve,
            "scrubbing is capped at the furthest round played"
        );
        assert!(notices.is_empty());
    }
}

/// A crash clicked at round 3 is replayed at round 3 when scrubbing back past it and forth.
#[test]
fn replay_keeps_clicked_crashes() {
    let (setup, _) = parse_query("?mode=push&n=100&seed=2&round=3");
    let mut lab = Lab::new(setup, Vec::new());
    lab.run.borrow_mut().toggle_crash(42, true);
    lab.open_at(10);
    let ahead = lab.run.borrow().simulation.informed();
    let mut notices = Vec::new();
    lab.cue(Cue::Scrub(5), &mut notices);
    assert!(lab.run.borrow().simulation.is_crashed(42));
    lab.cue(Cue::Scrub(10), &mut notices);
    assert_eq!(lab.run.borrow().simulation.informed(), ahead);
}

/// `loop=1`: the next run is the next seed.
#[test]
fn loop_plays_the_next_seed() {
    let (setup, _) = parse_query("?mode=pull&n=50&seed=41&loop=1");
    let mut lab = Lab::new(setup, Vec::new());
    lab.cue(Cue::NextLoop, &mut Vec::new());
    assert_eq!(lab.config.seed, 42);
    assert!(lab.playing);
}

/// Every built-in tour parses, every step's query is valid, and every step plays.
#[test]
fn built_in_tours_parse_and_play() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/tours");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("static/tours") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        let tour = parse_tour(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        names.push(tour.title.clone());
        let (setup, _) = parse_query("");
        let mut lab = Lab::new(setup, Vec::new());
        lab.cue(
            Cue::TourLoaded(Ok(std::rc::Rc::new(tour.clone()))),
            &mut Vec::new(),
        );
        for (index, step) in tour.steps.iter().enumerate() {
            let mut notices = Vec::new();
            lab.cue(Cue::TourStep(index), &mut notices);
            assert!(
                notices.is_empty(),
                "{}: step {index}: {notices:?}",
                path.display()
            );
            assert!(!step.caption.trim().is_empty() && step.caption.len() < 400);
            if let Some(TourAction::RunTo(round)) = step.action {
                let run = lab.run.borrow();
                assert!(run.simulation.round() == round || run.is_over());
            }
        }
    }
    for title in [
        "Why not a for-loop?",
        "Push, pull, push-pull",
        "Loss and crashes",
        "Trees break",
        "NAK storms",
        "Racks and the core switch",
        "Many messages and the three policies",
        "Rumor mongering and its residue",
        "SWIM against heartbeating",
        "Cassandra's φ",
        "Asynchrony and delay",
        "Plumtree: a tree that gossip repairs",
    ] {
        assert!(names.iter().any(|name| name == title), "no tour {title:?}");
    }
}

#[test]
fn malformed_tours_get_clear_messages() {
    for (json, expected) in [
        ("{", "not valid"),
        (r#"{"title": "t", "steps": []}"#, "1 to"),
        (
            r#"{"title": "t", "steps": [{"query": "?n=abc", "caption": "c"}]}"#,
            "step 1's query",
        ),
        (
            r#"{"title": "t", "steps": [{"query": "?n=10", "caption": "c", "action": {"crash": 10}}]}"#,
            "node 10",
        ),
        (
            r#"{"title": "t", "steps": [{"query": "?n=10", "caption": "c", "action": {"explode": 1}}]}"#,
            "unknown field \"explode\"",
        ),
        (
            r#"{"title": "t", "steps": [{"query": "?n=10", "caption": "c", "extra": 1}]}"#,
            "unknown field \"extra\"",
        ),
        (
            r#"{"title": "t", "steps": [{"query": "?n=10"}]}"#,
            "caption",
        ),
    ] {
        let error = parse_tour(json).expect_err(json);
        assert!(error.contains(expected), "{json}: {error}");
    }
}

/// A faded run's legend names every parameter that differs from the run on screen, and only those.
#[test]
fn ghost_labels_name_what_differs() {
    let config = |query: &str| parse_query(query).0.config;
    let current = config("?mode=srm&n=200&b=2&loss=0.05&seed=4");
    assert_eq!(
        ghost_label(
            &config("?mode=srm&n=200&b=2&loss=0.05&suppression=off&seed=4"),
            &current
        ),
        "suppression off"
    );
    assert_eq!(
        ghost_label(&config("?mode=push&n=1000&b=2&loss=0.05&seed=5"), &current),
        "push, N=1000, seed 5"
    );
    assert_eq!(
        ghost_label(
            &config("?mode=push&n=200&b=1&stop=feedback-counter&stop_k=2&seed=3"),
            &config("?mode=push&n=200&b=1&stop=feedback-counter&stop_k=1&seed=3")
        ),
        "stop k 2"
    );
    // A default is named as the parameter table types it.
    assert_eq!(
        ghost_label(
            &config("?mode=push&n=200&seed=3"),
            &config("?mode=push&n=200&async=0&seed=3")
        ),
        "async off"
    );
    assert_eq!(
        ghost_label(&current, &current),
        "an earlier run, same parameters"
    );
}
