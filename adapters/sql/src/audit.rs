//! The audit page's query: every filter combined in one statement, newest first.

use super::connect::on_pool;
use super::rows::{self, Bound, bind_all, millis, query_error};
use super::{Dialect, SqlStore};
use crate::retrying::{reading, writing};
use tengu_core::domain::{AuditEntry, AuditFilter, AuditRow, EnvName, RepoSlug};
use tengu_core::ports::StoreError;
use tengu_core::ports::Topic;

/// What an audit entry's target names, as far as its environment goes.
enum TargetOf<'t> {
    Deployment(i64),
    DeployPr(&'t str, i64),
    Environment(&'t str),
    Nothing,
}

fn target_of(target: &str) -> TargetOf<'_> {
    if let Some(id) = target.strip_prefix("deployment ").and_then(|id| id.parse().ok()) {
        return TargetOf::Deployment(id);
    }
    // `acme/shop#12`, or `acme/shop#12 item 3`: a deploy PR (a review environment's target starts otherwise).
    let first = target.split(' ').next().unwrap_or_default();
    if let Some((repo, number)) = first.split_once('#')
        && let Ok(number) = number.parse()
        && RepoSlug::parse(repo).is_ok()
    {
        return TargetOf::DeployPr(repo, number);
    }
    if !target.contains(' ') && EnvName::parse(target).is_ok() {
        return TargetOf::Environment(target);
    }
    TargetOf::Nothing
}

/// The thing an entry's target names without the part of it: `acme/shop#12` for `acme/shop#12 item 3`.
fn subject_of(target: &str) -> &str {
    match target.split_once(" item ") {
        Some((thing, item)) if item.parse::<u64>().is_ok() => thing,
        _ => target,
    }
}

/// Audit writes on a connection of either dialect (inside the transaction of the change they record).
pub(super) trait AuditOn {
    /// The environment an audit entry is about ('' for none).
    async fn env_of_target(&mut self, target: &str) -> Result<String, StoreError>;
    /// Writes one audit entry with its environment and subject worked out.
    async fn insert_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError>;
}

macro_rules! audit_on {
    ($connection:ty) => {
        impl AuditOn for $connection {
            async fn env_of_target(&mut self, target: &str) -> Result<String, StoreError> {
                let found = match target_of(target) {
                    TargetOf::Deployment(id) => sqlx::query("SELECT env FROM deployments WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *self)
                        .await
                        .map_err(query_error)?,
                    TargetOf::DeployPr(repo, number) => {
                        sqlx::query("SELECT env FROM deploy_prs WHERE repo = $1 AND number = $2")
                            .bind(repo.to_owned())
                            .bind(number)
                            .fetch_optional(&mut *self)
                            .await
                            .map_err(query_error)?
                    }
                    TargetOf::Environment(env) => return Ok(env.to_owned()),
                    TargetOf::Nothing => None,
                };
                found.map(|row| rows::text(&row, "env")).transpose().map(Option::unwrap_or_default)
            }

            async fn insert_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
                let env = self.env_of_target(&entry.target).await?;
                sqlx::query(
                    "INSERT INTO audit_log (at, actor, action, target, detail, repo, env, subject) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(millis(entry.at))
                .bind(entry.actor.clone())
                .bind(entry.action.as_str())
                .bind(entry.target.clone())
                .bind(entry.detail.clone())
                .bind(entry.repo.as_ref().map(ToString::to_string))
                .bind(env)
                .bind(subject_of(&entry.target).to_owned())
                .execute(&mut *self)
                .await
                .map_err(query_error)?;
                Ok(())
            }
        }
    };
}
audit_on!(sqlx::SqliteConnection);
audit_on!(sqlx::PgConnection);

impl SqlStore {
    /// Entries written before the audit log kept environments and subjects get theirs (once; a no-op after).
    pub(super) async fn fill_audit_envs(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            let missing = sqlx::query("SELECT id, target FROM audit_log WHERE env IS NULL")
                .fetch_all(&mut *conn)
                .await
                .map_err(query_error)?;
            for row in &missing {
                let (id, target) = (rows::int(row, "id")?, rows::text(row, "target")?);
                let env = conn.env_of_target(&target).await?;
                sqlx::query("UPDATE audit_log SET env = $1, subject = $2 WHERE id = $3")
                    .bind(env)
                    .bind(subject_of(&target).to_owned())
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(query_error)?;
            }
        });
        Ok(())
    }

    pub(super) async fn audit_rows(
        &self,
        filter: &AuditFilter,
        repos: Option<&[RepoSlug]>,
        own: Option<&str>,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let (sql, values) = audit_query(filter, repos, own, self.dialect());
        on_pool!(self, |pool| {
            let found = bind_all(sqlx::query(&sql), values).fetch_all(pool).await.map_err(query_error)?;
            found.iter().map(|row| Ok(AuditRow { id: rows::int(row, "id")?, entry: rows::audit_entry(row)? })).collect()
        })
    }
}

/// The audit page's statement and its values: every filter combined, newest first.
///
/// "Begins with" is a range over the column's bytes (PostgreSQL compares them under the "C" collation, as its
/// indexes on these columns are built), so it answers from an index and treats `%` and `_` as themselves.
pub(super) fn audit_query(
    filter: &AuditFilter,
    repos: Option<&[RepoSlug]>,
    own: Option<&str>,
    dialect: Dialect,
) -> (String, Vec<Bound>) {
    let bytewise = |column: &str| match dialect {
        Dialect::Sqlite => column.to_owned(),
        Dialect::Postgres => format!("{column} COLLATE \"C\""),
    };
    let actor_col = bytewise("actor");
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Bound> = Vec::new();
    let mut bind = |value: Bound| {
        values.push(value);
        format!("${}", values.len())
    };
    if let Some(repos) = repos {
        let listed: Vec<String> = repos.iter().map(|r| bind(Bound::Text(r.to_string()))).collect();
        let visible = if listed.is_empty() { "FALSE".to_owned() } else { format!("repo IN ({})", listed.join(", ")) };
        let own = match own {
            Some(person) => {
                let exact = bind(Bound::Text(person.to_owned()));
                let (from, to) = prefix_range(&format!("{person} (token #"));
                let (from, to) = (bind(Bound::Text(from)), bind(Bound::Text(to)));
                // Three flat alternatives, each answered by its own index.
                format!(
                    " OR ({actor_col} = {exact} AND repo IS NULL) \
                     OR ({actor_col} >= {from} AND {actor_col} < {to} AND repo IS NULL)"
                )
            }
            None => String::new(),
        };
        conditions.push(format!("({visible}{own})"));
    }
    if let Some(actor) = &filter.actor {
        let exact = bind(Bound::Text(actor.clone()));
        let (from, to) = prefix_range(&format!("{actor} (token #"));
        let (from, to) = (bind(Bound::Text(from)), bind(Bound::Text(to)));
        conditions.push(format!("({actor_col} = {exact} OR ({actor_col} >= {from} AND {actor_col} < {to}))"));
    }
    if let Some(action) = filter.action {
        conditions.push(format!("action = {}", bind(Bound::Text(action.as_str().to_owned()))));
    }
    if let Some(about) = &filter.about {
        let about = bind(Bound::Text(about.clone()));
        conditions.push(format!("(subject = {about} OR target = {about})"));
    }
    if let Some(env) = &filter.env {
        conditions.push(format!("env = {}", bind(Bound::Text(env.to_string()))));
    }
    if let Some(since) = filter.since {
        conditions.push(format!("at >= {}", bind(Bound::Int(millis(since)))));
    }
    if let Some(until) = filter.until {
        conditions.push(format!("at < {}", bind(Bound::Int(millis(until)))));
    }
    if let Some(before) = filter.before {
        conditions.push(format!("id < {}", bind(Bound::Int(before))));
    }
    let limit = bind(Bound::Int(i64::from(filter.limit.clamp(1, 200))));
    let filter_sql = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let sql = format!(
        "SELECT id, at, actor, action, target, detail, repo FROM audit_log {filter_sql} ORDER BY id DESC LIMIT {limit}"
    );
    (sql, values)
}

/// The strings that begin with `prefix` are those from `prefix` up to (not including) `prefix` with its last
/// character one higher; the prefixes used here end in an ASCII character.
fn prefix_range(prefix: &str) -> (String, String) {
    let mut to = prefix.to_owned();
    let last = to.pop().map_or('\u{1}', |c| char::from_u32(u32::from(c) + 1).unwrap_or(char::MAX));
    to.push(last);
    (prefix.to_owned(), to)
}

#[async_trait::async_trait]
impl tengu_core::ports::AuditStore for SqlStore {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        writing!(self, Topic::Audit, |pool| {
            let mut conn = pool.acquire().await.map_err(query_error)?;
            conn.insert_audit(entry).await
        })
    }
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        reading!(self, |pool| {
            let found =
                sqlx::query("SELECT at, actor, action, target, detail, repo FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await
                    .map_err(query_error)?;
            found.iter().map(rows::audit_entry).collect()
        })
    }
    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        repos: Option<&[RepoSlug]>,
        own: Option<&str>,
    ) -> Result<Vec<AuditRow>, StoreError> {
        reading!(self.audit_rows(filter, repos, own).await)
    }
}
