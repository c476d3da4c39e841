//! The one rule by which tengu answers from memory what it read from its records, for pages, sessions and read
//! models alike: a value is kept with the topics it is made of and their stamp when its reading began; it is
//! answered again while none of them has moved (here, or told by another instance) and for `LONGEST_HELD` at most.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::ports::{Changes, Topics};

/// Even without a write heard of, a value is read again after this long: pages say how long ago things happened
/// ("reported 3 s ago"), and a kept page must not go on saying it. (Other processes' writes are heard of: see the
/// SQL store's change feed.)
pub const LONGEST_HELD: Duration = Duration::from_secs(5);

struct Entry<V> {
    topics: Topics,
    stamp: u64,
    made: Instant,
    value: Arc<V>,
}

impl<V> Entry<V> {
    fn fresh(&self, changes: &Changes) -> bool {
        self.stamp == changes.stamp(self.topics) && self.made.elapsed() < LONGEST_HELD
    }
}

/// Values by key, each made of some topics of tengu's records.
pub struct Kept<K, V> {
    changes: Arc<Changes>,
    entries: Mutex<HashMap<K, Entry<V>>>,
    /// Beyond this many entries, the stale ones go (and all of them, if none is stale).
    most: usize,
}

impl<K: Eq + Hash, V> Kept<K, V> {
    pub fn new(changes: Arc<Changes>, most: usize) -> Self {
        Self { changes, entries: Mutex::new(HashMap::new()), most: most.max(1) }
    }

    /// The value kept for `key`, while nothing it is made of has moved.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.lock().expect("kept values");
        entries.get(key).filter(|entry| entry.fresh(&self.changes)).map(|entry| entry.value.clone())
    }

    /// Keeps `value`, made of `topics` whose stamp was `stamp` when its reading began (so a write that landed
    /// meanwhile leaves it stale at once).
    pub fn keep(&self, key: K, topics: Topics, stamp: u64, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let mut entries = self.entries.lock().expect("kept values");
        if entries.len() >= self.most && !entries.contains_key(&key) {
            entries.retain(|_, entry| entry.fresh(&self.changes));
            if entries.len() >= self.most {
                entries.clear();
            }
        }
        entries.insert(key, Entry { topics, stamp, made: Instant::now(), value: value.clone() });
        value
    }

    /// Forgets `key` (what it held was just changed here).
    pub fn forget(&self, key: &K) {
        self.entries.lock().expect("kept values").remove(key);
    }

    /// The stamp of `topics` now: taken before a reading begins, and handed to `keep` with what was read.
    pub fn stamp(&self, topics: Topics) -> u64 {
        self.changes.stamp(topics)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Topic;

    #[test]
    fn a_value_holds_until_a_topic_it_is_made_of_moves() {
        let changes = Arc::new(Changes::default());
        let kept = Kept::new(changes.clone(), 10);
        let (deployments, people) = (Topics::of(Topic::Deployments), Topics::of(Topic::People));
        kept.keep("dev", deployments, kept.stamp(deployments), 1);
        kept.keep("alice", people, kept.stamp(people), 2);
        changes.wrote(Topics::of(Topic::Deliveries));
        assert_eq!((kept.get(&"dev").as_deref(), kept.get(&"alice").as_deref()), (Some(&1), Some(&2)), "not shown");
        changes.wrote(deployments);
        assert_eq!((kept.get(&"dev"), kept.get(&"alice").as_deref()), (None, Some(&2)), "only what it touched");
        changes.heard(Topics::EVERYTHING);
        assert_eq!(kept.get(&"alice"), None, "another instance may have written anything");
    }

    #[test]
    fn a_value_read_while_a_write_landed_is_stale_at_once() {
        let changes = Arc::new(Changes::default());
        let kept = Kept::new(changes.clone(), 10);
        let topics = Topics::of(Topic::Tokens);
        let before = kept.stamp(topics);
        changes.wrote(topics);
        kept.keep((), topics, before, "read across a write");
        assert_eq!(kept.get(&()), None);
        kept.forget(&());
        kept.keep((), topics, kept.stamp(topics), "read after it");
        assert_eq!(kept.get(&()).as_deref(), Some(&"read after it"));
    }

    #[test]
    fn beyond_its_size_stale_entries_go_first() {
        let changes = Arc::new(Changes::default());
        let kept = Kept::new(changes.clone(), 2);
        let (audit, tokens) = (Topics::of(Topic::Audit), Topics::of(Topic::Tokens));
        kept.keep(1, audit, kept.stamp(audit), "stale soon");
        kept.keep(2, tokens, kept.stamp(tokens), "fresh");
        changes.wrote(audit);
        kept.keep(3, tokens, kept.stamp(tokens), "new");
        assert_eq!((kept.len(), kept.get(&2).as_deref(), kept.get(&3).as_deref()), (2, Some(&"fresh"), Some(&"new")));
    }
}
