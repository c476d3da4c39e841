//! Verification after the rollout, on a scripted ECS and stand-ins for the checked URL and CloudWatch: verifying
//! until the bake ends, then succeeded; a check past its failure limit or an alarm rolls back (and locks); a
//! restart resumes from the recorded answers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{
    AlarmName, CheckUrl, DeploymentState, HttpCheck, JsonExpectation, ProbeAnswer, VerificationPlan,
};
use tengu_core::ports::{AlarmState, Alarms, AlarmsError, ManualClock, Probe, ProbeError, Store};
use tengu_core::usecases::Progress;

use crate::deploy_rollout::{Channel, Checks, NoGithub, ScriptedEcs, Step, alice, production, ship, tengu_checking};

/// A test stand-in for the checked URL: answers as scripted, in order, then 200 `{"status":"ok"}`.
#[derive(Default)]
struct ScriptedUrl(Mutex<VecDeque<Result<ProbeAnswer, ProbeError>>>);

#[async_trait]
impl Probe for ScriptedUrl {
    async fn get(&self, _url: &CheckUrl, _timeout: std::time::Duration) -> Result<ProbeAnswer, ProbeError> {
        let next = self.0.lock().unwrap().pop_front();
        next.unwrap_or_else(|| Ok(ProbeAnswer { status: 200, body: r#"{"status":"ok"}"#.into() }))
    }
}

/// A test stand-in for CloudWatch: one alarm, whose state a test sets.
struct OneAlarm(Mutex<(&'static str, &'static str)>);

#[async_trait]
impl Alarms for OneAlarm {
    async fn states(&self, names: &[AlarmName]) -> Result<Vec<AlarmState>, AlarmsError> {
        let (state, reason) = *self.0.lock().unwrap();
        Ok(names
            .iter()
            .map(|name| AlarmState { name: name.clone(), state: state.into(), reason: reason.into() })
            .collect())
    }
}

fn plan() -> VerificationPlan {
    VerificationPlan {
        bake_seconds: 60,
        http: vec![HttpCheck {
            name: "health".into(),
            url: CheckUrl::parse("https://shop.example.com/healthz").unwrap(),
            expect_status: 200,
            json: Some(JsonExpectation { pointer: "/status".into(), value: serde_json::json!("ok") }),
            interval_seconds: 10,
            count: 3,
            failure_limit: 0,
            timeout_seconds: 5,
            initial_delay_seconds: 0,
        }],
        alarms: vec![AlarmName::parse("shop-5xx").unwrap()],
    }
}

struct World {
    tengu: tengu_core::Tengu,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    url: Arc<ScriptedUrl>,
    alarm: Arc<OneAlarm>,
    ecs: Arc<ScriptedEcs>,
}

async fn world() -> World {
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap()));
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let ecs = ScriptedEcs::new(clock.clone(), &[Step::Completed]);
    let (url, alarm) = (Arc::new(ScriptedUrl::default()), Arc::new(OneAlarm(Mutex::new(("OK", "")))));
    let checks = Checks { plan: plan(), probe: url.clone(), alarms: alarm.clone() };
    let (channel, github) = (Arc::new(Channel::default()), Arc::new(NoGithub::default()));
    let tengu = tengu_checking(store.clone(), ecs.clone(), clock.clone(), true, channel, github, checks);
    World { tengu, store, clock, url, alarm, ecs }
}

/// Advances the deployment once, `seconds` later.
async fn look(world: &World, id: tengu_core::domain::DeploymentId, seconds: i64) -> Progress {
    world.clock.advance(Duration::seconds(seconds));
    world.tengu.advance_deployment(id).await.unwrap()
}

fn state(progress: &Progress) -> DeploymentState {
    match progress {
        Progress::AwaitingApproval(d) | Progress::RollingOut(d) | Progress::Finished(d) => d.state,
    }
}

#[tokio::test]
async fn a_completed_rollout_verifies_until_the_bake_ends_then_succeeds() {
    let world = world().await;
    let id = world.tengu.request_deployment(&alice(), ship("v1", None)).await.unwrap().id;
    assert_eq!(state(&look(&world, id, 0).await), DeploymentState::Verifying, "COMPLETED is not yet success");
    assert_eq!(state(&look(&world, id, 10).await), DeploymentState::Verifying);
    assert_eq!(state(&look(&world, id, 10).await), DeploymentState::Verifying, "three checks ran, the bake goes on");
    assert_eq!(state(&look(&world, id, 39).await), DeploymentState::Verifying, "59 s");
    let done = look(&world, id, 1).await;
    assert_eq!(state(&done), DeploymentState::Succeeded, "60 s: baked");
    let results = world.store.check_results(id).await.unwrap();
    let health: Vec<&str> = results.iter().filter(|r| r.check == "health").map(|r| r.answer.as_str()).collect();
    assert_eq!(health, ["200, /status = \"ok\""; 3]);
    assert_eq!(results.iter().filter(|r| r.check == "alarm shop-5xx").count(), 1, "the alarm, once: it never moved");
    assert_eq!(world.tengu.environment_lock(&production()).await.unwrap(), None);
}

#[tokio::test]
async fn a_failing_check_rolls_back_says_which_and_locks_the_environment() {
    let world = world().await;
    world.url.0.lock().unwrap().push_back(Ok(ProbeAnswer { status: 200, body: r#"{"status":"ok"}"#.into() }));
    world.url.0.lock().unwrap().push_back(Ok(ProbeAnswer { status: 503, body: "upstream down".into() }));
    let id = world.tengu.request_deployment(&alice(), ship("v2", None)).await.unwrap().id;
    assert_eq!(state(&look(&world, id, 0).await), DeploymentState::Verifying);
    let done = look(&world, id, 10).await;
    let Progress::Finished(done) = done else { panic!("it ended: {done:?}") };
    assert_eq!(done.state, DeploymentState::RolledBack);
    let reason = done.reason.unwrap();
    assert!(
        reason.starts_with(
            "verification failed: check health failed 1 of 2 times (limit 0): https://shop.example.com/healthz \
             answered 503 (expected 200)"
        ),
        "{reason}"
    );
    assert!(reason.contains("rolled back to web:7, worker:3"), "{reason}");
    assert!(world.ecs.calls().iter().any(|c| c == "update web web:7 force=false"), "what ran before is back");
    let lock = world.tengu.environment_lock(&production()).await.unwrap().expect("a failed verification locks");
    assert!(lock.reason.as_str().contains("verification failed: check health"), "{}", lock.reason.as_str());
}

#[tokio::test]
async fn an_alarm_during_the_bake_fails_it_and_a_restart_resumes_from_the_recorded_answers() {
    let world = world().await;
    let id = world.tengu.request_deployment(&alice(), ship("v3", None)).await.unwrap().id;
    assert_eq!(state(&look(&world, id, 0).await), DeploymentState::Verifying);
    assert_eq!(state(&look(&world, id, 10).await), DeploymentState::Verifying);
    // A second tengu over the same database (a restart) carries on where the first left off, once the first
    // one's lease on driving it has lapsed.
    let checks = Checks { plan: plan(), probe: world.url.clone(), alarms: world.alarm.clone() };
    let (channel, github) = (Arc::new(Channel::default()), Arc::new(NoGithub::default()));
    let restarted =
        tengu_checking(world.store.clone(), world.ecs.clone(), world.clock.clone(), true, channel, github, checks);
    *world.alarm.0.lock().unwrap() = ("ALARM", "Threshold Crossed: 1 datapoint [12.0] was greater than 5.0");
    world.clock.advance(Duration::seconds(tengu_core::usecases::DRIVER_LEASE_SECONDS + 1));
    let Progress::Finished(done) = restarted.advance_deployment(id).await.unwrap() else { panic!("the alarm ends it") };
    assert_eq!(done.state, DeploymentState::RolledBack);
    assert!(done.reason.unwrap().starts_with(
        "verification failed: alarm shop-5xx went into ALARM: Threshold Crossed: 1 datapoint [12.0] was greater \
             than 5.0"
    ));
    let health = world.store.check_results(id).await.unwrap().iter().filter(|r| r.check == "health").count();
    assert_eq!(health, 3, "the two answers from before the restart were kept; only the third was asked");
}
