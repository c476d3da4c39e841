//! Parts of a page the server draws again while it is open (the chat channel, the review environments, the
//! token list). An island asks for the page again every few seconds, or at once when another island's action
//! changed what it shows, and swaps in each region (an element with `data-region` and an `id`) whose HTML changed.
//! A region holding the focus is left alone, so typing or an opened confirmation is never interrupted.

use leptos::prelude::*;

/// The DOM event an island sends after an action that changed what the page's regions show.
#[cfg(feature = "hydrate")]
const REFRESH_EVENT: &str = "tengu:refresh";

/// Refreshes the page's regions every `every_ms` (0: only when an island asks).
#[island]
pub fn RegionRefresh(every_ms: u64) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    client::follow(every_ms);
    #[cfg(not(feature = "hydrate"))]
    let _ = every_ms;
}

/// Asks the page's `RegionRefresh` to draw its regions again now.
pub fn refresh_regions_now() {
    #[cfg(feature = "hydrate")]
    if let Ok(event) = web_sys::Event::new(REFRESH_EVENT) {
        let _ = window().dispatch_event(&event);
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use std::cell::Cell;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen_futures::JsFuture;

    thread_local! {
        /// One refresh at a time: a slow answer is not overtaken by the next tick.
        static REFRESHING: Cell<bool> = const { Cell::new(false) };
    }

    pub fn follow(every_ms: u64) {
        if every_ms > 0 {
            let every = std::time::Duration::from_millis(every_ms);
            if let Ok(handle) = set_interval_with_handle(|| leptos::task::spawn_local(refresh()), every) {
                on_cleanup(move || handle.clear());
            }
        }
        let asked = Closure::<dyn FnMut()>::new(|| leptos::task::spawn_local(refresh()));
        let _ = window().add_event_listener_with_callback(super::REFRESH_EVENT, asked.as_ref().unchecked_ref());
        // The listener lives as long as the page: the island is never taken down.
        asked.forget();
    }

    async fn refresh() {
        if REFRESHING.replace(true) {
            return;
        }
        if let Some(html) = fetch_page().await {
            swap_regions(&html);
        }
        REFRESHING.set(false);
    }

    /// The page as the server draws it now; nothing when the answer is not the page (signed out, an error).
    async fn fetch_page() -> Option<String> {
        let window = window();
        let href = window.location().href().ok()?;
        let answer = JsFuture::from(window.fetch_with_str(&href)).await.ok()?;
        let answer: web_sys::Response = answer.dyn_into().ok()?;
        if !answer.ok() || answer.redirected() {
            return None;
        }
        JsFuture::from(answer.text().ok()?).await.ok()?.as_string()
    }

    fn swap_regions(html: &str) {
        let Ok(parser) = web_sys::DomParser::new() else { return };
        let Ok(fresh) = parser.parse_from_string(html, web_sys::SupportedType::TextHtml) else { return };
        let page = document();
        let Ok(regions) = page.query_selector_all("[data-region][id]") else { return };
        let focused = page.active_element();
        for i in 0..regions.length() {
            let Some(region) = regions.item(i).and_then(|node| node.dyn_into::<web_sys::Element>().ok()) else {
                continue;
            };
            if focused.as_ref().is_some_and(|f| region.contains(Some(f))) {
                continue;
            }
            let Some(now) = fresh.get_element_by_id(&region.id()) else { continue };
            let html = now.inner_html();
            if region.inner_html() != html {
                region.set_inner_html(&html);
            }
        }
    }
}
