//! The GitHub App `/setup` made, kept in the database as a named document: what identifies it in the open, its
//! private key and secrets sealed (`sealing`). The first App stored stays: a second setup cannot replace it.

use serde::{Deserialize, Serialize};
use tengu_core::ports::{DocumentStore, RegisteredApp};

use super::sealing::{SealingError, SealingKey};

const DOCUMENT: &str = "github_app";

#[derive(Serialize, Deserialize)]
struct StoredApp {
    id: u64,
    slug: String,
    html_url: String,
    owner: String,
    client_id: String,
    /// `Secrets` as JSON, sealed, in hex.
    sealed: String,
}

#[derive(Serialize, Deserialize)]
struct Secrets {
    private_key_pem: String,
    client_secret: String,
    webhook_secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoredAppError {
    #[error("the database: {0}")]
    Store(String),
    #[error("the stored GitHub App: {0}")]
    Sealing(#[from] SealingError),
    #[error("the stored GitHub App cannot be read: {0}")]
    Unreadable(String),
    #[error("a GitHub App is already stored; tengu keeps the first")]
    AlreadyStored,
}

fn purpose(id: u64) -> String {
    format!("tengu github app {id}")
}

pub async fn save(store: &dyn DocumentStore, key: &SealingKey, app: &RegisteredApp) -> Result<(), StoredAppError> {
    let secrets = Secrets {
        private_key_pem: app.private_key_pem.clone(),
        client_secret: app.client_secret.clone(),
        webhook_secret: app.webhook_secret.clone(),
    };
    let plain = serde_json::to_vec(&secrets).map_err(|e| StoredAppError::Unreadable(e.to_string()))?;
    let stored = StoredApp {
        id: app.id,
        slug: app.slug.clone(),
        html_url: app.html_url.clone(),
        owner: app.owner.clone(),
        client_id: app.client_id.clone(),
        sealed: hex::encode(key.seal(&plain, &purpose(app.id))?),
    };
    let text = serde_json::to_string(&stored).map_err(|e| StoredAppError::Unreadable(e.to_string()))?;
    match store.replace_document(DOCUMENT, 0, &text).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(StoredAppError::AlreadyStored),
        Err(error) => Err(StoredAppError::Store(error.to_string())),
    }
}

/// Whether an App is stored, without opening it.
pub async fn is_stored(store: &dyn DocumentStore) -> Result<bool, StoredAppError> {
    let found = store.load_document(DOCUMENT).await.map_err(|e| StoredAppError::Store(e.to_string()))?;
    Ok(found.is_some())
}

pub async fn load(store: &dyn DocumentStore, key: &SealingKey) -> Result<Option<RegisteredApp>, StoredAppError> {
    let Some(text) = store.load_document(DOCUMENT).await.map_err(|e| StoredAppError::Store(e.to_string()))? else {
        return Ok(None);
    };
    let stored: StoredApp = serde_json::from_str(&text).map_err(|e| StoredAppError::Unreadable(e.to_string()))?;
    let sealed = hex::decode(&stored.sealed).map_err(|e| StoredAppError::Unreadable(e.to_string()))?;
    let plain = key.open(&sealed, &purpose(stored.id))?;
    let secrets: Secrets = serde_json::from_slice(&plain).map_err(|e| StoredAppError::Unreadable(e.to_string()))?;
    Ok(Some(RegisteredApp {
        id: stored.id,
        slug: stored.slug,
        html_url: stored.html_url,
        owner: stored.owner,
        client_id: stored.client_id,
        client_secret: secrets.client_secret,
        webhook_secret: secrets.webhook_secret,
        private_key_pem: secrets.private_key_pem,
    }))
}
