//! The simulated ECS: services that run a task definition, rollouts that take `ROLLOUT_SECONDS` and report
//! progress as ECS does, and a circuit breaker that rolls back images whose tag contains `fail`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Sandbox;
use super::world::{SimRollout, SimService, World};
use tengu_core::domain::{
    ClusterName, EcsDeployment, EcsDeploymentStatus, ImageRef, RolloutSnapshot, RolloutState, ServiceEvent,
    ServiceName, StoppedTask, TaskDefinitionArn, TaskDefinitionDoc,
};
use tengu_core::ports::{Orchestrator, OrchestratorError};

pub const ROLLOUT_SECONDS: i64 = 20;
/// When a failing rollout's circuit breaker trips.
const BREAKER_SECONDS: i64 = 12;

fn find<'w>(world: &'w World, cluster: &ClusterName, name: &ServiceName) -> Result<&'w SimService, OrchestratorError> {
    world
        .services
        .iter()
        .find(|s| &s.cluster == cluster && &s.service == name)
        .ok_or_else(|| OrchestratorError::ServiceNotFound { cluster: cluster.to_string(), service: name.to_string() })
}

fn settled(desired: u32, short_by: u32, td: &TaskDefinitionArn) -> Vec<EcsDeployment> {
    let running = desired.saturating_sub(short_by);
    vec![EcsDeployment {
        id: format!("ecs-svc/{}", td.revision()),
        status: EcsDeploymentStatus::Primary,
        task_definition: td.clone(),
        desired,
        running,
        pending: desired - running,
        failed_tasks: 0,
        rollout_state: Some(RolloutState::Completed),
        rollout_state_reason: Some("ECS deployment completed.".to_owned()),
    }]
}

/// What the service runs at `now`, given its rollout (computed from time, so reading needs no writes).
pub(crate) fn running_now(sim: &SimService, now: DateTime<Utc>) -> (TaskDefinitionArn, ImageRef) {
    match &sim.rollout {
        Some(r) if r.fails && (now - r.started_at).num_seconds() >= BREAKER_SECONDS => {
            (r.previous.clone(), r.previous_image.clone())
        }
        Some(r) => (r.task_definition.clone(), r.image.clone()),
        None => (sim.task_definition.clone(), sim.image.clone()),
    }
}

fn snapshot(sim: &SimService, now: DateTime<Utc>) -> RolloutSnapshot {
    let desired = sim.desired;
    let (deployments, events, stopped_tasks) = match &sim.rollout {
        None if sim.short_by > 0 => {
            (settled(desired, sim.short_by, &sim.task_definition), vec![short(sim, now)], vec![])
        }
        None => (settled(desired, 0, &sim.task_definition), vec![steady(sim, now)], vec![]),
        Some(r) => rollout_view(sim, r, now),
    };
    RolloutSnapshot {
        cluster: sim.cluster.clone(),
        service: sim.service.clone(),
        deployments,
        events,
        stopped_tasks,
        taken_at: now,
        ecs_alarms: None,
        // The simulation rolls out like a Fargate service with ECS's defaults and its circuit breaker.
        settings: Some(tengu_core::domain::ServiceSettings {
            desired_count: desired,
            minimum_healthy_percent: Some(100),
            maximum_percent: Some(200),
            circuit_breaker: Some(true),
            launch: "FARGATE".to_owned(),
        }),
    }
}

/// What ECS says of a service whose tasks keep stopping: it starts another, again and again.
fn short(sim: &SimService, at: DateTime<Utc>) -> ServiceEvent {
    ServiceEvent {
        at,
        message: format!(
            "(service {}) has started 1 tasks: the last one stopped (essential container exited).",
            sim.service
        ),
    }
}

fn steady(sim: &SimService, at: DateTime<Utc>) -> ServiceEvent {
    ServiceEvent { at, message: format!("(service {}) has reached a steady state.", sim.service) }
}

fn rollout_view(
    sim: &SimService,
    r: &SimRollout,
    now: DateTime<Utc>,
) -> (Vec<EcsDeployment>, Vec<ServiceEvent>, Vec<StoppedTask>) {
    let elapsed = (now - r.started_at).num_seconds().max(0);
    let desired = sim.desired;
    let started = ServiceEvent {
        at: r.started_at,
        message: format!("(service {}) has started a deployment of {}.", sim.service, r.task_definition.short()),
    };
    let ours = |running: u32, failed: u32, state: RolloutState, reason: &str, status| EcsDeployment {
        id: format!("ecs-svc/{}", r.task_definition.revision()),
        status,
        task_definition: r.task_definition.clone(),
        desired,
        running,
        pending: desired.saturating_sub(running),
        failed_tasks: failed,
        rollout_state: Some(state),
        rollout_state_reason: Some(reason.to_owned()),
    };
    let old = |running: u32, status| EcsDeployment {
        id: format!("ecs-svc/{}", r.previous.revision()),
        status,
        task_definition: r.previous.clone(),
        desired,
        running,
        pending: 0,
        failed_tasks: 0,
        rollout_state: Some(RolloutState::Completed),
        rollout_state_reason: None,
    };
    if !r.fails {
        if elapsed >= ROLLOUT_SECONDS {
            let done =
                ours(desired, 0, RolloutState::Completed, "ECS deployment completed.", EcsDeploymentStatus::Primary);
            return (
                vec![done],
                vec![started, steady(sim, r.started_at + chrono::Duration::seconds(ROLLOUT_SECONDS))],
                vec![],
            );
        }
        let running = (desired as i64 * elapsed / ROLLOUT_SECONDS) as u32;
        let rolling =
            ours(running, 0, RolloutState::InProgress, "ECS deployment in progress.", EcsDeploymentStatus::Primary);
        return (vec![rolling, old(desired - running, EcsDeploymentStatus::Active)], vec![started], vec![]);
    }
    let failed = (elapsed / 4).min(3) as u32 + 1;
    let stopped: Vec<StoppedTask> = (0..failed)
        .map(|i| StoppedTask {
            task_arn: format!(
                "arn:aws:ecs:sandbox:000000000000:task/{}/{}{i}",
                sim.cluster,
                r.task_definition.revision()
            ),
            stopped_reason: format!("Essential container in task exited (image {} exited with code 1)", r.image),
        })
        .collect();
    if elapsed < BREAKER_SECONDS {
        let rolling =
            ours(0, failed, RolloutState::InProgress, "ECS deployment in progress.", EcsDeploymentStatus::Primary);
        return (vec![rolling, old(desired, EcsDeploymentStatus::Active)], vec![started], stopped);
    }
    let reason = "ECS deployment circuit breaker: tasks failed to start.";
    let tripped = ServiceEvent {
        at: r.started_at + chrono::Duration::seconds(BREAKER_SECONDS),
        message: format!(
            "(service {}) deployment ecs-svc/{} deployment failed: tasks failed to start. Rolling back to {}.",
            sim.service,
            r.task_definition.revision(),
            r.previous.short()
        ),
    };
    let deployments = vec![
        old(desired, EcsDeploymentStatus::Primary),
        ours(0, failed, RolloutState::Failed, reason, EcsDeploymentStatus::Active),
    ];
    (deployments, vec![started, tripped], stopped)
}

/// The next revision of a family in the simulation.
fn next_revision(world: &World, from: &TaskDefinitionArn) -> TaskDefinitionArn {
    let family = from.family();
    let registered = world.task_definition_images.keys().map(String::as_str);
    let running = world.services.iter().map(|s| s.task_definition.as_str());
    let known = registered
        .chain(running)
        .filter_map(|arn| TaskDefinitionArn::parse(arn).ok())
        .filter(|arn| arn.family() == family)
        .map(|arn| arn.revision())
        .max()
        .unwrap_or(0)
        .max(from.revision());
    let prefix = from.as_str().rsplit_once(':').map(|(prefix, _)| prefix).unwrap_or(from.as_str());
    TaskDefinitionArn::parse(format!("{prefix}:{}", known + 1)).expect("a valid next revision")
}

#[async_trait]
impl Orchestrator for Sandbox {
    async fn describe_services(
        &self,
        cluster: &ClusterName,
        services: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError> {
        if services.len() > 10 {
            return Err(OrchestratorError::Rejected("DescribeServices takes at most 10 services".to_owned()));
        }
        let now = self.clock.now();
        self.read(|world| services.iter().map(|name| Ok(snapshot(find(world, cluster, name)?, now))).collect()).await
    }

    async fn service_task_definition(
        &self,
        cluster: &ClusterName,
        service: &ServiceName,
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        let now = self.clock.now();
        self.read(|world| Ok(running_now(find(world, cluster, service)?, now).0)).await
    }

    async fn register_with_image(
        &self,
        from: &TaskDefinitionArn,
        image: &ImageRef,
        _containers: &[String],
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        self.mutate(|world| {
            let next = next_revision(world, from);
            world.task_definition_images.insert(next.as_str().to_owned(), image.clone());
            next
        })
        .await
        .map_err(|e| OrchestratorError::Unavailable(format!("the sandbox could not save its state: {e}")))
    }

    async fn update_service(
        &self,
        cluster: &ClusterName,
        service: &ServiceName,
        task_definition: &TaskDefinitionArn,
        force: bool,
    ) -> Result<(), OrchestratorError> {
        let now = self.clock.now();
        self.mutate(|world| {
            let index = world.services.iter().position(|s| &s.cluster == cluster && &s.service == service).ok_or_else(
                || OrchestratorError::ServiceNotFound { cluster: cluster.to_string(), service: service.to_string() },
            )?;
            world.services[index].updates += 1;
            let (current, current_image) = running_now(&world.services[index], now);
            if &current == task_definition && !force {
                return Ok(());
            }
            let image = world
                .task_definition_images
                .get(task_definition.as_str())
                .cloned()
                .unwrap_or_else(|| current_image.clone());
            let fails = image.tag().is_some_and(|tag| tag.as_str().contains("fail"));
            let sim = &mut world.services[index];
            sim.short_by = 0;
            sim.task_definition = current.clone();
            sim.image = current_image.clone();
            sim.rollout = Some(SimRollout {
                task_definition: task_definition.clone(),
                image,
                previous: current,
                previous_image: current_image,
                started_at: now,
                fails,
            });
            Ok(())
        })
        .await
        .map_err(|e| OrchestratorError::Unavailable(format!("the sandbox could not save its state: {e}")))?
    }

    async fn image_exists(&self, image: &ImageRef) -> Result<bool, OrchestratorError> {
        // The sandbox's registry has every image except those named as missing (by tag or repository).
        Ok(!image.to_string().contains("missing"))
    }

    /// The simulation keeps each revision's image; the rest of a sandbox task definition is its family's.
    async fn describe_task_definition(&self, arn: &TaskDefinitionArn) -> Result<TaskDefinitionDoc, OrchestratorError> {
        let image = self
            .read(|world| {
                let registered = world.task_definition_images.get(arn.as_str()).cloned();
                // The seeded services' revisions were never registered here: they are what the services run (or ran).
                registered.or_else(|| {
                    world.services.iter().find_map(|s| match &s.rollout {
                        _ if &s.task_definition == arn => Some(s.image.clone()),
                        Some(r) if &r.previous == arn => Some(r.previous_image.clone()),
                        _ => None,
                    })
                })
            })
            .await;
        let image = image.ok_or_else(|| OrchestratorError::Rejected(format!("no task definition {}", arn.short())))?;
        let mut doc = TaskDefinitionDoc::default();
        doc.set("family", arn.family());
        doc.set("cpu", "256");
        doc.set("memory", "512");
        doc.set("networkMode", "awsvpc");
        doc.set("executionRoleArn", format!("arn:aws:iam::123456789012:role/{}-execution", arn.family()));
        doc.set("container app image", image.to_string());
        doc.set("container app logDriver", "awslogs");
        doc.set("container app log awslogs-group", format!("/ecs/{}", arn.family()));
        doc.set("container app port 8080", "tcp");
        Ok(doc)
    }
}
