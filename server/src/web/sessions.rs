//! Sessions with tower-sessions, kept in tengu's own database (SQLite or PostgreSQL, through the core's store),
//! and the job that deletes expired ones.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tengu_core::ports::Store;
use tengu_core::ports::{Changes, Topic, Topics};
use tengu_core::read_models::Kept;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::SessionsConfig;

/// tower-sessions' store over tengu's `Store`: one row per session, the record as JSON. A page load finds the
/// session in memory: what was read or written here holds until a session is deleted (a sign-out anywhere) or
/// `read_models::LONGEST_HELD` passes.
#[derive(Clone)]
pub struct DbSessionStore {
    store: Arc<dyn Store>,
    memory: Option<Arc<SessionMemory>>,
}

/// Sessions as last read or written by this instance, kept by tengu's one rule of memory (`read_models::Kept`).
pub struct SessionMemory {
    known: Kept<Id, Record>,
    /// Counts this instance's session writes: a record read before one of them landed is not remembered over it.
    writes: std::sync::atomic::AtomicU64,
}

/// A sign-out anywhere moves it.
const SESSIONS: Topics = Topics::of(Topic::Sessions);

/// Beyond this many, remembered sessions are forgotten (they are read again when used).
const MOST_REMEMBERED: usize = 10_000;

impl SessionMemory {
    fn recall(&self, id: &Id) -> Option<Record> {
        let record = self.known.get(id)?;
        (record.expiry_date > time::OffsetDateTime::now_utc()).then(|| (*record).clone())
    }

    /// `stamp` is read before the database was, so a change meanwhile leaves the record stale at once.
    fn remember(&self, record: &Record, stamp: u64) {
        self.known.keep(record.id, SESSIONS, stamp, record.clone());
    }

    fn forget(&self, id: &Id) {
        self.writes.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.known.forget(id);
    }

    fn writes(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    /// Reads every session from the database (the job that deletes expired ones).
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, memory: None }
    }

    /// Keeps what it read and wrote in memory until `changes` moves (the web's store).
    pub fn remembering(store: Arc<dyn Store>, changes: Arc<Changes>) -> Self {
        let memory = SessionMemory { known: Kept::new(changes, MOST_REMEMBERED), writes: Default::default() };
        Self { store, memory: Some(Arc::new(memory)) }
    }

    fn generation(&self) -> u64 {
        self.memory.as_ref().map(|m| m.known.stamp(SESSIONS)).unwrap_or_default()
    }

    fn remember(&self, record: &Record, generation: u64) {
        if let Some(memory) = &self.memory {
            memory.remember(record, generation);
        }
    }

    /// Deletes every session expired by now; how many.
    pub async fn delete_expired(&self) -> Result<u64, tengu_core::ports::StoreError> {
        self.store.delete_expired_sessions(Utc::now()).await
    }
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn expiry_of(record: &Record) -> DateTime<Utc> {
    let millis = (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64;
    DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now)
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    /// A new id is drawn until the database takes one no session has.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        for _ in 0..8 {
            let data = encode(record)?;
            let generation = self.generation();
            if self.store.create_session(&record.id.to_string(), &data, expiry_of(record)).await.map_err(backend)? {
                self.remember(record, generation);
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(backend("no free session id after 8 draws"))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let generation = self.generation();
        if let Some(memory) = &self.memory {
            memory.forget(&record.id);
        }
        self.store.save_session(&record.id.to_string(), &encode(record)?, expiry_of(record)).await.map_err(backend)?;
        self.remember(record, generation);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.memory.as_ref().and_then(|memory| memory.recall(id)) {
            return Ok(Some(record));
        }
        let generation = self.generation();
        let writes = self.memory.as_ref().map(|memory| memory.writes());
        let Some(data) = self.store.load_session(&id.to_string(), Utc::now()).await.map_err(backend)? else {
            return Ok(None);
        };
        let record: Record = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        // A save or delete of this instance that began meanwhile may have landed after this read.
        if writes == self.memory.as_ref().map(|memory| memory.writes()) {
            self.remember(&record, generation);
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        if let Some(memory) = &self.memory {
            memory.forget(id);
        }
        self.store.delete_session(&id.to_string()).await.map_err(backend)
    }
}

/// The cookie: HttpOnly, SameSite=Lax, and on https `Secure` under a `__Host-` name (no domain, path `/`), so
/// no other site or subdomain can set or read it.
pub fn layer(store: DbSessionStore, public_url: &str, config: SessionsConfig) -> SessionManagerLayer<DbSessionStore> {
    let https = public_url.starts_with("https://");
    SessionManagerLayer::new(store)
        .with_name(if https { "__Host-tengu" } else { "tengu_session" })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(https)
        .with_path("/")
        .with_expiry(idle_expiry(config))
}

/// A signed-in session ends after this long unused.
pub fn idle_expiry(config: SessionsConfig) -> Expiry {
    Expiry::OnInactivity(time::Duration::hours(config.session_idle_hours.clamp(1, 24 * 30) as i64))
}

/// Deletes expired sessions every ten minutes.
pub fn spawn_expired_deletion(store: DbSessionStore) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            match store.delete_expired().await {
                Ok(0) => {}
                Ok(gone) => tracing::info!(gone, "expired sessions deleted"),
                Err(error) => tracing::warn!(%error, "expired sessions could not be deleted"),
            }
        }
    });
}
