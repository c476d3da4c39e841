//! The sandbox's simulated ECS: a rollout that takes 20 seconds and reports its progress, and an image tagged
//! `fail` that trips the circuit breaker, which tengu reports as the failure it is.

use tengu_sandbox::SimulatedGithub;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{Actor, AuditAction, DeploymentState, EnvName, ImageRef, Login, Trigger};
use tengu_core::ports::{ManualClock, Store};
use tengu_core::usecases::{DeployRequest, DeployTarget, Progress};

/// A commit for a test image: its tag's bytes in hexadecimal, padded to a whole SHA.
fn commit_of(tag: &str) -> tengu_core::domain::CommitSha {
    let hex: String = tag.bytes().map(|b| format!("{b:02x}")).collect();
    tengu_core::domain::CommitSha::parse(format!("{hex:0<40}").get(..40).unwrap()).unwrap()
}

fn ship(tag: &str) -> DeployRequest {
    DeployRequest {
        env: EnvName::parse("dev").unwrap(),
        target: DeployTarget::Image {
            image: ImageRef::parse(format!("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/acme/shop:{tag}"))
                .unwrap(),
            sha: Some(commit_of(tag)),
            source_prs: vec![],
            deploy_pr: None,
            commit_unknown_reason: None,
        },
        trigger: Trigger::Button,
        idempotency_key: None,
        overrides: Default::default(),
    }
}

/// The sandbox, with dev's deploy PR (which waits for ticks) overridden so new images may ship.
async fn sandbox() -> (tengu_core::Tengu, Arc<ManualClock>) {
    let (tengu, clock, _) = simulation().await;
    (tengu, clock)
}

/// `sandbox`, with its simulated GitHub.
async fn simulation() -> (tengu_core::Tengu, Arc<ManualClock>, SimulatedGithub) {
    let (tengu, clock, github) = simulation_as_seeded().await;
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    tengu.override_environment_gate(&alice, &dev, None, "rollout tests ship test images").await.unwrap().unwrap();
    (tengu, clock, github)
}

async fn sandbox_as_seeded() -> (tengu_core::Tengu, Arc<ManualClock>) {
    let (tengu, clock, _) = simulation_as_seeded().await;
    (tengu, clock)
}

/// The sandbox with its simulated GitHub, on which a test merges and pushes as people do on GitHub.
async fn simulation_as_seeded() -> (tengu_core::Tengu, Arc<ManualClock>, SimulatedGithub) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()));
    let (tengu, github) = tengu_sandbox::simulate(store, clock.clone(), "http://127.0.0.1:3000").await.unwrap();
    (tengu, clock, github)
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
    // tengu stopped the line by itself: dev runs what it ran before, and nothing ships until someone unlocks it.
    let lock = tengu.environment_lock(&done.env).await.unwrap().expect("dev is locked after the rollback");
    assert_eq!((lock.set_by.as_str(), lock.owner.as_ref(), lock.until), ("tengu", None, None));
    assert!(
        lock.reason.as_str().starts_with(&format!("deployment {id} rolled back at 09:00 UTC (")),
        "{}",
        lock.reason.as_str()
    );
    assert!(lock.reason.as_str().ends_with("); fix before the next deploy"));
    let Err(tengu_core::CoreError::Refused(why)) = tengu.request_deployment(&person, ship("abc1234")).await else {
        panic!("dev shipped again before anyone looked at the rollback")
    };
    assert!(
        why.starts_with("dev is locked by tengu since 2026-11-22 09:00 UTC until someone unlocks it: deployment"),
        "{why}"
    );
    let log = tengu.store().audit_log(20).await.unwrap();
    assert!(log.iter().any(|e| e.action == AuditAction::EnvironmentLocked && e.actor == "tengu"));
    tengu.unlock_environment(&person, &done.env).await.unwrap().expect("dave lifts it");
    assert!(tengu.request_deployment(&person, ship("abc1234")).await.is_ok());
}

#[tokio::test]
async fn dev_verifies_each_release_and_an_image_tagged_flaky_fails_its_health_check() {
    let (tengu, clock) = sandbox().await;
    let person = Actor::Person(Login::parse("dave").unwrap());
    let sound = tengu.request_deployment(&person, ship("abc1234")).await.unwrap().id;
    tengu.advance_deployment(sound).await.unwrap();
    clock.advance(Duration::seconds(20));
    let Progress::Finished(done) = tengu.advance_deployment(sound).await.unwrap() else { panic!("verified at once") };
    assert_eq!(done.state, DeploymentState::Succeeded);
    assert!(done.steps.iter().any(|s| s.state == DeploymentState::Verifying), "it verified before succeeding");
    let lines = tengu.check_lines(sound).await.unwrap();
    assert_eq!(
        lines.iter().map(|l| l.sentence()).collect::<Vec<_>>(),
        ["health: 1 answer, 0 failed; last 200, /status = \"ok\""]
    );

    let flaky = tengu.request_deployment(&person, ship("flaky12")).await.unwrap().id;
    tengu.advance_deployment(flaky).await.unwrap();
    clock.advance(Duration::seconds(20));
    let Progress::Finished(done) = tengu.advance_deployment(flaky).await.unwrap() else { panic!("it ended") };
    assert_eq!(done.state, DeploymentState::RolledBack);
    let reason = done.reason.unwrap();
    assert!(
        reason.starts_with(
            "verification failed: check health failed 1 of 1 times (limit 0): https://dev.shop.example.com/healthz \
             answered 503 (expected 200)"
        ),
        "{reason}"
    );
    assert!(tengu.environment_lock(&done.env).await.unwrap().is_some(), "and dev is locked until someone looks");
}

/// alice merges dev's deploy PR on the simulated GitHub: its merge commit, and the `closed` delivery GitHub sends.
async fn merge_of(
    github: &SimulatedGithub,
    pr: &tengu_core::domain::DeployPr,
) -> (tengu_core::domain::CommitSha, String) {
    let alice = Login::parse("alice").unwrap();
    let (sha, delivery) = github.merge(&alice, &pr.repo, pr.number).await.unwrap();
    (sha, delivery.body)
}

async fn dev_pr(tengu: &tengu_core::Tengu) -> tengu_core::domain::DeployPr {
    let home = tengu.home(&crate::support::everyone()).await.unwrap();
    let card = home.deploy_prs.iter().find(|p| p.env.as_str() == "dev").unwrap();
    tengu.deploy_pr(&card.repo, card.number).await.unwrap()
}

async fn handle(tengu: &tengu_core::Tengu, payload: &str) -> String {
    let event = tengu_core::webhooks::parse_event("pull_request", payload).unwrap();
    tengu.handle_github_event(&event).await.unwrap()
}

#[tokio::test]
async fn a_deploy_pr_merged_unverified_holds_its_merge_commit_on_every_trigger_until_overridden() {
    use tengu_core::domain::AuditAction;
    let (tengu, _, github) = simulation_as_seeded().await;
    let pr = dev_pr(&tengu).await;
    let (sha, merge) = merge_of(&github, &pr).await;
    let outcome = handle(&tengu, &merge).await;
    assert!(outcome.contains("not deployed: merged with 1 of 3 verified"), "{outcome}");
    let why = tengu.store().audit_log(1).await.unwrap().remove(0);
    assert_eq!((why.action, why.actor.as_str()), (AuditAction::MergeNotDeployed, "alice"));

    // The dashboard's Deploy (or `tengu deploy --sha`) of that merge commit is held by the merged PR's gate.
    let dave = Actor::Person(Login::parse("dave").unwrap());
    let by_sha =
        || DeployRequest { target: DeployTarget::Commit(sha.clone()), trigger: Trigger::Button, ..ship("unused") };
    let refused = tengu.request_deployment(&dave, by_sha()).await.unwrap_err().user_message();
    assert!(
        refused.starts_with(&format!("dev has unverified changes: merged deploy PR acme/shop#{}", pr.number.get())),
        "{refused}"
    );
    let cli = DeployRequest { trigger: Trigger::Cli, ..by_sha() };
    assert!(tengu.request_deployment(&Actor::Terminal("ops".into()), cli).await.is_err(), "the CLI too");
    // The head of the merged deploy PR is the same code: held too.
    let head = DeployRequest { target: DeployTarget::Commit(pr.head_sha.clone().unwrap()), ..by_sha() };
    assert!(tengu.request_deployment(&dave, head).await.is_err());

    // An override with a reason, on the merged deploy PR (`tengu deploy --sha S --override-gate R`), lets it go.
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    let overridden = tengu.override_environment_gate(&alice, &dev, Some(&sha), "verified on staging by hand").await;
    assert_eq!(overridden.unwrap().map(|p| p.number), Some(pr.number));
    let started = tengu.request_deployment(&dave, by_sha()).await.unwrap();
    assert_eq!(started.sha, Some(sha));
}

#[tokio::test]
async fn with_merge_deploys_off_a_merged_deploy_pr_waits_for_ci_to_hand_its_image_over() {
    let (tengu, _, github) = simulation().await;
    let mut environments = tengu.settings().environments.clone();
    for env in &mut environments {
        env.deploy_pr.merge_deploys = false;
    }
    let tengu = tengu.with_environments(environments);
    let pr = dev_pr(&tengu).await;
    let newest = tengu_core::domain::DeploymentFilter::newest(1_000);
    let before = tengu.store().recent_deployments(&newest).await.unwrap().len();
    let (sha, merge) = merge_of(&github, &pr).await;
    let outcome = handle(&tengu, &merge).await;
    let says = format!("merged at {}; dev deploys when CI hands the image over", sha.short());
    assert!(outcome.contains(&says), "{outcome}");
    assert_eq!(tengu.store().recent_deployments(&newest).await.unwrap().len(), before, "nothing started");
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<Utc> {
    tengu_core::ports::Clock::now(clock)
}

#[tokio::test]
async fn a_merge_handled_late_deploys_nothing_once_a_later_deployment_exists_or_the_branch_moved_on() {
    use tengu_core::domain::AuditAction;
    let (tengu, clock, github) = simulation().await;
    let pr = dev_pr(&tengu).await;
    let repo = pr.repo.clone();
    let (merged, late_merge) = merge_of(&github, &pr).await;
    // Since the merge, GitHub's deploy branch moved on: someone pushed a hotfix onto it.
    clock.advance(Duration::minutes(5));
    let dave = Login::parse("dave").unwrap();
    let (later, _) = github.push(&dave, &repo, &pr.base).await.unwrap();
    let outcome = handle(&tengu, &late_merge).await;
    let says = format!(
        "not deployed: stale merge: deployment/dev has moved on from the merge commit {} to {}",
        merged.short(),
        later.short()
    );
    assert_eq!(outcome.split("; ").nth(1), Some(says.as_str()));
    let why = tengu.store().audit_log(1).await.unwrap().remove(0);
    assert_eq!(why.action, AuditAction::MergeNotDeployed);
    assert!(why.detail.starts_with("stale merge"), "{}", why.detail);

    // In a fresh sandbox: a deployment of dev was requested after the merge (a button, a retry that came first).
    let (tengu, clock, github) = simulation().await;
    let pr = dev_pr(&tengu).await;
    let (_, late_merge) = merge_of(&github, &pr).await;
    clock.advance(Duration::minutes(5));
    let dave = Actor::Person(Login::parse("dave").unwrap());
    let newer = tengu.request_deployment(&dave, ship("abc1234")).await.unwrap();
    let before = tengu.store().recent_deployments(&tengu_core::domain::DeploymentFilter::newest(100)).await.unwrap();
    let outcome = handle(&tengu, &late_merge).await;
    assert!(
        outcome.ends_with(&format!(
            "not deployed: stale merge: deployment {} of {} to dev was requested after it (at {})",
            newer.id,
            newer.image,
            newer.requested_at.format("%Y-%m-%d %H:%M:%S UTC")
        )),
        "{outcome}"
    );
    let after = tengu.store().recent_deployments(&tengu_core::domain::DeploymentFilter::newest(100)).await.unwrap();
    assert_eq!(after.len(), before.len(), "nothing deployed");
}

#[tokio::test]
async fn a_driver_that_lost_its_lease_stops_before_its_next_side_effect_and_the_holder_finishes() {
    use tengu_core::usecases::DRIVER_LEASE_SECONDS;
    let (tengu, clock) = sandbox().await;
    let person = Actor::Person(Login::parse("dave").unwrap());
    let id = tengu.request_deployment(&person, ship("abc1234")).await.unwrap().id;
    let rolling = tengu.advance_deployment(id).await.unwrap();
    assert!(matches!(rolling, Progress::RollingOut(_)), "this instance registered and updated the services");
    let lease = format!("deployment {id}");
    let store = tengu.store();
    // While this instance's lease holds, another instance cannot take the deployment.
    assert!(
        !store.take_lease(&lease, "other", clock_now(&clock), clock_now(&clock) + Duration::seconds(30)).await.unwrap()
    );
    // This driver stalls past its lease; the other instance takes the deployment over.
    clock.advance(Duration::seconds(DRIVER_LEASE_SECONDS + 1));
    assert!(
        store.take_lease(&lease, "other", clock_now(&clock), clock_now(&clock) + Duration::seconds(30)).await.unwrap()
    );
    let before = tengu.deployment(id).await.unwrap();
    let stopped = tengu.advance_deployment(id).await.unwrap_err();
    assert!(matches!(stopped, tengu_core::CoreError::DrivenElsewhere(_)), "{stopped:?}");
    let after = tengu.deployment(id).await.unwrap();
    assert_eq!(
        (after.state, &after.rollout, after.steps.len()),
        (before.state, &before.rollout, before.steps.len()),
        "nothing done"
    );
    // The holder stops renewing (it died): once its lease lapsed, this instance drives again, to the end.
    clock.advance(Duration::seconds(31));
    let Progress::Finished(done) = tengu.advance_deployment(id).await.unwrap() else { panic!("done after 20 s") };
    assert_eq!(done.state, DeploymentState::Succeeded);
    // A finished deployment's lease is given up: anyone may take the name at once.
    assert!(
        store.take_lease(&lease, "other", clock_now(&clock), clock_now(&clock) + Duration::seconds(30)).await.unwrap()
    );
}

/// Two tengu instances over one database (and one shared simulated world), at the same sandbox clock.
async fn two_instances() -> (tengu_core::Tengu, tengu_core::Tengu, Arc<ManualClock>) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()));
    let one = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000").await.unwrap();
    let two = tengu_sandbox::start(store, clock.clone(), "http://127.0.0.1:3001").await.unwrap();
    (one.with_instance("one:3000"), two.with_instance("two:3001"), clock)
}

async fn dev_updates(tengu: &tengu_core::Tengu) -> Vec<u64> {
    let world = tengu.store().load_document(tengu_sandbox::DOCUMENT_KEY).await.unwrap().unwrap();
    let world: tengu_sandbox::World = serde_json::from_str(&world).unwrap();
    world.services.iter().filter(|s| s.cluster.as_str() == "shop-dev").map(|s| s.updates).collect()
}

#[tokio::test]
async fn two_redeploy_presses_on_two_instances_start_one_deployment_and_ecs_hears_of_it_once() {
    let (one, two, clock) = two_instances().await;
    let redeploy = |key: &str| DeployRequest {
        target: DeployTarget::Redeploy,
        trigger: Trigger::Redeploy,
        idempotency_key: Some(key.to_owned()),
        ..ship("unused")
    };
    let (alice, bob) = (Actor::Person(Login::parse("alice").unwrap()), Actor::Person(Login::parse("bob").unwrap()));
    // alice and bob press at the same moment, each on another instance: one deployment, the other hears who.
    let (a, b) =
        tokio::join!(one.request_deployment(&alice, redeploy("a-1")), two.request_deployment(&bob, redeploy("b-1")));
    let (started, refused) = match (a, b) {
        (Ok(started), Err(refused)) | (Err(refused), Ok(started)) => (started, refused.user_message()),
        other => panic!("exactly one starts: {other:?}"),
    };
    assert!(refused.starts_with("dev is busy: "), "{refused}");
    // alice's double click reaches both instances: the same deployment, whichever answers.
    let (again_one, again_two) =
        tokio::join!(one.request_deployment(&alice, redeploy("a-1")), two.request_deployment(&alice, redeploy("a-1")));
    if started.actor == "alice" {
        assert_eq!((again_one.unwrap().id, again_two.unwrap().id), (started.id, started.id));
    }

    // Both instances try to drive it at once: one holds the lease, the other leaves it alone.
    let (x, y) = tokio::join!(one.advance_deployment(started.id), two.advance_deployment(started.id));
    let elsewhere = [&x, &y].iter().filter(|r| matches!(r, Err(tengu_core::CoreError::DrivenElsewhere(_)))).count();
    assert_eq!(elsewhere, 1, "{x:?} / {y:?}");
    let driver = if x.is_ok() { &one } else { &two };
    clock.advance(Duration::seconds(21));
    let Progress::Finished(done) = driver.advance_deployment(started.id).await.unwrap() else { panic!("done") };
    assert_eq!(done.state, DeploymentState::Succeeded);
    assert_eq!(dev_updates(driver).await, [1, 1], "each service updated once");
}

#[tokio::test]
async fn an_abort_on_one_instance_while_the_other_drives_puts_the_services_back_once() {
    let (one, two, clock) = two_instances().await;
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    one.override_environment_gate(&alice, &dev, None, "rollout tests ship test images").await.unwrap();
    let id = one.request_deployment(&alice, ship("abc1234")).await.unwrap().id;
    assert!(matches!(one.advance_deployment(id).await.unwrap(), Progress::RollingOut(_)));
    assert_eq!(dev_updates(&one).await, [1, 1]);
    // alice presses Abort on the other instance while the driver polls.
    clock.advance(Duration::seconds(5));
    let (aborted, polled) = tokio::join!(two.abort_deployment(&alice, id), one.advance_deployment(id));
    assert_eq!(aborted.unwrap().state, DeploymentState::Aborted);
    polled.unwrap();
    // The abort's own instance may take the put-back on (it follows what it aborted): whoever drives, it ends once.
    let mut last = None;
    for _ in 0..10 {
        clock.advance(Duration::seconds(5));
        match one.advance_deployment(id).await {
            Ok(Progress::Finished(done)) => {
                last = Some(done);
                break;
            }
            Err(tengu_core::CoreError::DrivenElsewhere(_)) => {
                tokio::task::yield_now().await;
                let now = one.deployment(id).await.unwrap();
                if now.finished_at.is_some() {
                    last = Some(now);
                    break;
                }
            }
            other => {
                other.unwrap();
            }
        }
    }
    let done = last.expect("the abort ends");
    assert_eq!(done.state, DeploymentState::Aborted);
    assert_eq!(done.reason.as_deref().map(|r| r.starts_with("aborted by alice")), Some(true), "{:?}", done.reason);
    assert_eq!(dev_updates(&one).await, [2, 2], "each service updated for the deploy and once to put it back");
}
