use crate::contract;
use leptos::prelude::*;

/// A failure the person should read, announced to screen readers.
#[component]
pub fn ErrorNotice(message: String) -> impl IntoView {
    view! { <p class="notice notice--error" role="alert">{message}</p> }
}

/// The shape of a refusal the page's script shows in place of a form's answer: it fills in the sentence and only
/// then sets `role="alert"`.
#[component]
pub fn ErrorTemplate() -> impl IntoView {
    view! {
        <template {..contract::flag(contract::ON_ERROR)} {..contract::attr(contract::SHOWN_AS, "alert")}>
            <p class="notice notice--error"></p>
        </template>
    }
}
