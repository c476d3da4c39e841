//! The IAM roles and CloudWatch Logs groups a task definition names, asked before a deploy (aws-sdk-iam's
//! `GetRole`, aws-sdk-cloudwatchlogs' `DescribeLogGroups`); a log group in another region is asked there.

use async_trait::async_trait;
use aws_config::{Region, SdkConfig};

use tengu_core::domain::{LogGroupRef, RoleArn};
use tengu_core::ports::{AccountResources, OrchestratorError};

use crate::errors::classify;
use crate::{AwsSettings, load_config};

pub struct AwsAccount {
    iam: aws_sdk_iam::Client,
    config: SdkConfig,
}

impl AwsAccount {
    pub async fn connect(settings: &AwsSettings) -> Self {
        let config = load_config(settings).await;
        let iam = aws_sdk_iam::config::Builder::from(&config).interceptor(crate::telemetry::CountCalls).build();
        Self { iam: aws_sdk_iam::Client::from_conf(iam), config }
    }

    fn logs_in(&self, region: Option<&str>) -> aws_sdk_cloudwatchlogs::Client {
        let mut config =
            aws_sdk_cloudwatchlogs::config::Builder::from(&self.config).interceptor(crate::telemetry::CountCalls);
        if let Some(region) = region {
            config = config.region(Region::new(region.to_owned()));
        }
        aws_sdk_cloudwatchlogs::Client::from_conf(config.build())
    }
}

#[async_trait]
impl AccountResources for AwsAccount {
    /// A role of that name whose ARN is the one named (the same name under another path is another role).
    async fn role_exists(&self, role: &RoleArn) -> Result<bool, OrchestratorError> {
        match self.iam.get_role().role_name(role.name()).send().await {
            Ok(found) => Ok(found.role().is_some_and(|found| found.arn() == role.as_str())),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(false),
            Err(error) => Err(classify(error)),
        }
    }

    async fn log_group_exists(&self, group: &LogGroupRef) -> Result<bool, OrchestratorError> {
        let cloudwatch_logs = self.logs_in(group.region.as_deref());
        let found = cloudwatch_logs
            .describe_log_groups()
            .log_group_name_prefix(&group.name)
            .limit(50)
            .send()
            .await
            .map_err(classify)?;
        Ok(found.log_groups().iter().any(|found| found.log_group_name() == Some(group.name.as_str())))
    }
}
