//! `[github]`: how tengu reaches GitHub, signs in as an App or with a token, and checks webhooks.

use serde::Deserialize;
use tengu_core::ports::RegisteredApp;

use super::*;

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
    /// The private key itself (PEM), from `TENGU_GITHUB_PRIVATE_KEY` only: a secret store hands it to a container
    /// as a variable, not a file. Never read from the file.
    #[serde(skip)]
    pub private_key: Option<Secret>,
    pub installation_id: Option<u64>,
    pub webhook_secret: Option<Secret>,
    /// The secret being rotated out: deliveries signed with it are accepted until it is removed.
    pub previous_webhook_secret: Option<Secret>,
    /// The OAuth client people sign in with: the GitHub App's client id and secret (or an OAuth App's).
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// GitHub's web address for sign-in, when it is not derived from `api_url` (`https://github.com`).
    pub web_url: Option<String>,
    /// How long handled webhook deliveries are kept (30 days unless set); unhandled ones stay until handled.
    pub delivery_retention_days: Option<u32>,
    /// Tries per delivery before it is parked as failed on the deliveries page (10 unless set; the waits double
    /// from 15 s up to an hour).
    pub delivery_max_attempts: Option<u32>,
    /// Deliveries handled at once (4 unless set).
    pub delivery_concurrency: Option<usize>,
}

impl Config {
    /// Signs in as the App `/setup` made. What the configuration sets itself (a webhook secret being rotated in, a
    /// sign-in client of its own) stays.
    pub fn adopt_app(&mut self, app: &RegisteredApp) {
        let github = &mut self.github;
        github.app_id = Some(app.id);
        github.private_key = Some(Secret(app.private_key_pem.clone()));
        github.private_key_path = None;
        github.webhook_secret.get_or_insert_with(|| Secret(app.webhook_secret.clone()));
        if github.client_id.is_none() {
            github.client_id = Some(app.client_id.clone());
            github.client_secret = Some(Secret(app.client_secret.clone()));
        }
    }
}
