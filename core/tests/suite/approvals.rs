//! The two-person rule on the sandbox's production (approvals_required = 1, maintain): a deployment waits until
//! another person with the role approves it, is rejected with a reason, or expires after 20 minutes.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tengu_core::CoreError;
use tengu_core::domain::{Actor, AuditAction, DeploymentState, EnvName, Login, Trigger};
use tengu_core::ports::{ManualClock, Store};
use tengu_core::usecases::{DeployRequest, DeployTarget, Progress};

async fn sandbox() -> (tengu_core::Tengu, Arc<dyn Store>, Arc<ManualClock>) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap()));
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000").await.unwrap();
    (tengu, store, clock)
}

fn person(login: &str) -> Actor {
    Actor::Person(Login::parse(login).unwrap())
}

fn redeploy_production() -> DeployRequest {
    DeployRequest {
        env: EnvName::parse("production").unwrap(),
        target: DeployTarget::Redeploy,
        trigger: Trigger::Redeploy,
        idempotency_key: None,
        overrides: Default::default(),
    }
}

#[tokio::test]
async fn a_production_deploy_waits_for_another_maintainer_and_then_runs() {
    let (tengu, store, _) = sandbox().await;
    let asked = tengu.request_deployment(&person("bob"), redeploy_production()).await.unwrap();
    assert_eq!(asked.state, DeploymentState::AwaitingApproval);
    let Progress::AwaitingApproval(_) = tengu.advance_deployment(asked.id).await.unwrap() else {
        panic!("nothing happens on ECS before an approval")
    };
    assert!(asked.task_definitions.is_empty() && asked.previous_task_definitions.is_empty());
    // The environment is held meanwhile.
    let busy = tengu.request_deployment(&person("alice"), redeploy_production()).await.unwrap_err();
    assert!(busy.user_message().contains("production is busy"), "{}", busy.user_message());

    let refused = |who: &str| {
        let tengu = tengu.clone();
        let who = person(who);
        async move { tengu.approve_deployment(&who, asked.id).await.unwrap_err() }
    };
    let own = refused("bob").await;
    assert!(own.user_message().contains("you asked for this one"), "{}", own.user_message());
    let viewer = refused("visitor").await;
    assert!(viewer.user_message().contains("needs the deployer role"), "{}", viewer.user_message());
    let writer = refused("carol").await;
    assert!(writer.user_message().contains("needs maintain on acme/shop"), "{}", writer.user_message());
    assert!(matches!(own, CoreError::Denied(_)));

    let approved = tengu.approve_deployment(&person("alice"), asked.id).await.unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("alice"));
    assert_ne!(approved.state, DeploymentState::AwaitingApproval);
    let states: Vec<_> = approved.steps.iter().map(|s| s.state).collect();
    assert_eq!(&states[..2], &[DeploymentState::AwaitingApproval, DeploymentState::Requested]);
    let log = store.audit_log(1).await.unwrap();
    assert_eq!((log[0].action, log[0].actor.as_str()), (AuditAction::DeploymentApproved, "alice"));
    // Approving twice is refused with a sentence, not a second run.
    let again = tengu.approve_deployment(&person("alice"), asked.id).await.unwrap_err();
    assert!(again.user_message().contains("does not wait for approval"), "{}", again.user_message());
}

#[tokio::test]
async fn a_rejection_or_twenty_minutes_without_an_approval_frees_the_environment() {
    let (tengu, store, clock) = sandbox().await;
    let asked = tengu.request_deployment(&person("bob"), redeploy_production()).await.unwrap();
    let short = tengu.reject_deployment(&person("alice"), asked.id, "").await.unwrap_err();
    assert!(matches!(short, CoreError::Refused(_)), "a reason is required");
    let rejected = tengu.reject_deployment(&person("alice"), asked.id, "not during the sale").await.unwrap();
    assert_eq!(rejected.state, DeploymentState::Rejected);
    assert_eq!(rejected.reason.as_deref(), Some("rejected by alice: not during the sale"));
    assert!(rejected.finished_at.is_some());
    assert_eq!(store.audit_log(1).await.unwrap()[0].action, AuditAction::DeploymentRejected);

    let asked = tengu.request_deployment(&person("bob"), redeploy_production()).await.unwrap();
    clock.advance(Duration::minutes(19));
    assert!(matches!(tengu.advance_deployment(asked.id).await.unwrap(), Progress::AwaitingApproval(_)));
    clock.advance(Duration::minutes(1));
    let Progress::Finished(expired) = tengu.advance_deployment(asked.id).await.unwrap() else { panic!("expired") };
    assert_eq!(expired.state, DeploymentState::Rejected);
    assert_eq!(expired.reason.as_deref(), Some("nobody approved it within 20 minutes"));
    let late = tengu.approve_deployment(&person("alice"), asked.id).await.unwrap_err();
    assert!(late.user_message().contains("does not wait for approval"), "{}", late.user_message());
    // Abort works while it waits, too.
    let asked = tengu.request_deployment(&person("bob"), redeploy_production()).await.unwrap();
    let aborted = tengu.abort_deployment(&person("bob"), asked.id).await.unwrap();
    assert_eq!(aborted.state, DeploymentState::Aborted);
    assert!(aborted.finished_at.is_some());
    // dev asks for no second person.
    let dev = DeployRequest { env: EnvName::parse("dev").unwrap(), ..redeploy_production() };
    assert_eq!(tengu.request_deployment(&person("carol"), dev).await.unwrap().state, DeploymentState::Requested);
}
