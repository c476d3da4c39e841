//! How times, durations and images read on a page: formatted once on the server, so the page's data is the text
//! it shows.

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::domain::ImageRef;

/// `2026-11-30 09:12 UTC`. Written digit by digit: pages show dozens of times, and chrono's `format` reads its
/// pattern anew for each (a tenth of the overview's drawing went to it).
pub fn when(at: DateTime<Utc>) -> String {
    let mut text = String::with_capacity(20);
    push_minute(&mut text, at, ' ');
    text.push_str(" UTC");
    text
}

/// `2026-11-30T09:12:05+00:00`, with the fraction of a second when there is one: exactly `to_rfc3339`'s words.
pub fn iso(at: DateTime<Utc>) -> String {
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 {
        // A leap second: rare enough to leave to chrono.
        return at.to_rfc3339();
    }
    let mut text = String::with_capacity(35);
    push_minute(&mut text, at, 'T');
    text.push(':');
    push_digits(&mut text, at.second(), 2);
    match nanos {
        0 => {}
        n if n % 1_000_000 == 0 => push_fraction(&mut text, n / 1_000_000, 3),
        n if n % 1_000 == 0 => push_fraction(&mut text, n / 1_000, 6),
        n => push_fraction(&mut text, n, 9),
    }
    text.push_str("+00:00");
    text
}

/// `2026-11-30<between>09:12`.
fn push_minute(text: &mut String, at: DateTime<Utc>, between: char) {
    // The UTC date and time once: each field read from `at` itself works the offset out again.
    let at = at.naive_utc();
    if !(0..=9999).contains(&at.year()) {
        // Outside four digits chrono writes a sign; no record of tengu's is.
        text.push_str(&at.format("%Y-%m-%d").to_string());
    } else {
        push_digits(text, at.year() as u32, 4);
        text.push('-');
        push_digits(text, at.month(), 2);
        text.push('-');
        push_digits(text, at.day(), 2);
    }
    text.push(between);
    push_digits(text, at.hour(), 2);
    text.push(':');
    push_digits(text, at.minute(), 2);
}

fn push_fraction(text: &mut String, value: u32, width: u32) {
    text.push('.');
    push_digits(text, value, width);
}

/// `value` in `width` digits, zeros first.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
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

/// A span of minutes to months, in its two largest units: `3d 4h`, `5h 20m`, `12m`, `40s`.
pub fn span(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_chrono_writes_them() {
        let base = DateTime::parse_from_rfc3339("2026-11-30T09:12:05Z").unwrap().with_timezone(&Utc);
        for nanos in [0, 7_000_000, 123_000, 1, 999_999_999] {
            let at = base + chrono::Duration::nanoseconds(nanos);
            assert_eq!(iso(at), at.to_rfc3339(), "{nanos}");
            assert_eq!(when(at), at.format("%Y-%m-%d %H:%M UTC").to_string());
        }
        let early = DateTime::parse_from_rfc3339("0987-01-02T03:04:05Z").unwrap().with_timezone(&Utc);
        assert_eq!((iso(early), when(early)), (early.to_rfc3339(), "0987-01-02 03:04 UTC".to_owned()));
    }

    #[test]
    fn durations_read_like_a_stopwatch() {
        assert_eq!(duration(42), "42s");
        assert_eq!(duration(252), "4m 12s");
        assert_eq!(duration(3720), "1h 02m");
    }

    #[test]
    fn a_span_says_its_two_largest_units() {
        assert_eq!(span(-5), "0s");
        assert_eq!(span(40), "40s");
        assert_eq!(span(12 * 60 + 5), "12m");
        assert_eq!(span(5 * 3600 + 20 * 60), "5h 20m");
        assert_eq!(span(3 * 86_400 + 4 * 3600 + 59), "3d 4h");
    }
}
