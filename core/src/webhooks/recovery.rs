//! Deliveries GitHub sent while no tengu listened (every instance down, a network cut) are not lost: the App's
//! delivery log says what GitHub sent, and whatever tengu never stored is asked for again, a bounded number at a
//! time, each recorded. The redelivery carries the same delivery id, so it is stored and handled once.

use std::collections::BTreeMap;

use chrono::Duration;

use crate::domain::{Actor, AuditAction};
use crate::error::CoreError;
use crate::ports::LoggedDelivery;
use crate::tengu::Tengu;

/// How far back the log is read: GitHub redelivers what it delivered in the last three days.
pub const RECOVERY_WINDOW_HOURS: i64 = 72;
/// At most this many log entries are read per run.
pub const LOG_READ: usize = 1_000;
/// At most this many deliveries are asked for again per run (the next run takes the rest).
pub const REDELIVERIES_PER_RUN: usize = 25;
/// A delivery this young may still be on its way to tengu.
const IN_FLIGHT_SECONDS: i64 = 120;
/// A redelivery asked for this recently is given time to arrive before it is asked for again.
const ASKED_AGAIN_AFTER_MINUTES: i64 = 60;

/// What a recovery run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovery {
    /// Log entries read.
    pub read: usize,
    /// The deliveries (by delivery id) asked for again.
    pub redelivered: Vec<String>,
}

impl Tengu {
    /// Reads the App's delivery log and asks GitHub again for each delivery tengu never stored.
    pub async fn recover_missed_deliveries(&self) -> Result<Recovery, CoreError> {
        let now = self.ports.clock.now();
        let setup = &self.ports.code_host_setup;
        let logged = setup.logged_deliveries(now - Duration::hours(RECOVERY_WINDOW_HOURS), LOG_READ).await?;
        let mut latest: BTreeMap<&str, &LoggedDelivery> = BTreeMap::new();
        for entry in &logged {
            let kept = latest.entry(entry.guid.as_str()).or_insert(entry);
            if entry.delivered_at > kept.delivered_at {
                *kept = entry;
            }
        }
        let mut missed: Vec<&LoggedDelivery> = Vec::new();
        for entry in latest.into_values() {
            let in_flight = now - entry.delivered_at < Duration::seconds(IN_FLIGHT_SECONDS);
            let asked = entry.redelivery && now - entry.delivered_at < Duration::minutes(ASKED_AGAIN_AFTER_MINUTES);
            if in_flight || asked || self.ports.store.delivery(&entry.guid).await?.is_some() {
                continue;
            }
            missed.push(entry);
        }
        missed.sort_by_key(|entry| entry.delivered_at);
        let mut recovery = Recovery { read: logged.len(), redelivered: Vec::new() };
        for entry in missed.into_iter().take(REDELIVERIES_PER_RUN) {
            setup.redeliver(entry).await?;
            let answered = match entry.status_code {
                0 => "GitHub could not reach tengu".to_owned(),
                code => format!("tengu answered {code}"),
            };
            let detail = format!(
                "asked GitHub to send the {} delivery of {} again: tengu never stored it ({answered})",
                entry.event,
                entry.delivered_at.format("%Y-%m-%d %H:%M:%S UTC")
            );
            let target = format!("delivery {}", entry.guid);
            self.audit(&Actor::System, AuditAction::DeliveryRetried, (&target, None), detail).await?;
            recovery.redelivered.push(entry.guid.clone());
        }
        Ok(recovery)
    }
}
