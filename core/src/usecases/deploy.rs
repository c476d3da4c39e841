//! Deploying: one function for every trigger (a merge, a button, the CLI), a state machine kept in the database,
//! each step written before its side effect, so a restart picks every unfinished deployment up where it stood.

use chrono::Duration;

use crate::domain::{
    Actor, AuditAction, AuditEntry, CarriedChange, CommitSha, Deployment, DeploymentId, DeploymentMove,
    DeploymentState, EnvName, Environment, Gate, ImageRef, NewDeployment, PrNumber, ServiceHealth, TaskDefinitionArn,
    Trigger,
};
use crate::error::CoreError;
use crate::ports::{Action, DeploymentInsert, GithubDeploymentState, Notice, OrchestratorError};
use crate::rollout_judge::{self, RolloutVerdict};
use crate::tengu::Tengu;
use crate::usecases::review_approval::ReviewApproval;
use crate::usecases::shipment::ImageHandOver;

/// What to put on the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployTarget {
    /// A new image (built by CI from a commit): a new task definition revision per service. A merge names the
    /// deploy PR and its source PRs; any other door names the commit (or the image's tag does), and tengu finds
    /// the deploy PR that carries it. An admin may ship an image whose commit is unknown, saying why.
    Image {
        image: ImageRef,
        sha: Option<CommitSha>,
        source_prs: Vec<PrNumber>,
        deploy_pr: Option<PrNumber>,
        commit_unknown_reason: Option<String>,
    },
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
    /// Waiting for another person's approval: look again after the poll interval.
    AwaitingApproval(Deployment),
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
    /// Records a deployment request, or says why not: the environment is busy (who deploys what since when), the
    /// gate holds, the image's commit is unknown, or the rollback target is not a successful deployment (every
    /// such refusal is in the audit log). Follow it with `drive_deployment`.
    pub async fn request_deployment(&self, actor: &Actor, request: DeployRequest) -> Result<Deployment, CoreError> {
        let env_name = request.env.clone();
        let requested = self.record_deployment_request(actor, request).await;
        if let Err(CoreError::Refused(why)) = &requested
            && let Ok(env) = self.environment(&env_name)
        {
            let about = (env.name.as_str(), Some(&env.repo));
            if let Err(error) = self.audit(actor, AuditAction::Refused, about, format!("deploy: {why}")).await {
                tracing::warn!(%error, "a refused deployment could not be recorded");
            }
        }
        requested
    }

    async fn record_deployment_request(&self, actor: &Actor, request: DeployRequest) -> Result<Deployment, CoreError> {
        let env = self.environment(&request.env)?;
        let action = match request.target {
            DeployTarget::Redeploy => Action::Redeploy { env },
            DeployTarget::RollbackTo(_) => Action::Rollback { env },
            DeployTarget::Image { .. } | DeployTarget::Commit(_) => Action::Deploy { env },
        };
        self.authorize(actor, &action).await?;
        // A rollback's task definitions are known now; recording them with the request makes the step repeatable.
        let mut deploy_pr = None;
        let mut rollback_to: Vec<TaskDefinitionArn> = Vec::new();
        // What it carries, for the history's search: a redeploy or a rollback carries again what the deployment it
        // repeats carried.
        let mut commit_unknown_because = None;
        let (image, sha, source_prs, carried) = match &request.target {
            DeployTarget::Image { image, sha, source_prs, deploy_pr: Some(shipping), .. } => {
                deploy_pr = Some(*shipping);
                let carried = self.carried_by(env, Some(*shipping), source_prs, sha.as_ref()).await?;
                (image.clone(), sha.clone(), source_prs.clone(), carried)
            }
            DeployTarget::Image { image, sha, deploy_pr: None, commit_unknown_reason, .. } => {
                let handed =
                    ImageHandOver { image, sha: sha.as_ref(), commit_unknown_reason: commit_unknown_reason.as_deref() };
                let shipment = self.shipment_of_image(actor, env, handed).await?;
                deploy_pr = shipment.deploy_pr;
                commit_unknown_because = shipment.commit_unknown_because;
                (shipment.image, shipment.sha, shipment.source_prs, shipment.carried)
            }
            DeployTarget::Commit(sha) => {
                let image = env.image_for(sha).map_err(CoreError::Refused)?;
                let shipment = self.shipment_of_commit(env, image, sha.clone()).await?;
                deploy_pr = shipment.deploy_pr;
                (shipment.image, shipment.sha, shipment.source_prs, shipment.carried)
            }
            DeployTarget::Redeploy => {
                let (_, good) = self.ports.store.latest_deployments(&env.name).await?;
                let good = good.ok_or_else(|| {
                    CoreError::Refused(format!("{} has no successful deployment to redeploy", env.name))
                })?;
                let carried = self.ports.store.carried_changes(good.id).await?;
                (good.image, good.sha, Vec::new(), carried)
            }
            DeployTarget::RollbackTo(id) => {
                let target = self.rollback_target(env, *id).await?;
                rollback_to = target.task_definitions;
                let carried = self.ports.store.carried_changes(target.id).await?;
                (target.image, target.sha, Vec::new(), carried)
            }
        };
        if matches!(request.target, DeployTarget::Image { .. } | DeployTarget::Commit(_))
            && request.trigger != Trigger::Merge
        {
            self.refuse_unverified(env, sha.as_ref()).await?;
        }
        let needs_approval = env.approvals_required > 0;
        // A merged deploy PR may carry the second person's approval already, as a GitHub review that counts.
        let reviewed = match (needs_approval, deploy_pr) {
            (true, Some(number)) => Some(self.review_approval(env, actor, number).await?),
            _ => None,
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
            deploy_pr,
            carried,
            // A key names one request of one person on one environment: the same key from someone else, or for
            // another environment, is another request (and learns nothing of the first).
            idempotency_key: request
                .idempotency_key
                .as_ref()
                .map(|key| format!("{}|{}|{key}", env.name, actor.display_name())),
            needs_approval,
            note: reviewed.as_ref().and_then(ReviewApproval::note),
        };
        let id = match self.ports.store.insert_deployment(&new).await? {
            DeploymentInsert::Started(id) => id,
            DeploymentInsert::AlreadyRequested(id) => return self.deployment(id).await,
            DeploymentInsert::Locked(holder) => {
                return Err(CoreError::Busy(format!(
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
            repo: Some(env.repo.clone()),
        };
        self.ports.store.record_audit(&entry).await?;
        if let Some(reason) = commit_unknown_because {
            let detail = format!("{} ships with its commit unknown: {reason}", new.image);
            let about = (format!("deployment {id}"), Some(&env.repo));
            self.audit(actor, AuditAction::GateOverridden, (&about.0, about.1), detail).await?;
        }
        if new.needs_approval {
            return self.ask_for_approval(id, env, &new, reviewed).await;
        }
        self.tell_team(
            &env.name,
            format!("{} started deploying {} to {} (deployment {id})", new.actor, new.image, env.name),
        )
        .await;
        self.deployment(id).await
    }

    /// A merged deploy PR that another person approved on GitHub by a review that counts is approved by that
    /// review; anything else waits for a second person in the dashboard, and the team hears so. A review that did
    /// not count is recorded as the refusal it is.
    async fn ask_for_approval(
        &self,
        id: DeploymentId,
        env: &Environment,
        new: &NewDeployment,
        reviewed: Option<ReviewApproval>,
    ) -> Result<Deployment, CoreError> {
        let target = format!("deployment {id}");
        if let Some(note) = reviewed.as_ref().and_then(ReviewApproval::note) {
            self.audit(&Actor::System, AuditAction::Refused, (&target, Some(&env.repo)), note).await?;
        }
        if let (Some(ReviewApproval::By(reviewer)), Some(deploy_pr)) = (reviewed, new.deploy_pr) {
            let by = format!("{reviewer} (GitHub review of {}{deploy_pr})", env.repo);
            if self.ports.store.approve_deployment(id, &by, self.ports.clock.now()).await? {
                let detail = format!("{} to {} asked by {}, by a GitHub review", new.image, env.name, new.actor);
                let reviewer = Actor::Person(reviewer);
                self.audit(&reviewer, AuditAction::DeploymentApproved, (&target, Some(&env.repo)), detail).await?;
                let told = format!(
                    "{} started deploying {} to {} (deployment {id}), approved by {by}",
                    new.actor, new.image, env.name
                );
                self.tell_team(&env.name, told).await;
                return self.deployment(id).await;
            }
        }
        self.tell_team(
            &env.name,
            format!(
                "{} asks to deploy {} to {} (deployment {id}); another deployer must approve it within {} minutes: {}",
                new.actor,
                new.image,
                env.name,
                self.settings.deploys.approval_ttl_minutes,
                self.deployment_link(id)
            ),
        )
        .await;
        self.deployment(id).await
    }

    /// Slack (or the log) hears of starts and ends; a channel that is down never stops a deploy.
    pub(crate) async fn tell_team(&self, env: &crate::domain::EnvName, text: String) {
        if let Err(error) = self.ports.notifier.notify(&Notice::about(env, text)).await {
            tracing::warn!(%error, "the team channel did not take the deployment notice");
        }
    }

    /// New code waits for its verification: while the environment's open deploy PR has unticked items (and no
    /// override with a reason), a button or the CLI does not ship a new image; nor the merge commit (or head) of
    /// a deploy PR that was merged unverified. Redeploy and rollback put back what already ran, and a merge was
    /// checked against the gate by the webhook.
    async fn refuse_unverified(&self, env: &Environment, sha: Option<&CommitSha>) -> Result<(), CoreError> {
        let mut holding = self.ports.store.open_deploy_prs().await?;
        holding.retain(|pr| pr.env == env.name);
        if let Some(sha) = sha {
            holding.extend(self.ports.store.merged_deploy_prs_carrying(&env.name, sha).await?);
        }
        for pr in &holding {
            if let Gate::Waiting { verified, total, waiting_for } = Gate::of(pr) {
                let people: Vec<String> = waiting_for.iter().map(|l| format!("@{l}")).collect();
                let which = if pr.state == crate::domain::PrState::Merged { "merged deploy PR" } else { "deploy PR" };
                return Err(CoreError::Refused(format!(
                    "{} has unverified changes: {which} {}{} has {verified} of {total} verified (waiting for {}); \
                     tick them or override the gate with a reason first",
                    env.name,
                    pr.repo,
                    pr.number,
                    people.join(", ")
                )));
            }
        }
        Ok(())
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

    /// What a new image carries: the source PRs its deploy PR lists (those named, or all of them) with their commits
    /// and the direct commits, as tengu recorded them; without a deploy PR, the PRs named and the commit.
    async fn carried_by(
        &self,
        env: &Environment,
        deploy_pr: Option<PrNumber>,
        source_prs: &[PrNumber],
        sha: Option<&CommitSha>,
    ) -> Result<Vec<CarriedChange>, CoreError> {
        let recorded = match deploy_pr {
            Some(number) => self.ports.store.deploy_pr(&env.repo, number).await?,
            None => None,
        };
        let Some(recorded) = recorded else {
            let mut carried: Vec<CarriedChange> =
                source_prs.iter().map(|n| CarriedChange::pull_request(*n, None)).collect();
            carried.extend(CarriedChange::all_of(&[], &[], sha));
            return Ok(carried);
        };
        let shipped: Vec<_> = recorded
            .items
            .iter()
            .map(|item| &item.source)
            .filter(|pr| source_prs.is_empty() || source_prs.contains(&pr.number))
            .collect();
        Ok(CarriedChange::all_of(&shipped, &recorded.direct_commits, sha))
    }

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
            let store = &self.ports.store;
            let ecs = &self.ports.orchestrator;
            match deployment.state {
                DeploymentState::AwaitingApproval if deployment.finished_at.is_none() => {
                    if !self.approval_expired(&deployment) {
                        return Ok(Progress::AwaitingApproval(deployment));
                    }
                    match self.expire(&deployment).await {
                        Ok(()) | Err(CoreError::Refused(_)) => {}
                        Err(other) => return Err(other),
                    }
                }
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
                    if !self.step(&deployment, DeploymentState::ServiceUpdated, &deployment.task_definitions).await? {
                        self.undo_late_update(id, &env).await?;
                    }
                }
                DeploymentState::ServiceUpdated => {
                    self.mirror_start(&deployment).await?;
                    self.step(&deployment, DeploymentState::RollingOut, &deployment.task_definitions).await?;
                }
                DeploymentState::RollingOut => {
                    let snapshots = ecs.describe_services(&env.cluster, &env.services).await?;
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
                DeploymentState::Failed | DeploymentState::Aborted if deployment.finished_at.is_none() => {
                    let why = deployment.reason.clone().unwrap_or_else(|| "aborted".to_owned());
                    let back = self.put_services_back(&env, &deployment).await?;
                    let (end, reason) = match (deployment.state, back.refused.is_empty()) {
                        (DeploymentState::Aborted, true) => (DeploymentState::Aborted, back.said(&why)),
                        (_, true) => (DeploymentState::RolledBack, back.said(&why)),
                        // Some service could not be put back: the truth is a failure, and which one.
                        (_, false) => (DeploymentState::Failed, back.said(&why)),
                    };
                    return self.finish(&deployment, end, &reason).await;
                }
                _ => return Ok(Progress::Finished(deployment)),
            }
        }
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
        match host.create_deployment(&deployment.repo, sha, deployment.env.as_str(), &description, false).await {
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
        let environment_url = self.environment(&deployment.env).ok().and_then(|env| env.url.clone());
        let host = &self.ports.code_host;
        let sent =
            host.create_deployment_status(&deployment.repo, github, state, &log_url, environment_url.as_deref()).await;
        if let Err(error) = sent {
            tracing::warn!(%error, deployment = %deployment.id, "GitHub's deployment status was not updated");
        }
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
        if let Some(github) = deployment.github_deployment {
            let state = match end {
                DeploymentState::Succeeded => GithubDeploymentState::Success,
                // Stopped on purpose: not a failure of the code, and no longer what the environment runs.
                DeploymentState::Aborted => GithubDeploymentState::Inactive,
                _ => GithubDeploymentState::Failure,
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
            repo: Some(deployment.repo.clone()),
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
        self.tell_team(&deployment.env, told).await;
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
