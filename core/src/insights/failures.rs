//! Change failure rate and time to restore. The deployments are the attempts that finished: succeeded, failed,
//! rolled back or aborted (a rejected one never started). A deployment failed when ECS could not run it or it
//! timed out (`failed`), or tengu rolled it back after a failure, a timeout or a failed verification
//! (`rolled_back`); a successful one failed too when, within `InsightRules::replaced_within` of its finish, a
//! rollback was asked for while it was the newest success (a rollback of a rollback makes the first rollback
//! the failed one), or a deployment carried a revert of one of its changes (GitHub's revert: a change titled
//! `Revert "<its title>"`). The rate is the failed deployments that finished in the period over all that did;
//! its bucket, as fourkeys': 0-15 %, 16-30 %, 31-45 %, 46-100 %.
//!
//! Time to restore, for each failed deployment that finished in the period: from its finish to the finish of the
//! next successful deployment after it (for a replaced one, the deployment that replaced it when that succeeded);
//! the median over those restored, in the duration buckets.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::stats::{DurationBucket, duration_percentile};
use super::{DeployFact, InsightRules};
use crate::domain::{DeploymentState, Trigger};

/// Why a deployment counts as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    Failed,
    RolledBack,
    /// Succeeded, then a rollback (this deployment) went back from it.
    ReplacedByRollback(i64),
    /// Succeeded, then a deployment (this one) carried a revert of one of its changes.
    ReplacedByRevert(i64),
}

impl FailureKind {
    pub fn sentence(self) -> String {
        match self {
            FailureKind::Failed => "failed".to_owned(),
            FailureKind::RolledBack => "rolled back".to_owned(),
            FailureKind::ReplacedByRollback(by) => format!("rolled back from by #{by}"),
            FailureKind::ReplacedByRevert(by) => format!("reverted by #{by}"),
        }
    }
}

/// A finished attempt and whether it failed.
pub(super) struct Judged<'a> {
    pub fact: &'a DeployFact,
    pub finished_at: DateTime<Utc>,
    pub failure: Option<FailureKind>,
}

/// The finishes of the successful deployments, in order: where "the next success" and "a newer success" are
/// looked up (by halving, so a year of deployments costs n log n, not n²).
fn success_ends(history: &[&DeployFact]) -> Vec<(DateTime<Utc>, i64)> {
    let mut ends: Vec<(DateTime<Utc>, i64)> =
        history.iter().filter_map(|fact| fact.succeeded_at().map(|end| (end, fact.id))).collect();
    ends.sort();
    ends
}

/// `history` is in the order of the requests.
pub(super) fn judge<'a>(history: &[&'a DeployFact], rules: InsightRules) -> Vec<Judged<'a>> {
    use DeploymentState::*;
    let ends = success_ends(history);
    history
        .iter()
        .filter(|fact| matches!(fact.state, Succeeded | Failed | RolledBack | Aborted))
        .filter_map(|fact| {
            let finished_at = fact.finished_at?;
            let failure = match fact.state {
                Failed => Some(FailureKind::Failed),
                RolledBack => Some(FailureKind::RolledBack),
                Succeeded => replaced(history, &ends, fact, finished_at, rules),
                _ => None,
            };
            Some(Judged { fact, finished_at, failure })
        })
        .collect()
}

/// The rollback or revert that replaced a success within the window, if one did.
fn replaced(
    history: &[&DeployFact],
    ends: &[(DateTime<Utc>, i64)],
    success: &DeployFact,
    at: DateTime<Utc>,
    rules: InsightRules,
) -> Option<FailureKind> {
    let first = history.partition_point(|l| l.requested_at < at);
    let last = history.partition_point(|l| l.requested_at <= at + rules.replaced_within).max(first);
    let later: Vec<&&DeployFact> = history[first..last].iter().filter(|l| l.id != success.id).collect();
    // Whether another success finished after this one, by the time a rollback was asked for (it went back from that).
    let newer_by = |asked: DateTime<Utc>| {
        let next = ends.partition_point(|(end, _)| *end <= at);
        ends.get(next).is_some_and(|(end, _)| *end <= asked)
    };
    let rollback = later.iter().find(|l| l.trigger == Trigger::Rollback && !newer_by(l.requested_at));
    if let Some(rollback) = rollback {
        return Some(FailureKind::ReplacedByRollback(rollback.id));
    }
    let reverts = |l: &&&DeployFact| {
        l.changes.iter().any(|change| success.changes.iter().any(|c| change.title == format!("Revert \"{}\"", c.title)))
    };
    later.iter().find(|l| reverts(l)).map(|l| FailureKind::ReplacedByRevert(l.id))
}

#[derive(Debug, Clone, PartialEq)]
pub struct FailureRate {
    /// Deployments that finished in the period.
    pub deployments: usize,
    /// Those that failed, oldest first, each with why.
    pub failed: Vec<(i64, FailureKind)>,
    pub rate: Option<f64>,
    /// `0-15%`, `16-30%`, `31-45%` or `46-100%`.
    pub bucket: Option<&'static str>,
}

/// The rate of `failed` among `finished` deployments.
pub(super) fn failure_rate(finished: usize, failed: Vec<(i64, FailureKind)>) -> FailureRate {
    let rate = (finished > 0).then(|| failed.len() as f64 / finished as f64);
    let bucket = rate.map(|rate| match rate {
        r if r <= 0.15 => "0-15%",
        r if r <= 0.30 => "16-30%",
        r if r <= 0.45 => "31-45%",
        _ => "46-100%",
    });
    FailureRate { deployments: finished, failed, rate, bucket }
}

/// One failed deployment and what restored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restored {
    pub failed: i64,
    /// The successful deployment after it; none yet when nothing has succeeded since.
    pub by: Option<i64>,
    #[serde(with = "seconds")]
    pub took: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub restorations: Vec<Restored>,
    pub median: Option<Duration>,
    pub bucket: Option<DurationBucket>,
}

/// What restored each failed deployment, at the failure's finish.
pub(super) fn restorations(history: &[&DeployFact], judged: &[Judged<'_>]) -> Vec<(DateTime<Utc>, Restored)> {
    let ends = success_ends(history);
    let succeeded: HashMap<i64, DateTime<Utc>> = ends.iter().map(|(end, id)| (*id, *end)).collect();
    judged
        .iter()
        .filter_map(|j| Some((j, j.failure?)))
        .map(|(j, failure)| {
            let replacing = match failure {
                FailureKind::ReplacedByRollback(by) | FailureKind::ReplacedByRevert(by) => {
                    succeeded.get(&by).map(|end| (*end, by))
                }
                _ => None,
            };
            let after = ends.partition_point(|(end, _)| *end <= j.finished_at);
            let next = replacing.or_else(|| ends.get(after).copied());
            let took = next.map(|(end, _)| end - j.finished_at);
            (j.finished_at, Restored { failed: j.fact.id, by: next.map(|(_, id)| id), took })
        })
        .collect()
}

pub(super) fn restore(restorations: Vec<Restored>) -> Restore {
    let took: Vec<Duration> = restorations.iter().filter_map(|r| r.took).collect();
    let median = duration_percentile(&took, 0.5);
    Restore { restorations, median, bucket: median.map(DurationBucket::of) }
}

/// A duration kept as whole seconds.
mod seconds {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(took: &Option<Duration>, to: S) -> Result<S::Ok, S::Error> {
        took.map(|d| d.num_seconds()).serialize(to)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<i64>::deserialize(from)?.map(Duration::seconds))
    }
}
