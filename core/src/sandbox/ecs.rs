use async_trait::async_trait;

use super::Sandbox;
use crate::domain::{
    ClusterName, EcsDeployment, EcsDeploymentStatus, RolloutSnapshot, RolloutState, ServiceEvent, ServiceName,
};
use crate::ports::{Orchestrator, OrchestratorError};

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
        self.read(|world| {
            services
                .iter()
                .map(|name| {
                    let sim = world.services.iter().find(|s| &s.cluster == cluster && &s.service == name).ok_or_else(
                        || OrchestratorError::ServiceNotFound {
                            cluster: cluster.to_string(),
                            service: name.to_string(),
                        },
                    )?;
                    Ok(RolloutSnapshot {
                        cluster: cluster.clone(),
                        service: name.clone(),
                        deployments: vec![EcsDeployment {
                            id: format!("ecs-svc/{}", sim.task_definition.revision()),
                            status: EcsDeploymentStatus::Primary,
                            task_definition: sim.task_definition.clone(),
                            desired: sim.desired,
                            running: sim.desired,
                            pending: 0,
                            failed_tasks: 0,
                            rollout_state: Some(RolloutState::Completed),
                            rollout_state_reason: Some("ECS deployment completed.".to_owned()),
                        }],
                        events: vec![ServiceEvent {
                            at: now,
                            message: format!("(service {name}) has reached a steady state."),
                        }],
                        stopped_tasks: Vec::new(),
                        taken_at: now,
                    })
                })
                .collect()
        })
        .await
    }
}
