use std::sync::Arc;

use crate::access_memory::AccessMemory;
use crate::ports::{Clock, CodeHost, Notifier, Orchestrator, People, Policy, Store, TaskRunner};
use crate::settings::Settings;

/// The ports one tengu installation runs on.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub code_host: Arc<dyn CodeHost>,
    pub orchestrator: Arc<dyn Orchestrator>,
    /// Standalone tasks: review environments.
    pub tasks: Arc<dyn TaskRunner>,
    pub notifier: Arc<dyn Notifier>,
    pub clock: Arc<dyn Clock>,
    /// Who may do what on GitHub: permissions, organisation and team membership.
    pub people: Arc<dyn People>,
    pub policy: Arc<dyn Policy>,
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
}

impl Tengu {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings: Arc::new(settings), ports, driving: Arc::default(), access: Arc::default() }
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

    /// The same tengu telling the team through another channel (Slack, from the configuration).
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.ports.notifier = notifier;
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
}
