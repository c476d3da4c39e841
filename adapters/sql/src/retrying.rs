//! The one way every store call reaches the database. Momentary trouble is waited out where it happens: a call
//! that meets a busy database (SQLite BUSY or LOCKED, a PostgreSQL serialisation failure or deadlock, no free
//! connection) runs again after a short, growing wait. Those failures wrote nothing, so running again is safe for
//! every call. A lost connection is not retried here (a write may have landed): it reaches the caller, whose job
//! or driver tries again later. And a write says what it touched: `writing!` announces its topics once it is
//! over, whatever its outcome (even a failed write may have landed), so no write can forget to, and `reading!`
//! has nothing to announce with.

use std::future::Future;
use std::time::Duration;

use tengu_core::ports::StoreError;

/// Tries after the first: waits of 20, 80, 320 and 1,280 ms (1.7 s in all).
const RETRIES: u32 = 4;
const FIRST_WAIT: Duration = Duration::from_millis(20);

/// The waits of one call.
pub(crate) struct Backoff {
    wait: Duration,
    tries: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { wait: FIRST_WAIT, tries: 0 }
    }
}

impl Backoff {
    /// What one try gave, or None after waiting when it met a busy database and may run again.
    pub(crate) async fn settle<T>(
        &mut self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Option<Result<T, StoreError>> {
        match call.await {
            Err(StoreError::Busy(why)) if self.tries < RETRIES => {
                tracing::debug!(%why, wait_ms = self.wait.as_millis() as u64, "the database was busy; trying again");
                tokio::time::sleep(self.wait).await;
                self.wait *= 4;
                self.tries += 1;
                None
            }
            other => Some(other),
        }
    }
}

/// Runs `$call` (an expression that awaits and gives a `Result<_, StoreError>`) until the database is not busy.
macro_rules! retried {
    ($call:expr) => {{
        let mut backoff = $crate::retrying::Backoff::default();
        loop {
            if let Some(outcome) = backoff.settle(async { $call }).await {
                break outcome;
            }
        }
    }};
}
pub(crate) use retried;

/// A read: `reading!(self, |pool| body)` runs `body` on the store's pool for reads, `reading!(expr)` any read.
macro_rules! reading {
    ($store:expr, |$pool:ident| $body:expr) => {
        $crate::retrying::retried!($crate::connect::on_read_pool!($store, |$pool| $body))
    };
    ($call:expr) => {
        $crate::retrying::retried!($call)
    };
}
pub(crate) use reading;

/// A write that touches `$topics`: `writing!(self, topics, |pool| body)`, or `writing!(self, topics => expr)`.
macro_rules! writing {
    ($store:expr, $topics:expr, |$pool:ident| $body:expr) => {{
        let outcome = $crate::retrying::retried!($crate::connect::on_pool!($store, |$pool| $body));
        $store.announce($topics.into());
        outcome
    }};
    ($store:expr, $topics:expr => $call:expr) => {{
        let outcome = $crate::retrying::retried!($call);
        $store.announce($topics.into());
        outcome
    }};
}
pub(crate) use writing;

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_busy_database_is_waited_out_and_a_lost_connection_is_not_retried() {
        let calls = AtomicU32::new(0);
        let answer: Result<i32, StoreError> = retried!(match calls.fetch_add(1, Ordering::SeqCst) {
            0..=2 => Err(StoreError::Busy("database is locked".into())),
            _ => Ok(7),
        });
        assert_eq!((answer, calls.load(Ordering::SeqCst)), (Ok(7), 4));

        let calls = AtomicU32::new(0);
        let lost = retried!({
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Unavailable("connection reset".into()))
        });
        assert!(matches!(lost, Err(StoreError::Unavailable(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a write may have landed: not repeated here");

        let calls = AtomicU32::new(0);
        let stuck = retried!({
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Busy("database is locked".into()))
        });
        assert!(matches!(stuck, Err(StoreError::Busy(_))));
        assert_eq!(calls.load(Ordering::SeqCst), RETRIES + 1, "then the caller hears of it");
    }
}
