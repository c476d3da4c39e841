use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::Changes;
use crate::chat::ChatPerson;
use crate::insights::{ChangeKey, DayRollup, InsightMark};

use crate::domain::{
    ApiToken, AuditEntry, AuditFilter, AuditRow, CarriedChange, CheckResult, CommitSha, DeliveryRecord, DeployPr,
    Deployment, DeploymentFilter, DeploymentId, DeploymentMove, DeploymentOutline, EnvName, EnvironmentLock, Grant,
    Login, NewApiToken, NewDeployment, PrNumber, RepoSlug, ReviewEnv, RolloutSnapshot, ServiceHealth,
    TaskDefinitionArn, Verification,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the database could not be reached: {0}")]
    Unavailable(String),
    /// The database was busy (locked, a serialisation failure, a deadlock, no free connection) and did nothing;
    /// the same statement may run again.
    #[error("the database was busy: {0}")]
    Busy(String),
    #[error("the database refused the operation: {0}")]
    Query(String),
    #[error("the database holds a value tengu cannot read: {0}")]
    Corrupt(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
}

/// A webhook delivery as received, kept until it has been handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelivery {
    pub delivery_id: String,
    pub event: String,
    pub payload: String,
    pub received_at: DateTime<Utc>,
    /// The repository it concerns, when its payload names one.
    pub repo: Option<RepoSlug>,
    /// What it is about (`acme/shop#12`, `acme/shop master`): deliveries about one subject are applied in order.
    pub subject: Option<String>,
    /// How many tries failed so far.
    pub attempts: u32,
}

/// What asking the database for a new deployment gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentInsert {
    Started(DeploymentId),
    /// The idempotency key was seen before: this is the deployment it started.
    AlreadyRequested(DeploymentId),
    /// The environment is busy with this unfinished deployment.
    Locked(Box<Deployment>),
}

/// tengu's own records, in one place: every role below, and the changes its writes announce. Each write says
/// which topics it touched (see `Changes`), and only writes do.
#[async_trait]
pub trait Store:
    DeployPrStore
    + DeploymentStore
    + ReviewEnvStore
    + AuditStore
    + DeliveryStore
    + SessionStore
    + TokenStore
    + LeaseStore
    + LockStore
    + CheckResultStore
    + ChatLinkStore
    + DocumentStore
    + InsightStore
    + Send
    + Sync
{
    /// Fails when the database does not answer (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Where this store's writes, and those of other instances it hears of, are announced.
    fn changes(&self) -> Arc<Changes>;
}

/// Deploy PRs and their checklists.
#[async_trait]
pub trait DeployPrStore: Send + Sync {
    /// Writes a deploy PR and its checklist as they now stand (items missing from `pr` are removed), if it is
    /// still at `pr.version` (0: not saved yet). False when someone saved or ticked it since: nothing is written,
    /// and the caller reads it again.
    async fn save_deploy_pr(&self, pr: &DeployPr) -> Result<bool, StoreError>;
    async fn deploy_pr(&self, repo: &RepoSlug, number: PrNumber) -> Result<Option<DeployPr>, StoreError>;
    async fn open_deploy_prs(&self) -> Result<Vec<DeployPr>, StoreError>;
    /// The merged deploy PRs of an environment whose merge commit or head was `sha`.
    async fn merged_deploy_prs_carrying(&self, env: &EnvName, sha: &CommitSha) -> Result<Vec<DeployPr>, StoreError>;
    /// Records one item's verification (or its removal with `None`) and its audit entry, together or not at all,
    /// and moves the deploy PR's version. False when the deploy PR is no longer open (nothing is written).
    async fn set_verification(
        &self,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        verification: Option<&Verification>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Takes the right to remind on a deploy PR: true (and `now` recorded) when it was last reminded before
    /// `due_before` or never; false when someone else reminded since. Atomic across instances.
    async fn claim_reminder(
        &self,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        due_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// A deploy PR with its checklist and the newest `history` audit entries about it (`acme/shop#135`) and its
    /// items (`acme/shop#135 item #7`), read together (the deploy PR page's one read).
    async fn deploy_pr_with_history(
        &self,
        repo: &RepoSlug,
        number: PrNumber,
        history: u32,
    ) -> Result<Option<(DeployPr, Vec<AuditEntry>)>, StoreError>;
}

/// Deployments: what each carried, how it moved, and what ECS last said of each service.
#[async_trait]
pub trait DeploymentStore: Send + Sync {
    /// Starts a deployment, unless the database says no: an unfinished deployment of the environment holds its lock,
    /// or the idempotency key already started one.
    async fn insert_deployment(&self, new: &NewDeployment) -> Result<DeploymentInsert, StoreError>;
    async fn deployment(&self, id: DeploymentId) -> Result<Option<Deployment>, StoreError>;
    /// Keeps what ECS last said of each service: a newer report replaces an older one, never the reverse.
    async fn record_service_health(&self, health: &[ServiceHealth]) -> Result<(), StoreError>;
    /// Every service's last report.
    async fn service_health(&self) -> Result<Vec<ServiceHealth>, StoreError>;
    /// What a deployment carried, as recorded with it.
    async fn carried_changes(&self, id: DeploymentId) -> Result<Vec<CarriedChange>, StoreError>;
    /// Lets a deployment awaiting approval go ahead (to `requested`), naming who approved. False when it no longer
    /// waits (approved, rejected, expired or aborted meanwhile).
    async fn approve_deployment(&self, id: DeploymentId, by: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    async fn record_previous_task_definitions(
        &self,
        id: DeploymentId,
        previous: &[TaskDefinitionArn],
    ) -> Result<(), StoreError>;
    async fn record_rollout(&self, id: DeploymentId, rollout: &[RolloutSnapshot]) -> Result<(), StoreError>;
    async fn record_github_deployment(&self, id: DeploymentId, github_deployment: u64) -> Result<(), StoreError>;
    /// Moves an unfinished deployment (checked against the state machine by the caller) and adds the step to its
    /// timeline. False when it no longer stands at `change.from` or has finished: someone else moved it first.
    async fn move_deployment(&self, id: DeploymentId, change: &DeploymentMove<'_>) -> Result<bool, StoreError>;
    /// Newest first, as the filter says.
    async fn recent_deployments(&self, filter: &DeploymentFilter) -> Result<Vec<Deployment>, StoreError>;
    /// The newest deployment of each environment, and the newest successful one.
    async fn latest_deployments(&self, env: &EnvName) -> Result<(Option<Deployment>, Option<Deployment>), StoreError>;
    /// An environment's deployments requested in `[since, until)`, oldest first, without their rollouts, steps and
    /// task definitions (what the insights read).
    async fn deployment_outlines(
        &self,
        env: &EnvName,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DeploymentOutline>, StoreError>;
}

/// Review environments.
#[async_trait]
pub trait ReviewEnvStore: Send + Sync {
    /// Saves a review environment read at `env.version` (0: not saved yet) as version + 1. False when someone
    /// saved it since: nothing is written, and the caller reads it again.
    async fn save_review_env(&self, env: &ReviewEnv) -> Result<bool, StoreError>;
    async fn review_env(&self, repo: &RepoSlug, pr: PrNumber) -> Result<Option<ReviewEnv>, StoreError>;
    async fn review_envs(&self) -> Result<Vec<ReviewEnv>, StoreError>;
    /// The running review environment whose URL has this host (case-insensitive), through an index.
    async fn running_review_env_at(&self, host: &str) -> Result<Option<ReviewEnv>, StoreError>;
}

/// The audit log: who did what, when.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// Newest first.
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
    /// The entries the filter names, newest first; only those about `repos` (or, with `own`, about no repository
    /// and by that person), unless `repos` is `None` (everything).
    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        repos: Option<&[RepoSlug]>,
        own: Option<&str>,
    ) -> Result<Vec<AuditRow>, StoreError>;
}

/// Webhook deliveries, kept from their arrival until they are handled (and a while after).
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Stores a delivery before it is acknowledged, durably (it survives a power cut once this returns); false
    /// when this delivery id was already received.
    async fn record_delivery(&self, delivery: &StoredDelivery) -> Result<bool, StoreError>;
    async fn delivery(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError>;
    /// Takes up to `limit` deliveries that are due by `now` for `worker` until `until`: unfinished, not parked,
    /// not claimed by a live worker, and with no earlier unfinished delivery about the same subject. Oldest first.
    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredDelivery>, StoreError>;
    /// Marks a delivery handled with what was done (and releases its claim).
    async fn finish_delivery(&self, delivery_id: &str, at: DateTime<Utc>, outcome: &str) -> Result<(), StoreError>;
    /// Counts a failed try: it is tried again from `retry_at`, or parked as failed at `at` when `None`.
    async fn fail_delivery_attempt(
        &self,
        delivery_id: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Makes an unfinished delivery due again at `now` with its attempts counted afresh (a Retry, a redelivery).
    /// False when it was handled already (or is unknown).
    async fn requeue_delivery(&self, delivery_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Deliveries that failed at least once and are not handled yet (parked first, then retrying), newest first.
    async fn troubled_deliveries(&self, limit: u32) -> Result<Vec<DeliveryRecord>, StoreError>;
    /// Deletes deliveries finished and received before `received_before`; how many.
    async fn prune_deliveries(&self, received_before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Deliveries received but not yet handled, oldest first.
    async fn unfinished_deliveries(&self, limit: u32) -> Result<Vec<StoredDelivery>, StoreError>;
}

/// Signed-in sessions and what each person may do.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Replaces what is known of a person's permissions.
    async fn save_grants(&self, login: &Login, grants: &[(RepoSlug, Grant)]) -> Result<(), StoreError>;
    async fn grants(&self, login: &Login) -> Result<Vec<(RepoSlug, Grant)>, StoreError>;
    /// Stores a new session; false when the id is taken (the caller draws another).
    async fn create_session(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<bool, StoreError>;
    async fn save_session(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The session's data, unless it has expired by `now`.
    async fn load_session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError>;
    async fn delete_session(&self, id: &str) -> Result<(), StoreError>;
    /// Removes sessions expired by `now`; how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Personal API tokens.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new API token (its hash, never the secret); its id.
    async fn insert_token(&self, new: &NewApiToken) -> Result<i64, StoreError>;
    /// A person's tokens, newest first.
    async fn tokens_of(&self, owner: &Login) -> Result<Vec<ApiToken>, StoreError>;
    async fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>, StoreError>;
    async fn touch_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// False when the token is not the owner's or was revoked already.
    async fn revoke_token(&self, id: i64, owner: &Login, at: DateTime<Utc>) -> Result<bool, StoreError>;
}

/// Verification results: what each check answered while a deployment was verifying.
#[async_trait]
pub trait CheckResultStore: Send + Sync {
    /// Adds one answer a check gave while `id` was verifying.
    async fn record_check_result(&self, id: DeploymentId, result: &CheckResult) -> Result<(), StoreError>;
    /// Every answer its checks gave, oldest first.
    async fn check_results(&self, id: DeploymentId) -> Result<Vec<CheckResult>, StoreError>;
}

/// Environments' locks: at most one per environment; a lock past its end is left for the reader to ignore (and
/// for the next lock to replace).
#[async_trait]
pub trait LockStore: Send + Sync {
    /// Sets `lock` on its environment, replacing whatever lock was there.
    async fn set_lock(&self, lock: &EnvironmentLock) -> Result<(), StoreError>;
    async fn lock_of(&self, env: &EnvName) -> Result<Option<EnvironmentLock>, StoreError>;
    /// Every lock recorded, ended or not, by environment.
    async fn locks(&self) -> Result<Vec<EnvironmentLock>, StoreError>;
    /// Takes the environment's lock away: the one that was there, if any.
    async fn remove_lock(&self, env: &EnvName) -> Result<Option<EnvironmentLock>, StoreError>;
    /// Takes away every lock whose end is at or before `now`, and says which (each one once, across instances).
    async fn remove_ended_locks(&self, now: DateTime<Utc>) -> Result<Vec<EnvironmentLock>, StoreError>;
}

/// Leases: which instance does a job or drives a deployment.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes (or renews) the lease `name` for `holder` until `until`: true when it was free, expired by `now`, or
    /// the holder's already. Atomic across instances.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Gives the lease up, if `holder` holds it.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError>;
    /// Every lease held at `now` (not expired), by name: `(name, holder)`.
    async fn leases_held(&self, now: DateTime<Utc>) -> Result<Vec<(String, String)>, StoreError>;
}

/// Links between chat people and GitHub logins.
#[async_trait]
pub trait ChatLinkStore: Send + Sync {
    /// A one-time code (its hash) that links `person` to whoever opens it signed in, until `expires_at`.
    async fn save_chat_link_code(
        &self,
        code_hash: &str,
        person: &ChatPerson,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The chat person of an unexpired code, leaving the code as it is (the page that asks "is this you?").
    async fn peek_chat_link_code(&self, code_hash: &str, now: DateTime<Utc>) -> Result<Option<ChatPerson>, StoreError>;
    /// The chat person of an unexpired code, once (the code is used up).
    async fn take_chat_link_code(&self, code_hash: &str, now: DateTime<Utc>) -> Result<Option<ChatPerson>, StoreError>;
    /// Links a chat person to a login; false (and nothing changed) when they are linked to another login.
    async fn save_chat_link(&self, chat_user: &str, login: &Login, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// The GitHub login a chat person linked, if they did.
    async fn chat_login(&self, chat_user: &str) -> Result<Option<Login>, StoreError>;
    /// The chat person linked to a login (the latest link), to mention them where they are.
    async fn chat_user_of(&self, login: &Login) -> Result<Option<String>, StoreError>;
}

/// Named JSON documents.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// A named JSON document; the sandbox keeps its simulated GitHub and ECS here so a restart keeps them.
    async fn load_document(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn save_document(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// The document with its version, when its version is not `known` (None when it is, or when there is none):
    /// a copy kept in memory is checked without reading the document again.
    async fn document_if_changed(&self, key: &str, known: i64) -> Result<Option<(i64, String)>, StoreError>;
    /// Writes a document only if its version is still `expected` (0: only if it does not exist yet); its new
    /// version, or None when another write came first.
    async fn replace_document(&self, key: &str, expected: i64, value: &str) -> Result<Option<i64>, StoreError>;
}

/// The insights' day rollups, kept as deployments finish. `basis` names how they were worked out (the team's UTC
/// offset and the failure window): rollups of another basis are not read.
#[async_trait]
pub trait InsightStore: Send + Sync {
    /// How far the environment's rollups are kept, when they are.
    async fn insight_mark(&self, env: &EnvName, basis: &str) -> Result<Option<InsightMark>, StoreError>;
    /// The kept rollups of the days `first..=last` that had something, oldest first.
    async fn insight_days(
        &self,
        env: &EnvName,
        basis: &str,
        (first, last): (NaiveDate, NaiveDate),
    ) -> Result<Vec<DayRollup>, StoreError>;
    /// Replaces the rollups of the days `first..=last` (a day not among `rollups` had nothing) and sets the mark,
    /// in one write; from `NaiveDate::MIN` (worked out from the start), the rollups of other bases go too.
    async fn keep_insight_days(
        &self,
        env: &EnvName,
        basis: &str,
        (first, last): (NaiveDate, NaiveDate),
        rollups: &[DayRollup],
        mark: &InsightMark,
    ) -> Result<(), StoreError>;
    /// Those of `changes` that a successful deployment to the environment finished before `before` carried.
    async fn delivered_before(
        &self,
        env: &EnvName,
        before: DateTime<Utc>,
        changes: &[ChangeKey],
    ) -> Result<HashSet<ChangeKey>, StoreError>;
    /// When the environment's first deployment was requested.
    async fn first_requested_at(&self, env: &EnvName) -> Result<Option<DateTime<Utc>>, StoreError>;
}
