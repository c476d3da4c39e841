//! A deployment's page, with what it shipped (tengu's records, no call to GitHub or ECS).

use crate::domain::{DeploymentId, DeploymentState};
use crate::error::CoreError;
use crate::tengu::Tengu;

impl Tengu {
    /// The deployment with what it shipped, read from its deploy PR (tengu's records, no call to GitHub).
    pub async fn deployment_view(
        &self,
        viewer: &crate::domain::Viewer,
        id: DeploymentId,
    ) -> Result<crate::views::DeploymentView, CoreError> {
        let deployment = self.visible_deployment(viewer, id).await?;
        let mut shipped = Vec::new();
        if let Some(number) = deployment.deploy_pr
            && let Some(pr) = self.ports.store.deploy_pr(&deployment.repo, number).await?
        {
            shipped = pr.items.into_iter().filter(|i| deployment.source_prs.contains(&i.source.number)).collect();
        }
        // What the environment ran before: its newest successful deployment older than this one.
        let before = crate::domain::DeploymentFilter {
            env: Some(deployment.env.clone()),
            state: Some(DeploymentState::Succeeded),
            before: Some(deployment.id),
            ..crate::domain::DeploymentFilter::newest(1)
        };
        let previous = self.ports.store.recent_deployments(&before).await?.into_iter().next().and_then(|p| p.sha);
        let mut view =
            crate::views::DeploymentView::of(&deployment, &shipped, previous.as_ref(), self.settings.github_web());
        view.checks = self.check_lines(deployment.id).await?;
        Ok(view)
    }

    /// What a deployment's verification checks answered, a line per check (its page, the CLI's progress, the API).
    pub async fn check_lines(&self, id: DeploymentId) -> Result<Vec<crate::views::CheckLine>, CoreError> {
        Ok(crate::views::CheckLine::all_of(&self.ports.store.check_results(id).await?))
    }
}
