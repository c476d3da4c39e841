//! Every filter of the history and the audit log, and the delivery worker's claim, answers from an index on
//! SQLite and on PostgreSQL: the tables are filled with 100,000 deployments, 100,000 audit entries and 10,000
//! waiting deliveries (the values filtered for are rare, so a plan that reads the whole table shows it), the
//! planners are given statistics, and each statement's plan is read.

use chrono::{TimeZone, Utc};
use tengu_core::domain::{
    AuditAction, AuditFilter, CommitPrefix, DeploymentFilter, DeploymentId, DeploymentState, EnvName, Login, PrNumber,
    RepoSlug,
};
use tengu_core::insights::ChangeKey;
use tengu_sql::{Dialect, Planned, SqlStore};

const ROWS: i64 = 100_000;

async fn fill(store: &SqlStore) {
    // Rare values: environment `qa`, state `failed`, actor `mallory`, action `gate_overridden`, repository
    // `acme/other`, and one deploy PR's entries; everything else is alike.
    store
        .execute_raw(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) \
             INSERT INTO deployments (env, repo, image, sha, trigger_kind, actor, source_prs, task_definitions, \
             state, requested_at, finished_at, deploy_pr) \
             SELECT CASE WHEN i % 997 = 0 THEN 'qa' ELSE 'production' END, \
             CASE WHEN i % 967 = 0 THEN 'acme/other' ELSE 'acme/shop' END, 'shop:' || CAST(i AS TEXT), \
             NULL, 'manual', CASE WHEN i % 983 = 0 THEN 'mallory' ELSE 'alice' END, '[]', '[]', \
             CASE WHEN i % 991 = 0 THEN 'failed' ELSE 'succeeded' END, CAST(i AS BIGINT) * 60000, \
             CASE WHEN i = {ROWS} THEN NULL ELSE CAST(i AS BIGINT) * 60000 + 1000 END, \
             CASE WHEN i % 10 = 0 THEN i / 10 ELSE NULL END FROM n"
        ))
        .await
        .expect("deployments");
    store
        .execute_raw(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) \
             INSERT INTO audit_log (at, actor, action, target, subject, detail, repo, env) \
             SELECT CAST(i AS BIGINT) * 60000, CASE WHEN i % 983 = 0 THEN 'mallory' ELSE 'alice' END, \
             CASE WHEN i % 991 = 0 THEN 'gate_overridden' ELSE 'deployment_requested' END, \
             CASE WHEN i % 9973 = 0 THEN 'acme/shop#12 item ' || CAST(i AS TEXT) ELSE 'deployment ' || CAST(i AS TEXT) END, \
             CASE WHEN i % 9973 = 0 THEN 'acme/shop#12' ELSE 'deployment ' || CAST(i AS TEXT) END, '', CASE WHEN i % 971 = 0 THEN 'acme/other' WHEN i % 13 = 0 THEN NULL ELSE 'acme/shop' END, \
             CASE WHEN i % 997 = 0 THEN 'qa' ELSE 'production' END FROM n"
        ))
        .await
        .expect("audit entries");
    // One pull request with 10,000 edits waiting behind the one being handled, and 100,000 handled deliveries.
    store
        .execute_raw(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) \
             INSERT INTO webhook_deliveries (delivery_id, event, payload, repo, subject, received_at, processed_at, \
             next_attempt_at) \
             SELECT 'd-' || CAST(i AS TEXT), 'pull_request', '{{}}', 'acme/shop', \
             CASE WHEN i % 10 = 0 THEN 'acme/shop#7' ELSE 'acme/shop#' || CAST(i AS TEXT) END, \
             CAST(i AS BIGINT) * 1000, CASE WHEN i % 10 = 0 THEN NULL ELSE CAST(i AS BIGINT) * 1000 + 5 END, \
             CAST(i AS BIGINT) * 1000 FROM n"
        ))
        .await
        .expect("deliveries");
    // What each deployment carried: one source PR (its own number; a rare author), and two commits.
    let hex = match store.dialect() {
        Dialect::Sqlite => "printf('%040x', i * 2 + k)",
        Dialect::Postgres => "lpad(to_hex(i * 2 + k), 40, '0')",
    };
    store
        .execute_raw(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) \
             INSERT INTO deployment_changes (deployment_id, source_pr, sha, author) \
             SELECT i, i, NULL, CASE WHEN i % 983 = 0 THEN 'mallory' ELSE 'alice' END FROM n"
        ))
        .await
        .expect("carried pull requests");
    store
        .execute_raw(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}), \
             k(k) AS (SELECT 0 UNION ALL SELECT 1) \
             INSERT INTO deployment_changes (deployment_id, source_pr, sha, author) \
             SELECT i, i, {hex}, NULL FROM n, k"
        ))
        .await
        .expect("carried commits");
    store.execute_raw("ANALYZE").await.expect("statistics");
}

/// SQLite's `SEARCH t USING ... INDEX i`, or PostgreSQL's `Index Scan using i on t` / `Bitmap Index Scan on i`,
/// for one of `indexes`, and no step that reads the whole table. An index that holds only the rows asked for (a
/// partial index) may be read whole.
fn answers_from(plan: &[String], table: &str, indexes: &[&str]) -> bool {
    let partial = ["deployments_one_unfinished_per_env"];
    let searched = plan.iter().any(|line| {
        let line = line.trim();
        let whole_partial = line.starts_with("SCAN ") && partial.iter().any(|index| line.ends_with(index));
        let sqlite = line.starts_with("SEARCH ") || whole_partial;
        let postgres = line.contains("Index Scan") || line.contains("Index Only Scan");
        (sqlite || postgres) && indexes.iter().any(|index| line.contains(index))
    });
    let whole = plan.iter().any(|line| {
        let line = line.trim();
        line == format!("SCAN {table}") || line.contains(&format!("Seq Scan on {table}"))
    });
    searched && !whole
}

fn at(minute: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_millis_opt(minute * 60_000).unwrap()
}

async fn every_filter_answers_from_an_index(store: &SqlStore) {
    fill(store).await;
    let newest = || DeploymentFilter::newest(50);
    let qa = EnvName::parse("qa").unwrap();
    let (shop, other_repo) = (RepoSlug::parse("acme/shop").unwrap(), RepoSlug::parse("acme/other").unwrap());
    let pr = |n: u64| PrNumber::new(n).unwrap();
    let history = [
        ("environment", DeploymentFilter { env: Some(qa.clone()), ..newest() }, &["deployments_env"][..]),
        ("state", DeploymentFilter { state: Some(DeploymentState::Failed), ..newest() }, &["deployments_state"]),
        (
            "environment and state",
            DeploymentFilter { env: Some(qa.clone()), state: Some(DeploymentState::Failed), ..newest() },
            &["deployments_env_state"],
        ),
        ("who", DeploymentFilter { actor: Some("mallory".into()), ..newest() }, &["deployments_actor"]),
        (
            "dates",
            DeploymentFilter { since: Some(at(5_000)), until: Some(at(5_100)), ..newest() },
            &["deployments_requested_at"],
        ),
        (
            "next page",
            DeploymentFilter { before: Some(DeploymentId(60)), ..newest() },
            &["INTEGER PRIMARY KEY", "deployments_pkey"],
        ),
        ("repository", DeploymentFilter { repo: Some(other_repo.clone()), ..newest() }, &["deployments_repo"]),
        (
            "environment, for a person who sees two repositories",
            DeploymentFilter { env: Some(qa.clone()), repos: Some(vec![shop.clone(), other_repo.clone()]), ..newest() },
            &["deployments_env"],
        ),
        (
            "deploy PR",
            DeploymentFilter { repo: Some(shop.clone()), deploy_pr: Some(pr(4_321)), ..newest() },
            &["deployments_deploy_pr"],
        ),
        (
            "unfinished",
            DeploymentFilter { unfinished: true, ..newest() },
            &["deployments_one_unfinished_per_env", "INTEGER PRIMARY KEY", "deployments_pkey"],
        ),
    ];
    for (what, filter, indexes) in history {
        let plan = store.query_plan(Planned::Deployments(&filter)).await.unwrap();
        assert!(answers_from(&plan, "deployments", indexes), "history by {what} reads the whole table: {plan:#?}");
    }
    // What a deployment carried is found in its own table's index, and the deployments by their ids: neither
    // table is read whole, nor the deployments newest first until enough match.
    let carried = [
        (
            "source pull request",
            DeploymentFilter { source_pr: Some(pr(54_321)), ..newest() },
            "deployment_changes_source_pr",
        ),
        (
            "commit",
            DeploymentFilter {
                commit: Some(CommitPrefix::parse("0000000000000000000000000000000000001a2b").unwrap()),
                ..newest()
            },
            "deployment_changes_sha",
        ),
        (
            "author of a change",
            DeploymentFilter { change_author: Some(Login::parse("mallory").unwrap()), ..newest() },
            "deployment_changes_author",
        ),
        (
            "source pull request of a repository",
            DeploymentFilter { repo: Some(shop.clone()), source_pr: Some(pr(54_321)), ..newest() },
            "deployment_changes_source_pr",
        ),
    ];
    for (what, filter, index) in carried {
        let plan = store.query_plan(Planned::Deployments(&filter)).await.unwrap();
        // By id, or by repository and id (SQLite's way with both filters: one lookup per id either way).
        let by_id = answers_from(
            &plan,
            "deployments",
            &["INTEGER PRIMARY KEY", "deployments_pkey", "deployments_repo (repo=? AND id=?"],
        );
        let walked = plan.iter().any(|l| l.contains("Index Scan Backward using deployments_pkey"));
        assert!(
            answers_from(&plan, "deployment_changes", &[index]) && by_id && !walked,
            "history by {what} reads more than what it asks for: {plan:#?}"
        );
    }
    // A range of dates is first looked for among the newest ids: along the primary key, from its start.
    for filter in [
        DeploymentFilter { since: Some(at(5_000)), until: Some(at(5_100)), ..newest() },
        DeploymentFilter { since: Some(at(5_000)), before: Some(DeploymentId(60)), ..newest() },
    ] {
        let plan = store.query_plan(Planned::DeploymentsRecentWindow(&filter)).await.unwrap();
        let along_the_key = ["INTEGER PRIMARY KEY", "deployments_pkey"];
        assert!(answers_from(&plan, "deployments", &along_the_key), "the newest ids are not a range: {plan:#?}");
    }

    // The insights read an environment's period from its own index, not the whole history.
    let outlines = Planned::DeploymentOutlines { env: &qa, since: at(5_000), until: at(5_100) };
    let plan = store.query_plan(outlines).await.unwrap();
    assert!(answers_from(&plan, "deployments", &["deployments_env_requested"]), "insights read it all: {plan:#?}");
    // Their kept days come from the days' own key; whether a change was delivered before, from the changes' index.
    let days =
        (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    let plan = store.query_plan(Planned::InsightDays { env: &qa, basis: "+00:00 86400s", days }).await.unwrap();
    assert!(
        answers_from(&plan, "insight_days", &["sqlite_autoindex_insight_days_1", "insight_days_pkey"]),
        "{plan:#?}"
    );
    for changes in [vec![ChangeKey::Pr(12), ChangeKey::Pr(13)], vec![ChangeKey::Commit("ab".repeat(20))]] {
        let plan = store
            .query_plan(Planned::DeliveredBefore { env: &qa, before: at(5_000), changes: &changes })
            .await
            .unwrap();
        let indexes = ["deployment_changes_source_pr", "deployment_changes_sha"];
        assert!(answers_from(&plan, "deployment_changes", &indexes), "delivered before reads every change: {plan:#?}");
        let by_id = ["INTEGER PRIMARY KEY", "deployments_pkey", "deployments_env_state (env=? AND state=? AND id=?"];
        assert!(answers_from(&plan, "deployments", &by_id), "{plan:#?}");
    }

    let newest = || AuditFilter { limit: 50, ..AuditFilter::default() };
    let other = [RepoSlug::parse("acme/other").unwrap()];
    let audit: [(&str, AuditFilter, &[&str]); 6] = [
        ("who", AuditFilter { actor: Some("mallory".into()), ..newest() }, &["audit_log_actor"]),
        ("action", AuditFilter { action: Some(AuditAction::GateOverridden), ..newest() }, &["audit_log_action"]),
        ("environment", AuditFilter { env: Some(qa), ..newest() }, &["audit_log_env"]),
        ("thing and its parts", AuditFilter { about: Some("acme/shop#12".into()), ..newest() }, &["audit_log_subject"]),
        ("dates", AuditFilter { since: Some(at(5_000)), until: Some(at(5_100)), ..newest() }, &["audit_log_at"]),
        ("next page", AuditFilter { before: Some(60), ..newest() }, &["INTEGER PRIMARY KEY", "audit_log_pkey"]),
    ];
    for (what, filter, indexes) in audit {
        let plan = store.query_plan(Planned::Audit { filter: &filter, repos: None, own: None }).await.unwrap();
        assert!(answers_from(&plan, "audit_log", indexes), "audit by {what} reads the whole table: {plan:#?}");
    }
    // A person who administers one rarely mentioned repository sees its entries and their own. PostgreSQL's
    // histogram knows the repository is rare and goes through its index. SQLite keeps one average per index (no
    // histogram without STAT4): with three repository values it expects a third of the entries to be visible, so
    // reading newest first until 50 are found is its cheaper plan, and a fine one while a person's repositories
    // are not a tiny part of the log; what it must not do is ignore the index once a filter narrows the rows.
    let filter = newest();
    let plan =
        store.query_plan(Planned::Audit { filter: &filter, repos: Some(&other), own: Some("mallory") }).await.unwrap();
    if store.dialect() == Dialect::Postgres {
        assert!(
            answers_from(&plan, "audit_log", &["audit_log_repo"]),
            "the visible part reads the whole table: {plan:#?}"
        );
    }
    let filter = AuditFilter { actor: Some("mallory".into()), ..newest() };
    let plan =
        store.query_plan(Planned::Audit { filter: &filter, repos: Some(&other), own: Some("mallory") }).await.unwrap();
    assert!(
        answers_from(&plan, "audit_log", &["audit_log_actor"]),
        "a filtered visible part reads everything: {plan:#?}"
    );

    let plan = store.query_plan(Planned::ClaimDeliveries).await.unwrap();
    let whole =
        plan.iter().any(|l| l.trim() == "SCAN webhook_deliveries" || l.contains("Seq Scan on webhook_deliveries"));
    let heads = plan.iter().any(|l| l.contains("webhook_deliveries_subject") || l.contains("webhook_deliveries_due"));
    assert!(heads && !whole, "a claim reads more than the waiting deliveries: {plan:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_answers_every_filter_from_an_index() {
    every_filter_answers_from_an_index(&crate::support::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_answers_every_filter_from_an_index() {
    every_filter_answers_from_an_index(&crate::support::postgres().await).await;
}
