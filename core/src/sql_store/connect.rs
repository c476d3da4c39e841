use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::ports::StoreError;

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

/// tengu's records in a SQL database.
#[derive(Clone)]
pub struct SqlStore {
    pub(super) pool: AnyPool,
    dialect: Dialect,
    /// For the change feed's own PostgreSQL connection (it holds the password: never logged).
    pub(super) url: std::sync::Arc<str>,
}

impl SqlStore {
    /// Connects (creating a SQLite file and its folder when missing). Does not migrate: call `migrate`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url)?;
        let mut url = url.to_owned();
        if dialect == Dialect::Sqlite {
            prepare_sqlite_file(&url)?;
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let given_url: std::sync::Arc<str> = url.as_str().into();
        let options = AnyConnectOptions::from_str(&url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(match dialect {
                Dialect::Sqlite => 4,
                Dialect::Postgres => 10,
            })
            // A SQLite connection is a file handle that nothing on the other side can close: pinging it before
            // each use only costs a round trip through its worker thread. A PostgreSQL server can drop one.
            .test_before_acquire(dialect == Dialect::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers work while one writer writes; the busy timeout queues writers
                        // instead of failing them.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self { pool, dialect, url: given_url })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Applies the migrations of this dialect that the database does not have yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let result = match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("../migrations/sqlite").run(&self.pool).await,
            Dialect::Postgres => sqlx::migrate!("../migrations/postgres").run(&self.pool).await,
        };
        result.map_err(|e| StoreError::Query(format!("migrating the database failed: {e}")))?;
        self.fill_review_env_hosts().await?;
        self.fill_audit_envs().await
    }

    /// Review environments stored before their host had a column get it from their URL (once; a no-op after).
    async fn fill_review_env_hosts(&self) -> Result<(), StoreError> {
        use sqlx::Row;
        let missing = sqlx::query("SELECT repo, pr, url FROM review_envs WHERE host IS NULL")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StoreError::Query(e.to_string()))?;
        for row in &missing {
            let (repo, pr, url): (String, i64, String) = (
                row.try_get("repo").map_err(|e| StoreError::Corrupt(e.to_string()))?,
                row.try_get("pr").map_err(|e| StoreError::Corrupt(e.to_string()))?,
                row.try_get("url").map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
            sqlx::query("UPDATE review_envs SET host = $1 WHERE repo = $2 AND pr = $3")
                .bind(crate::domain::ReviewEnv::host_of(&url).to_ascii_lowercase())
                .bind(repo)
                .bind(pr)
                .execute(&self.pool)
                .await
                .map_err(|e| StoreError::Query(e.to_string()))?;
        }
        Ok(())
    }

    /// Runs one statement that takes no parameters (administration: creating a test database).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        self.pool.execute(sql).await.map_err(|e| StoreError::Query(e.to_string()))?;
        Ok(())
    }

    /// How many rows a table holds (administration and tests); the name must be a plain identifier.
    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        self.count_rows_where(table, "TRUE").await
    }

    /// How many rows of a table meet a condition written by the caller (administration and tests, like
    /// `execute_raw`: never with text from outside).
    pub async fn count_rows_where(&self, table: &str, condition: &str) -> Result<i64, StoreError> {
        use sqlx::Row;
        if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Query(format!("{table:?} is not a table name")));
        }
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}"))
            .fetch_one(&self.pool)
            .await
            .map_err(|e| StoreError::Query(e.to_string()))?;
        row.try_get::<i64, _>("n").map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    pub async fn close(&self) {
        self.pool.close().await;
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
