use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::RepoSlug;

/// How webhook deliveries are worked off: how many at once, how often a failing one is tried again and how long
/// it waits between tries (doubling from the first wait up to the longest), and how long a claim on one holds
/// before another worker may take it (its holder died).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryPolicy {
    pub max_attempts: u32,
    pub first_retry_seconds: u64,
    pub longest_wait_seconds: u64,
    pub concurrency: usize,
    pub claim_seconds: u64,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        // 15 s, 30 s, … one hour: ten tries span about two and a half hours of a GitHub or database outage.
        Self {
            max_attempts: 10,
            first_retry_seconds: 15,
            longest_wait_seconds: 3600,
            concurrency: 4,
            claim_seconds: 120,
        }
    }
}

impl DeliveryPolicy {
    /// How long to wait after the `attempts`-th failed try; `None` when that was the last one.
    pub fn wait_after(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts.max(1) {
            return None;
        }
        let doubled = self.first_retry_seconds.max(1).saturating_mul(1u64 << attempts.saturating_sub(1).min(30));
        Some(Duration::seconds(doubled.min(self.longest_wait_seconds.max(1)) as i64))
    }

    pub fn claim(&self) -> Duration {
        Duration::seconds(self.claim_seconds.max(1) as i64)
    }
}

/// Where a stored delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Stored, not yet handled.
    Waiting,
    /// Handling failed at least once; it is tried again at `next_attempt_at`.
    Retrying,
    /// Every try failed; it waits for someone to press Retry (or GitHub to redeliver it).
    Failed,
    Handled,
}

impl DeliveryState {
    pub fn label(self) -> &'static str {
        match self {
            DeliveryState::Waiting => "waiting",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Failed => "failed",
            DeliveryState::Handled => "handled",
        }
    }
}

/// A stored delivery as the deliveries page shows it (without its payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub delivery_id: String,
    pub event: String,
    pub repo: Option<RepoSlug>,
    /// What it is about (`acme/shop#12`); deliveries about one subject are applied in the order they came.
    pub subject: Option<String>,
    pub received_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

impl DeliveryRecord {
    pub fn state(&self) -> DeliveryState {
        match (self.processed_at, self.failed_at, &self.last_error) {
            (Some(_), _, _) => DeliveryState::Handled,
            (None, Some(_), _) => DeliveryState::Failed,
            (None, None, None) => DeliveryState::Waiting,
            (None, None, Some(_)) => DeliveryState::Retrying,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_the_longest_and_ends_after_the_last_attempt() {
        let policy =
            DeliveryPolicy { max_attempts: 5, first_retry_seconds: 10, longest_wait_seconds: 60, ..Default::default() };
        let waits: Vec<_> = (1..=5).map(|n| policy.wait_after(n).map(|d| d.num_seconds())).collect();
        assert_eq!(waits, [Some(10), Some(20), Some(40), Some(60), None]);
        let forever = DeliveryPolicy { max_attempts: u32::MAX, ..Default::default() };
        assert_eq!(forever.wait_after(200).map(|d| d.num_seconds()), Some(3600), "no overflow");
    }
}
