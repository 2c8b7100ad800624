//! Embedding: the Embed dialog's snippet and preview, and the controls an embed locks.

use crate::ui::url::view_keys;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::browser::document;

/// The tooltip of a locked control (the compare panels render it themselves).
pub const LOCKED: &str = "fixed by the lecturer";

/// CSS selectors of the controls a URL key drives.
fn lock_selectors(key: &str) -> String {
    let special = match key {
        // views: and the protocols Scaling sweeps (the compare panels lock their own).
        "mode" => ".modes button, [aria-label='Protocols to sweep'] button",
        "seed" => "#seed, .seed button",
        "speed" => "#speed, #speed-value",
        "log" => "#log-rounds",
        "repair" => "#repair, #repair-delay, #repair-delay-value",
        "async" => "#async-on, #async, #async-value",
        "racks" => "#racks-on, #racks, #racks-value",
        "cross" => "#cross-auto, #cross, #cross-value",
        "delay" => "[aria-label=delay] button, [id^=delay-]",
        "burst" => "[aria-label='burst loss'] button, [id^=burst-]",
        "crash_at" => "[id^=crash-at], .crash-row button",
        "push_until" => "#hand-over, #push-until, #push-until-value",
        _ => "",
    };
    let Some(param) = crate::engine::params::find_by_url(key) else {
        return special.to_string();
    };
    let id = param.flag();
    let label = param.label;
    let mut selectors = format!("#{id}, #{id}-value, [aria-label='{label}'] button");
    if !special.is_empty() {
        selectors = format!("{selectors}, {special}");
    }
    selectors
}

/// Disables the locked controls, with the lecturer's tooltip (after every render).
pub(super) fn apply_locks(lock: &[String]) {
    let document = document();
    for key in lock {
        let Ok(list) = document.query_selector_all(&lock_selectors(key)) else {
            continue;
        };
        for index in 0..list.length() {
            if let Some(element) = list
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
            {
                let _ = element.set_attribute("disabled", "");
                let _ = element.set_attribute("title", LOCKED);
                let _ = element.set_attribute("data-locked", "");
            }
        }
    }
}

/// The frame sizes the Embed dialog offers (640 × 400 first: the compact layout's own).
pub(super) const EMBED_SIZES: [(u32, u32); 4] = [(640, 400), (800, 500), (960, 600), (1280, 720)];

/// Controls an embed may fix: (URL key, label).
pub(super) const EMBED_LOCKS: [(&str, &str); 6] = [
    ("mode", "protocol"),
    ("n", "N"),
    ("b", "b"),
    ("loss", "loss"),
    ("crash", "crashed"),
    ("seed", "seed"),
];

/// What the Embed dialog puts in the snippet.
#[derive(Clone, PartialEq)]
pub(super) struct EmbedOptions {
    pub(super) autoplay: bool,
    pub(super) looping: bool,
    pub(super) lock: Vec<String>,
    pub(super) view: view_keys::View,
    pub(super) size: (u32, u32),
    /// The frame itself, shown in the dialog (loaded only on demand).
    pub(super) preview: bool,
}

/// The Embed dialog: autoplay, loop, the controls to lock, the view and the frame's size, the
/// snippet they make, and on demand a preview of the frame, scaled to fit. It floats over the
/// page; × and Esc close it.
pub(super) fn embed_dialog(
    options: &UseStateHandle<EmbedOptions>,
    snippet: &str,
    src: &str,
    close: Callback<MouseEvent>,
) -> Html {
    let update = |change: fn(&mut EmbedOptions, &web_sys::Event)| {
        let options = options.clone();
        Callback::from(move |event: Event| {
            let mut next = (*options).clone();
            change(&mut next, &event);
            options.set(next);
        })
    };
    let on_autoplay = update(|options, event| {
        options.autoplay = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            .is_some_and(|input| input.checked());
    });
    let on_loop = update(|options, event| {
        options.looping = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            .is_some_and(|input| input.checked());
    });
    let on_view = update(|options, event| {
        let name = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|select| select.value())
            .unwrap_or_default();
        if let Some(view) = view_keys::View::ALL
            .into_iter()
            .find(|view| view.name() == name)
        {
            options.view = view;
        }
    });
    let on_size = update(|options, event| {
        let index = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map_or(0, |select| select.selected_index().max(0) as usize);
        options.size = EMBED_SIZES[index.min(EMBED_SIZES.len() - 1)];
    });
    let lock_box = |key: &'static str, label: &'static str| {
        let options_handle = options.clone();
        let onchange = Callback::from(move |event: Event| {
            let on = event
                .target()
                .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|input| input.checked());
            let mut next = (*options_handle).clone();
            next.lock.retain(|locked| locked != key);
            if on {
                next.lock.push(key.to_string());
            }
            options_handle.set(next);
        });
        html! {
            <label class="check"><input type="checkbox" checked={options.lock.iter().any(|locked| locked == key)}
                {onchange} aria-label={format!("Lock {label}")} />{ label }</label>
        }
    };
    let toggle_preview = {
        let options = options.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*options).clone();
            next.preview = !next.preview;
            options.set(next);
        })
    };
    let (width, height) = options.size;
    // The preview frame at the snippet's size, scaled to 320 CSS pixels wide.
    let scale = 320.0 / f64::from(width);
    let frame_style = format!(
        "width: {width}px; height: {height}px; transform: scale({scale:.4}); transform-origin: 0 0; border: 0"
    );
    let holder_style = format!(
        "width: 320px; height: {:.0}px; overflow: hidden",
        f64::from(height) * scale
    );
    html! {
        <div class="embed-box" role="dialog" aria-label="Embed" data-testid="embed-dialog">
            <div class="embed-head">
                <h2>{ "Embed in course notes" }</h2>
                <button class="link" aria-label="Close the Embed dialog" title="Close (Esc)" onclick={close}>{ "×" }</button>
            </div>
            <div class="embed-options">
                <label class="check"><input type="checkbox" checked={options.autoplay} onchange={on_autoplay} aria-label="Autoplay" />{ "autoplay" }</label>
                <label class="check"><input type="checkbox" checked={options.looping} onchange={on_loop} aria-label="Loop" />{ "loop (next seed)" }</label>
                <span class="embed-locks">{ "lock:" }{ for EMBED_LOCKS.iter().map(|&(key, label)| lock_box(key, label)) }</span>
                <label>{ "view " }
                    <select onchange={on_view} aria-label="Embedded view" data-testid="embed-view">
                        { for view_keys::View::ALL.iter().map(|view| html! {
                            <option value={view.name()} selected={*view == options.view}>{ view.names().1 }</option>
                        }) }
                    </select>
                </label>
                <label>{ "size " }
                    <select onchange={on_size} aria-label="Embed size" data-testid="embed-size">
                        { for EMBED_SIZES.iter().map(|&(w, h)| html! {
                            <option selected={(w, h) == options.size}>{ format!("{w} × {h}") }</option>
                        }) }
                    </select>
                </label>
                <button onclick={toggle_preview} aria-pressed={options.preview.to_string()}>{ "Preview" }</button>
            </div>
            <label for="embed-snippet">{ "Paste this into your course notes:" }</label>
            <textarea id="embed-snippet" data-testid="embed-snippet" readonly=true rows="3" value={snippet.to_string()} />
            if options.preview {
                <div class="embed-preview" style={holder_style}>
                    <iframe src={src.to_string()} style={frame_style} title="Embed preview" data-testid="embed-preview"></iframe>
                </div>
            }
        </div>
    }
}
