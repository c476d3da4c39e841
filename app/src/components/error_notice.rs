use leptos::prelude::*;

/// A failure the person should read, announced to screen readers.
#[component]
pub fn ErrorNotice(message: String) -> impl IntoView {
    view! { <p class="notice notice--error" role="alert">{message}</p> }
}
