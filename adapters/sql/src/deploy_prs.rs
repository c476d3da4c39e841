//! Deploy PRs and their checklists: saved whole by compare-and-set on their version, ticked item by item.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::SqlStore;
use super::audit::AuditOn;
use super::reads_on::{ReadsOn, number};
use super::retrying::{reading, writing};
use super::rows::{self, millis, query_error, to_json};
use tengu_core::domain::{AuditEntry, CommitSha, DeployPr, EnvName, PrNumber, RepoSlug, Verification};
use tengu_core::ports::{DeployPrStore, StoreError, Topic, Topics};

#[async_trait]
impl DeployPrStore for SqlStore {
    async fn save_deploy_pr(&self, pr: &DeployPr) -> Result<bool, StoreError> {
        writing!(self, Topic::DeployPrs, |pool| {
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
                     checked_by, checked_at, merged_at, first_commit_at, listed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
                .bind(item.source.merged_at.map(millis))
                .bind(item.source.first_commit_at.map(millis))
                .bind(item.listed_at.map(millis))
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            }
            tx.commit().await.map_err(query_error)?;
            Ok(true)
        })
    }
    async fn deploy_pr(&self, repo: &RepoSlug, pr: PrNumber) -> Result<Option<DeployPr>, StoreError> {
        reading!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            conn.deploy_pr_on(repo, pr).await
        })
    }
    async fn open_deploy_prs(&self) -> Result<Vec<DeployPr>, StoreError> {
        reading!(self, |pool| {
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
        reading!(self, |pool| {
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
        writing!(self, Topic::DeployPrs | Topic::Audit, |pool| {
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
    async fn claim_reminder(
        &self,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        due_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        writing!(self, Topics::NONE, |pool| {
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
        reading!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let Some(found) = conn.deploy_pr_on(repo, pr).await? else { return Ok(None) };
            let entries = conn.audit_entries_about(&format!("{repo}{pr}"), history).await?;
            Ok(Some((found, entries)))
        })
    }
}
