//! Sessions and remembered permissions: the rows behind sign-in.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::connect::on_pool;
use super::rows::{self, millis, query_error};
use crate::retrying::{reading, writing};
use tengu_core::domain::{Grant, Login, Permission, RepoSlug};
use tengu_core::ports::StoreError;
use tengu_core::ports::{Topic, Topics};

impl SqlStore {
    pub(super) async fn save_grants_rows(&self, login: &Login, grants: &[(RepoSlug, Grant)]) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(query_error)?;
            sqlx::query("DELETE FROM repo_permissions WHERE login = $1")
                .bind(login.to_string())
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            for (repo, grant) in grants {
                sqlx::query(
                    "INSERT INTO repo_permissions (login, repo, permission, checked_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(login.to_string())
                .bind(repo.to_string())
                .bind(grant.permission.as_str())
                .bind(millis(grant.checked_at))
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            }
            tx.commit().await.map_err(query_error)
        })
    }

    pub(super) async fn grants_rows(&self, login: &Login) -> Result<Vec<(RepoSlug, Grant)>, StoreError> {
        on_pool!(self, |pool| {
            let found =
                sqlx::query("SELECT repo, permission, checked_at FROM repo_permissions WHERE login = $1 ORDER BY repo")
                    .bind(login.to_string())
                    .fetch_all(pool)
                    .await
                    .map_err(query_error)?;
            found
                .iter()
                .map(|row| {
                    let repo = rows::parsed(row, "repo", RepoSlug::parse)?;
                    let word = rows::text(row, "permission")?;
                    let permission = Permission::parse(&word)
                        .ok_or_else(|| StoreError::Corrupt(format!("{word:?} is not a permission")))?;
                    Ok((repo, Grant { permission, checked_at: rows::time(row, "checked_at")? }))
                })
                .collect()
        })
    }

    pub(super) async fn create_session_row(
        &self,
        id: &str,
        data: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write_session(id, data, expires_at, "DO NOTHING").await
    }

    pub(super) async fn save_session_row(
        &self,
        id: &str,
        data: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let on_conflict = "DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at";
        self.write_session(id, data, expires_at, on_conflict).await.map(drop)
    }

    /// One insert for both: a new session keeps a taken id untouched, a saved one replaces it. True when written.
    async fn write_session(
        &self,
        id: &str,
        data: &str,
        expires_at: DateTime<Utc>,
        on_conflict: &str,
    ) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let sql = format!(
                "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) {on_conflict}"
            );
            let done = sqlx::query(&sql)
                .bind(id.to_owned())
                .bind(data.to_owned())
                .bind(millis(expires_at))
                .execute(pool)
                .await
                .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub(super) async fn load_session_row(&self, id: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_owned())
                .bind(millis(now))
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref().map(|row| rows::text(row, "data")).transpose()
        })
    }

    pub(super) async fn delete_session_row(&self, id: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(id.to_owned())
                .execute(pool)
                .await
                .map_err(query_error)?;
            Ok(())
        })
    }

    pub(super) async fn delete_expired_session_rows(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        on_pool!(self, |pool| {
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(millis(now))
                .execute(pool)
                .await
                .map_err(query_error)?;
            Ok(done.rows_affected())
        })
    }
}

#[async_trait::async_trait]
impl tengu_core::ports::SessionStore for SqlStore {
    async fn save_grants(&self, login: &Login, grants: &[(RepoSlug, Grant)]) -> Result<(), StoreError> {
        writing!(self, Topic::People => self.save_grants_rows(login, grants).await)
    }
    async fn grants(&self, login: &Login) -> Result<Vec<(RepoSlug, Grant)>, StoreError> {
        reading!(self.grants_rows(login).await)
    }
    async fn create_session(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        writing!(self, Topics::NONE => self.create_session_row(id, data, expires_at).await)
    }
    async fn save_session(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        writing!(self, Topics::NONE => self.save_session_row(id, data, expires_at).await)
    }
    async fn load_session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        reading!(self.load_session_row(id, now).await)
    }
    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        writing!(self, Topic::Sessions => self.delete_session_row(id).await)
    }
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        writing!(self, Topics::NONE => self.delete_expired_session_rows(now).await)
    }
}
