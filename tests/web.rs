//! Component tests in headless Chromium (wasm-bindgen-test): the reducer, the URL contract,
//! drawing edge cases, and the mounted app answering clicks and keys.
#![cfg(target_arch = "wasm32")]

use gossip_lab::engine::protocols::{rmtp, tree};
use gossip_lab::engine::{Config, Mode, NetworkConfig, Simulation};
use gossip_lab::ui::App;
use gossip_lab::ui::charts::{datagrams, infection};
use gossip_lab::ui::run::stage;
use gossip_lab::ui::state::{
    Action, DATAGRAMS_PER_FRAME, HISTORY_POINTS, History, Lab, Run, ghost_label,
};
use gossip_lab::ui::url::{Setup, parse_query};
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlCanvasElement, HtmlElement, KeyboardEvent, KeyboardEventInit};
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

/// The pinned membership runs, played by the engine as the page builds it.
#[path = "membership_pinned.rs"]
mod membership_pinned;

fn lab(config: Config) -> Rc<Lab> {
    Rc::new(Lab::new(
        Setup {
            config,
            ..Setup::default()
        },
        Vec::new(),
    ))
}

fn reduce(lab: Rc<Lab>, actions: impl IntoIterator<Item = Action>) -> Rc<Lab> {
    actions
        .into_iter()
        .fold(lab, |lab, action| lab.reduce(action))
}

#[wasm_bindgen_test]
fn step_and_reset_move_the_round() {
    let lab = reduce(
        lab(Config {
            nodes: 50,
            ..Config::default()
        }),
        [Action::Step, Action::Step],
    );
    assert_eq!(lab.run.borrow().simulation.round(), 2);
    let lab = lab.reduce(Action::Reset);
    assert_eq!(lab.run.borrow().simulation.round(), 0);
}

#[wasm_bindgen_test]
fn out_of_range_values_are_clamped_with_a_notice() {
    let lab = reduce(
        lab(Config::default()),
        [
            Action::SetNodes(2_000_000.0),
            Action::SetFanout(0.0),
            Action::SetLoss(f64::NAN),
        ],
    );
    assert_eq!(
        (lab.config.nodes, lab.config.fanout, lab.config.network.loss),
        (1 << 20, 1, 0.0)
    );
    assert_eq!(lab.notices.len(), 3, "{:?}", lab.notices);
    assert!(lab.notices[0].contains("2000000 was set to 1048576"));
    let lab = lab.reduce(Action::SetSeed("12x".into()));
    assert!(
        lab.notices
            .last()
            .unwrap()
            .contains("\"12x\" is not a whole number")
    );
    assert_eq!(lab.reduce(Action::DismissNotices).notices.len(), 0);
}

#[wasm_bindgen_test]
fn changing_a_parameter_restarts_and_keeps_the_old_curve_as_a_ghost() {
    let lab = reduce(
        lab(Config {
            nodes: 80,
            ..Config::default()
        }),
        [Action::Step, Action::Step, Action::SetMode(Mode::Pull)],
    );
    assert_eq!(lab.config.mode, Mode::Pull);
    assert_eq!(lab.run.borrow().simulation.round(), 0);
    assert_eq!(lab.ghosts.len(), 1);
    // The faded run is named by what differs from the run on screen: the protocol.
    assert_eq!(ghost_label(&lab.ghosts[0].config, &lab.config), "push");
    assert_eq!(lab.reduce(Action::ClearGhosts).ghosts.len(), 0);
}

#[wasm_bindgen_test]
fn run_to_end_finishes_within_the_per_frame_budget_and_stops_playing() {
    // Pull at N = 100,000: every node sends a request and gets a reply each round, 200,000
    // datagrams a round, and the run needs about three frames' budgets, so the budget decides
    // where each Advance stops.
    let mut lab = reduce(
        lab(Config {
            nodes: 100_000,
            mode: Mode::Pull,
            ..Config::default()
        }),
        [Action::RunToEnd, Action::Advance],
    );
    {
        let run = lab.run.borrow();
        let spent = run.simulation.totals().datagrams;
        let last_round = run.counters.last().map_or(0, |counters| counters.datagrams);
        assert!(last_round > 0, "one Advance played no round");
        assert!(
            spent >= DATAGRAMS_PER_FRAME,
            "one Advance stopped after {spent} datagrams, before spending its budget of {DATAGRAMS_PER_FRAME}"
        );
        assert!(
            spent < DATAGRAMS_PER_FRAME + last_round,
            "one Advance spent {spent} datagrams: it went on after its budget of {DATAGRAMS_PER_FRAME} \
             was spent (its last round sent {last_round})"
        );
        assert!(
            !run.is_over(),
            "one Advance finished a run of several budgets"
        );
    }
    assert!(lab.playing && lab.fast_forward);

    let mut advances = 1;
    while lab.playing && advances < 100 {
        lab = lab.reduce(Action::Advance);
        advances += 1;
    }
    let run = lab.run.borrow();
    assert!(run.is_over());
    assert!(!lab.playing && !lab.fast_forward);
    let total = run.simulation.totals().datagrams;
    assert!(
        total >= 2 * DATAGRAMS_PER_FRAME && advances >= 3,
        "the run sent {total} datagrams in {advances} Advances: too few for the budget to bind"
    );
}

#[wasm_bindgen_test]
fn a_heavy_round_plays_over_several_frames_and_is_the_same_round() {
    // SRM at 4,000 nodes (above the animated 2,000) with 5 % loss: its repair rounds hold more
    // than a frame's work (`WORK_PER_FRAME`), so some Advances end no round.
    let mut config = Config {
        nodes: 4_000,
        mode: Mode::Srm,
        fanout: 2,
        packets: 8,
        ..Config::default()
    };
    config.set("loss", "0.05").expect("5 % loss");
    let mut whole = Simulation::new(config.clone().without_inapplicable()).expect("valid");
    let mut lab = reduce(lab(config), [Action::TogglePlay]);
    let (mut parts, mut rounds) = (0, 0);
    while lab.playing && rounds < 500 {
        let before = lab.clone();
        lab = lab.reduce(Action::Advance);
        let run = lab.run.borrow();
        if Rc::ptr_eq(&lab, &before) {
            // Part of a round: nothing new to show, the round shown is the last one ended.
            parts += 1;
            assert!(run.mid_round());
            assert_eq!(run.simulation.round(), rounds);
            continue;
        }
        rounds += 1;
        let expected = whole.step().expect("the whole run goes on as long");
        assert_eq!(run.simulation.round(), rounds);
        assert!(
            run.last.as_ref() == Some(&expected),
            "round {rounds} in parts differs from the whole round"
        );
    }
    assert!(
        !lab.playing && whole.step().is_none(),
        "both runs end together"
    );
    assert!(parts > 0, "no round was heavier than a frame's work");

    // Pausing in the middle of a round ends it first.
    let mut lab = reduce(lab, [Action::TogglePlay]);
    while !lab.run.borrow().mid_round() {
        lab = lab.reduce(Action::Advance);
    }
    let round = lab.run.borrow().simulation.round();
    let lab = lab.reduce(Action::Pause);
    let run = lab.run.borrow();
    assert!(!run.mid_round() && run.simulation.round() == round + 1);
}

#[wasm_bindgen_test]
fn play_on_a_finished_run_replays_it() {
    let mut lab = reduce(
        lab(Config {
            nodes: 10,
            ..Config::default()
        }),
        [Action::RunToEnd],
    );
    while lab.playing {
        lab = lab.reduce(Action::Advance);
    }
    let lab = lab.reduce(Action::TogglePlay);
    assert!(lab.playing);
    assert_eq!(lab.run.borrow().simulation.round(), 0);
}

#[wasm_bindgen_test]
fn the_url_sets_every_parameter_and_explains_bad_values() {
    let (setup, notices) = parse_query(
        "?n=1000&b=2&loss=0.25&crash=0.1&mode=push-pull&seed=18446744073709551615&speed=60&autoplay=1&perf=1",
    );
    assert!(notices.is_empty(), "{notices:?}");
    let config = &setup.config;
    assert_eq!(
        (config.nodes, config.fanout, config.mode, config.seed),
        (1000, 2, Mode::PushPull, u64::MAX)
    );
    assert_eq!(
        (
            config.network.loss,
            config.network.crash,
            setup.speed,
            setup.autoplay,
            setup.perf
        ),
        (0.25, 0.1, 60.0, true, true)
    );

    let (setup, notices) = parse_query("?n=1&mode=gossip&loss=abc&autoplay=maybe&seed=%31%32");
    assert_eq!(
        setup,
        Setup {
            config: Config {
                seed: 12,
                ..Setup::default().config
            },
            ..Setup::default()
        }
    );
    assert_eq!(notices.len(), 4, "{notices:?}");
    assert!(
        notices[0].starts_with("URL parameter n=\"1\" is not a whole number from 2 to 1048576")
    );
}

fn canvas(width: u32, height: u32) -> HtmlCanvasElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas
        .set_attribute("style", &format!("width:{width}px;height:{height}px"))
        .unwrap();
    document.body().unwrap().append_child(&canvas).unwrap();
    canvas
}

fn draw_everything(config: Config, rounds: usize) {
    let mut run = Run::new(&config);
    for _ in 0..rounds {
        run.step();
    }
    let stage_canvas = canvas(300, 300);
    for progress in [0.0, 0.3, 0.5, 0.75, 1.0] {
        stage::draw(&stage_canvas, &run, progress, Some(0)).unwrap();
    }
    let ghost = vec![(0.0, 0.0), (1.0, 0.5), (2.0, 1.0)];
    let points: Vec<(f64, f64)> = run
        .fractions
        .points(0)
        .map(|(round, &fraction)| (f64::from(round), fraction))
        .collect();
    let rounds: Vec<_> = run
        .counters
        .points(1)
        .map(|(round, &counters)| (f64::from(round), counters))
        .collect();
    for log_rounds in [false, true] {
        let data = infection::InfectionData {
            points: &points,
            theory: &run.theory,
            theory_rounds: run.theory_rounds,
            theory_label: run.theory_label(),
            ghosts: vec![infection::Ghost {
                label: "ghost",
                points: &ghost,
            }],
            log_rounds,
            // async-racks: the periods axis with the asynchronous mark.
            periods: log_rounds,
            async_mark: log_rounds.then(|| (14.9, "asynchronous theory".to_string())),
            y_desc: &["informed fraction", "informed"],
        };
        infection::draw(&canvas(400, 250), &data).unwrap();
        datagrams::draw(
            &canvas(400, 150),
            run.simulation.kinds(),
            &rounds,
            log_rounds,
        )
        .unwrap();
    }
}

#[wasm_bindgen_test]
fn drawing_survives_the_edge_cases() {
    let cases = [
        (
            Config {
                nodes: 2,
                ..Config::default()
            },
            3,
        ),
        // N = 2 with 99% crashed: the sender is the only live node, complete before any round.
        (
            Config {
                nodes: 2,
                network: NetworkConfig {
                    crash: 0.99,
                    ..NetworkConfig::default()
                },
                ..Config::default()
            },
            3,
        ),
        (
            Config {
                nodes: 300,
                network: NetworkConfig {
                    crash: 0.99,
                    ..NetworkConfig::default()
                },
                mode: Mode::Pull,
                ..Config::default()
            },
            5,
        ),
        (
            Config {
                nodes: 100,
                network: NetworkConfig {
                    loss: 1.0,
                    ..NetworkConfig::default()
                },
                mode: Mode::PushPull,
                ..Config::default()
            },
            12,
        ),
        (
            Config {
                nodes: 100_000,
                mode: Mode::PushPull,
                fanout: 16,
                ..Config::default()
            },
            4,
        ),
        (
            Config {
                nodes: 501,
                network: NetworkConfig {
                    loss: 0.99,
                    ..NetworkConfig::default()
                },
                ..Config::default()
            },
            2,
        ),
    ];
    for (config, rounds) in cases {
        draw_everything(config, rounds);
    }
    // Every protocol's layout, small and large, with crashes and a repair.
    for mode in Mode::ALL {
        for (nodes, fanout) in [(2, 1), (31, 2), (300, 1), (5000, 3)] {
            // As the page does: a mode's own cap on N (membership: 1,000) with a notice.
            let mut config = Config {
                nodes,
                fanout,
                mode,
                network: NetworkConfig {
                    loss: 0.1,
                    crash: 0.2,
                },
                tree: tree::Params {
                    repair_delay: Some(2),
                },
                rmtp: rmtp::Params {
                    regions: (nodes - 1).min(8),
                    ..rmtp::Params::default()
                },
                ..Config::default()
            };
            gossip_lab::ui::url::checks::keep_consistent(&mut config, &mut Vec::new());
            draw_everything(config, 6);
        }
    }
}

#[wasm_bindgen_test]
fn a_click_on_the_circle_finds_the_node_under_it() {
    let run = Run::new(&Config {
        nodes: 4,
        ..Config::default()
    });
    let stage_canvas = canvas(200, 200);
    stage::draw(&stage_canvas, &run, 0.0, None).unwrap();
    // Node 0 at the top, node 1 at the right (radius 0.43 of the side).
    assert_eq!(
        stage::node_at(&stage_canvas, &run, 100.0, 100.0 - 86.0),
        Some(0)
    );
    assert_eq!(stage::node_at(&stage_canvas, &run, 186.0, 100.0), Some(1));
    assert_eq!(stage::node_at(&stage_canvas, &run, 100.0, 100.0), None);
}

async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(60)).await;
}

fn text(root: &Element, test_id: &str) -> String {
    root.query_selector(&format!("[data-testid='{test_id}']"))
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
}

fn button(root: &Element, label: &str) -> HtmlElement {
    let buttons = root.query_selector_all("button").unwrap();
    (0..buttons.length())
        .filter_map(|index| buttons.item(index)?.dyn_into::<HtmlElement>().ok())
        .find(|button| button.text_content().as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no button {label}"))
}

#[wasm_bindgen_test]
async fn the_mounted_app_answers_buttons_and_keys() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let app = yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;
    assert_eq!(text(&root, "round"), "0");
    assert_eq!(text(&root, "live"), "200");

    button(&root, "Step").click();
    settle().await;
    assert_eq!(text(&root, "round"), "1");

    button(&root, "pull").click();
    settle().await;
    assert_eq!(text(&root, "round"), "0");
    assert_eq!(
        button(&root, "pull")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    assert!(text(&root, "explanation").starts_with("Pull:"));

    let init = KeyboardEventInit::new();
    init.set_key("ArrowRight");
    init.set_bubbles(true);
    document
        .body()
        .unwrap()
        .dispatch_event(
            &KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    settle().await;
    assert_eq!(text(&root, "round"), "1");
    init.set_key("r");
    document
        .body()
        .unwrap()
        .dispatch_event(
            &KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    settle().await;
    assert_eq!(text(&root, "round"), "0");

    // A lesson without an expected figure says why in its place; one with it gives the figure.
    button(&root, "srm").click();
    settle().await;
    let srm = text(&root, "expectation");
    assert!(
        srm.starts_with("NAKs per node that missed a packet: no closed form: "),
        "{srm}"
    );
    assert!(!srm.contains("expected about"), "{srm}");
    assert!(
        root.query_selector("[data-testid='lesson-expected']")
            .unwrap()
            .is_none()
    );
    button(&root, "push").click();
    settle().await;
    assert!(text(&root, "expectation").contains(": expected about "));
    assert!(!text(&root, "lesson-expected").is_empty());
    // The stage, its timeline, the counts and a click's answer share the fold that fills the
    // stage's panel.
    let fold = root.query_selector(".stage-panel > .stage-fold").unwrap();
    let fold = fold.expect("the stage's fold");
    for part in [".stage", ".timeline", ".counts", ".node-details"] {
        assert!(
            fold.query_selector(part).unwrap().is_some(),
            "{part} in the fold"
        );
    }
    app.destroy();
}

#[wasm_bindgen_test]
fn regions_follow_n_so_the_page_never_holds_an_invalid_configuration() {
    let lab = reduce(
        lab(Config {
            mode: Mode::Rmtp,
            nodes: 100,
            ..Config::default()
        }),
        [Action::SetNodes(3.0)],
    );
    assert_eq!((lab.config.nodes, lab.config.rmtp.regions), (3, 2));
    assert!(
        lab.notices
            .last()
            .unwrap()
            .contains("Regions R must be at most N − 1 = 2")
    );
    let (setup, notices) = parse_query("?mode=srm&n=50000");
    assert_eq!(setup.config.nodes, 10_000);
    assert!(notices[0].contains(
        "SRM runs in the page with at most 10000 nodes: every NAK, repair and session message floods every node"
    ));
    let (setup, notices) = parse_query("?mode=rmtp&n=4&regions=50");
    assert_eq!(setup.config.rmtp.regions, 3);
    assert!(
        notices
            .iter()
            .any(|notice| notice.contains("at most N − 1 = 3"))
    );
}

#[wasm_bindgen_test]
fn a_run_of_any_length_keeps_a_bounded_history() {
    let mut history = History::new();
    for round in 0..100_000u32 {
        history.push(round, f64::from(round));
    }
    assert!(history.len() <= HISTORY_POINTS + 1, "{}", history.len());
    let points: Vec<(u32, f64)> = history
        .points(0)
        .map(|(round, &value)| (round, value))
        .collect();
    assert_eq!(
        points.last(),
        Some(&(99_999, 99_999.0)),
        "the newest round is kept"
    );
    assert!(points.windows(2).all(|pair| pair[0].0 < pair[1].0));
    assert!(
        points
            .iter()
            .all(|&(round, value)| f64::from(round) == value),
        "every point is its own round's value"
    );
    // The reported case: pull on 2 nodes at extreme loss plays rounds for a very long time.
    let lab = reduce(
        lab(Config {
            nodes: 2,
            mode: Mode::Pull,
            network: NetworkConfig {
                loss: 0.9999,
                crash: 0.0,
            },
            ..Config::default()
        }),
        [Action::RunToEnd, Action::Advance, Action::Advance],
    );
    let run = lab.run.borrow();
    assert!(
        run.simulation.round() > 100_000 || run.is_over(),
        "round {} datagrams {} playing {} status {:?}",
        run.simulation.round(),
        run.simulation.totals().datagrams,
        lab.playing,
        run.simulation.status()
    );
    assert!(run.fractions.len() <= HISTORY_POINTS + 1);
    assert!(run.counters.len() <= HISTORY_POINTS + 1);
}

/// Mounts the space-time diagram of `shown` alone and returns its root.
async fn mount_diagram(shown: &gossip_lab::ui::views::spacetime::Shown) -> Element {
    use gossip_lab::ui::charts::spacetime::{Diagram, DiagramProps};
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let data =
        gossip_lab::ui::views::spacetime::data(shown, Some(2), shown.replay.end as f64 + 1.0);
    yew::Renderer::<Diagram>::with_root_and_props(
        root.clone(),
        DiagramProps {
            data,
            cursor: None,
            on_node: yew::Callback::noop(),
            on_hover: yew::Callback::noop(),
            on_seek: None,
            svg: yew::NodeRef::default(),
            label: "test".into(),
        },
    )
    .render();
    settle().await;
    root
}

#[wasm_bindgen_test]
async fn the_space_time_diagram_draws_a_line_per_node_and_an_arrow_per_datagram() {
    use gossip_lab::ui::views::spacetime::{load, run_trace};
    let mut config = Config {
        nodes: 9,
        ..Config::default()
    };
    config.set("mode", "rmtp").unwrap();
    config.set("loss", "0.1").unwrap();
    let shown = run_trace(&config, None, &[]).unwrap();
    let root = mount_diagram(&shown).await;
    let count = |selector: &str| root.query_selector_all(selector).unwrap().length() as usize;
    assert_eq!(count(".st-node"), 9);
    assert_eq!(count(".st-datagram"), shown.replay.flights.len());
    assert_eq!(count(".st-timer"), shown.replay.timers.len());
    assert!(
        shown.replay.timers.len() >= 8,
        "every receiver's ACK period"
    );
    // Node 2 is highlighted: its row, and nobody else's.
    assert_eq!(count(".st-node[data-node='2'] rect[fill='#f6e4ee']"), 1);
    assert_eq!(count("rect[fill='#f6e4ee']"), 1);
    // A loaded trace's texts are text: a kind that looks like markup makes no element.
    let text = "{\"event\":\"send\",\"tick\":0,\"from\":0,\"to\":1,\"kind\":\"<i>x</i>\"}\n{\"event\":\"receive\",\"tick\":100,\"from\":0,\"to\":1,\"kind\":\"<i>x</i>\"}\n";
    let shown = load(text.to_string(), "mine.jsonl").unwrap();
    let root = mount_diagram(&shown).await;
    assert_eq!(root.query_selector_all("i").unwrap().length(), 0);
    let title = root.query_selector(".st-datagram title").unwrap().unwrap();
    assert!(
        title
            .text_content()
            .unwrap()
            .starts_with("<i>x</i> from 0 to 1")
    );
    // A malformed one says its line.
    let message = load("{\"event\":\"crash\",\"tick\":1}".into(), "bad.jsonl")
        .err()
        .unwrap();
    assert_eq!(
        message,
        "bad.jsonl: line 1: crash without \"to\" (it needs: tick, to)"
    );
}

/// The stage's nodes are rasterised in wasm memory (`Pixels`), deciding most pixels from
/// squared distances. Every circle paints exactly what the per-pixel rule gives: a pixel's
/// coverage from its centre's distance to the edge, as a canvas antialiases it, kept only
/// within the turn of a pie or timer arc, the shape's circles a union, blended at `alpha`.
#[wasm_bindgen_test]
fn the_stage_pixels_follow_the_per_pixel_rule() {
    use gossip_lab::ui::run::pixels::{Part, Pixels};
    use gossip_lab::ui::widgets::palette;
    use std::f64::consts::TAU;

    fn clockwise(dx: f64, dy: f64) -> f64 {
        let (up, right) = (-dy, dx);
        let sum = up.abs() + right.abs();
        match () {
            _ if sum == 0.0 => 0.0,
            _ if right >= 0.0 && up >= 0.0 => right / sum,
            _ if right >= 0.0 => 1.0 - up / sum,
            _ if up < 0.0 => 2.0 - right / sum,
            _ => 3.0 + up / sum,
        }
    }
    /// Every pixel of the canvas, by its distance from the centre.
    fn cover(
        mask: &mut [u8],
        width: usize,
        (x, y, radius): (f64, f64, f64),
        part: Part,
        turn: f64,
    ) {
        let end = (turn < 1.0).then(|| {
            clockwise(
                js_sys::Math::sin(turn * TAU),
                -js_sys::Math::cos(turn * TAU),
            )
        });
        for (index, level) in mask.iter_mut().enumerate() {
            let (dx, dy) = (
                (index % width) as f64 + 0.5 - x,
                (index / width) as f64 + 0.5 - y,
            );
            let distance = (dx * dx + dy * dy).sqrt();
            let coverage = match part {
                Part::Disc => radius + 0.5 - distance,
                Part::Ring(width) => {
                    (width / 2.0 + 0.5 - (distance - radius).abs()).min(width.min(1.0))
                }
            };
            if coverage > 0.0 && !end.is_some_and(|end| clockwise(dx, dy) > end) {
                *level = (*level).max((coverage.min(1.0) * 255.0) as u8);
            }
        }
    }

    let (width, height) = (61, 47);
    let background: Vec<u8> = (0..4 * width * height)
        .map(|i| (i * 37 % 251) as u8)
        .collect();
    let mut pixels = Pixels::from_rgba(width, height, background.clone());
    let mut expected = background;
    // A fixed sequence of shapes: small and large circles, discs and rings of every width,
    // whole and in part, some over the canvas's edges.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let colours = [palette::PUSH, palette::NEW, palette::INK, palette::CRASHED];
    for shape in 0..120 {
        let mut mask = vec![0u8; width * height];
        for _ in 0..1 + shape % 4 {
            let circle = (
                next() * 80.0 - 10.0,
                next() * 66.0 - 10.0,
                0.2 + next() * next() * 30.0,
            );
            let part = if next() < 0.5 {
                Part::Disc
            } else {
                Part::Ring(0.1 + next() * 7.0)
            };
            let turn = if next() < 0.5 { 1.0 } else { next() };
            pixels.cover(circle.0, circle.1, circle.2, part, turn);
            cover(&mut mask, width, circle, part, turn);
        }
        let (colour, alpha) = (colours[shape % 4], 0.3 + next() * 0.7);
        pixels.fill(colour, alpha);
        let (red, green, blue) = palette::themed(colour);
        for (index, &level) in mask.iter().enumerate().filter(|&(_, &level)| level > 0) {
            let share = alpha * f64::from(level) / 255.0;
            let pixel = &mut expected[4 * index..4 * index + 3];
            for (channel, value) in pixel.iter_mut().zip([red, green, blue]) {
                let mixed = f64::from(*channel) * (1.0 - share) + f64::from(value) * share;
                *channel = (mixed + 0.5) as u8;
            }
        }
        assert!(
            pixels.rgba() == expected.as_slice(),
            "shape {shape} painted otherwise"
        );
    }
}

/// Cassandra's exchange in the page's wasm takes states four entries at a time (SIMD) and the
/// rest of a block by its bits; a debug build checks every take against the reference pass,
/// so a take that differs panics here. The last block of these lists is not a whole number of
/// fours (66: two entries; 123: 59; 129: one), with loss, a join and a crash schedule.
#[wasm_bindgen_test]
fn cassandra_takes_states_in_fours_and_the_rest_by_bits() {
    for nodes in [66, 123, 129] {
        let mut config = Config {
            mode: Mode::Cassandra,
            nodes,
            seed: 5,
            ..Config::default()
        };
        for (key, text) in [
            ("periods", "40"),
            ("loss", "0.05"),
            ("join_at", "12"),
            ("crash_at", "8:0.1"),
        ] {
            config.set(key, text).unwrap();
        }
        let mut simulation = Simulation::new(config).unwrap();
        let mut rounds = 0;
        while simulation.step().is_some() {
            rounds += 1;
        }
        assert_eq!(rounds, 40, "N = {nodes}: every period played");
    }
}
