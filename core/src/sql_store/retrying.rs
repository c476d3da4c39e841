//! Momentary database trouble is waited out where it happens: every store call that meets a busy database
//! (SQLite BUSY or LOCKED, a PostgreSQL serialisation failure or deadlock, no free connection) runs again after a
//! short, growing wait. Those failures wrote nothing, so running again is safe for every call. A lost connection
//! is not retried here (a write may have landed): it reaches the caller, whose job or driver tries again later.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::chat::ChatPerson;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    ApiToken, AuditEntry, AuditFilter, AuditRow, CarriedChange, CommitSha, DeliveryRecord, DeployPr, Deployment,
    DeploymentFilter, DeploymentId, DeploymentMove, EnvName, Grant, Login, NewApiToken, NewDeployment, PrNumber,
    RepoSlug, ReviewEnv, RolloutSnapshot, ServiceHealth, TaskDefinitionArn, Verification,
};
use crate::ports::{DeploymentInsert, Store, StoreError, StoredDelivery};

/// Tries after the first: waits of 20, 80, 320 and 1,280 ms (1.7 s in all).
const RETRIES: u32 = 4;
const FIRST_WAIT: Duration = Duration::from_millis(20);

/// Runs `call` until it does not fail with `StoreError::Busy`, at most `RETRIES` more times.
pub async fn busy_retried<T, F, Fut>(mut call: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut wait = FIRST_WAIT;
    let mut tries = 0;
    loop {
        match call().await {
            Err(StoreError::Busy(why)) if tries < RETRIES => {
                tracing::debug!(%why, wait_ms = wait.as_millis() as u64, "the database was busy; trying again");
                tokio::time::sleep(wait).await;
                wait *= 4;
                tries += 1;
            }
            other => return other,
        }
    }
}

/// A store whose every call waits out a busy database (see the module's note).
pub struct Retrying(pub Arc<dyn Store>);

macro_rules! retried_store {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        #[async_trait]
        impl Store for Retrying {
            $(async fn $name(&self, $($arg: $ty),*) -> Result<$ret, StoreError> {
                busy_retried(|| self.0.$name($($arg),*)).await
            })*
        }
    };
}

retried_store! {
    ping() -> ();
    save_deploy_pr(pr: &DeployPr) -> bool;
    deploy_pr(repo: &RepoSlug, number: PrNumber) -> Option<DeployPr>;
    open_deploy_prs() -> Vec<DeployPr>;
    merged_deploy_prs_carrying(env: &EnvName, sha: &CommitSha) -> Vec<DeployPr>;
    set_verification(repo: &RepoSlug, deploy_pr: PrNumber, item: PrNumber, verification: Option<&Verification>, audit: &AuditEntry) -> bool;
    insert_deployment(new: &NewDeployment) -> DeploymentInsert;
    deployment(id: DeploymentId) -> Option<Deployment>;
    carried_changes(id: DeploymentId) -> Vec<CarriedChange>;
    approve_deployment(id: DeploymentId, by: &str, at: DateTime<Utc>) -> bool;
    record_previous_task_definitions(id: DeploymentId, previous: &[TaskDefinitionArn]) -> ();
    record_rollout(id: DeploymentId, rollout: &[RolloutSnapshot]) -> ();
    record_service_health(health: &[ServiceHealth]) -> ();
    service_health() -> Vec<ServiceHealth>;
    record_github_deployment(id: DeploymentId, github_deployment: u64) -> ();
    move_deployment(id: DeploymentId, change: &DeploymentMove<'_>) -> bool;
    recent_deployments(filter: &DeploymentFilter) -> Vec<Deployment>;
    latest_deployments(env: &EnvName) -> (Option<Deployment>, Option<Deployment>);
    save_review_env(env: &ReviewEnv) -> bool;
    review_env(repo: &RepoSlug, pr: PrNumber) -> Option<ReviewEnv>;
    review_envs() -> Vec<ReviewEnv>;
    running_review_env_at(host: &str) -> Option<ReviewEnv>;
    claim_reminder(repo: &RepoSlug, deploy_pr: PrNumber, due_before: DateTime<Utc>, now: DateTime<Utc>) -> bool;
    record_audit(entry: &AuditEntry) -> ();
    audit_log(limit: u32) -> Vec<AuditEntry>;
    deploy_pr_with_history(repo: &RepoSlug, number: PrNumber, history: u32) -> Option<(DeployPr, Vec<AuditEntry>)>;
    audit_entries(filter: &AuditFilter, repos: Option<&[RepoSlug]>, own: Option<&str>) -> Vec<AuditRow>;
    record_delivery(delivery: &StoredDelivery) -> bool;
    delivery(delivery_id: &str) -> Option<DeliveryRecord>;
    claim_deliveries(worker: &str, now: DateTime<Utc>, until: DateTime<Utc>, limit: u32) -> Vec<StoredDelivery>;
    finish_delivery(delivery_id: &str, at: DateTime<Utc>, outcome: &str) -> ();
    fail_delivery_attempt(delivery_id: &str, error: &str, retry_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> ();
    requeue_delivery(delivery_id: &str, now: DateTime<Utc>) -> bool;
    troubled_deliveries(limit: u32) -> Vec<DeliveryRecord>;
    prune_deliveries(received_before: DateTime<Utc>) -> u64;
    unfinished_deliveries(limit: u32) -> Vec<StoredDelivery>;
    save_grants(login: &Login, grants: &[(RepoSlug, Grant)]) -> ();
    grants(login: &Login) -> Vec<(RepoSlug, Grant)>;
    create_session(id: &str, data: &str, expires_at: DateTime<Utc>) -> bool;
    save_session(id: &str, data: &str, expires_at: DateTime<Utc>) -> ();
    load_session(id: &str, now: DateTime<Utc>) -> Option<String>;
    delete_session(id: &str) -> ();
    delete_expired_sessions(now: DateTime<Utc>) -> u64;
    insert_token(new: &NewApiToken) -> i64;
    tokens_of(owner: &Login) -> Vec<ApiToken>;
    token_by_hash(hash: &str) -> Option<ApiToken>;
    touch_token(id: i64, at: DateTime<Utc>) -> ();
    revoke_token(id: i64, owner: &Login, at: DateTime<Utc>) -> bool;
    take_lease(name: &str, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> bool;
    release_lease(name: &str, holder: &str) -> ();
    save_chat_link_code(code_hash: &str, person: &ChatPerson, expires_at: DateTime<Utc>) -> ();
    peek_chat_link_code(code_hash: &str, now: DateTime<Utc>) -> Option<ChatPerson>;
        take_chat_link_code(code_hash: &str, now: DateTime<Utc>) -> Option<ChatPerson>;
    save_chat_link(chat_user: &str, login: &Login, at: DateTime<Utc>) -> bool;
    chat_login(chat_user: &str) -> Option<Login>;
    chat_user_of(login: &Login) -> Option<String>;
    load_document(key: &str) -> Option<String>;
    save_document(key: &str, value: &str) -> ();
    document_if_changed(key: &str, known: i64) -> Option<(i64, String)>;
    replace_document(key: &str, expected: i64, value: &str) -> Option<i64>;
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_busy_database_is_waited_out_and_a_lost_connection_is_not_retried() {
        let calls = AtomicU32::new(0);
        let answer = busy_retried(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0..=2 => Err(StoreError::Busy("database is locked".into())),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!((answer, calls.load(Ordering::SeqCst)), (Ok(7), 4));

        let calls = AtomicU32::new(0);
        let lost = busy_retried(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Unavailable("connection reset".into()))
        })
        .await;
        assert!(matches!(lost, Err(StoreError::Unavailable(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a write may have landed: not repeated here");

        let calls = AtomicU32::new(0);
        let stuck = busy_retried(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Busy("database is locked".into()))
        })
        .await;
        assert!(matches!(stuck, Err(StoreError::Busy(_))));
        assert_eq!(calls.load(Ordering::SeqCst), RETRIES + 1, "then the caller hears of it");
    }
}
