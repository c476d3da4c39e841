//! Lead time for changes, and where it goes. A change counts once per environment: at the first successful
//! deployment to it that carried the change (a redeploy, a rollback or a later deploy that carries it again does
//! not count it again; a change that reached dev long before production counts in each at its own time). It
//! counts in the period when that deployment finished in it. Its lead time runs from its first commit (the
//! earliest authored date of its commits) and, apart, from its merge, to that finish; a clock that put a commit
//! after its deployment counts as no time. Medians and 90th percentiles interpolate (`stats::percentile`); the
//! bucket is the median from the first commit's (from the merge when no commit time is known).
//!
//! Where the time goes, per change delivered: merged → first listed in a deploy PR of the environment → ticked
//! by its author → deployed; each stage where both its ends are known.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::stats::{DurationBucket, duration_percentile};
use super::{ChangeFact, ChangeKey, DeployFact};

/// A change's first delivery to the environment, as a day's rollup keeps it (short names: a year of these is read
/// for each page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    #[serde(rename = "d")]
    pub deployment: i64,
    #[serde(rename = "c")]
    pub change: ChangeKey,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Seconds from its first commit and from its merge to the deployment's finish, then those of each `Stage`;
    /// none where an end is not known.
    #[serde(rename = "s", default, skip_serializing_if = "Spans::unknown")]
    pub spans: Spans,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spans([Option<i64>; 5]);

impl Spans {
    fn unknown(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    fn of(change: &ChangeFact, at: DateTime<Utc>) -> Self {
        let seconds =
            |start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>| between(start, end).map(|d| d.num_seconds());
        Spans([
            seconds(change.first_commit_at, Some(at)),
            seconds(change.merged_at, Some(at)),
            seconds(change.merged_at, change.listed_at),
            seconds(change.listed_at, change.verified_at),
            seconds(change.verified_at, Some(at)),
        ])
    }

    fn since_first_commit(&self) -> Option<Duration> {
        self.0[0].map(Duration::seconds)
    }

    fn since_merge(&self) -> Option<Duration> {
        self.0[1].map(Duration::seconds)
    }

    fn stage(&self, stage: Stage) -> Option<Duration> {
        self.0[2 + stage as usize].map(Duration::seconds)
    }
}

/// Each change's first delivery, at the finish of the deployment that delivered it: `history` in the order of the
/// requests; `seen`, the changes delivered before it.
pub(super) fn first_deliveries(
    history: &[&DeployFact],
    mut seen: HashSet<ChangeKey>,
) -> Vec<(DateTime<Utc>, Delivery)> {
    let mut successes: Vec<(&DeployFact, DateTime<Utc>)> =
        history.iter().filter_map(|fact| fact.succeeded_at().map(|at| (*fact, at))).collect();
    successes.sort_by_key(|(fact, at)| (*at, fact.id));
    let mut delivered = Vec::new();
    for (deployment, at) in successes {
        for change in &deployment.changes {
            if seen.insert(change.key.clone()) {
                let delivery = Delivery {
                    deployment: deployment.id,
                    change: change.key.clone(),
                    author: change.author.clone(),
                    spans: Spans::of(change, at),
                };
                delivered.push((at, delivery));
            }
        }
    }
    delivered
}

/// One change's lead time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadSample {
    pub deployment: i64,
    pub change: ChangeKey,
    pub from_commit: Option<Duration>,
    pub from_merge: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeadTime {
    pub samples: Vec<LeadSample>,
    pub median_from_commit: Option<Duration>,
    pub p90_from_commit: Option<Duration>,
    pub median_from_merge: Option<Duration>,
    pub p90_from_merge: Option<Duration>,
    pub bucket: Option<DurationBucket>,
}

/// `end - start`, never below zero.
fn between(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Option<Duration> {
    Some((end? - start?).max(Duration::zero()))
}

pub(super) fn lead_time(delivered: &[&Delivery]) -> LeadTime {
    let samples: Vec<LeadSample> = delivered
        .iter()
        .map(|d| LeadSample {
            deployment: d.deployment,
            change: d.change.clone(),
            from_commit: d.spans.since_first_commit(),
            from_merge: d.spans.since_merge(),
        })
        .collect();
    let from_commit: Vec<Duration> = samples.iter().filter_map(|s| s.from_commit).collect();
    let from_merge: Vec<Duration> = samples.iter().filter_map(|s| s.from_merge).collect();
    let median_from_commit = duration_percentile(&from_commit, 0.5);
    let median_from_merge = duration_percentile(&from_merge, 0.5);
    LeadTime {
        p90_from_commit: duration_percentile(&from_commit, 0.9),
        p90_from_merge: duration_percentile(&from_merge, 0.9),
        bucket: median_from_commit.or(median_from_merge).map(DurationBucket::of),
        median_from_commit,
        median_from_merge,
        samples,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    MergedToListed,
    ListedToVerified,
    VerifiedToDeployed,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::MergedToListed, Stage::ListedToVerified, Stage::VerifiedToDeployed];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::MergedToListed => "merged → in a deploy PR",
            Stage::ListedToVerified => "in a deploy PR → verified by its author",
            Stage::VerifiedToDeployed => "verified → deployed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageWait {
    pub stage: Stage,
    pub median: Option<Duration>,
    pub p90: Option<Duration>,
    pub changes: usize,
}

/// One author's wait to verify their changes once listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorWait {
    pub author: String,
    pub median: Duration,
    pub changes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stages {
    pub waits: Vec<StageWait>,
    /// The stage with the longest median.
    pub slowest: Option<Stage>,
    /// Each author's median verification wait, longest first (then by name).
    pub verification_by_author: Vec<AuthorWait>,
}

pub(super) fn stages(delivered: &[&Delivery]) -> Stages {
    let waits: Vec<StageWait> = Stage::ALL
        .iter()
        .map(|stage| {
            let samples: Vec<Duration> = delivered.iter().filter_map(|d| d.spans.stage(*stage)).collect();
            StageWait {
                stage: *stage,
                median: duration_percentile(&samples, 0.5),
                p90: duration_percentile(&samples, 0.9),
                changes: samples.len(),
            }
        })
        .collect();
    let slowest = waits.iter().filter(|w| w.median.is_some()).max_by_key(|w| (w.median, std::cmp::Reverse(w.stage)));
    let mut by_author: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for d in delivered {
        if let (Some(author), Some(wait)) = (d.author.as_deref(), d.spans.stage(Stage::ListedToVerified)) {
            by_author.entry(author).or_default().push(wait);
        }
    }
    let mut verification_by_author: Vec<AuthorWait> = by_author
        .into_iter()
        .filter_map(|(author, waits)| {
            let median = duration_percentile(&waits, 0.5)?;
            Some(AuthorWait { author: author.to_owned(), median, changes: waits.len() })
        })
        .collect();
    verification_by_author.sort_by(|a, b| b.median.cmp(&a.median).then_with(|| a.author.cmp(&b.author)));
    Stages { slowest: slowest.map(|w| w.stage), waits, verification_by_author }
}
