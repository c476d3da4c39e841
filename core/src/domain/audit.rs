use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What was done, one variant per kind of action so history can be filtered by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    ItemVerified,
    ItemUnverified,
    DeployPrOpened,
    DeploymentRequested,
    DeploymentFinished,
    DeploymentAborted,
    ReviewEnvStarted,
    ReviewEnvStopped,
    GateOverridden,
    ReminderSent,
    SignedIn,
    SignedOut,
    /// Someone asked for what their role does not allow.
    Refused,
    TokenCreated,
    TokenRevoked,
    DeploymentApproved,
    DeploymentRejected,
    /// Someone asked for a failed webhook delivery to be handled again.
    DeliveryRetried,
    /// A merge was not deployed (unverified, stale, or refused): why is in the detail.
    MergeNotDeployed,
    ChatLinked,
    EnvironmentLocked,
    EnvironmentUnlocked,
    /// A lock's owner deployed through it.
    DeployedThroughLock,
    /// A lock reached its end by itself.
    LockEnded,
    /// An admin deployed through someone else's lock, saying why.
    LockOverridden,
    /// An admin deployed during a freeze window, saying why.
    FreezeOverridden,
}

impl AuditAction {
    pub const ALL: [AuditAction; 26] = [
        AuditAction::ItemVerified,
        AuditAction::ItemUnverified,
        AuditAction::DeployPrOpened,
        AuditAction::DeploymentRequested,
        AuditAction::DeploymentFinished,
        AuditAction::DeploymentAborted,
        AuditAction::ReviewEnvStarted,
        AuditAction::ReviewEnvStopped,
        AuditAction::GateOverridden,
        AuditAction::ReminderSent,
        AuditAction::SignedIn,
        AuditAction::SignedOut,
        AuditAction::Refused,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::DeploymentApproved,
        AuditAction::DeploymentRejected,
        AuditAction::DeliveryRetried,
        AuditAction::MergeNotDeployed,
        AuditAction::ChatLinked,
        AuditAction::EnvironmentLocked,
        AuditAction::EnvironmentUnlocked,
        AuditAction::DeployedThroughLock,
        AuditAction::LockEnded,
        AuditAction::LockOverridden,
        AuditAction::FreezeOverridden,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ItemVerified => "item_verified",
            AuditAction::ItemUnverified => "item_unverified",
            AuditAction::DeployPrOpened => "deploy_pr_opened",
            AuditAction::DeploymentRequested => "deployment_requested",
            AuditAction::DeploymentFinished => "deployment_finished",
            AuditAction::DeploymentAborted => "deployment_aborted",
            AuditAction::ReviewEnvStarted => "review_env_started",
            AuditAction::ReviewEnvStopped => "review_env_stopped",
            AuditAction::GateOverridden => "gate_overridden",
            AuditAction::ReminderSent => "reminder_sent",
            AuditAction::SignedIn => "signed_in",
            AuditAction::SignedOut => "signed_out",
            AuditAction::Refused => "refused",
            AuditAction::TokenCreated => "token_created",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::DeploymentApproved => "deployment_approved",
            AuditAction::DeploymentRejected => "deployment_rejected",
            AuditAction::DeliveryRetried => "delivery_retried",
            AuditAction::MergeNotDeployed => "merge_not_deployed",
            AuditAction::ChatLinked => "chat_linked",
            AuditAction::EnvironmentLocked => "environment_locked",
            AuditAction::EnvironmentUnlocked => "environment_unlocked",
            AuditAction::DeployedThroughLock => "deployed_through_lock",
            AuditAction::LockEnded => "lock_ended",
            AuditAction::LockOverridden => "lock_overridden",
            AuditAction::FreezeOverridden => "freeze_overridden",
        }
    }

    /// The verb phrase people read in the activity list.
    pub fn describe(self) -> &'static str {
        match self {
            AuditAction::ItemVerified => "verified",
            AuditAction::ItemUnverified => "withdrew the verification of",
            AuditAction::DeployPrOpened => "opened deploy PR",
            AuditAction::DeploymentRequested => "requested deployment",
            AuditAction::DeploymentFinished => "finished deployment",
            AuditAction::DeploymentAborted => "aborted deployment",
            AuditAction::ReviewEnvStarted => "started",
            AuditAction::ReviewEnvStopped => "stopped",
            AuditAction::GateOverridden => "overrode the verification gate of",
            AuditAction::ReminderSent => "sent a reminder on",
            AuditAction::SignedIn => "signed in to",
            AuditAction::SignedOut => "signed out of",
            AuditAction::Refused => "was refused on",
            AuditAction::TokenCreated => "created",
            AuditAction::TokenRevoked => "revoked",
            AuditAction::DeploymentApproved => "approved",
            AuditAction::DeploymentRejected => "rejected",
            AuditAction::DeliveryRetried => "retried",
            AuditAction::MergeNotDeployed => "did not deploy the merge of",
            AuditAction::ChatLinked => "linked a chat account to",
            AuditAction::EnvironmentLocked => "locked",
            AuditAction::EnvironmentUnlocked => "unlocked",
            AuditAction::DeployedThroughLock => "deployed through their own lock on",
            AuditAction::LockEnded => "saw the lock end on",
            AuditAction::LockOverridden => "deployed through someone else's lock on",
            AuditAction::FreezeOverridden => "deployed during a freeze on",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// Which audit entries to show: all filters combine; newest first, `limit` at a time, older than `before`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Who (a login also finds what their tokens did).
    pub actor: Option<String>,
    /// Entries about this environment: its deployments, its deploy PRs and their items, refusals about it.
    pub env: Option<super::EnvName>,
    pub action: Option<AuditAction>,
    /// One thing and its parts: `deployment 12`, `acme/shop#131` (with its items).
    pub about: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this one (the next page).
    pub before: Option<i64>,
    pub limit: u32,
}

/// An audit entry with its place in the log (for paging).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub entry: AuditEntry,
}

/// One line of the audit log: who did what to which thing, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The actor's display name (a login, or `tengu` for the system).
    pub actor: String,
    pub action: AuditAction,
    /// What was acted on, e.g. `acme/shop#131 item #104`.
    pub target: String,
    pub detail: String,
    /// The repository it is about; none for what concerns a person only (sign-ins, tokens).
    #[serde(default)]
    pub repo: Option<super::RepoSlug>,
}
