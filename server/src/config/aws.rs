//! `[aws]`: the region and credentials of the real ECS adapter.

use serde::Deserialize;

use super::*;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Setting a region (or an endpoint) turns the real ECS adapter on; credentials come from the standard chain.
    pub region: Option<String>,
    /// A local emulator or VPC endpoint.
    pub endpoint_url: Option<String>,
    /// Fixed keys for a local emulator; real accounts use roles, profiles or SSO instead.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    /// Tries per call (throttling and 5xx are retried with backoff); 5 unless set.
    pub max_attempts: Option<u32>,
}

impl AwsConfig {
    pub fn is_configured(&self) -> bool {
        self.region.is_some() || self.endpoint_url.is_some()
    }

    pub fn settings(&self) -> tengu_aws::AwsSettings {
        let static_credentials = match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => {
                Some(tengu_aws::StaticCredentials { access_key_id: id.clone(), secret_access_key: secret.0.clone() })
            }
            _ => None,
        };
        tengu_aws::AwsSettings {
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            static_credentials,
            max_attempts: self.max_attempts.unwrap_or(5),
        }
    }
}
