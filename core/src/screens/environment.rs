//! An environment's page: what runs, what deploys now, its history and why each button would be refused.

use crate::domain::{DeploymentFilter, DeploymentState, EnvName, Environment, EnvironmentLock, Viewer};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;
use crate::views::{ButtonRefusals, DeploymentRow, EnvironmentView, LiveDeployment, RollbackChoice, RunningBrief};

/// The longest page of history one request reads.
const HISTORY_PAGE_MAX: u32 = 100;

impl Tengu {
    pub async fn environment_view(&self, viewer: &Viewer, name: &EnvName) -> Result<EnvironmentView, CoreError> {
        let env = self.visible_environment(viewer, name)?.clone();
        let mut refusals = self.environment_refusals(viewer, &env);
        let facts = self.environment_facts(name).await?;
        let (latest, running) = (facts.latest.as_ref(), facts.running.as_ref().map(RunningBrief::from));
        if let Some(waiting) = latest.filter(|d| d.state == DeploymentState::AwaitingApproval) {
            refusals.approve = self.would_refuse(viewer, &Action::Approve { env: &env, requested_by: &waiting.actor });
        }
        let rollback_choices = facts.rollback_choices.iter().map(RollbackChoice::from).collect();
        let history = facts.history.iter().map(DeploymentRow::from).collect();
        let locks = self.recorded_locks().await?;
        let latest_checks = crate::views::CheckLine::all_of(&facts.latest_checks);
        let locked = EnvironmentLock::holding(&locks, name, self.ports.clock.now()).map(EnvironmentLock::sentence);
        Ok(EnvironmentView {
            name: env.name,
            repo: env.repo,
            cluster: env.cluster,
            services: env.services,
            image_template: env.image_template,
            latest: latest.map(LiveDeployment::of),
            running,
            rollback_choices,
            history,
            refusals,
            locked,
            frozen: self.freeze_of(name).map(|freeze| freeze.notice()),
            latest_checks,
        })
    }

    /// Why each button of the environment would be refused (none: allowed), from the viewer's last known
    /// permission; pressing still asks GitHub afresh.
    fn environment_refusals(&self, viewer: &Viewer, env: &Environment) -> ButtonRefusals {
        let why = |action: Action<'_>| self.would_refuse(viewer, &action);
        ButtonRefusals {
            deploy: why(Action::Deploy { env }),
            redeploy: why(Action::Redeploy { env }),
            rollback: why(Action::Rollback { env }),
            abort: why(Action::Abort { env }),
            refresh: why(Action::RefreshDeployPr { env }),
            approve: None,
            lock: why(Action::Lock { env }),
            override_stop: why(Action::OverrideLock { env }),
        }
    }

    /// A page of history; deployments of repositories the viewer cannot see are left out.
    pub async fn deployment_history(
        &self,
        viewer: &Viewer,
        filter: &DeploymentFilter,
    ) -> Result<Vec<DeploymentRow>, CoreError> {
        // Asked in the query, so a page holds as many rows as it can and the next page follows on.
        let filter = DeploymentFilter {
            limit: filter.limit.clamp(1, HISTORY_PAGE_MAX),
            repos: viewer.visible_repos(),
            ..filter.clone()
        };
        if filter.repos.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let found = self.ports.store.recent_deployments(&filter).await?;
        Ok(found.iter().filter(|d| viewer.can_see(&d.repo)).map(DeploymentRow::from).collect())
    }
}
