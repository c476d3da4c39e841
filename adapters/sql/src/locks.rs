//! Environments' locks: one row per environment, replaced by the next lock and taken away by an unlock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::SqlStore;
use super::retrying::{reading, writing};
use super::rows::{self, Columns, millis, query_error};
use tengu_core::domain::{EnvName, EnvironmentLock, LockReason, Login, RepoSlug};
use tengu_core::ports::{LockStore, StoreError, Topic};

const COLUMNS: &str = "env, repo, reason, set_by, owner, set_at, until_at";

fn lock(row: &impl Columns) -> Result<EnvironmentLock, StoreError> {
    Ok(EnvironmentLock {
        env: rows::parsed(row, "env", EnvName::parse)?,
        repo: rows::parsed(row, "repo", RepoSlug::parse)?,
        reason: rows::parsed(row, "reason", LockReason::parse)?,
        set_by: rows::text(row, "set_by")?,
        owner: rows::optional_text(row, "owner")?
            .map(Login::parse)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("owner: {e}")))?,
        set_at: rows::time(row, "set_at")?,
        until: rows::optional_time(row, "until_at")?,
    })
}

#[async_trait]
impl LockStore for SqlStore {
    async fn set_lock(&self, lock: &EnvironmentLock) -> Result<(), StoreError> {
        writing!(self, Topic::Locks, |pool| {
            sqlx::query(
                "INSERT INTO environment_locks (env, repo, reason, set_by, owner, set_at, until_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (env) DO UPDATE SET repo = excluded.repo, \
                 reason = excluded.reason, set_by = excluded.set_by, owner = excluded.owner, \
                 set_at = excluded.set_at, until_at = excluded.until_at",
            )
            .bind(lock.env.to_string())
            .bind(lock.repo.to_string())
            .bind(lock.reason.as_str().to_owned())
            .bind(lock.set_by.clone())
            .bind(lock.owner.as_ref().map(ToString::to_string))
            .bind(millis(lock.set_at))
            .bind(lock.until.map(millis))
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(())
        })
    }
    async fn lock_of(&self, env: &EnvName) -> Result<Option<EnvironmentLock>, StoreError> {
        reading!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM environment_locks WHERE env = $1"))
                .bind(env.to_string())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref().map(lock).transpose()
        })
    }
    async fn locks(&self) -> Result<Vec<EnvironmentLock>, StoreError> {
        reading!(self, |pool| {
            let found = sqlx::query(&format!("SELECT {COLUMNS} FROM environment_locks ORDER BY env"))
                .fetch_all(pool)
                .await
                .map_err(query_error)?;
            found.iter().map(lock).collect()
        })
    }
    async fn remove_ended_locks(&self, now: DateTime<Utc>) -> Result<Vec<EnvironmentLock>, StoreError> {
        writing!(self, Topic::Locks, |pool| {
            let gone = sqlx::query(&format!(
                "DELETE FROM environment_locks WHERE until_at IS NOT NULL AND until_at <= $1 RETURNING {COLUMNS}"
            ))
            .bind(millis(now))
            .fetch_all(pool)
            .await
            .map_err(query_error)?;
            let mut gone = gone.iter().map(lock).collect::<Result<Vec<_>, _>>()?;
            gone.sort_by(|a, b| a.env.cmp(&b.env));
            Ok(gone)
        })
    }
    async fn remove_lock(&self, env: &EnvName) -> Result<Option<EnvironmentLock>, StoreError> {
        writing!(self, Topic::Locks, |pool| {
            let row = sqlx::query(&format!("DELETE FROM environment_locks WHERE env = $1 RETURNING {COLUMNS}"))
                .bind(env.to_string())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref().map(lock).transpose()
        })
    }
}
