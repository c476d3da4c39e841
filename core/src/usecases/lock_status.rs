//! A lock on the deploy PR's head commit, as GitHub shows it beside the merge button: a failing `tengu/lock`
//! status while a lock holds, a passing one once it is lifted. Published when a lock is set, lifted or ends, and
//! on each new head while one holds; an environment never locked gets no such status.

use crate::domain::{DeployPr, EnvName, EnvironmentLock, status_description};
use crate::ports::{CommitStatus, StatusState};
use crate::tengu::Tengu;

/// The commit status context of a lock.
pub const LOCK_CONTEXT: &str = "tengu/lock";

impl Tengu {
    /// Puts `lock` (or, with none, that none holds) on the head of `env`'s open deploy PR. Like the gate's, a
    /// failure here loses nothing: it is logged, and the next lock event or refresh publishes it again.
    pub(crate) async fn publish_lock(&self, env: &EnvName, lock: Option<&EnvironmentLock>) {
        match self.ports.store.open_deploy_prs().await {
            Ok(open) => {
                for pr in open.iter().filter(|pr| &pr.env == env) {
                    self.publish_lock_on(pr, lock).await;
                }
            }
            Err(error) => tracing::warn!(%error, %env, "the lock could not be put on the deploy PR"),
        }
    }

    /// The lock that holds on the deploy PR's environment, if any, on its (new) head.
    pub(crate) async fn publish_holding_lock(&self, pr: &DeployPr) {
        match self.environment_lock(&pr.env).await {
            Ok(Some(lock)) => self.publish_lock_on(pr, Some(&lock)).await,
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, deploy_pr = %pr.number, "the lock could not be read"),
        }
    }

    async fn publish_lock_on(&self, pr: &DeployPr, lock: Option<&EnvironmentLock>) {
        let Some(sha) = &pr.head_sha else { return };
        let (state, description) = match lock {
            Some(lock) => (StatusState::Failure, lock.sentence()),
            None => (StatusState::Success, format!("{} is not locked", pr.env)),
        };
        let status = CommitStatus {
            state,
            context: LOCK_CONTEXT.to_owned(),
            description: status_description(description),
            target_url: Some(format!("{}/environments/{}", self.settings.public_url.trim_end_matches('/'), pr.env)),
        };
        if let Err(error) = self.ports.code_host.set_commit_status(&pr.repo, sha, &status).await {
            tracing::warn!(%error, deploy_pr = %pr.number, "the lock status could not be set on GitHub");
        }
    }
}
