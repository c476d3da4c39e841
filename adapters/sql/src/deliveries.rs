//! Webhook deliveries: stored durably before the answer, claimed by workers in order per subject, retried with
//! backoff, parked when every try failed, pruned once handled and old.

use chrono::{DateTime, Utc};

use super::connect::on_pool;
use super::rows::{self, Bound, Columns, millis, query_error};
use super::{Dialect, SqlStore};
use crate::retrying::{reading, writing};
use tengu_core::domain::{DeliveryRecord, RepoSlug};
use tengu_core::ports::{StoreError, StoredDelivery};
use tengu_core::ports::{Topic, Topics};

/// The due deliveries a worker may take: the first unfinished one of each subject (later ones wait for it) and
/// every one without a subject, oldest first. The heads come from one pass over an index of unfinished deliveries,
/// so a subject with thousands waiting costs one index entry each, not a probe each; the heads' rows are looked up
/// among the unfinished ones only (repeating their condition lets PostgreSQL join through the partial index
/// instead of reading every handled delivery kept).
const CLAIMABLE: &str = "SELECT d.delivery_id, d.event, d.payload, d.received_at, d.repo, d.subject, d.attempts, \
     d.sequence FROM (SELECT MIN(sequence) AS head FROM webhook_deliveries \
                      WHERE processed_at IS NULL AND failed_at IS NULL AND subject IS NOT NULL GROUP BY subject \
                      UNION ALL SELECT sequence AS head FROM webhook_deliveries \
                      WHERE processed_at IS NULL AND failed_at IS NULL AND subject IS NULL) h \
     JOIN webhook_deliveries d ON d.sequence = h.head \
     WHERE d.processed_at IS NULL AND d.failed_at IS NULL \
     AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
     ORDER BY d.sequence LIMIT $2";

/// The claim's statement with sample values, for its plan.
pub(super) fn claimable_query() -> (String, Vec<Bound>) {
    (CLAIMABLE.to_owned(), vec![Bound::Int(0), Bound::Int(4)])
}

const RECORD_COLUMNS: &str = "delivery_id, event, repo, subject, received_at, attempts, last_error, next_attempt_at, \
                              failed_at, processed_at, outcome";

fn repo(row: &impl Columns) -> Result<Option<RepoSlug>, StoreError> {
    rows::optional_text(row, "repo")?
        .map(|r| RepoSlug::parse(&r).map_err(|e| StoreError::Corrupt(format!("repo: {e}"))))
        .transpose()
}

fn attempts(row: &impl Columns) -> Result<u32, StoreError> {
    Ok(u32::try_from(rows::int(row, "attempts")?).unwrap_or(u32::MAX))
}

fn stored(row: &impl Columns) -> Result<StoredDelivery, StoreError> {
    Ok(StoredDelivery {
        delivery_id: rows::text(row, "delivery_id")?,
        event: rows::text(row, "event")?,
        payload: rows::text(row, "payload")?,
        received_at: rows::time(row, "received_at")?,
        repo: repo(row)?,
        subject: rows::optional_text(row, "subject")?,
        attempts: attempts(row)?,
    })
}

fn record(row: &impl Columns) -> Result<DeliveryRecord, StoreError> {
    let unfinished = rows::optional_time(row, "processed_at")?.is_none();
    Ok(DeliveryRecord {
        delivery_id: rows::text(row, "delivery_id")?,
        event: rows::text(row, "event")?,
        repo: repo(row)?,
        subject: rows::optional_text(row, "subject")?,
        received_at: rows::time(row, "received_at")?,
        attempts: attempts(row)?,
        last_error: rows::optional_text(row, "last_error")?,
        next_attempt_at: if unfinished { rows::optional_time(row, "next_attempt_at")? } else { None },
        failed_at: rows::optional_time(row, "failed_at")?,
        processed_at: rows::optional_time(row, "processed_at")?,
        outcome: rows::optional_text(row, "outcome")?,
    })
}

impl SqlStore {
    pub(super) async fn record_delivery_row(&self, delivery: &StoredDelivery) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            // WAL with synchronous=NORMAL may lose the last commits on a power cut; the write behind a 202 must not,
            // so this one commit waits for the disk. PostgreSQL's synchronous_commit is on by default.
            let sqlite = self.dialect() == Dialect::Sqlite;
            if sqlite {
                sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await.map_err(query_error)?;
            }
            let done = sqlx::query(
                "INSERT INTO webhook_deliveries (delivery_id, event, payload, received_at, repo, subject, \
                 next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $4) ON CONFLICT (delivery_id) DO NOTHING",
            )
            .bind(delivery.delivery_id.clone())
            .bind(delivery.event.clone())
            .bind(delivery.payload.clone())
            .bind(millis(delivery.received_at))
            .bind(delivery.repo.as_ref().map(ToString::to_string))
            .bind(delivery.subject.clone())
            .execute(&mut *conn)
            .await
            .map_err(query_error);
            if sqlite {
                sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await.map_err(query_error)?;
            }
            Ok(done?.rows_affected() == 1)
        })
    }

    pub(super) async fn delivery_row(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        on_pool!(self, |pool| {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM webhook_deliveries WHERE delivery_id = $1");
            let row = sqlx::query(&sql).bind(delivery_id.to_owned()).fetch_optional(pool).await.map_err(query_error)?;
            row.as_ref().map(record).transpose()
        })
    }

    pub(super) async fn claim_delivery_rows(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredDelivery>, StoreError> {
        on_pool!(self, |pool| {
            let due = sqlx::query(CLAIMABLE)
                .bind(millis(now))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(query_error)?;
            let mut claimed = Vec::with_capacity(due.len());
            for row in &due {
                let delivery = stored(row)?;
                // Another worker may have taken it since the read: the update is the claim, and only one wins it.
                let taken = sqlx::query(
                    "UPDATE webhook_deliveries SET claimed_by = $1, claimed_until = $2 WHERE delivery_id = $3 \
                     AND processed_at IS NULL AND failed_at IS NULL AND (claimed_until IS NULL OR claimed_until < $4)",
                )
                .bind(worker.to_owned())
                .bind(millis(until))
                .bind(delivery.delivery_id.clone())
                .bind(millis(now))
                .execute(pool)
                .await
                .map_err(query_error)?;
                if taken.rows_affected() == 1 {
                    claimed.push(delivery);
                }
            }
            Ok(claimed)
        })
    }

    pub(super) async fn finish_delivery_row(
        &self,
        delivery_id: &str,
        at: DateTime<Utc>,
        outcome: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE webhook_deliveries SET processed_at = $1, outcome = $2, failed_at = NULL, claimed_by = NULL, \
                 claimed_until = NULL WHERE delivery_id = $3 AND processed_at IS NULL",
            )
            .bind(millis(at))
            .bind(outcome.to_owned())
            .bind(delivery_id.to_owned())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(())
        })
    }

    pub(super) async fn fail_delivery_row(
        &self,
        delivery_id: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, \
                 failed_at = $3, claimed_by = NULL, claimed_until = NULL WHERE delivery_id = $4 AND processed_at IS NULL",
            )
            .bind(error.to_owned())
            .bind(millis(retry_at.unwrap_or(at)))
            .bind(retry_at.is_none().then(|| millis(at)))
            .bind(delivery_id.to_owned())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(())
        })
    }

    pub(super) async fn requeue_delivery_row(&self, delivery_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE webhook_deliveries SET failed_at = NULL, attempts = 0, next_attempt_at = $1 \
                 WHERE delivery_id = $2 AND processed_at IS NULL",
            )
            .bind(millis(now))
            .bind(delivery_id.to_owned())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub(super) async fn troubled_delivery_rows(&self, limit: u32) -> Result<Vec<DeliveryRecord>, StoreError> {
        on_pool!(self, |pool| {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM webhook_deliveries WHERE processed_at IS NULL \
                 AND (failed_at IS NOT NULL OR last_error IS NOT NULL) ORDER BY failed_at IS NULL, sequence DESC LIMIT $1"
            );
            let found = sqlx::query(&sql).bind(i64::from(limit)).fetch_all(pool).await.map_err(query_error)?;
            found.iter().map(record).collect()
        })
    }

    pub(super) async fn prune_delivery_rows(&self, received_before: DateTime<Utc>) -> Result<u64, StoreError> {
        on_pool!(self, |pool| {
            let done =
                sqlx::query("DELETE FROM webhook_deliveries WHERE processed_at IS NOT NULL AND received_at < $1")
                    .bind(millis(received_before))
                    .execute(pool)
                    .await
                    .map_err(query_error)?;
            Ok(done.rows_affected())
        })
    }

    pub(super) async fn unfinished_delivery_rows(&self, limit: u32) -> Result<Vec<StoredDelivery>, StoreError> {
        on_pool!(self, |pool| {
            let found = sqlx::query(
                "SELECT delivery_id, event, payload, received_at, repo, subject, attempts FROM webhook_deliveries \
                 WHERE processed_at IS NULL ORDER BY sequence LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(query_error)?;
            found.iter().map(stored).collect()
        })
    }
}

#[async_trait::async_trait]
impl tengu_core::ports::DeliveryStore for SqlStore {
    async fn record_delivery(&self, delivery: &StoredDelivery) -> Result<bool, StoreError> {
        writing!(self, Topic::Deliveries => self.record_delivery_row(delivery).await)
    }
    async fn delivery(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        reading!(self.delivery_row(delivery_id).await)
    }
    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredDelivery>, StoreError> {
        writing!(self, Topics::NONE => self.claim_delivery_rows(worker, now, until, limit).await)
    }
    async fn finish_delivery(&self, delivery_id: &str, at: DateTime<Utc>, outcome: &str) -> Result<(), StoreError> {
        writing!(self, Topic::Deliveries => self.finish_delivery_row(delivery_id, at, outcome).await)
    }
    async fn fail_delivery_attempt(
        &self,
        delivery_id: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        writing!(self, Topic::Deliveries => self.fail_delivery_row(delivery_id, error, retry_at, at).await)
    }
    async fn requeue_delivery(&self, delivery_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        writing!(self, Topic::Deliveries => self.requeue_delivery_row(delivery_id, now).await)
    }
    async fn troubled_deliveries(&self, limit: u32) -> Result<Vec<DeliveryRecord>, StoreError> {
        reading!(self.troubled_delivery_rows(limit).await)
    }
    async fn prune_deliveries(&self, received_before: DateTime<Utc>) -> Result<u64, StoreError> {
        writing!(self, Topic::Deliveries => self.prune_delivery_rows(received_before).await)
    }
    async fn unfinished_deliveries(&self, limit: u32) -> Result<Vec<StoredDelivery>, StoreError> {
        reading!(self.unfinished_delivery_rows(limit).await)
    }
}
