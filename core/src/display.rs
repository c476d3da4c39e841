//! How times, durations and images read on a page: formatted once on the server, so the page's data is the text
//! it shows.

use chrono::{DateTime, Utc};

use crate::domain::ImageRef;

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
