//! `[[review_environments]]`: one ECS task and URL per pull request.

use serde::Deserialize;

use tengu_core::domain::{ClusterName, RepoSlug};

use super::*;

/// `[[review_environments]]`: one repository's pull requests, each with its own ECS task and URL.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    pub repo: String,
    pub cluster: String,
    /// A family (its newest revision) or `family:revision`.
    pub task_definition: String,
    #[serde(default)]
    pub launch_type: tengu_core::domain::LaunchType,
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
    #[serde(default)]
    pub assign_public_ip: bool,
    pub container: String,
    pub port: u16,
    #[serde(default)]
    pub environment: std::collections::BTreeMap<String, String>,
    /// `https://pr-{number}-{repo}.review.example.com`; `{owner}` and `{branch}` too.
    pub url_template: String,
    pub ttl_hours: Option<i64>,
    pub max_concurrent: Option<usize>,
    pub opt_in_label: Option<String>,
    pub opt_out_label: Option<String>,
}

impl ReviewConfig {
    pub fn settings(&self) -> Result<tengu_core::domain::ReviewSettings, ConfigError> {
        use tengu_core::domain::ReviewSettings;
        let field = |what: &str, e: String| ConfigError::Environment {
            name: format!("review environments of {}", self.repo),
            message: format!("{what}: {e}"),
        };
        if let Some(problem) = tengu_core::review_url::template_problem(&self.url_template) {
            return Err(field("url_template", problem));
        }
        if self.launch_type == tengu_core::domain::LaunchType::Ec2 && self.subnets.is_empty() {
            return Err(field(
                "subnets",
                "an EC2 task needs awsvpc networking (subnets) to have an address of its own for the route".into(),
            ));
        }
        Ok(ReviewSettings {
            repo: RepoSlug::parse(&self.repo).map_err(|e| field("repo", e.to_string()))?,
            cluster: ClusterName::parse(&self.cluster).map_err(|e| field("cluster", e.to_string()))?,
            task_definition: self.task_definition.clone(),
            launch_type: self.launch_type,
            subnets: self.subnets.clone(),
            security_groups: self.security_groups.clone(),
            assign_public_ip: self.assign_public_ip,
            container: self.container.clone(),
            port: self.port,
            environment: self.environment.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            url_template: self.url_template.clone(),
            ttl_hours: self.ttl_hours.unwrap_or(ReviewSettings::DEFAULT_TTL_HOURS).max(1),
            max_concurrent: self.max_concurrent.unwrap_or(ReviewSettings::DEFAULT_MAX_CONCURRENT).max(1),
            opt_in_label: self.opt_in_label.clone(),
            opt_out_label: self
                .opt_out_label
                .clone()
                .unwrap_or_else(|| ReviewSettings::DEFAULT_OPT_OUT_LABEL.to_owned()),
            drain_seconds: ReviewSettings::DEFAULT_DRAIN_SECONDS,
        })
    }
}
