use std::sync::Arc;

use crate::access_memory::AccessMemory;
use crate::ports::{Alarms, Clock, CodeHost, Notifier, Orchestrator, People, Policy, Probe, Store, TaskRunner};
use crate::settings::Settings;

/// The ports one tengu installation runs on.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub code_host: Arc<dyn CodeHost>,
    /// The GitHub App's own settings, as GitHub has them (for `tengu doctor`).
    pub code_host_setup: Arc<dyn crate::ports::CodeHostSetup>,
    /// The chat bot's token and channels, as the chat has them (for `tengu doctor`).
    pub chat_setup: Arc<dyn crate::ports::ChatSetup>,
    pub orchestrator: Arc<dyn Orchestrator>,
    /// The IAM roles and log groups a task definition names, checked before a deploy changes anything.
    pub account: Arc<dyn crate::ports::AccountResources>,
    /// Standalone tasks: review environments.
    pub tasks: Arc<dyn TaskRunner>,
    pub notifier: Arc<dyn Notifier>,
    pub clock: Arc<dyn Clock>,
    /// Who may do what on GitHub: permissions, organisation and team membership.
    pub people: Arc<dyn People>,
    pub policy: Arc<dyn Policy>,
    /// GETs a verification's HTTP checks.
    pub probe: Arc<dyn Probe>,
    /// CloudWatch alarms a verification watches.
    pub alarms: Arc<dyn Alarms>,
}

/// tengu's use cases, over its ports. The web layer and the CLI hold one and only translate to and from it.
#[derive(Clone)]
pub struct Tengu {
    pub(crate) settings: Arc<Settings>,
    pub(crate) ports: Ports,
    /// The deployments this process drives now, so a redelivered webhook or a second click does not start a
    /// second driver of the same deployment.
    #[cfg_attr(not(feature = "runtime"), allow(dead_code))]
    pub(crate) driving: Arc<std::sync::Mutex<std::collections::HashSet<crate::domain::DeploymentId>>>,
    /// Each person's permissions as last looked up.
    pub(crate) access: Arc<AccessMemory>,
    /// Rung when a webhook delivery becomes due, so the worker does not wait for its next look.
    #[cfg(feature = "runtime")]
    pub(crate) delivery_bell: Arc<tokio::sync::Notify>,
    /// This process among the instances sharing the database: who holds a claim or a lease.
    pub(crate) instance: Arc<str>,
    /// What the store's writes touched (this instance's, or another's it heard of): the store's own.
    pub(crate) changes: Arc<crate::ports::Changes>,
    /// What the overview and environment pages were last read as.
    pub(crate) read_models: Arc<crate::read_models::ReadModelCells>,
}

impl Tengu {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        let changes = ports.store.changes();
        Self {
            settings: Arc::new(settings),
            ports,
            read_models: Arc::new(crate::read_models::ReadModelCells::new(changes.clone())),
            changes,
            driving: Arc::default(),
            access: Arc::default(),
            #[cfg(feature = "runtime")]
            delivery_bell: Arc::default(),
            instance: instance_name().into(),
        }
    }

    /// The generations of what tengu keeps (a cache stamped with those of its topics holds until one moves).
    pub fn changes(&self) -> &Arc<crate::ports::Changes> {
        &self.changes
    }

    /// This process's name among the instances sharing the database.
    /// How many deployments this process drives now (it holds each one's driver lease).
    pub fn deployments_driven_here(&self) -> usize {
        self.driving.lock().map(|driving| driving.len()).unwrap_or(0)
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The same tengu under a name that outlives a restart (`host:port` for a server), so a restarted instance
    /// takes its own leases and claims back at once instead of waiting for them to lapse.
    pub fn with_instance(mut self, name: &str) -> Self {
        self.instance = name.into();
        self
    }

    /// The same tengu working off webhook deliveries by another policy (from the configuration, or a test's).
    pub fn with_delivery_policy(mut self, deliveries: crate::domain::DeliveryPolicy) -> Self {
        let mut settings = (*self.settings).clone();
        settings.deliveries = deliveries;
        self.settings = Arc::new(settings);
        self
    }

    /// The same tengu holding these freeze windows (from the configuration, or a test's).
    pub fn with_freezes(mut self, freezes: Vec<crate::domain::FreezeWindow>) -> Self {
        let mut settings = (*self.settings).clone();
        settings.freezes = freezes;
        self.settings = Arc::new(settings);
        self
    }

    /// The same tengu serving these environments instead (a test's variation of the configured ones).
    pub fn with_environments(mut self, environments: Vec<crate::domain::Environment>) -> Self {
        let mut settings = (*self.settings).clone();
        settings.environments = environments;
        self.settings = Arc::new(settings);
        self
    }

    /// The same tengu with review environments configured for these repositories.
    pub fn with_review_settings(mut self, review: Vec<crate::domain::ReviewSettings>) -> Self {
        let mut settings = (*self.settings).clone();
        settings.review = review;
        self.settings = Arc::new(settings);
        self
    }

    /// The same tengu with another reminder policy (from the configuration).
    pub fn with_reminder_policy(mut self, reminders: crate::domain::ReminderPolicy) -> Self {
        let mut settings = (*self.settings).clone();
        settings.reminders = reminders;
        self.settings = Arc::new(settings);
        self
    }

    /// The same tengu posting (or not) last week's insights each Monday.
    pub fn with_weekly_summary(mut self, on: bool) -> Self {
        let mut settings = (*self.settings).clone();
        settings.weekly_summary = on;
        self.settings = Arc::new(settings);
        self
    }

    /// The same tengu telling the team through another channel (Slack, from the configuration).
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.ports.notifier = notifier;
        self
    }

    /// The same tengu deploying on another ECS (a benchmark's, that completes at once).
    /// The same tengu reading the GitHub App's settings through this (a stand-in of GitHub's answers).
    pub fn with_code_host_setup(mut self, setup: Arc<dyn crate::ports::CodeHostSetup>) -> Self {
        self.ports.code_host_setup = setup;
        self
    }

    /// The same tengu asking the team's chat about its bot and channels through this.
    pub fn with_chat_setup(mut self, setup: Arc<dyn crate::ports::ChatSetup>) -> Self {
        self.ports.chat_setup = setup;
        self
    }

    pub fn with_orchestrator(mut self, orchestrator: Arc<dyn Orchestrator>) -> Self {
        self.ports.orchestrator = orchestrator;
        self
    }

    /// The same tengu asking verifications' checks through these (real adapters over a benchmark's stand-ins).
    pub fn with_checks(mut self, probe: Arc<dyn Probe>, alarms: Arc<dyn Alarms>) -> Self {
        self.ports.probe = probe;
        self.ports.alarms = alarms;
        self
    }

    /// The same tengu with these sign-in rules (allowed organisations and teams, how long a lookup holds).
    pub fn with_access_settings(mut self, access: crate::settings::AccessSettings) -> Self {
        let mut settings = (*self.settings).clone();
        settings.access = access;
        self.settings = Arc::new(settings);
        self
    }

    /// Forgets what was looked up about a person (they signed out).
    pub fn forget_person(&self, login: &crate::domain::Login) {
        self.access.forget(login);
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The standalone tasks review environments run on (tests look at them as ECS would show them).
    pub fn tasks(&self) -> &Arc<dyn TaskRunner> {
        &self.ports.tasks
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.ports.store
    }

    pub fn code_host(&self) -> &Arc<dyn CodeHost> {
        &self.ports.code_host
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.ports.clock
    }
}

/// `host:pid:start`: unique among live processes, and readable in a claim or a lease.
fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "tengu".to_owned());
    #[cfg(feature = "runtime")]
    let started =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0);
    #[cfg(not(feature = "runtime"))]
    let started = 0;
    format!("{host}:{}:{started}", std::process::id())
}
