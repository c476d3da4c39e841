//! The home page: every environment, open deploy PR, recent deployment, live review environment and activity the
//! viewer may see, cut from the overview's read model (no call to GitHub or ECS).

use crate::domain::{AuditEntry, EnvironmentLock, Viewer};
use crate::error::CoreError;
use crate::read_models::RECENT_ACTIVITY;
use crate::tengu::Tengu;
use crate::views::{
    ActivityLine, DeployPrCard, DeploymentRow, EnvironmentCard, HealthView, HomeView, ReviewEnvBrief, RunningBrief,
};

impl Tengu {
    /// Everything the home page shows, cut from the overview's read model (no call to GitHub or ECS).
    /// Shows only what the viewer's permissions let them see.
    pub async fn home(&self, viewer: &Viewer) -> Result<HomeView, CoreError> {
        let overview = self.overview().await?;
        let locks = self.recorded_locks().await?;
        let now = self.ports.clock.now();
        let mut environments = Vec::with_capacity(self.settings.environments.len());
        for (env, (last, current)) in self.settings.environments.iter().zip(&overview.environments) {
            if !viewer.can_see(&env.repo) {
                continue;
            }
            environments.push(EnvironmentCard {
                name: env.name.clone(),
                repo: env.repo.clone(),
                cluster: env.cluster.clone(),
                services: env.services.clone(),
                current: current.as_ref().map(RunningBrief::from),
                last: last.as_ref().map(DeploymentRow::from),
                refresh_refusal: self.would_refuse(viewer, &crate::ports::Action::RefreshDeployPr { env }),
                health: HealthView::of(&env.services, &overview.health_of(&env.name), now),
                locked: EnvironmentLock::holding(&locks, &env.name, now).map(EnvironmentLock::sentence),
                frozen: self.freeze_of(&env.name).map(|freeze| freeze.notice()),
            });
        }
        let deploy_prs =
            overview.open_deploy_prs.iter().filter(|p| viewer.can_see(&p.repo)).map(DeployPrCard::from).collect();
        let recent_deployments =
            overview.recent_deployments.iter().filter(|d| viewer.can_see(&d.repo)).map(DeploymentRow::from).collect();
        let review_envs =
            overview.live_review_envs.iter().filter(|e| viewer.can_see(&e.repo)).map(ReviewEnvBrief::from).collect();
        let activity = self.visible_activity(viewer, &overview.activity);
        let activity = activity.take(RECENT_ACTIVITY as usize).map(ActivityLine::from).collect();
        // A waiting deployment holds its environment's lock, so it is that environment's newest: no query needed.
        let awaiting_approval = environments
            .iter()
            .filter_map(|card| card.last.clone())
            .filter(|d| d.state == crate::domain::DeploymentState::AwaitingApproval && d.open)
            .collect();
        Ok(HomeView { environments, deploy_prs, recent_deployments, review_envs, activity, awaiting_approval })
    }

    /// Entries about a repository the viewer may see, and their own entries about no repository (sign-ins,
    /// tokens); everyone else's sign-ins and tokens are theirs.
    fn visible_activity<'a>(
        &self,
        viewer: &'a Viewer,
        entries: &'a [AuditEntry],
    ) -> impl Iterator<Item = &'a AuditEntry> + 'a {
        let me = viewer.actor.display_name();
        let mine = move |actor: &str| {
            actor == me || viewer.actor.login().is_some_and(|l| actor.starts_with(&format!("{l} (token #")))
        };
        entries.iter().filter(move |e| match &e.repo {
            Some(repo) => viewer.can_see(repo),
            None => viewer.actor.is_trusted() || mine(&e.actor),
        })
    }
}
