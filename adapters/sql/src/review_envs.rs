//! Review environments, saved by compare-and-set on their version.

use async_trait::async_trait;

use super::SqlStore;
use super::reads_on::number;
use super::retrying::{reading, writing};
use super::rows::{self, millis, query_error};
use tengu_core::domain::{PrNumber, RepoSlug, ReviewEnv};
use tengu_core::ports::{ReviewEnvStore, StoreError, Topic};

#[async_trait]
impl ReviewEnvStore for SqlStore {
    async fn save_review_env(&self, env: &ReviewEnv) -> Result<bool, StoreError> {
        writing!(self, Topic::ReviewEnvs, |pool| {
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
        reading!(self, |pool| {
            let found = sqlx::query("SELECT * FROM review_envs WHERE repo = $1 AND pr = $2")
                .bind(repo.to_string())
                .bind(number(pr))
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            found.as_ref().map(rows::review_env).transpose()
        })
    }
    async fn review_envs(&self) -> Result<Vec<ReviewEnv>, StoreError> {
        reading!(self, |pool| {
            let found = sqlx::query("SELECT * FROM review_envs ORDER BY repo, pr DESC")
                .fetch_all(pool)
                .await
                .map_err(query_error)?;
            found.iter().map(rows::review_env).collect()
        })
    }
    async fn running_review_env_at(&self, host: &str) -> Result<Option<ReviewEnv>, StoreError> {
        reading!(self, |pool| {
            let found = sqlx::query("SELECT * FROM review_envs WHERE host = $1 AND state = 'running' LIMIT 1")
                .bind(host.to_ascii_lowercase())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            found.as_ref().map(rows::review_env).transpose()
        })
    }
}
