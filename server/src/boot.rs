//! Putting tengu together from its configuration: the store, then the sandbox or the real adapters.

use std::sync::Arc;

use tengu_core::Tengu;
use tengu_core::ports::{Store, SystemClock};
use tengu_core::sql_store::SqlStore;

use crate::config::{Config, redacted_url};

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error("the database at {url} could not be opened: {cause}")]
    Database { url: String, cause: String },
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    #[error(
        "GitHub or AWS is configured, but the real GitHub and ECS adapters are not part of this version yet; \
         remove [github] and [aws] (and TENGU_GITHUB_TOKEN / TENGU_AWS_REGION) to run the sandbox"
    )]
    AdaptersComing,
    #[error("{0}")]
    Input(String),
    #[error("cannot listen on {addr}: {cause}")]
    Listen { addr: String, cause: String },
}

pub async fn open_store(config: &Config) -> Result<SqlStore, BootError> {
    let url = redacted_url(&config.database_url);
    let database = |cause: String| BootError::Database { url: url.clone(), cause };
    let store = SqlStore::connect(&config.database_url).await.map_err(|e| database(e.to_string()))?;
    store.migrate().await.map_err(|e| database(e.to_string()))?;
    tracing::info!(database = %url, "database ready");
    Ok(store)
}

pub async fn tengu(config: &Config, store: SqlStore) -> Result<Tengu, BootError> {
    if !config.is_sandbox() {
        return Err(BootError::AdaptersComing);
    }
    let store: Arc<dyn Store> = Arc::new(store);
    let tengu = tengu_core::sandbox::start(store, Arc::new(SystemClock), &config.public_url)
        .await
        .map_err(|e| BootError::Sandbox(e.user_message()))?;
    tracing::info!("running the sandbox: GitHub and ECS are simulated");
    let reminders = config.reminders.policy().map_err(|e| BootError::Input(e.to_string()))?;
    Ok(tengu.with_reminder_policy(reminders))
}

pub async fn migrate_only(config: &Config) -> Result<(), BootError> {
    let store = open_store(config).await?;
    store.close().await;
    println!("The database at {} is up to date.", redacted_url(&config.database_url));
    Ok(())
}
