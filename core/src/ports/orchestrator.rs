use async_trait::async_trait;

use crate::domain::{ClusterName, ImageRef, RolloutSnapshot, ServiceName, TaskDefinitionArn, TaskDefinitionDoc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrchestratorError {
    #[error("service {service} not found in cluster {cluster}")]
    ServiceNotFound { cluster: String, service: String },
    #[error("ECS refused the request: {0}")]
    Rejected(String),
    #[error("ECS could not be reached: {0}")]
    Unavailable(String),
}

/// ECS, as tengu uses it.
#[async_trait]
pub trait Orchestrator: Send + Sync {
    /// The state of services of one cluster (the AWS adapter asks for 10 per call).
    async fn describe_services(
        &self,
        cluster: &ClusterName,
        services: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError>;

    /// The task definition a service runs now (its PRIMARY deployment's).
    async fn service_task_definition(
        &self,
        cluster: &ClusterName,
        service: &ServiceName,
    ) -> Result<TaskDefinitionArn, OrchestratorError>;

    /// Registers a new revision of `from`, identical but for the image of the containers named in `containers`
    /// or, when it is empty, of the containers that run `image`'s repository.
    async fn register_with_image(
        &self,
        from: &TaskDefinitionArn,
        image: &ImageRef,
        containers: &[String],
    ) -> Result<TaskDefinitionArn, OrchestratorError>;

    /// Points a service at `task_definition`; `force` starts a new deployment even when it already runs it.
    async fn update_service(
        &self,
        cluster: &ClusterName,
        service: &ServiceName,
        task_definition: &TaskDefinitionArn,
        force: bool,
    ) -> Result<(), OrchestratorError>;

    /// Whether the registry holds the image (so a deploy never points ECS at an image CI did not push).
    async fn image_exists(&self, image: &ImageRef) -> Result<bool, OrchestratorError>;

    /// A task definition's fields as tengu compares them (what a deploy, a redeploy or a rollback would change).
    async fn describe_task_definition(&self, arn: &TaskDefinitionArn) -> Result<TaskDefinitionDoc, OrchestratorError>;
}

/// What tengu runs on when GitHub is real but no AWS account is configured yet: every ECS question gets a
/// sentence saying so, and the deploy-PR flows work as usual.
pub struct EcsNotConfigured;

pub(super) fn not_configured() -> OrchestratorError {
    // Rejected, not unavailable: waiting will not make an account appear, and the deployment must not hold the
    // environment's lock.
    OrchestratorError::Rejected("no AWS account is configured ([aws] in tengu.toml)".to_owned())
}

#[async_trait]
impl Orchestrator for EcsNotConfigured {
    async fn describe_services(
        &self,
        _: &ClusterName,
        _: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError> {
        Err(not_configured())
    }

    async fn service_task_definition(
        &self,
        _: &ClusterName,
        _: &ServiceName,
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        Err(not_configured())
    }

    async fn register_with_image(
        &self,
        _: &TaskDefinitionArn,
        _: &ImageRef,
        _: &[String],
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        Err(not_configured())
    }

    async fn update_service(
        &self,
        _: &ClusterName,
        _: &ServiceName,
        _: &TaskDefinitionArn,
        _: bool,
    ) -> Result<(), OrchestratorError> {
        Err(not_configured())
    }

    async fn image_exists(&self, _: &ImageRef) -> Result<bool, OrchestratorError> {
        Err(not_configured())
    }

    async fn describe_task_definition(&self, _: &TaskDefinitionArn) -> Result<TaskDefinitionDoc, OrchestratorError> {
        Err(not_configured())
    }
}
