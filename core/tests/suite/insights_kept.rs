//! The insights' day rollups, kept as deployments finish, give the very numbers worked out at once from the whole
//! history: after a success that a rollback two hours later makes a failure, a failure that a success restores
//! three days later (its day kept again although outside the failure window), and a change carried again that
//! counts once. On SQLite and PostgreSQL.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tengu_core::Tengu;
use tengu_core::domain::{
    Actor, CarriedChange, DeploymentMove, DeploymentState, EnvName, ImageRef, NewDeployment, PrNumber, RepoSlug,
    Trigger, Viewer,
};
use tengu_core::insights::{ChangeKey, FailureKind, InsightRules, Insights, insights};
use tengu_core::ports::{Clock, DeploymentInsert, ManualClock, Store};
use tengu_core::screens::InsightsQuery;

/// A deployment of production requested `at`, ended `minutes` later.
async fn finished(
    store: &Arc<dyn Store>,
    (trigger, end): (Trigger, DeploymentState),
    at: DateTime<Utc>,
    minutes: i64,
    prs: &[u64],
) -> i64 {
    let prs: Vec<PrNumber> = prs.iter().map(|n| PrNumber::new(*n).unwrap()).collect();
    let inserted = store
        .insert_deployment(&NewDeployment {
            env: EnvName::parse("production").unwrap(),
            repo: RepoSlug::parse("acme/shop").unwrap(),
            image: ImageRef::parse("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/shop:kept").unwrap(),
            sha: None,
            trigger,
            actor: "alice".into(),
            carried: prs.iter().map(|n| CarriedChange::pull_request(*n, None)).collect(),
            source_prs: prs,
            requested_at: at,
            task_definitions: Vec::new(),
            deploy_pr: None,
            idempotency_key: None,
            needs_approval: false,
            note: None,
        })
        .await
        .unwrap();
    let DeploymentInsert::Started(id) = inserted else { panic!("production was busy: {inserted:?}") };
    let end_at = at + Duration::minutes(minutes);
    let change = DeploymentMove {
        from: DeploymentState::Requested,
        to: end,
        task_definitions: &[],
        reason: None,
        at: end_at,
        finished_at: Some(end_at),
    };
    assert!(store.move_deployment(id, &change).await.unwrap());
    id.0
}

/// The page's numbers (from the kept rollups), checked against those worked out from every deployment at once.
async fn kept_and_checked(tengu: &Tengu) -> Insights {
    let query = InsightsQuery { range: Some("90".into()), ..InsightsQuery::default() };
    let page = tengu.insights_page(&Viewer::trusted(Actor::System), &query).await.unwrap();
    let production = EnvName::parse("production").unwrap();
    let far = Duration::days(3650);
    let everything =
        tengu.deploy_facts(&production, page.now.period.from - far, page.now.period.to + far).await.unwrap();
    let rules = InsightRules::default();
    assert_eq!(page.now, insights(&everything, page.now.period, rules), "the kept days say what the history says");
    assert_eq!(page.before, insights(&everything, page.before.period, rules), "and so for the period before");
    page.now
}

async fn story(store: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()));
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000").await.unwrap();
    let production = EnvName::parse("production").unwrap();
    let start = clock.now();
    let seeded = kept_and_checked(&tengu).await;
    assert!(seeded.frequency.deployments > 0, "the sandbox's history is kept from its start");

    let button = (Trigger::Button, DeploymentState::Succeeded);
    let shipped = finished(&store, button, start + Duration::hours(1), 10, &[9001]).await;
    let rollback =
        finished(&store, (Trigger::Rollback, DeploymentState::Succeeded), start + Duration::hours(3), 5, &[]).await;
    clock.advance(Duration::hours(4));
    tengu.keep_insights(&production).await.unwrap();
    let now = kept_and_checked(&tengu).await;
    assert!(now.failure_rate.failed.contains(&(shipped, FailureKind::ReplacedByRollback(rollback))));

    let failed = (Trigger::Button, DeploymentState::Failed);
    let broken = finished(&store, failed, start + Duration::days(1), 10, &[9002]).await;
    clock.advance(Duration::days(1));
    tengu.keep_insights(&production).await.unwrap();
    let broken_again = finished(&store, failed, start + Duration::days(3), 10, &[9002]).await;
    clock.advance(Duration::days(2));
    // Two instances catching up at once write the same days: neither fails.
    let (one, other) = tokio::join!(tengu.keep_insights(&production), tengu.keep_insights(&production));
    one.unwrap();
    other.unwrap();
    let fixed = finished(&store, button, start + Duration::days(4), 10, &[9001, 9002]).await;
    clock.advance(Duration::days(1));
    // Not kept by a finish this time: the page catches up before it reads.
    let now = kept_and_checked(&tengu).await;
    let restored: Vec<(i64, Option<i64>)> = now.restore.restorations.iter().map(|r| (r.failed, r.by)).collect();
    assert!(restored.contains(&(broken, Some(fixed))), "three days later, out of the failure window: {restored:?}");
    assert!(restored.contains(&(broken_again, Some(fixed))));
    let delivered: Vec<(i64, ChangeKey)> =
        now.lead_time.samples.iter().map(|s| (s.deployment, s.change.clone())).collect();
    assert!(delivered.contains(&(shipped, ChangeKey::Pr(9001))) && delivered.contains(&(fixed, ChangeKey::Pr(9002))));
    assert!(!delivered.contains(&(fixed, ChangeKey::Pr(9001))), "delivered on a day before those kept again");
    // What the days kept again learn of the changes delivered before them (beyond the deployments they read).
    let asked = [ChangeKey::Pr(9001), ChangeKey::Pr(9002), ChangeKey::Commit("0".repeat(40))];
    let before_fix = store.delivered_before(&production, start + Duration::days(4), &asked).await.unwrap();
    assert_eq!(before_fix, [ChangeKey::Pr(9001)].into(), "9002 failed twice before it was delivered");
    assert!(store.delivered_before(&production, start, &asked).await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_keeps_the_insights_days_as_deployments_finish() {
    story(Arc::new(crate::support::sqlite().await)).await;
}

#[tokio::test]
async fn postgres_keeps_the_insights_days_as_deployments_finish() {
    story(Arc::new(crate::support::postgres().await)).await;
}
