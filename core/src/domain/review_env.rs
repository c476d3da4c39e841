use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BranchName, ClusterName, CommitSha, Login, PrNumber, RepoSlug};

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
    /// The ECS task serving the URL (or, while starting, the one that will).
    #[serde(default)]
    pub task: Option<String>,
    /// After a push: the task starting for `next_sha`; it takes over once ready, then `task` is stopped.
    #[serde(default)]
    pub next_task: Option<String>,
    #[serde(default)]
    pub next_sha: Option<CommitSha>,
    /// `ip:port` the route sends the URL's requests to.
    #[serde(default)]
    pub address: Option<String>,
    /// Why it failed or stopped, or what went wrong with a replacement.
    #[serde(default)]
    pub reason: Option<String>,
    /// The one comment on the pull request that tengu keeps up to date.
    #[serde(default)]
    pub comment_id: Option<u64>,
    #[serde(default)]
    pub github_deployment: Option<u64>,
    /// Bumped by every save; a save from an older read loses (see `Store::save_review_env`).
    #[serde(default)]
    pub version: i64,
}

impl ReviewEnv {
    /// Whether it holds (or is about to hold) a task: what counts against the cap.
    pub fn is_live(&self) -> bool {
        matches!(self.state, ReviewEnvState::Starting | ReviewEnvState::Running)
    }

    /// The URL's host, as a proxy asks for it.
    pub fn host(&self) -> &str {
        Self::host_of(&self.url)
    }

    /// The host part of a URL (`pr-12-shop.review.example.com` of `https://pr-12-shop.review.example.com:8443/`).
    pub fn host_of(url: &str) -> &str {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        rest.split(['/', '?', '#', ':']).next().unwrap_or(rest)
    }
}

/// How ECS starts a review task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LaunchType {
    #[default]
    Fargate,
    Ec2,
}

/// How one repository's pull requests get review environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSettings {
    pub repo: RepoSlug,
    pub cluster: ClusterName,
    /// The task definition to run: a family (its newest revision) or `family:revision`.
    pub task_definition: String,
    pub launch_type: LaunchType,
    /// awsvpc networking (Fargate needs it): subnets, security groups, and whether tasks get a public IP.
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: bool,
    /// The container that receives `BRANCH`, `PR_NUMBER`, `SHA` and `environment`.
    pub container: String,
    /// The port the container serves on: where the route sends a review URL's requests.
    pub port: u16,
    pub environment: Vec<(String, String)>,
    /// e.g. `https://pr-{number}-{repo}.review.example.com`; `{number}`, `{repo}`, `{owner}`, `{branch}`.
    pub url_template: String,
    /// An environment with no push for this long is stopped.
    pub ttl_hours: i64,
    /// At most this many run at once; the oldest idle ones stop first.
    pub max_concurrent: usize,
    /// When set, only pull requests with this label get an environment.
    pub opt_in_label: Option<String>,
    /// Pull requests with this label never get one.
    pub opt_out_label: String,
    /// After a push, the replaced task serves the requests already on it this long before it is stopped.
    pub drain_seconds: u32,
}

impl ReviewSettings {
    pub const DEFAULT_TTL_HOURS: i64 = 5 * 24;
    pub const DEFAULT_MAX_CONCURRENT: usize = 10;
    pub const DEFAULT_OPT_OUT_LABEL: &'static str = "no-review-env";
    pub const DEFAULT_DRAIN_SECONDS: u32 = 30;

    /// Whether a pull request with these labels gets an environment.
    pub fn wants(&self, labels: &[String]) -> bool {
        let has = |wanted: &str| labels.iter().any(|l| l.eq_ignore_ascii_case(wanted));
        !has(&self.opt_out_label) && self.opt_in_label.as_deref().is_none_or(has)
    }
}
