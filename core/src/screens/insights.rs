//! The insights page as people ask it: an environment they may see (production unless they name another), and the
//! last 30, 90 or 365 days, or two dates, in the team's days (the reminders' UTC offset). The numbers are those of
//! `insights`, for the period and the one just before it (the trend).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

use crate::domain::{EnvName, Environment, RepoSlug, Viewer};
use crate::error::CoreError;
use crate::insights::{Insights, Period, midnight};
use crate::tengu::Tengu;

/// The ranges the page offers, in days.
pub const INSIGHT_RANGES: [i64; 3] = [30, 90, 365];

/// What the page's address asks for (each field as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InsightsQuery {
    pub env: Option<String>,
    /// `30`, `90` or `365` (days up to today).
    pub range: Option<String>,
    /// Both dates, `YYYY-MM-DD`, instead of a range (the last day included).
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The page's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightsView {
    pub env: EnvName,
    pub repo: RepoSlug,
    /// Every environment the viewer may see, to pick another.
    pub environments: Vec<EnvName>,
    /// The range picked, when a range was (not dates).
    pub range_days: Option<i64>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub now: Insights,
    pub before: Insights,
}

impl Tengu {
    pub async fn insights_page(&self, viewer: &Viewer, query: &InsightsQuery) -> Result<InsightsView, CoreError> {
        let visible: Vec<&Environment> =
            self.settings.environments.iter().filter(|env| viewer.can_see(&env.repo)).collect();
        let env = chosen(&visible, query.env.as_deref())?;
        let offset = self.settings.reminders.offset();
        let (period, range_days) = period_of(query, self.ports.clock.now(), offset)?;
        let (now, before) = self.kept_insights(&env.name, period).await?;
        let last_day = (period.to - Duration::seconds(1)).with_timezone(&offset).date_naive();
        Ok(InsightsView {
            env: env.name.clone(),
            repo: env.repo.clone(),
            environments: visible.iter().map(|e| e.name.clone()).collect(),
            range_days,
            first_day: period.from.with_timezone(&offset).date_naive(),
            last_day,
            now,
            before,
        })
    }
}

fn chosen<'a>(visible: &[&'a Environment], asked: Option<&str>) -> Result<&'a Environment, CoreError> {
    let refused = |sentence: String| CoreError::Refused(sentence);
    match asked.map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) => visible
            .iter()
            .find(|env| env.name.as_str() == name)
            .copied()
            .ok_or_else(|| refused(format!("there is no environment {name} you may see"))),
        None => visible
            .iter()
            .find(|env| env.name.as_str() == "production")
            .or(visible.first())
            .copied()
            .ok_or_else(|| refused("you may see no repository tengu deploys".to_owned())),
    }
}

/// A field that was filled in.
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|text| !text.trim().is_empty())
}

/// The period the query names, ending with today unless two dates name it.
fn period_of(
    query: &InsightsQuery,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> Result<(Period, Option<i64>), CoreError> {
    let refused = |sentence: &str| CoreError::Refused(sentence.to_owned());
    let midnight = |day: NaiveDate| midnight(day, offset);
    let date = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    if let (Some(from), Some(to)) = (given(&query.from), given(&query.to)) {
        let (Some(first), Some(last)) = (date(from), date(to)) else {
            return Err(refused("the dates are written YYYY-MM-DD"));
        };
        if last < first || (last - first).num_days() > 3 * 366 {
            return Err(refused("the first date comes before the last, and at most three years before it"));
        }
        let (Some(from), Some(to)) = (midnight(first), midnight(last + Duration::days(1))) else {
            return Err(refused("the dates are written YYYY-MM-DD"));
        };
        return Ok((Period { from, to, offset }, None));
    }
    let days = match given(&query.range) {
        None => 30,
        Some(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|days| INSIGHT_RANGES.contains(days))
            .ok_or_else(|| refused("the range is 30, 90 or 365 days"))?,
    };
    let tomorrow = now.with_timezone(&offset).date_naive() + Duration::days(1);
    let to = midnight(tomorrow).ok_or_else(|| refused("today has no midnight in this offset"))?;
    Ok((Period { from: to - Duration::days(days), to, offset }, Some(days)))
}

/// The chart's numbers as a CSV file: each day of the period with its successful deployments.
pub fn insights_csv(view: &InsightsView) -> String {
    let mut csv = String::from("day,successful_deployments,deployment_ids\r\n");
    for day in &view.now.frequency.days {
        let ids: Vec<String> = day.deployments.iter().map(ToString::to_string).collect();
        csv.push_str(&format!("{},{},{}\r\n", day.day, day.deployments.len(), ids.join(" ")));
    }
    csv
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_range_ends_with_today_and_dates_include_their_last_day() {
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 20, 0, 0).unwrap(); // 7 December 05:00 in Tokyo
        let (period, days) = period_of(&InsightsQuery::default(), now, tokyo).unwrap();
        assert_eq!(days, Some(30));
        assert_eq!(period.to, Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap(), "the end of 7 December in Tokyo");
        assert_eq!(period.to - period.from, Duration::days(30));
        let dates =
            InsightsQuery { from: Some("2026-11-01".into()), to: Some("2026-11-30".into()), ..Default::default() };
        let (period, days) = period_of(&dates, now, tokyo).unwrap();
        assert_eq!((days, period.to - period.from), (None, Duration::days(30)));
        let backwards =
            InsightsQuery { from: Some("2026-11-30".into()), to: Some("2026-11-01".into()), ..Default::default() };
        assert!(period_of(&backwards, now, tokyo).is_err());
        let odd = InsightsQuery { range: Some("7".into()), ..Default::default() };
        assert!(period_of(&odd, now, tokyo).is_err());
    }
}
