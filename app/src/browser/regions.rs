//! Draws the page's regions again from the server: every `data-refresh-every` milliseconds while the tab is
//! shown, and at once when a form sent in place or a rollout's event stream asks. One refresh at a time (a slow
//! answer is not overtaken; one asked for meanwhile runs after it). A region holding the focus, an opened
//! confirmation or a pressed button is left alone, so nothing the person is doing is interrupted; a page that is
//! no longer the person's (signed out) stops asking.

use std::cell::Cell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;

use super::{all, document, window};

thread_local! {
    /// When the refresh under way started (0: none).
    static STARTED: Cell<f64> = const { Cell::new(0.0) };
    /// Asked for while one was under way: run once more after it.
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    /// The page is no longer the person's (signed out): stop asking.
    static STOPPED: Cell<bool> = const { Cell::new(false) };
}

/// A refresh older than this is taken as lost (a fetch that never answered) and no longer holds the next.
const GIVE_UP_MS: f64 = 10_000.0;

pub fn follow(document: &web_sys::Document) {
    let every = document
        .query_selector("[data-refresh-every]")
        .ok()
        .flatten()
        .and_then(|marker| marker.get_attribute("data-refresh-every")?.parse::<i32>().ok())
        .unwrap_or(0);
    if every <= 0 {
        return;
    }
    let tick = Closure::<dyn FnMut()>::new(|| {
        // A tab in the background is not drawn: no need to ask.
        if super::document().is_some_and(|d| !d.hidden()) {
            refresh_now();
        }
    });
    if let Some(window) = window() {
        let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), every);
    }
    // Ticks as long as the page lives.
    tick.forget();
}

/// Draws the page's regions again now (or right after the refresh under way).
pub fn refresh_now() {
    wasm_bindgen_futures::spawn_local(refresh());
}

async fn refresh() {
    if STOPPED.get() {
        return;
    }
    let now = js_sys::Date::now();
    let started = STARTED.get();
    if started > 0.0 && now - started < GIVE_UP_MS {
        AGAIN.set(true);
        return;
    }
    STARTED.set(now);
    loop {
        AGAIN.set(false);
        match fetch_page().await {
            Page::Drawn(html) => swap_regions(&html),
            Page::NotYours => STOPPED.set(true),
            Page::Unavailable => {}
        }
        if !AGAIN.get() || STOPPED.get() {
            break;
        }
    }
    STARTED.set(0.0);
}

enum Page {
    Drawn(String),
    /// Sent elsewhere (to sign in): the regions stay as they are, and no more is asked.
    NotYours,
    /// An error or no answer: asked again at the next tick.
    Unavailable,
}

/// The page as the server draws it now.
async fn fetch_page() -> Page {
    let Some(window) = window() else { return Page::Unavailable };
    let Ok(href) = window.location().href() else { return Page::Unavailable };
    let answer = JsFuture::from(window.fetch_with_str(&href)).await.ok();
    let Some(answer) = answer.and_then(|a| a.dyn_into::<web_sys::Response>().ok()) else {
        return Page::Unavailable;
    };
    if answer.redirected() {
        return Page::NotYours;
    }
    if !answer.ok() {
        return Page::Unavailable;
    }
    let text = match answer.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    };
    text.map(Page::Drawn).unwrap_or(Page::Unavailable)
}

fn swap_regions(html: &str) {
    let Ok(parser) = web_sys::DomParser::new() else { return };
    let Ok(fresh) = parser.parse_from_string(html, web_sys::SupportedType::TextHtml) else { return };
    let Some(page) = document() else { return };
    let Some(root) = page.document_element() else { return };
    let focused = page.active_element();
    for region in all(&root, "[data-region][id]") {
        // Not under the person's hand: holding the focus, a confirmation they opened (not one the server draws
        // open), or a button being pressed.
        let in_use = region.query_selector("details[open]:not([data-drawn-open]), :active").ok().flatten().is_some();
        if in_use || focused.as_ref().is_some_and(|f| region.contains(Some(f))) {
            continue;
        }
        let Some(now) = fresh.get_element_by_id(&region.id()) else { continue };
        let html = now.inner_html();
        if region.inner_html() != html {
            region.set_inner_html(&html);
        }
    }
}
