//! The audit page's filters on the sandbox, told on SQLite and on PostgreSQL (the environment filter joins
//! deployments and deploy PRs in SQL both dialects must run).

use std::sync::Arc;

use chrono::Utc;
use tengu_core::domain::{Actor, AuditAction, AuditFilter, EnvName, Login, Trigger};
use tengu_core::ports::{ManualClock, Store};
use tengu_core::usecases::{DeployRequest, DeployTarget};

fn person(login: &str) -> Actor {
    Actor::Person(Login::parse(login).unwrap())
}

async fn story(store: Arc<dyn Store>) {
    let tengu =
        tengu_sandbox::start(store, Arc::new(ManualClock::at(Utc::now())), "http://127.0.0.1:3000").await.unwrap();
    let production = EnvName::parse("production").unwrap();
    let redeploy = DeployRequest {
        env: production.clone(),
        target: DeployTarget::Redeploy,
        trigger: Trigger::Redeploy,
        idempotency_key: None,
        overrides: Default::default(),
    };
    let asked = tengu.request_deployment(&person("bob"), redeploy.clone()).await.unwrap();
    tengu.approve_deployment(&person("alice"), asked.id).await.unwrap();
    assert!(tengu.request_deployment(&person("visitor"), redeploy).await.is_err());
    let mallory = tengu.sign_in(&Login::parse("mallory").unwrap()).await.unwrap();
    let alice = tengu.sign_in(&Login::parse("alice").unwrap()).await.unwrap();
    let all = |filter: AuditFilter| AuditFilter { limit: 100, ..filter };

    let about = tengu
        .audit_page(
            &alice,
            &all(AuditFilter { about: Some(format!("deployment {}", asked.id)), ..AuditFilter::default() }),
        )
        .await
        .unwrap();
    let actions: Vec<AuditAction> = about.iter().map(|r| r.entry.action).collect();
    assert_eq!(actions, vec![AuditAction::DeploymentApproved, AuditAction::DeploymentRequested], "newest first");

    let on_production = tengu
        .audit_page(&alice, &all(AuditFilter { env: Some(production.clone()), ..AuditFilter::default() }))
        .await
        .unwrap();
    assert!(on_production.iter().any(|r| r.entry.target == format!("deployment {}", asked.id)));
    assert!(on_production.iter().any(|r| r.entry.action == AuditAction::ItemVerified), "its deploy PR's ticks");
    assert!(on_production.iter().any(|r| r.entry.action == AuditAction::Refused && r.entry.target == "production"));
    let on_dev = tengu
        .audit_page(&alice, &all(AuditFilter { env: Some(EnvName::parse("dev").unwrap()), ..AuditFilter::default() }))
        .await
        .unwrap();
    assert!(on_dev.iter().all(|r| !on_production.iter().any(|p| p.id == r.id)), "no entry is about both");

    let refusals = tengu
        .audit_page(&alice, &all(AuditFilter { action: Some(AuditAction::Refused), ..AuditFilter::default() }))
        .await
        .unwrap();
    assert!(!refusals.is_empty() && refusals.iter().all(|r| r.entry.action == AuditAction::Refused));
    let bobs = tengu
        .audit_page(&alice, &all(AuditFilter { actor: Some("bob".into()), ..AuditFilter::default() }))
        .await
        .unwrap();
    assert!(!bobs.is_empty() && bobs.iter().all(|r| r.entry.actor == "bob"));

    // Pages go back by entry, without overlap.
    let first = tengu.audit_page(&alice, &AuditFilter { limit: 5, ..AuditFilter::default() }).await.unwrap();
    let before = first.last().unwrap().id;
    let second = tengu
        .audit_page(&alice, &AuditFilter { limit: 5, before: Some(before), ..AuditFilter::default() })
        .await
        .unwrap();
    assert_eq!(first.len(), 5);
    assert!(second.iter().all(|r| r.id < before));

    // Someone GitHub shows nothing sees only their own sign-in; others' sign-ins are not theirs to read.
    let theirs = tengu.audit_page(&mallory, &all(AuditFilter::default())).await.unwrap();
    assert!(!theirs.is_empty() && theirs.iter().all(|r| r.entry.actor == "mallory"), "{theirs:?}");
    let everything = tengu.audit_page(&alice, &all(AuditFilter::default())).await.unwrap();
    assert!(everything.iter().all(|r| r.entry.actor != "mallory"), "mallory's sign-in is hers");
}

#[tokio::test]
async fn sqlite_filters_the_audit_log() {
    story(Arc::new(crate::support::sqlite().await)).await;
}

#[tokio::test]
async fn postgres_filters_the_audit_log() {
    story(Arc::new(crate::support::postgres().await)).await;
}
