use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Commit, CommitSha, EnvName, ImageRef, Login, PrNumber, RepoSlug, RolloutSnapshot, SourcePr, TaskDefinitionArn,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DeploymentId(pub i64);

impl fmt::Display for DeploymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a deployment stands. Each step is written before its side effect, so a restart knows where to resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    /// The environment asks for a second person: nothing happens until another deployer approves.
    AwaitingApproval,
    Requested,
    Checked,
    TaskDefinitionRegistered,
    ServiceUpdated,
    RollingOut,
    /// ECS completed the rollout; the environment's checks watch the new tasks until the bake ends.
    Verifying,
    Succeeded,
    Failed,
    RolledBack,
    Aborted,
    /// Another person said no, or nobody approved in time.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a deployment cannot go from {from} to {to}")]
pub struct InvalidTransition {
    pub from: DeploymentState,
    pub to: DeploymentState,
}

impl DeploymentState {
    pub const ALL: [DeploymentState; 12] = [
        DeploymentState::AwaitingApproval,
        DeploymentState::Requested,
        DeploymentState::Checked,
        DeploymentState::TaskDefinitionRegistered,
        DeploymentState::ServiceUpdated,
        DeploymentState::RollingOut,
        DeploymentState::Verifying,
        DeploymentState::Succeeded,
        DeploymentState::Failed,
        DeploymentState::RolledBack,
        DeploymentState::Aborted,
        DeploymentState::Rejected,
    ];

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            DeploymentState::Succeeded
                | DeploymentState::Failed
                | DeploymentState::RolledBack
                | DeploymentState::Aborted
                | DeploymentState::Rejected
        )
    }

    /// The forward path, plus the exits every unfinished deployment has: failure or abort at any step, and a
    /// rollback that follows a failed or aborted rollout.
    pub fn can_become(self, next: DeploymentState) -> bool {
        use DeploymentState::*;
        match (self, next) {
            (AwaitingApproval, Requested | Rejected) => true,
            (Requested, Checked)
            | (Checked, TaskDefinitionRegistered)
            | (TaskDefinitionRegistered, ServiceUpdated)
            | (ServiceUpdated, RollingOut)
            | (RollingOut, Succeeded | Verifying)
            | (Verifying, Succeeded) => true,
            (from, Failed) => !from.is_terminal(),
            (from, Aborted) => !from.is_terminal(),
            (RollingOut | Failed | Aborted, RolledBack) => true,
            _ => false,
        }
    }

    pub fn advance(self, next: DeploymentState) -> Result<DeploymentState, InvalidTransition> {
        if self.can_become(next) { Ok(next) } else { Err(InvalidTransition { from: self, to: next }) }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentState::AwaitingApproval => "awaiting_approval",
            DeploymentState::Requested => "requested",
            DeploymentState::Checked => "checked",
            DeploymentState::TaskDefinitionRegistered => "task_definition_registered",
            DeploymentState::ServiceUpdated => "service_updated",
            DeploymentState::RollingOut => "rolling_out",
            DeploymentState::Verifying => "verifying",
            DeploymentState::Succeeded => "succeeded",
            DeploymentState::Failed => "failed",
            DeploymentState::RolledBack => "rolled_back",
            DeploymentState::Aborted => "aborted",
            DeploymentState::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == value)
    }

    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            DeploymentState::AwaitingApproval => "Awaiting approval",
            DeploymentState::Requested => "Requested",
            DeploymentState::Checked => "Checked",
            DeploymentState::TaskDefinitionRegistered => "Task definition registered",
            DeploymentState::ServiceUpdated => "Service updated",
            DeploymentState::RollingOut => "Rolling out",
            DeploymentState::Verifying => "Verifying",
            DeploymentState::Succeeded => "Succeeded",
            DeploymentState::Failed => "Failed",
            DeploymentState::RolledBack => "Rolled back",
            DeploymentState::Aborted => "Aborted",
            DeploymentState::Rejected => "Rejected",
        }
    }
}

impl fmt::Display for DeploymentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What started a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Merge,
    Button,
    Redeploy,
    Rollback,
    Cli,
    /// A machine with an API token (CI).
    Api,
    /// A person in the chat (`/tengu deploy`).
    Chat,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Merge => "merge",
            Trigger::Button => "button",
            Trigger::Redeploy => "redeploy",
            Trigger::Rollback => "rollback",
            Trigger::Cli => "cli",
            Trigger::Api => "api",
            Trigger::Chat => "chat",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            Trigger::Merge,
            Trigger::Button,
            Trigger::Redeploy,
            Trigger::Rollback,
            Trigger::Cli,
            Trigger::Api,
            Trigger::Chat,
        ]
        .into_iter()
        .find(|t| t.as_str() == value)
    }
}

/// A state a deployment entered, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentStep {
    pub state: DeploymentState,
    pub at: DateTime<Utc>,
}

/// A change to an unfinished deployment, applied only if it still stands at `from` (so two drivers, or a driver
/// and an abort, cannot overwrite each other). `finished_at` ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentMove<'a> {
    pub from: DeploymentState,
    pub to: DeploymentState,
    pub task_definitions: &'a [TaskDefinitionArn],
    pub reason: Option<&'a str>,
    pub at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Something a deployment carried, recorded with it so the history finds it by pull request, commit or author: a
/// source PR and its author, or a commit (with its author when no pull request brought it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedChange {
    pub source_pr: Option<PrNumber>,
    pub sha: Option<CommitSha>,
    pub author: Option<Login>,
}

impl CarriedChange {
    pub fn pull_request(number: PrNumber, author: Option<Login>) -> Self {
        Self { source_pr: Some(number), sha: None, author }
    }

    pub fn commit(sha: CommitSha, author: Option<Login>) -> Self {
        Self { source_pr: None, sha: Some(sha), author }
    }

    /// What shipping these source PRs and direct commits carries: each PR with its author, each of its commits,
    /// each direct commit with its author, and the deployed commit when none of those is it.
    pub fn all_of(prs: &[&SourcePr], direct_commits: &[Commit], deployed: Option<&CommitSha>) -> Vec<Self> {
        let mut carried = Vec::new();
        for pr in prs {
            carried.push(Self::pull_request(pr.number, Some(pr.author.clone())));
            carried.extend(pr.commits.iter().map(|c| Self {
                source_pr: Some(pr.number),
                sha: Some(c.sha.clone()),
                author: None,
            }));
        }
        carried.extend(direct_commits.iter().map(|c| Self::commit(c.sha.clone(), c.author.clone())));
        if let Some(sha) = deployed
            && !carried.iter().any(|c| c.sha.as_ref() == Some(sha))
        {
            carried.push(Self::commit(sha.clone(), None));
        }
        carried
    }
}

/// A deployment about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDeployment {
    pub env: EnvName,
    pub repo: RepoSlug,
    pub image: ImageRef,
    pub sha: Option<CommitSha>,
    pub trigger: Trigger,
    pub actor: String,
    pub source_prs: Vec<PrNumber>,
    pub requested_at: DateTime<Utc>,
    /// Known from the start for a rollback (the target's revisions); empty otherwise.
    pub task_definitions: Vec<TaskDefinitionArn>,
    /// The deploy PR it ships, when a merge starts it.
    pub deploy_pr: Option<PrNumber>,
    /// What it carries, for the history's search; recorded with it.
    #[serde(default)]
    pub carried: Vec<CarriedChange>,
    /// Sent with a button press or a CLI call: the same key asks for the same deployment, so a double click or a
    /// retried request starts one.
    pub idempotency_key: Option<String>,
    /// The environment asks for another person's approval first (and none was given yet).
    pub needs_approval: bool,
    /// Why it waits, shown on its page until it moves on (a GitHub review that did not count).
    #[serde(default)]
    pub note: Option<String>,
}

/// How tengu follows a rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeployPolicy {
    /// How long a deployment waits for a second person before it is rejected.
    pub approval_ttl_minutes: i64,
    /// How often ECS is asked (one DescribeServices call per environment, up to 10 services).
    pub poll_every_ms: u64,
    /// A rollout that has not settled by then is a failure.
    pub timeout_minutes: i64,
    /// After a failure, point the services back at what they ran before.
    pub auto_rollback: bool,
    /// A rollout that failed on ECS (rolled back or not) locks its environment until someone unlocks it.
    #[serde(default = "yes")]
    pub lock_after_failure: bool,
}

fn yes() -> bool {
    true
}

impl Default for DeployPolicy {
    fn default() -> Self {
        Self {
            approval_ttl_minutes: 20,
            poll_every_ms: 5_000,
            timeout_minutes: 15,
            auto_rollback: true,
            lock_after_failure: true,
        }
    }
}

/// One attempt to put an image on an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: DeploymentId,
    pub env: EnvName,
    pub repo: RepoSlug,
    pub image: ImageRef,
    pub sha: Option<CommitSha>,
    pub trigger: Trigger,
    pub actor: String,
    pub source_prs: Vec<PrNumber>,
    /// One registered revision per service of the environment.
    pub task_definitions: Vec<TaskDefinitionArn>,
    /// What each service ran before: where a rollback goes.
    #[serde(default)]
    pub previous_task_definitions: Vec<TaskDefinitionArn>,
    /// The last snapshot ECS gave of each service: counts, failed tasks, events, stopped tasks and why.
    #[serde(default)]
    pub rollout: Vec<RolloutSnapshot>,
    /// The GitHub Deployment mirroring this one, when there is a commit to show it on.
    #[serde(default)]
    pub github_deployment: Option<u64>,
    /// The deploy PR it shipped, when its merge started it.
    #[serde(default)]
    pub deploy_pr: Option<PrNumber>,
    /// Each state it entered and when, oldest first: the timeline and how long each step took.
    #[serde(default)]
    pub steps: Vec<DeploymentStep>,
    pub state: DeploymentState,
    pub reason: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The second person who let it go ahead (a person's login, or `login (GitHub review)` for a merge).
    #[serde(default)]
    pub approved_by: Option<String>,
}

impl Deployment {
    pub fn duration_seconds(&self) -> Option<i64> {
        self.finished_at.map(|end| (end - self.requested_at).num_seconds())
    }
}

#[cfg(test)]
mod tests;
