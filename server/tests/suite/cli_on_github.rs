//! `tengu release-pr` configured for GitHub (a token, an API URL, one environment), against a local fake of
//! GitHub's API: the real adapter, wired by the real configuration, driven from a terminal.

use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn rest_fixture(name: &str) -> Value {
    let file = format!("{}/../adapters/github/tests/fixtures/github-rest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("tengu-cli-github-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn release_pr(dir: &std::path::Path, github: &MockServer, token: &str) -> std::process::Output {
    let config = dir.join("tengu.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"sqlite://{}/tengu.db\"\npublic_url = \"https://tengu.acme.test\"\n\
             [github]\napi_url = \"{}\"\n\
             [[environments]]\nname = \"dev\"\nrepo = \"acme/shop\"\ncluster = \"shop-dev\"\nservices = [\"web\"]\n\
             labels = [\"deploy\"]\n",
            dir.display(),
            github.uri()
        ),
    )
    .unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tengu"));
    command
        .args(["--config", config.to_str().unwrap(), "release-pr", "dev"])
        .env("TENGU_GITHUB_TOKEN", token)
        .env("RUST_LOG", "warn")
        .env_remove("TENGU_DATABASE_URL");
    // The fake GitHub answers on this runtime while the binary runs.
    tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("the binary runs")
}

fn commit(oid: &str, headline: &str, pr: Option<(u64, &str, &str)>) -> Value {
    let associated = match pr {
        Some((number, title, author)) => json!([{
            "number": number, "title": title, "state": "MERGED", "baseRefName": "master",
            "author": { "login": author }, "assignees": { "nodes": [] },
        }]),
        None => json!([]),
    };
    json!({
        "oid": oid, "messageHeadline": headline, "author": { "user": { "login": "carol" } },
        "parents": { "totalCount": 1 }, "associatedPullRequests": { "nodes": associated },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_pr_opens_the_deploy_pr_on_github() {
    let github = MockServer::start().await;
    let nodes = json!([
        commit(&"a".repeat(40), "Add cart", Some((11, "Add cart", "alice"))),
        commit(&"b".repeat(40), "Fix tax (#12)", None),
        commit(&"c".repeat(40), "Bump version", None),
    ]);
    let page = json!({ "data": { "repository": { "ref": { "compare": { "commits": {
        "pageInfo": { "hasNextPage": false, "endCursor": null }, "nodes": nodes } } } } } });
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer test-token"))
        .and(body_partial_json(json!({ "variables": { "base": "refs/heads/deployment/dev", "head": "master" } })))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .expect(1)
        .mount(&github)
        .await;
    let named = json!({ "data": { "repository": { "pr12": {
        "number": 12, "title": "Fix tax", "author": { "login": "bob" }, "assignees": { "nodes": [] } } } } });
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({ "variables": { "owner": "acme", "name": "shop" } })))
        .respond_with(ResponseTemplate::new(200).set_body_json(named))
        .with_priority(10)
        .expect(1)
        .mount(&github)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .and(body_partial_json(json!({ "base": "deployment/dev", "head": "master", "draft": false })))
        .respond_with(|request: &Request| {
            let sent: Value = request.body_json().unwrap();
            let mut created = rest_fixture("pulls-create.json");
            created["number"] = json!(77);
            created["title"] = sent["title"].clone();
            created["body"] = sent["body"].clone();
            created["html_url"] = json!("https://github.com/acme/shop/pull/77");
            ResponseTemplate::new(201).set_body_json(created)
        })
        .expect(1)
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/77/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(rest_fixture("issues-add-labels.json")))
        .expect(1)
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("^/repos/acme/shop/statuses/[0-9a-f]{40}$"))
        .and(body_partial_json(json!({ "state": "pending", "context": "tengu/verification" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(rest_fixture("repos-create-commit-status.json")))
        .expect(1)
        .mount(&github)
        .await;

    let out = release_pr(&scratch("open"), &github, "test-token").await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.starts_with("Deploy to dev 20"), "{listing}");
    assert!(listing.contains("https://github.com/acme/shop/pull/77"), "{listing}");
    assert!(listing.contains("0 of 2 verified"), "{listing}");
    assert!(listing.contains("[ ] #11 Add cart  @alice"), "{listing}");
    assert!(listing.contains("[ ] #12 Fix tax  @bob"), "{listing}");
    assert!(listing.contains("cccccc Bump version (@carol)"), "{listing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_end_in_a_sentence_and_a_failing_exit_code() {
    let github = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "message": "Bad credentials" })))
        .mount(&github)
        .await;
    let out = release_pr(&scratch("refused"), &github, "revoked").await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GitHub refused the credentials tengu uses"), "{stderr}");
    assert!(!stderr.contains("revoked"), "the token never shows: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarm_cloudwatch_does_not_know_stops_the_start_with_a_sentence() {
    let github = MockServer::start().await;
    // CloudWatch knows shop-5xx only.
    let cloudwatch = tengu_testkit::cloudwatch_knowing(&[("shop-5xx", "OK", "fine")], &[]).await;
    let dir = scratch("alarms");
    let run = |alarms: &'static str| {
        let config = dir.join("tengu.toml");
        std::fs::write(
            &config,
            format!(
                "database_url = \"sqlite://{}/tengu.db\"\n[github]\napi_url = \"{}\"\n\
                 [aws]\nregion = \"us-east-1\"\nendpoint_url = \"{}\"\naccess_key_id = \"testing\"\n\
                 secret_access_key = \"testing\"\nmax_attempts = 1\n\
                 [[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"shop\"\n\
                 services = [\"web\"]\n[environments.verification]\nbake_seconds = 60\nalarms = {alarms}\n",
                dir.display(),
                github.uri(),
                cloudwatch.uri()
            ),
        )
        .unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tengu"));
        command
            .args(["--config", config.to_str().unwrap(), "status", "production"])
            .env("TENGU_GITHUB_TOKEN", "ghp_test")
            .env("RUST_LOG", "warn")
            .env_remove("TENGU_DATABASE_URL");
        tokio::task::spawn_blocking(move || command.output())
    };
    let known = run("[\"shop-5xx\"]").await.unwrap().unwrap();
    assert!(known.status.success(), "{}", String::from_utf8_lossy(&known.stderr));
    let unknown = run("[\"shop-5xx\", \"shop-latency\"]").await.unwrap().unwrap();
    assert!(!unknown.status.success());
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        said.contains("environment \"production\": verification.alarms: CloudWatch has no alarm named shop-latency"),
        "{said}"
    );
}
