//! What a deploy, a redeploy or a rollback would change on each service before anything is sent to ECS: the task
//! definition each service runs now against the one it would run (ecspresso's `diff`), the service settings it
//! leaves as they are, and whether what it needs exists (the image, the roles and log groups it names; ecspresso's
//! `verify`). It only reads.

use crate::domain::{
    EnvName, FieldChange, Prerequisites, ServiceName, ServiceSettings, TaskDefinitionArn, TaskDefinitionDoc, Viewer,
};
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
    /// The service's settings, which stay as they are (when the orchestrator says).
    pub settings: Option<ServiceSettings>,
}

impl ServiceDifference {
    /// `web: web:7 → a new revision of web`, the service's settings, then one line per change (or that nothing but
    /// a restart happens).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{}: {} → {}", self.service, self.now.short(), self.next_label())];
        if let Some(settings) = &self.settings {
            lines.push(format!("  service (unchanged): {}", settings.sentence()));
        }
        if self.changes.is_empty() {
            lines.push("  nothing changes but a restart of its tasks".to_owned());
        }
        lines.extend(self.changes.iter().map(|change| format!("  {}", change.line())));
        lines
    }

    /// `a new revision of web`, or the revision it would run.
    pub fn next_label(&self) -> String {
        match &self.next {
            None => format!("a new revision of {}", self.now.family()),
            Some(next) => next.short().to_owned(),
        }
    }
}

/// What a deploy would change, service by service, and what would stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployDifference {
    pub services: Vec<ServiceDifference>,
    /// What the registry or the account lacks (a missing image, role or log group), as one sentence: the deploy
    /// would fail before its first change on ECS.
    pub missing: Option<String>,
    /// Why asking for it would be refused now, for this person: their role, a lock, a freeze, the gate.
    pub refusals: Vec<Refusal>,
}

/// One reason a deploy would be refused when asked for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Refusal {
    pub sentence: String,
    /// An admin may pass it with a written reason (a lock, a freeze).
    pub overridable: bool,
}

impl DeployDifference {
    /// Every service's lines, then what would stop it, or that nothing would.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.services.iter().flat_map(ServiceDifference::lines).collect();
        lines.extend(self.refusals.iter().map(|refusal| format!("would be refused: {}", refusal.sentence)));
        lines.extend(self.missing.iter().map(|missing| format!("would fail before changing ECS: {missing}")));
        if self.is_ready() {
            lines.push("ready: the image, the roles and the log groups it names exist".to_owned());
        }
        lines
    }

    /// Nothing would stop it.
    pub fn is_ready(&self) -> bool {
        self.missing.is_none() && self.refusals.is_empty()
    }
}

impl Tengu {
    /// What deploying `target` to `env` would change on each of its services (for whoever may see `env`).
    pub async fn deploy_difference(
        &self,
        viewer: &Viewer,
        env: &EnvName,
        target: &DeployTarget,
    ) -> Result<DeployDifference, CoreError> {
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
        let snapshots = ecs.describe_services(&env.cluster, &env.services).await?;
        let mut services = Vec::with_capacity(env.services.len());
        let mut needed = Prerequisites::default();
        for (at, service) in env.services.iter().enumerate() {
            let snapshot = snapshots.iter().find(|s| &s.service == service);
            let now = match snapshot.and_then(|s| s.primary()) {
                Some(primary) => primary.task_definition.clone(),
                None => ecs.service_task_definition(&env.cluster, service).await?,
            };
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
            needed.extend(Prerequisites::of(&would_run));
            services.push(self::service_difference(service, now, next, &running, &would_run, snapshot));
        }
        let mut missing = Vec::new();
        if let Some(image) = image.filter(|_| back_to.is_none())
            && !ecs.image_exists(&image).await?
        {
            missing.push(format!("image {image} not found in the registry — did CI push it?"));
        }
        missing.extend(self.missing_of(&needed).await?);
        let refusals = self.refusals_of(viewer, &env, target).await?;
        Ok(DeployDifference { services, missing: (!missing.is_empty()).then(|| missing.join("; ")), refusals })
    }

    /// What asking for `target` would be refused for now, read without recording anything: the viewer's role, a
    /// lock that is not theirs, a freeze, and for new code the deploy PR's gate.
    async fn refusals_of(
        &self,
        viewer: &Viewer,
        env: &crate::domain::Environment,
        target: &DeployTarget,
    ) -> Result<Vec<Refusal>, CoreError> {
        let mut refusals: Vec<Refusal> = self
            .would_refuse(viewer, &target.action(env))
            .map(|sentence| Refusal { sentence, overridable: false })
            .into_iter()
            .collect();
        let (locked, frozen) = (
            self.refuse_locked(&viewer.actor, env, None).await.map(drop),
            self.refuse_frozen(&viewer.actor, env, None).await.map(drop),
        );
        for stop in [locked, frozen] {
            refusals.extend(refused(stop)?.map(|sentence| Refusal { sentence, overridable: true }));
        }
        let shipping = match target {
            DeployTarget::Commit(sha) => Some(Some(sha)),
            DeployTarget::Image { sha, .. } => Some(sha.as_ref()),
            DeployTarget::Redeploy | DeployTarget::RollbackTo(_) => None,
        };
        if let Some(sha) = shipping {
            let gate = self.refuse_unverified(env, sha).await;
            refusals.extend(refused(gate)?.map(|sentence| Refusal { sentence, overridable: false }));
        }
        Ok(refusals)
    }
}

/// A refusal's sentence; any other error as it is.
fn refused(result: Result<(), CoreError>) -> Result<Option<String>, CoreError> {
    match result {
        Ok(()) => Ok(None),
        Err(CoreError::Refused(sentence)) => Ok(Some(sentence)),
        Err(other) => Err(other),
    }
}

fn service_difference(
    service: &ServiceName,
    now: TaskDefinitionArn,
    next: Option<TaskDefinitionArn>,
    running: &TaskDefinitionDoc,
    would_run: &TaskDefinitionDoc,
    snapshot: Option<&crate::domain::RolloutSnapshot>,
) -> ServiceDifference {
    ServiceDifference {
        service: service.clone(),
        changes: running.difference(would_run),
        settings: snapshot.and_then(|s| s.settings.clone()),
        now,
        next,
    }
}
