use async_trait::async_trait;

use crate::domain::{ClusterName, RolloutSnapshot, ServiceName};

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
    /// The state of up to 10 services of one cluster, in one call.
    async fn describe_services(
        &self,
        cluster: &ClusterName,
        services: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError>;
}

/// What tengu runs on when GitHub is real but no AWS account is configured yet: every ECS question gets a
/// sentence saying so, and the deploy-PR flows work as usual.
pub struct EcsNotConfigured;

#[async_trait]
impl Orchestrator for EcsNotConfigured {
    async fn describe_services(
        &self,
        _cluster: &ClusterName,
        _services: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError> {
        Err(OrchestratorError::Unavailable("no AWS account is configured ([aws] in tengu.toml)".to_owned()))
    }
}
