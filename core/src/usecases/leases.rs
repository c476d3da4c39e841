//! Work that one instance at a time must do: a deployment's driver, each periodic job. Held through a lease in
//! the database, renewed while the work goes on, taken over by another instance once it lapses.

use crate::domain::DeploymentId;
use crate::error::CoreError;
use crate::tengu::Tengu;

/// How long a driver's lease holds without renewal: a driver renews it at every step and poll, so another
/// instance takes a deployment over this long after its driver died.
pub const DRIVER_LEASE_SECONDS: i64 = 30;

impl Tengu {
    /// Takes or renews the lease `name` for this instance for `hold`; false when another instance holds it.
    pub async fn hold_lease(&self, name: &str, hold: chrono::Duration) -> Result<bool, CoreError> {
        let now = self.ports.clock.now();
        Ok(self.ports.store.take_lease(name, &self.instance, now, now + hold).await?)
    }

    /// Gives up a lease this instance holds (the work is done), so nobody waits for it to lapse.
    pub async fn let_go_of(&self, name: &str) {
        if let Err(error) = self.ports.store.release_lease(name, &self.instance).await {
            tracing::warn!(%error, lease = name, "a lease could not be given up; it lapses by itself");
        }
    }

    /// The right to drive a deployment (to call ECS for it), renewed at every step. A driver that finds it taken
    /// stops before its next side effect.
    pub(crate) async fn hold_driver_lease(&self, id: DeploymentId) -> Result<(), CoreError> {
        let hold = self.driver_lease_duration();
        if self.hold_lease(&driver_lease(id), hold).await? {
            return Ok(());
        }
        Err(CoreError::DrivenElsewhere(id))
    }

    pub(crate) fn driver_lease_duration(&self) -> chrono::Duration {
        let polls = i64::try_from(self.settings.deploys.poll_every_ms.saturating_mul(3) / 1000).unwrap_or(i64::MAX);
        chrono::Duration::seconds(polls.max(DRIVER_LEASE_SECONDS))
    }
}

/// The lease name of a deployment's driver.
pub(crate) fn driver_lease(id: DeploymentId) -> String {
    format!("deployment {id}")
}
