//! `[deploys]`: how rollouts are followed.

use serde::Deserialize;

/// `[deploys]`: how rollouts are followed.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DeploysConfig {
    /// How often ECS is asked about a rollout (one DescribeServices call per 10 services).
    pub poll_every_seconds: u64,
    /// A rollout not settled by then is a failure.
    pub timeout_minutes: i64,
    /// After a failure, point the services back at what ran before.
    pub auto_rollback: bool,
    /// A rollout that failed on ECS locks its environment until someone unlocks it.
    pub lock_after_failure: bool,
    /// A deployment waiting for a second person's approval is rejected after this long.
    pub approval_ttl_minutes: i64,
    /// How often unfinished deployments that no live driver holds are looked for (a driver that died with its
    /// instance is taken over once its 30-second lease lapses).
    pub sweep_every_seconds: u64,
    /// How often every environment's services are described for the overview's health (one call each).
    pub health_every_seconds: u64,
}

impl Default for DeploysConfig {
    fn default() -> Self {
        let policy = tengu_core::domain::DeployPolicy::default();
        Self {
            poll_every_seconds: policy.poll_every_ms / 1000,
            timeout_minutes: policy.timeout_minutes,
            auto_rollback: policy.auto_rollback,
            lock_after_failure: policy.lock_after_failure,
            approval_ttl_minutes: policy.approval_ttl_minutes,
            sweep_every_seconds: 60,
            health_every_seconds: 60,
        }
    }
}

impl DeploysConfig {
    pub fn sweep_every(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.sweep_every_seconds.clamp(1, 3600))
    }

    pub fn health_every(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.health_every_seconds.clamp(5, 3600))
    }

    pub fn policy(&self) -> tengu_core::domain::DeployPolicy {
        tengu_core::domain::DeployPolicy {
            poll_every_ms: self.poll_every_seconds.max(1) * 1000,
            timeout_minutes: self.timeout_minutes.max(1),
            auto_rollback: self.auto_rollback,
            lock_after_failure: self.lock_after_failure,
            approval_ttl_minutes: self.approval_ttl_minutes.clamp(1, 24 * 60),
        }
    }
}
