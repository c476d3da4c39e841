use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BranchName, CommitSha, Login, PrNumber, RepoSlug};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewEnvState {
    Starting,
    Running,
    Stopping,
    Stopped,
    Failed,
}

impl ReviewEnvState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewEnvState::Starting => "starting",
            ReviewEnvState::Running => "running",
            ReviewEnvState::Stopping => "stopping",
            ReviewEnvState::Stopped => "stopped",
            ReviewEnvState::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            ReviewEnvState::Starting,
            ReviewEnvState::Running,
            ReviewEnvState::Stopping,
            ReviewEnvState::Stopped,
            ReviewEnvState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// One pull request's own running copy of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEnv {
    pub repo: RepoSlug,
    pub pr: PrNumber,
    pub title: String,
    pub author: Login,
    pub branch: BranchName,
    pub sha: CommitSha,
    pub state: ReviewEnvState,
    pub url: String,
    pub started_at: DateTime<Utc>,
    pub last_push_at: DateTime<Utc>,
}
