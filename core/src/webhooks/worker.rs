//! The delivery worker: claims what is due, handles up to the policy's number at once, and looks again when a
//! delivery arrives, when one finishes (the next about the same subject may go) or every second.

use std::sync::Arc;
use std::time::Duration;

use super::DeliveryRun;
use crate::ports::StoredDelivery;
use crate::tengu::Tengu;

const LOOK_EVERY: Duration = Duration::from_secs(1);

impl Tengu {
    /// Works off webhook deliveries until the process ends. Safe beside other instances: each delivery is
    /// claimed in the database first, and a claim whose holder died lapses after the policy's claim period.
    pub async fn run_delivery_worker(&self) {
        let concurrency = self.settings.deliveries.concurrency.max(1);
        let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
        loop {
            let free = permits.available_permits();
            if free > 0 {
                match self.claim_due_deliveries(&self.instance, free).await {
                    Ok(due) => {
                        for delivery in due {
                            let Ok(permit) = permits.clone().acquire_owned().await else { return };
                            let worker = self.clone();
                            tokio::spawn(async move {
                                worker.work_off_in_time(&delivery).await;
                                drop(permit);
                                worker.delivery_bell.notify_one();
                            });
                        }
                    }
                    Err(error) => tracing::warn!(%error, "webhook deliveries could not be claimed; looking again"),
                }
            }
            tokio::select! {
                () = self.delivery_bell.notified() => {}
                () = tokio::time::sleep(LOOK_EVERY) => {}
            }
        }
    }

    /// One try, cut off before its claim lapses (after that another worker may take the delivery).
    async fn work_off_in_time(&self, delivery: &StoredDelivery) {
        let claim = self.settings.deliveries.claim().to_std().unwrap_or(Duration::from_secs(120));
        let id = &delivery.delivery_id;
        let event = &delivery.event;
        let limit = claim * 3 / 4;
        let run = match tokio::time::timeout(limit, self.work_off_delivery(delivery)).await {
            Ok(run) => run,
            Err(_) => self.count_failed_try(delivery, format!("handling took longer than {} s", limit.as_secs())).await,
        };
        match run {
            Ok(DeliveryRun::Handled(outcome)) => {
                crate::telemetry::delivery_tried("handled");
                tracing::info!(delivery = %id, %event, %outcome, "webhook handled")
            }
            Ok(DeliveryRun::WillRetry { error, at }) => {
                crate::telemetry::delivery_tried("will_retry");
                tracing::warn!(delivery = %id, %event, %error, retry_at = %at, "webhook handling failed; trying again")
            }
            Ok(DeliveryRun::Parked(error)) => {
                crate::telemetry::delivery_tried("parked");
                tracing::error!(delivery = %id, %event, %error, "webhook handling failed for the last time; parked")
            }
            // The outcome could not even be recorded: the claim lapses and the delivery is tried again then.
            Err(error) => tracing::warn!(delivery = %id, %error, "webhook outcome not recorded; retried later"),
        }
    }
}
