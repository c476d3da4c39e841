//! Leases: one row per piece of work, naming its holder until an expiry; taken when free, expired or already
//! one's own, in one statement, so two instances never both hold one.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::connect::on_pool;
use super::rows::{millis, query_error, text};
use crate::retrying::{reading, writing};
use tengu_core::ports::StoreError;
use tengu_core::ports::Topics;

impl SqlStore {
    pub(super) async fn take_lease_row(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let taken = sqlx::query(
                "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE \
                 SET holder = excluded.holder, expires_at = excluded.expires_at \
                 WHERE leases.holder = excluded.holder OR leases.expires_at < $4",
            )
            .bind(name.to_owned())
            .bind(holder.to_owned())
            .bind(millis(until))
            .bind(millis(now))
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(taken.rows_affected() == 1)
        })
    }

    pub(super) async fn release_lease_row(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
                .bind(name.to_owned())
                .bind(holder.to_owned())
                .execute(pool)
                .await
                .map_err(query_error)?;
            Ok(())
        })
    }
}

#[async_trait::async_trait]
impl tengu_core::ports::LeaseStore for SqlStore {
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        writing!(self, Topics::NONE => self.take_lease_row(name, holder, now, until).await)
    }
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        writing!(self, Topics::NONE => self.release_lease_row(name, holder).await)
    }
    async fn leases_held(&self, now: DateTime<Utc>) -> Result<Vec<(String, String)>, StoreError> {
        reading!(self, |pool| {
            let found = sqlx::query("SELECT name, holder FROM leases WHERE expires_at >= $1 ORDER BY name")
                .bind(millis(now))
                .fetch_all(pool)
                .await
                .map_err(query_error)?;
            found.iter().map(|row| Ok((text(row, "name")?, text(row, "holder")?))).collect()
        })
    }
}
