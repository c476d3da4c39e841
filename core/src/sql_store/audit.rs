//! The audit page's query: every filter combined in one statement, newest first.

use super::SqlStore;
use super::rows::{self, millis, query_error};
use crate::domain::{AuditFilter, AuditRow, RepoSlug};
use crate::ports::StoreError;

impl SqlStore {
    pub(super) async fn audit_rows(
        &self,
        filter: &AuditFilter,
        repos: Option<&[RepoSlug]>,
        own: Option<&str>,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |value: Value| {
            values.push(value);
            format!("${}", values.len())
        };
        if let Some(repos) = repos {
            let listed: Vec<String> = repos.iter().map(|r| bind(Value::Text(r.to_string()))).collect();
            let visible =
                if listed.is_empty() { "FALSE".to_owned() } else { format!("repo IN ({})", listed.join(", ")) };
            let own = match own {
                Some(person) => {
                    let (exact, token) =
                        (bind(Value::Text(person.to_owned())), bind(Value::Text(format!("{person} (token #%"))));
                    format!(" OR (repo IS NULL AND (actor = {exact} OR actor LIKE {token}))")
                }
                None => String::new(),
            };
            conditions.push(format!("({visible}{own})"));
        }
        if let Some(actor) = &filter.actor {
            let (exact, token) = (bind(Value::Text(actor.clone())), bind(Value::Text(format!("{actor} (token #%"))));
            conditions.push(format!("(actor = {exact} OR actor LIKE {token})"));
        }
        if let Some(action) = filter.action {
            conditions.push(format!("action = {}", bind(Value::Text(action.as_str().to_owned()))));
        }
        if let Some(about) = &filter.about {
            let (exact, parts) = (bind(Value::Text(about.clone())), bind(Value::Text(format!("{about} %"))));
            conditions.push(format!("(target = {exact} OR target LIKE {parts})"));
        }
        if let Some(env) = &filter.env {
            let env = bind(Value::Text(env.to_string()));
            conditions.push(format!(
                "(target = {env} \
                  OR target IN (SELECT 'deployment ' || CAST(d.id AS TEXT) FROM deployments d WHERE d.env = {env}) \
                  OR EXISTS (SELECT 1 FROM deploy_prs p WHERE p.env = {env} \
                     AND (audit_log.target = p.repo || '#' || CAST(p.number AS TEXT) \
                          OR audit_log.target LIKE p.repo || '#' || CAST(p.number AS TEXT) || ' %')))"
            ));
        }
        if let Some(since) = filter.since {
            conditions.push(format!("at >= {}", bind(Value::Int(millis(since)))));
        }
        if let Some(until) = filter.until {
            conditions.push(format!("at < {}", bind(Value::Int(millis(until)))));
        }
        if let Some(before) = filter.before {
            conditions.push(format!("id < {}", bind(Value::Int(before))));
        }
        let limit = bind(Value::Int(i64::from(filter.limit.clamp(1, 200))));
        let filter_sql =
            if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let sql = format!(
            "SELECT id, at, actor, action, target, detail, repo FROM audit_log {filter_sql} ORDER BY id DESC LIMIT {limit}"
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(number) => query.bind(number),
            };
        }
        let found = query.fetch_all(&self.pool).await.map_err(query_error)?;
        found.iter().map(|row| Ok(AuditRow { id: rows::int(row, "id")?, entry: rows::audit_entry(row)? })).collect()
    }
}

enum Value {
    Text(String),
    Int(i64),
}
