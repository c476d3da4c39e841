use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::orchestrator::not_configured;
use super::{EcsNotConfigured, OrchestratorError};
use crate::domain::{ClusterName, LaunchType, TaskDefinitionDoc};

/// What every review task is started by (ECS's `startedBy`), so tengu can list its own tasks.
pub const STARTED_BY: &str = "tengu-review";

/// One task to start: a review environment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSpec {
    pub cluster: ClusterName,
    pub task_definition: String,
    pub launch_type: LaunchType,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: bool,
    /// The container that gets `environment`.
    pub container: String,
    pub environment: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

/// A task as ECS reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub arn: String,
    /// PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED.
    pub last_status: String,
    /// HEALTHY, UNHEALTHY or UNKNOWN; `None` when no container has a health check.
    pub health: Option<String>,
    /// The task's private IP (awsvpc), once it has one.
    pub private_ip: Option<String>,
    pub stopped_reason: Option<String>,
    pub tags: Vec<(String, String)>,
    pub started_at: Option<DateTime<Utc>>,
}

impl TaskStatus {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn is_stopped(&self) -> bool {
        self.last_status == "STOPPED"
    }

    /// Running, and healthy when the task has a health check.
    pub fn is_ready(&self) -> bool {
        self.last_status == "RUNNING" && self.health.as_deref().is_none_or(|h| h == "HEALTHY")
    }
}

/// Standalone ECS tasks, as review environments use them.
#[async_trait]
pub trait TaskRunner: Send + Sync {
    /// Starts a task; its ARN.
    async fn run_task(&self, spec: &TaskSpec) -> Result<String, OrchestratorError>;
    /// What ECS says about these tasks (100 per call); a task ECS no longer knows is left out.
    async fn describe_tasks(
        &self,
        cluster: &ClusterName,
        arns: &[String],
    ) -> Result<Vec<TaskStatus>, OrchestratorError>;
    async fn stop_task(&self, cluster: &ClusterName, arn: &str, reason: &str) -> Result<(), OrchestratorError>;
    /// Every task of the cluster that tengu started (running or about to), whoever recorded it.
    async fn list_tengu_tasks(&self, cluster: &ClusterName) -> Result<Vec<String>, OrchestratorError>;
    /// The task definition a task would run: `family` (its newest active revision) or `family:revision`.
    async fn task_template(&self, reference: &str) -> Result<TaskDefinitionDoc, OrchestratorError>;
}

#[async_trait]
impl TaskRunner for EcsNotConfigured {
    async fn run_task(&self, _: &TaskSpec) -> Result<String, OrchestratorError> {
        Err(not_configured())
    }

    async fn describe_tasks(&self, _: &ClusterName, _: &[String]) -> Result<Vec<TaskStatus>, OrchestratorError> {
        Err(not_configured())
    }

    async fn stop_task(&self, _: &ClusterName, _: &str, _: &str) -> Result<(), OrchestratorError> {
        Err(not_configured())
    }

    async fn list_tengu_tasks(&self, _: &ClusterName) -> Result<Vec<String>, OrchestratorError> {
        Err(not_configured())
    }

    async fn task_template(&self, _: &str) -> Result<TaskDefinitionDoc, OrchestratorError> {
        Err(not_configured())
    }
}
