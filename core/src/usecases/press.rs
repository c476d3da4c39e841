//! What the environment page shows and the buttons on it: deploy (a commit or an image), redeploy, roll back,
//! abort, and the deployment history.

use crate::domain::{Actor, CommitSha, DeploymentId, EnvName, ImageRef, Trigger};
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::usecases::{DeployRequest, DeployTarget, StopOverrides};

/// A button press on the environment page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    /// What a person typed: a full commit SHA (deployed through the image template) or an image.
    Deploy(String),
    Redeploy,
    RollbackTo(DeploymentId),
}

impl Press {
    /// What the press asks to deploy, and which door it came through.
    fn target(&self) -> Result<(DeployTarget, Trigger), CoreError> {
        Ok(match self {
            Press::Deploy(input) => (deploy_input(input)?, Trigger::Button),
            Press::Redeploy => (DeployTarget::Redeploy, Trigger::Redeploy),
            Press::RollbackTo(id) => (DeployTarget::RollbackTo(*id), Trigger::Rollback),
        })
    }
}

impl Tengu {
    /// What the press would change, for the person to read before they confirm it (nothing is changed).
    pub async fn press_difference(
        &self,
        viewer: &crate::domain::Viewer,
        env: &EnvName,
        press: &Press,
    ) -> Result<crate::usecases::DeployDifference, CoreError> {
        let (target, _) = press.target()?;
        self.deploy_difference(viewer, env, &target).await
    }

    /// Records the deployment a press asks for (the key makes a double click one deployment) and follows it in
    /// the background; the page watches it live. An admin's `override_reason` ships through a lock or a freeze.
    pub async fn press(
        &self,
        actor: &Actor,
        env: &EnvName,
        press: Press,
        idempotency_key: String,
        override_reason: Option<String>,
    ) -> Result<crate::domain::Deployment, CoreError> {
        let (target, trigger) = press.target()?;
        // A blank key (a form sent before the page could fill it in) asks for no deduplication rather than
        // colliding with every other blank key.
        let idempotency_key = Some(idempotency_key).filter(|key| !key.trim().is_empty());
        let overrides = StopOverrides::both(override_reason);
        let request = DeployRequest { env: env.clone(), target, trigger, idempotency_key, overrides };
        let deployment = self.request_deployment(actor, request).await?;
        #[cfg(feature = "runtime")]
        if deployment.finished_at.is_none() {
            self.follow_in_background(deployment.id);
        }
        Ok(deployment)
    }
}

/// A full commit SHA, or an image reference with the commit it was built from after it when its tag does not
/// say; a short SHA alone is refused (it could be either).
fn deploy_input(input: &str) -> Result<DeployTarget, CoreError> {
    let input = input.trim();
    if let Ok(sha) = CommitSha::parse(input) {
        return Ok(DeployTarget::Commit(sha));
    }
    if !input.is_empty() && input.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(CoreError::Refused(format!(
            "{input} looks like a short commit SHA: give all 40 characters, or an image such as registry/repo:tag"
        )));
    }
    let mut words = input.split_whitespace();
    let image = ImageRef::parse(words.next().unwrap_or_default()).map_err(|e| CoreError::Refused(e.to_string()))?;
    let sha = words
        .next()
        .map(|word| {
            CommitSha::parse(word.to_ascii_lowercase()).map_err(|e| {
                CoreError::Refused(format!(
                    "after the image comes the commit it was built from, all 40 characters ({e})"
                ))
            })
        })
        .transpose()?;
    if words.next().is_some() {
        return Err(CoreError::Refused("give an image and its commit, or a commit: nothing more".to_owned()));
    }
    Ok(DeployTarget::Image { image, sha, source_prs: Vec::new(), deploy_pr: None, commit_unknown_reason: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deploy_input_is_a_full_sha_or_an_image() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert!(matches!(deploy_input(sha), Ok(DeployTarget::Commit(_))));
        assert!(matches!(deploy_input(" registry.test/shop:v2 "), Ok(DeployTarget::Image { .. })));
        let short = deploy_input("0123456").unwrap_err().user_message();
        assert!(short.contains("short commit SHA"), "{short}");
        assert!(deploy_input("Not An Image!").is_err());
        let Ok(DeployTarget::Image { sha: Some(named), .. }) = deploy_input(&format!("registry.test/shop:v2 {sha}"))
        else {
            panic!("an image and its commit")
        };
        assert_eq!(named.as_str(), sha);
        assert!(deploy_input("registry.test/shop:v2 0123456").is_err(), "a short commit after an image");
        assert!(deploy_input(&format!("registry.test/shop:v2 {sha} more")).is_err());
    }
}
