use serde::{Deserialize, Serialize};

use super::validated::{all_chars, string_newtype};
use super::{BranchName, ClusterName, RepoSlug, ServiceName};

string_newtype!(
    /// The name of an environment such as `dev` or `production`: lower-case letters, digits and hyphens,
    /// starting with a letter, so it fits in a branch name, a URL and a DNS label.
    EnvName,
    "environment name",
    |v| {
        let ok = !v.is_empty()
            && v.len() <= 32
            && v.starts_with(|c: char| c.is_ascii_lowercase())
            && all_chars(v, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok { Ok(()) } else { Err("1-32 lower-case letters, digits or hyphens, starting with a letter") }
    }
);

/// A named deploy target: the branch pair of its deploy PR and the ECS services a deploy replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub name: EnvName,
    pub repo: RepoSlug,
    pub source_branch: BranchName,
    pub deploy_branch: BranchName,
    pub cluster: ClusterName,
    pub services: Vec<ServiceName>,
}

impl Environment {
    /// The conventional deploy branch of an environment: `deployment/<env>`.
    pub fn default_deploy_branch(name: &EnvName) -> BranchName {
        BranchName::parse(format!("deployment/{name}")).expect("an environment name always makes a valid branch")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_fit_branches_urls_and_dns() {
        assert!(EnvName::parse("production").is_ok());
        assert!(EnvName::parse("eu-west-2").is_ok());
        for bad in ["", "Prod", "1prod", "prod env", "prod/x", &"a".repeat(33)] {
            assert!(EnvName::parse(bad).is_err(), "{bad} should be refused");
        }
        let prod = EnvName::parse("production").unwrap();
        assert_eq!(Environment::default_deploy_branch(&prod).as_str(), "deployment/production");
    }
}
