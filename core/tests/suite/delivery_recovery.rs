//! What GitHub sent while no tengu listened is asked for again: each delivery in the App's log that tengu never
//! stored, oldest first, at most 25 a run, each recorded; not one tengu stored, one still on its way, or one
//! asked for again within the hour.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use tengu_core::domain::AuditAction;
use tengu_core::ports::{AppSetup, CodeHostError, CodeHostSetup, LoggedDelivery, ManualClock, Store, StoredDelivery};

/// GitHub's delivery log, and the redeliveries asked of it.
#[derive(Default)]
struct Log {
    entries: Vec<LoggedDelivery>,
    asked: Mutex<Vec<u64>>,
}

#[async_trait::async_trait]
impl CodeHostSetup for Log {
    async fn app_setup(&self) -> Result<Option<AppSetup>, CodeHostError> {
        Ok(None)
    }

    async fn logged_deliveries(&self, since: DateTime<Utc>, max: usize) -> Result<Vec<LoggedDelivery>, CodeHostError> {
        Ok(self.entries.iter().filter(|e| e.delivered_at >= since).take(max).cloned().collect())
    }

    async fn redeliver(&self, logged: &LoggedDelivery) -> Result<(), CodeHostError> {
        self.asked.lock().unwrap().push(logged.id);
        Ok(())
    }
}

fn entry(id: u64, guid: &str, at: DateTime<Utc>, redelivery: bool) -> LoggedDelivery {
    LoggedDelivery {
        id,
        guid: guid.to_owned(),
        event: "pull_request".to_owned(),
        delivered_at: at,
        redelivery,
        status_code: 0,
    }
}

#[tokio::test]
async fn deliveries_no_tengu_stored_are_asked_for_again_oldest_first_and_bounded() {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(now));
    let stored = StoredDelivery {
        delivery_id: "stored-1".to_owned(),
        event: "push".to_owned(),
        payload: String::new(),
        received_at: now - Duration::hours(2),
        repo: None,
        subject: None,
        attempts: 0,
    };
    store.record_delivery(&stored).await.unwrap();
    let mut entries = vec![
        entry(1, "stored-1", now - Duration::hours(2), false),
        entry(2, "on-its-way", now - Duration::seconds(30), false),
        entry(3, "asked-lately", now - Duration::hours(5), false),
        entry(4, "asked-lately", now - Duration::minutes(10), true),
        entry(5, "too-old", now - Duration::hours(80), false),
    ];
    // Thirty missed while tengu was down, a minute apart; the oldest first.
    entries.extend((0..30).map(|n| {
        entry(100 + n, &format!("missed-{n:02}"), now - Duration::hours(3) + Duration::minutes(n as i64), false)
    }));
    let log = Arc::new(Log { entries, ..Log::default() });
    let sandbox = tengu_sandbox::start(store.clone(), clock, "http://127.0.0.1:3000").await.unwrap();
    let tengu = sandbox.with_code_host_setup(log.clone());

    let recovery = tengu.recover_missed_deliveries().await.unwrap();
    assert_eq!(recovery.read, 34, "the log of the last three days");
    let expected: Vec<String> = (0..25).map(|n| format!("missed-{n:02}")).collect();
    assert_eq!(recovery.redelivered, expected);
    assert_eq!(*log.asked.lock().unwrap(), (100..125).collect::<Vec<u64>>());
    let audit = store.audit_log(30).await.unwrap();
    let asked: Vec<_> =
        audit.iter().filter(|e| e.action == AuditAction::DeliveryRetried && e.actor == "tengu").collect();
    assert_eq!(asked.len(), 25);
    assert!(
        asked.iter().any(|e| e.target == "delivery missed-00"
            && e.detail == "asked GitHub to send the pull_request delivery of 2026-12-07 09:00:00 UTC again: tengu never stored it (GitHub could not reach tengu)"),
        "{asked:#?}"
    );
}
