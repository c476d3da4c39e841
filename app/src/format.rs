//! How times, images and outcomes read on the page.

use chrono::{DateTime, Utc};

pub use tengu_core::views::{deployment_tone, review_tone};

/// A `YYYY-MM-DD` filter field as the start of that day (UTC); `None` when empty or not a date.
pub fn day_start(text: Option<&str>) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(text?.trim(), "%Y-%m-%d").ok()?;
    date.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}
