//! Day rollups: what each of the team's days adds to the insights (the successes that finished that day, the
//! attempts that finished and those that failed, what restored each failure, the changes first delivered), kept
//! as deployments finish so a page over a year reads a day each instead of the deployments. The numbers of a
//! period are those of its days put together: counts add up, and the medians are taken over the days' samples
//! together, so they are exactly those of the deployments themselves.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::failures::{self, FailureKind, Restored};
use super::lead_time::{self, Delivery};
use super::{ChangeKey, DeployFact, InsightRules, Insights, Period, frequency};

/// One day of one environment, in the team's days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRollup {
    pub day: NaiveDate,
    /// The successful deployments that finished that day, in the order of their requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub successes: Vec<i64>,
    /// The attempts that finished that day (succeeded, failed, rolled back or aborted).
    #[serde(default)]
    pub finished: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<(i64, FailureKind)>,
    /// What restored each failure of that day, so far.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restorations: Vec<Restored>,
    /// The changes first delivered to the environment that day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<Delivery>,
}

impl DayRollup {
    pub fn empty(day: NaiveDate) -> Self {
        Self {
            day,
            successes: Vec::new(),
            finished: 0,
            failed: Vec::new(),
            restorations: Vec::new(),
            deliveries: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::empty(self.day)
    }

    /// A failure of that day that nothing has restored yet: its day must be worked out again when something does.
    pub fn awaits_restore(&self) -> bool {
        self.restorations.iter().any(|r| r.by.is_none())
    }
}

/// The rollups of the days `first..=last` (each one, empty or not) from `history`: every deployment that finished
/// on those days, requested since before them (a rollback or a revert looks ahead `rules.replaced_within`, a
/// restore to the next success), in any order; `delivered_before`: the changes delivered before `first`.
pub fn day_rollups(
    history: &[DeployFact],
    (first, last): (NaiveDate, NaiveDate),
    offset: FixedOffset,
    rules: InsightRules,
    delivered_before: HashSet<ChangeKey>,
) -> Vec<DayRollup> {
    let mut history: Vec<&DeployFact> = history.iter().collect();
    history.sort_by_key(|fact| (fact.requested_at, fact.id));
    let mut days: BTreeMap<NaiveDate, DayRollup> =
        first.iter_days().take_while(|day| *day <= last).map(|day| (day, DayRollup::empty(day))).collect();
    let local = |at: DateTime<Utc>| at.with_timezone(&offset).date_naive();
    for fact in &history {
        if let Some(day) = fact.succeeded_at().and_then(|at| days.get_mut(&local(at))) {
            day.successes.push(fact.id);
        }
    }
    let judged = failures::judge(&history, rules);
    for judged in &judged {
        if let Some(day) = days.get_mut(&local(judged.finished_at)) {
            day.finished += 1;
            day.failed.extend(judged.failure.map(|kind| (judged.fact.id, kind)));
        }
    }
    for (at, restored) in failures::restorations(&history, &judged) {
        if let Some(day) = days.get_mut(&local(at)) {
            day.restorations.push(restored);
        }
    }
    for (at, delivery) in lead_time::first_deliveries(&history, delivered_before) {
        if let Some(day) = days.get_mut(&local(at)) {
            day.deliveries.push(delivery);
        }
    }
    days.into_values().collect()
}

/// The insights of `period` (whole days of the team's) from its days' rollups, in any order; a day without one
/// had nothing.
pub fn from_days(rollups: &[DayRollup], period: Period) -> Insights {
    let (first, last) = period.days();
    let mut days: Vec<&DayRollup> = rollups.iter().filter(|d| first <= d.day && d.day <= last).collect();
    days.sort_by_key(|d| d.day);
    let successes = days.iter().map(|d| (d.day, d.successes.clone())).collect();
    let deliveries: Vec<&Delivery> = days.iter().flat_map(|d| &d.deliveries).collect();
    let failed = days.iter().flat_map(|d| d.failed.iter().copied()).collect();
    let restorations = days.iter().flat_map(|d| d.restorations.iter().cloned()).collect();
    Insights {
        period,
        frequency: frequency::frequency(successes, period),
        lead_time: lead_time::lead_time(&deliveries),
        stages: lead_time::stages(&deliveries),
        failure_rate: failures::failure_rate(days.iter().map(|d| d.finished).sum(), failed),
        restore: failures::restore(restorations),
    }
}

/// How far an environment's rollups are kept: every deployment that finished before `kept_until` is in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsightMark {
    pub kept_until: DateTime<Utc>,
    /// The start of the oldest day with a failure that nothing had restored yet.
    pub open_from: Option<DateTime<Utc>>,
}

impl InsightMark {
    /// Where working the days out again starts: a deployment since may make a failure of a success of the last
    /// `replaced_within` (a rollback, a revert), or restore an open failure.
    pub fn redo_from(&self, rules: InsightRules) -> DateTime<Utc> {
        let window = self.kept_until - rules.replaced_within;
        self.open_from.map_or(window, |open| open.min(window))
    }
}
