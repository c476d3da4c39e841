//! The one place every write passes: a store that moves the generation after each write that can change what a
//! page shows. Reads, sessions, leases and claims pass through untouched (pages do not show them).

use std::sync::Arc;

use crate::chat::ChatPerson;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Changes;
use crate::domain::{
    ApiToken, AuditEntry, AuditFilter, AuditRow, CarriedChange, CommitSha, DeliveryRecord, DeployPr, Deployment,
    DeploymentFilter, DeploymentId, DeploymentMove, EnvName, Grant, Login, NewApiToken, NewDeployment, PrNumber,
    RepoSlug, ReviewEnv, RolloutSnapshot, ServiceHealth, TaskDefinitionArn, Verification,
};
use crate::ports::{DeploymentInsert, Store, StoreError, StoredDelivery};

pub struct Watched {
    inner: Arc<dyn Store>,
    changes: Arc<Changes>,
}

impl Watched {
    pub fn new(inner: Arc<dyn Store>, changes: Arc<Changes>) -> Self {
        Self { inner, changes }
    }
}

macro_rules! watched_store {
    (
        passed { $($read:ident($($rarg:ident: $rty:ty),*) -> $rret:ty;)* }
        written { $($write:ident($($warg:ident: $wty:ty),*) -> $wret:ty;)* }
    ) => {
        #[async_trait]
        impl Store for Watched {
            $(async fn $read(&self, $($rarg: $rty),*) -> Result<$rret, StoreError> {
                self.inner.$read($($rarg),*).await
            })*
            $(async fn $write(&self, $($warg: $wty),*) -> Result<$wret, StoreError> {
                let outcome = self.inner.$write($($warg),*).await;
                // Even a failed write may have landed (a connection lost after the commit).
                self.changes.wrote();
                outcome
            })*
        }
    };
}

watched_store! {
    passed {
        ping() -> ();
        deploy_pr(repo: &RepoSlug, number: PrNumber) -> Option<DeployPr>;
        open_deploy_prs() -> Vec<DeployPr>;
        merged_deploy_prs_carrying(env: &EnvName, sha: &CommitSha) -> Vec<DeployPr>;
        deployment(id: DeploymentId) -> Option<Deployment>;
        carried_changes(id: DeploymentId) -> Vec<CarriedChange>;
        service_health() -> Vec<ServiceHealth>;
        recent_deployments(filter: &DeploymentFilter) -> Vec<Deployment>;
        latest_deployments(env: &EnvName) -> (Option<Deployment>, Option<Deployment>);
        review_env(repo: &RepoSlug, pr: PrNumber) -> Option<ReviewEnv>;
        review_envs() -> Vec<ReviewEnv>;
        running_review_env_at(host: &str) -> Option<ReviewEnv>;
        audit_log(limit: u32) -> Vec<AuditEntry>;
        deploy_pr_with_history(repo: &RepoSlug, number: PrNumber, history: u32) -> Option<(DeployPr, Vec<AuditEntry>)>;
        audit_entries(filter: &AuditFilter, repos: Option<&[RepoSlug]>, own: Option<&str>) -> Vec<AuditRow>;
        delivery(delivery_id: &str) -> Option<DeliveryRecord>;
        claim_deliveries(worker: &str, now: DateTime<Utc>, until: DateTime<Utc>, limit: u32) -> Vec<StoredDelivery>;
        troubled_deliveries(limit: u32) -> Vec<DeliveryRecord>;
        unfinished_deliveries(limit: u32) -> Vec<StoredDelivery>;
        grants(login: &Login) -> Vec<(RepoSlug, Grant)>;
        create_session(id: &str, data: &str, expires_at: DateTime<Utc>) -> bool;
        save_session(id: &str, data: &str, expires_at: DateTime<Utc>) -> ();
        load_session(id: &str, now: DateTime<Utc>) -> Option<String>;
        delete_expired_sessions(now: DateTime<Utc>) -> u64;
        tokens_of(owner: &Login) -> Vec<ApiToken>;
        token_by_hash(hash: &str) -> Option<ApiToken>;
        take_lease(name: &str, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> bool;
        release_lease(name: &str, holder: &str) -> ();
        save_chat_link_code(code_hash: &str, person: &ChatPerson, expires_at: DateTime<Utc>) -> ();
        peek_chat_link_code(code_hash: &str, now: DateTime<Utc>) -> Option<ChatPerson>;
        take_chat_link_code(code_hash: &str, now: DateTime<Utc>) -> Option<ChatPerson>;
        chat_login(chat_user: &str) -> Option<Login>;
        chat_user_of(login: &Login) -> Option<String>;
        // A token's last use is shown on its owner's token list only, which is read again within 5 s anyway:
        // recording it must not empty every person's page cache on every API call.
        touch_token(id: i64, at: DateTime<Utc>) -> ();
        load_document(key: &str) -> Option<String>;
        document_if_changed(key: &str, known: i64) -> Option<(i64, String)>;
    }
    written {
        save_deploy_pr(pr: &DeployPr) -> bool;
        set_verification(repo: &RepoSlug, deploy_pr: PrNumber, item: PrNumber, verification: Option<&Verification>, audit: &AuditEntry) -> bool;
        insert_deployment(new: &NewDeployment) -> DeploymentInsert;
        approve_deployment(id: DeploymentId, by: &str, at: DateTime<Utc>) -> bool;
        record_previous_task_definitions(id: DeploymentId, previous: &[TaskDefinitionArn]) -> ();
        record_rollout(id: DeploymentId, rollout: &[RolloutSnapshot]) -> ();
        record_service_health(health: &[ServiceHealth]) -> ();
        record_github_deployment(id: DeploymentId, github_deployment: u64) -> ();
        move_deployment(id: DeploymentId, change: &DeploymentMove<'_>) -> bool;
        save_review_env(env: &ReviewEnv) -> bool;
        claim_reminder(repo: &RepoSlug, deploy_pr: PrNumber, due_before: DateTime<Utc>, now: DateTime<Utc>) -> bool;
        record_audit(entry: &AuditEntry) -> ();
        record_delivery(delivery: &StoredDelivery) -> bool;
        finish_delivery(delivery_id: &str, at: DateTime<Utc>, outcome: &str) -> ();
        fail_delivery_attempt(delivery_id: &str, error: &str, retry_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> ();
        requeue_delivery(delivery_id: &str, now: DateTime<Utc>) -> bool;
        prune_deliveries(received_before: DateTime<Utc>) -> u64;
        save_grants(login: &Login, grants: &[(RepoSlug, Grant)]) -> ();
        delete_session(id: &str) -> ();
        insert_token(new: &NewApiToken) -> i64;
        revoke_token(id: i64, owner: &Login, at: DateTime<Utc>) -> bool;
        save_chat_link(chat_user: &str, login: &Login, at: DateTime<Utc>) -> bool;
        save_document(key: &str, value: &str) -> ();
        replace_document(key: &str, expected: i64, value: &str) -> Option<i64>;
    }
}
