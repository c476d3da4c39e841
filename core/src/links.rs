//! Addresses on GitHub's web pages, built in one place from the configured web URL (GitHub Enterprise included).

use crate::domain::{PrNumber, RepoSlug};

/// GitHub's web root: `https://github.com`, or an Enterprise host's.
#[derive(Debug, Clone, Copy)]
pub struct GithubWeb<'a>(&'a str);

impl<'a> GithubWeb<'a> {
    pub fn new(root: &'a str) -> Self {
        Self(root.trim_end_matches('/'))
    }

    pub fn pull(&self, repo: &RepoSlug, number: PrNumber) -> String {
        format!("{}/{repo}/pull/{}", self.0, number.get())
    }

    pub fn commit(&self, repo: &RepoSlug, sha: &str) -> String {
        format!("{}/{repo}/commit/{sha}", self.0)
    }
}

/// Where GitHub's web pages are when nothing else is configured.
pub fn default_github_web() -> String {
    "https://github.com".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_an_enterprise_root() {
        let repo = RepoSlug::parse("acme/shop").unwrap();
        let web = GithubWeb::new("https://ghe.acme.test/");
        assert_eq!(web.pull(&repo, PrNumber::new(12).unwrap()), "https://ghe.acme.test/acme/shop/pull/12");
        assert_eq!(web.commit(&repo, "abc123"), "https://ghe.acme.test/acme/shop/commit/abc123");
    }
}
