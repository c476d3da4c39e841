//! Locks on the sandbox's dev (write may deploy there): while one holds, every door is refused with its reason, who
//! set it and when it ends, except the person who set it; it ends by itself or by an unlock, and the audit log has
//! each step.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tengu_core::CoreError;
use tengu_core::domain::{Actor, AuditAction, EnvName, LockLength, LockReason, Login, Trigger};
use tengu_core::ports::{Clock, ManualClock, Store};
use tengu_core::usecases::{DeployRequest, DeployTarget, StopOverrides};

async fn sandbox() -> (tengu_core::Tengu, Arc<dyn Store>, Arc<ManualClock>) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 12, 7, 14, 2, 0).unwrap()));
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000").await.unwrap();
    (tengu, store, clock)
}

fn person(login: &str) -> Actor {
    Actor::Person(Login::parse(login).unwrap())
}

fn dev() -> EnvName {
    EnvName::parse("dev").unwrap()
}

fn redeploy_dev() -> DeployRequest {
    DeployRequest {
        env: dev(),
        target: DeployTarget::Redeploy,
        trigger: Trigger::Redeploy,
        idempotency_key: None,
        overrides: Default::default(),
    }
}

async fn actions(store: &Arc<dyn Store>) -> Vec<(AuditAction, String, String)> {
    let entries = store.audit_log(100).await.unwrap();
    entries.into_iter().map(|e| (e.action, e.actor, e.detail)).collect()
}

/// The lock's sentence as dave sees it on the overview's dev card, dev's page and in `status`, when all three agree.
async fn shown_locks(tengu: &tengu_core::Tengu) -> Option<String> {
    let viewer = tengu.viewer(&person("dave")).await.unwrap();
    let home = tengu.home(&viewer).await.unwrap();
    let card = home.environments.iter().find(|card| card.name == dev()).unwrap().locked.clone();
    let page = tengu.environment_view(&viewer, &dev()).await.unwrap().locked;
    let status = tengu.status(&viewer, Some(&dev())).await.unwrap().remove(0);
    let line = status.lines().into_iter().find_map(|line| line.strip_prefix("  LOCKED: ").map(str::to_owned));
    assert_eq!((&card, &page, &status.locked), (&line, &line, &line));
    line
}

#[tokio::test]
async fn a_lock_refuses_every_door_but_its_owners_until_it_ends_or_is_lifted() {
    let (tengu, store, clock) = sandbox().await;
    let reason = || LockReason::parse("incident 42: checkout fails").unwrap();
    let refused =
        tengu.lock_environment(&person("visitor"), &dev(), reason(), LockLength::For(Duration::hours(2))).await;
    assert!(matches!(refused, Err(CoreError::Denied(_))), "read may not lock: {refused:?}");

    let lock =
        tengu.lock_environment(&person("carol"), &dev(), reason(), LockLength::parse("2h").unwrap()).await.unwrap();
    assert_eq!(lock.until, Some(clock.now() + Duration::hours(2)));
    assert_eq!(tengu.environment_lock(&dev()).await.unwrap(), Some(lock.clone()));
    assert_eq!(shown_locks(&tengu).await, Some(lock.sentence()), "the overview, the environment page and status");

    for door in [person("dave"), person("alice"), Actor::System, Actor::Terminal("ops@laptop".into())] {
        let Err(CoreError::Refused(why)) = tengu.request_deployment(&door, redeploy_dev()).await else {
            panic!("{door:?} deployed through carol's lock")
        };
        assert_eq!(
            why,
            "dev is locked by carol since 2026-12-07 14:02 UTC until 2026-12-07 16:02 UTC: incident 42: checkout \
             fails; only its owner may deploy until then (an admin may override it with a reason)"
        );
    }
    // dave (write) may not override carol's lock, even with a reason.
    let overriding = |reason: &str| DeployRequest {
        overrides: StopOverrides { lock: Some(reason.to_owned()), freeze: None },
        ..redeploy_dev()
    };
    let denied = tengu.request_deployment(&person("dave"), overriding("the fix is in")).await;
    assert!(matches!(denied, Err(CoreError::Denied(_))), "{denied:?}");
    // alice (admin) may, saying why: on production, which bob (maintain) locked.
    let production = EnvName::parse("production").unwrap();
    tengu.lock_environment(&person("bob"), &production, reason(), LockLength::UntilUnlocked).await.unwrap();
    let hotfix = DeployRequest { env: production, ..overriding("hotfix for incident 42") };
    let by_alice = tengu.request_deployment(&person("alice"), hotfix).await.unwrap();
    let overridden = format!("deployment {}, because: hotfix for incident 42; the lock: production is", by_alice.id);
    let log = actions(&store).await;
    assert!(log.iter().any(|(action, actor, detail)| *action == AuditAction::LockOverridden
        && actor == "alice"
        && detail.starts_with(&overridden)));
    let through = tengu.request_deployment(&person("carol"), redeploy_dev()).await.unwrap();
    let log = actions(&store).await;
    assert!(log.iter().any(|(action, actor, detail)| *action == AuditAction::DeployedThroughLock
        && actor == "carol"
        && detail.starts_with(&format!("deployment {}, through: dev is locked by carol", through.id))));
    assert_eq!(
        log.iter().filter(|(action, _, detail)| *action == AuditAction::Refused && detail.contains("locked")).count(),
        4
    );
    assert!(log.iter().any(|(action, actor, _)| *action == AuditAction::EnvironmentLocked && actor == "carol"));

    let lifted = tengu.unlock_environment(&person("dave"), &dev()).await.unwrap();
    assert_eq!(lifted, Some(lock), "the unlock says what it lifted");
    assert_eq!(tengu.unlock_environment(&person("dave"), &dev()).await.unwrap(), None, "a second click: nothing");
    assert_eq!(tengu.environment_lock(&dev()).await.unwrap(), None);
    let unlocks = actions(&store).await.into_iter().filter(|(a, _, _)| *a == AuditAction::EnvironmentUnlocked).count();
    assert_eq!(unlocks, 1);

    tengu.lock_environment(&person("carol"), &dev(), reason(), LockLength::parse("90m").unwrap()).await.unwrap();
    clock.advance(Duration::minutes(90));
    assert_eq!(tengu.environment_lock(&dev()).await.unwrap(), None, "it ended by itself");
    assert_eq!(shown_locks(&tengu).await, None, "and is shown nowhere");
    assert_eq!(tengu.end_expired_locks().await.unwrap(), 1, "the job takes it away");
    assert_eq!(tengu.end_expired_locks().await.unwrap(), 0, "once");
    let ended = actions(&store).await.into_iter().find(|(a, _, _)| *a == AuditAction::LockEnded).unwrap();
    assert_eq!(ended.1, "tengu");
    assert!(ended.2.starts_with("was: dev is locked by carol since 2026-12-07 14:02 UTC until 2026-12-07 15:32 UTC"));
    assert_eq!(tengu.unlock_environment(&person("dave"), &dev()).await.unwrap(), None, "nothing held to lift");
}

/// The `tengu/lock` status on a commit, as the sandbox's GitHub keeps it: its state and description.
async fn lock_status(store: &Arc<dyn Store>, sha: &str) -> Option<(String, String)> {
    let world: serde_json::Value =
        serde_json::from_str(&store.load_document("sandbox.world").await.unwrap().unwrap()).unwrap();
    let statuses = world["statuses"][sha].as_array()?;
    let status = statuses.iter().find(|s| s["context"] == tengu_core::usecases::LOCK_CONTEXT)?;
    Some((status["state"].as_str()?.to_owned(), status["description"].as_str()?.to_owned()))
}

#[tokio::test]
async fn a_lock_fails_the_deploy_prs_head_on_github_until_it_is_lifted_or_ends() {
    let (tengu, store, clock) = sandbox().await;
    let open = store.open_deploy_prs().await.unwrap();
    let head = open.iter().find(|pr| pr.env == dev()).and_then(|pr| pr.head_sha.clone()).unwrap();
    let head = head.as_str();
    assert_eq!(lock_status(&store, head).await, None, "never locked: no status at all");

    let reason = LockReason::parse("incident 42: checkout fails").unwrap();
    let lock = tengu.lock_environment(&person("carol"), &dev(), reason.clone(), LockLength::default()).await.unwrap();
    assert_eq!(lock_status(&store, head).await, Some(("failure".to_owned(), lock.sentence())));
    tengu.unlock_environment(&person("dave"), &dev()).await.unwrap();
    let passing = Some(("success".to_owned(), "dev is not locked".to_owned()));
    assert_eq!(lock_status(&store, head).await, passing);

    tengu.lock_environment(&person("carol"), &dev(), reason, LockLength::default()).await.unwrap();
    assert_eq!(lock_status(&store, head).await.unwrap().0, "failure");
    clock.advance(Duration::hours(1));
    tengu.end_expired_locks().await.unwrap();
    assert_eq!(lock_status(&store, head).await, passing, "its end is told to GitHub too");
}

#[tokio::test]
async fn a_repository_lock_locks_each_of_its_environments_or_none() {
    let (tengu, _store, _clock) = sandbox().await;
    let shop = tengu_core::domain::RepoSlug::parse("acme/shop").unwrap();
    let reason = || LockReason::parse("code freeze for the audit").unwrap();
    // carol (write) may lock dev but not production (maintain): nothing is locked.
    let refused = tengu.lock_repository(&person("carol"), &shop, reason(), LockLength::UntilUnlocked).await;
    assert!(matches!(refused, Err(CoreError::Denied(_))), "{refused:?}");
    assert_eq!(tengu.environment_lock(&dev()).await.unwrap(), None, "all or none");

    let scope = tengu_core::domain::LockScope::parse("acme/shop").unwrap();
    let locks = tengu.lock_scope(&person("bob"), &scope, reason(), LockLength::UntilUnlocked).await.unwrap();
    let locked: Vec<String> = locks.iter().map(|lock| lock.env.to_string()).collect();
    assert_eq!(locked, ["dev", "production"]);
    let production = EnvName::parse("production").unwrap();
    assert!(tengu.environment_lock(&production).await.unwrap().is_some());
    let Err(CoreError::Refused(why)) = tengu.request_deployment(&person("dave"), redeploy_dev()).await else {
        panic!("dev shipped through the repository's lock")
    };
    assert!(why.starts_with("dev is locked by bob since ") && why.contains(": code freeze for the audit"), "{why}");

    let lifted = tengu.unlock_scope(&person("bob"), &scope).await.unwrap();
    assert_eq!(lifted.len(), 2);
    assert!(tengu.unlock_scope(&person("bob"), &scope).await.unwrap().is_empty(), "a second click lifts nothing");
    let unknown = tengu_core::domain::LockScope::parse("acme/other").unwrap();
    let missing = tengu.lock_scope(&person("alice"), &unknown, reason(), LockLength::default()).await;
    assert!(matches!(missing, Err(CoreError::NotFound(_))), "{missing:?}");
}
