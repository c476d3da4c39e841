//! How times, images and outcomes read on the page.

use chrono::{DateTime, Utc};
use tengu_core::domain::{DeploymentState, ImageRef, ReviewEnvState};

pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// `4m 12s`, `58s`.
pub fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The tag people recognise, or the whole reference when there is none.
pub fn image_tag(image: &ImageRef) -> String {
    image.tag().map(|t| t.to_string()).unwrap_or_else(|| image.to_string())
}

/// The CSS modifier for a state badge: good, bad, busy or quiet.
pub fn deployment_tone(state: DeploymentState) -> &'static str {
    match state {
        DeploymentState::Succeeded => "good",
        DeploymentState::Failed
        | DeploymentState::RolledBack
        | DeploymentState::Aborted
        | DeploymentState::Rejected => "bad",
        _ => "busy",
    }
}

pub fn review_tone(state: ReviewEnvState) -> &'static str {
    match state {
        ReviewEnvState::Running => "good",
        ReviewEnvState::Failed => "bad",
        ReviewEnvState::Starting | ReviewEnvState::Stopping => "busy",
        ReviewEnvState::Stopped => "quiet",
    }
}

/// The message of a server function's error, without the framework's prefix.
pub fn error_text(error: &leptos::prelude::ServerFnError) -> String {
    match error {
        leptos::prelude::ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    }
}

/// A `YYYY-MM-DD` filter field as the start of that day (UTC); `None` when empty or not a date.
pub fn day_start(text: Option<&str>) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(text?.trim(), "%Y-%m-%d").ok()?;
    date.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_stopwatch() {
        assert_eq!(duration(42), "42s");
        assert_eq!(duration(252), "4m 12s");
        assert_eq!(duration(3720), "1h 02m");
    }
}
