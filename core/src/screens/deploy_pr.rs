//! A deploy PR's page: its checklist, its history and the deployments that shipped it.

use crate::domain::{PrNumber, RepoSlug, Viewer};
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::usecases::no_deploy_pr;

/// How many entries of a deploy PR's history its page shows.
const DEPLOY_PR_HISTORY: u32 = 100;
/// How many of the deployments that shipped a deploy PR its page lists (a retry after a failure is one more).
const DEPLOY_PR_DEPLOYMENTS: u32 = 20;

impl Tengu {
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
}
