//! Putting tengu together from its configuration: the store, then the sandbox or the real adapters.

use std::sync::Arc;

use tengu_aws::AwsEcs;
use tengu_core::Tengu;
use tengu_core::domain::{Environment, ReminderPolicy};
use tengu_core::ports::{
    AccountNotConfigured, AccountResources, Alarms, AlarmsError, EcsNotConfigured, LogNotifier, Notifier, Orchestrator,
    RulePolicy, Store, SystemClock, TaskRunner,
};
use tengu_core::settings::Settings;
use tengu_core::tengu::Ports;
use tengu_github::GithubCodeHost;
use tengu_slack::SlackNotifier;
use tengu_sql::SqlStore;

use crate::config::{Config, redacted_url};

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error("the database at {url} could not be opened: {cause}")]
    Database { url: String, cause: String },
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    #[error("GitHub is configured but no environment is: add at least one [[environments]] to tengu.toml")]
    NoEnvironments,
    #[error("GitHub cannot be used: {0}")]
    Github(String),
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

/// tengu for one command of the command line. Its writes are told to the servers on the same database as it makes
/// them (`SqlStore::close` tells the last ones).
pub async fn tengu(config: &Config, store: SqlStore) -> Result<Tengu, BootError> {
    let feed = store.clone();
    let config = crate::setup::with_stored_app(config.clone(), &store).await?;
    let tengu = tengu_and_simulation(&config, store).await?.0;
    feed.spawn_change_feed(tengu.instance());
    Ok(tengu)
}

/// `tengu`, with the sandbox's simulated GitHub when this is the sandbox (its pages act on it).
pub async fn tengu_and_simulation(
    config: &Config,
    store: SqlStore,
) -> Result<(Tengu, Option<tengu_sandbox::SimulatedGithub>), BootError> {
    let reminders = config.reminders.policy().map_err(|e| BootError::Input(e.to_string()))?;
    let mut reminders = reminders;
    let mut notifier: Arc<dyn Notifier> = match config.slack_webhook_url() {
        Some(url) => Arc::new(SlackNotifier::new(url).map_err(|e| BootError::Input(e.to_string()))?),
        None => Arc::new(LogNotifier),
    };
    let mut chat_setup: Arc<dyn tengu_core::ports::ChatSetup> = Arc::new(tengu_core::ports::NoChatSetup);
    if let Some(token) = config.slack_bot_token() {
        let api = config.slack.api_url.as_deref().unwrap_or(tengu_slack::SlackWeb::SLACK_API);
        let web = tengu_slack::SlackWeb::new(api, token).map_err(|e| BootError::Input(e.to_string()))?;
        let channels: std::collections::HashMap<String, String> = config
            .environments
            .iter()
            .filter_map(|env| env.slack_channel.clone().map(|channel| (env.name.clone(), channel)))
            .collect();
        let mut named: Vec<String> = channels.values().cloned().collect();
        named.sort();
        named.extend(config.slack.channel.clone());
        chat_setup = Arc::new(tengu_slack::SlackSetup::new(web.clone(), named));
        notifier = Arc::new(tengu_slack::SlackBotNotifier::new(web, channels, config.slack.channel.clone(), notifier));
        reminders.direct_messages = match config.slack.remind_by.as_deref() {
            None | Some("channel") => false,
            Some("dm") => true,
            Some(other) => {
                return Err(BootError::Input(format!("[slack] remind_by = {other:?}: expected \"channel\" or \"dm\"")));
            }
        };
    }
    // Every store call waits out a momentarily busy database inside the SQL store itself (`retrying.rs`).
    let store: Arc<dyn Store> = Arc::new(store);
    let (tengu, simulated) = if config.is_sandbox() {
        let (tengu, github) = tengu_sandbox::simulate(store, Arc::new(SystemClock), &config.public_url)
            .await
            .map_err(|e| BootError::Sandbox(e.user_message()))?;
        tracing::info!("running the sandbox: GitHub and ECS are simulated");
        (tengu, Some(github))
    } else {
        (with_github(config, store, reminders).await?, None)
    };
    let access = config.auth.access_settings().map_err(|e| BootError::Input(e.to_string()))?;
    let tengu = tengu
        .with_reminder_policy(reminders)
        .with_notifier(notifier)
        .with_chat_setup(chat_setup)
        .with_weekly_summary(config.slack.weekly_summary == Some(true))
        .with_access_settings(access)
        .with_delivery_policy(config.delivery_policy())
        .with_freezes(config.freeze_windows().map_err(|e| BootError::Input(e.to_string()))?);
    Ok((tengu, simulated))
}

/// GitHub for real, and ECS for real when `[aws]` is configured (without it, ECS questions answer that no AWS
/// account is configured and the deploy-PR flows work as usual).
async fn with_github(config: &Config, store: Arc<dyn Store>, reminders: ReminderPolicy) -> Result<Tengu, BootError> {
    let github = config.github_settings().map_err(|e| BootError::Input(e.to_string()))?;
    let github = github.ok_or_else(|| {
        BootError::Github("no token and no App are configured (`tengu serve` offers /setup to make the App)".into())
    })?;
    let environments = config.environments().map_err(|e| BootError::Input(e.to_string()))?;
    if environments.is_empty() {
        return Err(BootError::NoEnvironments);
    }
    let code_host = Arc::new(GithubCodeHost::new(&github).map_err(|e| BootError::Github(e.to_string()))?);
    tracing::info!(api = %github.api_url, environments = environments.len(), "running on GitHub");
    let settings = Settings {
        environments,
        sandbox: false,
        public_url: config.public_url.clone(),
        github_web_url: config.github_web_url(),
        reminders,
        deploys: config.deploys.policy(),
        review: config.review_settings().map_err(|e| BootError::Input(e.to_string()))?,
        access: Default::default(),
        deliveries: Default::default(),
        freezes: Vec::new(),
        weekly_summary: false,
    };
    let (orchestrator, tasks, account): (Arc<dyn Orchestrator>, Arc<dyn TaskRunner>, Arc<dyn AccountResources>) =
        if config.aws.is_configured() {
            let ecs = Arc::new(AwsEcs::connect(&config.aws.settings()).await);
            tracing::info!(region = ?config.aws.region, endpoint = ?config.aws.endpoint_url, "deploying on ECS");
            (ecs.clone(), ecs, Arc::new(tengu_aws::AwsAccount::connect(&config.aws.settings()).await))
        } else {
            (Arc::new(EcsNotConfigured), Arc::new(EcsNotConfigured), Arc::new(AccountNotConfigured))
        };
    let ports = Ports {
        store,
        code_host: code_host.clone(),
        code_host_setup: code_host.clone(),
        chat_setup: Arc::new(tengu_core::ports::NoChatSetup),
        orchestrator,
        account,
        tasks,
        notifier: Arc::new(LogNotifier),
        clock: Arc::new(SystemClock),
        people: code_host,
        policy: Arc::new(RulePolicy),
        probe: Arc::new(tengu_probe::HttpProbe::new().map_err(|e| BootError::Input(e.to_string()))?),
        alarms: alarms_of(config, &settings.environments).await?,
    };
    Ok(Tengu::new(settings, ports))
}

/// CloudWatch when `[aws]` is configured, once every alarm a verification names is known there (a name it does
/// not know stops the start with a sentence; CloudWatch out of reach is only a warning: it is asked at each bake).
async fn alarms_of(config: &Config, environments: &[Environment]) -> Result<Arc<dyn Alarms>, BootError> {
    if !config.aws.is_configured() {
        return Ok(Arc::new(tengu_core::ports::AlarmsNotConfigured));
    }
    let alarms = tengu_aws::AwsAlarms::connect(&config.aws.settings()).await;
    for env in environments.iter().filter(|env| !env.verification.alarms.is_empty()) {
        match alarms.states(&env.verification.alarms).await {
            Ok(_) => {}
            Err(missing @ AlarmsError::Missing(_)) => {
                return Err(BootError::Input(format!(
                    "environment {:?}: verification.alarms: {missing}",
                    env.name.as_str()
                )));
            }
            Err(AlarmsError::Unavailable(why)) => {
                tracing::warn!(env = %env.name, %why, "CloudWatch could not be asked about the verification's alarms");
            }
        }
    }
    Ok(Arc::new(alarms))
}

pub async fn migrate_only(config: &Config) -> Result<(), BootError> {
    let store = open_store(config).await?;
    store.close().await;
    println!("The database at {} is up to date.", redacted_url(&config.database_url));
    Ok(())
}
