//! Insights: how fast and how safely a team ships to one environment, from what tengu records of its
//! deployments (the four keys of DORA, as Google's fourkeys computes them, but reading failures from the
//! deployments themselves instead of incident labels). Pure: the read side hands it the environment's history
//! (`DeployFact`s, oldest first) and a period; every number is defined where it is computed:
//! `frequency` (deployment frequency), `lead_time` (lead time for changes, and where the time goes), `failures`
//! (change failure rate and time to restore). `stats` holds the percentile and the buckets.

mod facts;
mod failures;
mod frequency;
mod kept;
mod lead_time;
mod rollup;
mod stats;
mod summary;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{DeploymentState, Trigger};

pub use failures::{FailureKind, FailureRate, Restore, Restored};
pub use frequency::{DayCount, Frequency, FrequencyBucket, WeekCount};
pub use lead_time::{AuthorWait, Delivery, LeadSample, LeadTime, Spans, Stage, StageWait, Stages};
pub use rollup::{DayRollup, InsightMark};

use rollup::{day_rollups, from_days};
pub use stats::{DurationBucket, percentile};
pub use summary::weekly_summary;

/// One deployment of the environment, as insights read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployFact {
    pub id: i64,
    pub trigger: Trigger,
    pub state: DeploymentState,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// What it carried: its source PRs and its commits without a pull request.
    pub changes: Vec<ChangeFact>,
}

impl DeployFact {
    fn succeeded_at(&self) -> Option<DateTime<Utc>> {
        (self.state == DeploymentState::Succeeded).then_some(self.finished_at).flatten()
    }
}

/// A change: a source PR, or a commit that reached the source branch without one (kept as a number or a SHA).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChangeKey {
    Pr(u32),
    Commit(String),
}

/// A change a deployment carried, with the moments of its way there (each unknown when it was not recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeFact {
    pub key: ChangeKey,
    pub title: String,
    pub author: Option<String>,
    /// The earliest authored date of its commits.
    pub first_commit_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    /// When it was first listed in a deploy PR of this environment.
    pub listed_at: Option<DateTime<Utc>>,
    /// When its author ticked it there.
    pub verified_at: Option<DateTime<Utc>>,
}

/// The team's midnight starting `day` (none only at the ends of the calendar).
pub fn midnight(day: NaiveDate, offset: FixedOffset) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?.and_local_timezone(offset).single().map(|t| t.to_utc())
}

/// The time the numbers are about (whole days of the team's), and the team's clock for days and weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Days start at midnight here (the team's UTC offset; timestamps themselves are instants).
    pub offset: FixedOffset,
}

impl Period {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// Its first and last day, in the team's days.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let local = |at: DateTime<Utc>| at.with_timezone(&self.offset).date_naive();
        (local(self.from), local(self.to - Duration::nanoseconds(1)))
    }

    /// The period of the same length just before this one: what a trend compares with.
    pub fn previous(&self) -> Period {
        Period { from: self.from - (self.to - self.from), to: self.from, offset: self.offset }
    }
}

/// What counts as a failure beyond a failed deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsightRules {
    /// A successful deployment replaced within this long by a rollback, or by a deployment carrying a revert of
    /// one of its changes, counts as failed.
    pub replaced_within: Duration,
}

impl Default for InsightRules {
    fn default() -> Self {
        Self { replaced_within: Duration::hours(24) }
    }
}

/// The four keys of one environment over one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Insights {
    pub period: Period,
    pub frequency: Frequency,
    pub lead_time: LeadTime,
    pub stages: Stages,
    pub failure_rate: FailureRate,
    pub restore: Restore,
}

/// The insights of `history` (one environment's deployments, in any order, all those before the period
/// included) over `period`, through the same day rollups the pages read.
pub fn insights(history: &[DeployFact], period: Period, rules: InsightRules) -> Insights {
    let days = day_rollups(history, period.days(), period.offset, rules, HashSet::new());
    from_days(&days, period)
}
