//! A page kept up to date while it is open. A page with regions listens to its stream (`contract::LIVE_STREAM`),
//! on which the server sends the HTML of each region that changed; the browser swaps them in (see `regions`). The
//! stream ends when the page is no longer the person's (signed out); the browser connects again by itself after
//! a dropped connection.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::contract;

use super::{all, window};

pub fn follow(document: &web_sys::Document) {
    let Some(root) = document.document_element() else { return };
    if all(&root, &contract::selector(contract::REGION)).is_empty() {
        return;
    }
    let Some(address) = stream_address() else { return };
    let Ok(stream) = web_sys::EventSource::new(&address) else { return };
    let on_regions = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
        if let Some(data) = event.data().as_string() {
            super::regions::swap_all(&data);
        }
    });
    let closer = stream.clone();
    let on_gone = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| closer.close());
    let _ = stream.add_event_listener_with_callback(contract::LIVE_REGIONS_EVENT, on_regions.as_ref().unchecked_ref());
    let _ = stream.add_event_listener_with_callback(contract::LIVE_GONE_EVENT, on_gone.as_ref().unchecked_ref());
    // The stream and its listeners live as long as the page (the browser reconnects a dropped stream).
    on_regions.forget();
    on_gone.forget();
    std::mem::forget(stream);
}

/// The stream of this page: its path and query.
fn stream_address() -> Option<String> {
    let location = window()?.location();
    let page = format!("{}{}", location.pathname().ok()?, location.search().ok()?);
    Some(contract::live_stream_of(&page))
}
