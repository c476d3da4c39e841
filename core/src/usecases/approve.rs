//! The two-person rule: a deployment to an environment that asks for it waits until another person with the
//! deployer role (and the environment's bar) approves it, or rejects it with a reason; unapproved, it is rejected
//! after `approval_ttl_minutes`.

use crate::domain::{Actor, AuditAction, Deployment, DeploymentId, DeploymentMove, DeploymentState};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

impl Tengu {
    /// Another person lets a waiting deployment go ahead; its driver starts at once.
    pub async fn approve_deployment(&self, actor: &Actor, id: DeploymentId) -> Result<Deployment, CoreError> {
        let deployment = self.waiting_for_approval(actor, id).await?;
        let now = self.ports.clock.now();
        if !self.ports.store.approve_deployment(id, &actor.display_name(), now).await? {
            return Err(CoreError::Refused(format!("deployment {id} no longer waits for approval")));
        }
        crate::telemetry::approved(&deployment.env, deployment.requested_at, now);
        let detail = format!("{} to {} asked by {}", deployment.image, deployment.env, deployment.actor);
        let target = format!("deployment {id}");
        self.audit(actor, AuditAction::DeploymentApproved, (&target, Some(&deployment.repo)), detail).await?;
        self.tell_team(
            &deployment.env,
            format!("{} approved deployment {id} of {} to {}", actor.display_name(), deployment.image, deployment.env),
        )
        .await;
        // Read before its driver starts: the answer is the approval, not however far the driver got meanwhile.
        let approved = self.deployment(id).await?;
        #[cfg(feature = "runtime")]
        self.follow_in_background(id);
        Ok(approved)
    }

    /// Another person says no, with a reason; the environment is free again.
    pub async fn reject_deployment(
        &self,
        actor: &Actor,
        id: DeploymentId,
        reason: &str,
    ) -> Result<Deployment, CoreError> {
        let reason = reason.trim();
        if reason.chars().count() < 3 {
            return Err(CoreError::Refused("say why the deployment should not go ahead".into()));
        }
        let deployment = self.waiting_for_approval(actor, id).await?;
        let why = format!("rejected by {}: {reason}", actor.display_name());
        self.end_waiting(&deployment, &why).await?;
        let target = format!("deployment {id}");
        self.audit(actor, AuditAction::DeploymentRejected, (&target, Some(&deployment.repo)), reason.to_owned())
            .await?;
        self.deployment(id).await
    }

    /// The deployment, if it waits for approval, the actor may approve it, and it has not waited too long.
    async fn waiting_for_approval(&self, actor: &Actor, id: DeploymentId) -> Result<Deployment, CoreError> {
        let deployment = self.deployment(id).await?;
        let env = self.environment(&deployment.env)?;
        self.authorize(actor, &Action::Approve { env, requested_by: &deployment.actor }).await?;
        if deployment.state != DeploymentState::AwaitingApproval || deployment.finished_at.is_some() {
            return Err(CoreError::Refused(format!(
                "deployment {id} does not wait for approval (it is {})",
                deployment.state.label().to_lowercase()
            )));
        }
        if self.approval_expired(&deployment) {
            self.expire(&deployment).await?;
            return Err(CoreError::Refused(format!(
                "deployment {id} waited longer than {} minutes and was rejected; ask for it again",
                self.settings.deploys.approval_ttl_minutes
            )));
        }
        Ok(deployment)
    }

    pub(crate) fn approval_expired(&self, deployment: &Deployment) -> bool {
        let ttl = chrono::Duration::minutes(self.settings.deploys.approval_ttl_minutes);
        self.ports.clock.now() - deployment.requested_at >= ttl
    }

    pub(crate) async fn expire(&self, deployment: &Deployment) -> Result<(), CoreError> {
        let why = format!("nobody approved it within {} minutes", self.settings.deploys.approval_ttl_minutes);
        self.end_waiting(deployment, &why).await
    }

    async fn end_waiting(&self, deployment: &Deployment, why: &str) -> Result<(), CoreError> {
        let now = self.ports.clock.now();
        let change = DeploymentMove {
            from: DeploymentState::AwaitingApproval,
            to: DeploymentState::Rejected,
            task_definitions: &deployment.task_definitions,
            reason: Some(why),
            at: now,
            finished_at: Some(now),
        };
        if !self.ports.store.move_deployment(deployment.id, &change).await? {
            return Err(CoreError::Refused(format!("deployment {} no longer waits for approval", deployment.id)));
        }
        crate::telemetry::deployment_finished(deployment, DeploymentState::Rejected, now);
        self.tell_team(
            &deployment.env,
            format!("deployment {} of {} to {} was {why}", deployment.id, deployment.image, deployment.env),
        )
        .await;
        Ok(())
    }
}
