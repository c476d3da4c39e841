//! The day rollups kept as deployments finish, and the insights of a period read from them: a page over a year
//! reads a row a day, not the year's deployments.

use std::collections::HashSet;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

use super::{ChangeKey, DayRollup, InsightMark, InsightRules, Insights, Period, day_rollups, from_days, midnight};
use crate::domain::EnvName;
use crate::error::CoreError;
use crate::tengu::Tengu;

/// How long before its finish a deployment may have been requested and still be found (an approval waited for):
/// the rollups read the deployments requested since this long before the first day they work out.
pub const LONGEST_DEPLOYMENT: Duration = Duration::days(7);

/// The days worked out at once when many are (the first time, on a long history), so memory stays small.
const DAYS_PER_PASS: i64 = 31;

/// The team's midnight starting a day some deployment finished on (far from the calendar's ends).
fn start_of(day: NaiveDate, offset: FixedOffset) -> DateTime<Utc> {
    midnight(day, offset).expect("a day of deployments has a midnight")
}

impl Tengu {
    fn insight_basis(&self, rules: InsightRules) -> (FixedOffset, String) {
        let offset = self.settings.reminders.offset();
        (offset, format!("{offset} {}s", rules.replaced_within.num_seconds()))
    }

    /// Brings the environment's rollups up to now: the days since they were kept (and those a new deployment may
    /// change: the failure window's, an open failure's) worked out again. One look at the newest deployment when
    /// nothing finished since.
    pub async fn keep_insights(&self, env: &EnvName) -> Result<(), CoreError> {
        let rules = InsightRules::default();
        let (offset, basis) = self.insight_basis(rules);
        let store = &self.ports.store;
        let mark = store.insight_mark(env, &basis).await?;
        let (newest, _) = store.latest_deployments(env).await?;
        let Some(newest) = newest else { return Ok(()) };
        let moved = newest.finished_at.map_or(newest.requested_at, |end| end.max(newest.requested_at));
        let (mut from, mut fresh) = match mark {
            Some(mark) if moved < mark.kept_until => return Ok(()),
            Some(mark) => (mark.redo_from(rules), false),
            None => match store.first_requested_at(env).await? {
                Some(first) => (first, true),
                None => return Ok(()),
            },
        };
        let now = self.ports.clock.now();
        loop {
            let first = from.with_timezone(&offset).date_naive();
            let until = start_of(first + Duration::days(DAYS_PER_PASS), offset).min(now);
            let mark = self.keep_insight_days(env, (offset, &basis), (first, until), fresh).await?;
            if until >= now {
                return Ok(());
            }
            (from, fresh) = (mark.redo_from(rules), false);
        }
    }

    /// Works out the days from `first` to the one `until` falls in, from the deployments requested before `until`.
    async fn keep_insight_days(
        &self,
        env: &EnvName,
        (offset, basis): (FixedOffset, &str),
        (first, until): (NaiveDate, DateTime<Utc>),
        fresh: bool,
    ) -> Result<InsightMark, CoreError> {
        let rules = InsightRules::default();
        let start = start_of(first, offset);
        let last = (until - Duration::nanoseconds(1)).with_timezone(&offset).date_naive().max(first);
        let facts = self.deploy_facts(env, start - LONGEST_DEPLOYMENT, until).await?;
        let carried: HashSet<&ChangeKey> = facts.iter().flat_map(|f| f.changes.iter().map(|c| &c.key)).collect();
        let carried: Vec<ChangeKey> = carried.into_iter().cloned().collect();
        let seen = self.ports.store.delivered_before(env, start, &carried).await?;
        let days = day_rollups(&facts, (first, last), offset, rules, seen);
        let open_from = days.iter().filter(|d| d.awaits_restore()).map(|d| start_of(d.day, offset)).min();
        let mark = InsightMark { kept_until: until, open_from };
        let kept: Vec<DayRollup> = days.into_iter().filter(|d| !d.is_empty()).collect();
        let replaced = (if fresh { NaiveDate::MIN } else { first }, last);
        self.ports.store.keep_insight_days(env, basis, replaced, &kept, &mark).await?;
        Ok(mark)
    }

    /// The insights of `period` (whole days of the team's) and of the period before it, from the kept rollups.
    /// When the days cannot be brought up to date (the database busy with another instance's keeping), what is
    /// kept is read: the numbers of the last finishes come with the next look.
    pub(crate) async fn kept_insights(&self, env: &EnvName, period: Period) -> Result<(Insights, Insights), CoreError> {
        if let Err(error) = self.keep_insights(env).await {
            tracing::warn!(%env, %error, "the insights' days could not be brought up to date; reading those kept");
        }
        let (_, basis) = self.insight_basis(InsightRules::default());
        let days = (period.previous().days().0, period.days().1);
        let rollups = self.ports.store.insight_days(env, &basis, days).await?;
        Ok((from_days(&rollups, period), from_days(&rollups, period.previous())))
    }
}
