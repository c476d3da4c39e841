use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Even without a write heard of, a value is read again after this long: a process that shares the database but
/// announces nothing (the `tengu` command line, another instance on SQLite, a lost notification) is seen within it.
pub const LONGEST_HELD: Duration = Duration::from_secs(5);

/// A value, the generation it was read at, and when.
type Kept<T> = (u64, Instant, Arc<T>);

fn held(at: u64, read: Instant, generation: u64) -> bool {
    at == generation && read.elapsed() < LONGEST_HELD
}

/// One value read at a generation: answered again while the generation has not moved (for `LONGEST_HELD` at most).
pub struct Memo<T> {
    cell: Mutex<Option<Kept<T>>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Self { cell: Mutex::new(None) }
    }
}

impl<T> Memo<T> {
    pub fn at(&self, generation: u64) -> Option<Arc<T>> {
        let cell = self.cell.lock().expect("memo");
        cell.as_ref().filter(|(at, read, _)| held(*at, *read, generation)).map(|(_, _, value)| value.clone())
    }

    /// Keeps what was read when the generation was `generation` (read before the reading began, so a write that
    /// landed meanwhile makes it stale at once).
    pub fn keep(&self, generation: u64, value: T) -> Arc<T> {
        let value = Arc::new(value);
        *self.cell.lock().expect("memo") = Some((generation, Instant::now(), value.clone()));
        value
    }
}

/// A value per key, each read at a generation.
pub struct MemoMap<K, T> {
    cells: Mutex<HashMap<K, Kept<T>>>,
}

impl<K, T> Default for MemoMap<K, T> {
    fn default() -> Self {
        Self { cells: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash, T> MemoMap<K, T> {
    pub fn at(&self, key: &K, generation: u64) -> Option<Arc<T>> {
        let cells = self.cells.lock().expect("memo");
        cells.get(key).filter(|(at, read, _)| held(*at, *read, generation)).map(|(_, _, value)| value.clone())
    }

    pub fn keep(&self, key: K, generation: u64, value: T) -> Arc<T> {
        let value = Arc::new(value);
        let mut cells = self.cells.lock().expect("memo");
        // Entries of older generations are never answered again.
        cells.retain(|_, (at, read, _)| held(*at, *read, generation));
        cells.insert(key, (generation, Instant::now(), value.clone()));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_holds_only_at_the_generation_it_was_read_at() {
        let memo = Memo::default();
        assert!(memo.at(3).is_none());
        memo.keep(3, "read at 3");
        assert_eq!(memo.at(3).as_deref(), Some(&"read at 3"));
        assert!(memo.at(4).is_none(), "a write moved the generation");

        let map = MemoMap::default();
        map.keep("dev", 5, 1);
        map.keep("production", 5, 2);
        assert_eq!((map.at(&"dev", 5).as_deref(), map.at(&"production", 5).as_deref()), (Some(&1), Some(&2)));
        map.keep("dev", 6, 3);
        assert_eq!(map.at(&"production", 6), None);
        assert_eq!(map.at(&"dev", 6).as_deref(), Some(&3));
    }
}
