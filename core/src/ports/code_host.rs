use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{BranchName, Commit, CommitPrefix, CommitSha, Login, PrNumber, PrState, RepoSlug};

/// A pull request as the code host reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: PrNumber,
    pub title: String,
    pub body: String,
    pub author: Login,
    pub base: BranchName,
    pub head: BranchName,
    pub state: PrState,
    pub url: String,
    pub head_sha: CommitSha,
}

/// An approving review: who, and the commit they looked at (GitHub's `commit_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub by: Login,
    pub commit: Option<CommitSha>,
}

/// A commit status: the verification gate as GitHub shows it on the deploy PR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    Pending,
    Success,
    Failure,
}

/// Where a GitHub Deployment stands, as its statuses say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GithubDeploymentState {
    InProgress,
    Success,
    Failure,
    Inactive,
}

impl GithubDeploymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Inactive => "inactive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitStatus {
    pub state: StatusState,
    /// `tengu/verification`.
    pub context: String,
    pub description: String,
    pub target_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPullRequest {
    pub title: String,
    pub body: String,
    pub base: BranchName,
    pub head: BranchName,
    pub draft: bool,
    pub labels: Vec<String>,
    pub assignees: Vec<Login>,
}

/// A source PR as a deploy PR lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullSummary {
    pub number: PrNumber,
    pub title: String,
    pub author: Login,
    pub assignees: Vec<Login>,
    /// When it was merged (GitHub's `mergedAt`), when known.
    pub merged_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a source branch has that a deploy branch lacks: the commits, oldest first, the pull request GitHub
/// associates with each (where it knows one), and those pull requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitRange {
    pub commits: Vec<Commit>,
    pub associations: HashMap<CommitSha, PrNumber>,
    pub pulls: Vec<PullSummary>,
    /// When each commit was written (its authored date, which a rebase keeps), where GitHub says.
    pub authored: HashMap<CommitSha, chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeHostError {
    #[error("{0} was not found on GitHub")]
    NotFound(String),
    #[error("GitHub refused the credentials tengu uses")]
    BadCredentials,
    #[error("tengu's GitHub credentials lack a permission: {0}")]
    MissingPermission(String),
    #[error("GitHub refused the request: {0}")]
    Rejected(String),
    #[error("GitHub could not be reached: {0}")]
    Unavailable(String),
}

/// GitHub, as tengu uses it. Calls are batched where GitHub allows it, so a refresh costs a bounded number.
#[async_trait]
pub trait CodeHost: Send + Sync {
    /// Commits reachable from `head` but not from `base`, with their pull requests. Batched: a few hundred
    /// commits cost a few calls, not one per commit or per pull request.
    async fn compare(
        &self,
        repo: &RepoSlug,
        base: &BranchName,
        head: &BranchName,
    ) -> Result<CommitRange, CodeHostError>;

    /// Several pull requests at once (batched); unknown numbers are left out.
    async fn pull_summaries(&self, repo: &RepoSlug, numbers: &[PrNumber]) -> Result<Vec<PullSummary>, CodeHostError>;

    async fn pull_request(&self, repo: &RepoSlug, number: PrNumber) -> Result<PullRequest, CodeHostError>;

    /// The people whose latest review of the pull request approves it, each with the commit they approved.
    async fn approving_reviews(&self, repo: &RepoSlug, number: PrNumber) -> Result<Vec<Review>, CodeHostError>;

    async fn find_open_pull_request(
        &self,
        repo: &RepoSlug,
        base: &BranchName,
        head: &BranchName,
    ) -> Result<Option<PullRequest>, CodeHostError>;

    async fn create_pull_request(&self, repo: &RepoSlug, new: NewPullRequest) -> Result<PullRequest, CodeHostError>;

    /// Adds a comment to a pull request's conversation.
    /// Posts a comment on a pull request's conversation; its id, to edit it later.
    async fn create_issue_comment(&self, repo: &RepoSlug, number: PrNumber, body: &str) -> Result<u64, CodeHostError>;

    /// Replaces the text of a comment tengu posted (`NotFound` when someone deleted it).
    async fn update_issue_comment(&self, repo: &RepoSlug, comment_id: u64, body: &str) -> Result<(), CodeHostError>;

    /// Sets (replaces) the status of `context` on a commit.
    async fn set_commit_status(
        &self,
        repo: &RepoSlug,
        sha: &CommitSha,
        status: &CommitStatus,
    ) -> Result<(), CodeHostError>;

    async fn update_pull_request_body(
        &self,
        repo: &RepoSlug,
        number: PrNumber,
        body: &str,
    ) -> Result<PullRequest, CodeHostError>;

    /// Opens a GitHub Deployment of `sha` to `environment` (what GitHub shows on the commit and the PR); its id.
    async fn create_deployment(
        &self,
        repo: &RepoSlug,
        sha: &CommitSha,
        environment: &str,
        description: &str,
        transient: bool,
    ) -> Result<u64, CodeHostError>;

    /// Adds a status to a GitHub Deployment, linking to tengu's page for it.
    async fn create_deployment_status(
        &self,
        repo: &RepoSlug,
        deployment: u64,
        state: GithubDeploymentState,
        log_url: &str,
        environment_url: Option<&str>,
    ) -> Result<(), CodeHostError>;

    /// The commit a branch points at now.
    async fn branch_head(&self, repo: &RepoSlug, branch: &BranchName) -> Result<CommitSha, CodeHostError>;

    /// The whole SHA of the commit a prefix names (an image tagged with a short SHA); `NotFound` when none or
    /// several do.
    async fn resolve_commit(&self, repo: &RepoSlug, prefix: &CommitPrefix) -> Result<CommitSha, CodeHostError>;
}
