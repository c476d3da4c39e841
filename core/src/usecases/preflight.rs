//! Before a deploy changes anything on ECS: what the task definitions it will run name must exist on the account
//! (the IAM roles, the log groups ECS will not create), or the deploy is refused with a sentence naming each one
//! missing, instead of tasks that never start.

use crate::domain::{Deployment, Environment, Prerequisites, TaskDefinitionArn, Trigger};
use crate::error::CoreError;
use crate::tengu::Tengu;

impl Tengu {
    /// What is missing for `deployment`, as one sentence; None when everything its task definitions name exists.
    pub(crate) async fn missing_prerequisites(
        &self,
        deployment: &Deployment,
        env: &Environment,
    ) -> Result<Option<String>, CoreError> {
        let revisions = self.revisions_to_run(deployment, env).await?;
        let mut needed = Prerequisites::default();
        for revision in &revisions {
            needed.extend(Prerequisites::of(&self.ports.orchestrator.describe_task_definition(revision).await?));
        }
        let missing = self.missing_of(&needed).await?;
        Ok((!missing.is_empty()).then(|| format!("{}: nothing was changed on ECS", missing.join("; "))))
    }

    /// Each of `needed` the account lacks, a clause each.
    pub(crate) async fn missing_of(&self, needed: &Prerequisites) -> Result<Vec<String>, CoreError> {
        let account = &self.ports.account;
        let mut missing = Vec::new();
        for (role, field) in &needed.roles {
            if !account.role_exists(role).await? {
                missing.push(format!("the {field} {role} does not exist in IAM"));
            }
        }
        for group in &needed.log_groups {
            if !account.log_group_exists(group).await? {
                missing.push(format!(
                    "the log group {group} does not exist in CloudWatch Logs (create it, or let ECS create it with \
                     awslogs-create-group=true)"
                ));
            }
        }
        Ok(missing)
    }

    /// The revisions a deployment will run, before it registers anything: a rollback's targets, or what the
    /// services run now (a new image changes only the image, so the same roles and log groups are named).
    async fn revisions_to_run(
        &self,
        deployment: &Deployment,
        env: &Environment,
    ) -> Result<Vec<TaskDefinitionArn>, CoreError> {
        if deployment.trigger == Trigger::Rollback && !deployment.task_definitions.is_empty() {
            return Ok(deployment.task_definitions.clone());
        }
        let mut running = Vec::with_capacity(env.services.len());
        for service in &env.services {
            running.push(self.ports.orchestrator.service_task_definition(&env.cluster, service).await?);
        }
        Ok(running)
    }
}
