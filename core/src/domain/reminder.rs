use chrono::{DateTime, Duration, FixedOffset, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Hours of the team's day when nobody is pinged: `from` up to (not including) `to`, in local hours 0-23; may
/// wrap past midnight (22 → 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub from: u32,
    pub to: u32,
}

/// When tengu reminds the authors who still owe a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderPolicy {
    pub every_minutes: u32,
    pub quiet_hours: Option<QuietHours>,
    /// The team's time zone as an offset from UTC (e.g. 540 for +09:00).
    pub utc_offset_minutes: i32,
    /// Each linked author also gets the reminder as a direct message in the chat (`[slack] remind_by = "dm"`).
    pub direct_messages: bool,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        Self { every_minutes: 120, quiet_hours: None, utc_offset_minutes: 0, direct_messages: false }
    }
}

impl ReminderPolicy {
    pub fn interval(&self) -> Duration {
        Duration::minutes(i64::from(self.every_minutes.max(1)))
    }

    /// The team's clock: its UTC offset.
    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("zero"))
    }

    /// Whether `at` falls in the team's quiet hours.
    pub fn is_quiet(&self, at: DateTime<Utc>) -> bool {
        let Some(quiet) = self.quiet_hours else { return false };
        let hour = at.with_timezone(&self.offset()).hour();
        if quiet.from <= quiet.to {
            (quiet.from..quiet.to).contains(&hour)
        } else {
            hour >= quiet.from || hour < quiet.to
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn quiet_hours_follow_the_team_clock_and_wrap_past_midnight() {
        let tokyo_night = ReminderPolicy {
            every_minutes: 120,
            quiet_hours: Some(QuietHours { from: 22, to: 8 }),
            utc_offset_minutes: 9 * 60,
            direct_messages: false,
        };
        let utc = |h| Utc.with_ymd_and_hms(2026, 11, 21, h, 30, 0).unwrap();
        assert!(tokyo_night.is_quiet(utc(13)), "22:30 in Tokyo");
        assert!(tokyo_night.is_quiet(utc(22)), "07:30 in Tokyo");
        assert!(!tokyo_night.is_quiet(utc(23)), "08:30 in Tokyo");
        assert!(!tokyo_night.is_quiet(utc(4)), "13:30 in Tokyo");
        let lunch = ReminderPolicy { quiet_hours: Some(QuietHours { from: 12, to: 13 }), ..ReminderPolicy::default() };
        assert!(lunch.is_quiet(utc(12)) && !lunch.is_quiet(utc(13)));
        assert!(!ReminderPolicy::default().is_quiet(utc(3)));
    }
}
