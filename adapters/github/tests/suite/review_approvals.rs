//! A GitHub review of the deploy PR approves a merge's deployment only as an approval in tengu would: another
//! person than the merger, with the deployer role and the environment's bar (asked of GitHub), for the commit that
//! was merged. Against a GitHub stand-in that answers reviews and permissions as GitHub's REST API does.

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use tengu_core::Tengu;
use tengu_core::domain::{
    Actor, AuditAction, BranchName, CommitSha, DeployPr, DeploymentState, EnvName, Environment, ImageRef, Login,
    Permission, PrNumber, PrState, RepoSlug, Trigger,
};
use tengu_core::ports::ManualClock;
use tengu_core::usecases::{DeployRequest, DeployTarget};
use tengu_github::{Credentials, GithubCodeHost, GithubSettings};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MERGED_HEAD: &str = "1111111111111111111111111111111111111111";
const EARLIER_HEAD: &str = "0000000000000000000000000000000000000000";

fn repo() -> RepoSlug {
    RepoSlug::parse("acme/shop").unwrap()
}

fn production() -> Environment {
    Environment {
        required_permission: Some(Permission::Maintain),
        approvals_required: 1,
        verification: Default::default(),
        ..crate::support::acme_environment("production", "shop")
    }
}

async fn github_with_people(server: &MockServer) -> Tengu {
    for (login, permission) in
        [("bob", "maintain"), ("mallory", "read"), ("carol", "maintain"), ("dave", "write"), ("erin", "maintain")]
    {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/shop/collaborators/{login}/permission")))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"permission": permission, "role_name": permission})),
            )
            .mount(server)
            .await;
    }
    let mut settings = GithubSettings::new(Credentials::Token("t0ken".into()));
    settings.api_url = server.uri();
    let github = Arc::new(GithubCodeHost::new(&settings).unwrap());
    let settings = crate::support::settings_for(vec![production()]);
    let clock = Arc::new(ManualClock::at(Utc::now()));
    crate::support::tengu_on_code_host(settings, github.clone(), github, clock).await
}

async fn reviews_of(server: &MockServer, number: u64, reviews: &[(&str, &str)]) {
    let listed: Vec<_> = reviews
        .iter()
        .map(|(login, commit)| json!({"user": {"login": login}, "state": "APPROVED", "commit_id": commit}))
        .collect();
    Mock::given(method("GET"))
        .and(path(format!("/repos/acme/shop/pulls/{number}/reviews")))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed))
        .mount(server)
        .await;
}

/// The deploy PR as tengu holds it once its merge was heard of: merged, with the head it had at the merge.
async fn merged_deploy_pr(tengu: &Tengu, number: u64) {
    let pr = DeployPr {
        repo: repo(),
        number: PrNumber::new(number).unwrap(),
        env: EnvName::parse("production").unwrap(),
        title: "Deploy to production".into(),
        url: format!("https://github.com/acme/shop/pull/{number}"),
        base: BranchName::parse("deployment/production").unwrap(),
        head: BranchName::parse("master").unwrap(),
        head_sha: Some(CommitSha::parse(MERGED_HEAD).unwrap()),
        state: PrState::Merged,
        items: Vec::new(),
        direct_commits: Vec::new(),
        gate_override: None,
        updated_at: Utc::now(),
        merge_sha: None,
        version: 0,
    };
    assert!(tengu.store().save_deploy_pr(&pr).await.unwrap());
}

fn merge_of(number: u64) -> DeployRequest {
    DeployRequest {
        env: EnvName::parse("production").unwrap(),
        target: DeployTarget::Image {
            image: ImageRef::parse("registry.test/shop:abc1234").unwrap(),
            sha: None,
            source_prs: vec![],
            deploy_pr: Some(PrNumber::new(number).unwrap()),
            commit_unknown_reason: None,
        },
        trigger: Trigger::Merge,
        idempotency_key: Some(format!("merge:{number}")),
        overrides: Default::default(),
    }
}

#[tokio::test]
async fn only_a_review_that_the_rule_table_would_let_approve_counts() {
    let server = MockServer::start().await;
    let tengu = github_with_people(&server).await;
    let bob = Actor::Person(Login::parse("bob").unwrap());
    // Every way a review can fail to count, and none that counts.
    reviews_of(
        &server,
        21,
        &[("bob", MERGED_HEAD), ("mallory", MERGED_HEAD), ("carol", EARLIER_HEAD), ("dave", MERGED_HEAD)],
    )
    .await;
    merged_deploy_pr(&tengu, 21).await;
    let waiting = tengu.request_deployment(&bob, merge_of(21)).await.unwrap();
    assert_eq!(waiting.state, DeploymentState::AwaitingApproval);
    assert_eq!(waiting.approved_by, None);
    let why = waiting.reason.clone().expect("the deployment says why the reviews did not count");
    for expected in [
        "bob's review does not count: a deployment needs another person's approval; they asked for this one",
        "mallory's review does not count: Approve needs the deployer role (write on acme/shop); they have read",
        "carol approved 0000000, but 1111111 was merged",
        "dave's review does not count: Approving a deployment to production needs maintain on acme/shop; they have \
         write",
    ] {
        assert!(why.contains(expected), "{expected:?} in {why:?}");
    }
    let refusals = tengu.store().audit_log(20).await.unwrap();
    let refused = refusals
        .iter()
        .find(|e| e.action == AuditAction::Refused && e.target == format!("deployment {}", waiting.id))
        .expect("the reviews that did not count are in the audit log");
    assert!(refused.detail.contains("carol approved 0000000"), "{}", refused.detail);

    // Approved in tengu by another deployer with the bar, the note gives way.
    let erin = Actor::Person(Login::parse("erin").unwrap());
    let approved = tengu.approve_deployment(&erin, waiting.id).await.unwrap();
    assert_eq!(approved.reason, None);
    assert_eq!(approved.approved_by.as_deref(), Some("erin"));
}

#[tokio::test]
async fn another_maintainers_review_of_the_merged_head_approves_the_merge() {
    let server = MockServer::start().await;
    let tengu = github_with_people(&server).await;
    let bob = Actor::Person(Login::parse("bob").unwrap());
    reviews_of(&server, 22, &[("dave", MERGED_HEAD), ("erin", MERGED_HEAD)]).await;
    merged_deploy_pr(&tengu, 22).await;
    let approved = tengu.request_deployment(&bob, merge_of(22)).await.unwrap();
    assert_eq!(approved.state, DeploymentState::Requested);
    assert_eq!(approved.approved_by.as_deref(), Some("erin (GitHub review of acme/shop#22)"));
    assert_eq!(approved.reason, None, "nothing to explain");
    let log = tengu.store().audit_log(20).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == AuditAction::DeploymentApproved && e.actor == "erin"),
        "the approval is erin's in the audit log"
    );
}

#[tokio::test]
async fn a_review_is_not_matched_without_the_merged_head_and_github_down_counts_none() {
    let server = MockServer::start().await;
    let tengu = github_with_people(&server).await;
    let bob = Actor::Person(Login::parse("bob").unwrap());
    // tengu never recorded deploy PR 23: it cannot tell what was merged.
    reviews_of(&server, 23, &[("erin", MERGED_HEAD)]).await;
    let waiting = tengu.request_deployment(&bob, merge_of(23)).await.unwrap();
    assert_eq!(waiting.state, DeploymentState::AwaitingApproval);
    assert!(waiting.reason.unwrap().contains("erin's review cannot be matched with the commit that was merged"));
    // GitHub answers 404 for the reviews of 24: the merge waits, and says why.
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/24/reviews"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    merged_deploy_pr(&tengu, 24).await;
    let alice = Actor::Person(Login::parse("erin").unwrap());
    tengu.reject_deployment(&alice, waiting.id, "not this one").await.unwrap();
    let waiting = tengu.request_deployment(&bob, merge_of(24)).await.unwrap();
    assert_eq!(waiting.state, DeploymentState::AwaitingApproval);
    assert!(waiting.reason.unwrap().contains("GitHub's reviews could not be read"));
}

#[tokio::test]
async fn a_later_page_of_reviews_can_take_an_approval_back() {
    use wiremock::matchers::query_param;
    let server = MockServer::start().await;
    let tengu = github_with_people(&server).await;
    let bob = Actor::Person(Login::parse("bob").unwrap());
    let mut first: Vec<_> = vec![json!({"user": {"login": "erin"}, "state": "APPROVED", "commit_id": MERGED_HEAD})];
    first.extend((0..99).map(|_| json!({"user": {"login": "carol"}, "state": "COMMENTED", "commit_id": MERGED_HEAD})));
    let second = json!([{"user": {"login": "erin"}, "state": "CHANGES_REQUESTED", "commit_id": MERGED_HEAD}]);
    for (page, body) in [("1", json!(first)), ("2", second)] {
        Mock::given(method("GET"))
            .and(path("/repos/acme/shop/pulls/25/reviews"))
            .and(query_param("page", page))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    merged_deploy_pr(&tengu, 25).await;
    let waiting = tengu.request_deployment(&bob, merge_of(25)).await.unwrap();
    assert_eq!(waiting.state, DeploymentState::AwaitingApproval, "erin asked for changes on the second page");
    assert_eq!(waiting.approved_by, None);
}
