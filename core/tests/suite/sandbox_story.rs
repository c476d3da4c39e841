//! The sandbox, seeded on a real database: what a newcomer sees, ticking a box, and a restart that keeps it.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use tengu_core::CoreError;
use tengu_core::checklist_body;
use tengu_core::domain::{Actor, AuditAction, DeploymentState, Gate, Login};
use tengu_core::ports::{Clock, ManualClock, Store};

fn clock() -> Arc<dyn Clock> {
    Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap()))
}

#[tokio::test]
async fn a_fresh_sandbox_looks_like_a_team_at_work_and_ticks_persist_across_a_restart() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let tengu = tengu_sandbox::start(store.clone(), clock(), "http://127.0.0.1:3000").await.unwrap();
    assert!(tengu.settings().sandbox);

    let home = tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    let envs: Vec<_> = home.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(envs, ["dev", "production"]);
    for env in &home.environments {
        let current = env.current.as_ref().expect("each environment runs something");
        assert!(!current.image_tag.is_empty(), "what runs is named");
        assert_eq!(current.task_definitions.len(), 2, "web and worker");
    }
    let progress: Vec<_> = home.deploy_prs.iter().map(|p| (p.env.as_str(), p.verified, p.total)).collect();
    assert_eq!(progress, [("dev", 1, 3), ("production", 3, 8)]);
    assert!(home.recent_deployments.iter().any(|d| d.state == DeploymentState::Failed));
    assert_eq!(home.review_envs.len(), 3);

    // The production deploy PR lists every kind of merge and the direct commit.
    let card = &home.deploy_prs[1];
    let pr = tengu.deploy_pr(&card.repo, card.number).await.unwrap();
    assert_eq!(pr.direct_commits.len(), 1);
    assert!(pr.items.iter().any(|i| i.source.commits.len() == 2), "a rebase or merge with several commits");
    let waiting = pr.items.iter().find(|i| i.verified.is_none()).unwrap().source.clone();

    // tengu itself may not verify for someone.
    let refused = tengu.set_verification(&Actor::System, &pr.repo, pr.number, waiting.number, true).await;
    assert!(matches!(refused, Err(CoreError::Denied(_))), "{refused:?}");

    let author = Actor::Person(waiting.author.clone());
    let after = tengu.set_verification(&author, &pr.repo, pr.number, waiting.number, true).await.unwrap();
    let verification = after.item(waiting.number).unwrap().verified.clone().expect("ticked");
    assert_eq!(verification.by, waiting.author.to_string());
    let again = tengu.set_verification(&author, &pr.repo, pr.number, waiting.number, true).await.unwrap();
    assert_eq!(again.verified_count(), 4, "a second click changes nothing");

    // The gate on GitHub says who is still owed a tick.
    let status = gate_status(&store, after.head_sha.as_ref().unwrap()).await;
    assert_eq!(status["state"], "pending");
    assert!(status["description"].as_str().unwrap().starts_with("4 of 8 verified — waiting for @"), "{status}");

    // Refreshing the deploy PR keeps every tick and who gave it.
    let refreshed = tengu.open_or_refresh_deploy_pr(&Actor::System, &pr.env).await.unwrap();
    assert_eq!(refreshed.number, pr.number, "the open deploy PR is updated, not duplicated");
    assert_eq!(refreshed.item(waiting.number).unwrap().verified, Some(verification.clone()));
    assert_eq!(refreshed.verified_count(), 4);

    // GitHub's body carries the tick; the audit log says who.
    let sandbox = tengu_sandbox::start(store.clone(), clock(), "http://127.0.0.1:3000").await.unwrap();
    let deployments_before =
        store.recent_deployments(&tengu_core::domain::DeploymentFilter::newest(1000)).await.unwrap().len();
    let body = sandbox_body(&sandbox, &pr).await;
    assert!(checklist_body::read_checks(&body).contains(&(waiting.number, true)));
    let log = store.audit_log(100).await.unwrap();
    let ticks = log.iter().filter(|e| e.action == AuditAction::ItemVerified && e.detail == waiting.title).count();
    assert_eq!(ticks, 1);

    // The restarted sandbox kept its state and did not seed twice.
    assert_eq!(sandbox.deploy_pr(&pr.repo, pr.number).await.unwrap().verified_count(), 4);
    assert_eq!(
        store.recent_deployments(&tengu_core::domain::DeploymentFilter::newest(1000)).await.unwrap().len(),
        deployments_before
    );
    let untick = sandbox.set_verification(&author, &pr.repo, pr.number, waiting.number, false).await.unwrap();
    assert_eq!(untick.verified_count(), 3);
    assert_eq!(Login::parse(store.audit_log(1).await.unwrap()[0].actor.clone()).unwrap(), waiting.author);

    // An override needs a person and a reason; it turns the gate green and survives a refresh.
    // ... and the admin role: a deployer's attempt is refused and recorded.
    let (dave, alice) = (Actor::Person(Login::parse("dave").unwrap()), Actor::Person(Login::parse("alice").unwrap()));
    let refused = sandbox.override_gate(&Actor::System, &pr.repo, pr.number, "because we must").await;
    assert!(matches!(refused, Err(CoreError::Denied(_))));
    let refused = sandbox.override_gate(&dave, &pr.repo, pr.number, "Hotfix for the checkout outage").await;
    let Err(CoreError::Denied(denied)) = refused else { panic!("a deployer may not override: {refused:?}") };
    assert!(denied.0.contains("needs the admin role"), "{denied}");
    let log = store.audit_log(1).await.unwrap();
    assert_eq!((log[0].action, log[0].actor.as_str()), (AuditAction::Refused, "dave"));
    let refused = sandbox.override_gate(&alice, &pr.repo, pr.number, " short ").await;
    assert!(matches!(refused, Err(CoreError::Refused(_))));
    let overridden =
        sandbox.override_gate(&alice, &pr.repo, pr.number, "Hotfix for the checkout outage").await.unwrap();
    assert!(Gate::of(&overridden).is_green());
    let status = gate_status(&store, overridden.head_sha.as_ref().unwrap()).await;
    assert_eq!(status["state"], "success");
    assert_eq!(status["description"], "Overridden by alice: Hotfix for the checkout outage");
    let log = store.audit_log(1).await.unwrap();
    assert_eq!((log[0].action, log[0].actor.as_str()), (AuditAction::GateOverridden, "alice"));
    let refreshed = sandbox.open_or_refresh_deploy_pr(&Actor::System, &pr.env).await.unwrap();
    assert_eq!(refreshed.gate_override, overridden.gate_override, "the same changes keep the decision");
}

/// The `tengu/verification` status the simulated GitHub holds for a commit, read from its persisted world.
async fn gate_status(store: &Arc<dyn Store>, sha: &tengu_core::domain::CommitSha) -> serde_json::Value {
    let world: serde_json::Value =
        serde_json::from_str(&store.load_document("sandbox.world").await.unwrap().unwrap()).unwrap();
    let statuses = world["statuses"][sha.as_str()].as_array().cloned().unwrap_or_default();
    statuses.into_iter().find(|s| s["context"] == tengu_core::usecases::GATE_CONTEXT).expect("a gate status")
}

async fn sandbox_body(tengu: &tengu_core::Tengu, pr: &tengu_core::domain::DeployPr) -> String {
    tengu.code_host().pull_request(&pr.repo, pr.number).await.unwrap().body
}

#[tokio::test]
async fn the_overview_shows_health_from_the_last_check_and_a_service_below_its_desired_count() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let tengu = tengu_sandbox::start(store.clone(), clock(), "http://127.0.0.1:3000").await.unwrap();
    let viewer = tengu_core::domain::Viewer::trusted(Actor::System);
    let before = tengu.home(&viewer).await.unwrap();
    assert!(
        before.environments.iter().all(|e| e.health.services.iter().all(|s| s.counts == "not reported yet")),
        "nothing is reported before ECS was asked: a page load never asks"
    );

    assert_eq!(tengu.check_health().await.unwrap(), 4, "two services in each of two environments");
    let home = tengu.home(&viewer).await.unwrap();
    let health = |env: &str| &home.environments.iter().find(|e| e.name.as_str() == env).unwrap().health;
    let dev = health("dev");
    assert!(dev.degraded);
    let counts: Vec<_> =
        dev.services.iter().map(|s| (s.service.as_str(), s.counts.as_str(), s.below_desired)).collect();
    assert_eq!(counts, [("web", "3 of 3 running", false), ("worker", "1 of 2 running", true)]);
    assert_eq!(dev.age.as_deref(), Some("just now"));
    assert!(!health("production").degraded);
    assert_eq!(health("production").services[0].rollout.as_deref(), Some("completed"));
}

#[tokio::test]
async fn a_source_pull_request_finds_the_deployments_that_carried_it_and_their_deploy_pr_lists_them() {
    use tengu_core::views::HistoryQuery;
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let tengu = tengu_sandbox::start(store.clone(), clock(), "http://127.0.0.1:3000").await.unwrap();
    let viewer = tengu_core::domain::Viewer::trusted(Actor::System);
    let asked = |pairs: &'static [(&'static str, &'static str)]| {
        HistoryQuery::from_params(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
    };

    let found = tengu.history_page(&viewer, &asked(&[("pr", "#110")])).await.unwrap();
    let seen: Vec<_> = found.iter().map(|d| (d.env.as_str(), d.trigger.as_str())).collect();
    assert_eq!(
        seen,
        [("production", "rollback"), ("production", "merge"), ("dev", "merge")],
        "carol's rollback to dave's production merge, that merge, and bob's dev merge before it"
    );
    let merged = &found[1];
    let production = tengu.deployment_view(&viewer, merged.id).await.unwrap();
    let deploy_pr = production.deploy_pr.clone().expect("a merge names its deploy PR");
    assert!(production.compare.is_some(), "what ran before is known");
    assert!(production.shipped.iter().any(|c| c.pr.label == "#110"));

    let number = tengu_core::domain::PrNumber::parse(deploy_pr.label.trim_start_matches('#')).unwrap();
    let repo = tengu_core::domain::RepoSlug::parse("acme/shop").unwrap();
    let page = tengu.deploy_pr_view(&viewer, &repo, number).await.unwrap();
    assert_eq!(page.deployments.iter().map(|d| d.id).collect::<Vec<_>>(), [merged.id]);

    // A commit and an author find them too; the CSV holds the same rows.
    let by_author = tengu.history_page(&viewer, &asked(&[("author", "erin"), ("env", "production")])).await.unwrap();
    assert!(!by_author.is_empty());
    let csv = tengu.history_csv(&viewer, &asked(&[("pr", "110")])).await.unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and the three: {csv}");
    let refused = tengu.history_page(&viewer, &asked(&[("pr", "one-ten")])).await.unwrap_err();
    assert!(refused.user_message().contains("is not a number"), "{}", refused.user_message());
}
