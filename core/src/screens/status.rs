//! What runs where, what is on its way and what waits: the answer to `tengu status` and `/tengu status`, read from
//! tengu's records (no call to GitHub or ECS).

use crate::domain::{EnvName, EnvironmentLock, Gate, Viewer};
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::views::{DeployPrBrief, DeploymentBrief, EnvironmentStatus};

impl Tengu {
    /// Every environment the viewer may see (or just `only`), with what it runs, what deploys to it now and its
    /// open deploy PR's gate.
    pub async fn status(&self, viewer: &Viewer, only: Option<&EnvName>) -> Result<Vec<EnvironmentStatus>, CoreError> {
        if let Some(name) = only
            && self.settings.environment(name).is_none_or(|env| !viewer.can_see(&env.repo))
        {
            return Err(CoreError::NotFound(format!("environment {name}")));
        }
        let open = self.ports.store.open_deploy_prs().await?;
        let (now, locks) = (self.ports.clock.now(), self.recorded_locks().await?);
        let mut found = Vec::new();
        for env in &self.settings.environments {
            if only.is_some_and(|name| name != &env.name) || !viewer.can_see(&env.repo) {
                continue;
            }
            let (last, running) = self.ports.store.latest_deployments(&env.name).await?;
            let deploy_pr = open.iter().find(|pr| pr.env == env.name).map(|pr| {
                let waiting_for = match Gate::of(pr) {
                    Gate::Waiting { waiting_for, .. } => waiting_for.iter().map(ToString::to_string).collect(),
                    _ => Vec::new(),
                };
                DeployPrBrief {
                    number: pr.number.get(),
                    url: pr.url.clone(),
                    verified: pr.verified_count(),
                    total: pr.items.len(),
                    waiting_for,
                    overridden: pr.gate_override.is_some(),
                }
            });
            found.push(EnvironmentStatus {
                env: env.name.to_string(),
                repo: env.repo.to_string(),
                running: running.as_ref().map(DeploymentBrief::from),
                in_progress: last.filter(|d| d.finished_at.is_none()).as_ref().map(DeploymentBrief::from),
                deploy_pr,
                url: format!("{}/environments/{}", self.settings.public_url.trim_end_matches('/'), env.name),
                locked: EnvironmentLock::holding(&locks, &env.name, now).map(EnvironmentLock::sentence),
                frozen: self.freeze_of(&env.name).map(|freeze| freeze.notice()),
            });
        }
        Ok(found)
    }
}
