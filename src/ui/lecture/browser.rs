//! The browser under the lecture bar: the window, the document, the page's own address and
//! downloads of bytes the page made.

use wasm_bindgen::{JsCast, JsValue, closure::Closure};

pub(super) fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

pub(super) fn document() -> web_sys::Document {
    window().document().expect("a document")
}

/// The page's address without its query: links and embeds point here (works under any sub-path).
pub(super) fn base_url() -> String {
    let location = window().location();
    format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    )
}

/// Downloads `url` as `name`.
pub(super) fn download(url: &str, name: &str) {
    if let Ok(anchor) = document().create_element("a") {
        let _ = anchor.set_attribute("href", url);
        let _ = anchor.set_attribute("download", name);
        if let Some(anchor) = anchor.dyn_ref::<web_sys::HtmlElement>() {
            anchor.click();
        }
    }
}

pub(super) fn download_blob(blob: &web_sys::Blob, name: &str) {
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) {
        download(&url, name);
        // Revoke once the download has started.
        let revoke = Closure::once_into_js(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        let _ = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
}

pub(super) fn download_text(text: &str, mime: &str, name: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    if let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) {
        download_blob(&blob, name);
    }
}
