//! The real ECS adapter (aws-sdk-ecs, with aws-sdk-ecr to check that an image exists before a deploy points ECS
//! at it, and IAM and CloudWatch Logs for the roles and log groups its task definitions name). Credentials and
//! region come from the standard AWS chain (environment, profile, SSO, web identity, container and instance
//! metadata) unless tengu.toml names them; an endpoint override points it at a local emulator.

mod account;
mod alarms;
mod ecr;
mod errors;
mod snapshot;
mod task_definition;
mod task_definition_doc;
mod tasks;
mod telemetry;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ecs::types::{DesiredStatus, TaskDefinitionField};

use tengu_core::domain::{
    ClusterName, ImageRef, RolloutSnapshot, ServiceName, StoppedTask, TaskDefinitionArn, TaskDefinitionDoc,
};
use tengu_core::ports::{Orchestrator, OrchestratorError};

pub use account::AwsAccount;
pub use alarms::AwsAlarms;
pub use task_definition::copy_with_image;

/// DescribeServices takes at most this many services per call.
const DESCRIBE_BATCH: usize = 10;
/// How many stopped tasks a snapshot names (the most recent ones ECS lists).
const STOPPED_TASKS_SHOWN: usize = 10;

/// How tengu reaches AWS. Everything is optional: the standard chain fills in what is missing.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    /// A local emulator or a VPC endpoint, e.g. `http://127.0.0.1:5000`.
    pub endpoint_url: Option<String>,
    /// Fixed keys, for local emulators only; real accounts use the standard chain (roles, profiles, SSO).
    pub static_credentials: Option<StaticCredentials>,
    /// Tries per call, the first included; throttling and 5xx answers are retried with backoff.
    pub max_attempts: u32,
}

#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticCredentials { .. }")
    }
}

/// Loads the AWS configuration tengu's clients share: one TLS stack (rustls on ring), standard retries on
/// throttling, and timeouts so a hung connection cannot stall a rollout's poller.
pub async fn load_config(settings: &AwsSettings) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let attempts = if settings.max_attempts == 0 { 5 } else { settings.max_attempts };
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(5))
                .operation_attempt_timeout(std::time::Duration::from_secs(20))
                .build(),
        );
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url.clone());
    }
    if let Some(keys) = &settings.static_credentials {
        loader = loader.credentials_provider(aws_sdk_ecs::config::Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            None,
            None,
            "tengu.toml",
        ));
    }
    loader.load().await
}

/// ECS and ECR through the AWS SDK.
pub struct AwsEcs {
    ecs: aws_sdk_ecs::Client,
    config: SdkConfig,
    health_checks: tasks::HealthChecks,
}

impl AwsEcs {
    /// A task definition as a document: `reference` is an ARN, `family:revision` or a family (its newest).
    pub(crate) async fn task_definition_doc(&self, reference: &str) -> Result<TaskDefinitionDoc, OrchestratorError> {
        let described = self
            .ecs
            .describe_task_definition()
            .task_definition(reference)
            .send()
            .await
            .map_err(errors::task_definition)?;
        let definition = described
            .task_definition()
            .ok_or_else(|| OrchestratorError::Rejected(format!("ECS described no task definition {reference}")))?;
        Ok(task_definition_doc::doc_of(definition))
    }

    pub async fn connect(settings: &AwsSettings) -> Self {
        let config = load_config(settings).await;
        let ecs = aws_sdk_ecs::config::Builder::from(&config).interceptor(telemetry::CountCalls).build();
        Self::with_client(aws_sdk_ecs::Client::from_conf(ecs), config)
    }

    /// An adapter on a client built elsewhere (tests add interceptors to count calls).
    pub fn with_client(ecs: aws_sdk_ecs::Client, config: SdkConfig) -> Self {
        Self { ecs, config, health_checks: Default::default() }
    }

    async fn stopped_tasks(
        &self,
        cluster: &ClusterName,
        service: &ServiceName,
    ) -> Result<Vec<StoppedTask>, OrchestratorError> {
        let listed = self
            .ecs
            .list_tasks()
            .cluster(cluster.as_str())
            .service_name(service.as_str())
            .desired_status(DesiredStatus::Stopped)
            .max_results(STOPPED_TASKS_SHOWN as i32)
            .send()
            .await
            .map_err(|e| errors::ecs(e, cluster, Some(service)))?;
        if listed.task_arns().is_empty() {
            return Ok(Vec::new());
        }
        let described = self
            .ecs
            .describe_tasks()
            .cluster(cluster.as_str())
            .set_tasks(Some(listed.task_arns().to_vec()))
            .send()
            .await
            .map_err(|e| errors::ecs(e, cluster, Some(service)))?;
        Ok(described.tasks().iter().map(snapshot::stopped_task).collect())
    }
}

#[async_trait]
impl Orchestrator for AwsEcs {
    async fn describe_services(
        &self,
        cluster: &ClusterName,
        services: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError> {
        let mut found = Vec::with_capacity(services.len());
        for batch in services.chunks(DESCRIBE_BATCH) {
            let answer = self
                .ecs
                .describe_services()
                .cluster(cluster.as_str())
                .set_services(Some(batch.iter().map(|s| s.to_string()).collect()))
                .send()
                .await
                .map_err(|e| errors::ecs(e, cluster, None))?;
            found.extend(answer.services().iter().cloned());
        }
        let now = chrono::Utc::now();
        let mut snapshots = Vec::with_capacity(services.len());
        for name in services {
            let service = found
                .iter()
                .find(|s| s.service_name() == Some(name.as_str()) && s.status() != Some("INACTIVE"))
                .ok_or_else(|| errors::service_not_found(cluster, name))?;
            let mut taken = snapshot::rollout_snapshot(cluster, name, service, now)?;
            // Why tasks stopped is for people to read; not being allowed to ask must not fail the rollout.
            if taken.deployments.iter().any(|d| d.failed_tasks > 0) {
                match self.stopped_tasks(cluster, name).await {
                    Ok(stopped) => taken.stopped_tasks = stopped,
                    Err(error) => tracing::warn!(%error, %cluster, service = %name, "stopped tasks not read"),
                }
            }
            snapshots.push(taken);
        }
        Ok(snapshots)
    }

    async fn service_task_definition(
        &self,
        cluster: &ClusterName,
        service: &ServiceName,
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        let snapshot = self.describe_services(cluster, std::slice::from_ref(service)).await?;
        let primary = snapshot.first().and_then(|s| s.primary());
        primary.map(|d| d.task_definition.clone()).ok_or_else(|| {
            OrchestratorError::Rejected(format!("service {service} in cluster {cluster} has no PRIMARY deployment"))
        })
    }

    async fn register_with_image(
        &self,
        from: &TaskDefinitionArn,
        image: &ImageRef,
        containers: &[String],
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        let current = self
            .ecs
            .describe_task_definition()
            .task_definition(from.as_str())
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(errors::task_definition)?;
        let definition = current.task_definition.ok_or_else(|| {
            OrchestratorError::Rejected(format!("ECS returned no task definition for {}", from.short()))
        })?;
        let request = copy_with_image(self.ecs.register_task_definition(), definition, current.tags, image, containers)
            .map_err(|e| OrchestratorError::Rejected(format!("task definition {}: {e}", from.short())))?;
        let registered = request.send().await.map_err(errors::task_definition)?;
        let arn = registered.task_definition().and_then(|t| t.task_definition_arn()).unwrap_or_default();
        TaskDefinitionArn::parse(arn).map_err(|e| {
            OrchestratorError::Rejected(format!("ECS registered a task definition tengu cannot read: {e}"))
        })
    }

    async fn update_service(
        &self,
        cluster: &ClusterName,
        service: &ServiceName,
        task_definition: &TaskDefinitionArn,
        force: bool,
    ) -> Result<(), OrchestratorError> {
        self.ecs
            .update_service()
            .cluster(cluster.as_str())
            .service(service.as_str())
            .task_definition(task_definition.as_str())
            .force_new_deployment(force)
            .send()
            .await
            .map_err(|e| errors::ecs(e, cluster, Some(service)))?;
        Ok(())
    }

    async fn image_exists(&self, image: &ImageRef) -> Result<bool, OrchestratorError> {
        ecr::image_exists(&self.config, image).await
    }

    async fn describe_task_definition(&self, arn: &TaskDefinitionArn) -> Result<TaskDefinitionDoc, OrchestratorError> {
        self.task_definition_doc(arn.as_str()).await
    }
}
