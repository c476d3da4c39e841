//! The life of a delivery: stored durably before GitHub gets its answer, handled by a worker after it, tried
//! again with backoff when GitHub or the database fails, parked for a person after the last try.

use super::event::{is_used, parse_event};
use crate::domain::{Actor, DeliveryRecord, DeliveryState, Permission, Viewer};
use crate::error::CoreError;
use crate::ports::{Action, StoredDelivery};
use crate::tengu::Tengu;

/// What became of a delivery GitHub sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// New: stored; the worker handles it.
    Stored,
    /// An event tengu does not act on: recorded (a redelivery is known) without its payload.
    NotUsed,
    /// Received before and not yet handled (it failed, or waits its turn): due again now.
    Requeued,
    /// Received and handled before: what was done then.
    AlreadyHandled(String),
}

/// What one try at a claimed delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryRun {
    Handled(String),
    WillRetry {
        error: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    /// Every try failed: it waits on the deliveries page for a person's Retry.
    Parked(String),
}

/// How many troubled deliveries the deliveries page lists.
const PAGE_LIMIT: u32 = 200;

impl Tengu {
    /// Stores a delivery before it is acknowledged (durably: the answer promises it is kept), or says what is
    /// known of it already. GitHub's Redeliver of a delivery that failed makes it due again at once.
    pub async fn accept_delivery(
        &self,
        delivery_id: &str,
        event: &str,
        payload: String,
    ) -> Result<Accepted, CoreError> {
        let used = is_used(event);
        let about = if used { parse_event(event, &payload).ok().and_then(|e| e.subject()) } else { None };
        let (repo, subject) = about.map_or((None, None), |(repo, subject)| (Some(repo), Some(subject)));
        let now = self.ports.clock.now();
        let delivery = StoredDelivery {
            delivery_id: delivery_id.to_owned(),
            event: event.to_owned(),
            payload: if used { payload } else { String::new() },
            received_at: now,
            repo,
            subject,
            attempts: 0,
        };
        let store = &self.ports.store;
        if store.record_delivery(&delivery).await? {
            metrics::counter!(crate::telemetry::DELIVERIES_RECEIVED, "event" => event.to_owned()).increment(1);
            if !used {
                let outcome = format!("{event} events are not used by tengu; the payload was not kept");
                store.finish_delivery(delivery_id, now, &outcome).await?;
                return Ok(Accepted::NotUsed);
            }
            self.ring_delivery_bell();
            return Ok(Accepted::Stored);
        }
        match store.delivery(delivery_id).await? {
            Some(DeliveryRecord { processed_at: Some(_), outcome, .. }) => {
                Ok(Accepted::AlreadyHandled(outcome.unwrap_or_default()))
            }
            Some(_) if store.requeue_delivery(delivery_id, now).await? => {
                self.ring_delivery_bell();
                Ok(Accepted::Requeued)
            }
            // Handled (or pruned) between the two reads.
            _ => Ok(Accepted::AlreadyHandled(String::new())),
        }
    }

    /// Deletes finished deliveries received before the retention period; how many. Unfinished ones are kept
    /// whatever their age: they still have work to do.
    pub async fn prune_deliveries(&self, retention: chrono::Duration) -> Result<u64, CoreError> {
        Ok(self.ports.store.prune_deliveries(self.ports.clock.now() - retention).await?)
    }

    /// Takes up to `limit` deliveries that are due, for `worker`, for the policy's claim period.
    pub async fn claim_due_deliveries(&self, worker: &str, limit: usize) -> Result<Vec<StoredDelivery>, CoreError> {
        let now = self.ports.clock.now();
        let until = now + self.settings.deliveries.claim();
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        Ok(self.ports.store.claim_deliveries(worker, now, until, limit).await?)
    }

    /// Handles one claimed delivery and records how it went: handled with what was done; or, when GitHub or the
    /// database failed, a failed try to repeat after the policy's wait, parked as failed after the last. A
    /// payload that cannot be read is handled with that reason (trying again cannot help).
    pub async fn work_off_delivery(&self, delivery: &StoredDelivery) -> Result<DeliveryRun, CoreError> {
        let handled = match parse_event(&delivery.event, &delivery.payload) {
            Ok(event) => self.handle_github_event(&event).await,
            Err(unreadable) => Ok(unreadable.to_string()),
        };
        match handled {
            Ok(outcome) => {
                let now = self.ports.clock.now();
                self.ports.store.finish_delivery(&delivery.delivery_id, now, &outcome).await?;
                Ok(DeliveryRun::Handled(outcome))
            }
            Err(error) => self.count_failed_try(delivery, error.to_string()).await,
        }
    }

    /// Records a failed try: due again after the policy's wait, or parked after the last try.
    pub(crate) async fn count_failed_try(
        &self,
        delivery: &StoredDelivery,
        error: String,
    ) -> Result<DeliveryRun, CoreError> {
        let now = self.ports.clock.now();
        let retry_at = self.settings.deliveries.wait_after(delivery.attempts + 1).map(|wait| now + wait);
        self.ports.store.fail_delivery_attempt(&delivery.delivery_id, &error, retry_at, now).await?;
        Ok(match retry_at {
            Some(at) => DeliveryRun::WillRetry { error, at },
            None => DeliveryRun::Parked(error),
        })
    }

    /// Works off every delivery that is due now, one after the other; how many were handled. (The worker does
    /// this continuously and side by side; a test or a one-off command calls it directly.)
    pub async fn process_due_deliveries(&self, worker: &str) -> Result<usize, CoreError> {
        let mut handled = 0;
        loop {
            let due = self.claim_due_deliveries(worker, 50).await?;
            if due.is_empty() {
                return Ok(handled);
            }
            for delivery in &due {
                if let DeliveryRun::Handled(_) = self.work_off_delivery(delivery).await? {
                    handled += 1;
                }
            }
        }
    }

    /// The deliveries page: those that failed at least once and are not handled, about the repositories the
    /// person administers.
    pub async fn troubled_deliveries(&self, viewer: &Viewer) -> Result<Vec<DeliveryRecord>, CoreError> {
        let all = self.ports.store.troubled_deliveries(PAGE_LIMIT).await?;
        if viewer.actor.is_trusted() {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|d| d.repo.as_ref().is_some_and(|repo| viewer.permission(repo) >= Permission::Admin))
            .collect())
    }

    /// Retry on the deliveries page: a parked (or waiting) delivery is due again now, its tries counted afresh.
    pub async fn retry_delivery(&self, actor: &Actor, delivery_id: &str) -> Result<DeliveryRecord, CoreError> {
        let not_found = || CoreError::NotFound(format!("delivery {delivery_id}"));
        let record = self.ports.store.delivery(delivery_id).await?.ok_or_else(not_found)?;
        let repo = record.repo.clone().ok_or_else(not_found)?;
        self.authorize(actor, &Action::RetryDelivery { repo: &repo }).await?;
        if record.state() == DeliveryState::Handled {
            return Err(CoreError::Refused(format!("delivery {delivery_id} was handled already")));
        }
        self.ports.store.requeue_delivery(delivery_id, self.ports.clock.now()).await?;
        let entry = crate::domain::AuditEntry {
            at: self.ports.clock.now(),
            actor: actor.display_name(),
            action: crate::domain::AuditAction::DeliveryRetried,
            target: format!("delivery {delivery_id}"),
            detail: format!("{} {}", record.event, record.subject.clone().unwrap_or_default()),
            repo: Some(repo),
        };
        self.ports.store.record_audit(&entry).await?;
        self.ring_delivery_bell();
        self.ports.store.delivery(delivery_id).await?.ok_or_else(not_found)
    }

    /// Wakes the delivery worker: something became due.
    fn ring_delivery_bell(&self) {
        #[cfg(feature = "runtime")]
        self.delivery_bell.notify_one();
    }
}
