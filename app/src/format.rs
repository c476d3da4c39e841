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

/// The refusal a plain form posting to server function `S` came back with (in the address), as a sentence.
pub fn refusal_in_address<S: leptos::server_fn::ServerFn>() -> Option<String> {
    use leptos::prelude::WithUntracked;
    let query = leptos_router::hooks::use_query_map();
    query.with_untracked(|query| {
        crate::contract::refusal_in_address(query.get_str("__path"), query.get_str("__err"), S::PATH)
    })
}

/// A `YYYY-MM-DD` filter field as the start of that day (UTC); `None` when empty or not a date.
pub fn day_start(text: Option<&str>) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(text?.trim(), "%Y-%m-%d").ok()?;
    date.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}
