//! CloudWatch alarms for a verification (aws-sdk-cloudwatch's `DescribeAlarms`): each named alarm's state and
//! reason, metric and composite alike; a name CloudWatch does not know is said to be missing.

use async_trait::async_trait;
use aws_sdk_cloudwatch::error::DisplayErrorContext;
use aws_sdk_cloudwatch::types::AlarmType;

use tengu_core::domain::AlarmName;
use tengu_core::ports::{AlarmState, Alarms, AlarmsError};

use crate::{AwsSettings, load_config};

/// DescribeAlarms takes at most this many names per call.
const NAMES_PER_CALL: usize = 100;

pub struct AwsAlarms {
    cloudwatch: aws_sdk_cloudwatch::Client,
}

impl AwsAlarms {
    pub async fn connect(settings: &AwsSettings) -> Self {
        let config = load_config(settings).await;
        let config =
            aws_sdk_cloudwatch::config::Builder::from(&config).interceptor(crate::telemetry::CountCalls).build();
        Self { cloudwatch: aws_sdk_cloudwatch::Client::from_conf(config) }
    }
}

#[async_trait]
impl Alarms for AwsAlarms {
    async fn states(&self, names: &[AlarmName]) -> Result<Vec<AlarmState>, AlarmsError> {
        let mut found: Vec<(String, String, String)> = Vec::with_capacity(names.len());
        for batch in names.chunks(NAMES_PER_CALL) {
            let described = self
                .cloudwatch
                .describe_alarms()
                .set_alarm_names(Some(batch.iter().map(|name| name.as_str().to_owned()).collect()))
                .alarm_types(AlarmType::MetricAlarm)
                .alarm_types(AlarmType::CompositeAlarm)
                .max_records(NAMES_PER_CALL as i32)
                .send()
                .await
                .map_err(|e| AlarmsError::Unavailable(DisplayErrorContext(e).to_string()))?;
            for alarm in described.metric_alarms() {
                let state = alarm.state_value().map(|s| s.as_str().to_owned());
                found.push(named(alarm.alarm_name(), state, alarm.state_reason()));
            }
            for alarm in described.composite_alarms() {
                let state = alarm.state_value().map(|s| s.as_str().to_owned());
                found.push(named(alarm.alarm_name(), state, alarm.state_reason()));
            }
        }
        let mut states = Vec::with_capacity(names.len());
        let mut missing = Vec::new();
        for name in names {
            match found.iter().find(|(found, _, _)| found == name.as_str()) {
                Some((_, state, reason)) => {
                    states.push(AlarmState { name: name.clone(), state: state.clone(), reason: reason.clone() });
                }
                None => missing.push(name.clone()),
            }
        }
        if missing.is_empty() { Ok(states) } else { Err(AlarmsError::Missing(missing)) }
    }
}

fn named(name: Option<&str>, state: Option<String>, reason: Option<&str>) -> (String, String, String) {
    (
        name.unwrap_or_default().to_owned(),
        state.unwrap_or_else(|| "INSUFFICIENT_DATA".to_owned()),
        reason.unwrap_or_default().to_owned(),
    )
}
