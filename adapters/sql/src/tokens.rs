//! Personal API tokens: the rows behind `Authorization: Bearer`.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::connect::on_pool;
use super::rows::{self, Columns, millis, query_error, to_json};
use crate::retrying::{reading, writing};
use tengu_core::domain::{ApiToken, Login, NewApiToken};
use tengu_core::ports::StoreError;
use tengu_core::ports::{Topic, Topics};

const COLUMNS: &str = "id, owner, name, scopes, created_at, expires_at, last_used_at, revoked_at";

fn token(row: &impl Columns) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: rows::int(row, "id")?,
        owner: rows::parsed(row, "owner", Login::parse)?,
        name: rows::text(row, "name")?,
        scopes: rows::json(row, "scopes")?,
        created_at: rows::time(row, "created_at")?,
        expires_at: rows::time(row, "expires_at")?,
        last_used_at: rows::optional_time(row, "last_used_at")?,
        revoked_at: rows::optional_time(row, "revoked_at")?,
    })
}

impl SqlStore {
    pub(super) async fn insert_token_row(&self, new: &NewApiToken) -> Result<i64, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "INSERT INTO api_tokens (owner, name, scopes, hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(new.owner.to_string())
            .bind(new.name.clone())
            .bind(to_json(&new.scopes))
            .bind(new.hash.clone())
            .bind(millis(new.created_at))
            .bind(millis(new.expires_at))
            .fetch_one(pool)
            .await
            .map_err(query_error)?;
            rows::int(&row, "id")
        })
    }

    pub(super) async fn tokens_of_rows(&self, owner: &Login) -> Result<Vec<ApiToken>, StoreError> {
        on_pool!(self, |pool| {
            let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE owner = $1 ORDER BY id DESC");
            let found = sqlx::query(&sql).bind(owner.to_string()).fetch_all(pool).await.map_err(query_error)?;
            found.iter().map(token).collect()
        })
    }

    pub(super) async fn token_by_hash_row(&self, hash: &str) -> Result<Option<ApiToken>, StoreError> {
        on_pool!(self, |pool| {
            let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE hash = $1");
            let found = sqlx::query(&sql).bind(hash.to_owned()).fetch_optional(pool).await.map_err(query_error)?;
            found.as_ref().map(token).transpose()
        })
    }

    pub(super) async fn touch_token_row(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(millis(at))
                .bind(id)
                .execute(pool)
                .await
                .map_err(query_error)?;
            Ok(())
        })
    }

    pub(super) async fn revoke_token_row(&self, id: i64, owner: &Login, at: DateTime<Utc>) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND owner = $3 AND revoked_at IS NULL",
            )
            .bind(millis(at))
            .bind(id)
            .bind(owner.to_string())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }
}

#[async_trait::async_trait]
impl tengu_core::ports::TokenStore for SqlStore {
    async fn insert_token(&self, new: &NewApiToken) -> Result<i64, StoreError> {
        writing!(self, Topic::Tokens => self.insert_token_row(new).await)
    }
    async fn tokens_of(&self, owner: &Login) -> Result<Vec<ApiToken>, StoreError> {
        reading!(self.tokens_of_rows(owner).await)
    }
    async fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>, StoreError> {
        reading!(self.token_by_hash_row(hash).await)
    }
    async fn touch_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        writing!(self, Topics::NONE => self.touch_token_row(id, at).await)
    }
    async fn revoke_token(&self, id: i64, owner: &Login, at: DateTime<Utc>) -> Result<bool, StoreError> {
        writing!(self, Topic::Tokens => self.revoke_token_row(id, owner, at).await)
    }
}
