//! Real `tengu serve` processes: stopped with SIGTERM while browsers watch a rollout live; killed with SIGKILL in
//! the middle of a rollout and of a delivery, then restarted.

use std::time::Duration;

use crate::support::process::{Served, sqlite_url};
use leptos::server_fn::ServerFn;
use tengu_app::api::PressRedeploy;
use tengu_core::ports::AuditStore;
use tengu_core::ports::DeliveryStore;
use tengu_core::ports::DeployPrStore;
use tengu_core::ports::DeploymentStore;
use tengu_core::ports::DocumentStore;
use tengu_sql::SqlStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_live_rollout_streams_open_exits_within_ten_seconds() {
    let mut served = Served::start(&sqlite_url("sigterm"), &[]).await;
    let cookie = served.sign_in("alice").await;
    // Three browsers watch production's rollout; each stream has sent its first frame and stays open.
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut answer = served
            .http
            .get(served.url("/api/live?page=/environments/production"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), reqwest::StatusCode::OK);
        let first = tokio::time::timeout(Duration::from_secs(10), answer.chunk()).await.unwrap().unwrap().unwrap();
        assert!(String::from_utf8_lossy(&first).contains("environment-rollout"), "a first frame");
        streams.push(answer);
    }
    served.signal("TERM");
    let (took, status) = served.wait_for_exit(Duration::from_secs(15));
    let status = status.expect("the process ended");
    assert!(took < Duration::from_secs(10), "it took {took:?}");
    assert!(status.success(), "a clean stop: {status:?}");
    eprintln!("SIGTERM with 3 live streams open: exited in {} ms", took.as_millis());
    // The streams ended rather than being left hanging.
    for mut stream in streams {
        let rest =
            tokio::time::timeout(Duration::from_secs(2), async { while let Ok(Some(_)) = stream.chunk().await {} });
        assert!(rest.await.is_ok(), "the stream ended");
    }
}

/// The sandbox's simulated ECS as the database holds it: how many UpdateService calls each dev service received.
async fn dev_updates(store: &SqlStore) -> Vec<(String, u64)> {
    let world = store.load_document(tengu_sandbox::DOCUMENT_KEY).await.unwrap().expect("the sandbox world");
    let world: tengu_sandbox::World = serde_json::from_str(&world).unwrap();
    world
        .services
        .iter()
        .filter(|s| s.cluster.as_str() == "shop-dev")
        .map(|s| (s.service.to_string(), s.updates))
        .collect()
}

async fn wait_for<T>(what: &str, limit: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: not within {limit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_rollout_and_mid_delivery_finishes_both_after_a_restart_once() {
    use tengu_core::domain::{DeploymentFilter, DeploymentState, EnvName, Trigger};
    let url = sqlite_url("crash");
    let mut first = Served::start(&url, &[]).await;
    let port = first.port();
    let store = SqlStore::connect(&url).await.unwrap();
    let dev = EnvName::parse("dev").unwrap();
    let history = || DeploymentFilter { env: Some(dev.clone()), ..DeploymentFilter::newest(1000) };
    let before = store.recent_deployments(&history()).await.unwrap().len();
    let updates_before = dev_updates(&store).await;

    // alice presses Redeploy on dev; the sandbox's rollout takes 20 s.
    let cookie = first.sign_in("alice").await;
    let (status, answer) = first.call(&cookie, <PressRedeploy as ServerFn>::PATH, "env=dev&key=crash-1").await;
    assert!(status.is_success(), "{status}: {answer}");
    let rolling = wait_for("the rollout under way", Duration::from_secs(30), async || {
        let newest = store.recent_deployments(&history()).await.unwrap().into_iter().next()?;
        (newest.state == DeploymentState::RollingOut).then_some(newest)
    })
    .await;
    assert_eq!(rolling.trigger, Trigger::Redeploy);
    first.signal("KILL");
    assert!(first.wait_for_exit(Duration::from_secs(10)).1.is_some(), "killed");
    drop(first);
    let after_kill = store.deployment(rolling.id).await.unwrap().unwrap();
    assert!(!after_kill.state.is_terminal(), "the kill came mid-rollout: {:?}", after_kill.state);
    let updated: Vec<u64> = dev_updates(&store).await.iter().zip(&updates_before).map(|(a, b)| a.1 - b.1).collect();
    assert!(updated.iter().all(|n| *n == 1), "each dev service was updated once before the kill: {updated:?}");

    // While it is down, GitHub's delivery of an edit is stored (the receiver stored it and died before handling).
    let pr = store.open_deploy_prs().await.unwrap().into_iter().find(|p| p.env == dev).unwrap();
    let owed = pr.items.iter().find(|i| i.verified.is_none()).expect("an unticked item on dev").clone();
    let mut payload: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/github-webhooks/pull_request.opened.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let world = store.load_document(tengu_sandbox::DOCUMENT_KEY).await.unwrap().unwrap();
    let world: tengu_sandbox::World = serde_json::from_str(&world).unwrap();
    let body = &world.pulls[&pr.number.get()].body;
    payload["action"] = serde_json::json!("edited");
    payload["changes"] = serde_json::json!({ "body": { "from": body } });
    payload["number"] = serde_json::json!(pr.number.get());
    payload["repository"]["full_name"] = serde_json::json!(pr.repo.to_string());
    payload["pull_request"]["number"] = serde_json::json!(pr.number.get());
    payload["pull_request"]["body"] =
        serde_json::json!(tengu_core::checklist_body::set_checked(body, owed.source.number, true).unwrap());
    payload["pull_request"]["base"]["ref"] = serde_json::json!(pr.base.as_str());
    payload["pull_request"]["head"]["ref"] = serde_json::json!(pr.head.as_str());
    payload["sender"]["login"] = serde_json::json!(owed.source.author.to_string());
    let stored = tengu_core::ports::StoredDelivery {
        delivery_id: "crash-delivery-1".into(),
        event: "pull_request".into(),
        payload: payload.to_string(),
        received_at: chrono::Utc::now(),
        repo: Some(pr.repo.clone()),
        subject: Some(format!("{}{}", pr.repo, pr.number)),
        attempts: 0,
    };
    assert!(store.record_delivery(&stored).await.unwrap());

    // The restart (same port, so the same instance name: its own leases are taken back at once).
    let _second = Served::start_on(port, &url, &[]).await;
    let done = wait_for("the rollout finished by the restarted server", Duration::from_secs(90), async || {
        let now = store.deployment(rolling.id).await.unwrap().unwrap();
        now.state.is_terminal().then_some(now)
    })
    .await;
    assert_eq!(done.state, DeploymentState::Succeeded, "as the simulated ECS dictates: {:?}", done.reason);
    assert_eq!(store.recent_deployments(&history()).await.unwrap().len(), before + 1, "in history once");
    let updated: Vec<u64> = dev_updates(&store).await.iter().zip(&updates_before).map(|(a, b)| a.1 - b.1).collect();
    assert!(updated.iter().all(|n| *n == 1), "no service was updated twice: {updated:?}");

    let handled = wait_for("the stored delivery handled", Duration::from_secs(30), async || {
        let record = store.delivery("crash-delivery-1").await.unwrap()?;
        record.processed_at.map(|_| record)
    })
    .await;
    assert!(handled.outcome.as_deref().unwrap().starts_with("1 checklist item(s) changed"), "{:?}", handled.outcome);
    let now = store.deploy_pr(&pr.repo, pr.number).await.unwrap().unwrap();
    assert_eq!(
        now.item(owed.source.number).unwrap().verified.as_ref().map(|v| v.by.clone()),
        Some(owed.source.author.to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgresql_share_the_work_and_one_finishes_what_the_other_started() {
    use tengu_core::domain::{AuditAction, DeploymentFilter, DeploymentState, EnvName};
    let url = crate::support::process::postgres_url("two").await;
    let sweep = [("TENGU_DEPLOYS_SWEEP_EVERY_SECONDS", "2")];
    let mut first = Served::start(&url, &sweep).await;
    let second = Served::start(&url, &sweep).await;
    let store = SqlStore::connect(&url).await.unwrap();
    let dev = EnvName::parse("dev").unwrap();

    // A deployment started on the first instance.
    let cookie = first.sign_in("alice").await;
    let (status, answer) = first.call(&cookie, <PressRedeploy as ServerFn>::PATH, "env=dev&key=two-1").await;
    assert!(status.is_success(), "{status}: {answer}");
    let history = DeploymentFilter { env: Some(dev.clone()), ..DeploymentFilter::newest(1) };
    let rolling = wait_for("the rollout under way", Duration::from_secs(30), async || {
        let newest = store.recent_deployments(&history).await.unwrap().into_iter().next()?;
        (newest.state == DeploymentState::RollingOut).then_some(newest)
    })
    .await;
    // Let both run their jobs side by side for a while: each job runs on one of them.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (a, b) = (first.job_runs("review reconciler"), second.job_runs("review reconciler"));
    assert!(a + b >= 3, "the reconciler ran: {a} + {b}");
    assert!(a == 0 || b == 0, "on one instance at a time: {a} and {b}");
    let holder = if a > 0 { "first" } else { "second" };
    eprintln!("reconciler runs in 6 s: first {a}, second {b} (holder: {holder})");
    let reminders = store.audit_log(10_000).await.unwrap();
    let mut reminded: Vec<_> =
        reminders.iter().filter(|e| e.action == AuditAction::ReminderSent).map(|e| e.target.clone()).collect();
    let sent = reminded.len();
    reminded.dedup();
    assert_eq!(reminded.len(), sent, "no deploy PR reminded twice: {reminded:?}");

    // The first instance dies mid-rollout; the second takes the deployment over once its driver's lease lapsed.
    first.signal("KILL");
    assert!(first.wait_for_exit(Duration::from_secs(10)).1.is_some());
    let before = second.job_runs("review reconciler");
    let done = wait_for("the rollout finished by the second instance", Duration::from_secs(120), async || {
        let now = store.deployment(rolling.id).await.unwrap().unwrap();
        now.state.is_terminal().then_some(now)
    })
    .await;
    assert_eq!(done.state, DeploymentState::Succeeded, "{:?}", done.reason);
    let updated: Vec<u64> = dev_updates(&store).await.iter().map(|s| s.1).collect();
    assert!(updated.iter().all(|n| *n == 1), "each dev service updated once, by the first instance: {updated:?}");
    assert!(second.job_runs("review reconciler") > before, "the second instance took the reconciler over");
    // The entry is written just after the move the loop above saw.
    let target = format!("deployment {}", rolling.id);
    let ends = wait_for("the finish in the audit log", Duration::from_secs(10), async || {
        let log = store.audit_log(10_000).await.unwrap();
        let ends = log.iter().filter(|e| e.action == AuditAction::DeploymentFinished && e.target == target).count();
        (ends > 0).then_some(ends)
    })
    .await;
    assert_eq!(ends, 1, "finished once");
}
