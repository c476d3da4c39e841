//! The `TENGU_*` variables, applied over the file's settings (a variable wins).

use super::{Config, ConfigError, LogFormat, Secret, slack};

impl Config {
    /// The database, the public URL and the log format.
    pub(super) fn apply_server_variables(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let config = self;
        if let Some(url) = env("TENGU_DATABASE_URL") {
            config.database_url = url;
        }
        // A secret store hands the password apart from the address (RDS keeps it in its own secret).
        if let Some(password) = env("TENGU_DATABASE_PASSWORD") {
            config.database_url = with_password(&config.database_url, &password)
                .map_err(|message| ConfigError::Variable { name: "TENGU_DATABASE_PASSWORD", message })?;
        }
        if let Some(url) = env("TENGU_PUBLIC_URL") {
            config.public_url = url;
        }
        if let Some(token) = env("TENGU_METRICS_TOKEN").filter(|token| !token.trim().is_empty()) {
            config.metrics_token = Some(Secret(token));
        }
        if let Some(key) = env("TENGU_SECRET_KEY").filter(|key| !key.trim().is_empty()) {
            config.secret_key = Some(Secret(key.trim().to_owned()));
        }
        if let Some(sandbox) = env("TENGU_SANDBOX") {
            config.sandbox = Some(match sandbox.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                other => {
                    return Err(ConfigError::Variable {
                        name: "TENGU_SANDBOX",
                        message: format!("{other:?}: expected true or false"),
                    });
                }
            });
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
        Ok(())
    }

    /// The GitHub App or token, the webhook secrets and the sign-in client.
    pub(super) fn apply_github_variables(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let config = self;
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
        if let Some(pem) = env("TENGU_GITHUB_PRIVATE_KEY").filter(|pem| !pem.trim().is_empty()) {
            config.github.private_key = Some(Secret(pem));
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
        Ok(())
    }

    /// AWS, and the review environments' proxy secret.
    pub(super) fn apply_aws_variables(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let config = self;
        if let Some(secret) = env("TENGU_REVIEW_PROXY_SECRET") {
            config.review.proxy_secret = Some(Secret(secret));
        }
        if let Some(region) = env("TENGU_AWS_REGION") {
            config.aws.region = Some(region);
        }
        if let Some(url) = env("TENGU_AWS_ENDPOINT_URL") {
            config.aws.endpoint_url = Some(url);
        }
        Ok(())
    }

    /// Slack's webhook, signing secret, workspaces and bot.
    pub(super) fn apply_slack_variables(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let config = self;
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
        Ok(())
    }

    /// How often reminders and the sweep for unfinished deployments run.
    pub(super) fn apply_schedule_variables(
        &mut self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let config = self;
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
        Ok(())
    }
}

/// `postgres://tengu@db:5432/tengu` with `password` in it, percent-encoded.
fn with_password(url: &str, password: &str) -> Result<String, String> {
    let (scheme, rest) = url.split_once("://").ok_or("TENGU_DATABASE_URL must be a postgres:// address")?;
    if !scheme.starts_with("postgres") {
        return Err(format!("a password goes with a postgres:// database, not {scheme}://"));
    }
    let (user_info, host) =
        rest.split_once('@').ok_or("TENGU_DATABASE_URL must name its user (postgres://user@host/db)")?;
    let user = user_info.split(':').next().unwrap_or(user_info);
    let encoded: String = password
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    Ok(format!("{scheme}://{user}:{encoded}@{host}"))
}
