//! Running for real before tengu has a GitHub App: `/setup` makes one from tengu's manifest for the first person
//! who brings the one-time setup code from the log, stores its credentials sealed (`sealing`, `stored`), and tengu
//! goes on to start with it. A stored App is read back at every later start, by the server and the command line.

mod pages;
mod routes;
pub mod sealing;
pub mod stored;

use std::sync::Arc;

use leptos::config::LeptosOptions;
use tengu_core::ports::{AppRegistrar, DocumentStore, RegisteredApp};
use tengu_sql::SqlStore;

use crate::boot::BootError;
use crate::config::Config;
pub use routes::{Setup, router};
use sealing::SealingKey;

/// The configuration with the App `/setup` stored, when the configuration names no way into GitHub itself.
pub async fn with_stored_app(config: Config, store: &SqlStore) -> Result<Config, BootError> {
    if config.sandbox == Some(true) || config.github.token.is_some() || config.github.app_id.is_some() {
        return Ok(config);
    }
    if !stored::is_stored(store).await.map_err(stored_error)? {
        return Ok(config);
    }
    let key = sealing_key(&config)?;
    let Some(app) = stored::load(store, &key).await.map_err(stored_error)? else { return Ok(config) };
    Ok(adopted(config, &app))
}

/// The configuration ready to serve: with the stored App, or with the one `/setup` makes now (served until a person
/// has made it). None when the process was asked to stop first.
pub async fn completed(config: Config, store: &SqlStore, options: &LeptosOptions) -> Result<Option<Config>, BootError> {
    let config = with_stored_app(config, store).await?;
    if !config.lacks_github() {
        return Ok(Some(config));
    }
    let key = sealing_key(&config)?;
    let api_url = config.github.api_url.clone().unwrap_or_else(|| "https://api.github.com".to_owned());
    let registrar = tengu_github::ManifestRegistrar::new(&api_url).map_err(|e| BootError::Github(e.to_string()))?;
    let setup = Setup::new(&config, key, Arc::new(store.clone()), Arc::new(registrar));
    match serve_setup(setup, options).await? {
        Some(app) => Ok(Some(adopted(config, &app))),
        None => Ok(None),
    }
}

fn adopted(mut config: Config, app: &RegisteredApp) -> Config {
    tracing::info!(app = %app.slug, owner = %app.owner, "signing in to GitHub as the App /setup made");
    config.adopt_app(app);
    config
}

fn sealing_key(config: &Config) -> Result<SealingKey, BootError> {
    let text = config.secret_key().ok_or_else(|| {
        BootError::Input(
            "tengu keeps the GitHub App /setup makes sealed with TENGU_SECRET_KEY, which is not set: set it to 32 \
             random bytes in hex (`openssl rand -hex 32`), and keep it with the database's backups"
                .into(),
        )
    })?;
    SealingKey::parse(text).map_err(|e| BootError::Input(e.to_string()))
}

fn stored_error(error: stored::StoredAppError) -> BootError {
    BootError::Input(error.to_string())
}

/// Serves `/setup` on the dashboard's address until the App is made (or a stop is asked for).
async fn serve_setup(setup: Arc<Setup>, options: &LeptosOptions) -> Result<Option<RegisteredApp>, BootError> {
    let addr = options.site_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| BootError::Listen { addr: addr.to_string(), cause: e.to_string() })?;
    let mut made = setup.made();
    tracing::warn!(
        code = %setup.code(),
        "tengu has no GitHub App yet: open {}/setup and enter this setup code to make it",
        setup.public_url()
    );
    let app = router(setup.clone(), &options.site_root);
    let finished = async move {
        tokio::select! {
            _ = made.wait_for(Option::is_some) => {},
            () = crate::web::shutdown_signal() => {},
        }
    };
    crate::web::listen::serve(listener, app, finished).await;
    Ok(setup.made().borrow().clone())
}

/// What a store of the made App needs (the SQL store, or a test's).
pub type AppDocuments = Arc<dyn DocumentStore>;

/// What exchanges GitHub's code (the real adapter, or a test's pointed at a stand-in).
pub type Registrar = Arc<dyn AppRegistrar>;
