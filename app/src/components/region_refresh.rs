//! Parts of a page the server draws again while it is open (the chat channel, the review environments, the
//! token list). An island asks for the page again every few seconds, or at once when another island's action
//! changed what it shows, and swaps in each region (an element with `data-region` and an `id`) whose HTML changed.
//! A region holding the focus, an opened confirmation or a pressed button is left alone, so nothing the person is
//! doing is interrupted; a tab in the background asks nothing, and a page that is no longer the person's (signed
//! out) stops asking.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

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

/// An island's action that changes what the page's regions show: after each success the regions are drawn again;
/// the returned sentence is its last refusal, starting from the one that came back in the address (`refused`).
pub fn refresh_after<S>(action: ServerAction<S>, refused: Option<String>) -> RwSignal<Option<String>>
where
    S: ServerFn<Error = ServerFnError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let last_error = RwSignal::new(refused);
    Effect::new(move |_| {
        action.value().with(|answer| match answer {
            Some(Ok(_)) => {
                last_error.set(None);
                refresh_regions_now();
            }
            Some(Err(error)) => last_error.set(Some(crate::format::error_text(error))),
            None => {}
        })
    });
    last_error
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
        /// When the refresh under way started (0: none). One at a time: a slow answer is not overtaken.
        static STARTED: Cell<f64> = const { Cell::new(0.0) };
        /// Asked for while one was under way: run once more after it.
        static AGAIN: Cell<bool> = const { Cell::new(false) };
        /// The page is no longer the person's (signed out): stop asking.
        static STOPPED: Cell<bool> = const { Cell::new(false) };
    }

    /// A refresh older than this is taken as lost (a fetch that never answered) and no longer holds the next.
    const GIVE_UP_MS: f64 = 10_000.0;

    pub fn follow(every_ms: u64) {
        if every_ms > 0 {
            let every = std::time::Duration::from_millis(every_ms);
            let tick = || {
                // A tab in the background is not drawn: no need to ask.
                if !document().hidden() {
                    leptos::task::spawn_local(refresh());
                }
            };
            if let Ok(handle) = set_interval_with_handle(tick, every) {
                on_cleanup(move || handle.clear());
            }
        }
        let asked = Closure::<dyn FnMut()>::new(|| leptos::task::spawn_local(refresh()));
        let _ = window().add_event_listener_with_callback(super::REFRESH_EVENT, asked.as_ref().unchecked_ref());
        // The listener lives as long as the page: the island is never taken down.
        asked.forget();
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
        let window = window();
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
        let page = document();
        let Ok(regions) = page.query_selector_all("[data-region][id]") else { return };
        let focused = page.active_element();
        for i in 0..regions.length() {
            let Some(region) = regions.item(i).and_then(|node| node.dyn_into::<web_sys::Element>().ok()) else {
                continue;
            };
            // Not under the person's hand: holding the focus, an opened confirmation, or a button being pressed.
            let in_use = region.query_selector("details[open], :active").ok().flatten().is_some();
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
}
