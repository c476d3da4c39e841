//! The simulated standalone tasks of review environments.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Sandbox;
use super::world::SimTask;
use tengu_core::domain::{ClusterName, TaskDefinitionDoc};
use tengu_core::ports::{OrchestratorError, TaskRunner, TaskSpec, TaskStatus};

/// Seconds from RunTask to PENDING, and to RUNNING.
const PENDING_AFTER: i64 = 2;
const RUNNING_AFTER: i64 = 6;
/// A `crash` branch's task exits this long after it started running.
const CRASH_AFTER: i64 = 4;

fn arn(cluster: &ClusterName, number: u64) -> String {
    format!("arn:aws:ecs:ap-northeast-1:123456789012:task/{cluster}/sandbox{number:08}")
}

fn status(arn: &str, task: &SimTask, now: DateTime<Utc>) -> TaskStatus {
    let age = (now - task.started_at).num_seconds();
    let crashes = task.environment.iter().any(|(k, v)| k == "BRANCH" && v.contains("crash"));
    let crashed_at = crashes.then(|| task.started_at + chrono::Duration::seconds(RUNNING_AFTER + CRASH_AFTER));
    let stopped = match (&task.stopped, crashed_at) {
        (Some((at, reason)), _) => Some((*at, reason.clone())),
        (None, Some(at)) if now >= at => Some((at, "Essential container in task exited (exit code 1)".to_owned())),
        _ => None,
    };
    let last_status = match (&stopped, age) {
        (Some(_), _) => "STOPPED",
        (None, age) if age < PENDING_AFTER => "PROVISIONING",
        (None, age) if age < RUNNING_AFTER => "PENDING",
        _ => "RUNNING",
    };
    let running = age >= PENDING_AFTER;
    // A branch named `…unhealthy…` runs a container whose health check never passes.
    let unhealthy = task.environment.iter().any(|(k, v)| k == "BRANCH" && v.contains("unhealthy"));
    TaskStatus {
        arn: arn.to_owned(),
        last_status: last_status.to_owned(),
        health: unhealthy.then(|| "UNHEALTHY".to_owned()),
        private_ip: running.then(|| format!("10.0.{}.{}", task.number / 250, task.number % 250 + 2)),
        stopped_reason: stopped.map(|(_, reason)| reason),
        tags: task.tags.clone(),
        started_at: (age >= RUNNING_AFTER).then(|| task.started_at + chrono::Duration::seconds(RUNNING_AFTER)),
    }
}

#[async_trait]
impl TaskRunner for Sandbox {
    async fn run_task(&self, spec: &TaskSpec) -> Result<String, OrchestratorError> {
        let now = self.clock.now();
        let started = self
            .mutate(|world| {
                let number = world.tasks.len() as u64 + 1;
                let arn = arn(&spec.cluster, number);
                let task = SimTask {
                    cluster: spec.cluster.clone(),
                    number,
                    started_at: now,
                    environment: spec.environment.clone(),
                    tags: spec.tags.clone(),
                    stopped: None,
                };
                world.tasks.insert(arn.clone(), task);
                arn
            })
            .await;
        started.map_err(|e| OrchestratorError::Unavailable(e.to_string()))
    }

    async fn describe_tasks(
        &self,
        cluster: &ClusterName,
        arns: &[String],
    ) -> Result<Vec<TaskStatus>, OrchestratorError> {
        let now = self.clock.now();
        let described = self.read(|world| {
            let known = arns.iter().filter_map(|arn| world.tasks.get(arn).map(|task| (arn, task)));
            known.filter(|(_, task)| &task.cluster == cluster).map(|(arn, task)| status(arn, task, now)).collect()
        });
        Ok(described.await)
    }

    async fn stop_task(&self, _: &ClusterName, arn: &str, reason: &str) -> Result<(), OrchestratorError> {
        let now = self.clock.now();
        self.mutate(|world| {
            if let Some(task) = world.tasks.get_mut(arn)
                && task.stopped.is_none()
            {
                task.stopped = Some((now, reason.to_owned()));
            }
        })
        .await
        .map_err(|e| OrchestratorError::Unavailable(e.to_string()))
    }

    async fn list_tengu_tasks(&self, cluster: &ClusterName) -> Result<Vec<String>, OrchestratorError> {
        let now = self.clock.now();
        let listed = self.read(|world| {
            world
                .tasks
                .iter()
                .filter(|(arn, task)| &task.cluster == cluster && !status(arn, task, now).is_stopped())
                .map(|(arn, _)| arn.clone())
                .collect()
        });
        Ok(listed.await)
    }

    /// Any family: the sandbox's review environments run one simulated task definition, `app` on port 8080.
    async fn task_template(&self, reference: &str) -> Result<TaskDefinitionDoc, OrchestratorError> {
        let family = reference.split(':').next().unwrap_or(reference);
        let mut doc = TaskDefinitionDoc::default();
        doc.set("family", family);
        doc.set("networkMode", "awsvpc");
        doc.set("requiresCompatibilities", "FARGATE");
        doc.set("container app image", format!("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/{family}:latest"));
        doc.set("container app port 8080", "tcp");
        Ok(doc)
    }
}
