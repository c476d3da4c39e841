use std::path::Path;
use std::str::FromStr;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Executor, PgPool, SqlitePool};

use super::rows::{self, query_error};
use crate::retrying::reading;
use tengu_core::ports::{Changes, StoreError, Topics};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            Err(StoreError::Unavailable(
                "the database URL must start with sqlite: or postgres:// (e.g. sqlite://data/tengu.db)".to_owned(),
            ))
        }
    }
}

/// A pool of the database's own driver. sqlx's `Any` driver, which would hide the difference, copies every value
/// of every row once more: measured on a 50-row history page it took 64 % longer than SQLite's own driver
/// (`make bench`, the `any_vs_native` example).
#[derive(Clone)]
pub(super) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the store's own pool. The body is compiled once for each dialect, so the
/// SQL written once in the subset both dialects share runs on each database's own driver.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::connect::Pool::Sqlite($pool) => $body,
            $crate::connect::Pool::Postgres($pool) => $body,
        }
    };
}
pub(super) use on_pool;

/// `on_pool!` for reads: on SQLite, connections of their own, so that a read never waits for a connection behind
/// writers queued on SQLite's one write lock (a webhook flood held all four, and a page's read model waited 200 ms).
macro_rules! on_read_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.reads {
            $crate::connect::Pool::Sqlite($pool) => $body,
            $crate::connect::Pool::Postgres($pool) => $body,
        }
    };
}
pub(super) use on_read_pool;

/// tengu's records in a SQL database.
#[derive(Clone)]
pub struct SqlStore {
    pub(super) pool: Pool,
    /// The pool `reading!` uses: on SQLite, read-only connections beside the writers' (WAL lets them read while
    /// one writes); on PostgreSQL, the same pool.
    pub(super) reads: Pool,
    /// For the change feed's own PostgreSQL connection (it holds the password: never logged).
    pub(super) url: std::sync::Arc<str>,
    /// Where every write says what it touched (see `retrying::writing`).
    changes: std::sync::Arc<Changes>,
}

impl SqlStore {
    /// Connects (creating a SQLite file and its folder when missing). Does not migrate: call `migrate`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let dialect = Dialect::of_url(url)?;
        let mut url = url.to_owned();
        if dialect == Dialect::Sqlite {
            prepare_sqlite_file(&url)?;
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let given_url: std::sync::Arc<str> = url.as_str().into();
        let unusable = |e: sqlx::Error| StoreError::Unavailable(e.to_string());
        let (pool, reads) = match dialect {
            Dialect::Sqlite => {
                // WAL lets readers work while one writer writes; the busy timeout queues writers instead of
                // failing them.
                let options = SqliteConnectOptions::from_str(&url)
                    .map_err(unusable)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true);
                // A SQLite connection is a file handle that nothing on the other side can close: pinging it
                // before each use only costs a round trip through its worker thread.
                let pool_of = |options: SqliteConnectOptions| {
                    SqlitePoolOptions::new().max_connections(4).test_before_acquire(false).connect_with(options)
                };
                let pool = pool_of(options.clone()).await.map_err(unusable)?;
                // Opened after the writers' pool, which created the file and turned WAL on.
                let reads = pool_of(options.read_only(true)).await.map_err(unusable)?;
                (Pool::Sqlite(pool), Pool::Sqlite(reads))
            }
            Dialect::Postgres => {
                // A PostgreSQL server can drop a connection: each is checked before use.
                let options = PgConnectOptions::from_str(&url).map_err(unusable)?;
                let pool = PgPoolOptions::new().max_connections(10).connect_with(options).await.map_err(unusable)?;
                (Pool::Postgres(pool.clone()), Pool::Postgres(pool))
            }
        };
        Ok(Self { pool, reads, url: given_url, changes: Default::default() })
    }

    /// Another connection to the same database, with changes of its own: another instance, as far as the change
    /// feed can tell (tests and tools).
    pub async fn connect_again(&self) -> Result<Self, StoreError> {
        Self::connect(&self.url).await
    }

    /// Tells whoever reads from memory that a write touched `topics` (only `writing!` calls this).
    pub(crate) fn announce(&self, topics: Topics) {
        self.changes.wrote(topics);
    }

    pub fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Applies the migrations of this dialect that the database does not have yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let result = match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("../../migrations/sqlite").run(pool).await,
            Pool::Postgres(pool) => sqlx::migrate!("../../migrations/postgres").run(pool).await,
        };
        result.map_err(|e| StoreError::Query(format!("migrating the database failed: {e}")))?;
        self.fill_review_env_hosts().await?;
        self.fill_audit_envs().await
    }

    /// Review environments stored before their host had a column get it from their URL (once; a no-op after).
    async fn fill_review_env_hosts(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let missing = sqlx::query("SELECT repo, pr, url FROM review_envs WHERE host IS NULL")
                .fetch_all(pool)
                .await
                .map_err(query_error)?;
            for row in &missing {
                let (repo, pr, url) = (rows::text(row, "repo")?, rows::int(row, "pr")?, rows::text(row, "url")?);
                sqlx::query("UPDATE review_envs SET host = $1 WHERE repo = $2 AND pr = $3")
                    .bind(tengu_core::domain::ReviewEnv::host_of(&url).to_ascii_lowercase())
                    .bind(repo)
                    .bind(pr)
                    .execute(pool)
                    .await
                    .map_err(query_error)?;
            }
        });
        Ok(())
    }

    /// Runs one statement that takes no parameters (administration: creating a test database).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| pool.execute(sql).await.map(drop).map_err(|e| StoreError::Query(e.to_string()))?);
        Ok(())
    }

    /// How many rows a table holds (administration and tests); the name must be a plain identifier.
    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        self.count_rows_where(table, "TRUE").await
    }

    /// How many rows of a table meet a condition written by the caller (administration and tests, like
    /// `execute_raw`: never with text from outside).
    pub async fn count_rows_where(&self, table: &str, condition: &str) -> Result<i64, StoreError> {
        if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Query(format!("{table:?} is not a table name")));
        }
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).fetch_one(pool).await.map_err(|e| StoreError::Query(e.to_string()))?;
            rows::int(&row, "n")
        })
    }

    /// Tells the other instances what this one wrote and had not told yet, then closes the connections.
    pub async fn close(&self) {
        self.tell_untold().await;
        on_pool!(self, |pool| pool.close().await);
    }
}

#[async_trait::async_trait]
impl tengu_core::ports::Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        reading!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await.map_err(query_error)?;
            Ok(())
        })
    }

    fn changes(&self) -> std::sync::Arc<Changes> {
        self.changes.clone()
    }
}

fn prepare_sqlite_file(url: &str) -> Result<(), StoreError> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Unavailable(format!("cannot create the folder {}: {e}", parent.display())))?;
    }
    Ok(())
}
