//! Configuration: a TOML file, then `TENGU_*` environment variables over it. Secrets are kept in a type that
//! never prints them.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use tengu_core::domain::{
    BranchName, ClusterName, DeployPrOptions, EnvName, Environment, Login, QuietHours, ReminderPolicy, RepoSlug,
    ServiceName,
};
use tengu_core::github::{Credentials, GithubSettings};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tengu.db";

/// A value that must never reach a log or a page.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GithubConfig {
    /// `https://api.github.com` unless set; `https://<host>/api/v3` for GitHub Enterprise Server.
    pub api_url: Option<String>,
    /// Derived from `api_url` unless set.
    pub graphql_url: Option<String>,
    pub token: Option<Secret>,
    /// A GitHub App instead of a token: its id, its private key (a PEM file), and optionally the installation.
    pub app_id: Option<u64>,
    pub private_key_path: Option<String>,
    pub installation_id: Option<u64>,
    pub webhook_secret: Option<Secret>,
    /// The secret being rotated out: deliveries signed with it are accepted until it is removed.
    pub previous_webhook_secret: Option<Secret>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Setting a region (or an endpoint) turns the real ECS adapter on; credentials come from the standard chain.
    pub region: Option<String>,
    /// A local emulator or VPC endpoint.
    pub endpoint_url: Option<String>,
    /// Fixed keys for a local emulator; real accounts use roles, profiles or SSO instead.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    /// Tries per call (throttling and 5xx are retried with backoff); 5 unless set.
    pub max_attempts: Option<u32>,
}

impl AwsConfig {
    pub fn is_configured(&self) -> bool {
        self.region.is_some() || self.endpoint_url.is_some()
    }

    pub fn settings(&self) -> tengu_core::aws::AwsSettings {
        let static_credentials = match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => Some(tengu_core::aws::StaticCredentials {
                access_key_id: id.clone(),
                secret_access_key: secret.0.clone(),
            }),
            _ => None,
        };
        tengu_core::aws::AwsSettings {
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            static_credentials,
            max_attempts: self.max_attempts.unwrap_or(5),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub webhook_url: Option<Secret>,
}

/// `[[environments]]`: one deploy target, its deploy PR and its ECS services.
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
    #[serde(default)]
    pub refresh_on_push: bool,
    /// The image CI builds from a commit, `{sha}` or `{short_sha}` filled in.
    pub image_template: Option<String>,
    /// The containers that get the new image; by default those whose image comes from the same repository.
    #[serde(default)]
    pub containers: Vec<String>,
    /// Where people reach what the environment runs; GitHub's deployments link to it.
    pub url: Option<String>,
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
        let deploy_branch = match &self.deploy_branch {
            Some(branch) => BranchName::parse(branch).map_err(|e| field("deploy_branch", e.to_string()))?,
            None => Environment::default_deploy_branch(&name),
        };
        let mut deploy_pr = DeployPrOptions {
            draft: self.draft,
            labels: self.labels.clone(),
            refresh_on_push: self.refresh_on_push,
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
            name,
        })
    }
}

/// `[reminders]`: how often authors who owe a tick are pinged, and when not.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RemindersConfig {
    pub every_minutes: u32,
    /// Local hours without reminders, `22-8`.
    pub quiet_hours: Option<String>,
    /// The team's offset from UTC, `+09:00`.
    pub utc_offset: Option<String>,
}

impl Default for RemindersConfig {
    fn default() -> Self {
        Self { every_minutes: 120, quiet_hours: None, utc_offset: None }
    }
}

impl RemindersConfig {
    pub fn policy(&self) -> Result<ReminderPolicy, ConfigError> {
        let bad = |name: &'static str, message: String| ConfigError::Variable { name, message };
        if self.every_minutes == 0 {
            return Err(bad("reminders.every_minutes", "must be 1 or more".into()));
        }
        let quiet_hours = match &self.quiet_hours {
            None => None,
            Some(text) => {
                let parsed = text.split_once('-').and_then(|(from, to)| {
                    Some(QuietHours { from: from.trim().parse().ok()?, to: to.trim().parse().ok()? })
                });
                match parsed {
                    Some(q) if q.from < 24 && q.to < 24 && q.from != q.to => Some(q),
                    _ => return Err(bad("reminders.quiet_hours", format!("{text:?}: expected hours such as 22-8"))),
                }
            }
        };
        let utc_offset_minutes = match &self.utc_offset {
            None => 0,
            Some(text) => parse_offset(text)
                .ok_or_else(|| bad("reminders.utc_offset", format!("{text:?}: expected an offset such as +09:00")))?,
        };
        Ok(ReminderPolicy { every_minutes: self.every_minutes, quiet_hours, utc_offset_minutes })
    }
}

fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database_url: String,
    /// Where people reach the dashboard; used in links tengu writes to GitHub and Slack.
    pub public_url: String,
    pub log_format: LogFormat,
    pub github: GithubConfig,
    pub aws: AwsConfig,
    pub slack: SlackConfig,
    pub reminders: RemindersConfig,
    pub deploys: DeploysConfig,
    pub environments: Vec<EnvironmentConfig>,
    pub review_environments: Vec<ReviewConfig>,
}

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
        })
    }
}

/// `[deploys]`: how rollouts are followed.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DeploysConfig {
    /// How often ECS is asked about a rollout (one DescribeServices call per 10 services).
    pub poll_every_seconds: u64,
    /// A rollout not settled by then is a failure.
    pub timeout_minutes: i64,
    /// After a failure, point the services back at what ran before.
    pub auto_rollback: bool,
}

impl Default for DeploysConfig {
    fn default() -> Self {
        let policy = tengu_core::domain::DeployPolicy::default();
        Self {
            poll_every_seconds: policy.poll_every_ms / 1000,
            timeout_minutes: policy.timeout_minutes,
            auto_rollback: policy.auto_rollback,
        }
    }
}

impl DeploysConfig {
    pub fn policy(&self) -> tengu_core::domain::DeployPolicy {
        tengu_core::domain::DeployPolicy {
            poll_every_ms: self.poll_every_seconds.max(1) * 1000,
            timeout_minutes: self.timeout_minutes.max(1),
            auto_rollback: self.auto_rollback,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            public_url: "http://127.0.0.1:3000".to_owned(),
            log_format: LogFormat::default(),
            github: GithubConfig::default(),
            aws: AwsConfig::default(),
            slack: SlackConfig::default(),
            reminders: RemindersConfig::default(),
            deploys: DeploysConfig::default(),
            environments: Vec::new(),
            review_environments: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the configuration file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("{name} is not valid: {message}")]
    Variable { name: &'static str, message: String },
    #[error("environment {name:?} is not valid: {message}")]
    Environment { name: String, message: String },
    #[error("{0}")]
    Github(String),
}

impl Config {
    /// Reads `file` (or `./tengu.toml` when present), then applies `TENGU_*` variables from `env`.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let default_file = Path::new("tengu.toml");
        let file = file.or_else(|| default_file.exists().then_some(default_file));
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    message: e.message().to_owned(),
                })?
            }
            None => Config::default(),
        };
        if let Some(url) = env("TENGU_DATABASE_URL") {
            config.database_url = url;
        }
        if let Some(url) = env("TENGU_PUBLIC_URL") {
            config.public_url = url;
        }
        if let Some(format) = env("TENGU_LOG_FORMAT") {
            config.log_format = match format.as_str() {
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                other => {
                    return Err(ConfigError::Variable {
                        name: "TENGU_LOG_FORMAT",
                        message: format!("{other:?}: expected pretty or json"),
                    });
                }
            };
        }
        if let Some(url) = env("TENGU_GITHUB_API_URL") {
            config.github.api_url = Some(url);
        }
        let number = |name: &'static str, text: String| {
            text.parse::<u64>()
                .map_err(|_| ConfigError::Variable { name, message: format!("{text:?}: expected a number") })
        };
        if let Some(id) = env("TENGU_GITHUB_APP_ID") {
            config.github.app_id = Some(number("TENGU_GITHUB_APP_ID", id)?);
        }
        if let Some(path) = env("TENGU_GITHUB_PRIVATE_KEY_PATH") {
            config.github.private_key_path = Some(path);
        }
        if let Some(id) = env("TENGU_GITHUB_INSTALLATION_ID") {
            config.github.installation_id = Some(number("TENGU_GITHUB_INSTALLATION_ID", id)?);
        }
        if let Some(token) = env("TENGU_GITHUB_TOKEN") {
            config.github.token = Some(Secret(token));
        }
        if let Some(secret) = env("TENGU_GITHUB_WEBHOOK_SECRET") {
            config.github.webhook_secret = Some(Secret(secret));
        }
        if let Some(secret) = env("TENGU_GITHUB_WEBHOOK_SECRET_PREVIOUS") {
            config.github.previous_webhook_secret = Some(Secret(secret));
        }
        if let Some(region) = env("TENGU_AWS_REGION") {
            config.aws.region = Some(region);
        }
        if let Some(url) = env("TENGU_AWS_ENDPOINT_URL") {
            config.aws.endpoint_url = Some(url);
        }
        if let Some(url) = env("TENGU_SLACK_WEBHOOK_URL") {
            config.slack.webhook_url = Some(Secret(url));
        }
        if let Some(minutes) = env("TENGU_REMINDERS_EVERY_MINUTES") {
            config.reminders.every_minutes = minutes.parse().map_err(|_| ConfigError::Variable {
                name: "TENGU_REMINDERS_EVERY_MINUTES",
                message: format!("{minutes:?}: expected a number of minutes"),
            })?;
        }
        if let Some(hours) = env("TENGU_REMINDERS_QUIET_HOURS") {
            config.reminders.quiet_hours = Some(hours);
        }
        if let Some(offset) = env("TENGU_REMINDERS_UTC_OFFSET") {
            config.reminders.utc_offset = Some(offset);
        }
        config.reminders.policy()?;
        for environment in &config.environments {
            environment.environment()?;
        }
        Ok(config)
    }

    /// The deploy targets, parsed.
    pub fn environments(&self) -> Result<Vec<Environment>, ConfigError> {
        self.environments.iter().map(EnvironmentConfig::environment).collect()
    }

    pub fn review_settings(&self) -> Result<Vec<tengu_core::domain::ReviewSettings>, ConfigError> {
        let settings: Vec<_> = self.review_environments.iter().map(ReviewConfig::settings).collect::<Result<_, _>>()?;
        // Two repositories on one template would share hosts: the template must tell them apart.
        let shared = settings.iter().any(|a| {
            settings
                .iter()
                .any(|b| a.repo != b.repo && a.url_template == b.url_template && !a.url_template.contains("{repo}"))
        });
        if shared {
            return Err(ConfigError::Environment {
                name: "review environments".into(),
                message: "url_template: repositories that share a template need {repo} in it".into(),
            });
        }
        Ok(settings)
    }

    /// How tengu signs in to GitHub, when it is configured: a token, or an App with its private key file.
    pub fn github_credentials(&self) -> Result<Option<Credentials>, ConfigError> {
        let github = &self.github;
        match (&github.token, github.app_id, &github.private_key_path) {
            (Some(_), Some(_), _) => {
                Err(ConfigError::Github("[github] has both a token and an app_id; keep one of them".into()))
            }
            (Some(token), None, _) => Ok(Some(Credentials::Token(token.0.clone()))),
            (None, Some(app_id), Some(path)) => {
                let private_key_pem = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::Github(format!("the GitHub App private key {path} cannot be read: {e}"))
                })?;
                Ok(Some(Credentials::App { app_id, private_key_pem, installation_id: github.installation_id }))
            }
            (None, Some(_), None) => Err(ConfigError::Github(
                "[github] app_id needs private_key_path (or TENGU_GITHUB_PRIVATE_KEY_PATH), the App's PEM key".into(),
            )),
            (None, None, _) => Ok(None),
        }
    }

    pub fn github_settings(&self) -> Result<Option<GithubSettings>, ConfigError> {
        let Some(credentials) = self.github_credentials()? else { return Ok(None) };
        let mut settings = GithubSettings::new(credentials);
        if let Some(url) = &self.github.api_url {
            settings.api_url = url.clone();
        }
        settings.graphql_url = self.github.graphql_url.clone();
        Ok(Some(settings))
    }

    pub fn slack_webhook_url(&self) -> Option<&str> {
        self.slack.webhook_url.as_ref().map(|secret| secret.0.as_str())
    }

    /// The secrets a webhook delivery may be signed with: the current one, then the one being rotated out.
    pub fn webhook_secrets(&self) -> Vec<Vec<u8>> {
        [&self.github.webhook_secret, &self.github.previous_webhook_secret]
            .into_iter()
            .flatten()
            .map(|secret| secret.0.as_bytes().to_vec())
            .collect()
    }

    /// With neither GitHub nor AWS configured, tengu runs the sandbox.
    pub fn is_sandbox(&self) -> bool {
        self.github.token.is_none() && self.github.app_id.is_none() && !self.aws.is_configured()
    }
}

/// The database URL without its password, for the log.
pub fn redacted_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn defaults_run_the_sandbox_on_a_sqlite_file() {
        let config = Config::load(Some(Path::new("/dev/null")), env(&[])).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert!(config.is_sandbox());
    }

    #[test]
    fn environment_variables_override_the_file() {
        let dir = std::env::temp_dir().join(format!("tengu-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tengu.toml");
        std::fs::write(&file, "database_url = \"sqlite://file.db\"\nlog_format = \"json\"\n[slack]\nwebhook_url = \"https://hooks.example/T/B/x\"\n").unwrap();
        let config = Config::load(Some(&file), env(&[("TENGU_DATABASE_URL", "postgres://u:p@h/db")])).unwrap();
        assert_eq!(config.database_url, "postgres://u:p@h/db");
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(config.slack.webhook_url.is_some());
    }

    #[test]
    fn secrets_never_print() {
        let config = Config::load(
            Some(Path::new("/dev/null")),
            env(&[("TENGU_GITHUB_TOKEN", "ghp_supersecret"), ("TENGU_SLACK_WEBHOOK_URL", "https://hooks/secret")]),
        )
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("supersecret") && !printed.contains("hooks/secret"), "{printed}");
        assert!(!config.is_sandbox());
        assert_eq!(redacted_url("postgres://tengu:hunter2@db:5432/tengu"), "postgres://tengu:***@db:5432/tengu");
        assert_eq!(redacted_url("sqlite://data/tengu.db"), "sqlite://data/tengu.db");
    }

    #[test]
    fn reminders_read_quiet_hours_and_a_time_zone() {
        let config = Config::load(
            Some(Path::new("/dev/null")),
            env(&[("TENGU_REMINDERS_QUIET_HOURS", "22-8"), ("TENGU_REMINDERS_UTC_OFFSET", "+09:00")]),
        )
        .unwrap();
        let policy = config.reminders.policy().unwrap();
        assert_eq!(policy.quiet_hours, Some(QuietHours { from: 22, to: 8 }));
        assert_eq!((policy.every_minutes, policy.utc_offset_minutes), (120, 540));
        assert_eq!(parse_offset("-05:30"), Some(-330));
        for (name, value) in [
            ("TENGU_REMINDERS_QUIET_HOURS", "22"),
            ("TENGU_REMINDERS_QUIET_HOURS", "25-3"),
            ("TENGU_REMINDERS_UTC_OFFSET", "09:00"),
            ("TENGU_REMINDERS_EVERY_MINUTES", "0"),
        ] {
            let err = Config::load(Some(Path::new("/dev/null")), env(&[(name, value)])).unwrap_err();
            assert!(err.to_string().contains("reminders") || err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn environments_and_a_github_app_come_from_the_file() {
        let dir = std::env::temp_dir().join(format!("tengu-config-envs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("app.pem");
        std::fs::write(&key, "-----BEGIN RSA PRIVATE KEY-----\n").unwrap();
        let file = dir.join("tengu.toml");
        let text = format!(
            "[github]\napp_id = 12\nprivate_key_path = {:?}\napi_url = \"https://ghe.acme.test/api/v3\"\n\
             [[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"shop\"\n\
             services = [\"web\"]\ndraft = true\nlabels = [\"deploy\"]\nassignees = [\"release-captain\"]\n\
             title_template = \"Ship {{env}}\"\nrefresh_on_push = true\ncontainers = [\"app\"]\n\
             url = \"https://shop.example.com\"\n\
             [aws]\nregion = \"ap-northeast-1\"\nendpoint_url = \"http://127.0.0.1:5000\"\nmax_attempts = 3\n\
             [deploys]\npoll_every_seconds = 2\ntimeout_minutes = 30\nauto_rollback = false\n\
             [[review_environments]]\nrepo = \"acme/shop\"\ncluster = \"shop-review\"\n\
             task_definition = \"shop-review\"\nsubnets = [\"subnet-1\"]\nsecurity_groups = [\"sg-1\"]\n\
             container = \"app\"\nport = 8080\nurl_template = \"https://pr-{{number}}.review.acme.test\"\n\
             environment = {{ RAILS_ENV = \"review\" }}\nmax_concurrent = 4\n",
            key.display().to_string()
        );
        std::fs::write(&file, text).unwrap();
        let config = Config::load(Some(&file), env(&[])).unwrap();
        assert!(!config.is_sandbox());
        let environments = config.environments().unwrap();
        let production = &environments[0];
        assert_eq!(production.deploy_branch.as_str(), "deployment/production");
        assert_eq!(production.source_branch.as_str(), "master");
        assert!(production.deploy_pr.draft && production.deploy_pr.refresh_on_push);
        assert_eq!(production.deploy_pr.title_template, "Ship {env}");
        assert_eq!(production.containers, ["app"]);
        assert_eq!(production.url.as_deref(), Some("https://shop.example.com"));
        let aws = config.aws.settings();
        assert_eq!(aws.region.as_deref(), Some("ap-northeast-1"));
        assert_eq!(aws.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!((aws.max_attempts, aws.static_credentials.is_none()), (3, true));
        let review = &config.review_settings().unwrap()[0];
        assert_eq!((review.cluster.as_str(), review.port, review.max_concurrent), ("shop-review", 8080, 4));
        assert_eq!((review.ttl_hours, review.opt_out_label.as_str()), (120, "no-review-env"));
        assert_eq!(review.environment, [("RAILS_ENV".to_owned(), "review".to_owned())]);
        let policy = config.deploys.policy();
        assert_eq!((policy.poll_every_ms, policy.timeout_minutes, policy.auto_rollback), (2000, 30, false));
        let settings = config.github_settings().unwrap().unwrap();
        assert_eq!(settings.api_url, "https://ghe.acme.test/api/v3");
        assert!(matches!(settings.credentials, Credentials::App { app_id: 12, installation_id: None, .. }));

        std::fs::write(&file, "[[environments]]\nname = \"Prod\"\nrepo = \"acme/shop\"\ncluster = \"c\"\n").unwrap();
        let err = Config::load(Some(&file), env(&[])).unwrap_err();
        assert!(err.to_string().starts_with("environment \"Prod\" is not valid: name:"), "{err}");
        let err = Config::load(Some(Path::new("/dev/null")), env(&[("TENGU_GITHUB_APP_ID", "12")]))
            .unwrap()
            .github_settings()
            .err()
            .unwrap();
        assert!(err.to_string().contains("needs private_key_path"), "{err}");
    }

    #[test]
    fn bad_input_gets_a_sentence() {
        let err = Config::load(Some(Path::new("/dev/null")), env(&[("TENGU_LOG_FORMAT", "xml")])).unwrap_err();
        assert!(err.to_string().contains("expected pretty or json"));
        let dir = std::env::temp_dir().join(format!("tengu-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tengu.toml");
        std::fs::write(&file, "databse_url = 1\n").unwrap();
        let err = Config::load(Some(&file), env(&[])).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}
