//! Requesting a deployment: one act for every door (a merge, a button, the API, the CLI, Slack). It checks the
//! rule table, a lock someone set (`locks.rs`), a freeze window (`freezes.rs`), the gate and the environment's lock (one deployment at a time),
//! records the request with what it carries, and asks for a second person's approval when the environment needs
//! one.

use crate::domain::{
    Actor, AuditAction, AuditEntry, CarriedChange, CommitSha, Deployment, DeploymentId, DeploymentState, EnvName,
    Environment, Gate, ImageRef, NewDeployment, PrNumber, TaskDefinitionArn, Trigger,
};
use crate::error::CoreError;
use crate::ports::{Action, DeploymentInsert, Notice};
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

impl DeployTarget {
    /// What asking for it is, as the rule table knows it.
    pub(crate) fn action<'a>(&self, env: &'a Environment) -> Action<'a> {
        match self {
            DeployTarget::Redeploy => Action::Redeploy { env },
            DeployTarget::RollbackTo(_) => Action::Rollback { env },
            DeployTarget::Image { .. } | DeployTarget::Commit(_) => Action::Deploy { env },
        }
    }
}

/// What a request resolved to: the image, its commit, what it carries and what it came through.
struct Resolved {
    image: ImageRef,
    sha: Option<CommitSha>,
    source_prs: Vec<PrNumber>,
    carried: Vec<CarriedChange>,
    deploy_pr: Option<PrNumber>,
    rollback_to: Vec<TaskDefinitionArn>,
    commit_unknown_because: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployRequest {
    pub env: EnvName,
    pub target: DeployTarget,
    pub trigger: Trigger,
    /// The same key asks for the same deployment (a double click, a retried request).
    pub idempotency_key: Option<String>,
    /// An admin's written reasons to deploy through what stops the line (recorded).
    pub overrides: StopOverrides,
}

/// An admin's written reasons to deploy through what stops the line; none: it refuses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopOverrides {
    /// Through someone else's lock.
    pub lock: Option<String>,
    /// During a freeze window.
    pub freeze: Option<String>,
}

/// An override's reason as it counts: trimmed, and at least three characters (a shorter one is no reason).
pub(crate) fn written_reason(reason: Option<&str>) -> Option<&str> {
    reason.map(str::trim).filter(|reason| reason.chars().count() >= 3)
}

impl StopOverrides {
    /// One reason for whatever stops the line (a door that asks once: a form, a chat command); blank is none.
    pub fn both(reason: Option<String>) -> Self {
        let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        Self { lock: reason.clone(), freeze: reason }
    }
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
        self.authorize(actor, &request.target.action(env)).await?;
        let through_lock = self.refuse_locked(actor, env, request.overrides.lock.as_deref()).await?;
        let through_freeze = self.refuse_frozen(actor, env, request.overrides.freeze.as_deref()).await?;
        let resolved = self.resolve_target(actor, env, &request.target).await?;
        if matches!(request.target, DeployTarget::Image { .. } | DeployTarget::Commit(_))
            && request.trigger != Trigger::Merge
        {
            self.refuse_unverified(env, resolved.sha.as_ref()).await?;
        }
        let needs_approval = env.approvals_required > 0;
        // A merged deploy PR may carry the second person's approval already, as a GitHub review that counts.
        let reviewed = match (needs_approval, resolved.deploy_pr) {
            (true, Some(number)) => Some(self.review_approval(env, actor, number).await?),
            _ => None,
        };
        let commit_unknown_because = resolved.commit_unknown_because.clone();
        let new = NewDeployment {
            env: env.name.clone(),
            repo: env.repo.clone(),
            image: resolved.image,
            sha: resolved.sha,
            trigger: request.trigger,
            actor: actor.display_name(),
            source_prs: resolved.source_prs,
            requested_at: self.ports.clock.now(),
            task_definitions: resolved.rollback_to,
            deploy_pr: resolved.deploy_pr,
            carried: resolved.carried,
            // A key names one request of one person on one environment: the same key from someone else, or for
            // another environment, is another request (and learns nothing of the first).
            idempotency_key: request
                .idempotency_key
                .as_ref()
                .map(|key| format!("{}|{}|{key}", env.name, actor.display_name())),
            needs_approval,
            note: reviewed.as_ref().and_then(ReviewApproval::note),
        };
        let id = match self.start_deployment(env, &new).await? {
            Ok(id) => id,
            Err(requested_before) => return Ok(requested_before),
        };
        self.audit_request(actor, env, id, &new, commit_unknown_because).await?;
        if let Some(pass) = &through_lock {
            self.audit_through_lock(actor, env, id, pass).await?;
        }
        if let Some(pass) = &through_freeze {
            self.audit_through_freeze(actor, env, id, pass).await?;
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

    /// What the target is in images, commits and changes carried. A rollback's task definitions are known now:
    /// recording them with the request makes the step repeatable. A redeploy or a rollback carries again what the
    /// deployment it repeats carried (for the history's search).
    async fn resolve_target(
        &self,
        actor: &Actor,
        env: &Environment,
        target: &DeployTarget,
    ) -> Result<Resolved, CoreError> {
        let plain = |image, sha, carried| Resolved {
            image,
            sha,
            carried,
            source_prs: Vec::new(),
            deploy_pr: None,
            rollback_to: Vec::new(),
            commit_unknown_because: None,
        };
        Ok(match target {
            DeployTarget::Image { image, sha, source_prs, deploy_pr: Some(shipping), .. } => {
                let carried = self.carried_by(env, Some(*shipping), source_prs, sha.as_ref()).await?;
                let source_prs = source_prs.clone();
                Resolved { source_prs, deploy_pr: Some(*shipping), ..plain(image.clone(), sha.clone(), carried) }
            }
            DeployTarget::Image { image, sha, deploy_pr: None, commit_unknown_reason, .. } => {
                let handed =
                    ImageHandOver { image, sha: sha.as_ref(), commit_unknown_reason: commit_unknown_reason.as_deref() };
                let shipment = self.shipment_of_image(actor, env, handed).await?;
                Resolved {
                    source_prs: shipment.source_prs,
                    deploy_pr: shipment.deploy_pr,
                    commit_unknown_because: shipment.commit_unknown_because,
                    ..plain(shipment.image, shipment.sha, shipment.carried)
                }
            }
            DeployTarget::Commit(sha) => {
                let image = env.image_for(sha).map_err(CoreError::Refused)?;
                let shipment = self.shipment_of_commit(env, image, sha.clone()).await?;
                Resolved {
                    source_prs: shipment.source_prs,
                    deploy_pr: shipment.deploy_pr,
                    ..plain(shipment.image, shipment.sha, shipment.carried)
                }
            }
            DeployTarget::Redeploy => {
                let (_, good) = self.ports.store.latest_deployments(&env.name).await?;
                let good = good.ok_or_else(|| {
                    CoreError::Refused(format!("{} has no successful deployment to redeploy", env.name))
                })?;
                let carried = self.ports.store.carried_changes(good.id).await?;
                plain(good.image, good.sha, carried)
            }
            DeployTarget::RollbackTo(id) => {
                let target = self.rollback_target(env, *id).await?;
                let carried = self.ports.store.carried_changes(target.id).await?;
                Resolved { rollback_to: target.task_definitions, ..plain(target.image, target.sha, carried) }
            }
        })
    }

    /// The new deployment's id, or the one the same key started before; refused while the environment is busy.
    async fn start_deployment(
        &self,
        env: &Environment,
        new: &NewDeployment,
    ) -> Result<Result<DeploymentId, Deployment>, CoreError> {
        match self.ports.store.insert_deployment(new).await? {
            DeploymentInsert::Started(id) => Ok(Ok(id)),
            DeploymentInsert::AlreadyRequested(id) => Ok(Err(self.deployment(id).await?)),
            DeploymentInsert::Locked(holder) => Err(CoreError::Busy(format!(
                "{} is busy: {} is deploying {} (deployment {}, {} since {})",
                env.name,
                holder.actor,
                holder.image,
                holder.id,
                holder.state.label().to_lowercase(),
                holder.requested_at.format("%Y-%m-%d %H:%M UTC")
            ))),
        }
    }

    /// The request in the audit log, and an image shipped with its commit unknown as the override it is.
    async fn audit_request(
        &self,
        actor: &Actor,
        env: &Environment,
        id: DeploymentId,
        new: &NewDeployment,
        commit_unknown_because: Option<String>,
    ) -> Result<(), CoreError> {
        let entry = AuditEntry {
            at: new.requested_at,
            actor: new.actor.clone(),
            action: AuditAction::DeploymentRequested,
            target: format!("deployment {id}"),
            detail: format!("{} to {} ({})", new.image, env.name, new.trigger.as_str()),
            repo: Some(env.repo.clone()),
        };
        self.ports.store.record_audit(&entry).await?;
        if let Some(reason) = commit_unknown_because {
            let detail = format!("{} ships with its commit unknown: {reason}", new.image);
            let about = (format!("deployment {id}"), Some(&env.repo));
            self.audit(actor, AuditAction::GateOverridden, (&about.0, about.1), detail).await?;
        }
        Ok(())
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
    pub(crate) async fn refuse_unverified(&self, env: &Environment, sha: Option<&CommitSha>) -> Result<(), CoreError> {
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

    pub(crate) async fn rollback_target(&self, env: &Environment, id: DeploymentId) -> Result<Deployment, CoreError> {
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
}
