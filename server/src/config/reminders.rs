//! `[reminders]`: how often authors who owe a tick are pinged.

use tengu_core::domain::{QuietHours, ReminderPolicy};

use serde::Deserialize;

use super::*;

/// `[reminders]`: how often authors who owe a tick are pinged, and when not.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RemindersConfig {
    pub every_minutes: u32,
    /// Local hours without reminders, `22-8`.
    pub quiet_hours: Option<String>,
    /// The team's offset from UTC, `+09:00`.
    pub utc_offset: Option<String>,
}

impl Default for RemindersConfig {
    fn default() -> Self {
        Self { every_minutes: 120, quiet_hours: None, utc_offset: None }
    }
}

impl RemindersConfig {
    pub fn policy(&self) -> Result<ReminderPolicy, ConfigError> {
        let bad = |name: &'static str, message: String| ConfigError::Variable { name, message };
        if self.every_minutes == 0 {
            return Err(bad("reminders.every_minutes", "must be 1 or more".into()));
        }
        let quiet_hours = match &self.quiet_hours {
            None => None,
            Some(text) => {
                let parsed = text.split_once('-').and_then(|(from, to)| {
                    Some(QuietHours { from: from.trim().parse().ok()?, to: to.trim().parse().ok()? })
                });
                match parsed {
                    Some(q) if q.from < 24 && q.to < 24 && q.from != q.to => Some(q),
                    _ => return Err(bad("reminders.quiet_hours", format!("{text:?}: expected hours such as 22-8"))),
                }
            }
        };
        let utc_offset_minutes = match &self.utc_offset {
            None => 0,
            Some(text) => parse_offset(text)
                .ok_or_else(|| bad("reminders.utc_offset", format!("{text:?}: expected an offset such as +09:00")))?,
        };
        Ok(ReminderPolicy {
            every_minutes: self.every_minutes,
            quiet_hours,
            utc_offset_minutes,
            direct_messages: false,
        })
    }
}

pub(super) fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}
