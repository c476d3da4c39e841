//! Swapping in the regions the server sent on the page's live stream. A region under the person's hand (holding
//! the focus, a confirmation they opened, a button being pressed) is left alone until they are done with it, so
//! nothing they are doing is interrupted; the newest HTML the server sent for it is swapped in then.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::contract;

use super::{after, document};

/// How often a region left alone is tried again.
const RETRY_MS: i32 = 500;

thread_local! {
    /// Regions the server changed while the person was using them: their newest HTML, by id.
    static WAITING: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// One frame of the stream (a JSON list of `{id, html}`) as pairs.
fn swaps_of(frame: &str) -> Vec<(String, String)> {
    let Ok(list) = js_sys::JSON::parse(frame) else { return Vec::new() };
    let field = |item: &wasm_bindgen::JsValue, name: &str| js_sys::Reflect::get(item, &name.into()).ok()?.as_string();
    js_sys::Array::from(&list).iter().filter_map(|item| Some((field(&item, "id")?, field(&item, "html")?))).collect()
}

/// Swaps in the regions of one frame of the stream.
pub fn swap_all(frame: &str) {
    let swaps = swaps_of(frame);
    let retry = WAITING.with(|waiting| {
        let mut waiting = waiting.borrow_mut();
        let was_waiting = !waiting.is_empty();
        for (id, html) in swaps {
            if swap_in(&id, &html) {
                waiting.remove(&id);
            } else {
                waiting.insert(id, html);
            }
        }
        !was_waiting && !waiting.is_empty()
    });
    if retry {
        after(RETRY_MS, retry_waiting);
    }
}

fn retry_waiting() {
    let left = WAITING.with(|waiting| {
        let mut waiting = waiting.borrow_mut();
        waiting.retain(|id, html| !swap_in(id, html));
        !waiting.is_empty()
    });
    if left {
        after(RETRY_MS, retry_waiting);
    }
}

/// Puts `html` into the region `id` unless it is in use; whether it is done (a region no longer on the page is).
fn swap_in(id: &str, html: &str) -> bool {
    let Some(page) = document() else { return true };
    let Some(region) = page.get_element_by_id(id) else { return true };
    let in_use = region.query_selector(&contract::in_use_selector()).ok().flatten().is_some();
    let focused = page.active_element().is_some_and(|focused| region.contains(Some(&focused)));
    if in_use || focused {
        return false;
    }
    if region.inner_html() != html {
        region.set_inner_html(html);
    }
    true
}
