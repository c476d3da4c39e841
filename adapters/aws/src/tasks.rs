//! Review tasks on ECS: RunTask with overrides, DescribeTasks, StopTask, ListTasks by `startedBy`.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ContainerOverride, DesiredStatus, KeyValuePair, LaunchType as EcsLaunch,
    NetworkConfiguration, Tag, TaskField, TaskOverride,
};
use chrono::DateTime;

use super::{AwsEcs, errors};
use tengu_core::domain::{ClusterName, LaunchType, TaskDefinitionDoc};
use tengu_core::ports::{OrchestratorError, STARTED_BY, TaskRunner, TaskSpec, TaskStatus};

/// DescribeTasks takes at most this many tasks per call.
const DESCRIBE_TASKS_BATCH: usize = 100;

impl AwsEcs {
    /// Whether a task definition has a container with a health check (remembered: revisions never change).
    async fn has_health_check(&self, task_definition: &str) -> Result<bool, OrchestratorError> {
        if let Some(known) = self.health_checks.lock().expect("never poisoned").get(task_definition) {
            return Ok(*known);
        }
        let described = self
            .ecs
            .describe_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(errors::task_definition)?;
        let checked = described
            .task_definition()
            // ECS's task health follows the essential containers only.
            .is_some_and(|td| {
                td.container_definitions().iter().any(|c| c.health_check().is_some() && c.essential().unwrap_or(true))
            });
        self.health_checks.lock().expect("never poisoned").insert(task_definition.to_owned(), checked);
        Ok(checked)
    }

    async fn status(&self, task: &aws_sdk_ecs::types::Task) -> Result<TaskStatus, OrchestratorError> {
        let checked = match task.task_definition_arn() {
            Some(td) => self.has_health_check(td).await?,
            None => false,
        };
        let private_ip = task
            .attachments()
            .iter()
            .flat_map(|a| a.details())
            .find(|d| d.name() == Some("privateIPv4Address"))
            .and_then(|d| d.value())
            .or_else(|| {
                task.containers().iter().flat_map(|c| c.network_interfaces()).find_map(|n| n.private_ipv4_address())
            })
            .map(str::to_owned);
        Ok(TaskStatus {
            arn: task.task_arn().unwrap_or_default().to_owned(),
            last_status: task.last_status().unwrap_or("PROVISIONING").to_owned(),
            health: checked.then(|| task.health_status().map(|h| h.as_str()).unwrap_or("UNKNOWN").to_owned()),
            private_ip,
            stopped_reason: task.stopped_reason().map(str::to_owned),
            tags: task
                .tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned()))
                .collect(),
            started_at: task.started_at().and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
        })
    }
}

#[async_trait]
impl TaskRunner for AwsEcs {
    async fn run_task(&self, spec: &TaskSpec) -> Result<String, OrchestratorError> {
        let environment: Vec<KeyValuePair> =
            spec.environment.iter().map(|(k, v)| KeyValuePair::builder().name(k).value(v).build()).collect();
        let overrides = TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder().name(&spec.container).set_environment(Some(environment)).build(),
            )
            .build();
        let tags: Vec<Tag> = spec.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        let mut request = self
            .ecs
            .run_task()
            .cluster(spec.cluster.as_str())
            .task_definition(&spec.task_definition)
            .launch_type(match spec.launch_type {
                LaunchType::Fargate => EcsLaunch::Fargate,
                LaunchType::Ec2 => EcsLaunch::Ec2,
            })
            .started_by(STARTED_BY)
            // One token per request: a retry of this call after a timeout cannot start a second task.
            .client_token(client_token(spec))
            .overrides(overrides)
            .set_tags(Some(tags))
            .count(1);
        if !spec.subnets.is_empty() {
            let vpc = AwsVpcConfiguration::builder()
                .set_subnets(Some(spec.subnets.clone()))
                .set_security_groups(Some(spec.security_groups.clone()))
                .assign_public_ip(if spec.assign_public_ip {
                    AssignPublicIp::Enabled
                } else {
                    AssignPublicIp::Disabled
                })
                .build()
                .map_err(|e| OrchestratorError::Rejected(format!("the network configuration is incomplete: {e}")))?;
            request = request.network_configuration(NetworkConfiguration::builder().awsvpc_configuration(vpc).build());
        }
        let answer = request.send().await.map_err(|e| errors::ecs(e, &spec.cluster, None))?;
        if let Some(failure) = answer.failures().first() {
            let reason = failure.reason().unwrap_or("for no stated reason");
            let said = format!("ECS could not start the task: {reason} {}", failure.detail().unwrap_or_default());
            // No room in the cluster now is not a refusal: the reconciliation asks again.
            let capacity = reason.starts_with("RESOURCE") || reason.to_ascii_lowercase().contains("capacity");
            return Err(if capacity {
                OrchestratorError::Unavailable(said)
            } else {
                OrchestratorError::Rejected(said)
            });
        }
        let arn = answer.tasks().first().and_then(|t| t.task_arn());
        arn.map(str::to_owned).ok_or_else(|| OrchestratorError::Rejected("ECS started no task".to_owned()))
    }

    async fn describe_tasks(
        &self,
        cluster: &ClusterName,
        arns: &[String],
    ) -> Result<Vec<TaskStatus>, OrchestratorError> {
        let mut statuses = Vec::with_capacity(arns.len());
        for batch in arns.chunks(DESCRIBE_TASKS_BATCH) {
            let answer = self
                .ecs
                .describe_tasks()
                .cluster(cluster.as_str())
                .set_tasks(Some(batch.to_vec()))
                .include(TaskField::Tags)
                .send()
                .await
                .map_err(|e| errors::ecs(e, cluster, None))?;
            for task in answer.tasks() {
                statuses.push(self.status(task).await?);
            }
        }
        Ok(statuses)
    }

    async fn stop_task(&self, cluster: &ClusterName, arn: &str, reason: &str) -> Result<(), OrchestratorError> {
        let stopped = self.ecs.stop_task().cluster(cluster.as_str()).task(arn).reason(reason).send().await;
        match stopped {
            Ok(_) => Ok(()),
            Err(error) => match errors::ecs(error, cluster, None) {
                // Already gone is what stopping wanted.
                OrchestratorError::Rejected(message)
                    if message.contains("not find task") || message.contains("not found") =>
                {
                    Ok(())
                }
                other => Err(other),
            },
        }
    }

    async fn list_tengu_tasks(&self, cluster: &ClusterName) -> Result<Vec<String>, OrchestratorError> {
        let mut arns = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .ecs
                .list_tasks()
                .cluster(cluster.as_str())
                .started_by(STARTED_BY)
                .desired_status(DesiredStatus::Running)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| errors::ecs(e, cluster, None))?;
            arns.extend(page.task_arns().iter().cloned());
            match page.next_token() {
                Some(token) => next = Some(token.to_owned()),
                None => return Ok(arns),
            }
        }
    }

    async fn task_template(&self, reference: &str) -> Result<TaskDefinitionDoc, OrchestratorError> {
        self.task_definition_doc(reference).await
    }
}

/// A RunTask idempotency token (at most 64 characters): the pull request, the commit and the moment.
fn client_token(spec: &TaskSpec) -> String {
    let tag = |key: &str| spec.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("-");
    let sha = tag("tengu:sha");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let token = format!("tengu-{}-{}-{nanos}", tag("tengu:pr"), &sha[..sha.len().min(12)]);
    token.chars().take(64).collect()
}

/// Which task definitions have a health check, by ARN.
pub(super) type HealthChecks = std::sync::Mutex<HashMap<String, bool>>;
