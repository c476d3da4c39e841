use leptos::prelude::*;

/// An environment's lock, as every refused deploy reads it: said once, politely, to screen readers.
#[component]
pub fn LockNotice(sentence: String) -> impl IntoView {
    view! {
        <p class="notice notice--locked" role="status">
            <strong>"Locked: "</strong>
            {sentence}
        </p>
    }
}

/// A freeze window that holds an environment (`frozen until …`), said once to screen readers.
#[component]
pub fn FreezeNotice(sentence: String) -> impl IntoView {
    view! {
        <p class="notice notice--frozen" role="status">
            <strong>"Frozen: "</strong>
            {sentence.strip_prefix("frozen ").map(str::to_owned).unwrap_or(sentence)}
        </p>
    }
}
