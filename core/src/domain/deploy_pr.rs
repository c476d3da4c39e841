use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BranchName, Commit, CommitSha, EnvName, GateOverride, Login, PrNumber, RepoSlug};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrState {
    Open,
    Closed,
    Merged,
}

impl PrState {
    pub fn as_str(self) -> &'static str {
        match self {
            PrState::Open => "open",
            PrState::Closed => "closed",
            PrState::Merged => "merged",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "open" => Some(PrState::Open),
            "closed" => Some(PrState::Closed),
            "merged" => Some(PrState::Merged),
            _ => None,
        }
    }
}

/// A pull request merged into the source branch since the last deploy, with the commits it brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePr {
    pub number: PrNumber,
    pub title: String,
    pub author: Login,
    #[serde(default)]
    pub assignees: Vec<Login>,
    pub commits: Vec<Commit>,
    /// When it was merged, when GitHub said.
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    /// The earliest authored date of its commits, when GitHub said.
    #[serde(default)]
    pub first_commit_at: Option<DateTime<Utc>>,
}

/// Who verified a change, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One source PR's verification box on a deploy PR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub source: SourcePr,
    pub verified: Option<Verification>,
    /// When a deploy PR of this environment first listed it.
    #[serde(default)]
    pub listed_at: Option<DateTime<Utc>>,
}

/// The pull request from the source branch to `deployment/<env>` that lists what ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployPr {
    pub repo: RepoSlug,
    pub number: PrNumber,
    pub env: EnvName,
    pub title: String,
    pub url: String,
    pub base: BranchName,
    pub head: BranchName,
    /// The commit the verification status is set on.
    pub head_sha: Option<CommitSha>,
    pub state: PrState,
    pub items: Vec<ChecklistItem>,
    /// Commits in the range that belong to no pull request.
    pub direct_commits: Vec<Commit>,
    pub gate_override: Option<GateOverride>,
    pub updated_at: DateTime<Utc>,
    /// The commit its merge made on the deploy branch, once merged.
    #[serde(default)]
    pub merge_sha: Option<CommitSha>,
    /// The version it was read at (0: never saved); a save succeeds only if nobody saved or ticked since.
    #[serde(default)]
    pub version: i64,
}

impl DeployPr {
    pub fn verified_count(&self) -> usize {
        self.items.iter().filter(|item| item.verified.is_some()).count()
    }

    /// Authors who still owe a tick, each once, in list order.
    pub fn waiting_for(&self) -> Vec<&Login> {
        let mut authors: Vec<&Login> = Vec::new();
        for item in self.items.iter().filter(|item| item.verified.is_none()) {
            if !authors.contains(&&item.source.author) {
                authors.push(&item.source.author);
            }
        }
        authors
    }

    pub fn item(&self, source: PrNumber) -> Option<&ChecklistItem> {
        self.items.iter().find(|item| item.source.number == source)
    }
}
