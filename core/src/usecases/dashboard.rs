use crate::domain::{AuditEntry, DeployPr, PrNumber, RepoSlug, Viewer};
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

    /// A deploy PR, for someone who may see its repository; to anyone else it does not exist.
    pub async fn visible_deploy_pr(
        &self,
        viewer: &Viewer,
        repo: &RepoSlug,
        number: PrNumber,
    ) -> Result<DeployPr, CoreError> {
        if !viewer.can_see(repo) {
            return Err(no_deploy_pr(repo, number));
        }
        self.deploy_pr(repo, number).await
    }

    /// The deploy PR page: the PR and, from the viewer's last known permission, what they may not do on it.
    pub async fn deploy_pr_view(
        &self,
        viewer: &Viewer,
        repo: &RepoSlug,
        number: PrNumber,
    ) -> Result<crate::views::DeployPrView, CoreError> {
        use crate::ports::Action;
        let found = match viewer.can_see(repo) {
            true => self.ports.store.deploy_pr_with_history(repo, number, DEPLOY_PR_HISTORY).await?,
            false => None,
        };
        let (pr, history) = found.ok_or_else(|| no_deploy_pr(repo, number))?;
        let tick_refusal = |item: &crate::domain::ChecklistItem| {
            let action =
                Action::Verify { repo, deploy_pr: number, item: item.source.number, author: &item.source.author };
            self.would_refuse(viewer, &action)
        };
        let override_refusal = self.would_refuse(viewer, &Action::OverrideGate { repo, deploy_pr: number });
        let shipped_by = crate::domain::DeploymentFilter {
            repo: Some(repo.clone()),
            deploy_pr: Some(number),
            ..crate::domain::DeploymentFilter::newest(DEPLOY_PR_DEPLOYMENTS)
        };
        let deployments = self.ports.store.recent_deployments(&shipped_by).await?;
        Ok(crate::views::DeployPrView::of(&pr, &history, &deployments, tick_refusal, override_refusal))
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

    pub async fn deploy_pr(&self, repo: &RepoSlug, number: PrNumber) -> Result<DeployPr, CoreError> {
        self.ports.store.deploy_pr(repo, number).await?.ok_or_else(|| no_deploy_pr(repo, number))
    }
}

/// A deploy PR that is not stored, or that the viewer may not see (to them it does not exist).
fn no_deploy_pr(repo: &RepoSlug, number: PrNumber) -> CoreError {
    CoreError::NotFound(format!("deploy PR {repo}{number}"))
}

/// How many entries of a deploy PR's history its page shows.
const DEPLOY_PR_HISTORY: u32 = 100;
/// How many of the deployments that shipped a deploy PR its page lists (a retry after a failure is one more).
const DEPLOY_PR_DEPLOYMENTS: u32 = 20;

/// The longest page of the audit log one request reads.
const AUDIT_PAGE_MAX: u32 = 100;

impl Tengu {
    /// The audit page: entries about repositories the viewer may see (and their own sign-ins and tokens),
    /// filtered, newest first.
    pub async fn audit_page(
        &self,
        viewer: &Viewer,
        filter: &crate::domain::AuditFilter,
    ) -> Result<Vec<crate::domain::AuditRow>, CoreError> {
        let filter = crate::domain::AuditFilter { limit: filter.limit.clamp(1, AUDIT_PAGE_MAX), ..filter.clone() };
        if viewer.actor.is_trusted() {
            return Ok(self.ports.store.audit_entries(&filter, None, None).await?);
        }
        let visible: Vec<RepoSlug> = self.repositories().into_iter().filter(|r| viewer.can_see(r)).collect();
        let me = viewer.actor.login().map(|l| l.to_string());
        Ok(self.ports.store.audit_entries(&filter, Some(&visible), me.as_deref()).await?)
    }
}
