use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClusterName, ServiceName, TaskDefinitionArn};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EcsDeploymentStatus {
    Primary,
    Active,
    Inactive,
}

/// ECS's own verdict on a service deployment, when the deployment controller gives one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RolloutState {
    InProgress,
    Completed,
    Failed,
}

/// One of a service's deployments as ECS reports it (PRIMARY is the one ECS is moving to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcsDeployment {
    pub id: String,
    pub status: EcsDeploymentStatus,
    pub task_definition: TaskDefinitionArn,
    pub desired: u32,
    pub running: u32,
    pub pending: u32,
    pub failed_tasks: u32,
    pub rollout_state: Option<RolloutState>,
    pub rollout_state_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceEvent {
    pub at: DateTime<Utc>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedTask {
    pub task_arn: String,
    pub stopped_reason: String,
}

/// The CloudWatch alarms ECS itself watches while it rolls a service out (`deploymentConfiguration.alarms`,
/// enabled), and whether it rolls back when one goes into ALARM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcsAlarms {
    pub names: Vec<String>,
    pub rollback: bool,
}

impl EcsAlarms {
    /// `ECS watches shop-5xx, shop-latency and rolls back when one goes into ALARM`.
    pub fn sentence(&self) -> String {
        let then = if self.rollback { "rolls back when one goes into ALARM" } else { "does not roll back on them" };
        format!("ECS watches {} and {then}", self.names.join(", "))
    }
}

/// What ECS says about one service at one moment while (or after) a deployment lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutSnapshot {
    pub cluster: ClusterName,
    pub service: ServiceName,
    pub deployments: Vec<EcsDeployment>,
    pub events: Vec<ServiceEvent>,
    pub stopped_tasks: Vec<StoppedTask>,
    pub taken_at: DateTime<Utc>,
    /// The alarms ECS watches during its rollouts, when it watches any (absent from older records).
    #[serde(default)]
    pub ecs_alarms: Option<EcsAlarms>,
    /// The service's own settings (absent from older records and where the orchestrator does not say).
    #[serde(default)]
    pub settings: Option<ServiceSettings>,
}

/// What a service is set to run as, which a deploy, a redeploy or a rollback leaves as it is (only the task
/// definition changes): shown beside the difference so a person knows the rest of what will run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSettings {
    pub desired_count: u32,
    pub minimum_healthy_percent: Option<i32>,
    pub maximum_percent: Option<i32>,
    /// Whether ECS's circuit breaker is on, and if so whether it rolls back.
    pub circuit_breaker: Option<bool>,
    /// FARGATE, EC2, or the capacity providers.
    pub launch: String,
}

impl ServiceSettings {
    /// `2 tasks on FARGATE; rolls 100-200 %; circuit breaker rolls back`.
    pub fn sentence(&self) -> String {
        let tasks = if self.desired_count == 1 { "1 task".to_owned() } else { format!("{} tasks", self.desired_count) };
        let on = if self.launch.is_empty() { String::new() } else { format!(" on {}", self.launch) };
        let percent = |p: Option<i32>| p.map_or_else(|| "?".to_owned(), |p| p.to_string());
        let rolls = format!("rolls {}-{} %", percent(self.minimum_healthy_percent), percent(self.maximum_percent));
        let breaker = match self.circuit_breaker {
            None => "no circuit breaker",
            Some(true) => "circuit breaker rolls back",
            Some(false) => "circuit breaker stops without rolling back",
        };
        format!("{tasks}{on}; {rolls}; {breaker}")
    }
}

impl RolloutSnapshot {
    pub fn primary(&self) -> Option<&EcsDeployment> {
        self.deployments.iter().find(|d| d.status == EcsDeploymentStatus::Primary)
    }
}
