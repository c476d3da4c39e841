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

/// A plain form that changes something (one outside an island: a tick, a chat line) is sent once per click: a
/// second submit while the first is on its way is dropped, as a hydrated button disabled while pending would.
/// Forms that only read (`method="get"`: the history's filters) are left alone.
pub fn guard_plain_forms() {
    let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(form) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
            return;
        };
        let reads_only = form.method().eq_ignore_ascii_case("get");
        if reads_only || event.default_prevented() || form.closest("leptos-island").ok().flatten().is_some() {
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
    // Back to a page kept by the browser (back/forward cache): its forms were sent from another life of it.
    let on_show = Closure::<dyn FnMut()>::new(|| {
        if let Ok(sent) = document().query_selector_all("form[data-sending]") {
            for i in 0..sent.length() {
                if let Some(form) = sent.item(i).and_then(|node| node.dyn_into::<web_sys::Element>().ok()) {
                    let _ = form.remove_attribute("data-sending");
                }
            }
        }
    });
    let _ = window().add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
    // Both live as long as the page.
    on_submit.forget();
    on_show.forget();
}
