use leptos::prelude::*;

/// A short state word in a coloured pill; `tone` is good, bad, busy or quiet.
#[component]
pub fn Badge(#[prop(into)] tone: String, label: String) -> impl IntoView {
    view! { <span class=format!("badge badge--{tone}")>{label}</span> }
}
