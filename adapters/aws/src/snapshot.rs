//! ECS's DescribeServices answer in tengu's terms.

use chrono::{DateTime, Utc};

use tengu_core::domain::{
    ClusterName, EcsAlarms, EcsDeployment, EcsDeploymentStatus, RolloutSnapshot, RolloutState, ServiceEvent,
    ServiceName, ServiceSettings, StoppedTask, TaskDefinitionArn,
};
use tengu_core::ports::OrchestratorError;

/// How many of the newest service events a snapshot keeps.
const EVENTS_KEPT: usize = 10;

pub(super) fn rollout_snapshot(
    cluster: &ClusterName,
    name: &ServiceName,
    service: &aws_sdk_ecs::types::Service,
    taken_at: DateTime<Utc>,
) -> Result<RolloutSnapshot, OrchestratorError> {
    let deployments = service.deployments().iter().map(deployment).collect::<Result<Vec<_>, _>>()?;
    // ECS lists events newest first; tengu shows them in the order they happened.
    let mut events: Vec<ServiceEvent> = service
        .events()
        .iter()
        .take(EVENTS_KEPT)
        .map(|e| ServiceEvent { at: time(e.created_at()), message: e.message().unwrap_or_default().to_owned() })
        .collect();
    events.reverse();
    Ok(RolloutSnapshot {
        cluster: cluster.clone(),
        service: name.clone(),
        deployments,
        events,
        stopped_tasks: Vec::new(),
        taken_at,
        ecs_alarms: ecs_alarms(service),
        settings: Some(settings(service)),
    })
}

/// The alarms ECS watches while it rolls the service out, when they are enabled.
fn ecs_alarms(service: &aws_sdk_ecs::types::Service) -> Option<EcsAlarms> {
    let alarms = service.deployment_configuration()?.alarms()?;
    (alarms.enable() && !alarms.alarm_names().is_empty())
        .then(|| EcsAlarms { names: alarms.alarm_names().to_vec(), rollback: alarms.rollback() })
}

/// The service's own settings, which a deploy leaves as they are.
fn settings(service: &aws_sdk_ecs::types::Service) -> ServiceSettings {
    let configuration = service.deployment_configuration();
    let breaker = configuration.and_then(|c| c.deployment_circuit_breaker()).filter(|b| b.enable());
    let launch = match (service.launch_type(), service.capacity_provider_strategy()) {
        (Some(launch), _) => launch.as_str().to_owned(),
        (None, strategy) if !strategy.is_empty() => {
            strategy.iter().map(|s| s.capacity_provider().to_owned()).collect::<Vec<_>>().join("+")
        }
        _ => String::new(),
    };
    ServiceSettings {
        desired_count: u32::try_from(service.desired_count()).unwrap_or(0),
        minimum_healthy_percent: configuration.and_then(|c| c.minimum_healthy_percent()),
        maximum_percent: configuration.and_then(|c| c.maximum_percent()),
        circuit_breaker: breaker.map(|b| b.rollback()),
        launch,
    }
}

fn deployment(d: &aws_sdk_ecs::types::Deployment) -> Result<EcsDeployment, OrchestratorError> {
    use aws_sdk_ecs::types::DeploymentRolloutState as Ecs;
    let task_definition = TaskDefinitionArn::parse(d.task_definition().unwrap_or_default())
        .map_err(|e| OrchestratorError::Rejected(format!("ECS reported a deployment tengu cannot read: {e}")))?;
    let count = |n: i32| u32::try_from(n).unwrap_or(0);
    Ok(EcsDeployment {
        id: d.id().unwrap_or_default().to_owned(),
        status: match d.status() {
            Some("PRIMARY") => EcsDeploymentStatus::Primary,
            Some("ACTIVE") => EcsDeploymentStatus::Active,
            _ => EcsDeploymentStatus::Inactive,
        },
        task_definition,
        desired: count(d.desired_count()),
        running: count(d.running_count()),
        pending: count(d.pending_count()),
        failed_tasks: count(d.failed_tasks()),
        rollout_state: match d.rollout_state() {
            Some(Ecs::Completed) => Some(RolloutState::Completed),
            Some(Ecs::Failed) => Some(RolloutState::Failed),
            Some(Ecs::InProgress) => Some(RolloutState::InProgress),
            _ => None,
        },
        rollout_state_reason: d.rollout_state_reason().map(str::to_owned),
    })
}

pub(super) fn stopped_task(task: &aws_sdk_ecs::types::Task) -> StoppedTask {
    StoppedTask {
        task_arn: task.task_arn().unwrap_or_default().to_owned(),
        stopped_reason: task.stopped_reason().unwrap_or("no reason given").to_owned(),
    }
}

fn time(at: Option<&aws_smithy_types::DateTime>) -> DateTime<Utc> {
    at.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())).unwrap_or_default()
}
