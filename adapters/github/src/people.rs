//! Who may do what, as GitHub says: a collaborator's permission on a repository, organisation and team
//! membership. Asked with the installation's (or the token's) credentials for that repository.

use async_trait::async_trait;
use http::Method;
use serde_json::Value;

use super::GithubCodeHost;
use tengu_core::domain::{Login, Permission, RepoSlug};
use tengu_core::ports::{CodeHostError, People};

/// GitHub's answer: `role_name` names custom and fine-grained roles as well; a role tengu does not know falls
/// back to the base `permission` (`admin`, `write`, `read`, `none`) that every role maps to.
pub(super) fn permission_of(answer: &Value) -> Result<Permission, CodeHostError> {
    let word = |field: &str| answer.get(field).and_then(Value::as_str).and_then(Permission::parse);
    word("role_name")
        .or_else(|| word("permission"))
        .ok_or_else(|| CodeHostError::Rejected("GitHub's permission answer named no permission tengu knows".to_owned()))
}

#[async_trait]
impl People for GithubCodeHost {
    async fn permission(&self, repo: &RepoSlug, login: &Login) -> Result<Permission, CodeHostError> {
        let path = format!("/repos/{}/{}/collaborators/{login}/permission", repo.owner(), repo.name());
        let what = format!("{login} on {repo}");
        match self.transport.rest(repo, Method::GET, &path, None, &what).await {
            Ok(answer) => permission_of(&answer),
            Err(CodeHostError::NotFound(_)) => Ok(Permission::None),
            Err(other) => Err(other),
        }
    }

    async fn is_member(
        &self,
        via: &RepoSlug,
        org: &str,
        team: Option<&str>,
        login: &Login,
    ) -> Result<bool, CodeHostError> {
        let (path, what) = match team {
            Some(team) => (format!("/orgs/{org}/teams/{team}/memberships/{login}"), format!("{login} in {org}/{team}")),
            None => (format!("/orgs/{org}/members/{login}"), format!("{login} in {org}")),
        };
        match self.transport.rest(via, Method::GET, &path, None, &what).await {
            // Organisation membership answers 204 with no body; a team membership says whether it is active.
            Ok(answer) => Ok(team.is_none() || answer.get("state").and_then(Value::as_str) == Some("active")),
            Err(CodeHostError::NotFound(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn role_name_wins_and_custom_roles_fall_back_to_the_base_permission() {
        let read = |v: Value| permission_of(&v).unwrap();
        assert_eq!(read(json!({"permission": "write", "role_name": "maintain"})), Permission::Maintain);
        assert_eq!(read(json!({"permission": "read", "role_name": "triage"})), Permission::Triage);
        assert_eq!(read(json!({"permission": "write", "role_name": "release-captain"})), Permission::Write);
        assert_eq!(read(json!({"permission": "none"})), Permission::None);
        assert!(permission_of(&json!({"message": "odd"})).is_err());
    }
}
