//! The deployment as GitHub shows it: a GitHub Deployment with its statuses, linking back to tengu's page.

use crate::domain::{Deployment, DeploymentId};
use crate::error::CoreError;
use crate::ports::GithubDeploymentState;
use crate::tengu::Tengu;

impl Tengu {
    /// tengu's page for a deployment, for links written to GitHub.
    pub fn deployment_link(&self, id: DeploymentId) -> String {
        format!("{}/deployments/{id}", self.settings.public_url.trim_end_matches('/'))
    }

    /// Opens the GitHub Deployment that shows this one on the commit. GitHub being down never stops a deploy.
    pub(super) async fn mirror_start(&self, deployment: &Deployment) -> Result<(), CoreError> {
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

    pub(super) async fn mirror_status(&self, deployment: &Deployment, github: u64, state: GithubDeploymentState) {
        let log_url = self.deployment_link(deployment.id);
        let environment_url = self.environment(&deployment.env).ok().and_then(|env| env.url.clone());
        let host = &self.ports.code_host;
        let sent =
            host.create_deployment_status(&deployment.repo, github, state, &log_url, environment_url.as_deref()).await;
        if let Err(error) = sent {
            tracing::warn!(%error, deployment = %deployment.id, "GitHub's deployment status was not updated");
        }
    }
}
