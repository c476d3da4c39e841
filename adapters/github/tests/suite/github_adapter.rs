//! The octocrab adapter against a local fake of GitHub whose REST answers are the examples of GitHub's own
//! REST description (`@octokit/openapi`, see fixtures/github-rest) and whose GraphQL answers follow GitHub's
//! GraphQL schema.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tengu_core::domain::{
    Actor, BranchName, CommitSha, DeployPrOptions, EnvName, Environment, Login, PrNumber, PrState, RepoSlug,
};
use tengu_core::ports::{
    CodeHost, CodeHostError, CommitStatus, GithubDeploymentState, ManualClock, NewPullRequest, StatusState,
};
use tengu_core::{CoreError, Tengu};
use tengu_github::{Credentials, GithubCodeHost, GithubSettings, RetryPolicy};
use wiremock::matchers::{body_partial_json, header, header_exists, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn fixture(name: &str) -> Value {
    let file = format!("{}/tests/fixtures/github-rest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

fn repo() -> RepoSlug {
    RepoSlug::parse("acme/shop").unwrap()
}

fn branch(name: &str) -> BranchName {
    BranchName::parse(name).unwrap()
}

fn n(number: u64) -> PrNumber {
    PrNumber::new(number).unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy { attempts: 3, first_backoff: Duration::from_millis(20), longest_wait: Duration::from_secs(5) }
}

fn with_token(server: &MockServer) -> GithubCodeHost {
    let mut settings = GithubSettings::new(Credentials::Token("t0ken".into()));
    settings.api_url = server.uri();
    settings.retry = fast_retries();
    GithubCodeHost::new(&settings).unwrap()
}

fn as_app(server: &MockServer, installation_id: Option<u64>) -> GithubCodeHost {
    let key = include_str!("../fixtures/github-app/test-only-private-key.pem");
    let credentials = Credentials::App { app_id: 4242, private_key_pem: key.into(), installation_id };
    let mut settings = GithubSettings::new(credentials);
    settings.api_url = server.uri();
    settings.retry = fast_retries();
    GithubCodeHost::new(&settings).unwrap()
}

/// GitHub's pull request example, renumbered and moved onto tengu's branches.
fn deploy_pr_json(number: u64, body: &str) -> Value {
    let mut pr = fixture("pulls-get.json");
    pr["number"] = json!(number);
    pr["body"] = json!(body);
    pr["html_url"] = json!(format!("https://github.com/acme/shop/pull/{number}"));
    pr["base"]["ref"] = json!("deployment/dev");
    pr["head"]["ref"] = json!("master");
    pr
}

#[tokio::test]
async fn a_pull_request_reads_from_githubs_own_example_with_a_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/1347"))
        .and(header("authorization", "Bearer t0ken"))
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pulls-get.json")))
        .expect(1)
        .mount(&server)
        .await;
    let pr = with_token(&server).pull_request(&repo(), n(1347)).await.unwrap();
    assert_eq!(pr.number, n(1347));
    assert_eq!(pr.title, "Amazing new feature");
    assert_eq!(pr.author.as_str(), "octocat");
    assert_eq!((pr.base.as_str(), pr.head.as_str()), ("master", "new-topic"));
    assert_eq!(pr.head_sha.as_str(), "6dcb09b5b57875f334f61aebed695e2e4193db5e");
    assert_eq!(pr.state, PrState::Open);
    assert_eq!(pr.url, "https://github.com/octocat/Hello-World/pull/1347");
}

#[tokio::test]
async fn the_open_deploy_pr_is_found_by_its_branch_pair() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .and(query_param("state", "open"))
        .and(query_param("base", "deployment/dev"))
        .and(query_param("head", "acme:master"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pulls-list.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .and(query_param("base", "deployment/production"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let host = with_token(&server);
    let found = host.find_open_pull_request(&repo(), &branch("deployment/dev"), &branch("master")).await.unwrap();
    assert_eq!(found.unwrap().number, n(1347));
    let none = host.find_open_pull_request(&repo(), &branch("deployment/production"), &branch("master")).await;
    assert_eq!(none.unwrap(), None);
}

#[tokio::test]
async fn a_new_deploy_pr_is_opened_as_a_draft_with_its_labels_and_assignees() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .and(body_partial_json(json!({
            "title": "Deploy to dev", "base": "deployment/dev", "head": "master", "draft": true, "body": "list",
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("pulls-create.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/1347/labels"))
        .and(body_partial_json(json!({ "labels": ["deploy", "dev"] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("issues-add-labels.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/1347/assignees"))
        .and(body_partial_json(json!({ "assignees": ["release-captain"] })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("issues-add-assignees.json")))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewPullRequest {
        title: "Deploy to dev".into(),
        body: "list".into(),
        base: branch("deployment/dev"),
        head: branch("master"),
        draft: true,
        labels: vec!["deploy".into(), "dev".into()],
        assignees: vec![Login::parse("release-captain").unwrap()],
    };
    let created = with_token(&server).create_pull_request(&repo(), new).await.unwrap();
    assert_eq!(created.number, n(1347));
}

#[tokio::test]
async fn the_gate_is_a_commit_status_with_a_description_github_accepts() {
    let server = MockServer::start().await;
    let sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
    Mock::given(method("POST"))
        .and(path(format!("/repos/acme/shop/statuses/{sha}")))
        .and(body_partial_json(json!({
            "state": "pending", "context": "tengu/verification", "target_url": "http://tengu.test/x",
        })))
        .respond_with(|request: &Request| {
            let body: Value = request.body_json().unwrap();
            let length = body["description"].as_str().unwrap().chars().count();
            let status = if length <= 140 { 201 } else { 422 };
            ResponseTemplate::new(status).set_body_json(fixture("repos-create-commit-status.json"))
        })
        .expect(1)
        .mount(&server)
        .await;
    let status = CommitStatus {
        state: StatusState::Pending,
        context: "tengu/verification".into(),
        description: format!("3 of 40 verified — waiting for {}", "@someone-with-a-long-login ".repeat(10)),
        target_url: Some("http://tengu.test/x".into()),
    };
    with_token(&server).set_commit_status(&repo(), &CommitSha::parse(sha).unwrap(), &status).await.unwrap();
}

fn installation_token(expires_in: chrono::Duration) -> Value {
    let mut token = fixture("apps-create-installation-access-token.json");
    token["expires_at"] = json!((Utc::now() + expires_in).to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    token
}

async fn mount_pull_for_installation_token(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/1347"))
        .and(header("authorization", "Bearer ghs_16C7e42F292c6912E7710c838347Ae178B4a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pulls-get.json")))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_github_app_finds_its_installation_and_reuses_the_token_while_it_is_fresh() {
    let server = MockServer::start().await;
    let installation = fixture("apps-get-repo-installation.json");
    let id = installation["id"].as_u64().unwrap();
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/installation"))
        .and(header_regex("authorization", r"^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(installation))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/app/installations/{id}/access_tokens")))
        .and(header_regex("authorization", r"^Bearer eyJ"))
        .respond_with(ResponseTemplate::new(201).set_body_json(installation_token(chrono::Duration::hours(1))))
        .expect(1)
        .mount(&server)
        .await;
    mount_pull_for_installation_token(&server).await;
    let host = as_app(&server, None);
    for _ in 0..3 {
        assert_eq!(host.pull_request(&repo(), n(1347)).await.unwrap().number, n(1347));
    }
}

#[tokio::test]
async fn an_installation_token_close_to_expiry_is_renewed_before_it_is_used() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/app/installations/77/access_tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_json(installation_token(chrono::Duration::minutes(3))))
        .expect(2)
        .mount(&server)
        .await;
    mount_pull_for_installation_token(&server).await;
    let host = as_app(&server, Some(77));
    host.pull_request(&repo(), n(1347)).await.unwrap();
    host.pull_request(&repo(), n(1347)).await.unwrap();
}

#[tokio::test]
async fn an_app_not_installed_on_the_repository_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/installation"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" })))
        .mount(&server)
        .await;
    let error = as_app(&server, None).pull_request(&repo(), n(1)).await.unwrap_err();
    assert_eq!(error, CodeHostError::MissingPermission("the GitHub App is not installed on acme/shop".into()));
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/1347"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/1347"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pulls-get.json")))
        .mount(&server)
        .await;
    let started = Instant::now();
    assert!(with_token(&server).pull_request(&repo(), n(1347)).await.is_ok());
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert!(started.elapsed() >= Duration::from_millis(60), "waited 20 ms, then 40 ms");
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_reported_after_the_last_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let error = with_token(&server).pull_request(&repo(), n(1347)).await.unwrap_err();
    assert_eq!(error, CodeHostError::Unavailable("GitHub answered 503 Service Unavailable (tried 3 times)".into()));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_secondary_rate_limit_waits_for_retry_after() {
    let server = MockServer::start().await;
    let limited = json!({
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    });
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).insert_header("retry-after", "1").set_body_json(limited))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pulls-get.json")))
        .mount(&server)
        .await;
    let started = Instant::now();
    assert!(with_token(&server).pull_request(&repo(), n(1347)).await.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was honoured");
}

#[tokio::test]
async fn a_primary_rate_limit_waits_until_the_reset_or_says_when_it_is_too_far() {
    let server = MockServer::start().await;
    let reset_soon = (Utc::now().timestamp() + 1).to_string();
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/1"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset_soon.as_str())
                .set_body_json(json!({ "message": "API rate limit exceeded for installation ID 77." })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pulls-get.json")))
        .mount(&server)
        .await;
    let reset_later = (Utc::now().timestamp() + 3600).to_string();
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/2"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset_later.as_str())
                .set_body_json(json!({ "message": "API rate limit exceeded for installation ID 77." })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let host = with_token(&server);
    assert!(host.pull_request(&repo(), n(1)).await.is_ok(), "waited for the reset a second away");
    match host.pull_request(&repo(), n(2)).await.unwrap_err() {
        CodeHostError::Unavailable(sentence) => {
            assert!(sentence.contains("API rate limit exceeded"), "{sentence}");
            assert!(sentence.contains("longer than tengu waits"), "{sentence}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn every_other_failure_reads_as_a_sentence() {
    let server = MockServer::start().await;
    let answer = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
    let cases = [
        ("/repos/acme/shop/pulls/1", answer(401, json!({ "message": "Bad credentials" }))),
        ("/repos/acme/shop/pulls/2", answer(403, json!({ "message": "Resource not accessible by integration" }))),
        ("/repos/acme/shop/pulls/3", answer(404, json!({ "message": "Not Found" }))),
    ];
    for (route, response) in cases {
        Mock::given(method("GET")).and(path(route)).respond_with(response).mount(&server).await;
    }
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(answer(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [{ "resource": "PullRequest", "code": "custom",
                             "message": "No commits between deployment/dev and master" }],
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
            }),
        ))
        .mount(&server)
        .await;
    let host = with_token(&server);
    assert_eq!(host.pull_request(&repo(), n(1)).await.unwrap_err(), CodeHostError::BadCredentials);
    let missing = host.pull_request(&repo(), n(2)).await.unwrap_err();
    assert_eq!(
        missing.to_string(),
        "tengu's GitHub credentials lack a permission: Resource not accessible by integration (pull request #2 in acme/shop)"
    );
    let unknown = host.pull_request(&repo(), n(3)).await.unwrap_err();
    assert_eq!(unknown.to_string(), "pull request #3 in acme/shop was not found on GitHub");
    let new = NewPullRequest {
        title: "t".into(),
        body: String::new(),
        base: branch("deployment/dev"),
        head: branch("master"),
        draft: false,
        labels: vec![],
        assignees: vec![],
    };
    let refused = host.create_pull_request(&repo(), new).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "GitHub refused the request: Validation Failed: No commits between deployment/dev and master"
    );
}

#[tokio::test]
async fn a_missing_branch_is_named() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": { "repository": { "ref": null } } })))
        .mount(&server)
        .await;
    let error = with_token(&server).compare(&repo(), &branch("deployment/dev"), &branch("master")).await.unwrap_err();
    assert_eq!(error.to_string(), "branch deployment/dev in acme/shop was not found on GitHub");
}

/// A repository where 100 pull requests brought 300 commits to `master` since `deployment/dev`, three each:
/// 90 rebase merges GitHub associates with their PR, and 10 PRs whose commits GitHub did not associate, found by
/// their `(#n)` messages. GraphQL pages of 100 commits, cursor `page-<k>`.
struct BigRange;

/// When commit `index` was written: a minute apart from 09:00 on 1 October in Tokyo, as a Tokyo clock says it.
fn written_at(index: usize) -> chrono::DateTime<chrono::FixedOffset> {
    let tokyo = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    tokyo.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(index as i64)
}

fn commit_node(index: usize) -> Value {
    let pr = index / 3 + 1;
    // Squash merges GitHub did not associate: only their messages name the PR.
    let unassociated = pr > 90;
    let headline = if unassociated {
        format!("Squashed change {} (#{pr})", index % 3)
    } else {
        format!("Part {} of #{pr}", index % 3)
    };
    let associated = if unassociated {
        json!([])
    } else {
        let merged = chrono::Utc.with_ymd_and_hms(2026, 10, 5, 0, 0, 0).unwrap() + chrono::Duration::hours(pr as i64);
        json!([{
            "number": pr, "title": format!("Feature {pr}"), "state": "MERGED", "baseRefName": "master",
            "mergedAt": merged.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "author": { "login": format!("dev{}", pr % 7) },
            "assignees": { "nodes": [{ "login": "reviewer" }] },
        }])
    };
    json!({
        "oid": format!("{index:040x}"),
        "messageHeadline": headline,
        "author": { "user": { "login": format!("dev{}", pr % 7) }, "date": written_at(index).to_rfc3339() },
        "parents": { "totalCount": 1 },
        "associatedPullRequests": { "nodes": associated },
    })
}

impl Respond for BigRange {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let query = body["query"].as_str().unwrap();
        if query.contains("compare(headRef") {
            let page: usize = body["variables"]["after"].as_str().map_or(0, |c| c[5..].parse().unwrap());
            let nodes: Vec<Value> = (page * 100..page * 100 + 100).map(commit_node).collect();
            let more = page < 2;
            let commits = json!({
                "pageInfo": { "hasNextPage": more, "endCursor": format!("page-{}", page + 1) },
                "nodes": nodes,
            });
            return ResponseTemplate::new(200)
                .set_body_json(json!({ "data": { "repository": { "ref": { "compare": { "commits": commits } } } } }));
        }
        let mut repository = serde_json::Map::new();
        for alias in query.split("pr").skip(1).filter_map(|s| s.split(':').next()?.parse::<u64>().ok()) {
            repository.insert(
                format!("pr{alias}"),
                json!({ "number": alias, "title": format!("Feature {alias}"), "author": { "login": "squasher" },
                        "assignees": { "nodes": [] } }),
            );
        }
        ResponseTemplate::new(200).set_body_json(json!({ "data": { "repository": repository } }))
    }
}

fn dev_environment(deploy_pr: DeployPrOptions) -> Environment {
    Environment { deploy_pr, ..crate::support::acme_environment("dev", "shop-dev") }
}

async fn tengu_on(server: &MockServer, deploy_pr: DeployPrOptions) -> Tengu {
    tengu_with(server, dev_environment(deploy_pr), tengu_core::domain::Permission::Admin).await
}

/// tengu on the GitHub stand-in with one environment, where everyone has `permission`.
async fn tengu_with(
    server: &MockServer,
    environment: Environment,
    permission: tengu_core::domain::Permission,
) -> Tengu {
    let settings = crate::support::settings_for(vec![environment]);
    let everyone = Arc::new(crate::support::EveryoneHas(permission));
    crate::support::tengu_on_code_host(
        settings,
        Arc::new(with_token(server)),
        everyone,
        Arc::new(ManualClock::at(Utc::now())),
    )
    .await
}

async fn requests(server: &MockServer) -> Vec<String> {
    server.received_requests().await.unwrap().iter().map(|r| format!("{} {}", r.method, r.url.path())).collect()
}

#[tokio::test]
async fn refreshing_a_deploy_pr_of_100_prs_and_300_commits_costs_4_calls_beyond_the_pr_itself() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/graphql")).respond_with(BigRange).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let written = Arc::new(std::sync::Mutex::new(String::new()));
    let keep = written.clone();
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(move |request: &Request| {
            let sent: Value = request.body_json().unwrap();
            *keep.lock().unwrap() = sent["body"].as_str().unwrap().to_owned();
            ResponseTemplate::new(201).set_body_json(deploy_pr_json(500, sent["body"].as_str().unwrap()))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex_statuses())
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-commit-status.json")))
        .mount(&server)
        .await;
    let tengu = tengu_on(&server, DeployPrOptions::default()).await;
    let person = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();

    let opened = tengu.open_or_refresh_deploy_pr(&person, &dev).await.unwrap();
    assert_eq!(opened.items.len(), 100);
    assert_eq!(opened.items.iter().map(|i| i.source.commits.len()).sum::<usize>(), 300);
    assert!(opened.direct_commits.is_empty());
    let squashed = opened.item(n(95)).unwrap();
    assert_eq!((squashed.source.author.as_str(), squashed.source.commits.len()), ("squasher", 3));
    assert_eq!(opened.item(n(12)).unwrap().source.assignees, vec![Login::parse("reviewer").unwrap()]);
    // Each change keeps when it was merged, when its first commit was written, and when it was first listed.
    let second = opened.item(n(2)).unwrap();
    assert_eq!(second.source.merged_at, Some(Utc.with_ymd_and_hms(2026, 10, 5, 2, 0, 0).unwrap()));
    assert_eq!(second.source.first_commit_at, Some(written_at(3).to_utc()), "the earliest of commits 3, 4 and 5");
    let listed = second.listed_at.expect("listed now");
    let calls = requests(&server).await;
    let graphql = calls.iter().filter(|c| *c == "POST /graphql").count();
    println!("opening: {} calls: {calls:?}", calls.len());
    assert_eq!(graphql, 4, "3 pages of 100 commits with their PRs + 1 query for the 10 PRs named only in messages");
    assert_eq!(calls.len(), graphql + 3, "+ find the open deploy PR, create it, set the gate");
    assert!(written.lock().unwrap().contains("- [ ] #95 Feature 95 @squasher"));

    // The refresh of the now-open deploy PR: the same 4, then reading and writing the PR and the gate.
    server.reset().await;
    Mock::given(method("POST")).and(path("/graphql")).respond_with(BigRange).mount(&server).await;
    let mut body = written.lock().unwrap().clone();
    body = body.replace("- [ ] #7 ", "- [x] #7 ");
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([deploy_pr_json(500, &body)])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls/500"))
        .respond_with(ResponseTemplate::new(200).set_body_json(deploy_pr_json(500, &body)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex_statuses())
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-commit-status.json")))
        .mount(&server)
        .await;
    let refreshed = tengu.open_or_refresh_deploy_pr(&person, &dev).await.unwrap();
    assert!(refreshed.item(n(7)).unwrap().verified.is_some(), "the tick given on GitHub is kept");
    let kept = refreshed.item(n(2)).unwrap().listed_at.map(|at| at.timestamp_millis());
    assert_eq!(
        kept,
        Some(listed.timestamp_millis()),
        "first listed then (kept to the millisecond), not at each refresh"
    );
    let calls = requests(&server).await;
    println!("refreshing an unchanged list with a tick tengu has not heard of: {} calls: {calls:?}", calls.len());
    assert_eq!(calls.iter().filter(|c| *c == "POST /graphql").count(), 4);
    // + find the deploy PR, read its body again (it disagrees with tengu's record: a tick made on GitHub), set the
    // gate; the body is unchanged, so no write.
    assert_eq!(calls.len(), 4 + 3, "{calls:?}");

    // Refreshed again, the record agrees with the body: no second read.
    server.reset().await;
    Mock::given(method("POST")).and(path("/graphql")).respond_with(BigRange).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([deploy_pr_json(500, &body)])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex_statuses())
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-commit-status.json")))
        .mount(&server)
        .await;
    tengu.open_or_refresh_deploy_pr(&person, &dev).await.unwrap();
    assert_eq!(requests(&server).await.len(), 4 + 2, "+ find the deploy PR + set the gate");
}

fn path_regex_statuses() -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex(r"^/repos/acme/shop/statuses/[0-9a-f]{40}$")
}

#[tokio::test]
async fn a_new_deploy_pr_takes_the_environments_title_draft_labels_and_assignees() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/graphql")).respond_with(BigRange).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .and(body_partial_json(json!({ "draft": true })))
        .respond_with(move |request: &Request| {
            let sent: Value = request.body_json().unwrap();
            assert!(sent["title"].as_str().unwrap().starts_with("Release dev from master on 20"), "{sent}");
            ResponseTemplate::new(201).set_body_json(deploy_pr_json(501, sent["body"].as_str().unwrap()))
        })
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/501/labels"))
        .and(body_partial_json(json!({ "labels": ["release"] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("issues-add-labels.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/501/assignees"))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("issues-add-assignees.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex_statuses())
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-commit-status.json")))
        .mount(&server)
        .await;
    let options = DeployPrOptions {
        title_template: "Release {env} from {source} on {date}".into(),
        draft: true,
        labels: vec!["release".into()],
        assignees: vec![Login::parse("release-captain").unwrap()],
        ..DeployPrOptions::default()
    };
    let tengu = tengu_on(&server, options).await;
    let result = tengu
        .open_or_refresh_deploy_pr(&Actor::Person(Login::parse("alice").unwrap()), &EnvName::parse("dev").unwrap())
        .await;
    assert!(result.is_ok(), "{:?}", result.err().map(|e: CoreError| e.user_message()));
}

fn new_deploy_pr() -> NewPullRequest {
    NewPullRequest {
        title: "Deploy to dev".into(),
        body: "list".into(),
        base: branch("deployment/dev"),
        head: branch("master"),
        draft: false,
        labels: vec!["deploy".into()],
        assignees: vec![],
    }
}

#[tokio::test]
async fn a_deploy_pr_that_already_exists_is_taken_instead_of_failing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{ "resource": "PullRequest", "code": "custom",
                         "message": "A pull request already exists for acme:master." }],
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([deploy_pr_json(88, "list")])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/88/labels"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({ "message": "Resource not accessible by integration" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let taken = with_token(&server).create_pull_request(&repo(), new_deploy_pr()).await.unwrap();
    assert_eq!(taken.number, n(88), "labels that cannot be set do not lose the deploy PR");
}

#[tokio::test]
async fn a_create_call_that_fails_is_not_sent_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/5/comments"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let error = with_token(&server).create_issue_comment(&repo(), n(5), "reminder").await.unwrap_err();
    match error {
        CodeHostError::Unavailable(sentence) => assert!(sentence.contains("not sent again"), "{sentence}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_graphql_rate_limit_inside_a_200_is_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).insert_header("retry-after", "1").set_body_json(json!({
            "errors": [{ "type": "RATE_LIMITED", "message": "API rate limit exceeded for installation ID 77." }],
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": { "repository": {
            "pr3": { "number": 3, "title": "Three", "author": null, "assignees": { "nodes": [] } } } } })))
        .mount(&server)
        .await;
    let started = Instant::now();
    let pulls = with_token(&server).pull_summaries(&repo(), &[n(3)]).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].author.as_str(), "ghost", "a deleted account reads as GitHub shows it");
}

#[tokio::test]
async fn a_deployment_is_mirrored_to_githubs_deployments_api() {
    let server = MockServer::start().await;
    let sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/deployments"))
        .and(body_partial_json(json!({
            "ref": sha, "environment": "production", "auto_merge": false, "required_contexts": [],
            "production_environment": true,
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-deployment.json")))
        .expect(1)
        .mount(&server)
        .await;
    let id = fixture("repos-create-deployment.json")["id"].as_u64().unwrap();
    Mock::given(method("POST"))
        .and(path(format!("/repos/acme/shop/deployments/{id}/statuses")))
        .and(body_partial_json(json!({
            "state": "in_progress", "log_url": "https://tengu.test/deployments/9",
            "environment_url": "https://shop.example.com",
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-deployment-status.json")))
        .expect(1)
        .mount(&server)
        .await;
    let host = with_token(&server);
    let created = host
        .create_deployment(&repo(), &CommitSha::parse(sha).unwrap(), "production", "shop:abc by alice", false)
        .await;
    assert_eq!(created.unwrap(), id);
    let log_url = "https://tengu.test/deployments/9";
    let state = GithubDeploymentState::InProgress;
    host.create_deployment_status(&repo(), id, state, log_url, Some("https://shop.example.com")).await.unwrap();
}

#[tokio::test]
async fn a_review_environment_comment_is_posted_once_then_edited_and_its_deployment_is_transient() {
    let server = MockServer::start().await;
    let posted = fixture("issues-create-comment.json");
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/7/comments"))
        .and(body_partial_json(json!({ "body": "starting" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(posted.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let id = posted["id"].as_u64().unwrap();
    Mock::given(method("PATCH"))
        .and(path(format!("/repos/acme/shop/issues/comments/{id}")))
        .and(body_partial_json(json!({ "body": "running" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("issues-update-comment.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/deployments"))
        .and(body_partial_json(json!({
            "environment": "review/pr-7", "transient_environment": true, "production_environment": false,
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-deployment.json")))
        .expect(1)
        .mount(&server)
        .await;
    let host = with_token(&server);
    assert_eq!(host.create_issue_comment(&repo(), n(7), "starting").await.unwrap(), id);
    host.update_issue_comment(&repo(), id, "running").await.unwrap();
    let sha = CommitSha::parse("6dcb09b5b57875f334f61aebed695e2e4193db5e").unwrap();
    host.create_deployment(&repo(), &sha, "review/pr-7", "review environment", true).await.unwrap();
}

#[tokio::test]
async fn permissions_and_memberships_are_read_as_github_answers_them() {
    use tengu_core::domain::Permission;
    use tengu_core::ports::People;
    let server = MockServer::start().await;
    let answers = [
        ("alice", json!({"permission": "admin", "role_name": "admin"})),
        ("bob", json!({"permission": "write", "role_name": "maintain"})),
        ("carol", json!({"permission": "write", "role_name": "write"})),
        ("dave", json!({"permission": "read", "role_name": "triage"})),
        ("erin", json!({"permission": "read", "role_name": "read"})),
        ("frank", json!({"permission": "write", "role_name": "release-captain"})),
        ("grace", json!({"permission": "none", "role_name": "none"})),
    ];
    for (login, answer) in &answers {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/shop/collaborators/{login}/permission")))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/orgs/acme/members/alice"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/teams/deployers/memberships/bob"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"state": "active", "role": "member"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/teams/deployers/memberships/carol"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"state": "pending", "role": "member"})))
        .mount(&server)
        .await;
    let github = with_token(&server);
    let expected = [
        Permission::Admin,
        Permission::Maintain,
        Permission::Write,
        Permission::Triage,
        Permission::Read,
        Permission::Write,
        Permission::None,
    ];
    for ((login, _), want) in answers.iter().zip(expected) {
        let got = github.permission(&repo(), &Login::parse(*login).unwrap()).await.unwrap();
        assert_eq!(got, want, "{login}");
    }
    // GitHub knows no such person on the repository: no access.
    let nobody = github.permission(&repo(), &Login::parse("mallory").unwrap()).await.unwrap();
    assert_eq!(nobody, Permission::None);
    let member = |org: &'static str, team: Option<&'static str>, who: &'static str| {
        let github = &github;
        async move { github.is_member(&repo(), org, team, &Login::parse(who).unwrap()).await.unwrap() }
    };
    assert!(member("acme", None, "alice").await);
    assert!(!member("acme", None, "mallory").await);
    assert!(member("acme", Some("deployers"), "bob").await);
    assert!(!member("acme", Some("deployers"), "carol").await, "an invitation not yet accepted is not membership");
    // The installation token asks: each call carries it.
    let calls = server.received_requests().await.unwrap();
    assert!(calls.iter().all(|r| r.headers.get("authorization").unwrap() == "Bearer t0ken"));
}

#[tokio::test]
async fn the_apps_own_settings_are_read_signed_as_the_app_and_compared_with_what_tengu_needs() {
    use tengu_core::ports::CodeHostSetup;
    let server = MockServer::start().await;
    // GitHub's shapes of GET /app and GET /app/hook/config (abridged to the fields tengu reads, and a few others).
    Mock::given(method("GET"))
        .and(path("/app"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 4242, "slug": "tengu-acme", "name": "tengu (acme)", "owner": {"login": "acme"},
            "permissions": {"pull_requests": "write", "issues": "write", "statuses": "write", "deployments": "write",
                            "contents": "read", "metadata": "read"},
            "events": ["pull_request", "push"], "installations_count": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/app/hook/config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "content_type": "json", "insecure_ssl": "0", "secret": "********",
            "url": "https://tengu.acme.example/webhooks/github"
        })))
        .mount(&server)
        .await;
    let setup = as_app(&server, None).app_setup().await.unwrap().expect("an App");
    assert_eq!(setup.name, "tengu (acme)");
    assert_eq!(setup.missing_permissions, ["Members: read"], "the organisation permission is missing");
    assert!(setup.missing_events.is_empty());
    assert_eq!(setup.webhook_url.as_deref(), Some("https://tengu.acme.example/webhooks/github"));
    assert!(setup.webhook_secret_set);
    let jwt = server.received_requests().await.unwrap()[0].headers["authorization"].to_str().unwrap().to_owned();
    assert!(jwt.starts_with("Bearer ey"), "signed as the App (a JWT), not an installation: {jwt}");
    assert_eq!(with_token(&server).app_setup().await.unwrap(), None, "a token has no App to ask");

    let refused = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/app"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "A JSON web token could not be decoded"})),
        )
        .mount(&refused)
        .await;
    let error = as_app(&refused, None).app_setup().await.unwrap_err();
    assert_eq!(error, tengu_core::ports::CodeHostError::BadCredentials);
}

#[tokio::test]
async fn the_apps_delivery_log_is_read_page_by_page_and_a_delivery_is_asked_for_again() {
    use tengu_core::ports::CodeHostSetup;
    let server = MockServer::start().await;
    let logged = |id: u64, guid: &str, at: &str, redelivery: bool, status_code: u64| {
        json!({"id": id, "guid": guid, "delivered_at": at, "redelivery": redelivery, "duration": 0.27,
               "status": if status_code == 0 { "Timed out" } else { "OK" }, "status_code": status_code,
               "event": "pull_request", "action": "edited", "installation_id": 7, "repository_id": 9})
    };
    let next = format!("<{}/app/hook/deliveries?per_page=100&cursor=v1_2>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path("/app/hook/deliveries"))
        .and(query_param("cursor", "v1_2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            logged(2, "b-guid", "2026-12-07T08:00:00Z", false, 0),
            logged(1, "a-guid", "2026-12-01T08:00:00Z", false, 200),
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/app/hook/deliveries"))
        .respond_with(ResponseTemplate::new(200).insert_header("link", next.as_str()).set_body_json(json!([logged(
            3,
            "c-guid",
            "2026-12-07T09:00:00Z",
            true,
            202
        )])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/app/hook/deliveries/2/attempts"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let app = as_app(&server, None);
    let since = "2026-12-05T00:00:00Z".parse().unwrap();
    let found = app.logged_deliveries(since, 100).await.unwrap();
    let seen: Vec<(&str, bool, u16)> = found.iter().map(|d| (d.guid.as_str(), d.redelivery, d.status_code)).collect();
    assert_eq!(seen, [("c-guid", true, 202), ("b-guid", false, 0)], "the second page, and nothing older than since");
    app.redeliver(&found[1]).await.unwrap();
    assert_eq!(with_token(&server).logged_deliveries(since, 100).await.unwrap(), [], "a token has no App log");
}

#[tokio::test]
async fn a_range_says_when_each_commit_was_written_and_each_pull_request_merged() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/graphql")).respond_with(BigRange).mount(&server).await;
    let range = with_token(&server).compare(&repo(), &branch("deployment/dev"), &branch("master")).await.unwrap();
    assert_eq!(range.authored.len(), 300, "every commit's authored date");
    let first = &range.commits[0].sha;
    assert_eq!(range.authored[first], Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(), "09:00 in Tokyo");
    let pr2 = range.pulls.iter().find(|p| p.number.get() == 2).unwrap();
    assert_eq!(pr2.merged_at, Some(Utc.with_ymd_and_hms(2026, 10, 5, 2, 0, 0).unwrap()));
    let squashed = range.pulls.iter().find(|p| p.number.get() > 90);
    assert!(squashed.is_none(), "the unassociated PRs are read by number later, without a merge time here");
}
