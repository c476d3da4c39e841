//! Turning rows back into domain values: every column is parsed, so a bad value is reported, not trusted.

use chrono::{DateTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use sqlx::Row;

use tengu_core::domain::{
    AuditAction, AuditEntry, BranchName, CarriedChange, ChecklistItem, CommitSha, DeployPr, Deployment, DeploymentId,
    DeploymentOutline, DeploymentState, EnvName, GateOverride, ImageRef, Login, PrNumber, PrState, RepoSlug, ReviewEnv,
    ReviewEnvState, RolloutState, ServiceHealth, ServiceName, SourcePr, Trigger, Verification,
};
use tengu_core::ports::StoreError;

/// A value for a statement put together from filters.
pub(super) enum Bound {
    Text(String),
    Int(i64),
}

pub(super) fn bind_all<'q, DB: sqlx::Database>(
    mut query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    values: Vec<Bound>,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for value in values {
        query = match value {
            Bound::Text(text) => query.bind(text),
            Bound::Int(number) => query.bind(number),
        };
    }
    query
}

pub(super) fn query_error(e: sqlx::Error) -> StoreError {
    match &e {
        // Nothing was written: trying again is safe everywhere.
        sqlx::Error::PoolTimedOut => StoreError::Busy(e.to_string()),
        sqlx::Error::Database(db) if db.code().is_some_and(|code| is_busy(&code)) => StoreError::Busy(e.to_string()),
        // The connection went away: a write may or may not have landed.
        sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::Database(db) if db.code().is_some_and(|code| is_connection_lost(&code)) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Query(e.to_string()),
    }
}

/// SQLite's BUSY and LOCKED (with their extended codes), PostgreSQL's serialisation failure and deadlock: the
/// statement did nothing and may simply be run again.
fn is_busy(code: &str) -> bool {
    matches!(code, "5" | "6" | "261" | "517" | "262" | "40001" | "40P01" | "55P03")
}

/// PostgreSQL's connection exceptions (class 08) and a server shutting down (57P01..57P03).
fn is_connection_lost(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// A row of either dialect's own driver, read by column name: the few column types tengu stores.
pub(super) trait Columns {
    fn read_int(&self, column: &str) -> Result<i64, sqlx::Error>;
    fn read_optional_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn read_text(&self, column: &str) -> Result<String, sqlx::Error>;
    fn read_optional_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
}

macro_rules! columns_of {
    ($row:ty) => {
        impl Columns for $row {
            fn read_int(&self, column: &str) -> Result<i64, sqlx::Error> {
                self.try_get(column)
            }
            fn read_optional_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(column)
            }
            fn read_text(&self, column: &str) -> Result<String, sqlx::Error> {
                self.try_get(column)
            }
            fn read_optional_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
                self.try_get(column)
            }
        }
    };
}
columns_of!(sqlx::sqlite::SqliteRow);
columns_of!(sqlx::postgres::PgRow);

fn optional_id(row: &impl Columns, column: &str) -> Result<Option<u64>, StoreError> {
    let id = row.read_optional_int(column).map_err(|e| corrupt(column, e))?;
    id.map(|id| u64::try_from(id).map_err(|e| corrupt(column, e))).transpose()
}

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

pub(super) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(super) fn time(row: &impl Columns, column: &str) -> Result<DateTime<Utc>, StoreError> {
    let ms = row.read_int(column).map_err(|e| corrupt(column, e))?;
    Utc.timestamp_millis_opt(ms).single().ok_or_else(|| corrupt(column, "not a time"))
}

pub(super) fn optional_time(row: &impl Columns, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    let ms = row.read_optional_int(column).map_err(|e| corrupt(column, e))?;
    ms.map(|ms| Utc.timestamp_millis_opt(ms).single().ok_or_else(|| corrupt(column, "not a time"))).transpose()
}

pub(super) fn text(row: &impl Columns, column: &str) -> Result<String, StoreError> {
    row.read_text(column).map_err(|e| corrupt(column, e))
}

pub(super) fn optional_text(row: &impl Columns, column: &str) -> Result<Option<String>, StoreError> {
    row.read_optional_text(column).map_err(|e| corrupt(column, e))
}

pub(super) fn int(row: &impl Columns, column: &str) -> Result<i64, StoreError> {
    row.read_int(column).map_err(|e| corrupt(column, e))
}

pub(super) fn optional_int(row: &impl Columns, column: &str) -> Result<Option<i64>, StoreError> {
    row.read_optional_int(column).map_err(|e| corrupt(column, e))
}

pub(super) fn parsed<T, E: std::fmt::Display>(
    row: &impl Columns,
    column: &str,
    parse: impl FnOnce(String) -> Result<T, E>,
) -> Result<T, StoreError> {
    parse(text(row, column)?).map_err(|e| corrupt(column, e))
}

pub(super) fn json<T: DeserializeOwned>(row: &impl Columns, column: &str) -> Result<T, StoreError> {
    serde_json::from_str(&text(row, column)?).map_err(|e| corrupt(column, e))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values always serialise")
}

pub(super) fn pr_number(row: &impl Columns, column: &str) -> Result<PrNumber, StoreError> {
    let n = int(row, column)?;
    u64::try_from(n).ok().and_then(|n| PrNumber::new(n).ok()).ok_or_else(|| corrupt(column, n))
}

pub(super) fn deploy_pr_without_items(row: &impl Columns) -> Result<DeployPr, StoreError> {
    Ok(DeployPr {
        repo: parsed(row, "repo", RepoSlug::parse)?,
        number: pr_number(row, "number")?,
        env: parsed(row, "env", EnvName::parse)?,
        title: text(row, "title")?,
        url: text(row, "url")?,
        base: parsed(row, "base_branch", BranchName::parse)?,
        head: parsed(row, "head_branch", BranchName::parse)?,
        head_sha: optional_text(row, "head_sha")?
            .map(CommitSha::parse)
            .transpose()
            .map_err(|e| corrupt("head_sha", e))?,
        state: parsed(row, "state", |s| PrState::parse(&s).ok_or(s))?,
        items: Vec::new(),
        direct_commits: json(row, "direct_commits")?,
        gate_override: match (optional_text(row, "override_by")?, optional_text(row, "override_reason")?) {
            (Some(by), Some(reason)) => Some(GateOverride {
                by,
                reason,
                at: optional_time(row, "override_at")?.ok_or_else(|| corrupt("override_at", "missing"))?,
            }),
            _ => None,
        },
        updated_at: time(row, "updated_at")?,
        merge_sha: optional_text(row, "merge_sha")?
            .map(CommitSha::parse)
            .transpose()
            .map_err(|e| corrupt("merge_sha", e))?,
        version: int(row, "version")?,
    })
}

pub(super) fn checklist_item(row: &impl Columns) -> Result<ChecklistItem, StoreError> {
    let verified = match (optional_text(row, "checked_by")?, optional_time(row, "checked_at")?) {
        (Some(by), Some(at)) => Some(Verification { by, at }),
        _ => None,
    };
    Ok(ChecklistItem {
        source: SourcePr {
            number: pr_number(row, "source_pr")?,
            title: text(row, "title")?,
            author: parsed(row, "author", Login::parse)?,
            assignees: json(row, "assignees")?,
            commits: json(row, "commits")?,
            merged_at: optional_time(row, "merged_at")?,
            first_commit_at: optional_time(row, "first_commit_at")?,
        },
        verified,
        listed_at: optional_time(row, "listed_at")?,
    })
}

fn deploy_pr_of(row: &impl Columns) -> Result<Option<PrNumber>, StoreError> {
    optional_int(row, "deploy_pr")?
        .map(|n| u64::try_from(n).ok().and_then(|n| PrNumber::new(n).ok()).ok_or_else(|| corrupt("deploy_pr", n)))
        .transpose()
}

pub(super) fn deployment_outline(row: &impl Columns) -> Result<DeploymentOutline, StoreError> {
    Ok(DeploymentOutline {
        id: DeploymentId(int(row, "id")?),
        repo: parsed(row, "repo", RepoSlug::parse)?,
        trigger: parsed(row, "trigger_kind", |s| Trigger::parse(&s).ok_or(s))?,
        state: parsed(row, "state", |s| DeploymentState::parse(&s).ok_or(s))?,
        requested_at: time(row, "requested_at")?,
        finished_at: optional_time(row, "finished_at")?,
        deploy_pr: deploy_pr_of(row)?,
        source_prs: json(row, "source_prs")?,
    })
}

pub(super) fn deployment(row: &impl Columns) -> Result<Deployment, StoreError> {
    Ok(Deployment {
        id: DeploymentId(int(row, "id")?),
        env: parsed(row, "env", EnvName::parse)?,
        repo: parsed(row, "repo", RepoSlug::parse)?,
        image: parsed(row, "image", ImageRef::parse)?,
        sha: optional_text(row, "sha")?.map(CommitSha::parse).transpose().map_err(|e| corrupt("sha", e))?,
        trigger: parsed(row, "trigger_kind", |s| Trigger::parse(&s).ok_or(s))?,
        actor: text(row, "actor")?,
        source_prs: json(row, "source_prs")?,
        task_definitions: json(row, "task_definitions")?,
        previous_task_definitions: json(row, "previous_task_definitions")?,
        rollout: json(row, "rollout")?,
        github_deployment: optional_int(row, "github_deployment_id")?.map(|id| id as u64),
        steps: json(row, "steps")?,
        deploy_pr: deploy_pr_of(row)?,
        state: parsed(row, "state", |s| DeploymentState::parse(&s).ok_or(s))?,
        reason: optional_text(row, "reason")?,
        requested_at: time(row, "requested_at")?,
        finished_at: optional_time(row, "finished_at")?,
        approved_by: optional_text(row, "approved_by")?,
    })
}

pub(super) fn audit_entry(row: &impl Columns) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: time(row, "at")?,
        actor: text(row, "actor")?,
        action: parsed(row, "action", |s| AuditAction::parse(&s).ok_or(s))?,
        target: text(row, "target")?,
        repo: optional_text(row, "repo")?.map(RepoSlug::parse).transpose().map_err(|e| corrupt("repo", e))?,
        detail: text(row, "detail")?,
    })
}

pub(super) fn review_env(row: &impl Columns) -> Result<ReviewEnv, StoreError> {
    Ok(ReviewEnv {
        repo: parsed(row, "repo", RepoSlug::parse)?,
        pr: pr_number(row, "pr")?,
        title: text(row, "title")?,
        author: parsed(row, "author", Login::parse)?,
        branch: parsed(row, "branch", BranchName::parse)?,
        sha: parsed(row, "sha", CommitSha::parse)?,
        state: parsed(row, "state", |s| ReviewEnvState::parse(&s).ok_or(s))?,
        url: text(row, "url")?,
        started_at: time(row, "started_at")?,
        last_push_at: time(row, "last_push_at")?,
        task: optional_text(row, "task")?,
        next_task: optional_text(row, "next_task")?,
        next_sha: optional_text(row, "next_sha")?
            .map(CommitSha::parse)
            .transpose()
            .map_err(|e| corrupt("next_sha", e))?,
        address: optional_text(row, "address")?,
        reason: optional_text(row, "reason")?,
        comment_id: optional_id(row, "comment_id")?,
        github_deployment: optional_id(row, "github_deployment_id")?,
        version: int(row, "version")?,
    })
}

pub(super) fn carried_change(row: &impl Columns) -> Result<CarriedChange, StoreError> {
    let source_pr = optional_int(row, "source_pr")?
        .map(|n| {
            u64::try_from(n)
                .map_err(|e| corrupt("source_pr", e))
                .and_then(|n| PrNumber::new(n).map_err(|e| corrupt("source_pr", e)))
        })
        .transpose()?;
    let sha = optional_text(row, "sha")?.map(|s| CommitSha::parse(s).map_err(|e| corrupt("sha", e))).transpose()?;
    let author =
        optional_text(row, "author")?.map(|s| Login::parse(s).map_err(|e| corrupt("author", e))).transpose()?;
    Ok(CarriedChange { source_pr, sha, author })
}

pub(super) fn service_health(row: &impl Columns) -> Result<ServiceHealth, StoreError> {
    let count = |column: &str| int(row, column).and_then(|n| u32::try_from(n).map_err(|e| corrupt(column, e)));
    let rollout_state = optional_text(row, "rollout_state")?
        .map(|s| RolloutState::parse(&s).ok_or_else(|| corrupt("rollout_state", s)))
        .transpose()?;
    Ok(ServiceHealth {
        env: parsed(row, "env", EnvName::parse)?,
        service: parsed(row, "service", ServiceName::parse)?,
        running: count("running")?,
        desired: count("desired")?,
        pending: count("pending")?,
        rollout_state,
        rollout_reason: optional_text(row, "rollout_reason")?,
        reported_at: time(row, "reported_at")?,
    })
}
