use leptos::prelude::*;

/// Where a page stands: the overview, then `here`.
#[component]
pub fn Breadcrumbs(#[prop(into)] here: String) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            <span aria-hidden="true">" / "</span>
            <span>{here}</span>
        </nav>
    }
}
