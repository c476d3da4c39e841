//! The sandbox's simulated ECS: a rollout that takes 20 seconds and reports its progress, and an image tagged
//! `fail` that trips the circuit breaker, which tengu reports as the failure it is.

mod support;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{Actor, DeploymentState, EnvName, ImageRef, Login, Trigger};
use tengu_core::ports::{ManualClock, Store};
use tengu_core::usecases::{DeployRequest, DeployTarget, Progress};

fn ship(tag: &str) -> DeployRequest {
    DeployRequest {
        env: EnvName::parse("dev").unwrap(),
        target: DeployTarget::Image {
            image: ImageRef::parse(format!("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/acme/shop:{tag}"))
                .unwrap(),
            sha: None,
            source_prs: vec![],
            deploy_pr: None,
        },
        trigger: Trigger::Button,
        idempotency_key: None,
    }
}

/// The sandbox, with dev's deploy PR (which waits for ticks) overridden so new images may ship.
async fn sandbox() -> (tengu_core::Tengu, Arc<ManualClock>) {
    let (tengu, clock) = sandbox_as_seeded().await;
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    tengu.override_environment_gate(&alice, &dev, "rollout tests ship test images").await.unwrap().unwrap();
    (tengu, clock)
}

async fn sandbox_as_seeded() -> (tengu_core::Tengu, Arc<ManualClock>) {
    let store: Arc<dyn Store> = Arc::new(support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()));
    (tengu_core::sandbox::start(store, clock.clone(), "http://127.0.0.1:3000").await.unwrap(), clock)
}

#[tokio::test]
async fn new_code_waits_for_the_gate_but_redeploy_does_not() {
    let (tengu, _) = sandbox_as_seeded().await;
    let person = Actor::Person(Login::parse("dave").unwrap());
    let refused = tengu.request_deployment(&person, ship("abc1234")).await.unwrap_err().user_message();
    assert!(refused.starts_with("dev has unverified changes: deploy PR acme/shop#"), "{refused}");
    assert!(refused.contains("1 of 3 verified (waiting for @"), "{refused}");
    let redeploy = DeployRequest { target: DeployTarget::Redeploy, trigger: Trigger::Redeploy, ..ship("x") };
    assert!(tengu.request_deployment(&person, redeploy).await.is_ok(), "what already ran needs no new ticks");
}

fn running(progress: &Progress) -> (u32, u32) {
    let Progress::RollingOut(deployment) = progress else { panic!("still rolling out: {progress:?}") };
    deployment.rollout.iter().fold((0, 0), |(running, desired), snapshot| {
        let primary = snapshot.primary().unwrap();
        (running + primary.running, desired + primary.desired)
    })
}

#[tokio::test]
async fn a_sandbox_rollout_progresses_over_twenty_seconds() {
    let (tengu, clock) = sandbox().await;
    let person = Actor::Person(Login::parse("dave").unwrap());
    let id = tengu.request_deployment(&person, ship("abc1234")).await.unwrap().id;
    let first = tengu.advance_deployment(id).await.unwrap();
    assert_eq!(running(&first), (0, 5), "web 3 + worker 2, none of the new tasks yet");
    clock.advance(Duration::seconds(10));
    let halfway = running(&tengu.advance_deployment(id).await.unwrap());
    assert!(halfway.0 > 0 && halfway.0 < 5, "{halfway:?}");
    clock.advance(Duration::seconds(10));
    let Progress::Finished(done) = tengu.advance_deployment(id).await.unwrap() else { panic!("done after 20 s") };
    assert_eq!(done.state, DeploymentState::Succeeded);
    for (new, old) in done.task_definitions.iter().zip(&done.previous_task_definitions) {
        assert_eq!(new.family(), old.family());
        assert!(new.revision() > old.revision(), "{new} after {old}");
    }
    assert_ne!(done.task_definitions, done.previous_task_definitions);
}

#[tokio::test]
async fn an_image_tagged_fail_trips_the_circuit_breaker_and_counts_as_a_failure() {
    let (tengu, clock) = sandbox().await;
    let person = Actor::Person(Login::parse("dave").unwrap());
    let id = tengu.request_deployment(&person, ship("fail-demo")).await.unwrap().id;
    assert!(matches!(tengu.advance_deployment(id).await.unwrap(), Progress::RollingOut(_)));
    clock.advance(Duration::seconds(13));
    let Progress::Finished(done) = tengu.advance_deployment(id).await.unwrap() else { panic!("finished") };
    assert_eq!(done.state, DeploymentState::RolledBack);
    let reason = done.reason.unwrap();
    assert!(reason.contains("circuit-breaker rollback"), "{reason}");
    let stopped: Vec<_> = done.rollout.iter().flat_map(|s| s.stopped_tasks.iter()).collect();
    assert!(!stopped.is_empty() && stopped[0].stopped_reason.contains("exited with code 1"));
    // The environment is free again and runs what it ran before.
    assert!(tengu.request_deployment(&person, ship("abc1234")).await.is_ok());
}
