use crate::domain::{Actor, EnvName, PrNumber, RepoSlug};

/// Something an actor wants to do, as the permission hook sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    Verify { repo: &'a RepoSlug, deploy_pr: PrNumber, item: PrNumber },
    RefreshDeployPr { env: &'a EnvName },
    Deploy { env: &'a EnvName },
    OverrideGate { repo: &'a RepoSlug, deploy_pr: PrNumber },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

/// The permission hook every mutating use case calls first.
pub trait Policy: Send + Sync {
    fn authorize(&self, actor: &Actor, action: &Action<'_>) -> Result<(), Denied>;
}

/// Every person who reaches tengu may verify and refresh (git-pr-release's model); a verification is a person's
/// word, so tengu itself never gives one. The sign-in issue replaces this with permissions that follow the
/// person's role on the repository.
pub struct OpenPolicy;

impl Policy for OpenPolicy {
    fn authorize(&self, actor: &Actor, action: &Action<'_>) -> Result<(), Denied> {
        match (actor, action) {
            (Actor::System, Action::Verify { .. }) => {
                Err(Denied("only a person can verify a change; tengu cannot tick a box for someone".to_owned()))
            }
            (Actor::System, Action::OverrideGate { .. }) => {
                Err(Denied("only a person can override the verification gate, with a reason".to_owned()))
            }
            _ => Ok(()),
        }
    }
}
