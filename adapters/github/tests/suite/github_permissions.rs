//! The GitHub App's permission list is complete and nothing in it is stale: every call the GitHub adapter makes
//! (every method of `CodeHost` and `People`, against a stand-in that answers as GitHub does and records each
//! request) is covered by `github::permissions::APP_PERMISSIONS`, and every call listed there is made.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tengu_core::domain::{BranchName, CommitPrefix, CommitSha, Login, PrNumber, RepoSlug};
use tengu_core::ports::{CodeHost, CommitStatus, GithubDeploymentState, NewPullRequest, People, StatusState};
use tengu_github::permissions::{APP_PERMISSIONS, covering, matches};
use tengu_github::{Credentials, GithubCodeHost, GithubSettings, RetryPolicy};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn fixture(name: &str) -> Value {
    let file = format!("{}/tests/fixtures/github-rest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// GitHub as far as each call needs an answer to go on; every request is written down.
struct Github {
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl Respond for Github {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (method, path) = (request.method.to_string(), request.url.path().to_owned());
        self.seen.lock().unwrap().push((method.clone(), path.clone()));
        let pull = || fixture("pulls-get.json");
        let body = match (method.as_str(), path.as_str()) {
            (_, p) if p.ends_with("/reviews") => json!([]),
            ("GET", p) if p.ends_with("/pulls") => json!([pull()]),
            (_, p) if p.contains("/pulls") => pull(),
            (_, p) if p.contains("/git/ref/heads/") => json!({ "object": { "sha": "a".repeat(40) } }),
            (_, p) if p.contains("/commits/") => json!({ "sha": "a".repeat(40) }),
            (_, p) if p.ends_with("/permission") => json!({ "permission": "write", "role_name": "write" }),
            (_, p) if p.contains("/memberships/") => json!({ "state": "active", "role": "member" }),
            (_, p) if p.contains("/members/") => return ResponseTemplate::new(204),
            (_, "/graphql") => json!({ "data": null, "errors": [{ "message": "not answered in this test" }] }),
            _ => json!({ "id": 1 }),
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn every_call_the_adapter_makes_is_covered_by_the_app_permissions_and_none_is_stale() {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::any()).respond_with(Github { seen: seen.clone() }).mount(&server).await;
    let mut settings = GithubSettings::new(Credentials::Token("t0ken".into()));
    settings.api_url = server.uri();
    settings.retry = RetryPolicy { attempts: 1, ..RetryPolicy::default() };
    let github = GithubCodeHost::new(&settings).unwrap();
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let (master, deploy) = (BranchName::parse("master").unwrap(), BranchName::parse("deployment/dev").unwrap());
    let sha = CommitSha::parse("a".repeat(40)).unwrap();
    let n = PrNumber::new(7).unwrap();
    let alice = Login::parse("alice").unwrap();

    // Every method, once (an answer that does not parse is fine: the request was made).
    let _ = github.compare(&repo, &deploy, &master).await;
    let _ = github.pull_summaries(&repo, &[n]).await;
    let _ = github.pull_request(&repo, n).await;
    let _ = github.approving_reviews(&repo, n).await;
    let _ = github.find_open_pull_request(&repo, &deploy, &master).await;
    let new = NewPullRequest {
        title: "Deploy".into(),
        body: String::new(),
        base: deploy.clone(),
        head: master.clone(),
        draft: false,
        labels: vec!["deploy".into()],
        assignees: vec![alice.clone()],
    };
    let _ = github.create_pull_request(&repo, new).await;
    let _ = github.create_issue_comment(&repo, n, "reminder").await;
    let _ = github.update_issue_comment(&repo, 1, "edited").await;
    let status = CommitStatus {
        state: StatusState::Pending,
        context: "tengu/verification".into(),
        description: "0 of 1 verified".into(),
        target_url: None,
    };
    let _ = github.set_commit_status(&repo, &sha, &status).await;
    let _ = github.update_pull_request_body(&repo, n, "body").await;
    let _ = github.create_deployment(&repo, &sha, "dev", "via tengu", false).await;
    let _ = github.create_deployment_status(&repo, 1, GithubDeploymentState::Success, "https://t", None).await;
    let _ = github.branch_head(&repo, &deploy).await;
    let _ = github.resolve_commit(&repo, &CommitPrefix::parse("aaaaaaa").unwrap()).await;
    let _ = github.permission(&repo, &alice).await;
    let _ = github.is_member(&repo, "acme", None, &alice).await;
    let _ = github.is_member(&repo, "acme", Some("deployers"), &alice).await;

    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 18, "every method called GitHub: {seen:#?}");
    for (method, path) in &seen {
        assert!(!covering(method, path).is_empty(), "{method} {path} is made but no App permission covers it");
    }
    for permission in APP_PERMISSIONS {
        for call in permission.calls {
            let made = seen.iter().any(|(method, path)| matches(call, method, path));
            assert!(made, "{} lists {} {}, which the adapter never calls", permission.key, call.0, call.1);
        }
    }
}

#[test]
fn the_readme_lists_exactly_what_the_manifest_asks_for() {
    let readme = include_str!("../../../../README.md");
    let manifest = tengu_github::manifest::app_manifest("https://tengu.acme.example", "tengu");
    let table = tengu_github::manifest::manifest_permission_table(&manifest);
    assert_eq!(table.lines().count(), 2 + APP_PERMISSIONS.len(), "every permission is in the manifest");
    assert!(readme.contains(&table), "the README's table is the manifest's:\n{table}");
    let events = manifest["default_events"].as_array().map(|e| e.len());
    assert_eq!(events, Some(tengu_github::permissions::APP_EVENTS.len()), "the manifest subscribes to every event");
}
