//! The GitHub App permissions tengu needs, in one place: each with what it is for and the REST calls it covers.
//! The App's manifest (`manifest`), and so the README's permission table, is drawn from it, and a test makes every call the adapter makes against a
//! stand-in and checks that each is covered here (and that nothing here is stale).

/// How much of a permission an App asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// One permission of the GitHub App.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppPermission {
    /// GitHub's name in an App manifest (`pull_requests`, `members`).
    pub key: &'static str,
    /// As GitHub's settings page shows it.
    pub label: &'static str,
    /// `Repository` or `Organization`.
    pub of: &'static str,
    pub access: Access,
    pub why: &'static str,
    /// The calls it covers: a method and a path where `*` is one segment and a trailing `**` the rest.
    pub calls: &'static [(&'static str, &'static str)],
}

/// The webhook events tengu handles (reviews are read when a deploy PR is merged, not from events).
pub const APP_EVENTS: [&str; 2] = ["pull_request", "push"];

/// Every permission tengu's GitHub App needs (the App's own JWT calls need none).
pub const APP_PERMISSIONS: [AppPermission; 7] = [
    AppPermission {
        key: "pull_requests",
        label: "Pull requests",
        of: "Repository",
        access: Access::Write,
        why: "open, read and update deploy PRs (their checklist), read their reviews, read source PRs",
        calls: &[
            ("GET", "/repos/*/*/pulls"),
            ("POST", "/repos/*/*/pulls"),
            ("GET", "/repos/*/*/pulls/*"),
            ("PATCH", "/repos/*/*/pulls/*"),
            ("GET", "/repos/*/*/pulls/*/reviews"),
            ("POST", "/graphql"),
        ],
    },
    AppPermission {
        key: "issues",
        label: "Issues",
        of: "Repository",
        access: Access::Write,
        why: "label and assign deploy PRs, post and edit reminder and review-environment comments",
        calls: &[
            ("POST", "/repos/*/*/issues/*/labels"),
            ("POST", "/repos/*/*/issues/*/assignees"),
            ("POST", "/repos/*/*/issues/*/comments"),
            ("PATCH", "/repos/*/*/issues/comments/*"),
        ],
    },
    AppPermission {
        key: "statuses",
        label: "Commit statuses",
        of: "Repository",
        access: Access::Write,
        why: "the verification gate's status on the deploy PR's head",
        calls: &[("POST", "/repos/*/*/statuses/*")],
    },
    AppPermission {
        key: "deployments",
        label: "Deployments",
        of: "Repository",
        access: Access::Write,
        why: "a GitHub Deployment per deployment and review environment, with its statuses",
        calls: &[("POST", "/repos/*/*/deployments"), ("POST", "/repos/*/*/deployments/*/statuses")],
    },
    AppPermission {
        key: "contents",
        label: "Contents",
        of: "Repository",
        access: Access::Read,
        why: "compare the source and deploy branches, read a branch's head, resolve an image's short commit",
        calls: &[("GET", "/repos/*/*/git/ref/heads/**"), ("GET", "/repos/*/*/commits/*"), ("POST", "/graphql")],
    },
    AppPermission {
        key: "metadata",
        label: "Metadata",
        of: "Repository",
        access: Access::Read,
        why: "a person's permission on the repository, which gives their role in tengu",
        calls: &[("GET", "/repos/*/*/collaborators/*/permission")],
    },
    AppPermission {
        key: "members",
        label: "Members",
        of: "Organization",
        access: Access::Read,
        why: "`[auth] allowed_orgs` and `allowed_teams`: who may sign in",
        calls: &[("GET", "/orgs/*/members/*"), ("GET", "/orgs/*/teams/*/memberships/*")],
    },
];

/// Whether a call (`GET`, `/repos/acme/shop/pulls/7?x=1`) is one a pattern names.
pub fn matches(pattern: &(&str, &str), method: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    if !pattern.0.eq_ignore_ascii_case(method) {
        return false;
    }
    let wanted: Vec<&str> = pattern.1.trim_start_matches('/').split('/').collect();
    let given: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (at, segment) in wanted.iter().enumerate() {
        match *segment {
            "**" => return given.len() > at,
            "*" if given.get(at).is_some_and(|s| !s.is_empty()) => {}
            literal if given.get(at) == Some(&literal) => {}
            _ => return false,
        }
    }
    given.len() == wanted.len()
}

/// The permissions that cover a call (none: the call is not accounted for).
pub fn covering(method: &str, path: &str) -> Vec<&'static AppPermission> {
    APP_PERMISSIONS.iter().filter(|p| p.calls.iter().any(|call| matches(call, method, path))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_one_segment_per_star_and_the_rest_for_two() {
        assert!(matches(&("GET", "/repos/*/*/pulls/*"), "GET", "/repos/acme/shop/pulls/7"));
        assert!(!matches(&("GET", "/repos/*/*/pulls/*"), "GET", "/repos/acme/shop/pulls/7/reviews"));
        assert!(!matches(&("GET", "/repos/*/*/pulls/*"), "PATCH", "/repos/acme/shop/pulls/7"));
        assert!(matches(&("GET", "/repos/*/*/pulls"), "GET", "/repos/acme/shop/pulls?state=open&base=x"));
        let heads = ("GET", "/repos/*/*/git/ref/heads/**");
        assert!(matches(&heads, "GET", "/repos/acme/shop/git/ref/heads/deployment/production"));
        assert!(!matches(&heads, "GET", "/repos/acme/shop/git/ref/heads"));
        assert_eq!(covering("POST", "/graphql").len(), 2, "GraphQL reads pull requests and contents");
    }
}
