//! What the browser does for the page as a whole, outside any island.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// How long a sent plain form refuses to be sent again (a double click), in case the page stays.
const RESEND_AFTER_MS: u64 = 3_000;

pub fn mark_hydrated() {
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// A plain form (one outside an island: a tick, a chat line) is sent once per click: a second submit while the
/// first is on its way is dropped, as a hydrated button disabled while pending would.
pub fn guard_plain_forms() {
    let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(form) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
            return;
        };
        if event.default_prevented() || form.closest("leptos-island").ok().flatten().is_some() {
            return;
        }
        if form.has_attribute("data-sending") {
            event.prevent_default();
            return;
        }
        let _ = form.set_attribute("data-sending", "");
        set_timeout(
            move || _ = form.remove_attribute("data-sending"),
            std::time::Duration::from_millis(RESEND_AFTER_MS),
        );
    });
    let _ = document().add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    // Lives as long as the page.
    on_submit.forget();
}
