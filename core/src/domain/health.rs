//! How an environment's services stand, as ECS last reported it: counts, and the state of the last rollout.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EnvName, RolloutSnapshot, RolloutState, ServiceName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceHealth {
    pub env: EnvName,
    pub service: ServiceName,
    /// Tasks running, across the service's deployments (old and new during a rollout).
    pub running: u32,
    /// What the service asks for.
    pub desired: u32,
    pub pending: u32,
    /// ECS's verdict on the service's newest deployment, and why.
    pub rollout_state: Option<RolloutState>,
    pub rollout_reason: Option<String>,
    /// When ECS said so.
    pub reported_at: DateTime<Utc>,
}

impl ServiceHealth {
    pub fn of(env: &EnvName, snapshot: &RolloutSnapshot) -> Self {
        let primary = snapshot.primary();
        Self {
            env: env.clone(),
            service: snapshot.service.clone(),
            running: snapshot.deployments.iter().map(|d| d.running).sum(),
            desired: primary.map_or(0, |p| p.desired),
            pending: snapshot.deployments.iter().map(|d| d.pending).sum(),
            rollout_state: primary.and_then(|p| p.rollout_state),
            rollout_reason: primary.and_then(|p| p.rollout_state_reason.clone()),
            reported_at: snapshot.taken_at,
        }
    }

    /// Fewer tasks run than the service asks for.
    pub fn below_desired(&self) -> bool {
        self.running < self.desired
    }
}

impl RolloutState {
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [RolloutState::InProgress, RolloutState::Completed, RolloutState::Failed]
            .into_iter()
            .find(|s| s.as_str() == value)
    }

    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            RolloutState::InProgress => "rolling out",
            RolloutState::Completed => "completed",
            RolloutState::Failed => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClusterName, EcsDeployment, EcsDeploymentStatus, TaskDefinitionArn};

    fn deployment(status: EcsDeploymentStatus, revision: u32, desired: u32, running: u32) -> EcsDeployment {
        EcsDeployment {
            id: format!("ecs-svc/{revision}"),
            status,
            task_definition: TaskDefinitionArn::parse(format!(
                "arn:aws:ecs:eu-west-1:1:task-definition/web:{revision}"
            ))
            .unwrap(),
            desired,
            running,
            pending: desired.saturating_sub(running),
            failed_tasks: 0,
            rollout_state: (status == EcsDeploymentStatus::Primary).then_some(RolloutState::InProgress),
            rollout_state_reason: None,
        }
    }

    #[test]
    fn counts_add_up_across_deployments_and_the_primary_says_what_is_asked() {
        let snapshot = RolloutSnapshot {
            cluster: ClusterName::parse("shop").unwrap(),
            service: ServiceName::parse("web").unwrap(),
            deployments: vec![
                deployment(EcsDeploymentStatus::Primary, 9, 3, 1),
                deployment(EcsDeploymentStatus::Active, 8, 3, 2),
            ],
            events: vec![],
            stopped_tasks: vec![],
            taken_at: Utc::now(),
            ecs_alarms: None,
            settings: None,
        };
        let health = ServiceHealth::of(&EnvName::parse("production").unwrap(), &snapshot);
        assert_eq!((health.running, health.desired, health.pending), (3, 3, 3));
        assert_eq!(health.rollout_state, Some(RolloutState::InProgress));
        assert!(!health.below_desired());
        let short = ServiceHealth { running: 1, ..health };
        assert!(short.below_desired());
        assert_eq!(RolloutState::parse(RolloutState::Failed.as_str()), Some(RolloutState::Failed));
    }
}
