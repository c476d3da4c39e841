use leptos::prelude::*;

/// A failure the person should read, announced to screen readers.
#[component]
pub fn ErrorNotice(message: String) -> impl IntoView {
    view! { <p class="notice notice--error" role="alert">{message}</p> }
}

/// The shape of a refusal the page's script shows in place of a form's answer: it fills in the sentence and only
/// then sets `role="alert"` (a page carrying that role says something went wrong, and is not kept by the page
/// cache).
#[component]
pub fn ErrorTemplate() -> impl IntoView {
    view! {
        <template data-on-error="" data-shown-as="alert">
            <p class="notice notice--error"></p>
        </template>
    }
}
