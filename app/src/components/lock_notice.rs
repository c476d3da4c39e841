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
