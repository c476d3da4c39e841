//! The read models of the overview and the environment pages: what every viewer's page is cut from.

use crate::domain::{
    AuditEntry, CheckResult, DeployPr, Deployment, DeploymentFilter, DeploymentState, EnvName, EnvironmentLock,
    ReviewEnv, ReviewEnvState, ServiceHealth,
};
use crate::error::CoreError;
use crate::ports::{Topic, Topics};
use crate::tengu::Tengu;

/// How many deployments, activity entries and live review environments the overview lists.
pub const RECENT_DEPLOYMENTS: u32 = 10;
/// Entries are read four times over, since a viewer may see only some of them.
pub const RECENT_ACTIVITY: u32 = 8;
pub const LIVE_REVIEW_ENVS: usize = 20;
/// How many deployments an environment's page lists.
pub const ENVIRONMENT_HISTORY: u32 = 10;
/// How many earlier successes the rollback menu offers.
pub const ROLLBACK_CHOICES: u32 = 10;

/// Everything the overview shows, for every repository (each viewer sees the part they may).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// For each configured environment, in the configuration's order: its newest deployment and its newest success.
    pub environments: Vec<(Option<Deployment>, Option<Deployment>)>,
    pub open_deploy_prs: Vec<DeployPr>,
    pub recent_deployments: Vec<Deployment>,
    /// Review environments not stopped, newest push first, at most `LIVE_REVIEW_ENVS`.
    pub live_review_envs: Vec<ReviewEnv>,
    pub activity: Vec<AuditEntry>,
    /// Every service as ECS last reported it.
    pub health: Vec<ServiceHealth>,
}

impl Overview {
    /// The reports of one environment's services.
    pub fn health_of(&self, env: &EnvName) -> Vec<&ServiceHealth> {
        self.health.iter().filter(|h| &h.env == env).collect()
    }
}

/// What one environment's page is cut from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentFacts {
    pub latest: Option<Deployment>,
    pub running: Option<Deployment>,
    /// Earlier successes than the running one, newest first.
    pub rollback_choices: Vec<Deployment>,
    /// The newest deployments, whatever their outcome.
    pub history: Vec<Deployment>,
    /// What the newest deployment's verification checks answered (they are written as deployments are).
    pub latest_checks: Vec<CheckResult>,
}

/// What the overview is read from.
pub const OVERVIEW_TOPICS: Topics =
    Topics::of(Topic::Deployments).and(Topic::DeployPrs).and(Topic::ReviewEnvs).and(Topic::Audit).and(Topic::Health);
/// What the locks' read model is read from.
const LOCKS: Topics = Topics::of(Topic::Locks);

impl Tengu {
    /// The overview as of the last write it is read from: read from the database once per stamp.
    pub async fn overview(&self) -> Result<std::sync::Arc<Overview>, CoreError> {
        let stamp = self.read_models.overview.stamp(OVERVIEW_TOPICS);
        if let Some(known) = self.read_models.overview.get(&()) {
            return Ok(known);
        }
        let store = &self.ports.store;
        let mut environments = Vec::with_capacity(self.settings.environments.len());
        for env in &self.settings.environments {
            let (last, current) = store.latest_deployments(&env.name).await?;
            environments.push((last, current));
        }
        let mut live_review_envs: Vec<ReviewEnv> =
            store.review_envs().await?.into_iter().filter(|e| e.state != ReviewEnvState::Stopped).collect();
        live_review_envs.sort_by_key(|e| std::cmp::Reverse(e.last_push_at));
        live_review_envs.truncate(LIVE_REVIEW_ENVS);
        let overview = Overview {
            environments,
            open_deploy_prs: store.open_deploy_prs().await?,
            recent_deployments: store.recent_deployments(&DeploymentFilter::newest(RECENT_DEPLOYMENTS)).await?,
            live_review_envs,
            activity: store.audit_log(RECENT_ACTIVITY * 4).await?,
            health: store.service_health().await?,
        };
        Ok(self.read_models.overview.keep((), OVERVIEW_TOPICS, stamp, overview))
    }

    /// Every lock recorded, as of the last write of a lock: read from the database once per stamp. What pages and
    /// `status` show; a deploy request reads its environment's lock afresh.
    pub async fn recorded_locks(&self) -> Result<std::sync::Arc<Vec<EnvironmentLock>>, CoreError> {
        let stamp = self.read_models.locks.stamp(LOCKS);
        if let Some(known) = self.read_models.locks.get(&()) {
            return Ok(known);
        }
        let locks = self.ports.store.locks().await?;
        Ok(self.read_models.locks.keep((), LOCKS, stamp, locks))
    }

    /// One environment's deployments as of the last write of a deployment: read from the database once per stamp.
    pub async fn environment_facts(&self, name: &EnvName) -> Result<std::sync::Arc<EnvironmentFacts>, CoreError> {
        let stamp = self.read_models.environments.stamp(DEPLOYMENTS);
        if let Some(known) = self.read_models.environments.get(name) {
            return Ok(known);
        }
        let store = &self.ports.store;
        let (latest, running) = store.latest_deployments(name).await?;
        let successes = DeploymentFilter {
            env: Some(name.clone()),
            state: Some(DeploymentState::Succeeded),
            ..DeploymentFilter::newest(ROLLBACK_CHOICES + 1)
        };
        let running_id = running.as_ref().map(|d| d.id);
        let rollback_choices: Vec<Deployment> =
            store.recent_deployments(&successes).await?.into_iter().filter(|d| Some(d.id) != running_id).collect();
        let newest = DeploymentFilter { env: Some(name.clone()), ..DeploymentFilter::newest(ENVIRONMENT_HISTORY) };
        let history = store.recent_deployments(&newest).await?;
        let latest_checks = match &latest {
            Some(deployment) => store.check_results(deployment.id).await?,
            None => Vec::new(),
        };
        let facts = EnvironmentFacts { latest, running, rollback_choices, history, latest_checks };
        Ok(self.read_models.environments.keep(name.clone(), DEPLOYMENTS, stamp, facts))
    }
}

/// What an environment's page is read from.
const DEPLOYMENTS: Topics = Topics::of(Topic::Deployments);

/// The memory behind the read models.
pub struct ReadModelCells {
    pub(crate) overview: super::Kept<(), Overview>,
    pub(crate) environments: super::Kept<EnvName, EnvironmentFacts>,
    pub(crate) locks: super::Kept<(), Vec<EnvironmentLock>>,
}

impl ReadModelCells {
    /// Environments are a handful; a bound all the same, as their names come from the configuration.
    const MOST_ENVIRONMENTS: usize = 256;

    pub fn new(changes: std::sync::Arc<super::Changes>) -> Self {
        Self {
            overview: super::Kept::new(changes.clone(), 1),
            environments: super::Kept::new(changes.clone(), Self::MOST_ENVIRONMENTS),
            locks: super::Kept::new(changes, 1),
        }
    }
}
