use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use tengu_core::domain::{
    ClusterName, Commit, CommitSha, ImageRef, Login, PrNumber, RepoSlug, ServiceName, TaskDefinitionArn,
};
use tengu_core::ports::{CommitStatus, PullRequest};

/// A commit of the simulated source branch, with the pull request GitHub would associate it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimCommit {
    pub commit: Commit,
    pub pr: Option<PrNumber>,
}

/// A simulated ECS service: what it runs now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimService {
    pub cluster: ClusterName,
    pub service: ServiceName,
    pub task_definition: TaskDefinitionArn,
    pub image: ImageRef,
    pub desired: u32,
    /// The deployment ECS is rolling out, if one was started here.
    #[serde(default)]
    pub rollout: Option<SimRollout>,
    /// How many UpdateService calls it received (tests check that none is sent twice).
    #[serde(default)]
    pub updates: u64,
    /// Tasks that keep stopping, so the service runs this many fewer than it asks for (until its next rollout).
    #[serde(default)]
    pub short_by: u32,
}

/// A simulated rollout: it takes `ROLLOUT_SECONDS`; an image whose tag contains `fail` trips the circuit breaker
/// part-way and ECS puts the previous task definition back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimRollout {
    pub task_definition: TaskDefinitionArn,
    pub image: ImageRef,
    pub previous: TaskDefinitionArn,
    pub previous_image: ImageRef,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub fails: bool,
}

/// Everything the simulated GitHub and ECS know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct World {
    pub repo: RepoSlug,
    /// The source branch, oldest commit first. Every branch is a prefix of it.
    pub history: Vec<SimCommit>,
    /// How many commits of `history` each branch holds.
    pub branches: BTreeMap<String, usize>,
    /// The merge commit a deploy branch points at since a merge, and when it was made, by branch: the
    /// simulation keeps its history linear, so a merge commit lives only here.
    #[serde(default)]
    pub merge_heads: BTreeMap<String, (CommitSha, chrono::DateTime<chrono::Utc>)>,
    pub pulls: BTreeMap<u64, PullRequest>,
    pub next_number: u64,
    pub services: Vec<SimService>,
    /// Conversation comments by pull request number, oldest first.
    #[serde(default)]
    pub comments: BTreeMap<u64, Vec<String>>,
    /// Commit statuses by commit SHA, newest last.
    #[serde(default)]
    pub statuses: BTreeMap<String, Vec<CommitStatus>>,
    /// Draft flag, labels and assignees of the pull requests tengu opened, by number.
    #[serde(default)]
    pub pull_options: BTreeMap<u64, PullOptions>,
    /// The image of every task definition registered in the simulation, by ARN.
    #[serde(default)]
    pub task_definition_images: BTreeMap<String, ImageRef>,
    /// GitHub Deployments tengu opened, with their statuses, oldest first.
    #[serde(default)]
    pub github_deployments: Vec<SimGithubDeployment>,
    /// Standalone tasks (review environments) by ARN.
    #[serde(default)]
    pub tasks: BTreeMap<String, SimTask>,
    /// How many times a visitor pushed to each simulated feature pull request.
    #[serde(default)]
    pub pushes: BTreeMap<u64, u64>,
}

/// A simulated standalone task: it comes up over a few seconds, gets an address, and runs until stopped; a
/// branch whose name contains `crash` exits a few seconds after it starts running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimTask {
    pub cluster: ClusterName,
    pub number: u64,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub environment: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub stopped: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimGithubDeployment {
    pub id: u64,
    pub sha: String,
    pub environment: String,
    pub statuses: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullOptions {
    pub draft: bool,
    pub labels: Vec<String>,
    pub assignees: Vec<Login>,
}
