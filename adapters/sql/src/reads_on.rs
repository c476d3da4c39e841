//! Reads that take more than one statement, run on one connection of either dialect, so a page's read holds one
//! connection from the pool instead of checking one out per statement.

use std::collections::HashMap;

use super::rows::{self, query_error};
use tengu_core::domain::{AuditEntry, DeployPr, DeploymentId, DeploymentStep, PrNumber, RepoSlug};
use tengu_core::ports::StoreError;

pub(super) fn number(n: PrNumber) -> i64 {
    i64::try_from(n.get()).expect("pull request numbers fit in an i64")
}

pub(super) trait ReadsOn {
    /// A deploy PR with its checklist.
    async fn deploy_pr_on(&mut self, repo: &RepoSlug, pr: PrNumber) -> Result<Option<DeployPr>, StoreError>;
    /// The audit entries about one thing and its parts, newest first.
    async fn audit_entries_about(&mut self, target: &str, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
    /// Fills each deploy PR's checklist (one query for all of them).
    async fn items_of(&mut self, prs: &mut [DeployPr]) -> Result<(), StoreError>;
    /// A deployment's timeline with one more step, for the update that takes it.
    async fn steps_with(&mut self, id: DeploymentId, step: DeploymentStep) -> Result<Vec<DeploymentStep>, StoreError>;
}

/// The statement reading the checklists of `count` deploy PRs, in their order on the page.
fn items_query(count: usize) -> String {
    let placeholders: Vec<String> = (0..count).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
    format!(
        "SELECT repo, deploy_pr, source_pr, title, author, assignees, commits, checked_by, checked_at, merged_at, \
         first_commit_at, listed_at FROM checklist_items \
         WHERE (repo, deploy_pr) IN ({}) ORDER BY repo, deploy_pr, position",
        placeholders.join(", ")
    )
}

macro_rules! reads_on {
    ($connection:ty) => {
        impl ReadsOn for $connection {
            async fn deploy_pr_on(&mut self, repo: &RepoSlug, pr: PrNumber) -> Result<Option<DeployPr>, StoreError> {
                let row = sqlx::query("SELECT * FROM deploy_prs WHERE repo = $1 AND number = $2")
                    .bind(repo.to_string())
                    .bind(number(pr))
                    .fetch_optional(&mut *self)
                    .await
                    .map_err(query_error)?;
                let Some(row) = row else { return Ok(None) };
                let mut prs = [rows::deploy_pr_without_items(&row)?];
                self.items_of(&mut prs).await?;
                let [pr] = prs;
                Ok(Some(pr))
            }

            async fn audit_entries_about(&mut self, target: &str, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
                let found = sqlx::query(
                    "SELECT at, actor, action, target, detail, repo FROM audit_log \
                     WHERE target = $1 OR substr(target, 1, length($2)) = $2 ORDER BY id DESC LIMIT $3",
                )
                .bind(target.to_owned())
                .bind(format!("{target} "))
                .bind(i64::from(limit))
                .fetch_all(&mut *self)
                .await
                .map_err(query_error)?;
                found.iter().map(rows::audit_entry).collect()
            }

            async fn items_of(&mut self, prs: &mut [DeployPr]) -> Result<(), StoreError> {
                if prs.is_empty() {
                    return Ok(());
                }
                let sql = items_query(prs.len());
                let mut query = sqlx::query(&sql);
                for pr in prs.iter() {
                    query = query.bind(pr.repo.to_string()).bind(number(pr.number));
                }
                let found = query.fetch_all(&mut *self).await.map_err(query_error)?;
                let index: HashMap<(String, i64), usize> =
                    prs.iter().enumerate().map(|(i, pr)| ((pr.repo.to_string(), number(pr.number)), i)).collect();
                for row in &found {
                    let key = (rows::text(row, "repo")?, rows::int(row, "deploy_pr")?);
                    if let Some(&i) = index.get(&key) {
                        prs[i].items.push(rows::checklist_item(row)?);
                    }
                }
                Ok(())
            }

            async fn steps_with(
                &mut self,
                id: DeploymentId,
                step: DeploymentStep,
            ) -> Result<Vec<DeploymentStep>, StoreError> {
                let current = sqlx::query("SELECT steps FROM deployments WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&mut *self)
                    .await
                    .map_err(query_error)?
                    .ok_or_else(|| StoreError::NotFound(format!("deployment {id}")))?;
                let mut steps: Vec<DeploymentStep> = rows::json(&current, "steps")?;
                steps.push(step);
                Ok(steps)
            }
        }
    };
}
reads_on!(sqlx::SqliteConnection);
reads_on!(sqlx::PgConnection);
