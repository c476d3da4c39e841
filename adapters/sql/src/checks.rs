//! Verification results: each answer a check gave a deployment, in order.

use async_trait::async_trait;

use super::SqlStore;
use super::retrying::{reading, writing};
use super::rows::{self, Columns, millis, query_error};
use tengu_core::domain::{CheckResult, DeploymentId};
use tengu_core::ports::{CheckResultStore, StoreError, Topic};

fn check_result(row: &impl Columns) -> Result<CheckResult, StoreError> {
    Ok(CheckResult {
        check: rows::text(row, "check_name")?,
        at: rows::time(row, "at")?,
        passed: rows::int(row, "passed")? != 0,
        answer: rows::text(row, "answer")?,
    })
}

#[async_trait]
impl CheckResultStore for SqlStore {
    async fn record_check_result(&self, id: DeploymentId, result: &CheckResult) -> Result<(), StoreError> {
        writing!(self, Topic::Deployments, |pool| {
            sqlx::query(
                "INSERT INTO verification_results (deployment_id, check_name, at, passed, answer) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(result.check.clone())
            .bind(millis(result.at))
            .bind(i64::from(result.passed))
            .bind(result.answer.clone())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(())
        })
    }

    async fn check_results(&self, id: DeploymentId) -> Result<Vec<CheckResult>, StoreError> {
        reading!(self, |pool| {
            let found = sqlx::query(
                "SELECT check_name, at, passed, answer FROM verification_results WHERE deployment_id = $1 \
                 ORDER BY at, check_name",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
            .map_err(query_error)?;
            found.iter().map(check_result).collect()
        })
    }
}
