use crate::domain::{AuditEntry, DeployPr, DeploymentFilter, PrNumber, RepoSlug};
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::views::{DeployPrCard, EnvironmentCard, HomeView};

const RECENT_DEPLOYMENTS: u32 = 10;
const RECENT_ACTIVITY: u32 = 8;

impl Tengu {
    /// Everything the home page shows, read from tengu's own records (no call to GitHub or ECS).
    pub async fn home(&self) -> Result<HomeView, CoreError> {
        let store = &self.ports.store;
        let mut environments = Vec::with_capacity(self.settings.environments.len());
        for env in &self.settings.environments {
            let (last, current) = store.latest_deployments(&env.name).await?;
            environments.push(EnvironmentCard {
                name: env.name.clone(),
                repo: env.repo.clone(),
                cluster: env.cluster.clone(),
                services: env.services.clone(),
                current,
                last,
            });
        }
        let deploy_prs = store.open_deploy_prs().await?.iter().map(DeployPrCard::from).collect();
        let recent_deployments = store.recent_deployments(&DeploymentFilter::newest(RECENT_DEPLOYMENTS)).await?;
        let review_envs = store.review_envs().await?;
        let activity = store.audit_log(RECENT_ACTIVITY).await?;
        Ok(HomeView { environments, deploy_prs, recent_deployments, review_envs, activity })
    }

    /// Everything recorded about a deploy PR and its items: ticks, overrides, reminders. Newest first.
    pub async fn deploy_pr_history(&self, repo: &RepoSlug, number: PrNumber) -> Result<Vec<AuditEntry>, CoreError> {
        Ok(self.ports.store.audit_log_for(&format!("{repo}{number}"), 100).await?)
    }

    pub async fn deploy_pr(&self, repo: &RepoSlug, number: PrNumber) -> Result<DeployPr, CoreError> {
        self.ports
            .store
            .deploy_pr(repo, number)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("deploy PR {repo}{number}")))
    }
}
