use serde::{Deserialize, Serialize};

use chrono::{DateTime, FixedOffset, Utc};

use super::validated::{all_chars, string_newtype};
use super::{BranchName, ClusterName, CommitPrefix, CommitSha, ImageRef, Login, RepoSlug, ServiceName};

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
    #[serde(default)]
    pub deploy_pr: DeployPrOptions,
    /// The image CI builds from a commit: `{sha}` (40 characters) or `{short_sha}` (7) is filled in, e.g.
    /// `123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/shop:{sha}`.
    #[serde(default)]
    pub image_template: Option<String>,
    /// The containers that get the new image; empty means those whose image comes from the deployed repository.
    #[serde(default)]
    pub containers: Vec<String>,
    /// Where people reach what this environment runs (shown on GitHub's deployments as the environment URL).
    #[serde(default)]
    pub url: Option<String>,
    /// A bar above the deployer role for deploying here (`required_role = "maintain"` for production).
    #[serde(default)]
    pub required_permission: Option<super::Permission>,
    /// How many other people must approve a deployment here before it runs (0 or 1: the two-person rule).
    #[serde(default)]
    pub approvals_required: u32,
    /// What watches a deployment once ECS completed it, and for how long (nothing: it succeeds at COMPLETED).
    #[serde(default)]
    pub verification: super::VerificationPlan,
}

/// How an environment's deploy PR is opened on GitHub, and what merging it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeployPrOptions {
    /// `{env}`, `{source}`, `{date}` (YYYY-MM-DD) and `{time}` (HH:MM, the team's time zone) are filled in.
    pub title_template: String,
    pub draft: bool,
    pub labels: Vec<String>,
    pub assignees: Vec<Login>,
    /// Each checklist item mentions its pull request's assignees beside its author (who always is).
    pub mention_assignees: bool,
    /// Refresh the deploy PR whenever the source branch receives a push.
    pub refresh_on_push: bool,
    /// Merging the deploy PR deploys its merge commit's image (by `image_template`). Off when CI builds that image
    /// after the merge and hands it over (`tengu deploy --server`): the merge then waits for CI.
    pub merge_deploys: bool,
}

/// The commit an image's tag names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitInImage {
    Full(CommitSha),
    /// The start of one (`{short_sha}`): GitHub knows which commit.
    Prefix(CommitPrefix),
}

impl Default for DeployPrOptions {
    fn default() -> Self {
        Self {
            title_template: "Deploy to {env} {date} {time}".to_owned(),
            draft: false,
            labels: Vec::new(),
            assignees: Vec::new(),
            mention_assignees: false,
            refresh_on_push: false,
            merge_deploys: true,
        }
    }
}

impl Environment {
    /// The image CI built from `sha`, by the environment's template.
    pub fn image_for(&self, sha: &CommitSha) -> Result<ImageRef, String> {
        let template = self.image_template.as_deref().ok_or_else(|| {
            format!(
                "{} has no image_template, so a commit cannot be turned into an image; give an image instead",
                self.name
            )
        })?;
        let image = template.replace("{short_sha}", sha.short()).replace("{sha}", sha.as_str());
        ImageRef::parse(&image).map_err(|e| format!("the image_template of {} gives {image:?}: {e}", self.name))
    }

    /// The commit an image was built from, read off it by `image_template` (`…:{sha}` gives the whole SHA,
    /// `…:{short_sha}` its start, which GitHub resolves); none when the template has no commit in it or the image
    /// does not follow it.
    pub fn commit_in_image(&self, image: &ImageRef) -> Option<CommitInImage> {
        let template = self.image_template.as_deref()?;
        let image = image.to_string();
        let (placeholder, at) = ["{sha}", "{short_sha}"]
            .into_iter()
            .filter_map(|p| template.find(p).map(|at| (p, at)))
            .min_by_key(|(_, at)| *at)?;
        let (before, after) = (&template[..at], &template[at + placeholder.len()..]);
        let rest = image.strip_prefix(before)?;
        let hex: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
        let tail = &rest[hex.len()..];
        // What follows the commit is the template's text exactly (up to its end, or up to another placeholder):
        // `…:{sha}` does not read `…:<sha>-debug`, nor `…:{short_sha}` a date.
        let follows = match after.find('{') {
            None => tail == after,
            Some(next) => tail.starts_with(&after[..next]),
        };
        if !follows {
            return None;
        }
        match (placeholder, CommitSha::parse(&hex)) {
            (_, Ok(sha)) => Some(CommitInImage::Full(sha)),
            ("{short_sha}", Err(_)) if hex.len() >= 7 => CommitPrefix::parse(&hex).ok().map(CommitInImage::Prefix),
            _ => None,
        }
    }

    /// The title of a new deploy PR opened `at`, in the team's time zone.
    pub fn deploy_pr_title(&self, at: DateTime<Utc>, utc_offset_minutes: i32) -> String {
        let offset =
            FixedOffset::east_opt(utc_offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap());
        let local = at.with_timezone(&offset);
        self.deploy_pr
            .title_template
            .replace("{env}", self.name.as_str())
            .replace("{source}", self.source_branch.as_str())
            .replace("{date}", &local.format("%Y-%m-%d").to_string())
            .replace("{time}", &local.format("%H:%M").to_string())
    }
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

    #[test]
    fn an_images_commit_is_read_off_its_tag_by_the_template() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let image = |text: &str| ImageRef::parse(text).unwrap();
        let mut env = production();
        let short = env.commit_in_image(&image("registry.test/shop:0123456"));
        assert_eq!(short, Some(CommitInImage::Prefix(CommitPrefix::parse("0123456").unwrap())));
        let full = env.commit_in_image(&image(&format!("registry.test/shop:{sha}")));
        assert_eq!(full, Some(CommitInImage::Full(CommitSha::parse(sha).unwrap())));
        assert_eq!(env.commit_in_image(&image("registry.test/shop:v1.2")), None, "not a commit");
        assert_eq!(env.commit_in_image(&image("registry.test/other:0123456")), None, "another repository");
        env.image_template = Some("registry.test/shop:{sha}-web".into());
        let suffixed = env.commit_in_image(&image(&format!("registry.test/shop:{sha}-web")));
        assert_eq!(suffixed, Some(CommitInImage::Full(CommitSha::parse(sha).unwrap())));
        assert_eq!(env.commit_in_image(&image(&format!("registry.test/shop:{sha}-api"))), None);
        assert_eq!(env.commit_in_image(&image("registry.test/shop:0123456-web")), None, "{{sha}} is whole");
        env.image_template = Some("registry.test/shop:{sha}".into());
        assert_eq!(env.commit_in_image(&image(&format!("registry.test/shop:{sha}-debug"))), None, "nothing after");
        env.image_template = Some("registry.test/shop:{short_sha}".into());
        assert_eq!(env.commit_in_image(&image("registry.test/shop:2024.06.01")), None, "a date is no commit");
        assert_eq!(env.commit_in_image(&image("registry.test/shop:abc123")), None, "seven characters at least");
        env.image_template = Some("registry.test/shop:latest".into());
        assert_eq!(env.commit_in_image(&image("registry.test/shop:latest")), None, "no commit in the template");
        env.image_template = None;
        assert_eq!(env.commit_in_image(&image("registry.test/shop:0123456")), None);
    }

    fn production() -> Environment {
        let name = EnvName::parse("production").unwrap();
        Environment {
            repo: RepoSlug::parse("acme/shop").unwrap(),
            source_branch: BranchName::parse("master").unwrap(),
            deploy_branch: Environment::default_deploy_branch(&name),
            cluster: ClusterName::parse("shop").unwrap(),
            services: vec![],
            deploy_pr: DeployPrOptions::default(),
            image_template: Some("registry.test/shop:{short_sha}".into()),
            containers: Vec::new(),
            url: None,
            required_permission: None,
            approvals_required: 0,
            verification: Default::default(),
            name,
        }
    }

    #[test]
    fn a_commit_becomes_an_image_by_the_template() {
        let mut env = production();
        let sha = CommitSha::parse("0123456789abcdef0123456789abcdef01234567").unwrap();
        assert_eq!(env.image_for(&sha).unwrap().to_string(), "registry.test/shop:0123456");
        env.image_template = Some("registry.test/shop:{sha}".into());
        assert_eq!(env.image_for(&sha).unwrap().to_string(), format!("registry.test/shop:{sha}"));
        env.image_template = None;
        assert!(env.image_for(&sha).unwrap_err().contains("has no image_template"));
    }

    #[test]
    fn titles_follow_the_template_in_the_team_time_zone() {
        let at = DateTime::parse_from_rfc3339("2026-11-21T23:30:00Z").unwrap().with_timezone(&Utc);
        let mut env = production();
        assert_eq!(env.deploy_pr_title(at, 0), "Deploy to production 2026-11-21 23:30");
        assert_eq!(env.deploy_pr_title(at, 9 * 60), "Deploy to production 2026-11-22 08:30");
        env.deploy_pr.title_template = "[{env}] {source} → release ({date})".into();
        assert_eq!(env.deploy_pr_title(at, 0), "[production] master → release (2026-11-21)");
    }
}
