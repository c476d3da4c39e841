use crate::chat::ChatPerson;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::SqlStore;
use super::audit::AuditOn;
use super::connect::on_pool;
use super::reads_on::{ReadsOn, number};
use super::rows::{self, Bound, bind_all, millis, query_error, to_json};
use crate::domain::{
    ApiToken, AuditEntry, AuditFilter, AuditRow, CarriedChange, CommitSha, DeliveryRecord, DeployPr, Deployment,
    DeploymentFilter, DeploymentId, DeploymentMove, DeploymentState, DeploymentStep, EnvName, Grant, Login,
    NewApiToken, NewDeployment, PrNumber, RepoSlug, ReviewEnv, RolloutSnapshot, ServiceHealth, TaskDefinitionArn,
    Verification,
};
use crate::ports::{DeploymentInsert, Store, StoreError, StoredDelivery};

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

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await.map_err(query_error)?;
            Ok(())
        })
    }

    async fn save_deploy_pr(&self, pr: &DeployPr) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(query_error)?;
            let repo = pr.repo.to_string();
            // Version 0 is a deploy PR tengu has not saved: inserted, unless someone saved it meanwhile. Any other
            // version must still be the stored one.
            let sql = if pr.version == 0 {
                "INSERT INTO deploy_prs (repo, number, env, title, url, base_branch, head_branch, state, direct_commits, \
                 updated_at, head_sha, override_by, override_reason, override_at, merge_sha, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1) \
                 ON CONFLICT (repo, number) DO NOTHING"
            } else {
                "UPDATE deploy_prs SET env = $3, title = $4, url = $5, base_branch = $6, head_branch = $7, state = $8, \
                 direct_commits = $9, updated_at = $10, head_sha = $11, override_by = $12, override_reason = $13, \
                 override_at = $14, merge_sha = $15, version = version + 1 \
                 WHERE repo = $1 AND number = $2 AND version = $16"
            };
            let mut query = sqlx::query(sql)
                .bind(&repo)
                .bind(number(pr.number))
                .bind(pr.env.to_string())
                .bind(&pr.title)
                .bind(&pr.url)
                .bind(pr.base.to_string())
                .bind(pr.head.to_string())
                .bind(pr.state.as_str())
                .bind(to_json(&pr.direct_commits))
                .bind(millis(pr.updated_at))
                .bind(pr.head_sha.as_ref().map(|sha| sha.to_string()))
                .bind(pr.gate_override.as_ref().map(|o| o.by.clone()))
                .bind(pr.gate_override.as_ref().map(|o| o.reason.clone()))
                .bind(pr.gate_override.as_ref().map(|o| millis(o.at)))
                .bind(pr.merge_sha.as_ref().map(|sha| sha.to_string()));
            if pr.version != 0 {
                query = query.bind(pr.version);
            }
            let written = query.execute(&mut *tx).await.map_err(query_error)?;
            if written.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query("DELETE FROM checklist_items WHERE repo = $1 AND deploy_pr = $2")
                .bind(&repo)
                .bind(number(pr.number))
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            for (position, item) in pr.items.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO checklist_items (repo, deploy_pr, source_pr, position, title, author, assignees, commits, \
                     checked_by, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&repo)
                .bind(number(pr.number))
                .bind(number(item.source.number))
                .bind(position as i64)
                .bind(&item.source.title)
                .bind(item.source.author.to_string())
                .bind(to_json(&item.source.assignees))
                .bind(to_json(&item.source.commits))
                .bind(item.verified.as_ref().map(|v| v.by.clone()))
                .bind(item.verified.as_ref().map(|v| millis(v.at)))
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            }
            tx.commit().await.map_err(query_error)?;
            Ok(true)
        })
    }

    async fn deploy_pr(&self, repo: &RepoSlug, pr: PrNumber) -> Result<Option<DeployPr>, StoreError> {
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            conn.deploy_pr_on(repo, pr).await
        })
    }

    async fn open_deploy_prs(&self) -> Result<Vec<DeployPr>, StoreError> {
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let found = sqlx::query("SELECT * FROM deploy_prs WHERE state = 'open' ORDER BY env, number")
                .fetch_all(&mut *conn)
                .await
                .map_err(query_error)?;
            let mut prs = found.iter().map(rows::deploy_pr_without_items).collect::<Result<Vec<_>, _>>()?;
            conn.items_of(&mut prs).await?;
            Ok(prs)
        })
    }

    async fn merged_deploy_prs_carrying(&self, env: &EnvName, sha: &CommitSha) -> Result<Vec<DeployPr>, StoreError> {
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let found = sqlx::query(
                "SELECT * FROM deploy_prs WHERE env = $1 AND state = 'merged' AND (merge_sha = $2 OR head_sha = $2) \
                 ORDER BY number",
            )
            .bind(env.to_string())
            .bind(sha.to_string())
            .fetch_all(&mut *conn)
            .await
            .map_err(query_error)?;
            let mut prs = found.iter().map(rows::deploy_pr_without_items).collect::<Result<Vec<_>, _>>()?;
            conn.items_of(&mut prs).await?;
            Ok(prs)
        })
    }

    async fn set_verification(
        &self,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        verification: Option<&Verification>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(query_error)?;
            // The version moves with every tick, so a refresh or an override read before it must read again.
            let open = sqlx::query(
                "UPDATE deploy_prs SET version = version + 1 WHERE repo = $1 AND number = $2 AND state = 'open'",
            )
            .bind(repo.to_string())
            .bind(number(deploy_pr))
            .execute(&mut *tx)
            .await
            .map_err(query_error)?;
            if open.rows_affected() == 0 {
                return Ok(false);
            }
            let done = sqlx::query(
                "UPDATE checklist_items SET checked_by = $1, checked_at = $2 \
                 WHERE repo = $3 AND deploy_pr = $4 AND source_pr = $5",
            )
            .bind(verification.map(|v| v.by.clone()))
            .bind(verification.map(|v| millis(v.at)))
            .bind(repo.to_string())
            .bind(number(deploy_pr))
            .bind(number(item))
            .execute(&mut *tx)
            .await
            .map_err(query_error)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("item {item} of deploy PR {repo}{deploy_pr}")));
            }
            tx.insert_audit(audit).await?;
            tx.commit().await.map_err(query_error)?;
            Ok(true)
        })
    }

    async fn insert_deployment(&self, new: &NewDeployment) -> Result<DeploymentInsert, StoreError> {
        on_pool!(self, |pool| {
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

    async fn record_service_health(&self, health: &[ServiceHealth]) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
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
        on_pool!(self, |pool| {
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
        on_pool!(self, |pool| {
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

    async fn deployment(&self, id: DeploymentId) -> Result<Option<Deployment>, StoreError> {
        on_pool!(self, |pool| {
            let sql = format!("SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE id = $1");
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await.map_err(query_error)?;
            row.as_ref().map(rows::deployment).transpose()
        })
    }

    async fn move_deployment(&self, id: DeploymentId, change: &DeploymentMove<'_>) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
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

    async fn approve_deployment(&self, id: DeploymentId, by: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
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
        self.set_deployment_column(id, "previous_task_definitions", Bound::Text(to_json(&previous))).await
    }

    async fn record_github_deployment(&self, id: DeploymentId, github_deployment: u64) -> Result<(), StoreError> {
        self.set_deployment_column(id, "github_deployment_id", Bound::Int(github_deployment as i64)).await
    }

    async fn record_rollout(&self, id: DeploymentId, rollout: &[RolloutSnapshot]) -> Result<(), StoreError> {
        self.set_deployment_column(id, "rollout", Bound::Text(to_json(&rollout))).await
    }

    async fn recent_deployments(&self, filter: &DeploymentFilter) -> Result<Vec<Deployment>, StoreError> {
        on_pool!(self, |pool| {
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
        on_pool!(self, |pool| {
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

    async fn save_review_env(&self, env: &ReviewEnv) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            // An upsert that only updates the version it was read at: a compare-and-set that also creates.
            let done = sqlx::query(
                "INSERT INTO review_envs (repo, pr, title, author, branch, sha, state, url, started_at, last_push_at, \
                 task, next_task, next_sha, address, reason, comment_id, github_deployment_id, version, host) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $20) \
                 ON CONFLICT (repo, pr) DO UPDATE SET title = excluded.title, author = excluded.author, \
                 branch = excluded.branch, sha = excluded.sha, state = excluded.state, url = excluded.url, \
                 started_at = excluded.started_at, last_push_at = excluded.last_push_at, task = excluded.task, \
                 next_task = excluded.next_task, next_sha = excluded.next_sha, address = excluded.address, \
                 reason = excluded.reason, comment_id = excluded.comment_id, \
                 github_deployment_id = excluded.github_deployment_id, version = excluded.version, host = excluded.host \
                 WHERE review_envs.version = $19",
            )
            .bind(env.repo.to_string())
            .bind(number(env.pr))
            .bind(&env.title)
            .bind(env.author.to_string())
            .bind(env.branch.to_string())
            .bind(env.sha.to_string())
            .bind(env.state.as_str())
            .bind(&env.url)
            .bind(millis(env.started_at))
            .bind(millis(env.last_push_at))
            .bind(env.task.clone())
            .bind(env.next_task.clone())
            .bind(env.next_sha.as_ref().map(|s| s.to_string()))
            .bind(env.address.clone())
            .bind(env.reason.clone())
            .bind(env.comment_id.map(|id| id as i64))
            .bind(env.github_deployment.map(|id| id as i64))
            .bind(env.version + 1)
            .bind(env.version)
            .bind(env.host().to_ascii_lowercase())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn review_env(&self, repo: &RepoSlug, pr: PrNumber) -> Result<Option<ReviewEnv>, StoreError> {
        on_pool!(self, |pool| {
            let found = sqlx::query("SELECT * FROM review_envs WHERE repo = $1 AND pr = $2")
                .bind(repo.to_string())
                .bind(number(pr))
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            found.as_ref().map(rows::review_env).transpose()
        })
    }

    async fn running_review_env_at(&self, host: &str) -> Result<Option<ReviewEnv>, StoreError> {
        on_pool!(self, |pool| {
            let found = sqlx::query("SELECT * FROM review_envs WHERE host = $1 AND state = 'running' LIMIT 1")
                .bind(host.to_ascii_lowercase())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            found.as_ref().map(rows::review_env).transpose()
        })
    }

    async fn review_envs(&self) -> Result<Vec<ReviewEnv>, StoreError> {
        on_pool!(self, |pool| {
            let found = sqlx::query("SELECT * FROM review_envs ORDER BY repo, pr DESC")
                .fetch_all(pool)
                .await
                .map_err(query_error)?;
            found.iter().map(rows::review_env).collect()
        })
    }

    async fn claim_reminder(
        &self,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        due_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE deploy_prs SET last_reminded_at = $1 WHERE repo = $2 AND number = $3 \
                 AND (last_reminded_at IS NULL OR last_reminded_at <= $4)",
            )
            .bind(millis(now))
            .bind(repo.to_string())
            .bind(number(deploy_pr))
            .bind(millis(due_before))
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn deploy_pr_with_history(
        &self,
        repo: &RepoSlug,
        pr: PrNumber,
        history: u32,
    ) -> Result<Option<(DeployPr, Vec<AuditEntry>)>, StoreError> {
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let Some(found) = conn.deploy_pr_on(repo, pr).await? else { return Ok(None) };
            let entries = conn.audit_entries_about(&format!("{repo}{pr}"), history).await?;
            Ok(Some((found, entries)))
        })
    }

    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            conn.insert_audit(entry).await
        })
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        on_pool!(self, |pool| {
            let found =
                sqlx::query("SELECT at, actor, action, target, detail, repo FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await
                    .map_err(query_error)?;
            found.iter().map(rows::audit_entry).collect()
        })
    }

    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        repos: Option<&[RepoSlug]>,
        own: Option<&str>,
    ) -> Result<Vec<AuditRow>, StoreError> {
        self.audit_rows(filter, repos, own).await
    }

    async fn record_delivery(&self, delivery: &StoredDelivery) -> Result<bool, StoreError> {
        self.record_delivery_row(delivery).await
    }

    async fn delivery(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        self.delivery_row(delivery_id).await
    }

    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredDelivery>, StoreError> {
        self.claim_delivery_rows(worker, now, until, limit).await
    }

    async fn finish_delivery(&self, delivery_id: &str, at: DateTime<Utc>, outcome: &str) -> Result<(), StoreError> {
        self.finish_delivery_row(delivery_id, at, outcome).await
    }

    async fn fail_delivery_attempt(
        &self,
        delivery_id: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.fail_delivery_row(delivery_id, error, retry_at, at).await
    }

    async fn requeue_delivery(&self, delivery_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.requeue_delivery_row(delivery_id, now).await
    }

    async fn troubled_deliveries(&self, limit: u32) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.troubled_delivery_rows(limit).await
    }

    async fn prune_deliveries(&self, received_before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.prune_delivery_rows(received_before).await
    }

    async fn unfinished_deliveries(&self, limit: u32) -> Result<Vec<StoredDelivery>, StoreError> {
        self.unfinished_delivery_rows(limit).await
    }

    async fn save_grants(&self, login: &Login, grants: &[(RepoSlug, Grant)]) -> Result<(), StoreError> {
        self.save_grants_rows(login, grants).await
    }

    async fn grants(&self, login: &Login) -> Result<Vec<(RepoSlug, Grant)>, StoreError> {
        self.grants_rows(login).await
    }

    async fn create_session(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.create_session_row(id, data, expires_at).await
    }

    async fn save_session(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.save_session_row(id, data, expires_at).await
    }

    async fn load_session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        self.load_session_row(id, now).await
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.delete_session_row(id).await
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.delete_expired_session_rows(now).await
    }

    async fn insert_token(&self, new: &NewApiToken) -> Result<i64, StoreError> {
        self.insert_token_row(new).await
    }

    async fn tokens_of(&self, owner: &Login) -> Result<Vec<ApiToken>, StoreError> {
        self.tokens_of_rows(owner).await
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>, StoreError> {
        self.token_by_hash_row(hash).await
    }

    async fn touch_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.touch_token_row(id, at).await
    }

    async fn revoke_token(&self, id: i64, owner: &Login, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.revoke_token_row(id, owner, at).await
    }

    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.take_lease_row(name, holder, now, until).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        self.release_lease_row(name, holder).await
    }

    async fn save_chat_link_code(
        &self,
        code_hash: &str,
        person: &ChatPerson,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.save_chat_link_code_row(code_hash, person, expires_at).await
    }

    async fn peek_chat_link_code(&self, code_hash: &str, now: DateTime<Utc>) -> Result<Option<ChatPerson>, StoreError> {
        self.chat_link_code_row(code_hash, now, false).await
    }

    async fn take_chat_link_code(&self, code_hash: &str, now: DateTime<Utc>) -> Result<Option<ChatPerson>, StoreError> {
        self.chat_link_code_row(code_hash, now, true).await
    }

    async fn save_chat_link(&self, chat_user: &str, login: &Login, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.save_chat_link_row(chat_user, login, at).await
    }

    async fn chat_login(&self, chat_user: &str) -> Result<Option<Login>, StoreError> {
        self.chat_login_row(chat_user).await
    }

    async fn chat_user_of(&self, login: &Login) -> Result<Option<String>, StoreError> {
        self.chat_user_of_row(login).await
    }

    async fn load_document(&self, key: &str) -> Result<Option<String>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT value FROM documents WHERE key = $1")
                .bind(key.to_owned())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref().map(|row| rows::text(row, "value")).transpose()
        })
    }

    async fn save_document(&self, key: &str, value: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
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
        on_pool!(self, |pool| {
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
        on_pool!(self, |pool| {
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
