//! What a viewer may see: a deploy PR, an environment or a deployment of a repository they cannot see does not exist
//! to them; and what the rule table would say of an action, from their last known permission.

use crate::domain::{DeployPr, Deployment, DeploymentId, EnvName, Environment, PrNumber, RepoSlug, Viewer};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

impl Tengu {
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

    pub async fn deploy_pr(&self, repo: &RepoSlug, number: PrNumber) -> Result<DeployPr, CoreError> {
        self.ports.store.deploy_pr(repo, number).await?.ok_or_else(|| no_deploy_pr(repo, number))
    }

    /// An environment, for someone who may see its repository; to anyone else it does not exist.
    pub fn visible_environment(&self, viewer: &Viewer, name: &EnvName) -> Result<&Environment, CoreError> {
        let env = self.environment(name)?;
        if !viewer.can_see(&env.repo) {
            return Err(CoreError::NotFound(format!("environment {name}")));
        }
        Ok(env)
    }

    /// What the rule table says of an action with the viewer's last known permission: `None` when allowed.
    pub fn would_refuse(&self, viewer: &Viewer, action: &Action<'_>) -> Option<String> {
        let permission = action.repo().map(|r| viewer.permission(r)).unwrap_or(crate::domain::Permission::None);
        self.ports.policy.authorize(&viewer.actor, permission, action).err().map(|d| d.0)
    }

    /// A deployment, for someone who may see its repository; to anyone else it does not exist.
    pub async fn visible_deployment(
        &self,
        viewer: &crate::domain::Viewer,
        id: DeploymentId,
    ) -> Result<Deployment, CoreError> {
        let deployment = self.deployment(id).await?;
        match viewer.can_see(&deployment.repo) {
            true => Ok(deployment),
            false => Err(CoreError::NotFound(format!("deployment {id}"))),
        }
    }

    pub async fn deployment(&self, id: DeploymentId) -> Result<Deployment, CoreError> {
        self.ports.store.deployment(id).await?.ok_or_else(|| CoreError::NotFound(format!("deployment {id}")))
    }
}

/// A deploy PR that is not stored, or that the viewer may not see (to them it does not exist).
pub(crate) fn no_deploy_pr(repo: &RepoSlug, number: PrNumber) -> CoreError {
    CoreError::NotFound(format!("deploy PR {repo}{number}"))
}
