//! How deployments are read back: which ones a history page asks for, and the outline the insights read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CommitPrefix, DeploymentId, DeploymentState, EnvName, Login, PrNumber, RepoSlug, Trigger};

/// Which deployments a history page shows, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentFilter {
    pub env: Option<EnvName>,
    pub repo: Option<RepoSlug>,
    pub state: Option<DeploymentState>,
    /// Who started it (as shown in the history, e.g. `alice`).
    pub actor: Option<String>,
    /// Requested at or after.
    pub since: Option<DateTime<Utc>>,
    /// Requested before.
    pub until: Option<DateTime<Utc>>,
    /// Those that carried this source pull request (of `repo`, when it is given).
    pub source_pr: Option<PrNumber>,
    /// Those that carried a commit whose SHA starts with this.
    pub commit: Option<CommitPrefix>,
    /// Those that carried a change by this person: a source PR they wrote, or a commit without one.
    pub change_author: Option<Login>,
    /// Those that shipped this deploy PR (of `repo`, when it is given).
    pub deploy_pr: Option<PrNumber>,
    /// Only these repositories (those a person may see); none: every one.
    #[serde(default)]
    pub repos: Option<Vec<RepoSlug>>,
    /// Older than this deployment (the next page).
    pub before: Option<DeploymentId>,
    /// Only those still running (at most one per environment).
    #[serde(default)]
    pub unfinished: bool,
    pub limit: u32,
}

impl DeploymentFilter {
    pub fn newest(limit: u32) -> Self {
        Self { limit, ..Self::default() }
    }
}

/// A deployment as the insights read it: what it was, how it ended, what it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentOutline {
    pub id: DeploymentId,
    pub repo: RepoSlug,
    pub trigger: Trigger,
    pub state: DeploymentState,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub deploy_pr: Option<PrNumber>,
    pub source_prs: Vec<PrNumber>,
}
