//! Instances sharing a database tell each other of their writes, so each one's read models, page caches and live
//! pages move within a moment. After a burst of writes an instance tells the others once: on PostgreSQL with a
//! `NOTIFY` it `LISTEN`s for, on SQLite with a row in `change_notes` that the others look for four times a
//! second (the one read SQLite offers in place of a channel: one query per process, however many people watch).
//! A process that ends (the `tengu` command line, after a deploy it ran here) tells what it had not told yet.

use std::sync::Arc;
use std::time::Duration;

use super::SqlStore;
use super::connect::Pool;
use super::rows::{self, query_error};
use tengu_core::ports::{Changes, StoreError, Topics};

const CHANNEL: &str = "tengu_changes";
/// Writes closer together than this are announced once.
const GATHER: Duration = Duration::from_millis(100);
/// After losing the database, how long before listening again.
const RECONNECT: Duration = Duration::from_secs(1);
/// How often a SQLite instance looks for the others' notes.
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// SQLite's notes older than this are deleted (every instance has read them by then).
const NOTES_KEPT: Duration = Duration::from_secs(60);

impl SqlStore {
    /// Starts telling other instances of this one's writes and listening for theirs. `instance` tells this
    /// process's own announcements apart.
    pub fn spawn_change_feed(&self, instance: &str) {
        let changes = tengu_core::ports::Store::changes(self);
        let instance: Arc<str> = instance.into();
        tokio::spawn(announce(self.clone(), changes.clone(), instance.clone()));
        match &self.pool {
            Pool::Postgres(_) => tokio::spawn(listen(self.url.clone(), changes, instance)),
            Pool::Sqlite(_) => tokio::spawn(look_for_notes(self.clone(), changes, instance)),
        };
    }

    /// Tells the other instances what this one wrote and has not told yet (a process about to end).
    pub(crate) async fn tell_untold(&self) {
        let told = tengu_core::ports::Store::changes(self).take_untold();
        if told.is_empty() {
            return;
        }
        let origin = format!("ending-{}", std::process::id());
        if let Err(error) = self.tell(&origin, told).await {
            tracing::warn!(%error, "other instances could not be told of this one's last changes");
        }
    }

    /// One note: `instance` wrote `topics`.
    async fn tell(&self, instance: &str, topics: Topics) -> Result<(), StoreError> {
        // `instance topics`: the instance tells its own notes apart, the topics say what moved.
        let note = format!("{instance} {}", topics.bits());
        match &self.pool {
            Pool::Postgres(pool) => {
                sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&note).execute(pool).await.map(drop)
            }
            Pool::Sqlite(pool) => sqlx::query("INSERT INTO change_notes (note, noted_at) VALUES ($1, $2)")
                .bind(&note)
                .bind(rows::millis(chrono::Utc::now()))
                .execute(pool)
                .await
                .map(drop),
        }
        .map_err(query_error)
    }
}

async fn announce(store: SqlStore, changes: Arc<Changes>, instance: Arc<str>) {
    loop {
        changes.next_write().await;
        let told = changes.take_untold();
        if told.is_empty() {
            continue;
        }
        if let Err(error) = store.tell(&instance, told).await {
            tracing::warn!(%error, "other instances could not be told of a change; they read it within 5 s anyway");
        }
        tokio::time::sleep(GATHER).await;
    }
}

/// SQLite: the notes other instances left since the last look, as what moved.
async fn look_for_notes(store: SqlStore, changes: Arc<Changes>, instance: Arc<str>) {
    let Pool::Sqlite(pool) = &store.pool else { return };
    let mut last_seen = None;
    let mut pruned = std::time::Instant::now();
    loop {
        match notes_after(pool, last_seen).await {
            Ok((last, notes)) => {
                if last_seen.is_some() {
                    for note in notes {
                        if let Some(topics) = topics_told(&note, &instance) {
                            changes.heard(topics);
                        }
                    }
                }
                last_seen = Some(last);
            }
            Err(error) => tracing::warn!(%error, "could not look for other instances' changes"),
        }
        if pruned.elapsed() > NOTES_KEPT {
            pruned = std::time::Instant::now();
            let old = rows::millis(chrono::Utc::now()) - NOTES_KEPT.as_millis() as i64;
            let deleted = sqlx::query("DELETE FROM change_notes WHERE noted_at < $1").bind(old).execute(pool).await;
            if let Err(error) = deleted {
                tracing::warn!(error = %query_error(error), "could not delete old change notes");
            }
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// The notes after `last_seen` (none on the first look, which only finds where the notes stand) and the newest id.
async fn notes_after(pool: &sqlx::SqlitePool, last_seen: Option<i64>) -> Result<(i64, Vec<String>), StoreError> {
    let Some(after) = last_seen else {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM change_notes")
            .fetch_one(pool)
            .await
            .map_err(query_error)?;
        return Ok((rows::int(&row, "id")?, Vec::new()));
    };
    let found = sqlx::query("SELECT id, note FROM change_notes WHERE id > $1 ORDER BY id")
        .bind(after)
        .fetch_all(pool)
        .await
        .map_err(query_error)?;
    let mut last = after;
    let mut notes = Vec::with_capacity(found.len());
    for row in &found {
        last = rows::int(row, "id")?;
        notes.push(rows::text(row, "note")?);
    }
    Ok((last, notes))
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
