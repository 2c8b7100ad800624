//! The ready-made lessons: presets (one configuration each) and tours (steps with captions,
//! fetched from the page's own `tours/`).

use crate::ui::state::{Action, Cue};
use crate::ui::url::lecture_keys::tour_source;
use crate::ui::url::share::parse_tour;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::browser::window;

/// Built-in tours: (name for `tour=`, title).
pub(super) const TOURS: &[(&str, &str)] = &[
    ("for-loop", "Why not a for-loop?"),
    ("push-pull", "Push, pull, push-pull"),
    ("loss-crashes", "Loss and crashes"),
    ("trees-break", "Trees break"),
    ("nak-storms", "NAK storms"),
    ("racks", "Racks and the core switch"),
    ("many-messages", "Many messages and the three policies"),
    ("rumor-mongering", "Rumor mongering and its residue"),
    ("swim-heartbeat", "SWIM against heartbeating"),
    ("cassandra-phi", "Cassandra's φ"),
    ("async-delay", "Asynchrony and delay"),
    ("plumtree", "Plumtree: a tree that gossip repairs"),
];

/// Ready scenarios: (name, one-line caption, query).
pub(super) const PRESETS: &[(&str, &str, &str)] = &[
    (
        "For-loop of unicasts",
        "the sender alone: O(N) rounds",
        "?mode=centralized&n=100&b=1&seed=1",
    ),
    (
        "Binary tree",
        "O(log N) rounds while nothing fails",
        "?mode=tree&n=200&b=2&seed=1",
    ),
    (
        "Push gossip",
        "log2 N + ln N rounds, no structure",
        "?mode=push&n=2000&b=1&seed=1",
    ),
    (
        "Pull's fast end",
        "the uninformed fraction squared each round",
        "?mode=pull&n=2000&b=1&seed=1",
    ),
    (
        "Push-pull",
        "log3 N + O(log log N) rounds",
        "?mode=push-pull&n=2000&b=1&seed=1",
    ),
    (
        "Half the datagrams lost",
        "like b / 2: about twice the rounds",
        "?mode=push&n=500&b=1&loss=0.5&seed=1",
    ),
    (
        "Tree with crashes",
        "a dead node cuts off its subtree",
        "?mode=tree&n=200&b=2&crash=0.05&seed=2",
    ),
    (
        "NAK storm",
        "SRM without suppression",
        "?mode=srm&n=200&b=2&loss=0.05&suppression=off&seed=4",
    ),
    (
        "ACK implosion",
        "RMTP without designated receivers",
        "?mode=rmtp&n=200&loss=0.05&designated=off&seed=4",
    ),
    (
        "Two racks",
        "one core switch, about one datagram a round across it",
        "?mode=push&n=200&b=1&racks=2&seed=3",
    ),
    (
        "Many messages, recent first",
        "K = 1 of 8 messages per datagram: old ones starve",
        "?mode=push&n=200&b=1&messages=8&capacity=1&policy=recent&seed=3",
    ),
    (
        "Rumor mongering",
        "stop after one unnecessary contact: a residue near 17 %",
        "?mode=push&n=200&b=1&stop=feedback-counter&stop_k=1&seed=3",
    ),
    (
        "Heartbeating",
        "a crash detected T_fail periods later",
        "?mode=heartbeat&n=100&b=1&seed=3",
    ),
    (
        "SWIM",
        "first detection after e / (e - 1) periods, for any N",
        "?mode=swim&n=100&seed=3",
    ),
    (
        "Cassandra's φ",
        "convicted when φ passes 8",
        "?mode=cassandra&n=100&seed=3",
    ),
    (
        "Asynchronous push",
        "own phases, no round boundary to wait for",
        "?mode=push&n=200&b=1&async=0&seed=3",
    ),
    (
        "Delayed datagrams",
        "every datagram 2 rounds on the way: about 20 rounds, not 14",
        "?mode=push&n=200&b=1&delay=fixed:2&seed=3",
    ),
];

/// Fetches and parses a tour, then hands it to the reducer.
pub(super) fn load_tour(name: String, dispatch: Callback<Action>) {
    yew::platform::spawn_local(async move {
        let result = async {
            let source =
                tour_source(&name).ok_or_else(|| format!("{name:?} is not a tour name"))?;
            let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(&source))
                .await
                .map_err(|_| format!("{source} could not be fetched"))?;
            let response: web_sys::Response = response.unchecked_into();
            if !response.ok() {
                return Err(format!("{source} answered HTTP {}", response.status()));
            }
            let text = response
                .text()
                .map_err(|_| format!("{source} has no text"))?;
            let text = wasm_bindgen_futures::JsFuture::from(text)
                .await
                .map_err(|_| format!("{source} could not be read"))?;
            parse_tour(&text.as_string().unwrap_or_default()).map(Rc::new)
        }
        .await;
        dispatch.emit(Action::Lecture(Cue::TourLoaded(result)));
    });
}
