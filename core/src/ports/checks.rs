//! What verification after a rollout asks the outside world: a URL of the deployed service (an HTTP check), and
//! CloudWatch for its alarms' states.

use async_trait::async_trait;

use crate::domain::{AlarmName, CheckUrl, ProbeAnswer};

/// Nothing answered a check's URL (a timeout, a refused connection, a name that does not resolve): the sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProbeError(pub String);

/// GETs a check's URL.
#[async_trait]
pub trait Probe: Send + Sync {
    /// The status and the start of the body `url` answers within `timeout`.
    async fn get(&self, url: &CheckUrl, timeout: std::time::Duration) -> Result<ProbeAnswer, ProbeError>;
}

/// An alarm as CloudWatch reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmState {
    pub name: AlarmName,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    pub reason: String,
}

impl AlarmState {
    pub fn in_alarm(&self) -> bool {
        self.state == "ALARM"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlarmsError {
    /// Alarms named in the configuration that CloudWatch does not know.
    #[error("CloudWatch has no alarm named {}", .0.iter().map(AlarmName::as_str).collect::<Vec<_>>().join(", "))]
    Missing(Vec<AlarmName>),
    #[error("CloudWatch could not be asked: {0}")]
    Unavailable(String),
}

/// Reads CloudWatch alarms' states.
#[async_trait]
pub trait Alarms: Send + Sync {
    /// The state of each named alarm, in the order named.
    async fn states(&self, names: &[AlarmName]) -> Result<Vec<AlarmState>, AlarmsError>;
}

/// For an installation without AWS: any alarm asked for is missing (configuration refuses alarms without `[aws]`).
pub struct AlarmsNotConfigured;

#[async_trait]
impl Alarms for AlarmsNotConfigured {
    async fn states(&self, names: &[AlarmName]) -> Result<Vec<AlarmState>, AlarmsError> {
        if names.is_empty() {
            Ok(Vec::new())
        } else {
            Err(AlarmsError::Unavailable("no AWS account is configured".into()))
        }
    }
}

/// For an installation whose checks cannot be asked: every check's answer says so.
pub struct ProbeNotConfigured;

#[async_trait]
impl Probe for ProbeNotConfigured {
    async fn get(&self, url: &CheckUrl, _timeout: std::time::Duration) -> Result<ProbeAnswer, ProbeError> {
        Err(ProbeError(format!("tengu cannot ask {} (HTTP checks are not set up here)", url.as_str())))
    }
}
