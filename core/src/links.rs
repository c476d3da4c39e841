//! Addresses on GitHub's web pages, built in one place from the configured web URL (GitHub Enterprise included),
//! and of tengu's own pages that its messages link to.

use crate::domain::{Login, PrNumber, RepoSlug, TaskDefinitionArn};

/// Where GitHub's web pages are when nothing else is configured.
pub const GITHUB_DOT_COM: &str = "https://github.com";

/// GitHub's web root: `https://github.com`, or an Enterprise host's.
#[derive(Debug, Clone, Copy)]
pub struct GithubWeb<'a>(&'a str);

impl Default for GithubWeb<'static> {
    fn default() -> Self {
        Self(GITHUB_DOT_COM)
    }
}

impl<'a> GithubWeb<'a> {
    pub fn new(root: &'a str) -> Self {
        Self(root.trim_end_matches('/'))
    }

    pub fn repo(&self, repo: &RepoSlug) -> String {
        format!("{}/{repo}", self.0)
    }

    pub fn pull(&self, repo: &RepoSlug, number: PrNumber) -> String {
        format!("{}/{repo}/pull/{}", self.0, number.get())
    }

    pub fn commit(&self, repo: &RepoSlug, sha: &str) -> String {
        format!("{}/{repo}/commit/{sha}", self.0)
    }

    /// The commits in `head` that `base` does not have (each is a SHA or a branch name).
    pub fn compare(&self, repo: &RepoSlug, base: &str, head: &str) -> String {
        format!("{}/{repo}/compare/{base}...{head}", self.0)
    }

    /// A person's profile, or an app's page for a bot (`dependabot[bot]`).
    pub fn person(&self, login: &Login) -> String {
        match login.as_str().strip_suffix("[bot]") {
            Some(app) => format!("{}/apps/{app}", self.0),
            None => format!("{}/{login}", self.0),
        }
    }
}

/// A task definition revision in the AWS console of its own partition and region.
pub fn aws_console_task_definition(arn: &TaskDefinitionArn) -> String {
    let region = arn.region();
    let host = match arn.partition() {
        "aws-cn" => format!("{region}.console.amazonaws.cn"),
        "aws-us-gov" => "console.amazonaws-us-gov.com".to_owned(),
        _ => format!("{region}.console.aws.amazon.com"),
    };
    format!("https://{host}/ecs/v2/task-definitions/{}/{}/containers?region={region}", arn.family(), arn.revision())
}

/// Where GitHub's web pages are when nothing else is configured.
pub fn default_github_web() -> String {
    GITHUB_DOT_COM.to_owned()
}

/// A deploy PR's page in tengu (a path under `public_url`).
pub fn deploy_pr_page(repo: &RepoSlug, number: PrNumber) -> String {
    format!("/repos/{repo}/deploy-prs/{}", number.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_an_enterprise_root() {
        let repo = RepoSlug::parse("acme/shop").unwrap();
        let web = GithubWeb::new("https://ghe.acme.test/");
        assert_eq!(web.repo(&repo), "https://ghe.acme.test/acme/shop");
        assert_eq!(web.pull(&repo, PrNumber::new(12).unwrap()), "https://ghe.acme.test/acme/shop/pull/12");
        assert_eq!(web.commit(&repo, "abc123"), "https://ghe.acme.test/acme/shop/commit/abc123");
        assert_eq!(web.compare(&repo, "abc123", "def456"), "https://ghe.acme.test/acme/shop/compare/abc123...def456");
        assert_eq!(web.person(&Login::parse("alice").unwrap()), "https://ghe.acme.test/alice");
        assert_eq!(GithubWeb::default().person(&Login::parse("bob").unwrap()), "https://github.com/bob");
        let arn = TaskDefinitionArn::parse("arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:42").unwrap();
        assert_eq!(
            aws_console_task_definition(&arn),
            "https://eu-west-1.console.aws.amazon.com/ecs/v2/task-definitions/shop-web/42/containers?region=eu-west-1"
        );
        let bot = Login::parse("dependabot[bot]").unwrap();
        assert_eq!(GithubWeb::default().person(&bot), "https://github.com/apps/dependabot");
    }
}
