//! The history page's query: every filter combined in one statement, newest first.

use super::deployments::DEPLOYMENT_COLUMNS;
use super::reads_on::number;
use super::rows::{Bound, millis};
use tengu_core::domain::DeploymentFilter;

/// How many of the newest ids a date range is first looked for among.
pub(super) const RECENT_WINDOW: i64 = 5_000;

/// The statement and its values for one page of deployments.
pub(super) fn deployments_query(filter: &DeploymentFilter) -> (String, Vec<Bound>) {
    query_of(filter, false)
}

/// For a range of dates, the same page looked for among the `RECENT_WINDOW` ids below the page's start only,
/// newest first along the primary key: exact when it finds a whole page (every newer id was looked at), and
/// a few thousand rows read at most. A range that reaches the present, the common question, ends here.
pub(super) fn recent_window_query(filter: &DeploymentFilter) -> Option<(String, Vec<Bound>)> {
    (filter.since.is_some() || filter.until.is_some()).then(|| query_of(filter, true))
}

fn query_of(filter: &DeploymentFilter, recent_window: bool) -> (String, Vec<Bound>) {
    // In the window, the date terms must not steer the plan to their index (`+` keeps them out of it).
    let requested_at = if recent_window { "+requested_at" } else { "requested_at" };
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Bound> = Vec::new();
    let mut bind = |value: Bound| {
        values.push(value);
        format!("${}", values.len())
    };
    if let Some(env) = &filter.env {
        conditions.push(format!("env = {}", bind(Bound::Text(env.to_string()))));
    }
    if let Some(repo) = &filter.repo {
        conditions.push(format!("repo = {}", bind(Bound::Text(repo.to_string()))));
    }
    if let Some(repos) = &filter.repos {
        let listed: Vec<String> = repos.iter().map(|r| bind(Bound::Text(r.to_string()))).collect();
        conditions.push(match listed.is_empty() {
            true => "1 = 0".to_owned(),
            false => format!("repo IN ({})", listed.join(", ")),
        });
    }
    if let Some(deploy_pr) = filter.deploy_pr {
        conditions.push(format!("deploy_pr = {}", bind(Bound::Int(number(deploy_pr)))));
    }
    // What a deployment carried is looked up in its own table's indexes; the deployments follow by id.
    if let Some(source_pr) = filter.source_pr {
        let pr = bind(Bound::Int(number(source_pr)));
        conditions.push(format!("id IN (SELECT deployment_id FROM deployment_changes WHERE source_pr = {pr})"));
    }
    if let Some(prefix) = &filter.commit {
        let (from, to) = (bind(Bound::Text(prefix.as_str().to_owned())), bind(Bound::Text(prefix.upper_bound())));
        conditions
            .push(format!("id IN (SELECT deployment_id FROM deployment_changes WHERE sha >= {from} AND sha < {to})"));
    }
    if let Some(author) = &filter.change_author {
        let author = bind(Bound::Text(author.to_string()));
        conditions.push(format!("id IN (SELECT deployment_id FROM deployment_changes WHERE author = {author})"));
    }
    if let Some(state) = filter.state {
        conditions.push(format!("state = {}", bind(Bound::Text(state.as_str().to_owned()))));
    }
    if let Some(actor) = &filter.actor {
        conditions.push(format!("actor = {}", bind(Bound::Text(actor.clone()))));
    }
    if let Some(since) = filter.since {
        conditions.push(format!("{requested_at} >= {}", bind(Bound::Int(millis(since)))));
    }
    if let Some(until) = filter.until {
        conditions.push(format!("{requested_at} < {}", bind(Bound::Int(millis(until)))));
    }
    if let Some(before) = filter.before {
        conditions.push(format!("id < {}", bind(Bound::Int(before.0))));
    }
    if recent_window {
        let start = match filter.before {
            Some(before) => bind(Bound::Int(before.0)),
            None => "(SELECT COALESCE(MAX(id), 0) + 1 FROM deployments)".to_owned(),
        };
        conditions.push(format!("id >= {start} - {RECENT_WINDOW}"));
    }
    if filter.unfinished {
        // Through the partial index of unfinished ones, which holds a row per running environment at most.
        conditions.push("id IN (SELECT id FROM deployments WHERE finished_at IS NULL)".to_owned());
    }
    let limit = bind(Bound::Int(i64::from(filter.limit)));
    let filter_sql = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    if !recent_window && (filter.since.is_some() || filter.until.is_some()) {
        // A range of dates is read from the index alone (it holds the ids): the newest ids in range are picked
        // there, and only their rows are read. Read whole, a year's range fetched every row before sorting
        // (54 ms at 100,000 rows on SQLite, which has no histogram to prefer the primary key).
        let newest_ids = format!("SELECT id FROM deployments {filter_sql} ORDER BY id DESC LIMIT {limit}");
        return (
            format!("SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE id IN ({newest_ids}) ORDER BY id DESC"),
            values,
        );
    }
    (format!("SELECT {DEPLOYMENT_COLUMNS} FROM deployments {filter_sql} ORDER BY id DESC LIMIT {limit}"), values)
}
