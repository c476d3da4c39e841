//! What the browser runs for tengu's pages, without a framework. Every page is HTML from the server and works
//! without JavaScript; this makes it answer in place: a form marked `contract::ENHANCE` is sent without leaving the
//! page (its answer or refusal shows where the page says), and the page's regions (`contract::REGION`) are swapped
//! for the HTML the server sends on the page's live stream whenever something they show changed.

mod forms;
mod live;
mod regions;

use wasm_bindgen::JsCast;

pub fn start() {
    let Some(document) = document() else { return };
    forms::listen(&document);
    live::follow(&document);
    // Every listener is in place: the page says so, for tests (and people) to know that clicks are handled.
    if let Some(body) = document.body() {
        let _ = body.set_attribute(crate::contract::READY, "true");
    }
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn document() -> Option<web_sys::Document> {
    window()?.document()
}

/// Runs `then` once after `ms` milliseconds.
fn after(ms: i32, then: impl FnOnce() + 'static) {
    let Some(window) = window() else { return };
    let callback = wasm_bindgen::closure::Closure::once_into_js(then);
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
}

/// The elements `selector` finds under `root`.
fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let Ok(found) = root.query_selector_all(selector) else { return Vec::new() };
    (0..found.length()).filter_map(|i| found.item(i)?.dyn_into::<web_sys::Element>().ok()).collect()
}
