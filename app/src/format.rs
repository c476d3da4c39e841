//! How times, images and outcomes read on the page.

use chrono::{DateTime, Utc};

pub use tengu_core::views::{deployment_tone, review_tone};

/// The message of a server function's error, without the framework's prefix.
pub fn error_text(error: &leptos::prelude::ServerFnError) -> String {
    match error {
        leptos::prelude::ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    }
}

/// The refusal a plain form posting to server function `S` came back with (in the address), as a sentence. Read
/// outside any island and handed to the island as a prop: in the browser an island has no address to read it from,
/// so drawing it from the island's own action would differ from the server's HTML and break its hydration.
pub fn refusal_in_address<S>() -> Option<String>
where
    S: leptos::server_fn::ServerFn<Error = leptos::prelude::ServerFnError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    use leptos::prelude::{ServerAction, WithUntracked};
    let action = ServerAction::<S>::new();
    action.value().with_untracked(|value| value.as_ref().and_then(|result| result.as_ref().err()).map(error_text))
}

/// A `YYYY-MM-DD` filter field as the start of that day (UTC); `None` when empty or not a date.
pub fn day_start(text: Option<&str>) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(text?.trim(), "%Y-%m-%d").ok()?;
    date.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}
