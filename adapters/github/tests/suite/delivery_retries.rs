//! A webhook delivery whose handling meets GitHub failing is tried again by the worker with backoff, parked
//! after its last try, listed for an admin, and handled after Retry. GitHub is a local fake answering 502.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tengu_core::checklist_body;
use tengu_core::domain::{
    Actor, BranchName, ChecklistItem, DeliveryPolicy, DeliveryState, DeployPr, EnvName, Environment, Login, Permission,
    PrNumber, PrState, RepoSlug, SourcePr, Viewer,
};
use tengu_core::ports::ManualClock;
use tengu_core::webhooks::Accepted;
use tengu_core::{CoreError, Tengu};
use tengu_github::{Credentials, GithubCodeHost, GithubSettings, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn repo() -> RepoSlug {
    RepoSlug::parse("acme/shop").unwrap()
}

fn n(number: u64) -> PrNumber {
    PrNumber::new(number).unwrap()
}

fn environment() -> Environment {
    crate::support::acme_environment("dev", "shop-dev")
}

/// tengu on the GitHub stand-in, where `admin` administers the repository and everyone else may write.
async fn tengu_on(server: &MockServer, clock: Arc<ManualClock>, max_attempts: u32) -> Tengu {
    let mut github = GithubSettings::new(Credentials::Token("t0ken".into()));
    github.api_url = server.uri();
    // One GitHub call tries three times quickly, so each delivery try below sees three 502s.
    github.retry =
        RetryPolicy { attempts: 3, first_backoff: Duration::from_millis(5), longest_wait: Duration::from_secs(1) };
    let mut settings = crate::support::settings_for(vec![environment()]);
    settings.deliveries = DeliveryPolicy { max_attempts, ..DeliveryPolicy::default() };
    let github = Arc::new(GithubCodeHost::new(&github).unwrap());
    crate::support::tengu_on_code_host(settings, github, Arc::new(crate::support::OneAdmin("admin")), clock).await
}

fn carols_change() -> SourcePr {
    SourcePr {
        number: n(7),
        title: "Checkout button".into(),
        author: Login::parse("carol").unwrap(),
        assignees: vec![],
        commits: vec![],
        merged_at: None,
        first_commit_at: None,
    }
}

async fn known_deploy_pr(tengu: &Tengu) -> DeployPr {
    let pr = DeployPr {
        repo: repo(),
        number: n(21),
        env: EnvName::parse("dev").unwrap(),
        title: "Deploy to dev".into(),
        url: "https://github.com/acme/shop/pull/21".into(),
        base: BranchName::parse("deployment/dev").unwrap(),
        head: BranchName::parse("master").unwrap(),
        head_sha: None,
        state: PrState::Open,
        items: vec![ChecklistItem { source: carols_change(), verified: None, listed_at: None }],
        direct_commits: vec![],
        gate_override: None,
        updated_at: Utc::now(),
        merge_sha: None,
        version: 0,
    };
    tengu.store().save_deploy_pr(&pr).await.unwrap();
    tengu.deploy_pr(&repo(), n(21)).await.unwrap()
}

fn body(ticked: bool) -> String {
    checklist_body::render_body("", &[(&carols_change(), ticked)], &[], "https://tengu.acme.test", Default::default())
}

/// GitHub's pull request example as an `edited` delivery: carol ticked her box on GitHub.
fn carol_ticks() -> String {
    let path = format!("{}/tests/fixtures/github-rest/pulls-get.json", env!("CARGO_MANIFEST_DIR"));
    let mut pull: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    pull["number"] = json!(21);
    pull["body"] = json!(body(true));
    pull["base"]["ref"] = json!("deployment/dev");
    pull["head"]["ref"] = json!("master");
    let payload = json!({
        "action": "edited",
        "number": 21,
        "changes": { "body": { "from": body(false) } },
        "pull_request": pull,
        "repository": { "full_name": "acme/shop" },
        "sender": { "login": "carol" },
    });
    payload.to_string()
}

fn pull_on_github(ticked: bool) -> ResponseTemplate {
    let path = format!("{}/tests/fixtures/github-rest/pulls-get.json", env!("CARGO_MANIFEST_DIR"));
    let mut pull: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    pull["number"] = json!(21);
    pull["body"] = json!(body(ticked));
    ResponseTemplate::new(200).set_body_json(pull)
}

#[tokio::test]
async fn github_answering_502_three_times_then_200_is_waited_out_by_the_next_try() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/21"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/21"))
        .respond_with(pull_on_github(true))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()));
    let tengu = tengu_on(&server, clock.clone(), 10).await;
    known_deploy_pr(&tengu).await;

    assert_eq!(tengu.accept_delivery("d-1", "pull_request", carol_ticks()).await.unwrap(), Accepted::Stored);
    assert_eq!(tengu.process_due_deliveries("worker").await.unwrap(), 0, "the first try meets three 502s");
    let record = tengu.store().delivery("d-1").await.unwrap().unwrap();
    assert_eq!((record.state(), record.attempts), (DeliveryState::Retrying, 1));
    assert!(record.last_error.as_deref().unwrap().contains("502"), "{:?}", record.last_error);
    assert_eq!(record.next_attempt_at, Some(clock_now(&clock) + chrono::Duration::seconds(15)));

    // A redelivery from GitHub while it waits is acknowledged as known and makes it due at once.
    assert_eq!(tengu.accept_delivery("d-1", "pull_request", carol_ticks()).await.unwrap(), Accepted::Requeued);
    assert_eq!(tengu.process_due_deliveries("worker").await.unwrap(), 1, "GitHub answers 200 now");
    let record = tengu.store().delivery("d-1").await.unwrap().unwrap();
    assert_eq!(record.state(), DeliveryState::Handled);
    // The first try recorded carol's tick before GitHub failed on the read-back; the second finds it recorded and
    // changes nothing twice.
    assert_eq!(record.outcome.as_deref(), Some("0 checklist item(s) changed on GitHub by carol"));
    let pr = tengu.deploy_pr(&repo(), n(21)).await.unwrap();
    assert_eq!(pr.item(n(7)).unwrap().verified.as_ref().unwrap().by, "carol", "applied once");
    assert!(matches!(
        tengu.accept_delivery("d-1", "pull_request", carol_ticks()).await.unwrap(),
        Accepted::AlreadyHandled(_)
    ));
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<Utc> {
    tengu_core::ports::Clock::now(clock)
}

#[tokio::test]
async fn a_delivery_failing_past_its_last_try_is_parked_listed_for_admins_and_handled_after_retry() {
    let server = MockServer::start().await;
    let failing = Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/21"))
        .respond_with(ResponseTemplate::new(502))
        .with_priority(1)
        .mount_as_scoped(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/21"))
        .respond_with(pull_on_github(true))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()));
    let tengu = tengu_on(&server, clock.clone(), 2).await;
    known_deploy_pr(&tengu).await;
    tengu.accept_delivery("d-2", "pull_request", carol_ticks()).await.unwrap();

    assert_eq!(tengu.process_due_deliveries("worker").await.unwrap(), 0);
    clock.advance(chrono::Duration::seconds(14));
    assert_eq!(tengu.process_due_deliveries("worker").await.unwrap(), 0, "not due before its wait");
    assert_eq!(tengu.store().delivery("d-2").await.unwrap().unwrap().attempts, 1, "not tried early");
    clock.advance(chrono::Duration::seconds(1));
    assert_eq!(tengu.process_due_deliveries("worker").await.unwrap(), 0, "the second and last try fails too");
    let parked = tengu.store().delivery("d-2").await.unwrap().unwrap();
    assert_eq!((parked.state(), parked.attempts), (DeliveryState::Failed, 2));
    clock.advance(chrono::Duration::hours(3));
    assert_eq!(tengu.process_due_deliveries("worker").await.unwrap(), 0, "parked: not tried again by itself");

    // The deliveries page lists it for the repository's admin, not for a writer.
    let admin = Actor::Person(Login::parse("admin").unwrap());
    let writer = Actor::Person(Login::parse("carol").unwrap());
    let viewer = |actor: &Actor, permission| Viewer { actor: actor.clone(), grants: [(repo(), permission)].into() };
    let listed = tengu.troubled_deliveries(&viewer(&admin, Permission::Admin)).await.unwrap();
    assert_eq!(listed.iter().map(|d| d.delivery_id.as_str()).collect::<Vec<_>>(), ["d-2"]);
    assert!(listed[0].last_error.as_deref().unwrap().contains("502"));
    assert!(tengu.troubled_deliveries(&viewer(&writer, Permission::Write)).await.unwrap().is_empty());
    let refused = tengu.retry_delivery(&writer, "d-2").await.unwrap_err();
    assert!(matches!(refused, CoreError::Denied(_)), "{refused:?}");

    // GitHub is back; the admin presses Retry.
    drop(failing);
    let retried = tengu.retry_delivery(&admin, "d-2").await.unwrap();
    assert_eq!((retried.state(), retried.attempts), (DeliveryState::Retrying, 0));
    assert_eq!(tengu.process_due_deliveries("worker").await.unwrap(), 1);
    assert_eq!(tengu.store().delivery("d-2").await.unwrap().unwrap().state(), DeliveryState::Handled);
    assert!(tengu.troubled_deliveries(&viewer(&admin, Permission::Admin)).await.unwrap().is_empty());
    let pr = tengu.deploy_pr(&repo(), n(21)).await.unwrap();
    assert!(pr.item(n(7)).unwrap().verified.is_some());
}
