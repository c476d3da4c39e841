//! The insights' day rollups and how far each environment's are kept, replaced together in one transaction; and
//! what the rollups ask of the history (whether a change was delivered before, when the first deployment was).

use std::collections::HashSet;

use super::SqlStore;
use super::retrying::{reading, writing};
use super::rows::{self, Bound, bind_all, millis, query_error, to_json};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use tengu_core::domain::{DeploymentState, EnvName};
use tengu_core::insights::{ChangeKey, DayRollup, InsightMark};
use tengu_core::ports::{InsightStore, StoreError, Topics};

/// Changes asked about per statement: far under either database's limit on parameters.
const KEYS_PER_STATEMENT: usize = 500;

/// Which of `keys` (PR numbers or SHAs) a successful deployment of the environment that finished before the time
/// carried: `column` is `source_pr` or `sha` (a commit without a pull request), never outside text.
fn delivered_query(column: &str, keys: Vec<Bound>, env: &EnvName, before: DateTime<Utc>) -> (String, Vec<Bound>) {
    let marks: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 4)).collect();
    let without_pr = if column == "sha" { " AND c.source_pr IS NULL" } else { "" };
    let sql = format!(
        "SELECT DISTINCT c.{column} AS carried FROM deployment_changes c JOIN deployments d ON d.id = c.deployment_id \
         WHERE c.{column} IN ({}){without_pr} AND d.env = $1 AND d.state = $2 AND d.finished_at < $3",
        marks.join(", ")
    );
    let mut values = vec![
        Bound::Text(env.to_string()),
        Bound::Text(DeploymentState::Succeeded.as_str().to_owned()),
        Bound::Int(millis(before)),
    ];
    values.extend(keys);
    (sql, values)
}

/// The statements asking about `changes`, each with whether it asks about pull requests (or commits).
pub(super) fn delivered_queries(
    env: &EnvName,
    before: DateTime<Utc>,
    changes: &[ChangeKey],
) -> Vec<(bool, String, Vec<Bound>)> {
    let prs: Vec<Bound> = changes
        .iter()
        .filter_map(|c| if let ChangeKey::Pr(n) = c { Some(Bound::Int(i64::from(*n))) } else { None })
        .collect();
    let shas: Vec<Bound> = changes
        .iter()
        .filter_map(|c| if let ChangeKey::Commit(s) = c { Some(Bound::Text(s.clone())) } else { None })
        .collect();
    let mut queries = Vec::new();
    for (column, mut keys) in [("source_pr", prs), ("sha", shas)] {
        while !keys.is_empty() {
            let rest = keys.split_off(keys.len().min(KEYS_PER_STATEMENT));
            let (sql, values) = delivered_query(column, keys, env, before);
            queries.push((column == "source_pr", sql, values));
            keys = rest;
        }
    }
    queries
}

pub(super) fn days_query(env: &EnvName, basis: &str, (first, last): (NaiveDate, NaiveDate)) -> (String, Vec<Bound>) {
    let sql = "SELECT body FROM insight_days WHERE env = $1 AND basis = $2 AND day >= $3 AND day <= $4 ORDER BY day";
    let values = vec![
        Bound::Text(env.to_string()),
        Bound::Text(basis.to_owned()),
        Bound::Text(first.to_string()),
        Bound::Text(last.to_string()),
    ];
    (sql.to_owned(), values)
}

#[async_trait]
impl InsightStore for SqlStore {
    async fn insight_mark(&self, env: &EnvName, basis: &str) -> Result<Option<InsightMark>, StoreError> {
        reading!(self, |pool| {
            let row = sqlx::query("SELECT kept_until, open_from FROM insight_marks WHERE env = $1 AND basis = $2")
                .bind(env.to_string())
                .bind(basis.to_owned())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref()
                .map(|row| {
                    Ok(InsightMark {
                        kept_until: rows::time(row, "kept_until")?,
                        open_from: rows::optional_time(row, "open_from")?,
                    })
                })
                .transpose()
        })
    }

    async fn insight_days(
        &self,
        env: &EnvName,
        basis: &str,
        days: (NaiveDate, NaiveDate),
    ) -> Result<Vec<DayRollup>, StoreError> {
        reading!(self, |pool| {
            let (sql, values) = days_query(env, basis, days);
            let found = bind_all(sqlx::query(&sql), values).fetch_all(pool).await.map_err(query_error)?;
            found.iter().map(|row| rows::json(row, "body")).collect()
        })
    }

    async fn keep_insight_days(
        &self,
        env: &EnvName,
        basis: &str,
        (first, last): (NaiveDate, NaiveDate),
        rollups: &[DayRollup],
        mark: &InsightMark,
    ) -> Result<(), StoreError> {
        // Nothing shown changes by itself: the deployment that finished announced it, and a page keeps the
        // rollups it reads up to date before reading them.
        writing!(self, Topics::NONE, |pool| {
            let mut tx = pool.begin().await.map_err(query_error)?;
            let forget = if first == NaiveDate::MIN {
                sqlx::query("DELETE FROM insight_days WHERE env = $1").bind(env.to_string())
            } else {
                sqlx::query("DELETE FROM insight_days WHERE env = $1 AND basis = $2 AND day >= $3 AND day <= $4")
                    .bind(env.to_string())
                    .bind(basis.to_owned())
                    .bind(first.to_string())
                    .bind(last.to_string())
            };
            forget.execute(&mut *tx).await.map_err(query_error)?;
            for day in rollups {
                // Another instance keeping the same days at once writes the same rows: the later one wins.
                sqlx::query(
                    "INSERT INTO insight_days (env, basis, day, body) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (env, basis, day) DO UPDATE SET body = excluded.body",
                )
                .bind(env.to_string())
                .bind(basis.to_owned())
                .bind(day.day.to_string())
                .bind(to_json(day))
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            }
            sqlx::query(
                "INSERT INTO insight_marks (env, basis, kept_until, open_from) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (env, basis) DO UPDATE SET kept_until = excluded.kept_until, open_from = excluded.open_from",
            )
            .bind(env.to_string())
            .bind(basis.to_owned())
            .bind(millis(mark.kept_until))
            .bind(mark.open_from.map(millis))
            .execute(&mut *tx)
            .await
            .map_err(query_error)?;
            tx.commit().await.map_err(query_error)
        })
    }

    async fn delivered_before(
        &self,
        env: &EnvName,
        before: DateTime<Utc>,
        changes: &[ChangeKey],
    ) -> Result<HashSet<ChangeKey>, StoreError> {
        reading!(self, |pool| {
            let mut delivered = HashSet::new();
            for (prs, sql, values) in delivered_queries(env, before, changes) {
                let found = bind_all(sqlx::query(&sql), values).fetch_all(pool).await.map_err(query_error)?;
                for row in &found {
                    delivered.insert(if prs {
                        ChangeKey::Pr(u32::try_from(rows::int(row, "carried")?).unwrap_or(u32::MAX))
                    } else {
                        ChangeKey::Commit(rows::text(row, "carried")?)
                    });
                }
            }
            Ok(delivered)
        })
    }

    async fn first_requested_at(&self, env: &EnvName) -> Result<Option<DateTime<Utc>>, StoreError> {
        reading!(self, |pool| {
            let row =
                sqlx::query("SELECT requested_at FROM deployments WHERE env = $1 ORDER BY requested_at, id LIMIT 1")
                    .bind(env.to_string())
                    .fetch_optional(pool)
                    .await
                    .map_err(query_error)?;
            row.as_ref().map(|row| rows::time(row, "requested_at")).transpose()
        })
    }
}
