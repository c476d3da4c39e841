//! Configuration: a TOML file, then `TENGU_*` environment variables over it. Secrets are kept in a type that
//! never prints them.

use std::fmt;
use std::path::Path;

mod auth;
mod aws;
mod deploys;
mod environments;
mod freezes;
mod github;
mod reminders;
mod review;
mod slack;
mod variables;
mod verification;

use serde::Deserialize;
use tengu_core::domain::Environment;
use tengu_github::{Credentials, GithubSettings};

pub use auth::{AuthConfig, ReviewRouteConfig, SessionsConfig};
pub use aws::AwsConfig;
pub use deploys::DeploysConfig;
pub use environments::EnvironmentConfig;
pub use freezes::FreezeConfig;
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
    /// When nothing ships.
    pub freeze_windows: Vec<FreezeConfig>,
    pub auth: AuthConfig,
    pub review: ReviewRouteConfig,
    /// The bearer token `/metrics` asks for; without one, `/metrics` is off.
    pub metrics_token: Option<Secret>,
    /// `false` runs for real although nothing of GitHub or AWS is configured yet: tengu then offers `/setup`,
    /// which makes its GitHub App. Unset: the sandbox exactly when neither GitHub nor AWS is configured.
    pub sandbox: Option<bool>,
    /// 32 bytes in hex (`openssl rand -hex 32`), from `TENGU_SECRET_KEY` only: seals the credentials of the GitHub
    /// App `/setup` made before they are stored.
    #[serde(skip)]
    pub secret_key: Option<Secret>,
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
            freeze_windows: Vec::new(),
            auth: AuthConfig::default(),
            review: ReviewRouteConfig::default(),
            metrics_token: None,
            sandbox: None,
            secret_key: None,
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
    #[error("freeze window {name:?} is not valid: {message}")]
    Freeze { name: String, message: String },
}

impl Config {
    /// Reads `file` (or `./tengu.toml` when present), then applies `TENGU_*` variables from `env`.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let default_file = Path::new("tengu.toml");
        let given_text = env("TENGU_CONFIG_TOML").filter(|text| !text.trim().is_empty());
        let mut config = match (given_text, file) {
            (Some(_), Some(path)) => {
                return Err(ConfigError::Parse {
                    path: path.display().to_string(),
                    message: "TENGU_CONFIG_TOML is set too: give the configuration once".into(),
                });
            }
            (Some(text), None) => parsed("TENGU_CONFIG_TOML", &text)?,
            (None, file) => match file.or_else(|| default_file.exists().then_some(default_file)) {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
                    parsed(&path.display().to_string(), &text)?
                }
                None => Config::default(),
            },
        };
        config.apply_server_variables(&env)?;
        config.apply_github_variables(&env)?;
        config.apply_aws_variables(&env)?;
        config.apply_slack_variables(&env)?;
        config.apply_schedule_variables(&env)?;
        config.reminders.policy()?;
        config.auth.access_settings()?;
        config.check_secrets()?;
        for environment in &config.environments {
            environment.environment()?;
        }
        config.freeze_windows()?;
        config.check_alarms_have_aws()?;
        if config.slack.weekly_summary == Some(true) && config.slack.bot_token.is_none() {
            return Err(ConfigError::Github(
                "[slack] weekly_summary posts through the Slack bot: set [slack] bot_token (TENGU_SLACK_BOT_TOKEN) too"
                    .into(),
            ));
        }
        Ok(config)
    }

    /// Alarms are read from CloudWatch: an environment that names some needs `[aws]`.
    fn check_alarms_have_aws(&self) -> Result<(), ConfigError> {
        let named = self.environments.iter().find(|env| !env.verification.alarms.is_empty());
        match named {
            Some(env) if !self.aws.is_configured() => Err(ConfigError::Environment {
                name: env.name.clone(),
                message: "verification.alarms: CloudWatch alarms need [aws] (a region; credentials come from the \
                          standard chain)"
                    .into(),
            }),
            _ => Ok(()),
        }
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
            (None, Some(app_id), _) if github.private_key.is_some() => {
                let private_key_pem = github.private_key.as_ref().map(|key| key.0.clone()).unwrap_or_default();
                Ok(Some(Credentials::App { app_id, private_key_pem, installation_id: github.installation_id }))
            }
            (None, Some(app_id), Some(path)) => {
                let private_key_pem = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::Github(format!("the GitHub App private key {path} cannot be read: {e}"))
                })?;
                Ok(Some(Credentials::App { app_id, private_key_pem, installation_id: github.installation_id }))
            }
            (None, Some(_), None) => Err(ConfigError::Github(
                "[github] app_id needs private_key_path (or TENGU_GITHUB_PRIVATE_KEY_PATH, or the PEM itself in \
                 TENGU_GITHUB_PRIVATE_KEY), the App's key"
                    .into(),
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
    pub fn metrics_token(&self) -> Option<&str> {
        self.metrics_token.as_ref().map(|s| s.0.as_str())
    }

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

    /// With neither GitHub nor AWS configured, tengu runs the sandbox (unless `sandbox = false` says otherwise).
    pub fn is_sandbox(&self) -> bool {
        let nothing_real = self.github.token.is_none() && self.github.app_id.is_none() && !self.aws.is_configured();
        self.sandbox.unwrap_or(nothing_real)
    }

    /// Running for real without a way to sign in to GitHub: the App is still to be made (`/setup`) or read back.
    pub fn lacks_github(&self) -> bool {
        !self.is_sandbox() && self.github.token.is_none() && self.github.app_id.is_none()
    }

    /// The key that seals what `/setup` stores, when `TENGU_SECRET_KEY` is set.
    pub fn secret_key(&self) -> Option<&str> {
        self.secret_key.as_ref().map(|s| s.0.as_str())
    }
}

/// A configuration file's text, read; `path` names where it came from.
fn parsed(path: &str, text: &str) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse { path: path.to_owned(), message: e.message().to_owned() })
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
mod tests;
