//! How the database answers the statements whose speed matters as tables grow: a test reads these plans and
//! fails when a filter would read a whole table instead of an index.

use sqlx::Row;

use super::connect::on_pool;
use super::rows::{bind_all, query_error};
use super::{Dialect, SqlStore};
use chrono::{DateTime, NaiveDate, Utc};
use tengu_core::domain::{AuditFilter, DeploymentFilter, EnvName, RepoSlug};
use tengu_core::insights::ChangeKey;
use tengu_core::ports::StoreError;

/// A statement tengu runs, with the filter it runs with.
pub enum Planned<'a> {
    /// A page of the history.
    Deployments(&'a DeploymentFilter),
    /// A page of the history by dates, looked for among the newest ids first.
    DeploymentsRecentWindow(&'a DeploymentFilter),
    /// A page of the audit log, as a person who sees `repos` (and their own entries, `own`) reads it.
    Audit { filter: &'a AuditFilter, repos: Option<&'a [RepoSlug]>, own: Option<&'a str> },
    /// A delivery worker looking for due deliveries.
    ClaimDeliveries,
    /// The insights' read of an environment's period.
    DeploymentOutlines { env: &'a EnvName, since: DateTime<Utc>, until: DateTime<Utc> },
    /// The insights' kept days of a period.
    InsightDays { env: &'a EnvName, basis: &'a str, days: (NaiveDate, NaiveDate) },
    /// Whether changes (all pull requests, or all commits) were delivered to an environment before a time.
    DeliveredBefore { env: &'a EnvName, before: DateTime<Utc>, changes: &'a [ChangeKey] },
}

impl SqlStore {
    /// The plan of a statement, one line per step, in the dialect's words: SQLite's `EXPLAIN QUERY PLAN`, or
    /// PostgreSQL's `EXPLAIN` with sequential scans discouraged, so that a small test table still shows whether
    /// an index *can* answer.
    pub async fn query_plan(&self, planned: Planned<'_>) -> Result<Vec<String>, StoreError> {
        on_pool!(self, |pool| {
            let (sql, values) = match planned {
                Planned::Deployments(filter) => super::history::deployments_query(filter),
                Planned::DeploymentsRecentWindow(filter) => super::history::recent_window_query(filter)
                    .ok_or_else(|| StoreError::Query("only a range of dates is looked for among the newest".into()))?,
                Planned::Audit { filter, repos, own } => super::audit::audit_query(filter, repos, own, self.dialect()),
                Planned::ClaimDeliveries => super::deliveries::claimable_query(),
                Planned::DeploymentOutlines { env, since, until } => {
                    super::deployments::outlines_query(env, since, until)
                }
                Planned::InsightDays { env, basis, days } => super::insights::days_query(env, basis, days),
                Planned::DeliveredBefore { env, before, changes } => {
                    let mut queries = super::insights::delivered_queries(env, before, changes);
                    let (_, sql, values) =
                        queries.pop().ok_or_else(|| StoreError::Query("the changes asked about are none".into()))?;
                    (sql, values)
                }
            };
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let lines = match self.dialect() {
                Dialect::Sqlite => {
                    let explain = format!("EXPLAIN QUERY PLAN {sql}");
                    let found =
                        bind_all(sqlx::query(&explain), values).fetch_all(&mut *conn).await.map_err(query_error)?;
                    found.iter().map(|row| row.try_get::<String, _>("detail")).collect::<Result<Vec<_>, _>>()
                }
                Dialect::Postgres => {
                    sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await.map_err(query_error)?;
                    let explain = format!("EXPLAIN {sql}");
                    let found = bind_all(sqlx::query(&explain), values).fetch_all(&mut *conn).await;
                    sqlx::query("RESET enable_seqscan").execute(&mut *conn).await.map_err(query_error)?;
                    let found = found.map_err(query_error)?;
                    found.iter().map(|row| row.try_get::<String, _>(0)).collect::<Result<Vec<_>, _>>()
                }
            };
            lines.map_err(|e| StoreError::Corrupt(format!("a query plan: {e}")))
        })
    }
}
