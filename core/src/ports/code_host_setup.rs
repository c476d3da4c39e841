use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::CodeHostError;

/// How tengu is set up on GitHub, as GitHub itself has it: the App's settings (for `tengu doctor`) and its webhook
/// delivery log (to recover what GitHub sent while no tengu listened).
#[async_trait]
pub trait CodeHostSetup: Send + Sync {
    /// The App's settings compared with what tengu needs; None when tengu signs in with a token (no App to ask).
    async fn app_setup(&self) -> Result<Option<AppSetup>, CodeHostError>;

    /// The App's webhook deliveries GitHub logged since `since`, newest first, at most `max` (none without an App).
    async fn logged_deliveries(&self, since: DateTime<Utc>, max: usize) -> Result<Vec<LoggedDelivery>, CodeHostError>;

    /// Asks GitHub to send a logged delivery again (same delivery id, so tengu stores it once).
    async fn redeliver(&self, logged: &LoggedDelivery) -> Result<(), CodeHostError>;
}

/// One entry of the App's delivery log (`GET /app/hook/deliveries`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedDelivery {
    /// The log entry's id (what a redelivery names).
    pub id: u64,
    /// The delivery's id, `X-GitHub-Delivery`: the same for every attempt at it.
    pub guid: String,
    pub event: String,
    pub delivered_at: DateTime<Utc>,
    /// An attempt someone asked for again.
    pub redelivery: bool,
    /// What tengu answered; 0 when GitHub could not reach it.
    pub status_code: u16,
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

    async fn logged_deliveries(&self, _: DateTime<Utc>, _: usize) -> Result<Vec<LoggedDelivery>, CodeHostError> {
        Ok(Vec::new())
    }

    async fn redeliver(&self, _: &LoggedDelivery) -> Result<(), CodeHostError> {
        Ok(())
    }
}

/// Makes tengu's GitHub App from the code GitHub hands back after a person created it from tengu's manifest.
#[async_trait]
pub trait AppRegistrar: Send + Sync {
    /// The App's id and credentials; GitHub answers a code once, within an hour of its making.
    async fn register(&self, code: &str) -> Result<RegisteredApp, CodeHostError>;
}

/// A GitHub App just made from tengu's manifest, with the credentials GitHub shows only this once.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisteredApp {
    pub id: u64,
    pub slug: String,
    /// The App's page on GitHub (`https://github.com/apps/tengu-acme`); installing it starts there.
    pub html_url: String,
    /// The account or organization that owns it.
    pub owner: String,
    pub client_id: String,
    pub client_secret: String,
    pub webhook_secret: String,
    /// The App's private key (PEM).
    pub private_key_pem: String,
}

impl std::fmt::Debug for RegisteredApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredApp")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .field("owner", &self.owner)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}
