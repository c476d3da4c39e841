//! Named JSON documents (the sandbox keeps its world in one), written by compare-and-set on their version.

use async_trait::async_trait;

use super::SqlStore;
use super::retrying::{reading, writing};
use super::rows::{self, query_error};
use tengu_core::ports::{DocumentStore, StoreError, Topic};

#[async_trait]
impl DocumentStore for SqlStore {
    async fn load_document(&self, key: &str) -> Result<Option<String>, StoreError> {
        reading!(self, |pool| {
            let row = sqlx::query("SELECT value FROM documents WHERE key = $1")
                .bind(key.to_owned())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref().map(|row| rows::text(row, "value")).transpose()
        })
    }
    async fn save_document(&self, key: &str, value: &str) -> Result<(), StoreError> {
        writing!(self, Topic::Documents, |pool| {
            sqlx::query(
                "INSERT INTO documents (key, value, version) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = documents.version + 1",
            )
            .bind(key.to_owned())
            .bind(value.to_owned())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(())
        })
    }
    async fn document_if_changed(&self, key: &str, known: i64) -> Result<Option<(i64, String)>, StoreError> {
        reading!(self, |pool| {
            let row = sqlx::query("SELECT version, value FROM documents WHERE key = $1 AND version <> $2")
                .bind(key.to_owned())
                .bind(known)
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref().map(|row| Ok((rows::int(row, "version")?, rows::text(row, "value")?))).transpose()
        })
    }
    async fn replace_document(&self, key: &str, expected: i64, value: &str) -> Result<Option<i64>, StoreError> {
        writing!(self, Topic::Documents, |pool| {
            let query = if expected == 0 {
                sqlx::query(
                    "INSERT INTO documents (key, value, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key.to_owned())
                .bind(value.to_owned())
            } else {
                sqlx::query("UPDATE documents SET value = $2, version = version + 1 WHERE key = $1 AND version = $3")
                    .bind(key.to_owned())
                    .bind(value.to_owned())
                    .bind(expected)
            };
            let written = query.execute(pool).await.map_err(query_error)?.rows_affected() == 1;
            Ok(written.then_some(expected + 1))
        })
    }
}
