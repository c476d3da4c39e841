use leptos::prelude::*;

/// Bumps `tick` every `every_ms` while the page is open in a browser, so a resource keyed on it asks again; on
/// the server (one render) it does nothing.
#[cfg(feature = "hydrate")]
pub fn refresh_every(tick: RwSignal<u32>, every_ms: u64) {
    let handle = set_interval_with_handle(move || tick.update(|n| *n += 1), std::time::Duration::from_millis(every_ms));
    if let Ok(handle) = handle {
        on_cleanup(move || handle.clear());
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn refresh_every(_: RwSignal<u32>, _every_ms: u64) {}
