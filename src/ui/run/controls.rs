//! The control panel: labelled sliders with number inputs, the mode switch, the seed, playback.

use crate::engine::config::Group;
use crate::engine::config::limits as engine_limits; // async-racks
use crate::engine::failures::{CrashAt, CrashSchedule, Delay, Partition, PartitionSchedule, Split};
use crate::engine::params::{self, Domain, Param, Value};
use crate::engine::protocols::centralized::Transport;
use crate::engine::{Config, Mode};
use crate::ui::limits;
use crate::ui::state::Action;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SliderProps {
    pub id: AttrValue,
    pub label: AttrValue,
    /// The range input's scale (may differ from the number's, e.g. log10 N).
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub value: f64,
    /// The number input's value and limits, in the parameter's own units.
    pub number: f64,
    pub number_min: f64,
    pub number_max: f64,
    pub number_step: f64,
    pub hint: AttrValue,
    pub on_slide: Callback<f64>,
    pub on_number: Callback<f64>,
}

/// A labelled slider and an exact number input for the same parameter.
#[function_component(Slider)]
pub fn slider(props: &SliderProps) -> Html {
    let on_slide = props.on_slide.clone();
    let oninput = Callback::from(move |event: InputEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        on_slide.emit(input.value_as_number());
    });
    let on_number = props.on_number.clone();
    let onchange = Callback::from(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        // Empty or malformed text arrives as NaN; the reducer explains and keeps a valid value.
        on_number.emit(input.value().trim().parse::<f64>().unwrap_or(f64::NAN));
    });
    let number_id = format!("{}-value", props.id);
    html! {
        <div class="slider">
            <label for={props.id.clone()}>{ &props.label }</label>
            <input type="range" id={props.id.clone()} min={props.min.to_string()} max={props.max.to_string()}
                step={props.step.to_string()} value={props.value.to_string()} {oninput} />
            <input type="number" id={number_id} class="number" aria-label={format!("{} value", props.label)}
                min={props.number_min.to_string()} max={props.number_max.to_string()}
                step={props.number_step.to_string()} value={trim_number(props.number)} {onchange} />
            <span class="hint">{ &props.hint }</span>
        </div>
    }
}

/// A slider from its properties: the controls build each as a plain struct and mount them here,
/// so that the component's mounting is compiled once rather than at every slider (each `html!`
/// element or component is code in the page's wasm).
#[inline(never)]
fn slider_row(props: SliderProps) -> Html {
    html! { <Slider ..props /> }
}

/// 1048576 as "1,048,576".
fn grouped(value: u32) -> String {
    let digits = value.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub config: Config,
    pub speed: f64,
    pub playing: bool,
    pub over: bool,
    pub dispatch: Callback<Action>,
    // Failures and delays.
    pub click_crashes: bool,
    pub recover_with_state: bool,
    /// views: the protocols the compare and scaling views run; their controls replace the
    /// protocol buttons and the current protocol's controls.
    #[prop_or_default]
    pub protocols: Option<Vec<Mode>>,
}

#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let config = &props.config;
    let send = |make: fn(f64) -> Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |value: f64| dispatch.emit(make(value)))
    };
    let percent = |make: fn(f64) -> Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |value: f64| dispatch.emit(make(value / 100.0)))
    };
    let dispatch = props.dispatch.clone();
    let on_nodes_slide = Callback::from(move |log_nodes: f64| {
        dispatch.emit(Action::SetNodes(10f64.powf(log_nodes)))
    });
    let click = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(action.clone()))
    };
    let dispatch = props.dispatch.clone();
    let on_seed = Callback::from(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        dispatch.emit(Action::SetSeed(input.value()));
    });
    let dispatch = props.dispatch.clone();
    let new_seed =
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::NewSeed(random_seed())));
    // The slider ends where the page runs the protocol (a million nodes for plain gossip); in
    // the compare and scaling views, where every compared protocol runs.
    let page_nodes = match &props.protocols {
        Some(protocols) => protocols.iter().map(|mode| mode.spec().page_nodes()).min(),
        None => None,
    }
    .unwrap_or(config.mode.spec().page_nodes())
    .min(limits::NODES.1);
    let (nodes_low, nodes_high) = (f64::from(limits::NODES.0), f64::from(page_nodes));
    // Where a protocol caps N below plain gossip's million, the hint says why.
    let reason = match &props.protocols {
        Some(protocols) => protocols
            .iter()
            .filter(|mode| mode.spec().page_nodes() == page_nodes)
            .find_map(|mode| mode.spec().page_nodes_reason()),
        None => config.mode.spec().page_nodes_reason(),
    };
    let nodes_hint = match reason {
        Some(reason) => format!(
            "{} to {} (log scale): {reason}",
            limits::NODES.0,
            grouped(page_nodes)
        ),
        None => format!("{} to {} (log scale)", limits::NODES.0, grouped(page_nodes)),
    };

    html! {
        <div class="controls">
            <div class="buttons" role="group" aria-label="Playback">
                <button class="primary" onclick={click(Action::TogglePlay)} aria-keyshortcuts="Space">
                    { if props.playing { "Pause" } else if props.over { "Replay" } else { "Play" } }
                </button>
                <button onclick={click(Action::Step)} aria-keyshortcuts="ArrowRight" disabled={props.over}>{ "Step" }</button>
                <button onclick={click(Action::Reset)} aria-keyshortcuts="R">{ "Reset" }</button>
                <button onclick={click(Action::RunToEnd)} disabled={props.over}>{ "Run to end" }</button>
            </div>
            <div class="modes">
                { for [Group::Multicast, Group::Gossip, Group::Membership].into_iter().map(|group| html! {
                    <div class="mode" role="group" aria-label={format!("{} protocols", group.name())}>
                        <span class="group-name">{ group.name() }</span>
                        { for Mode::ALL.into_iter().filter(|mode| mode.group() == group).map(|mode| {
                            let dispatch = props.dispatch.clone();
                            let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetMode(mode)));
                            let pressed = config.mode == mode;
                            html! {
                                <button class={classes!("segment", pressed.then_some("pressed"))}
                                    aria-pressed={pressed.to_string()} {onclick}>{ mode.name() }</button>
                            }
                        }) }
                    </div>
                }) }
            </div>
            { slider_row(SliderProps {
                id: "nodes".into(), label: "Nodes N".into(), min: nodes_low.log10(),
                max: nodes_high.log10(), step: 0.001, value: f64::from(config.nodes).log10(),
                number: f64::from(config.nodes), number_min: nodes_low, number_max: nodes_high,
                number_step: 1.0, hint: nodes_hint.into(), on_slide: on_nodes_slide,
                on_number: send(Action::SetNodes),
            }) }
            { slider_row(SliderProps {
                id: "fanout".into(), label: "Fanout b".into(), min: 1.0, max: 16.0, step: 1.0,
                value: f64::from(config.fanout), number: f64::from(config.fanout), number_min: 1.0,
                number_max: 16.0, number_step: 1.0,
                hint: (if props.protocols.is_some() { "what b means depends on the protocol: gossip peers per round, tree arity, unicasts per round; 1 to 16" } else { fanout_hint(config.mode) }).into(),
                on_slide: send(Action::SetFanout), on_number: send(Action::SetFanout),
            }) }
            { slider_row(SliderProps {
                id: "loss".into(), label: "Loss %".into(), min: 0.0, max: 100.0, step: 1.0,
                value: config.network.loss * 100.0, number: config.network.loss * 100.0,
                number_min: 0.0, number_max: 100.0, number_step: 0.1,
                hint: "each datagram lost with this chance".into(),
                on_slide: percent(Action::SetLoss), on_number: percent(Action::SetLoss),
            }) }
            { slider_row(SliderProps {
                id: "crash".into(), label: "Crashed %".into(), min: 0.0, max: 99.0, step: 1.0,
                value: config.network.crash * 100.0, number: config.network.crash * 100.0,
                number_min: 0.0, number_max: 99.0, number_step: 0.1,
                hint: "nodes dead from the start, 0 to 99".into(),
                on_slide: percent(Action::SetCrash), on_number: percent(Action::SetCrash),
            }) }
            { match &props.protocols {
                None => protocol_controls(config, &props.dispatch, true),
                Some(modes) => views_protocol_controls(config, modes, &props.dispatch),
            } }
            { async_racks_controls(config, &props.dispatch) }
            { failure_controls(config, props.click_crashes, props.recover_with_state, &props.dispatch) }
            { slider_row(SliderProps {
                id: "speed".into(), label: "Speed (rounds/s)".into(), min: limits::SPEED.0,
                max: limits::SPEED.1, step: 0.25, value: props.speed, number: props.speed,
                number_min: limits::SPEED.0, number_max: limits::SPEED.1, number_step: 0.25,
                hint: "0.25 to 60".into(), on_slide: send(Action::SetSpeed),
                on_number: send(Action::SetSpeed),
            }) }
            <div class="seed">
                <label for="seed">{ "Seed" }</label>
                <input id="seed" type="text" inputmode="numeric" value={config.seed.to_string()} onchange={on_seed} />
                <button onclick={new_seed}>{ "New seed" }</button>
            </div>
        </div>
    }
}

/// What b means for the protocol, in the hint under its slider.
fn fanout_hint(mode: Mode) -> &'static str {
    mode.spec().words().fanout
}

/// The current protocol's own parameters (none for gossip).
/// `shared`: with the parameters the protocol shares with others of its kind (SRM and RMTP:
/// packets; membership: periods and the join), which a view showing several shows once.
fn protocol_controls(config: &Config, dispatch: &Callback<Action>, shared: bool) -> Html {
    let send = |make: fn(f64) -> Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |value: f64| dispatch.emit(make(value)))
    };
    let takes = |key: &str| config.mode.takes(key);
    let mut controls: Vec<Html> = Vec::new();
    if takes("transport") {
        let transport = config.centralized.transport;
        let timeout = f64::from(config.centralized.timeout);
        let (low, high) = (f64::from(limits::TIMEOUT.0), f64::from(limits::TIMEOUT.1));
        controls.push(html! {
            <div class="protocol-controls">
                <div class="mode" role="group" aria-label="Transport">
                    <span class="group-name">{ "transport" }</span>
                    { for [Transport::Udp, Transport::Reliable].into_iter().map(|choice| {
                        let dispatch = dispatch.clone();
                        let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetTransport(choice)));
                        let pressed = transport == choice;
                        html! {
                            <button class={classes!("segment", pressed.then_some("pressed"))}
                                aria-pressed={pressed.to_string()} {onclick}>{ choice.name() }</button>
                        }
                    }) }
                </div>
                if transport == Transport::Reliable {
                    { slider_row(SliderProps {
                        id: "timeout".into(), label: "Timeout (rounds)".into(), min: low,
                        max: 20.0, step: 1.0, value: timeout, number: timeout, number_min: low,
                        number_max: high, number_step: 1.0,
                        hint: "rounds without an ACK before sending again, 1 to 100".into(),
                        on_slide: send(Action::SetTimeout), on_number: send(Action::SetTimeout),
                    }) }
                }
            </div>
        });
    }
    if takes("repair_delay") {
        let delay = config.tree.repair_delay;
        let (low, high) = (
            f64::from(limits::REPAIR_DELAY.0),
            f64::from(limits::REPAIR_DELAY.1),
        );
        let toggle = {
            let dispatch = dispatch.clone();
            Callback::from(move |event: Event| {
                let input: HtmlInputElement = event.target_unchecked_into();
                dispatch.emit(Action::SetRepair(input.checked().then_some(2.0)));
            })
        };
        let set_delay = |value: f64| Action::SetRepair(Some(value));
        controls.push(html! {
            <div class="protocol-controls">
                <label class="check">
                    <input type="checkbox" id="repair" checked={delay.is_some()} onchange={toggle} />
                    { "Repair orphans" }
                </label>
                if let Some(delay) = delay {
                    { slider_row(SliderProps {
                        id: "repair-delay".into(), label: "Repair after (rounds)".into(), min: low,
                        max: 20.0, step: 1.0, value: f64::from(delay), number: f64::from(delay),
                        number_min: low, number_max: high, number_step: 1.0,
                        hint: "rounds an orphan waits before asking its nearest live ancestor".into(),
                        on_slide: send(set_delay), on_number: send(set_delay),
                    }) }
                }
            </div>
        });
    }
    if takes("suppression") {
        controls.push(html! {
            <div class="protocol-controls">
                if shared { { param_slider(config, "packets", 64.0, dispatch) } }
                { param_choice(config, "suppression", dispatch) }
                <div class="factors" role="group" aria-label="SRM timers (in hops)">
                    { for ["c1", "c2", "d1", "d2"].into_iter().map(|key| param_number(config, key, dispatch)) }
                </div>
                <span class="hint">{ "request timer in [C1, C1 + C2] d hops, repair timer in [D1, D1 + D2] d_A hops (ns-2: 2, 2, 1, 1)" }</span>
            </div>
        });
    }
    if takes("designated") {
        controls.push(html! {
            <div class="protocol-controls">
                if shared { { param_slider(config, "packets", 64.0, dispatch) } }
                { param_choice(config, "designated", dispatch) }
                { param_slider(config, "regions", f64::from(config.nodes.saturating_sub(1).clamp(1, 50)), dispatch) }
                { param_slider(config, "ack_period", 10.0, dispatch) }
            </div>
        });
    }
    if takes("stop") || takes("push_until") {
        controls.push(push_variant_controls(config, dispatch));
    }
    if takes("messages") {
        controls.push(messages_controls(config, dispatch));
    }
    if takes("periods") {
        controls.push(membership_controls(config, dispatch, shared));
    }
    // Parameters a protocol describes in its own file: a choice or a number, from the domain.
    let own = config.mode.spec().own_params();
    if !own.is_empty() {
        controls.push(html! {
            <div class="protocol-controls" data-testid="own-controls">
                { for own.iter().map(|param| match param.domain {
                    Domain::Choice(_) => param_choice(config, param.key, dispatch),
                    _ => param_number(config, param.key, dispatch),
                }) }
            </div>
        });
    }
    html! { <>{ for controls }</> }
}

/// A membership protocol's own sliders (the parameters no other protocol takes), the run length, and
/// the join round.
/// `shared`: with the periods and the join, which every membership protocol has (a view showing
/// several protocols shows them once).
fn membership_controls(config: &Config, dispatch: &Callback<Action>, shared: bool) -> Html {
    let mode = config.mode;
    let keys: Vec<&'static str> = mode
        .spec()
        .params()
        .iter()
        .copied()
        .filter(|&key| {
            Mode::ALL
                .into_iter()
                .all(|other| other == mode || !other.takes(key))
        })
        .collect();
    let join = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let text = input.value();
            let text = if text.trim().is_empty() {
                "none".into()
            } else {
                text
            };
            dispatch.emit(Action::SetParam("join_at", text));
        })
    };
    let join_value = config
        .membership
        .join_at
        .map_or(String::new(), |round| round.to_string());
    if !shared {
        return html! {
            <div class="protocol-controls">
                { for keys.iter().map(|&key| param_slider(config, key, membership_slider_max(key), dispatch)) }
            </div>
        };
    }
    html! {
        <div class="protocol-controls" data-testid="membership-controls">
            { for keys.iter().map(|&key| param_slider(config, key, membership_slider_max(key), dispatch)) }
            { param_slider(config, "periods", 300.0, dispatch) }
            <label class="factor">
                <span>{ "Join at round" }</span>
                <input type="number" class="number" id="join-at" min="1" step="1" value={join_value}
                    onchange={join} aria-label="Join at round" placeholder="none" />
            </label>
            <span class="hint">{ "Node N − 1 stays out until that round, then joins through seed node 0 (empty: no join). Without a crash schedule one node crashes at round 10; click a node in crash mode to crash another." }</span>
        </div>
    }
}

/// The slider's end for a membership parameter (the number field takes the whole range): the
/// values worth trying, not the engine's limits.
fn membership_slider_max(key: &str) -> f64 {
    match key {
        "t_fail" | "t_cleanup" => 60.0,
        "ping_req" => 8.0,
        "suspicion" => 20.0,
        _ => 16.0,
    }
}

/// views: the controls of every protocol a view runs, each under its name; the many-messages
/// controls once for all gossip protocols.
fn views_protocol_controls(
    config: &Config,
    distinct: &[Mode],
    dispatch: &Callback<Action>,
) -> Html {
    // Parameters several protocols take (M packets of the reliable multicasts, the periods and
    // join of the membership protocols) show once, with the first protocol taking them: one
    // control, one id.
    let mut shown: Vec<&str> = Vec::new();
    let mut own = |mode: Mode| {
        if mode.group() == Group::Gossip {
            return None;
        }
        let shared_key = ["packets", "periods"]
            .into_iter()
            .find(|&key| mode.takes(key));
        let shared = shared_key.is_none_or(|key| !shown.contains(&key));
        shown.extend(shared_key);
        Some(protocol_controls(
            &Config {
                mode,
                ..config.clone()
            },
            dispatch,
            shared,
        ))
    };
    let gossip: Vec<&str> = distinct
        .iter()
        .filter(|mode| mode.group() == Group::Gossip)
        .map(|mode| mode.name())
        .collect();
    html! {
        <>
            { for distinct.iter().filter_map(|&mode| own(mode).map(|controls| html! {
                <div class="view-protocol"><span class="group-name">{ mode.name() }</span>{ controls }</div>
            })) }
            if !gossip.is_empty() {
                <div class="view-protocol"><span class="group-name">{ gossip.join(", ") }</span>
                    if distinct.iter().any(|mode| mode.takes("stop") || mode.takes("push_until")) { { push_variant_controls(config, dispatch) } }
                    { messages_controls(config, dispatch) }</div>
            }
        </>
    }
}

/// Many messages (theory.md section 8): M, and with M > 1 the capacity, the policy
/// and the injection schedule.
fn messages_controls(config: &Config, dispatch: &Callback<Action>) -> Html {
    let count = config.messages.count;
    // A protocol that sends one message a datagram takes no capacity nor policy.
    let packs = config.mode.takes("capacity");
    html! {
        <div class="protocol-controls">
            { param_slider(config, "messages", 16.0, dispatch) }
            if count > 1 {
                if packs {
                    { param_slider(config, "capacity", f64::from(count), dispatch) }
                    { param_choice(config, "policy", dispatch) }
                }
                { param_slider(config, "inject_every", 10.0, dispatch) }
            }
            <span class="hint" data-testid="messages-explanation">{ match (count > 1, packs) {
                (true, true) => "The senders inject M messages, one every R rounds (0: all at once); a datagram carries at most K, and when a node has more the policy picks: a random subset, the most recently received, or the highest priority.",
                (false, true) => "One rumor. Raise M to gossip many messages with a capacity per datagram and a policy that picks which to send.",
                (true, false) => "The senders inject M messages, one every R rounds (0: all at once), each broadcast on its own.",
                (false, false) => "One message. Raise M to broadcast several, one every R rounds.",
            } }</span>
        </div>
    }
}

/// Push's variants: a stop rule (rumor mongering) with its k, or a hand-over to pull.
fn push_variant_controls(config: &Config, dispatch: &Callback<Action>) -> Html {
    let until = config.hybrid.until;
    let set_until = {
        let dispatch = dispatch.clone();
        Callback::from(move |percent: f64| {
            dispatch.emit(Action::SetParam(
                "push_until",
                (percent / 100.0).to_string(),
            ))
        })
    };
    let toggle_hand_over = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let value = if input.checked() { "0.5" } else { "none" };
            dispatch.emit(Action::SetParam("push_until", value.into()));
            if !input.checked() {
                dispatch.emit(Action::SetParam("push_rounds", "none".into()));
            }
        })
    };
    let percent = until.unwrap_or(0.5) * 100.0;
    html! {
        <div class="protocol-controls">
            { param_choice(config, "stop", dispatch) }
            if config.mongering.stop.is_some() {
                { param_slider(config, "stop_k", 10.0, dispatch) }
                <span class="hint">{ "each informed node stops spreading by this rule; the run ends when nobody spreads, maybe with nodes never informed (the residue)" }</span>
            }
            <label class="check">
                <input type="checkbox" id="hand-over" checked={config.hybrid.is_hybrid()} onchange={toggle_hand_over} />
                { "Then pull" }
            </label>
            if until.is_some() {
                { slider_row(SliderProps {
                    id: "push-until".into(), label: "Push until informed (%)".into(), min: 0.0,
                    max: 100.0, step: 5.0, value: percent, number: percent, number_min: 0.0,
                    number_max: 100.0, number_step: 1.0,
                    hint: "push while fewer know, then every live node pulls: push is fast at the start, pull at the end".into(),
                    on_slide: set_until.clone(), on_number: set_until,
                }) }
            }
        </div>
    }
}

// async-racks: asynchronous periods and racks behind a core switch, for every gossip protocol.
/// The "Asynchronous periods" switch with its jitter, and the "Racks" switch with R and the
/// cross-rack probability, each with a sentence on what to look at.
fn async_racks_controls(config: &Config, dispatch: &Callback<Action>) -> Html {
    if config.mode.group() != Group::Gossip {
        return html! {};
    }
    let switch = |key: &'static str, on: &'static str, off: &'static str| {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let text = if input.checked() { on } else { off };
            dispatch.emit(Action::SetParam(key, text.to_string()));
        })
    };
    let max_racks = f64::from(config.nodes.min(engine_limits::RACKS.1));
    // Auto: 1 / n_i of the rack holding node 0 (the sizes differ by at most one node).
    let auto_cross = f64::from(config.racks) / f64::from(config.nodes);
    html! {
        <div class="protocol-controls async-racks">
            <label class="check">
                <input type="checkbox" id="async-on" checked={config.asynchrony.is_some()}
                    onchange={switch("async", "0.1", "off")} />
                { "Asynchronous periods" }
            </label>
            if let Some(jitter) = config.asynchrony {
                { real_slider("async", "Jitter", jitter, engine_limits::JITTER, 0.01,
                    "each period lasts 1 ± jitter periods, 0 to 0.5", dispatch) }
                <p class="hint explain" data-testid="async-explanation">{ "Each node gossips on its own clock, from a random phase:                     the chart's x axis is now time in periods. Compare the run with the dashed synchronous theory and the green                     asynchronous mark: a node informed mid-period need not wait for a round boundary, so the rumor spreads faster                     than the synchronous analysis says." }</p>
            }
            <label class="check">
                <input type="checkbox" id="racks-on" checked={config.racks > 1}
                    onchange={switch("racks", "2", "1")} />
                { "Racks" }
            </label>
            if config.racks > 1 {
                { real_slider("racks", "Racks R", f64::from(config.racks), (2.0, max_racks.max(2.0)), 1.0,
                    "racks of consecutive nodes behind one core switch, 2 to 64", dispatch) }
                <label class="check">
                    <input type="checkbox" id="cross-auto" checked={config.cross.is_none()}
                        onchange={switch("cross", "auto", "0.1")} />
                    { "Cross-rack auto (1 / rack size)" }
                </label>
                { real_slider("cross", "Cross-rack P", config.cross.unwrap_or(auto_cross), engine_limits::CROSS, 0.005,
                    "chance a caller picks a peer in another rack, 0 to 1", dispatch) }
                <p class="hint explain" data-testid="racks-explanation">{ "Nodes sit in racks behind top-of-rack switches joined by                     one core switch; a caller picks a peer in another rack with probability P (by default 1 / its rack's size).                     Datagrams through the core fly through the switch in orange: a handful a round, however large N, while the                     rumor still takes O(log N) rounds." }</p>
            }
        </div>
    }
}

/// A slider and number input for a real parameter set through the registry.
fn real_slider(
    key: &'static str,
    label: &'static str,
    value: f64,
    (min, max): (f64, f64),
    step: f64,
    hint: &'static str,
    dispatch: &Callback<Action>,
) -> Html {
    let set = {
        let dispatch = dispatch.clone();
        Callback::from(move |value: f64| dispatch.emit(Action::SetParam(key, value.to_string())))
    };
    html! {
        { slider_row(SliderProps {
            id: key.into(), label: label.into(), min, max, step, value, number: value,
            number_min: min, number_max: max, number_step: step, hint: hint.into(),
            on_slide: set.clone(), on_number: set,
        }) }
    }
}

/// A parameter's current value as the registry spells it.
fn param_text(config: &Config, key: &str) -> (&'static Param, String) {
    let param = params::find(key).expect("a registered parameter");
    let text = match (param.get)(config) {
        Value::Whole(value) => value.to_string(),
        Value::Real(value) => value.to_string(),
        Value::Choice(name) => name.to_string(),
        Value::Absent => String::new(),
        // Failures and delays: their text form.
        other => other.text(),
    };
    (param, text)
}

/// A labelled slider and number input for a whole-number parameter, from its description (the
/// slider stops at `slider_max`; the number input takes the whole range).
pub fn param_slider(
    config: &Config,
    key: &'static str,
    slider_max: f64,
    dispatch: &Callback<Action>,
) -> Html {
    let (param, text) = param_text(config, key);
    let (min, max) = match param.domain {
        Domain::Whole { min, max } => (min as f64, max as f64),
        Domain::Real { min, max } => (min, max),
        _ => (0.0, 1.0),
    };
    let value = text.parse::<f64>().unwrap_or(min);
    let set = {
        let dispatch = dispatch.clone();
        Callback::from(move |value: f64| dispatch.emit(Action::SetParam(key, value.to_string())))
    };
    html! {
        { slider_row(SliderProps {
            id: param.flag().into(), label: param.label.into(), min,
            max: slider_max.max(min + 1.0), step: 1.0, value, number: value, number_min: min,
            number_max: max, number_step: 1.0,
            hint: (format!("{}, {}", param.help.split_once(": ").map_or(param.help, |(_, help)| help), param.range_text())).into(),
            on_slide: set.clone(), on_number: set,
        }) }
    }
}

/// A segmented switch for a parameter with a few named values.
fn param_choice(config: &Config, key: &'static str, dispatch: &Callback<Action>) -> Html {
    let (param, current) = param_text(config, key);
    let Domain::Choice(names) = param.domain else {
        return html! {};
    };
    html! {
        <div class="mode" role="group" aria-label={param.label}>
            <span class="group-name">{ param.label }</span>
            { for names.iter().map(|&name| {
                let dispatch = dispatch.clone();
                let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetParam(key, name.to_string())));
                let pressed = current == name;
                html! {
                    <button class={classes!("segment", pressed.then_some("pressed"))}
                        aria-pressed={pressed.to_string()} {onclick}>{ name }</button>
                }
            }) }
        </div>
    }
}

/// A small labelled number input for a parameter.
fn param_number(config: &Config, key: &'static str, dispatch: &Callback<Action>) -> Html {
    let (param, text) = param_text(config, key);
    let dispatch = dispatch.clone();
    let onchange = Callback::from(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        dispatch.emit(Action::SetParam(key, input.value()));
    });
    // The input's range and step from the parameter's domain (an optional one left empty is
    // absent).
    let (min, max, step) = match param.domain {
        Domain::Whole { min, max } | Domain::Optional { min, max } => {
            (min.to_string(), max.to_string(), "1".to_string())
        }
        Domain::Real { min, max } => (min.to_string(), max.to_string(), "0.5".to_string()),
        _ => ("0".into(), "10".into(), "0.5".into()),
    };
    html! {
        <label class="factor">
            <span>{ param.label }</span>
            <input type="number" class="number" {step} {min} {max} value={text} {onchange}
                aria-label={param.label} title={param.help} />
        </label>
    }
}

/// A fresh seed from the browser's entropy (getrandom); the run it picks is then reproducible.
fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        // 52 bits: exact as a JavaScript number, and short enough to read out in a lecture.
        Ok(()) => u64::from_le_bytes(bytes) >> 12,
        // Without entropy, the clock is a fine source of a teaching seed.
        Err(_) => js_sys::Date::now() as u64,
    }
}

// Failures and delays (theory.md section 9): delay, burst loss, a crash schedule, click to crash.

/// A segmented switch of two or more labelled choices; `pressed` says which is on.
fn switch(
    label: &'static str,
    choices: Vec<(&'static str, bool, Action)>,
    dispatch: &Callback<Action>,
) -> Html {
    html! {
        <div class="mode" role="group" aria-label={label}>
            <span class="group-name">{ label }</span>
            { for choices.into_iter().map(|(name, pressed, action)| {
                let dispatch = dispatch.clone();
                let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(action.clone()));
                html! {
                    <button class={classes!("segment", pressed.then_some("pressed"))}
                        aria-pressed={pressed.to_string()} {onclick}>{ name }</button>
                }
            }) }
        </div>
    }
}

/// A small labelled number input whose change builds a parameter's text with `compose`.
fn failure_number(
    id: String,
    label: &'static str,
    value: f64,
    (min, max, step): (f64, f64, f64),
    key: &'static str,
    // Boxed, not generic: one copy of this markup instead of one per caller.
    compose: Box<dyn Fn(f64) -> String>,
    dispatch: &Callback<Action>,
) -> Html {
    let dispatch = dispatch.clone();
    let onchange = Callback::from(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        let number = input.value().trim().parse::<f64>().unwrap_or(f64::NAN);
        // NaN composes text the registry refuses, with its own message.
        dispatch.emit(Action::SetParam(key, compose(number)));
    });
    html! {
        <label class="factor">
            <span>{ label }</span>
            <input type="number" class="number" id={id} min={min.to_string()} max={max.to_string()}
                step={step.to_string()} value={trim_number(value)} {onchange} aria-label={label} />
        </label>
    }
}

/// The partition schedule: a row per partition (from round, split, heal round; 0: never),
/// built on the parameter's one text form, so the registry checks and explains every edit.
fn partition_editor(config: &Config, dispatch: &Callback<Action>) -> Html {
    let entries: Vec<Partition> = config.partitions.entries().to_vec();
    let text_of = |entries: &[Partition]| {
        PartitionSchedule::from_entries(entries)
            .map_or("none".into(), |schedule| schedule.to_string())
    };
    // An entry's text with one field replaced by what was typed (the registry refuses a bad one).
    let owned = entries.clone();
    let with = move |index: usize, field: usize, typed: String| {
        let mut texts: Vec<String> = owned.iter().map(ToString::to_string).collect();
        let entry = owned[index];
        let mut fields = [
            entry.round.to_string(),
            entry.split.to_string(),
            entry.heal.map_or(String::new(), |heal| heal.to_string()),
        ];
        fields[field] = typed;
        texts[index] = if fields[2].is_empty() || fields[2] == "0" {
            format!("{}:{}", fields[0], fields[1])
        } else {
            fields.join(":")
        };
        texts.join(",")
    };
    let rows = entries.iter().enumerate().map(|(index, entry)| {
        let remove = {
            let dispatch = dispatch.clone();
            let mut rest = entries.clone();
            rest.remove(index);
            let text = text_of(&rest);
            Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetParam("partition", text.clone())))
        };
        let number = |field: usize, id: String, label: &'static str, value: u32| {
            let (dispatch, with) = (dispatch.clone(), with.clone());
            let onchange = Callback::from(move |event: Event| {
                let input: HtmlInputElement = event.target_unchecked_into();
                dispatch.emit(Action::SetParam("partition", with(index, field, input.value().trim().to_string())));
            });
            html! {
                <label class="factor">
                    <span>{ label }</span>
                    <input type="number" class="number" id={id} min="0" max="10001" step="1"
                        value={value.to_string()} {onchange} aria-label={label} />
                </label>
            }
        };
        let split = {
            let (dispatch, with) = (dispatch.clone(), with.clone());
            let onchange = Callback::from(move |event: Event| {
                let input: HtmlInputElement = event.target_unchecked_into();
                dispatch.emit(Action::SetParam("partition", with(index, 1, input.value().trim().to_string())));
            });
            html! {
                <label class="factor">
                    <span>{ "split" }</span>
                    <input type="text" class="split" id={format!("partition-split-{index}")}
                        value={entry.split.to_string()} {onchange} list="partition-splits"
                        aria-label="split: half, half->, racks, 0-49|50-99 or 0-49->50-99" />
                </label>
            }
        };
        html! {
            <div class="partition-row" data-testid="partition-row">
                { number(0, format!("partition-round-{index}"), "from round", entry.round) }
                { split }
                { number(2, format!("partition-heal-{index}"), "heal at (0: never)", entry.heal.unwrap_or(0)) }
                <button class="remove" onclick={remove} aria-label={format!("remove partition {}", index + 1)}>{ "×" }</button>
            </div>
        }
    });
    let add = {
        let dispatch = dispatch.clone();
        let mut more = entries.clone();
        let round = entries
            .last()
            .map_or(5, |entry| entry.heal.unwrap_or(entry.round) + 5);
        more.push(Partition {
            round,
            split: Split::Half { one_way: false },
            heal: Some(round + 10),
        });
        let text = text_of(&more);
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(Action::SetParam("partition", text.clone()))
        })
    };
    let last = config.nodes.saturating_sub(1);
    let half = config.nodes / 2;
    html! {
        <div class="failure" role="group" aria-label="Partitions">
            <span class="group-name">{ "partitions" }</span>
            { for rows }
            <datalist id="partition-splits">
                <option value="half" />
                <option value="half->" />
                <option value={format!("0-{}|{half}-{last}", half.saturating_sub(1))} />
                if config.racks > 1 && config.mode.takes("racks") {
                    <option value="racks" />
                }
            </datalist>
            <button id="partition-add" data-testid="partition-add" onclick={add} disabled={entries.len() >= 8}>{ "Add a partition" }</button>
            <span class="hint">{ "From the start of its round until its heal, every datagram across the cut is dropped (counted as partitioned). Split: half, half-> (one-way, lower half to upper), racks, or ranges like 0-9|10-99 (sides split by |) and 0-9->10-99 (one-way)." }</span>
        </div>
    }
}

fn failure_controls(
    config: &Config,
    click_crashes: bool,
    recover_with_state: bool,
    dispatch: &Callback<Action>,
) -> Html {
    let set = |key: &'static str, text: String| Action::SetParam(key, text);
    let delay = config.delay;
    let delay_numbers = match delay {
        Delay::None => html! {},
        Delay::Fixed(d) => failure_number(
            "delay-d".into(),
            "D",
            d,
            (0.0, 10.0, 0.1),
            "delay",
            Box::new(|d| format!("fixed:{d}")),
            dispatch,
        ),
        Delay::Uniform(a, b) => html! { <>
            { failure_number("delay-a".into(), "A", a, (0.0, 10.0, 0.1), "delay",
                Box::new(move |a| format!("uniform:{a}:{b}")), dispatch) }
            { failure_number("delay-b".into(), "B", b, (0.0, 10.0, 0.1), "delay",
                Box::new(move |b| format!("uniform:{a}:{b}")), dispatch) }
        </> },
        Delay::Exp(mean) => failure_number(
            "delay-mean".into(),
            "mean",
            mean,
            (0.1, 10.0, 0.1),
            "delay",
            Box::new(|mean| format!("exp:{mean}")),
            dispatch,
        ),
    };
    let burst = config.burst;
    let (p, r) = burst.map_or((0.05, 0.25), |burst| (burst.p, burst.r));
    let schedule = config.crash_at;
    let entries: Vec<CrashAt> = schedule.entries().to_vec();
    let schedule_text = |entries: &[CrashAt]| {
        CrashSchedule::from_entries(entries).map_or("none".into(), |schedule| schedule.to_string())
    };
    let rows = entries.iter().enumerate().map(|(index, entry)| {
        let (with_round, with_fraction, without) = (entries.clone(), entries.clone(), entries.clone());
        let remove = {
            let dispatch = dispatch.clone();
            let mut rest = without;
            rest.remove(index);
            let text = schedule_text(&rest);
            Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetParam("crash_at", text.clone())))
        };
        html! {
            <div class="crash-row" data-testid="crash-row">
                { failure_number(format!("crash-at-fraction-{index}"), "crash %", entry.fraction * 100.0,
                    (0.0, 100.0, 1.0), "crash_at", Box::new(move |percent| {
                        let mut entries = with_fraction.clone();
                        entries[index].fraction = percent / 100.0;
                        schedule_text(&entries).replace("NaN", "x")
                    }), dispatch) }
                { failure_number(format!("crash-at-round-{index}"), "at round", f64::from(entry.round),
                    (1.0, 10_000.0, 1.0), "crash_at", Box::new(move |round| {
                        let mut entries = with_round.clone();
                        if round.is_finite() && round >= 0.0 {
                            entries[index].round = round.round() as u32;
                        } else {
                            entries[index].round = 0;
                        }
                        schedule_text(&entries)
                    }), dispatch) }
                <button class="remove" onclick={remove} aria-label={format!("remove crash {}", index + 1)}>{ "×" }</button>
            </div>
        }
    });
    let add = {
        let dispatch = dispatch.clone();
        let mut more = entries.clone();
        let round = entries.last().map_or(3, |entry| entry.round + 2);
        more.push(CrashAt {
            round,
            fraction: 0.2,
        });
        let text = schedule_text(&more);
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(Action::SetParam("crash_at", text.clone()))
        })
    };
    html! {
        <div class="failure-controls" data-testid="failure-controls">
            if config.mode.takes("delay") {
                <div class="failure">
                    { switch("delay", vec![
                        ("no delay", delay == Delay::None, set("delay", "none".into())),
                        ("fixed", matches!(delay, Delay::Fixed(_)), set("delay", "fixed:1".into())),
                        ("uniform", matches!(delay, Delay::Uniform(..)), set("delay", "uniform:0:2".into())),
                        ("exp", matches!(delay, Delay::Exp(_)), set("delay", "exp:1".into())),
                    ], dispatch) }
                    <div class="factors">{ delay_numbers }</div>
                    <span class="hint">{ "Each datagram takes this many rounds to arrive (fixed, uniform in [A, B], or exponential); a node uses what arrives from the next tick on, and the time axis is in periods." }</span>
                </div>
            }
            <div class="failure">
                { switch("burst loss", vec![
                    ("independent", burst.is_none(), set("burst", "none".into())),
                    ("bursts", burst.is_some(), set("burst", format!("{p}:{r}"))),
                ], dispatch) }
                if burst.is_some() {
                    <div class="factors">
                        { failure_number("burst-p".into(), "P good→bad", p, (0.0, 1.0, 0.01), "burst",
                            Box::new(move |p| format!("{p}:{r}")), dispatch) }
                        { failure_number("burst-r".into(), "R bad→good", r, (0.01, 1.0, 0.01), "burst",
                            Box::new(move |r| format!("{p}:{r}")), dispatch) }
                    </div>
                }
                <span class="hint">{ "Gilbert-Elliott: the network flips between a good state (nothing lost) and a bad one (Loss % lost); losses come in bursts of about 1/R datagrams, P/(P+R) of the time." }</span>
            </div>
            <div class="failure" role="group" aria-label="Crash schedule">
                <span class="group-name">{ "crash schedule" }</span>
                { for rows }
                <button id="crash-at-add" onclick={add} disabled={entries.len() >= 8}>{ "Add a crash" }</button>
                <span class="hint">{ "At the start of the round, that share of the N nodes crashes, chosen among the live ones (never the sender): a tree is cut, gossip routes around it." }</span>
            </div>
            { partition_editor(config, dispatch) }
            <div class="failure">
                { switch("click a node", vec![
                    ("inspect", !click_crashes, Action::SetClickCrashes(false)),
                    ("crash", click_crashes, Action::SetClickCrashes(true)),
                ], dispatch) }
                if click_crashes {
                    { switch("recover", vec![
                        ("with its state", recover_with_state, Action::SetRecoverWithState(true)),
                        ("empty", !recover_with_state, Action::SetRecoverWithState(false)),
                    ], dispatch) }
                }
                <span class="hint">{ "In crash mode a click crashes a live node before the next round and recovers a crashed one, with what it knew or empty (it must hear the rumor again)." }</span>
            </div>
        </div>
    }
}
