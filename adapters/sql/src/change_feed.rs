//! Instances sharing a PostgreSQL database tell each other of their writes, so each one's read models and page
//! caches move within a moment: after a burst of writes an instance sends one `NOTIFY`, and it `LISTEN`s for the
//! others'. SQLite has no such channel; it is one instance's database.

use std::sync::Arc;
use std::time::Duration;

use super::connect::Pool;
use super::{Dialect, SqlStore};
use tengu_core::ports::{Changes, Topics};

const CHANNEL: &str = "tengu_changes";
/// Writes closer together than this are announced once.
const GATHER: Duration = Duration::from_millis(100);
/// After losing the database, how long before listening again.
const RECONNECT: Duration = Duration::from_secs(1);

impl SqlStore {
    /// Starts telling other instances of this one's writes and listening for theirs (PostgreSQL only; a no-op
    /// on SQLite). `instance` tells this process's own announcements apart.
    pub fn spawn_change_feed(&self, instance: &str) {
        if self.dialect() != Dialect::Postgres {
            return;
        }
        let changes = tengu_core::ports::Store::changes(self);
        let instance: Arc<str> = instance.into();
        tokio::spawn(announce(self.clone(), changes.clone(), instance.clone()));
        tokio::spawn(listen(self.url.clone(), changes, instance));
    }
}

async fn announce(store: SqlStore, changes: Arc<Changes>, instance: Arc<str>) {
    loop {
        changes.next_write().await;
        let told = changes.take_untold();
        if told.is_empty() {
            continue;
        }
        // `instance topics`: the instance tells its own notes apart, the topics say what moved.
        let note = format!("{instance} {}", told.bits());
        let sent = match &store.pool {
            Pool::Postgres(pool) => {
                sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&note).execute(pool).await
            }
            Pool::Sqlite(_) => return,
        };
        if let Err(error) = sent {
            tracing::warn!(%error, "other instances could not be told of a change; they read it within 5 s anyway");
        }
        tokio::time::sleep(GATHER).await;
    }
}

async fn listen(url: Arc<str>, changes: Arc<Changes>, instance: Arc<str>) {
    loop {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    // Whatever was written while nobody listened is not known: everything read before is stale.
                    changes.heard(Topics::EVERYTHING);
                    hear(&mut listener, &changes, &instance).await;
                }
                Err(error) => tracing::warn!(%error, "could not listen for other instances' changes"),
            },
            Err(error) => tracing::warn!(%error, "could not connect to listen for other instances' changes"),
        }
        tokio::time::sleep(RECONNECT).await;
    }
}

async fn hear(listener: &mut sqlx::postgres::PgListener, changes: &Changes, instance: &str) {
    loop {
        match listener.try_recv().await {
            Ok(Some(note)) => {
                if let Some(topics) = topics_told(note.payload(), instance) {
                    changes.heard(topics);
                }
            }
            // The connection dropped and was made again: what was sent meanwhile was missed.
            Ok(None) => changes.heard(Topics::EVERYTHING),
            Err(error) => {
                tracing::warn!(%error, "stopped hearing other instances' changes; listening again");
                changes.heard(Topics::EVERYTHING);
                return;
            }
        }
    }
}

/// What another instance's note says moved (None for this instance's own notes); a note that cannot be read
/// (an older version's, without topics) moves everything.
fn topics_told(note: &str, instance: &str) -> Option<Topics> {
    let (from, topics) = note.rsplit_once(' ').unwrap_or((note, ""));
    if from == instance {
        return None;
    }
    Some(topics.parse().map(Topics::from_bits).unwrap_or(Topics::EVERYTHING))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tengu_core::ports::Topic;

    #[test]
    fn a_note_names_its_instance_and_what_moved() {
        let topics = Topic::Deployments | Topic::Audit;
        let note = format!("web-1:3000 {}", topics.bits());
        assert_eq!(topics_told(&note, "web-2:3000"), Some(topics));
        assert_eq!(topics_told(&note, "web-1:3000"), None, "its own note");
        assert_eq!(topics_told("web-1:3000", "web-2:3000"), Some(Topics::EVERYTHING), "an older version's note");
    }
}
