//! What a write changed, said by the store that wrote it: each kind of record tengu keeps (a topic) has its own
//! generation number, moved by every write that touches it, here or (told through the store's change feed) in
//! another instance sharing the database. Whatever was read from some topics holds until one of theirs moves.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};

/// A kind of record pages, sessions or read models are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    DeployPrs,
    Deployments,
    ReviewEnvs,
    Audit,
    /// What ECS last reported of each service.
    Health,
    /// Who may do what (permissions kept from GitHub).
    People,
    Sessions,
    Tokens,
    ChatLinks,
    /// Webhook deliveries: shown on the deliveries page alone.
    Deliveries,
    /// Named documents (the sandbox's simulated world).
    Documents,
    /// Environments' locks.
    Locks,
}

impl Topic {
    pub const ALL: [Topic; 12] = [
        Topic::DeployPrs,
        Topic::Deployments,
        Topic::ReviewEnvs,
        Topic::Audit,
        Topic::Health,
        Topic::People,
        Topic::Sessions,
        Topic::Tokens,
        Topic::ChatLinks,
        Topic::Deliveries,
        Topic::Documents,
        Topic::Locks,
    ];

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Topics(u16);

impl Topics {
    /// A write that changes nothing anyone is shown (a token's last use, a lease, a claim).
    pub const NONE: Topics = Topics(0);
    pub const EVERYTHING: Topics = Topics((1 << Topic::ALL.len()) - 1);
    /// What pages are made from: everything but sessions and webhook deliveries (the deliveries page is not kept).
    pub const PAGES: Topics = Topics::EVERYTHING.without(Topic::Sessions).without(Topic::Deliveries);

    pub const fn of(topic: Topic) -> Self {
        Topics(topic.bit())
    }

    pub const fn and(self, topic: Topic) -> Self {
        Topics(self.0 | topic.bit())
    }

    pub const fn without(self, topic: Topic) -> Self {
        Topics(self.0 & !topic.bit())
    }

    pub const fn contains(self, topic: Topic) -> bool {
        self.0 & topic.bit() != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as a number, to tell another instance.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// A set told by another instance; bits this version does not know are ignored.
    pub const fn from_bits(bits: u16) -> Self {
        Topics(bits & Topics::EVERYTHING.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Topic> {
        Topic::ALL.into_iter().filter(move |topic| self.contains(*topic))
    }
}

impl From<Topic> for Topics {
    fn from(topic: Topic) -> Self {
        Topics::of(topic)
    }
}

impl std::ops::BitOr<Topic> for Topics {
    type Output = Topics;
    fn bitor(self, topic: Topic) -> Topics {
        self.and(topic)
    }
}

impl std::ops::BitOr for Topic {
    type Output = Topics;
    fn bitor(self, other: Topic) -> Topics {
        Topics::of(self).and(other)
    }
}

/// Every topic's generation at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot([u64; Topic::ALL.len()]);

impl Snapshot {
    /// What `Changes::stamp` said of `topics` at that moment.
    pub fn stamp(&self, topics: Topics) -> u64 {
        topics.iter().map(|topic| self.0[topic as usize]).sum()
    }
}

/// The generations of every topic.
#[derive(Debug, Default)]
pub struct Changes {
    generations: [AtomicU64; Topic::ALL.len()],
    /// Topics written here since the change feed last told the other instances.
    untold: AtomicU16,
    /// Rung on each local write that touched something, for whoever tells the other instances.
    #[cfg(feature = "runtime")]
    written: tokio::sync::Notify,
    /// Rung for every waiter whenever any generation moves (a write here, or one heard of).
    #[cfg(feature = "runtime")]
    moved_bell: tokio::sync::Notify,
}

impl Changes {
    /// A number that moves whenever one of `topics` changes (the sum of their generations, each of which only
    /// grows), so what was read at one stamp holds while the stamp stays.
    pub fn stamp(&self, topics: Topics) -> u64 {
        topics.iter().map(|topic| self.generations[topic as usize].load(Ordering::Acquire)).sum()
    }

    /// Every topic's generation as of now: read before a render whose topics are known only once it is done.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot(std::array::from_fn(|at| self.generations[at].load(Ordering::Acquire)))
    }

    /// A write of this process touched `topics`.
    pub fn wrote(&self, topics: Topics) {
        if topics.is_empty() {
            return;
        }
        self.moved(topics);
        self.untold.fetch_or(topics.bits(), Ordering::AcqRel);
        #[cfg(feature = "runtime")]
        self.written.notify_one();
    }

    /// Another instance wrote `topics` (or may have written anything: `Topics::EVERYTHING` when its messages
    /// could not be heard for a while).
    pub fn heard(&self, topics: Topics) {
        self.moved(topics);
    }

    fn moved(&self, topics: Topics) {
        for topic in topics.iter() {
            self.generations[topic as usize].fetch_add(1, Ordering::AcqRel);
        }
        #[cfg(feature = "runtime")]
        self.moved_bell.notify_waiters();
    }

    /// Waits until the stamp of `topics` is no longer `seen` (at once when it moved already): what watches a view
    /// reads again when, and only when, something it shows changed.
    #[cfg(feature = "runtime")]
    pub async fn changed(&self, topics: Topics, seen: u64) {
        loop {
            let bell = self.moved_bell.notified();
            tokio::pin!(bell);
            // Listening before looking: a move between the look and the wait is not missed.
            bell.as_mut().enable();
            if self.stamp(topics) != seen {
                return;
            }
            bell.await;
        }
    }

    /// The topics written here since the last call (for the change feed).
    pub fn take_untold(&self) -> Topics {
        Topics::from_bits(self.untold.swap(0, Ordering::AcqRel))
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
    fn a_stamp_moves_only_with_its_own_topics() {
        let changes = Changes::default();
        let overview = Topic::Deployments | Topic::DeployPrs;
        let start = changes.stamp(overview);
        changes.wrote(Topics::of(Topic::Deliveries));
        changes.wrote(Topics::NONE);
        assert_eq!(changes.stamp(overview), start, "a delivery is not on the overview");
        changes.wrote(Topics::of(Topic::Deployments));
        assert_eq!(changes.stamp(overview), start + 1);
        changes.heard(Topics::EVERYTHING);
        assert_eq!(changes.stamp(overview), start + 3, "both of its topics moved");
        assert_eq!(changes.stamp(Topics::NONE), 0);
        let before = changes.snapshot();
        changes.wrote(Topics::of(Topic::Audit));
        assert_eq!(before.stamp(overview), changes.stamp(overview), "a snapshot stamps as the stamp did");
        assert_ne!(before.stamp(Topics::PAGES), changes.stamp(Topics::PAGES));
    }

    #[test]
    fn the_feed_tells_each_local_write_once() {
        let changes = Changes::default();
        changes.wrote(Topic::Audit | Topic::Tokens);
        changes.heard(Topics::of(Topic::Health));
        changes.wrote(Topics::of(Topic::Deployments));
        assert_eq!(changes.take_untold(), Topic::Audit | Topic::Tokens | Topic::Deployments);
        assert_eq!(changes.take_untold(), Topics::NONE);
    }

    #[cfg(feature = "runtime")]
    #[tokio::test]
    async fn a_watcher_wakes_for_its_topics_and_sleeps_through_the_others() {
        let changes = std::sync::Arc::new(Changes::default());
        let deployments = Topics::of(Topic::Deployments);
        let seen = changes.stamp(deployments);
        let watcher = tokio::spawn({
            let changes = changes.clone();
            async move { changes.changed(deployments, seen).await }
        });
        tokio::task::yield_now().await;
        changes.wrote(Topics::of(Topic::Deliveries));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!watcher.is_finished(), "a delivery is not a deployment");
        changes.heard(Topic::Deployments | Topic::Audit);
        tokio::time::timeout(std::time::Duration::from_secs(1), watcher).await.expect("woken").unwrap();
        // Moved already: no wait at all.
        changes.changed(deployments, seen).await;
    }

    #[test]
    fn bits_round_trip_and_unknown_bits_are_ignored() {
        let set = Topic::ReviewEnvs | Topic::Documents;
        assert_eq!(Topics::from_bits(set.bits()), set);
        assert_eq!(Topics::from_bits(u16::MAX), Topics::EVERYTHING);
        assert!(!Topics::PAGES.contains(Topic::Deliveries) && Topics::PAGES.contains(Topic::Tokens));
    }
}
