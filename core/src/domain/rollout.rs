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
}

impl RolloutSnapshot {
    pub fn primary(&self) -> Option<&EcsDeployment> {
        self.deployments.iter().find(|d| d.status == EcsDeploymentStatus::Primary)
    }
}
