//! The overview and environment pages are cut from read models kept in memory: a page load reads nothing the
//! server already knows, every write through tengu makes them read afresh, and on PostgreSQL an instance learns
//! of another's writes through the change feed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tengu_core::domain::{AuditAction, AuditEntry, EnvName};
use tengu_core::ports::{Store, SystemClock, Topics};
use tengu_sql::SqlStore;

async fn sandbox_over(store: &SqlStore, url: &str) -> tengu_core::Tengu {
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    tengu_sandbox::start(shared, Arc::new(SystemClock), url).await.unwrap()
}

fn note(detail: &str) -> AuditEntry {
    AuditEntry {
        at: chrono::Utc::now(),
        actor: "carol".to_owned(),
        action: AuditAction::DeploymentRequested,
        target: "dev".to_owned(),
        detail: detail.to_owned(),
        repo: None,
    }
}

#[tokio::test]
async fn pages_are_cut_from_memory_until_a_write_through_tengu_touches_what_they_show() {
    let database = crate::support::sqlite().await;
    let tengu = sandbox_over(&database, "http://127.0.0.1:3000").await;
    let dev = EnvName::parse("dev").unwrap();
    let home = tengu.home(&crate::support::everyone()).await.unwrap();
    let env = tengu.environment_view(&crate::support::everyone(), &dev).await.unwrap();
    let newest = home.recent_deployments[0].id;
    assert_eq!(env.history[0].id.0, env.latest.as_ref().unwrap().id);

    // Behind tengu's back (no write passes through it), the rows change: the pages do not read them again.
    database.execute_raw("UPDATE deployments SET actor = 'behind-the-back'").await.unwrap();
    let generation = tengu.changes().stamp(Topics::EVERYTHING);
    let again = tengu.home(&crate::support::everyone()).await.unwrap();
    assert_eq!(again, home, "answered from memory");
    assert_eq!(tengu.environment_view(&crate::support::everyone(), &dev).await.unwrap(), env);
    assert_eq!(tengu.changes().stamp(Topics::EVERYTHING), generation, "reading writes nothing");

    // A write that touches nothing shown (a lease) drops nothing.
    let now = chrono::Utc::now();
    tengu.store().take_lease("job test", "me", now, now + chrono::Duration::seconds(5)).await.unwrap();
    assert_eq!(tengu.changes().stamp(Topics::EVERYTHING), generation, "a lease is on no page");
    assert_eq!(tengu.home(&crate::support::everyone()).await.unwrap(), home, "still answered from memory");

    // One write through tengu (an audit entry) and the overview, which shows activity, is read afresh; the
    // environment's page, made of its deployments alone, is not.
    tengu.store().record_audit(&note("a write through tengu")).await.unwrap();
    assert!(tengu.changes().stamp(Topics::EVERYTHING) > generation);
    let fresh = tengu.home(&crate::support::everyone()).await.unwrap();
    assert_eq!(fresh.recent_deployments[0].id, newest);
    assert!(fresh.recent_deployments.iter().all(|d| d.actor == "behind-the-back"));
    assert_eq!(fresh.activity[0].detail, "a write through tengu");
    assert_eq!(
        tengu.environment_view(&crate::support::everyone(), &dev).await.unwrap(),
        env,
        "no deployment was written"
    );

    // A write of a deployment, and the environment's page is read afresh too.
    tengu.store().record_github_deployment(newest, 42).await.unwrap();
    let env = tengu.environment_view(&crate::support::everyone(), &dev).await.unwrap();
    assert!(env.history.iter().all(|d| d.actor == "behind-the-back"));

    // The overview lists live review environments only, at most a bounded number.
    assert!(fresh.review_envs.iter().all(|e| e.state != tengu_core::domain::ReviewEnvState::Stopped));
    assert!(fresh.review_envs.len() <= tengu_core::read_models::LIVE_REVIEW_ENVS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_an_instance_hears_of_another_instances_writes() {
    let database = crate::support::postgres().await;
    let other = database.connect_again().await.unwrap();
    let one = sandbox_over(&database, "http://127.0.0.1:3000").await.with_instance("one");
    let two = sandbox_over(&other, "http://127.0.0.1:3001").await.with_instance("two");
    database.spawn_change_feed(one.instance());
    other.spawn_change_feed(two.instance());
    // Both listen before the write (each counts a change when it starts listening).
    let listening = |tengu: &tengu_core::Tengu| tengu.changes().stamp(Topics::EVERYTHING) > 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(listening(&one) && listening(&two)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = two.overview().await.unwrap();
    assert!(before.activity.iter().all(|e| e.detail != "written by instance one"));

    let written = Instant::now();
    one.store().record_audit(&note("written by instance one")).await.unwrap();
    let mut heard = None;
    while written.elapsed() < Duration::from_secs(10) {
        let overview = two.overview().await.unwrap();
        if overview.activity.first().is_some_and(|e| e.detail == "written by instance one") {
            heard = Some(written.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let heard = heard.expect("instance two never heard of instance one's write");
    println!("instance two read instance one's write after {} ms", heard.as_millis());
    assert_eq!(two.home(&crate::support::everyone()).await.unwrap().activity[0].actor, "carol");
}
