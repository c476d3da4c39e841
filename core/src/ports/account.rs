use async_trait::async_trait;

use super::OrchestratorError;
use super::orchestrator::not_configured;
use crate::domain::{LogGroupRef, RoleArn};

/// The AWS account's IAM roles and CloudWatch Logs groups, as far as a deploy needs them to exist before ECS starts
/// its tasks. Its errors are ECS's: they stop a deploy the same way (unreachable: try again; refused: a sentence).
#[async_trait]
pub trait AccountResources: Send + Sync {
    async fn role_exists(&self, role: &RoleArn) -> Result<bool, OrchestratorError>;

    async fn log_group_exists(&self, group: &LogGroupRef) -> Result<bool, OrchestratorError>;
}

/// Without `[aws]`, like ECS: each question answers that no account is configured.
pub struct AccountNotConfigured;

#[async_trait]
impl AccountResources for AccountNotConfigured {
    async fn role_exists(&self, _: &RoleArn) -> Result<bool, OrchestratorError> {
        Err(not_configured())
    }

    async fn log_group_exists(&self, _: &LogGroupRef) -> Result<bool, OrchestratorError> {
        Err(not_configured())
    }
}
