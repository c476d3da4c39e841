//! Abort: stop a deployment and put back what ran before.

use crate::domain::{Actor, AuditAction, AuditEntry, Deployment, DeploymentId, DeploymentMove, DeploymentState};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

impl Tengu {
    /// Aborts whatever deploys to the environment now (for a terminal, CI or the chat, which name the
    /// environment rather than the deployment).
    pub async fn abort_environment(
        &self,
        actor: &Actor,
        env: &crate::domain::EnvName,
    ) -> Result<Deployment, CoreError> {
        self.authorize(actor, &Action::Abort { env: self.environment(env)? }).await?;
        let (last, _) = self.ports.store.latest_deployments(env).await?;
        match last.filter(|d| d.finished_at.is_none()) {
            Some(running) => self.abort_deployment(actor, running.id).await,
            None => Err(CoreError::NotFound(format!("a deployment in progress on {env}"))),
        }
    }

    /// Stops a deployment. Before ECS was touched it simply ends. After, it is marked aborted and its driver
    /// (the one following it, or one started here) points the services back at what they ran before and ends it,
    /// saying who aborted. Pressing Abort again while that happens is harmless.
    pub async fn abort_deployment(&self, actor: &Actor, id: DeploymentId) -> Result<Deployment, CoreError> {
        for _ in 0..3 {
            let deployment = self.deployment(id).await?;
            self.authorize(actor, &Action::Abort { env: self.environment(&deployment.env)? }).await?;
            if deployment.finished_at.is_some() {
                return Err(CoreError::Refused(format!(
                    "deployment {id} has already ended ({})",
                    deployment.state.label().to_lowercase()
                )));
            }
            if matches!(deployment.state, DeploymentState::Failed | DeploymentState::Aborted) {
                // Already on its way back; make sure someone drives it there.
                return self.put_back(id).await;
            }
            let reason = format!("aborted by {}", actor.display_name());
            let now = self.ports.clock.now();
            let untouched = matches!(
                deployment.state,
                DeploymentState::AwaitingApproval | DeploymentState::Requested | DeploymentState::Checked
            );
            let change = DeploymentMove {
                from: deployment.state,
                to: DeploymentState::Aborted,
                task_definitions: &deployment.task_definitions,
                reason: Some(&reason),
                at: now,
                finished_at: untouched.then_some(now),
            };
            if !self.ports.store.move_deployment(id, &change).await? {
                continue;
            }
            let entry = AuditEntry {
                at: now,
                actor: actor.display_name(),
                action: AuditAction::DeploymentAborted,
                target: format!("deployment {id}"),
                detail: format!("{} to {} ({})", deployment.image, deployment.env, deployment.state.label()),
                repo: Some(deployment.repo.clone()),
            };
            self.ports.store.record_audit(&entry).await?;
            if untouched {
                self.tell_team(
                    &deployment.env,
                    format!("{} aborted deployment {id} of {}", actor.display_name(), deployment.env),
                )
                .await;
                return self.deployment(id).await;
            }
            return self.put_back(id).await;
        }
        Err(CoreError::Refused(format!("deployment {id} kept changing while it was being aborted; try again")))
    }

    /// The driver puts the services back: one in this process takes it on (a no-op when one already follows it).
    async fn put_back(&self, id: DeploymentId) -> Result<Deployment, CoreError> {
        #[cfg(feature = "runtime")]
        self.follow_in_background(id);
        #[cfg(not(feature = "runtime"))]
        self.advance_deployment(id).await?;
        self.deployment(id).await
    }
}
