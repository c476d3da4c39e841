//! Deploying: one function for every trigger (a merge, a button, the CLI), a state machine kept in the database,
//! each step written before its side effect, so a restart picks every unfinished deployment up where it stood.

use chrono::Duration;

use crate::domain::{
    Actor, AuditAction, AuditEntry, CommitSha, Deployment, DeploymentId, DeploymentMove, DeploymentState, EnvName,
    Environment, ImageRef, NewDeployment, PrNumber, TaskDefinitionArn, Trigger,
};
use crate::error::CoreError;
use crate::ports::{Action, DeploymentInsert, GithubDeploymentState, Notice, OrchestratorError};
use crate::rollout_judge::{self, RolloutVerdict};
use crate::tengu::Tengu;

/// What to put on the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployTarget {
    /// A new image (built by CI from a commit): a new task definition revision per service.
    Image { image: ImageRef, sha: Option<CommitSha>, source_prs: Vec<PrNumber> },
    /// The image CI built from this commit, by the environment's image template.
    Commit(CommitSha),
    /// The task definitions the services run now, restarted.
    Redeploy,
    /// The task definitions of an earlier successful deployment.
    RollbackTo(DeploymentId),
}

/// Where `advance_deployment` left a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Rolling out: ask ECS again after the policy's poll interval.
    RollingOut(Deployment),
    Finished(Deployment),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployRequest {
    pub env: EnvName,
    pub target: DeployTarget,
    pub trigger: Trigger,
    /// The same key asks for the same deployment (a double click, a retried request).
    pub idempotency_key: Option<String>,
}

impl Tengu {
    /// Records a deployment request, or says why not: the environment is busy (who deploys what since when), or
    /// the rollback target is not a successful deployment. Follow it with `drive_deployment`.
    pub async fn request_deployment(&self, actor: &Actor, request: DeployRequest) -> Result<Deployment, CoreError> {
        let env = self.environment(&request.env)?;
        self.ports.policy.authorize(actor, &Action::Deploy { env: &request.env })?;
        // A rollback's task definitions are known now; recording them with the request makes the step repeatable.
        let mut rollback_to: Vec<TaskDefinitionArn> = Vec::new();
        let (image, sha, source_prs) = match &request.target {
            DeployTarget::Image { image, sha, source_prs } => (image.clone(), sha.clone(), source_prs.clone()),
            DeployTarget::Commit(sha) => {
                (env.image_for(sha).map_err(CoreError::Refused)?, Some(sha.clone()), Vec::new())
            }
            DeployTarget::Redeploy => {
                let (_, good) = self.ports.store.latest_deployments(&env.name).await?;
                let good = good.ok_or_else(|| {
                    CoreError::Refused(format!("{} has no successful deployment to redeploy", env.name))
                })?;
                (good.image, good.sha, Vec::new())
            }
            DeployTarget::RollbackTo(id) => {
                let target = self.rollback_target(env, *id).await?;
                rollback_to = target.task_definitions;
                (target.image, target.sha, Vec::new())
            }
        };
        let new = NewDeployment {
            env: env.name.clone(),
            repo: env.repo.clone(),
            image,
            sha,
            trigger: request.trigger,
            actor: actor.display_name(),
            source_prs,
            requested_at: self.ports.clock.now(),
            task_definitions: rollback_to,
            idempotency_key: request.idempotency_key.clone(),
        };
        let id = match self.ports.store.insert_deployment(&new).await? {
            DeploymentInsert::Started(id) => id,
            DeploymentInsert::AlreadyRequested(id) => return self.deployment(id).await,
            DeploymentInsert::Locked(holder) => {
                return Err(CoreError::Refused(format!(
                    "{} is busy: {} is deploying {} (deployment {}, {} since {})",
                    env.name,
                    holder.actor,
                    holder.image,
                    holder.id,
                    holder.state.label().to_lowercase(),
                    holder.requested_at.format("%Y-%m-%d %H:%M UTC")
                )));
            }
        };
        let entry = AuditEntry {
            at: new.requested_at,
            actor: new.actor.clone(),
            action: AuditAction::DeploymentRequested,
            target: format!("deployment {id}"),
            detail: format!("{} to {} ({})", new.image, env.name, request.trigger.as_str()),
        };
        self.ports.store.record_audit(&entry).await?;
        self.tell_team(format!("{} started deploying {} to {} (deployment {id})", new.actor, new.image, env.name))
            .await;
        self.deployment(id).await
    }

    /// Slack (or the log) hears of starts and ends; a channel that is down never stops a deploy.
    async fn tell_team(&self, text: String) {
        if let Err(error) = self.ports.notifier.notify(&Notice { text }).await {
            tracing::warn!(%error, "the team channel did not take the deployment notice");
        }
    }

    async fn rollback_target(&self, env: &Environment, id: DeploymentId) -> Result<Deployment, CoreError> {
        let target = self.deployment(id).await?;
        if target.env != env.name || target.state != DeploymentState::Succeeded || target.task_definitions.is_empty() {
            return Err(CoreError::Refused(format!(
                "deployment {id} is not a successful deployment of {}; only those can be rolled back to",
                env.name
            )));
        }
        Ok(target)
    }

    pub async fn deployment(&self, id: DeploymentId) -> Result<Deployment, CoreError> {
        self.ports.store.deployment(id).await?.ok_or_else(|| CoreError::NotFound(format!("deployment {id}")))
    }

    /// Takes a deployment from wherever it stands as far as it can go now: checks, registers, updates the
    /// services, asks ECS once how the rollout goes, and rolls back after a failure when the policy says so.
    /// Safe to call again after a crash: every step was recorded before its side effect. ECS being unreachable
    /// leaves the deployment where it stands, to try again; ECS refusing (a missing service, a bad task
    /// definition) ends it as failed with ECS's sentence, so the environment is not locked forever.
    pub async fn advance_deployment(&self, id: DeploymentId) -> Result<Progress, CoreError> {
        match self.advance_steps(id).await {
            Err(CoreError::Orchestrator(error)) if !matches!(error, OrchestratorError::Unavailable(_)) => {
                let deployment = self.deployment(id).await?;
                self.finish(&deployment, DeploymentState::Failed, &error.to_string()).await
            }
            other => other,
        }
    }

    async fn advance_steps(&self, id: DeploymentId) -> Result<Progress, CoreError> {
        loop {
            let deployment = self.deployment(id).await?;
            let env = self.environment(&deployment.env)?.clone();
            let store = &self.ports.store;
            let ecs = &self.ports.orchestrator;
            match deployment.state {
                DeploymentState::Requested => {
                    let rebuilding = deployment.task_definitions.is_empty() && deployment.trigger != Trigger::Redeploy;
                    if rebuilding && !ecs.image_exists(&deployment.image).await? {
                        let reason = format!("image {} not found in the registry — did CI push it?", deployment.image);
                        return self.finish(&deployment, DeploymentState::Failed, &reason).await;
                    }
                    self.step(&deployment, DeploymentState::Checked, &deployment.task_definitions).await?;
                }
                DeploymentState::Checked => {
                    let mut previous = Vec::with_capacity(env.services.len());
                    for service in &env.services {
                        previous.push(ecs.service_task_definition(&env.cluster, service).await?);
                    }
                    store.record_previous_task_definitions(id, &previous).await?;
                    let next = match deployment.trigger {
                        Trigger::Redeploy => previous.clone(),
                        Trigger::Rollback if !deployment.task_definitions.is_empty() => {
                            deployment.task_definitions.clone()
                        }
                        _ => {
                            let mut registered = Vec::with_capacity(previous.len());
                            for from in &previous {
                                registered
                                    .push(ecs.register_with_image(from, &deployment.image, &env.containers).await?);
                            }
                            registered
                        }
                    };
                    self.step(&deployment, DeploymentState::TaskDefinitionRegistered, &next).await?;
                }
                DeploymentState::TaskDefinitionRegistered => {
                    let force = deployment.trigger == Trigger::Redeploy;
                    for (service, task_definition) in env.services.iter().zip(&deployment.task_definitions) {
                        ecs.update_service(&env.cluster, service, task_definition, force).await?;
                    }
                    self.step(&deployment, DeploymentState::ServiceUpdated, &deployment.task_definitions).await?;
                }
                DeploymentState::ServiceUpdated => {
                    self.mirror_start(&deployment).await?;
                    self.step(&deployment, DeploymentState::RollingOut, &deployment.task_definitions).await?;
                }
                DeploymentState::RollingOut => {
                    let snapshots = ecs.describe_services(&env.cluster, &env.services).await?;
                    store.record_rollout(id, &snapshots).await?;
                    let timeout = Duration::minutes(self.settings.deploys.timeout_minutes);
                    let verdicts: Vec<RolloutVerdict> = snapshots
                        .iter()
                        .zip(&deployment.task_definitions)
                        .map(|(snapshot, ours)| rollout_judge::judge(ours, snapshot, deployment.requested_at, timeout))
                        .collect();
                    match rollout_judge::combine(&verdicts) {
                        RolloutVerdict::InProgress { .. } => {
                            return Ok(Progress::RollingOut(self.deployment(id).await?));
                        }
                        RolloutVerdict::Succeeded => {
                            return self.finish(&deployment, DeploymentState::Succeeded, "").await;
                        }
                        RolloutVerdict::Failed(failure) => {
                            let reason = failure.to_string();
                            if self.settings.deploys.auto_rollback && self.can_roll_back(&deployment) {
                                // Failed but unfinished: the environment stays locked until the rollback is sent.
                                let change = DeploymentMove {
                                    from: deployment.state,
                                    to: DeploymentState::Failed,
                                    task_definitions: &deployment.task_definitions,
                                    reason: Some(&reason),
                                    at: self.ports.clock.now(),
                                    finished_at: None,
                                };
                                store.move_deployment(id, &change).await?;
                            } else {
                                return self.finish(&deployment, DeploymentState::Failed, &reason).await;
                            }
                        }
                    }
                }
                DeploymentState::Failed if deployment.finished_at.is_none() => {
                    for (service, previous) in env.services.iter().zip(&deployment.previous_task_definitions) {
                        ecs.update_service(&env.cluster, service, previous, false).await?;
                    }
                    let back_to: Vec<&str> = deployment.previous_task_definitions.iter().map(|t| t.short()).collect();
                    let reason = format!(
                        "{}; rolled back to {}",
                        deployment.reason.clone().unwrap_or_default(),
                        back_to.join(", ")
                    );
                    return self.finish(&deployment, DeploymentState::RolledBack, &reason).await;
                }
                DeploymentState::Aborted if deployment.finished_at.is_none() => {
                    for (service, previous) in env.services.iter().zip(&deployment.previous_task_definitions) {
                        ecs.update_service(&env.cluster, service, previous, false).await?;
                    }
                    let aborted = deployment.reason.clone().unwrap_or_else(|| "aborted".to_owned());
                    let reason = if deployment.previous_task_definitions.is_empty() {
                        aborted
                    } else {
                        let back_to: Vec<&str> =
                            deployment.previous_task_definitions.iter().map(|t| t.short()).collect();
                        format!("{aborted}; rolled back to {}", back_to.join(", "))
                    };
                    return self.finish(&deployment, DeploymentState::Aborted, &reason).await;
                }
                _ => return Ok(Progress::Finished(deployment)),
            }
        }
    }

    /// `advance_deployment` until the deployment ends, asking ECS every poll interval.
    #[cfg(feature = "runtime")]
    pub async fn drive_deployment(&self, id: DeploymentId) -> Result<Deployment, CoreError> {
        let every = std::time::Duration::from_millis(self.settings.deploys.poll_every_ms);
        loop {
            match self.advance_deployment(id).await? {
                Progress::Finished(deployment) => return Ok(deployment),
                Progress::RollingOut(_) => tokio::time::sleep(every).await,
            }
        }
    }

    /// Stops a deployment: before ECS was touched it simply ends; after, the services are pointed back at what
    /// they ran before and it ends as aborted, saying so. Whoever drives it notices on its next look.
    pub async fn abort_deployment(&self, actor: &Actor, id: DeploymentId) -> Result<Deployment, CoreError> {
        for _ in 0..3 {
            let deployment = self.deployment(id).await?;
            self.ports.policy.authorize(actor, &Action::Deploy { env: &deployment.env })?;
            if deployment.finished_at.is_some() {
                return Err(CoreError::Refused(format!(
                    "deployment {id} has already ended ({})",
                    deployment.state.label().to_lowercase()
                )));
            }
            if matches!(deployment.state, DeploymentState::Failed | DeploymentState::Aborted) {
                return Err(CoreError::Refused(format!("deployment {id} is already being rolled back")));
            }
            let reason = format!("aborted by {}", actor.display_name());
            let now = self.ports.clock.now();
            let untouched = matches!(deployment.state, DeploymentState::Requested | DeploymentState::Checked);
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
            };
            self.ports.store.record_audit(&entry).await?;
            if untouched {
                self.tell_team(format!("{} aborted deployment {id} of {}", actor.display_name(), deployment.env)).await;
                return self.deployment(id).await;
            }
            return match self.advance_deployment(id).await? {
                Progress::Finished(done) | Progress::RollingOut(done) => Ok(done),
            };
        }
        Err(CoreError::Refused(format!("deployment {id} kept changing while it was being aborted; try again")))
    }

    /// Drives every deployment a stop or a crash left unfinished (at start).
    #[cfg(feature = "runtime")]
    pub async fn resume_unfinished_deployments(&self) -> Result<Vec<Deployment>, CoreError> {
        let unfinished: Vec<DeploymentId> = self
            .ports
            .store
            .recent_deployments(&crate::domain::DeploymentFilter::newest(200))
            .await?
            .into_iter()
            .filter(|d| d.finished_at.is_none())
            .map(|d| d.id)
            .collect();
        let mut done = Vec::with_capacity(unfinished.len());
        for id in unfinished {
            done.push(self.drive_deployment(id).await?);
        }
        Ok(done)
    }

    /// tengu's page for a deployment, for links written to GitHub.
    pub fn deployment_link(&self, id: DeploymentId) -> String {
        format!("{}/deployments/{id}", self.settings.public_url.trim_end_matches('/'))
    }

    /// Opens the GitHub Deployment that shows this one on the commit. GitHub being down never stops a deploy.
    async fn mirror_start(&self, deployment: &Deployment) -> Result<(), CoreError> {
        let (Some(sha), None) = (&deployment.sha, deployment.github_deployment) else { return Ok(()) };
        let host = &self.ports.code_host;
        let description = format!("{} by {} via tengu", deployment.image, deployment.actor);
        match host.create_deployment(&deployment.repo, sha, deployment.env.as_str(), &description).await {
            Ok(github) => {
                self.ports.store.record_github_deployment(deployment.id, github).await?;
                self.mirror_status(deployment, github, GithubDeploymentState::InProgress).await;
            }
            Err(error) => tracing::warn!(%error, deployment = %deployment.id, "GitHub's deployment was not opened"),
        }
        Ok(())
    }

    async fn mirror_status(&self, deployment: &Deployment, github: u64, state: GithubDeploymentState) {
        let log_url = self.deployment_link(deployment.id);
        let sent = self.ports.code_host.create_deployment_status(&deployment.repo, github, state, &log_url).await;
        if let Err(error) = sent {
            tracing::warn!(%error, deployment = %deployment.id, "GitHub's deployment status was not updated");
        }
    }

    fn can_roll_back(&self, deployment: &Deployment) -> bool {
        let previous = &deployment.previous_task_definitions;
        !previous.is_empty() && previous != &deployment.task_definitions
    }

    /// Moves the deployment one step on. Losing the race to another writer (an abort, a second driver) is not an
    /// error: the caller reads the deployment again and carries on from where it now stands.
    async fn step(
        &self,
        deployment: &Deployment,
        next: DeploymentState,
        task_definitions: &[TaskDefinitionArn],
    ) -> Result<(), CoreError> {
        let state = deployment.state.advance(next).map_err(|e| CoreError::Refused(e.to_string()))?;
        let change = DeploymentMove {
            from: deployment.state,
            to: state,
            task_definitions,
            reason: deployment.reason.as_deref(),
            at: self.ports.clock.now(),
            finished_at: None,
        };
        if !self.ports.store.move_deployment(deployment.id, &change).await? {
            tracing::info!(deployment = %deployment.id, "the deployment was moved by someone else; reading it again");
        }
        Ok(())
    }

    async fn finish(&self, deployment: &Deployment, end: DeploymentState, reason: &str) -> Result<Progress, CoreError> {
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
        if let Some(github) = deployment.github_deployment {
            let state = if end == DeploymentState::Succeeded {
                GithubDeploymentState::Success
            } else {
                GithubDeploymentState::Failure
            };
            self.mirror_status(deployment, github, state).await;
        }
        let entry = AuditEntry {
            at: now,
            actor: Actor::System.display_name(),
            action: AuditAction::DeploymentFinished,
            target: format!("deployment {}", deployment.id),
            detail: match reason {
                Some(reason) => format!("{}: {reason}", end.label()),
                None => end.label().to_owned(),
            },
        };
        self.ports.store.record_audit(&entry).await?;
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
        self.tell_team(told).await;
        Ok(Progress::Finished(self.deployment(deployment.id).await?))
    }
}

fn deployment_seconds(deployment: &Deployment, now: chrono::DateTime<chrono::Utc>) -> i64 {
    (now - deployment.requested_at).num_seconds().max(0)
}
