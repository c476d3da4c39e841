//! Configuration: a TOML file, then `TENGU_*` environment variables over it. Secrets are kept in a type that
//! never prints them.

use std::fmt;
use std::path::Path;

mod auth;
mod aws;
mod deploys;
mod environments;
mod github;
mod reminders;
mod review;
mod slack;

use serde::Deserialize;
use tengu_core::domain::Environment;
use tengu_core::github::{Credentials, GithubSettings};

pub use auth::{AuthConfig, ReviewRouteConfig, SessionsConfig};
pub use aws::AwsConfig;
pub use deploys::DeploysConfig;
pub use environments::EnvironmentConfig;
pub use github::GithubConfig;
pub use reminders::RemindersConfig;
pub use review::ReviewConfig;
pub use slack::{SlackConfig, TeamIds};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tengu.db";
/// The shortest shared secret tengu accepts (webhooks, the review proxy).
pub const MIN_SECRET_BYTES: usize = 16;

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
    pub auth: AuthConfig,
    pub review: ReviewRouteConfig,
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
            auth: AuthConfig::default(),
            review: ReviewRouteConfig::default(),
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
        if let Some(id) = env("TENGU_GITHUB_CLIENT_ID") {
            config.github.client_id = Some(id);
        }
        if let Some(secret) = env("TENGU_GITHUB_CLIENT_SECRET") {
            config.github.client_secret = Some(Secret(secret));
        }
        if let Some(secret) = env("TENGU_REVIEW_PROXY_SECRET") {
            config.review.proxy_secret = Some(Secret(secret));
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
        if let Some(secret) = env("TENGU_SLACK_SIGNING_SECRET") {
            config.slack.signing_secret = Some(Secret(secret));
        }
        if let Some(teams) = env("TENGU_SLACK_TEAM_ID") {
            config.slack.team_id = Some(slack::TeamIds::Many(teams.split(',').map(|t| t.trim().to_owned()).collect()));
        }
        if let Some(token) = env("TENGU_SLACK_BOT_TOKEN") {
            config.slack.bot_token = Some(Secret(token));
        }
        if let Some(url) = env("TENGU_SLACK_API_URL") {
            config.slack.api_url = Some(url);
        }
        if let Some(url) = env("TENGU_SLACK_HOOKS_URL") {
            config.slack.hooks_url = Some(url);
        }
        if let Some(minutes) = env("TENGU_REMINDERS_EVERY_MINUTES") {
            config.reminders.every_minutes = minutes.parse().map_err(|_| ConfigError::Variable {
                name: "TENGU_REMINDERS_EVERY_MINUTES",
                message: format!("{minutes:?}: expected a number of minutes"),
            })?;
        }
        if let Some(seconds) = env("TENGU_DEPLOYS_SWEEP_EVERY_SECONDS") {
            config.deploys.sweep_every_seconds = seconds.parse().map_err(|_| ConfigError::Variable {
                name: "TENGU_DEPLOYS_SWEEP_EVERY_SECONDS",
                message: format!("{seconds:?}: expected a number of seconds"),
            })?;
        }
        if let Some(hours) = env("TENGU_REMINDERS_QUIET_HOURS") {
            config.reminders.quiet_hours = Some(hours);
        }
        if let Some(offset) = env("TENGU_REMINDERS_UTC_OFFSET") {
            config.reminders.utc_offset = Some(offset);
        }
        config.reminders.policy()?;
        config.auth.access_settings()?;
        config.check_secrets()?;
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
        let mut settings: Vec<_> =
            self.review_environments.iter().map(ReviewConfig::settings).collect::<Result<_, _>>()?;
        if let Some(drain) = self.review.drain_seconds {
            // An hour at most: a task kept longer is a task paid for that nobody reaches.
            settings.iter_mut().for_each(|s| s.drain_seconds = drain.min(3600));
        }
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

    pub fn slack_bot_token(&self) -> Option<&str> {
        self.slack.bot_token.as_ref().map(|secret| secret.0.as_str())
    }

    pub fn slack_signing_secret(&self) -> Option<&str> {
        self.slack.signing_secret.as_ref().map(|secret| secret.0.as_str())
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

    /// A short webhook or signing secret (an empty `TENGU_GITHUB_WEBHOOK_SECRET=` above all) makes requests
    /// forgeable.
    fn check_secrets(&self) -> Result<(), ConfigError> {
        let named = [
            ("[github] webhook_secret (TENGU_GITHUB_WEBHOOK_SECRET)", &self.github.webhook_secret),
            (
                "[github] previous_webhook_secret (TENGU_GITHUB_WEBHOOK_SECRET_PREVIOUS)",
                &self.github.previous_webhook_secret,
            ),
            ("[review] proxy_secret (TENGU_REVIEW_PROXY_SECRET)", &self.review.proxy_secret),
            ("[slack] signing_secret (TENGU_SLACK_SIGNING_SECRET)", &self.slack.signing_secret),
        ];
        for (name, secret) in named {
            if let Some(secret) = secret
                && secret.0.len() < MIN_SECRET_BYTES
            {
                return Err(ConfigError::Github(format!(
                    "{name} is {} bytes long; it needs at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`), or \
                     leave it unset",
                    secret.0.len()
                )));
            }
        }
        Ok(())
    }

    /// How long handled webhook deliveries are kept.
    pub fn delivery_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.github.delivery_retention_days.unwrap_or(30).clamp(1, 3650)))
    }

    /// How webhook deliveries are worked off: tries and concurrency from `[github]`, the rest tengu's defaults.
    pub fn delivery_policy(&self) -> tengu_core::domain::DeliveryPolicy {
        let defaults = tengu_core::domain::DeliveryPolicy::default();
        tengu_core::domain::DeliveryPolicy {
            max_attempts: self.github.delivery_max_attempts.unwrap_or(defaults.max_attempts).clamp(1, 100),
            concurrency: self.github.delivery_concurrency.unwrap_or(defaults.concurrency).clamp(1, 64),
            ..defaults
        }
    }

    /// The proxy's shared secret for the review route, when set.
    pub fn review_proxy_secret(&self) -> Option<&str> {
        self.review.proxy_secret.as_ref().map(|s| s.0.as_str())
    }

    /// The OAuth client people sign in through (the GitHub App's, or an OAuth App's), when configured.
    pub fn oauth_client(&self) -> Option<(String, String)> {
        match (&self.github.client_id, &self.github.client_secret) {
            (Some(id), Some(secret)) => Some((id.clone(), secret.0.clone())),
            _ => None,
        }
    }

    /// GitHub's web address (for the OAuth pages): `https://github.com`, or an Enterprise host's root.
    pub fn github_web_url(&self) -> String {
        if let Some(url) = &self.github.web_url {
            return url.trim_end_matches('/').to_owned();
        }
        match self.github.api_url.as_deref().map(|u| u.trim_end_matches('/')) {
            None | Some("https://api.github.com") => "https://github.com".to_owned(),
            Some(api) => api.strip_suffix("/api/v3").unwrap_or(api).to_owned(),
        }
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

    use tengu_core::domain::QuietHours;

    use super::reminders::parse_offset;
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
    fn the_slack_app_is_read_from_the_file_and_its_secrets_from_variables() {
        let dir = std::env::temp_dir().join(format!("tengu-config-slack-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tengu.toml");
        std::fs::write(
            &file,
            "[slack]\nchannel = \"C0TEAM\"\nremind_by = \"dm\"\nteam_id = \"T0ACME\"\n[[environments]]\n\
             name = \"production\"\nrepo = \"acme/shop\"\ncluster = \"shop\"\nservices = [\"web\"]\n\
             slack_channel = \"C0PROD\"\n",
        )
        .unwrap();
        let secret = "8f742231b10e8888abcd99yyyzzz85a5";
        let config = Config::load(
            Some(&file),
            env(&[("TENGU_SLACK_SIGNING_SECRET", secret), ("TENGU_SLACK_BOT_TOKEN", "xoxb-1")]),
        )
        .unwrap();
        assert_eq!((config.slack_signing_secret(), config.slack_bot_token()), (Some(secret), Some("xoxb-1")));
        assert_eq!(config.slack.team_id.as_ref().map(TeamIds::ids), Some(vec!["T0ACME".to_owned()]));
        let teams = Config::load(Some(&file), env(&[("TENGU_SLACK_TEAM_ID", "T1, T2")])).unwrap();
        assert_eq!(teams.slack.team_id.as_ref().map(TeamIds::ids), Some(vec!["T1".to_owned(), "T2".to_owned()]));
        // An empty or short signing secret would let anyone sign requests: it stops the start with a sentence.
        for short in ["", "s3cret", "fifteen-bytes!!"] {
            let refused = Config::load(Some(&file), env(&[("TENGU_SLACK_SIGNING_SECRET", short)])).unwrap_err();
            assert!(refused.to_string().contains("[slack] signing_secret"), "{short:?}: {refused}");
            assert!(refused.to_string().contains("at least 16"), "{short:?}: {refused}");
        }
        assert_eq!(config.slack.channel.as_deref(), Some("C0TEAM"));
        assert_eq!(config.slack.remind_by.as_deref(), Some("dm"));
        assert_eq!(config.environments[0].slack_channel.as_deref(), Some("C0PROD"));
        assert!(!format!("{config:?}").contains("xoxb-1"), "the bot token is never printed");
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
             title_template = \"Ship {{env}}\"\nrefresh_on_push = true\nmerge_deploys = false\ncontainers = [\"app\"]\n\
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
        assert!(!production.deploy_pr.merge_deploys, "the merge waits for CI");
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

    #[test]
    fn a_short_or_empty_shared_secret_is_refused_at_start() {
        let load = |pairs: &[(&str, &str)]| Config::load(Some(Path::new("/dev/null")), env(pairs));
        let err = load(&[("TENGU_GITHUB_WEBHOOK_SECRET", "")]).unwrap_err().to_string();
        assert!(err.contains("webhook_secret") && err.contains("0 bytes long") && err.contains("at least 16"), "{err}");
        assert!(load(&[("TENGU_GITHUB_WEBHOOK_SECRET", "short")]).is_err());
        assert!(load(&[("TENGU_REVIEW_PROXY_SECRET", "0123456789abcde")]).is_err());
        let config = load(&[
            ("TENGU_GITHUB_WEBHOOK_SECRET", "0123456789abcdef"),
            ("TENGU_REVIEW_PROXY_SECRET", "x".repeat(32).as_str()),
        ]);
        assert_eq!(config.unwrap().review_proxy_secret().map(str::len), Some(32));
    }

    #[test]
    fn sign_in_settings_come_from_the_file_and_the_environment() {
        let dir = std::env::temp_dir().join(format!("tengu-config-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tengu.toml");
        std::fs::write(
            &file,
            "[github]\nclient_id = \"Iv1.abc\"\napi_url = \"https://ghe.acme.test/api/v3\"\n\
             [auth]\nallowed_orgs = [\"acme\"]\nallowed_teams = [\"acme/deployers\"]\nsession_idle_hours = 4\n\
             [[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"prod\"\nrequired_role = \"maintain\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), env(&[("TENGU_GITHUB_CLIENT_SECRET", "s3cret")])).unwrap();
        assert_eq!(config.oauth_client(), Some(("Iv1.abc".to_owned(), "s3cret".to_owned())));
        assert_eq!(config.github_web_url(), "https://ghe.acme.test");
        assert_eq!(config.auth.sessions.session_idle_hours, 4);
        assert_eq!(config.auth.sessions.session_max_days, 7);
        let access = config.auth.access_settings().unwrap();
        assert_eq!(
            (access.allowed_orgs, access.allowed_teams),
            (vec!["acme".to_owned()], vec!["acme/deployers".to_owned()])
        );
        let production = &config.environments().unwrap()[0];
        assert_eq!(production.required_permission, Some(tengu_core::domain::Permission::Maintain));
        assert!(!format!("{config:?}").contains("s3cret"), "the client secret never prints");
        std::fs::write(
            &file,
            "[[environments]]\nname = \"dev\"\nrepo = \"acme/shop\"\ncluster = \"c\"\nrequired_role = \"read\"\n",
        )
        .unwrap();
        let err = Config::load(Some(&file), env(&[])).unwrap_err().to_string();
        assert!(err.contains("required_role") && err.contains("expected write, maintain or admin"), "{err}");
    }
}
