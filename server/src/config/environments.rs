//! `[[environments]]`: the deploy targets.

use tengu_core::domain::{
    BranchName, ClusterName, DeployPrOptions, EnvName, Environment, Login, Permission, RepoSlug, ServiceName,
};

use serde::Deserialize;

use super::*;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub name: String,
    pub repo: String,
    #[serde(default = "default_source_branch")]
    pub source_branch: String,
    /// `deployment/<name>` unless set.
    pub deploy_branch: Option<String>,
    pub cluster: String,
    #[serde(default)]
    pub services: Vec<String>,
    /// `Deploy to {env} {date} {time}` unless set; `{source}` is the source branch.
    pub title_template: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<String>,
    /// Each checklist item mentions its pull request's assignees beside its author.
    #[serde(default)]
    pub mention_assignees: bool,
    #[serde(default)]
    pub refresh_on_push: bool,
    /// With the Slack bot: the channel (id) that hears this environment's deployments and reminders.
    pub slack_channel: Option<String>,
    /// false: a merged deploy PR waits for CI to hand its image over instead of deploying it at once.
    #[serde(default = "yes")]
    pub merge_deploys: bool,
    /// The image CI builds from a commit, `{sha}` or `{short_sha}` filled in.
    pub image_template: Option<String>,
    /// The containers that get the new image; by default those whose image comes from the same repository.
    #[serde(default)]
    pub containers: Vec<String>,
    /// Where people reach what the environment runs; GitHub's deployments link to it.
    pub url: Option<String>,
    /// The GitHub permission deploying here needs, above write: `maintain` or `admin`.
    pub required_role: Option<String>,
    /// 1: every deployment here waits for another deployer's approval (the two-person rule).
    #[serde(default)]
    pub approvals_required: u32,
    /// What watches a deployment once ECS completed it (nothing: it succeeds at COMPLETED).
    #[serde(default)]
    pub verification: super::verification::VerificationConfig,
}

fn yes() -> bool {
    true
}

fn default_source_branch() -> String {
    "master".to_owned()
}

impl EnvironmentConfig {
    pub fn environment(&self) -> Result<Environment, ConfigError> {
        let field = |what: &str, e: String| ConfigError::Environment {
            name: self.name.clone(),
            message: format!("{what}: {e}"),
        };
        let name = EnvName::parse(&self.name).map_err(|e| field("name", e.to_string()))?;
        let required_permission = match self.required_role.as_deref() {
            None => None,
            Some(word) => match Permission::parse(word) {
                Some(p) if p >= Permission::Write => Some(p),
                _ => return Err(field("required_role", format!("{word:?}: expected write, maintain or admin"))),
            },
        };
        let deploy_branch = match &self.deploy_branch {
            Some(branch) => BranchName::parse(branch).map_err(|e| field("deploy_branch", e.to_string()))?,
            None => Environment::default_deploy_branch(&name),
        };
        let mut deploy_pr = DeployPrOptions {
            draft: self.draft,
            labels: self.labels.clone(),
            refresh_on_push: self.refresh_on_push,
            mention_assignees: self.mention_assignees,
            merge_deploys: self.merge_deploys,
            ..DeployPrOptions::default()
        };
        if let Some(template) = &self.title_template {
            deploy_pr.title_template = template.clone();
        }
        for login in &self.assignees {
            deploy_pr.assignees.push(Login::parse(login).map_err(|e| field("assignees", e.to_string()))?);
        }
        let services = self.services.iter().map(ServiceName::parse).collect::<Result<Vec<_>, _>>();
        Ok(Environment {
            repo: RepoSlug::parse(&self.repo).map_err(|e| field("repo", e.to_string()))?,
            source_branch: BranchName::parse(&self.source_branch).map_err(|e| field("source_branch", e.to_string()))?,
            deploy_branch,
            cluster: ClusterName::parse(&self.cluster).map_err(|e| field("cluster", e.to_string()))?,
            services: services.map_err(|e| field("services", e.to_string()))?,
            deploy_pr,
            image_template: self.image_template.clone(),
            containers: self.containers.clone(),
            url: self.url.clone(),
            required_permission,
            approvals_required: self.approvals_required.min(1),
            verification: self
                .verification
                .plan()
                .map_err(|message| ConfigError::Environment { name: self.name.clone(), message })?,
            name,
        })
    }
}
