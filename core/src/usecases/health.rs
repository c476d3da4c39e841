//! The health check: each environment's services as ECS describes them now, kept for the overview (which never
//! asks ECS itself). A rollout's own polling keeps them too, more often, while it lasts.

use crate::domain::ServiceHealth;
use crate::error::CoreError;
use crate::tengu::Tengu;

impl Tengu {
    /// Asks ECS about every environment's services (one call per environment) and keeps what it says. An
    /// environment ECS does not answer for keeps its last report (whose age the overview shows) and is logged; the
    /// check fails only when no environment's report could be kept.
    pub async fn check_health(&self) -> Result<usize, CoreError> {
        let mut kept = 0;
        let mut first_failure: Option<CoreError> = None;
        for env in &self.settings.environments {
            if env.services.is_empty() {
                continue;
            }
            let health = match self.ports.orchestrator.describe_services(&env.cluster, &env.services).await {
                Ok(snapshots) => snapshots.iter().map(|s| ServiceHealth::of(&env.name, s)).collect::<Vec<_>>(),
                Err(error) => {
                    tracing::warn!(%error, env = %env.name, "ECS did not describe the services; their last report stays");
                    first_failure.get_or_insert(error.into());
                    continue;
                }
            };
            match self.ports.store.record_service_health(&health).await {
                Ok(()) => kept += health.len(),
                Err(error) => {
                    tracing::warn!(%error, env = %env.name, "the services' health could not be kept");
                    first_failure.get_or_insert(error.into());
                }
            }
        }
        match first_failure {
            Some(error) if kept == 0 => Err(error),
            _ => Ok(kept),
        }
    }
}
