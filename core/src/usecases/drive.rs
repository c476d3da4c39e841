//! Following deployments to their end: in the foreground (the CLI), on a task of their own (a button, a merge),
//! or all unfinished ones at start. One driver per deployment in a process; every step is a compare-and-set, so a
//! driver in another process (the CLI) cannot be overwritten either.

use std::time::Duration;

use crate::domain::{Deployment, DeploymentFilter, DeploymentId};
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::usecases::Progress;

/// The longest wait between tries while ECS or the database cannot be reached.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// A deployment this process drives; leaving the table happens however the driver ends (even by a panic).
struct DriverClaim {
    tengu: Tengu,
    id: DeploymentId,
}

impl Drop for DriverClaim {
    fn drop(&mut self) {
        self.tengu.driving.lock().expect("the driver table is never poisoned").remove(&self.id);
    }
}

impl Tengu {
    /// `advance_deployment` until the deployment ends, asking ECS every poll interval. The first error ends it
    /// (the CLI reports it; `follow_in_background` waits and tries again).
    pub async fn drive_deployment(&self, id: DeploymentId) -> Result<Deployment, CoreError> {
        let every = Duration::from_millis(self.settings.deploys.poll_every_ms);
        loop {
            match self.advance_deployment(id).await? {
                Progress::Finished(deployment) => return Ok(deployment),
                Progress::RollingOut(_) | Progress::AwaitingApproval(_) => tokio::time::sleep(every).await,
            }
        }
    }

    fn claim_driver(&self, id: DeploymentId) -> Option<DriverClaim> {
        let fresh = self.driving.lock().expect("the driver table is never poisoned").insert(id);
        fresh.then(|| DriverClaim { tengu: self.clone(), id })
    }

    /// Drives a deployment to its end on a task of its own, unless this process already does; whether it
    /// started one.
    pub fn follow_in_background(&self, id: DeploymentId) -> bool {
        let Some(claim) = self.claim_driver(id) else { return false };
        let driver = self.clone();
        tokio::spawn(async move {
            let _claim = claim;
            driver.follow_until_done(id).await;
        });
        true
    }

    /// Drives until the deployment ends, waiting out ECS or the database being unreachable (doubling the wait up
    /// to a minute); anything else is logged and left for the next start.
    async fn follow_until_done(&self, id: DeploymentId) -> Option<Deployment> {
        let mut wait = Duration::from_millis(self.settings.deploys.poll_every_ms.max(100));
        loop {
            match self.drive_deployment(id).await {
                Ok(done) => return Some(done),
                Err(error) if error.is_transient() => {
                    tracing::warn!(%error, deployment = %id, wait_ms = wait.as_millis() as u64, "trying again");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LONGEST_WAIT);
                }
                Err(CoreError::DrivenElsewhere(_)) => {
                    tracing::info!(deployment = %id, "another instance drives this deployment; leaving it");
                    return None;
                }
                Err(error) => {
                    tracing::error!(%error, deployment = %id, "the deployment stopped short; the sweep resumes it");
                    return None;
                }
            }
        }
    }

    /// Starts a driver in the background for every unfinished deployment that no driver holds (a crash, a
    /// driver that gave up, an instance that died); how many it started. Run every minute by one instance.
    pub async fn sweep_unfinished_deployments(&self) -> Result<usize, CoreError> {
        let unfinished = DeploymentFilter { unfinished: true, ..DeploymentFilter::newest(1000) };
        let unfinished = self.ports.store.recent_deployments(&unfinished).await?;
        let mut started = 0;
        for deployment in unfinished {
            // Held by a live driver elsewhere: its lease says so, and the first step would stop anyway.
            if !self.hold_lease(&super::leases::driver_lease(deployment.id), self.driver_lease_duration()).await? {
                continue;
            }
            if self.follow_in_background(deployment.id) {
                started += 1;
            }
        }
        Ok(started)
    }

    /// Drives every deployment a stop or a crash left unfinished (at start), environments side by side, until
    /// each ends; returns those that ended.
    pub async fn resume_unfinished_deployments(&self) -> Result<Vec<Deployment>, CoreError> {
        // At most one per environment (the lock), so the limit only guards against a corrupt table.
        let unfinished = DeploymentFilter { unfinished: true, ..DeploymentFilter::newest(1000) };
        let unfinished = self.ports.store.recent_deployments(&unfinished).await?;
        let mut drivers = tokio::task::JoinSet::new();
        for id in unfinished.into_iter().map(|d| d.id) {
            let Some(claim) = self.claim_driver(id) else { continue };
            let driver = self.clone();
            drivers.spawn(async move {
                let _claim = claim;
                driver.follow_until_done(id).await
            });
        }
        let mut done = Vec::new();
        while let Some(joined) = drivers.join_next().await {
            match joined {
                Ok(Some(deployment)) => done.push(deployment),
                Ok(None) => {}
                Err(error) => tracing::error!(%error, "a deployment's driver stopped unexpectedly"),
            }
        }
        done.sort_by_key(|d| d.id);
        Ok(done)
    }
}
