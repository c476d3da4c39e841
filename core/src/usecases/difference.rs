//! What a deploy, a redeploy or a rollback would change on each service before anything is sent to ECS: the task
//! definition each service runs now against the one it would run (ecspresso's `diff`). It only reads.

use crate::domain::{EnvName, FieldChange, ServiceName, TaskDefinitionArn, Viewer};
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::usecases::DeployTarget;

/// One service's difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDifference {
    pub service: ServiceName,
    /// What it runs now.
    pub now: TaskDefinitionArn,
    /// What it would run: an earlier revision (a rollback), the same (a redeploy), or none yet (a new image is
    /// registered as a new revision of `now`).
    pub next: Option<TaskDefinitionArn>,
    pub changes: Vec<FieldChange>,
}

impl ServiceDifference {
    /// `web: web:7 → a new revision`, then one line per change (or that nothing but a restart happens).
    pub fn lines(&self) -> Vec<String> {
        let next = match &self.next {
            None => format!("a new revision of {}", self.now.family()),
            Some(next) => next.short().to_owned(),
        };
        let mut lines = vec![format!("{}: {} → {next}", self.service, self.now.short())];
        if self.changes.is_empty() {
            lines.push("  nothing changes but a restart of its tasks".to_owned());
        }
        lines.extend(self.changes.iter().map(|change| format!("  {}", change.line())));
        lines
    }
}

impl Tengu {
    /// What deploying `target` to `env` would change on each of its services (for whoever may see `env`).
    pub async fn deploy_difference(
        &self,
        viewer: &Viewer,
        env: &EnvName,
        target: &DeployTarget,
    ) -> Result<Vec<ServiceDifference>, CoreError> {
        let env = self.visible_environment(viewer, env)?.clone();
        let image = match target {
            DeployTarget::Image { image, .. } => Some(image.clone()),
            DeployTarget::Commit(sha) => Some(env.image_for(sha).map_err(CoreError::Refused)?),
            DeployTarget::Redeploy | DeployTarget::RollbackTo(_) => None,
        };
        let back_to = match target {
            DeployTarget::RollbackTo(id) => Some(self.rollback_target(&env, *id).await?.task_definitions),
            _ => None,
        };
        let ecs = &self.ports.orchestrator;
        let mut differences = Vec::with_capacity(env.services.len());
        for (at, service) in env.services.iter().enumerate() {
            let now = ecs.service_task_definition(&env.cluster, service).await?;
            let running = ecs.describe_task_definition(&now).await?;
            let (next, would_run) = match (&image, &back_to) {
                (Some(image), _) => (None, running.with_image(image, &env.containers)),
                (None, Some(revisions)) => {
                    let earlier = revisions.get(at).cloned().ok_or_else(|| {
                        CoreError::Refused(format!("that deployment ran no task definition for {service}"))
                    })?;
                    let described = ecs.describe_task_definition(&earlier).await?;
                    (Some(earlier), described)
                }
                (None, None) => (Some(now.clone()), running.clone()),
            };
            differences.push(ServiceDifference {
                service: service.clone(),
                changes: running.difference(&would_run),
                now,
                next,
            });
        }
        Ok(differences)
    }
}
