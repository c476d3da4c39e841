//! Deployments: started under the database's own lock (one unfinished per environment), moved step by step, and
//! what ECS last said of each service.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::SqlStore;
use super::connect::on_pool;
use super::reads_on::{ReadsOn, number};
use super::retrying::{reading, writing};
use super::rows::{self, Bound, bind_all, millis, query_error, to_json};
use tengu_core::domain::{
    CarriedChange, Deployment, DeploymentFilter, DeploymentId, DeploymentMove, DeploymentOutline, DeploymentState,
    DeploymentStep, EnvName, NewDeployment, RolloutSnapshot, ServiceHealth, TaskDefinitionArn,
};
use tengu_core::ports::{DeploymentInsert, DeploymentStore, StoreError, Topic};

pub(super) const DEPLOYMENT_COLUMNS: &str = "id, env, repo, image, sha, trigger_kind, actor, source_prs, task_definitions, \
                                  previous_task_definitions, rollout, github_deployment_id, steps, deploy_pr, \
                                  state, reason, requested_at, finished_at, approved_by";

/// Rows of `deployment_changes` per INSERT: four values each, far under either database's limit on parameters.
const CARRIED_PER_STATEMENT: usize = 200;

/// `INSERT INTO deployment_changes … VALUES ($1, $2, $3, $4), …` for `rows` rows.
fn carried_insert(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let first = row * 4 + 1;
            format!("(${first}, ${}, ${}, ${})", first + 1, first + 2, first + 3)
        })
        .collect();
    format!("INSERT INTO deployment_changes (deployment_id, source_pr, sha, author) VALUES {}", values.join(", "))
}

impl SqlStore {
    /// Records one more fact about a deployment; `column` is one of this file's own names, never outside text.
    async fn set_deployment_column(&self, id: DeploymentId, column: &str, value: Bound) -> Result<(), StoreError> {
        let sql = format!("UPDATE deployments SET {column} = $1 WHERE id = $2");
        on_pool!(self, |pool| {
            bind_all(sqlx::query(&sql), vec![value, Bound::Int(id.0)])
                .execute(pool)
                .await
                .map_err(query_error)
                .map(drop)
        })
    }
}

/// An environment's deployments of a period, oldest first, without their rollouts, steps and task definitions
/// (from `deployments_env_requested`).
pub(super) fn outlines_query(env: &EnvName, since: DateTime<Utc>, until: DateTime<Utc>) -> (String, Vec<Bound>) {
    let sql = "SELECT id, repo, trigger_kind, state, requested_at, finished_at, deploy_pr, source_prs FROM deployments \
               WHERE env = $1 AND requested_at >= $2 AND requested_at < $3 ORDER BY requested_at, id";
    (sql.to_owned(), vec![Bound::Text(env.to_string()), Bound::Int(millis(since)), Bound::Int(millis(until))])
}

#[async_trait]
impl DeploymentStore for SqlStore {
    async fn insert_deployment(&self, new: &NewDeployment) -> Result<DeploymentInsert, StoreError> {
        writing!(self, Topic::Deployments, |pool| {
            // The unique indexes decide (one unfinished deployment per environment, one per idempotency key), so two
            // instances or two clicks cannot both start one. A conflict is then explained by reading what holds it;
            // when that finished in between, asking once more settles it.
            let first = if new.needs_approval { DeploymentState::AwaitingApproval } else { DeploymentState::Requested };
            for _ in 0..3 {
                // The deployment and what it carried are one write: the history never shows one without the other.
                let mut tx = pool.begin().await.map_err(query_error)?;
                let inserted = sqlx::query(
                    "INSERT INTO deployments (env, repo, image, sha, trigger_kind, actor, source_prs, task_definitions, \
                     state, requested_at, idempotency_key, steps, deploy_pr, reason) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                )
                .bind(new.env.to_string())
                .bind(new.repo.to_string())
                .bind(new.image.to_string())
                .bind(new.sha.as_ref().map(|s| s.to_string()))
                .bind(new.trigger.as_str())
                .bind(&new.actor)
                .bind(to_json(&new.source_prs))
                .bind(to_json(&new.task_definitions))
                .bind(first.as_str())
                .bind(millis(new.requested_at))
                .bind(new.idempotency_key.as_deref())
                .bind(to_json(&[DeploymentStep { state: first, at: new.requested_at }]))
                .bind(new.deploy_pr.map(number))
                .bind(new.note.as_deref())
                .fetch_one(&mut *tx)
                .await;
                match inserted {
                    Ok(row) => {
                        let id = row.try_get::<i64, _>("id").map_err(query_error)?;
                        for chunk in new.carried.chunks(CARRIED_PER_STATEMENT) {
                            let sql = carried_insert(chunk.len());
                            let mut query = sqlx::query(&sql);
                            for change in chunk {
                                query = query
                                    .bind(id)
                                    .bind(change.source_pr.map(number))
                                    .bind(change.sha.as_ref().map(|s| s.to_string()))
                                    .bind(change.author.as_ref().map(|a| a.to_string()));
                            }
                            query.execute(&mut *tx).await.map_err(query_error)?;
                        }
                        tx.commit().await.map_err(query_error)?;
                        return Ok(DeploymentInsert::Started(DeploymentId(id)));
                    }
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => drop(tx),
                    Err(other) => return Err(query_error(other)),
                }
                if let Some(key) = &new.idempotency_key {
                    let earlier = sqlx::query("SELECT id FROM deployments WHERE idempotency_key = $1")
                        .bind(key)
                        .fetch_optional(pool)
                        .await
                        .map_err(query_error)?;
                    if let Some(row) = earlier {
                        let id = DeploymentId(row.try_get::<i64, _>("id").map_err(query_error)?);
                        return Ok(DeploymentInsert::AlreadyRequested(id));
                    }
                }
                let sql =
                    format!("SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE env = $1 AND finished_at IS NULL");
                let holder = sqlx::query(&sql).bind(new.env.to_string()).fetch_optional(pool).await;
                if let Some(row) = holder.map_err(query_error)? {
                    return Ok(DeploymentInsert::Locked(Box::new(rows::deployment(&row)?)));
                }
            }
            Err(StoreError::Conflict(format!("the deployment lock of {} kept changing; try again", new.env)))
        })
    }
    async fn deployment(&self, id: DeploymentId) -> Result<Option<Deployment>, StoreError> {
        reading!(self, |pool| {
            let sql = format!("SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE id = $1");
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await.map_err(query_error)?;
            row.as_ref().map(rows::deployment).transpose()
        })
    }
    async fn record_service_health(&self, health: &[ServiceHealth]) -> Result<(), StoreError> {
        writing!(self, Topic::Health, |pool| {
            // Always in the same order, so two writers never wait on each other's rows (no deadlock).
            let mut ordered: Vec<&ServiceHealth> = health.iter().collect();
            ordered.sort_by(|a, b| (a.env.as_str(), a.service.as_str()).cmp(&(b.env.as_str(), b.service.as_str())));
            let mut tx = pool.begin().await.map_err(query_error)?;
            for service in ordered {
                sqlx::query(
                    "INSERT INTO service_health (env, service, running, desired, pending, rollout_state, \
                     rollout_reason, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (env, service) DO UPDATE SET running = excluded.running, \
                     desired = excluded.desired, pending = excluded.pending, rollout_state = excluded.rollout_state, \
                     rollout_reason = excluded.rollout_reason, reported_at = excluded.reported_at \
                     WHERE excluded.reported_at >= service_health.reported_at",
                )
                .bind(service.env.to_string())
                .bind(service.service.to_string())
                .bind(i64::from(service.running))
                .bind(i64::from(service.desired))
                .bind(i64::from(service.pending))
                .bind(service.rollout_state.map(|s| s.as_str()))
                .bind(service.rollout_reason.as_deref())
                .bind(millis(service.reported_at))
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            }
            tx.commit().await.map_err(query_error)
        })
    }
    async fn service_health(&self) -> Result<Vec<ServiceHealth>, StoreError> {
        reading!(self, |pool| {
            let found = sqlx::query(
                "SELECT env, service, running, desired, pending, rollout_state, rollout_reason, reported_at \
                 FROM service_health ORDER BY env, service",
            )
            .fetch_all(pool)
            .await
            .map_err(query_error)?;
            found.iter().map(rows::service_health).collect()
        })
    }
    async fn carried_changes(&self, id: DeploymentId) -> Result<Vec<CarriedChange>, StoreError> {
        reading!(self, |pool| {
            let found = sqlx::query(
                "SELECT source_pr, sha, author FROM deployment_changes WHERE deployment_id = $1 \
                 ORDER BY source_pr, sha",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
            .map_err(query_error)?;
            found.iter().map(rows::carried_change).collect()
        })
    }
    async fn approve_deployment(&self, id: DeploymentId, by: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        writing!(self, Topic::Deployments, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let steps = conn.steps_with(id, DeploymentStep { state: DeploymentState::Requested, at }).await?;
            let done = sqlx::query(
                "UPDATE deployments SET state = $1, approved_by = $2, steps = $3, reason = NULL \
                 WHERE id = $4 AND state = $5 AND finished_at IS NULL",
            )
            .bind(DeploymentState::Requested.as_str())
            .bind(by.to_owned())
            .bind(to_json(&steps))
            .bind(id.0)
            .bind(DeploymentState::AwaitingApproval.as_str())
            .execute(&mut *conn)
            .await
            .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }
    async fn record_previous_task_definitions(
        &self,
        id: DeploymentId,
        previous: &[TaskDefinitionArn],
    ) -> Result<(), StoreError> {
        writing!(self, Topic::Deployments => self.set_deployment_column(id, "previous_task_definitions", Bound::Text(to_json(&previous))).await)
    }
    async fn record_rollout(&self, id: DeploymentId, rollout: &[RolloutSnapshot]) -> Result<(), StoreError> {
        writing!(self, Topic::Deployments => self.set_deployment_column(id, "rollout", Bound::Text(to_json(&rollout))).await)
    }
    async fn record_github_deployment(&self, id: DeploymentId, github_deployment: u64) -> Result<(), StoreError> {
        writing!(self, Topic::Deployments => self.set_deployment_column(id, "github_deployment_id", Bound::Int(github_deployment as i64)).await)
    }
    async fn move_deployment(&self, id: DeploymentId, change: &DeploymentMove<'_>) -> Result<bool, StoreError> {
        writing!(self, Topic::Deployments, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let steps = conn.steps_with(id, DeploymentStep { state: change.to, at: change.at }).await?;
            // The state in the WHERE clause makes this a compare-and-set: of two writers that read the same state,
            // one moves it and the other learns it lost.
            let done = sqlx::query(
                "UPDATE deployments SET state = $1, task_definitions = $2, reason = $3, finished_at = $4, steps = $5 \
                 WHERE id = $6 AND state = $7 AND finished_at IS NULL",
            )
            .bind(change.to.as_str())
            .bind(to_json(&change.task_definitions))
            .bind(change.reason.map(str::to_owned))
            .bind(change.finished_at.map(millis))
            .bind(to_json(&steps))
            .bind(id.0)
            .bind(change.from.as_str())
            .execute(&mut *conn)
            .await
            .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }
    async fn recent_deployments(&self, filter: &DeploymentFilter) -> Result<Vec<Deployment>, StoreError> {
        reading!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            if let Some((sql, values)) = super::history::recent_window_query(filter) {
                let found = bind_all(sqlx::query(&sql), values).fetch_all(&mut *conn).await.map_err(query_error)?;
                if found.len() as u64 >= u64::from(filter.limit) {
                    return found.iter().map(rows::deployment).collect();
                }
            }
            let (sql, values) = super::history::deployments_query(filter);
            let found = bind_all(sqlx::query(&sql), values).fetch_all(&mut *conn).await.map_err(query_error)?;
            found.iter().map(rows::deployment).collect()
        })
    }
    async fn latest_deployments(&self, env: &EnvName) -> Result<(Option<Deployment>, Option<Deployment>), StoreError> {
        reading!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let last_sql =
                format!("SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE env = $1 ORDER BY id DESC LIMIT 1");
            let last =
                sqlx::query(&last_sql).bind(env.to_string()).fetch_optional(&mut *conn).await.map_err(query_error)?;
            let good_sql = format!(
                "SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE env = $1 AND state = $2 ORDER BY id DESC LIMIT 1"
            );
            let good = sqlx::query(&good_sql)
                .bind(env.to_string())
                .bind(DeploymentState::Succeeded.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(query_error)?;
            Ok((last.as_ref().map(rows::deployment).transpose()?, good.as_ref().map(rows::deployment).transpose()?))
        })
    }
    async fn deployment_outlines(
        &self,
        env: &EnvName,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DeploymentOutline>, StoreError> {
        reading!(self, |pool| {
            let (sql, values) = outlines_query(env, since, until);
            let found = bind_all(sqlx::query(&sql), values).fetch_all(pool).await.map_err(query_error)?;
            found.iter().map(rows::deployment_outline).collect()
        })
    }
}
