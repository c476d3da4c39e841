use async_trait::async_trait;

use super::CodeHostError;
use crate::domain::{Login, Permission, RepoSlug};

/// What GitHub says about people: their permission on a repository, and whether they belong to an organisation
/// or one of its teams. Asked at sign-in and right before a change, never on a page load.
#[async_trait]
pub trait People: Send + Sync {
    /// The person's permission on the repository now (`none` when GitHub knows no such person there).
    async fn permission(&self, repo: &RepoSlug, login: &Login) -> Result<Permission, CodeHostError>;

    /// Whether the person is a member of `org` (with `team`, an active member of that team). `via` is a
    /// repository of tengu's in that organisation, whose credentials ask.
    async fn is_member(
        &self,
        via: &RepoSlug,
        org: &str,
        team: Option<&str>,
        login: &Login,
    ) -> Result<bool, CodeHostError>;
}
