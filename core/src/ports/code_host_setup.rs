use async_trait::async_trait;

use super::CodeHostError;

/// How tengu is set up on GitHub, as GitHub itself has it, for `tengu doctor`.
#[async_trait]
pub trait CodeHostSetup: Send + Sync {
    /// The App's settings compared with what tengu needs; None when tengu signs in with a token (no App to ask).
    async fn app_setup(&self) -> Result<Option<AppSetup>, CodeHostError>;
}

/// A GitHub App's settings as GitHub answers for them (`GET /app`, `GET /app/hook/config`), against tengu's needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSetup {
    /// Its name on GitHub.
    pub name: String,
    /// Each permission tengu needs that the App lacks or has too little of: `Pull requests: write (it has read)`.
    pub missing_permissions: Vec<String>,
    /// Each webhook event tengu needs that the App is not subscribed to.
    pub missing_events: Vec<String>,
    /// Where GitHub sends the App's webhook deliveries; none when it has no webhook.
    pub webhook_url: Option<String>,
    /// Whether GitHub signs them with a secret.
    pub webhook_secret_set: bool,
}

/// No App to ask: the sandbox's simulated GitHub, or a token.
pub struct NoAppSetup;

#[async_trait]
impl CodeHostSetup for NoAppSetup {
    async fn app_setup(&self) -> Result<Option<AppSetup>, CodeHostError> {
        Ok(None)
    }
}
