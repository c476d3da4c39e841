//! Parts of a page the server draws again while it is open (the chat channel, the review environments, the
//! token list, an environment's rollout). The page's script asks for the page again every few seconds, or at once
//! when a form sent in place or a rollout's event stream says something changed, and swaps in each region (an
//! element with `data-region` and an `id`) whose HTML changed. See `browser::regions`.

use leptos::prelude::*;

/// Has the page's regions drawn again every `every_ms` (0: only when something on the page asks).
#[component]
pub fn RegionRefresh(every_ms: u64) -> impl IntoView {
    view! { <div hidden data-refresh-every=every_ms.to_string()></div> }
}
