//! Driving a deployment: a state machine kept in the database, each step written before its side effect, so a
//! restart picks every unfinished deployment up where it stood.

use chrono::Duration;

use crate::domain::{
    Actor, AuditAction, AuditEntry, Deployment, DeploymentId, DeploymentMove, DeploymentState, Environment,
    ServiceHealth, TaskDefinitionArn, Trigger,
};
use crate::error::CoreError;
use crate::ports::{GithubDeploymentState, OrchestratorError};
use crate::rollout_judge::{self, RolloutVerdict};
use crate::tengu::Tengu;

/// Where `advance_deployment` left a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for another person's approval: look again after the poll interval.
    AwaitingApproval(Deployment),
    /// Rolling out, or verifying what rolled out: look again after the policy's poll interval.
    RollingOut(Deployment),
    Finished(Deployment),
}

impl Tengu {
    /// Takes a deployment from wherever it stands as far as it can go now: checks, registers, updates the
    /// services, asks ECS once how the rollout goes, and rolls back after a failure when the policy says so.
    /// Safe to call again after a crash: every step was recorded before its side effect. ECS being unreachable
    /// leaves the deployment where it stands, to try again; ECS refusing (a missing service, a bad task
    /// definition) ends it as failed with ECS's sentence, so the environment is not locked forever.
    ///
    /// Only the holder of the deployment's driver lease advances it (taken here, renewed at every step); with
    /// several instances, the others get `CoreError::DrivenElsewhere` and leave it alone.
    pub async fn advance_deployment(&self, id: DeploymentId) -> Result<Progress, CoreError> {
        let progress = self.advance_leased(id).await;
        if let Ok(Progress::Finished(_)) = &progress {
            self.let_go_of(&super::leases::driver_lease(id)).await;
        }
        progress
    }

    async fn advance_leased(&self, id: DeploymentId) -> Result<Progress, CoreError> {
        let refusal = match self.advance_steps(id).await {
            Err(CoreError::Orchestrator(error)) if !matches!(error, OrchestratorError::Unavailable(_)) => error,
            other => return other,
        };
        let deployment = self.deployment(id).await?;
        let touched = matches!(
            deployment.state,
            DeploymentState::TaskDefinitionRegistered | DeploymentState::ServiceUpdated | DeploymentState::RollingOut
        );
        if !(touched && self.settings.deploys.auto_rollback && self.can_roll_back(&deployment)) {
            return self.finish(&deployment, DeploymentState::Failed, &refusal.to_string()).await;
        }
        // Some services may already run the new revision: put them all back, as after a failed rollout.
        let change = DeploymentMove {
            from: deployment.state,
            to: DeploymentState::Failed,
            task_definitions: &deployment.task_definitions,
            reason: Some(&refusal.to_string()),
            at: self.ports.clock.now(),
            finished_at: None,
        };
        self.ports.store.move_deployment(id, &change).await?;
        self.advance_steps(id).await
    }

    async fn advance_steps(&self, id: DeploymentId) -> Result<Progress, CoreError> {
        loop {
            // Each pass makes at most one side effect (on ECS or GitHub), after renewing the right to make it.
            self.hold_driver_lease(id).await?;
            let deployment = self.deployment(id).await?;
            let env = self.environment(&deployment.env)?.clone();
            if let Some(progress) = self.take_step(&deployment, &env).await? {
                return Ok(progress);
            }
        }
    }

    /// One step from where the deployment stands; `Some` where it stops for now (waiting for an approval, rolling
    /// out) or for good.
    async fn take_step(&self, deployment: &Deployment, env: &Environment) -> Result<Option<Progress>, CoreError> {
        match deployment.state {
            DeploymentState::AwaitingApproval if deployment.finished_at.is_none() => {
                if !self.approval_expired(deployment) {
                    return Ok(Some(Progress::AwaitingApproval(deployment.clone())));
                }
                match self.expire(deployment).await {
                    Ok(()) | Err(CoreError::Refused(_)) => {}
                    Err(other) => return Err(other),
                }
            }
            DeploymentState::Requested => return self.check_image(deployment, env).await,
            DeploymentState::Checked => self.register_revisions(deployment, env).await?,
            DeploymentState::TaskDefinitionRegistered => self.update_services(deployment, env).await?,
            DeploymentState::ServiceUpdated => {
                self.mirror_start(deployment).await?;
                self.step(deployment, DeploymentState::RollingOut, &deployment.task_definitions).await?;
            }
            DeploymentState::RollingOut => return self.watch_rollout(deployment, env).await,
            DeploymentState::Verifying => return self.verify_rollout(deployment, env).await,
            DeploymentState::Failed | DeploymentState::Aborted if deployment.finished_at.is_none() => {
                return self.put_back_and_finish(deployment, env).await.map(Some);
            }
            _ => return Ok(Some(Progress::Finished(deployment.clone()))),
        }
        Ok(None)
    }

    /// A new image must be in the registry, and what the task definitions name on the account must exist, before
    /// anything is registered.
    async fn check_image(&self, deployment: &Deployment, env: &Environment) -> Result<Option<Progress>, CoreError> {
        let rebuilding = deployment.task_definitions.is_empty() && deployment.trigger != Trigger::Redeploy;
        if rebuilding && !self.ports.orchestrator.image_exists(&deployment.image).await? {
            let reason = format!("image {} not found in the registry — did CI push it?", deployment.image);
            return self.finish(deployment, DeploymentState::Failed, &reason).await.map(Some);
        }
        if let Some(reason) = self.missing_prerequisites(deployment, env).await? {
            return self.finish(deployment, DeploymentState::Failed, &reason).await.map(Some);
        }
        self.step(deployment, DeploymentState::Checked, &deployment.task_definitions).await?;
        Ok(None)
    }

    /// Records what each service runs now (to put back after a failure), then the revisions to run: the same ones
    /// for a redeploy, a rollback's target, or a new revision of each with the new image.
    async fn register_revisions(&self, deployment: &Deployment, env: &Environment) -> Result<(), CoreError> {
        let ecs = &self.ports.orchestrator;
        let mut previous = Vec::with_capacity(env.services.len());
        for service in &env.services {
            previous.push(ecs.service_task_definition(&env.cluster, service).await?);
        }
        self.ports.store.record_previous_task_definitions(deployment.id, &previous).await?;
        let next = match deployment.trigger {
            Trigger::Redeploy => previous.clone(),
            Trigger::Rollback if !deployment.task_definitions.is_empty() => deployment.task_definitions.clone(),
            _ => {
                let mut registered = Vec::with_capacity(previous.len());
                for from in &previous {
                    registered.push(ecs.register_with_image(from, &deployment.image, &env.containers).await?);
                }
                registered
            }
        };
        self.step(deployment, DeploymentState::TaskDefinitionRegistered, &next).await?;
        Ok(())
    }

    async fn update_services(&self, deployment: &Deployment, env: &Environment) -> Result<(), CoreError> {
        let force = deployment.trigger == Trigger::Redeploy;
        for (service, task_definition) in env.services.iter().zip(&deployment.task_definitions) {
            self.ports.orchestrator.update_service(&env.cluster, service, task_definition, force).await?;
        }
        if !self.step(deployment, DeploymentState::ServiceUpdated, &deployment.task_definitions).await? {
            self.undo_late_update(deployment.id, env).await?;
        }
        Ok(())
    }

    /// Asks ECS once how the rollout goes and judges it: still going, succeeded, or failed (and then rolled back
    /// when the policy says so).
    async fn watch_rollout(&self, deployment: &Deployment, env: &Environment) -> Result<Option<Progress>, CoreError> {
        let (id, store) = (deployment.id, &self.ports.store);
        let snapshots = self.ports.orchestrator.describe_services(&env.cluster, &env.services).await?;
        store.record_rollout(id, &snapshots).await?;
        // The overview's health, on the side: a rollout does not wait or fail for it.
        let health: Vec<_> = snapshots.iter().map(|s| ServiceHealth::of(&env.name, s)).collect();
        if let Err(error) = store.record_service_health(&health).await {
            tracing::warn!(%error, deployment = %id, "the services' health could not be kept");
        }
        let timeout = Duration::minutes(self.settings.deploys.timeout_minutes);
        let verdicts: Vec<RolloutVerdict> = snapshots
            .iter()
            .zip(&deployment.task_definitions)
            .map(|(snapshot, ours)| rollout_judge::judge(ours, snapshot, deployment.requested_at, timeout))
            .collect();
        let reason = match rollout_judge::combine(&verdicts) {
            RolloutVerdict::InProgress { .. } => return Ok(Some(Progress::RollingOut(self.deployment(id).await?))),
            RolloutVerdict::Succeeded if env.verification.is_empty() => {
                return self.finish(deployment, DeploymentState::Succeeded, "").await.map(Some);
            }
            // COMPLETED is where verification starts: the environment's checks have the last word.
            RolloutVerdict::Succeeded => {
                self.step(deployment, DeploymentState::Verifying, &deployment.task_definitions).await?;
                return Ok(None);
            }
            RolloutVerdict::Failed(failure) => failure.to_string(),
        };
        self.fail_rollout(deployment, &reason).await
    }

    /// A rollout (or its verification) failed: ended as failed, or, when the policy says so and there is
    /// something to go back to, marked failed but unfinished so the next step puts the services back.
    pub(crate) async fn fail_rollout(
        &self,
        deployment: &Deployment,
        reason: &str,
    ) -> Result<Option<Progress>, CoreError> {
        if !(self.settings.deploys.auto_rollback && self.can_roll_back(deployment)) {
            return self.finish(deployment, DeploymentState::Failed, reason).await.map(Some);
        }
        // Failed but unfinished: the environment stays locked until the rollback is sent.
        let change = DeploymentMove {
            from: deployment.state,
            to: DeploymentState::Failed,
            task_definitions: &deployment.task_definitions,
            reason: Some(reason),
            at: self.ports.clock.now(),
            finished_at: None,
        };
        self.ports.store.move_deployment(deployment.id, &change).await?;
        Ok(None)
    }

    /// After a failure or an abort: the services back on what they ran before, and the deployment's end says so.
    async fn put_back_and_finish(&self, deployment: &Deployment, env: &Environment) -> Result<Progress, CoreError> {
        let why = deployment.reason.clone().unwrap_or_else(|| "aborted".to_owned());
        let back = self.put_services_back(env, deployment).await?;
        let (end, reason) = match (deployment.state, back.refused.is_empty()) {
            (DeploymentState::Aborted, true) => (DeploymentState::Aborted, back.said(&why)),
            (_, true) => (DeploymentState::RolledBack, back.said(&why)),
            // Some service could not be put back: the truth is a failure, and which one.
            (_, false) => (DeploymentState::Failed, back.said(&why)),
        };
        self.finish(deployment, end, &reason).await
    }

    /// Points every service back at what it ran before, each on its own: one refusal does not keep the others
    /// on the new revision. A service that no longer exists runs nothing to put back. ECS being unreachable
    /// stops here, to be tried again.
    async fn put_services_back(&self, env: &Environment, deployment: &Deployment) -> Result<PutBack, CoreError> {
        let mut back = PutBack::default();
        for (service, previous) in env.services.iter().zip(&deployment.previous_task_definitions) {
            match self.ports.orchestrator.update_service(&env.cluster, service, previous, false).await {
                Ok(()) => back.restored.push(previous.short().to_owned()),
                Err(OrchestratorError::ServiceNotFound { .. }) => {}
                Err(error @ OrchestratorError::Unavailable(_)) => return Err(error.into()),
                Err(error) => back.refused.push(format!("{service} ({error})")),
            }
        }
        Ok(back)
    }

    /// Our UpdateService calls landed after someone else (an abort in another process) had already put the
    /// services back and ended the deployment: put them back again, so ECS runs what the record says.
    async fn undo_late_update(&self, id: DeploymentId, env: &Environment) -> Result<(), CoreError> {
        let now = self.deployment(id).await?;
        let put_back = matches!(now.state, DeploymentState::Aborted | DeploymentState::RolledBack);
        if now.finished_at.is_some() && put_back {
            for (service, previous) in env.services.iter().zip(&now.previous_task_definitions) {
                self.ports.orchestrator.update_service(&env.cluster, service, previous, false).await?;
            }
        }
        Ok(())
    }

    pub(crate) fn can_roll_back(&self, deployment: &Deployment) -> bool {
        let previous = &deployment.previous_task_definitions;
        !previous.is_empty() && previous != &deployment.task_definitions
    }

    /// Moves the deployment one step on. Losing the race to another writer (an abort, a second driver) is not an
    /// error: the caller reads the deployment again and carries on from where it now stands.
    pub(crate) async fn step(
        &self,
        deployment: &Deployment,
        next: DeploymentState,
        task_definitions: &[TaskDefinitionArn],
    ) -> Result<bool, CoreError> {
        let state = deployment.state.advance(next).map_err(|e| CoreError::Refused(e.to_string()))?;
        let change = DeploymentMove {
            from: deployment.state,
            to: state,
            task_definitions,
            reason: deployment.reason.as_deref(),
            at: self.ports.clock.now(),
            finished_at: None,
        };
        let moved = self.ports.store.move_deployment(deployment.id, &change).await?;
        if !moved {
            tracing::info!(deployment = %deployment.id, "the deployment was moved by someone else; reading it again");
        }
        Ok(moved)
    }

    pub(crate) async fn finish(
        &self,
        deployment: &Deployment,
        end: DeploymentState,
        reason: &str,
    ) -> Result<Progress, CoreError> {
        let now = self.ports.clock.now();
        let reason = (!reason.is_empty()).then_some(reason);
        let change = DeploymentMove {
            from: deployment.state,
            to: end,
            task_definitions: &deployment.task_definitions,
            reason,
            at: now,
            finished_at: Some(now),
        };
        if !self.ports.store.move_deployment(deployment.id, &change).await? {
            // Someone else moved it (an abort, another driver): its story is theirs to tell.
            let current = self.deployment(deployment.id).await?;
            return Ok(if current.finished_at.is_some() {
                Progress::Finished(current)
            } else {
                Progress::RollingOut(current)
            });
        }
        crate::telemetry::deployment_finished(deployment, end, now);
        let entry = AuditEntry {
            at: now,
            actor: Actor::System.display_name(),
            action: AuditAction::DeploymentFinished,
            target: format!("deployment {}", deployment.id),
            detail: match reason {
                Some(reason) => format!("{}: {reason}", end.label()),
                None => end.label().to_owned(),
            },
            repo: Some(deployment.repo.clone()),
        };
        // Recorded right after the move, before GitHub is told (a call that can take seconds): the entry follows the
        // finish by one write, not by a round trip to GitHub.
        self.ports.store.record_audit(&entry).await?;
        if let Some(github) = deployment.github_deployment {
            let state = match end {
                DeploymentState::Succeeded => GithubDeploymentState::Success,
                // Stopped on purpose: not a failure of the code, and no longer what the environment runs.
                DeploymentState::Aborted => GithubDeploymentState::Inactive,
                _ => GithubDeploymentState::Failure,
            };
            self.mirror_status(deployment, github, state).await;
        }
        let took = deployment_seconds(deployment, now);
        let told = match reason {
            Some(reason) => format!(
                "Deployment {} of {} to {} {} after {took} s: {reason}",
                deployment.id,
                deployment.image,
                deployment.env,
                end.label().to_lowercase()
            ),
            None => format!(
                "Deployment {} of {} to {} {} in {took} s",
                deployment.id,
                deployment.image,
                deployment.env,
                end.label().to_lowercase()
            ),
        };
        self.tell_team(&deployment.env, told).await;
        let failed_on_ecs = matches!(
            deployment.state,
            DeploymentState::RollingOut | DeploymentState::Verifying | DeploymentState::Failed
        );
        if failed_on_ecs && matches!(end, DeploymentState::Failed | DeploymentState::RolledBack) {
            self.lock_after_failure(deployment, end, reason).await?;
        }
        // The insights' days are kept as deployments finish; a page reading them catches up on what this missed.
        if let Err(error) = self.keep_insights(&deployment.env).await {
            tracing::warn!(env = %deployment.env, %error, "the insights' days could not be kept; the page will");
        }
        Ok(Progress::Finished(self.deployment(deployment.id).await?))
    }
}

/// What putting the services back achieved.
#[derive(Default)]
struct PutBack {
    restored: Vec<String>,
    refused: Vec<String>,
}

impl PutBack {
    /// `why`, then what runs now: "…; rolled back to web:7, worker:3" or "…; could not put back worker (…)".
    fn said(&self, why: &str) -> String {
        let mut said = why.to_owned();
        if !self.restored.is_empty() {
            said.push_str(&format!("; rolled back to {}", self.restored.join(", ")));
        }
        if !self.refused.is_empty() {
            said.push_str(&format!("; could not put back {}", self.refused.join(", ")));
        }
        said
    }
}

fn deployment_seconds(deployment: &Deployment, now: chrono::DateTime<chrono::Utc>) -> i64 {
    (now - deployment.requested_at).num_seconds().max(0)
}
