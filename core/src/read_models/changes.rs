use std::sync::atomic::{AtomicU64, Ordering};

/// A number that moves on every write that can change what a page shows, here or (told through the change feed)
/// in another instance sharing the database. Anything read at one generation holds until it moves.
#[derive(Debug, Default)]
pub struct Changes {
    generation: AtomicU64,
    /// Rung on each local write, for whoever tells the other instances.
    #[cfg(feature = "runtime")]
    written: tokio::sync::Notify,
}

impl Changes {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A write of this process.
    pub fn wrote(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        #[cfg(feature = "runtime")]
        self.written.notify_one();
    }

    /// Another instance wrote (or may have: its messages could not be heard for a while).
    pub fn heard(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Waits for the next local write (a write made meanwhile counts: it is not missed between two waits).
    #[cfg(feature = "runtime")]
    pub async fn next_write(&self) {
        self.written.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_write_and_every_heard_change_moves_the_generation() {
        let changes = Changes::default();
        let start = changes.generation();
        changes.wrote();
        assert_eq!(changes.generation(), start + 1);
        changes.heard();
        assert_eq!(changes.generation(), start + 2);
    }
}
