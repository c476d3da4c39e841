//! Freeze windows: times written in the configuration when nothing ships (a weekend, a holiday), read on the wall
//! clock of a named time zone so that daylight saving moves them with the team. While one holds, every deploy door
//! is refused with the window and its end; an admin may go through it with a written reason.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::EnvName;

const MINUTES_IN_A_WEEK: i64 = 7 * 24 * 60;

/// A moment of the week on the wall clock: `Fri 18:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekTime {
    pub day: Weekday,
    pub time: NaiveTime,
}

impl WeekTime {
    /// `Fri 18:00`, `friday 18:00` or `Friday 8:30`.
    pub fn parse(text: &str) -> Option<Self> {
        let (day, time) = text.trim().split_once(char::is_whitespace)?;
        let day: Weekday = day.trim_end_matches(',').parse().ok()?;
        let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
        Some(Self { day, time })
    }

    /// Minutes since Monday 00:00.
    fn minute_of_week(self) -> i64 {
        i64::from(self.day.num_days_from_monday()) * 24 * 60 + i64::from(self.time.hour() * 60 + self.time.minute())
    }
}

impl std::fmt::Display for WeekTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}", self.day, self.time.format("%H:%M"))
    }
}

/// When a window holds, on its time zone's wall clock: every week between two moments (it may wrap past Sunday
/// night), or once between two dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FreezeSpan {
    Weekly { from: WeekTime, to: WeekTime },
    Dated { from: NaiveDateTime, to: NaiveDateTime },
}

/// A configured freeze window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreezeWindow {
    pub name: String,
    /// The environments it holds; empty: every environment.
    pub environments: Vec<EnvName>,
    pub zone: Tz,
    pub span: FreezeSpan,
}

/// A freeze that holds now: which window, and when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    pub window: String,
    /// The window as configured, `Fri 18:00 to Mon 08:00 Asia/Tokyo`.
    pub span: String,
    pub until: DateTime<Utc>,
    pub zone: Tz,
}

impl Freeze {
    /// `production is frozen by "Weekend" (Fri 18:00 to Mon 08:00 Asia/Tokyo) until Mon 2026-12-07 08:00 Asia/Tokyo`.
    pub fn sentence(&self, env: &EnvName) -> String {
        format!("{env} is frozen by {:?} ({}) until {}", self.window, self.span, self.until_text())
    }

    /// What a page shows: `frozen until Mon 2026-12-07 08:00 Asia/Tokyo by "Weekend" (Fri 18:00 to Mon 08:00 …)`.
    pub fn notice(&self) -> String {
        format!("frozen until {} by {:?} ({})", self.until_text(), self.window, self.span)
    }

    /// Its end on its own wall clock, `Mon 2026-12-07 08:00 Asia/Tokyo`.
    pub fn until_text(&self) -> String {
        format!("{} {}", self.until.with_timezone(&self.zone).format("%a %Y-%m-%d %H:%M"), self.zone.name())
    }
}

impl FreezeWindow {
    /// A window from its configured parts, or a sentence saying what is wrong with them: `from` and `to` are both
    /// moments of the week (`Fri 18:00`) or both dates (`2026-12-29` or `2026-12-29 18:00`), and the window ends.
    pub fn new(name: &str, environments: Vec<EnvName>, zone: &str, from: &str, to: &str) -> Result<Self, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("a freeze window needs a name (it is what a refused deploy is told)".into());
        }
        let zone: Tz = zone.parse().map_err(|_| {
            format!("time_zone {zone:?} is not a time zone name of the IANA database, such as Asia/Tokyo or UTC")
        })?;
        let span = match (WeekTime::parse(from), WeekTime::parse(to)) {
            (Some(from), Some(to)) if from == to => {
                return Err(format!("from and to are both {from}: a weekly window must end"));
            }
            (Some(from), Some(to)) => FreezeSpan::Weekly { from, to },
            _ => {
                let (from, to) = (parse_moment(from)?, parse_moment(to)?);
                if to <= from {
                    return Err(format!("it ends ({to}) before it starts ({from}): a window must end after it starts"));
                }
                FreezeSpan::Dated { from, to }
            }
        };
        Ok(Self { name: name.to_owned(), environments, zone, span })
    }

    /// Whether it holds `env` (named, or every environment).
    pub fn covers(&self, env: &EnvName) -> bool {
        self.environments.is_empty() || self.environments.contains(env)
    }

    /// The freeze it puts on `env` at `now`, if any.
    pub fn freeze_at(&self, env: &EnvName, now: DateTime<Utc>) -> Option<Freeze> {
        if !self.covers(env) {
            return None;
        }
        let until = match self.span {
            FreezeSpan::Weekly { from, to } => self.weekly_end(from, to, now)?,
            FreezeSpan::Dated { from, to } => {
                let (from, to) = (self.instant(from), self.instant(to));
                (from <= now && now < to).then_some(to)?
            }
        };
        Some(Freeze { window: self.name.clone(), span: self.span_text(), until, zone: self.zone })
    }

    /// The first freeze among `windows` on `env` at `now`; of two, the one that ends last (it is the one to wait for).
    pub fn holding(windows: &[FreezeWindow], env: &EnvName, now: DateTime<Utc>) -> Option<Freeze> {
        windows.iter().filter_map(|window| window.freeze_at(env, now)).max_by_key(|freeze| freeze.until)
    }

    fn span_text(&self) -> String {
        let zone = self.zone.name();
        match self.span {
            FreezeSpan::Weekly { from, to } => format!("{from} to {to} {zone}"),
            FreezeSpan::Dated { from, to } => {
                format!("{} to {} {zone}", from.format("%Y-%m-%d %H:%M"), to.format("%Y-%m-%d %H:%M"))
            }
        }
    }

    /// When the weekly window that holds at `now` ends, or None when it does not hold.
    fn weekly_end(&self, from: WeekTime, to: WeekTime, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.zone).naive_local();
        let minute = local.with_second(0).and_then(|m| m.with_nanosecond(0)).unwrap_or(local);
        let at = WeekTime { day: minute.weekday(), time: minute.time() }.minute_of_week();
        let (from, to) = (from.minute_of_week(), to.minute_of_week());
        let inside = if from < to { from <= at && at < to } else { at >= from || at < to };
        inside.then(|| self.instant(minute + Duration::minutes((to - at).rem_euclid(MINUTES_IN_A_WEEK))))
    }

    /// A wall-clock moment in the window's zone as an instant; a moment that a spring-forward skips is the first
    /// one after the gap, and one a fall-back repeats is the earlier.
    fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        (0..4)
            .find_map(|quarter| self.zone.from_local_datetime(&(local + Duration::minutes(30 * quarter))).earliest())
            .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc))
    }
}

/// `2026-12-29` (its midnight) or `2026-12-29 18:00`.
fn parse_moment(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN)))
        .map_err(|_| {
            format!(
                "{text:?} is neither a moment of the week (Fri 18:00) nor a date (2026-12-29 or 2026-12-29 18:00); \
                 both ends are of one kind"
            )
        })
}

#[cfg(test)]
mod tests;
