//! A real `tengu serve` for real with no GitHub App: it offers `/setup` (and says so in its log, with the code),
//! the App is made against a stand-in of GitHub's manifest endpoint, and the same process then serves the
//! dashboard signing in as that App, without a restart; a second process on the same database starts with it.

use std::time::{Duration, Instant};

use crate::support::process::Served;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "9a0d3c1b2a4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7ff";
const CONFIG: &str = "[[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"shop\"\n\
                      services = [\"web\"]\n";

/// GitHub's answer to the manifest code, with a key the App adapter can sign with (a test-only key).
fn conversion() -> serde_json::Value {
    let mut answer: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/github-apps/manifest-conversion.json")).unwrap();
    answer["pem"] = include_str!("../../../adapters/github/tests/fixtures/github-app/test-only-private-key.pem").into();
    answer
}

fn value_after<'a>(text: &'a str, before: &str, until: char) -> &'a str {
    let start = text.find(before).unwrap_or_else(|| panic!("{before} in {text}")) + before.len();
    let rest = &text[start..];
    &rest[..rest.find(until).unwrap_or(rest.len())]
}

async fn start(database: &str, github: &MockServer) -> Served {
    let api = format!("{}/api/v3", github.uri());
    let extra = [
        ("TENGU_SANDBOX", "false"),
        ("TENGU_SECRET_KEY", KEY),
        ("TENGU_CONFIG_TOML", CONFIG),
        ("TENGU_GITHUB_API_URL", api.as_str()),
        ("RUST_LOG", "warn,tengu_server::setup=info"),
        ("TENGU_LOG_FORMAT", "json"),
    ];
    Served::start(database, &extra).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_makes_its_app_then_serves_with_it() {
    let github = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v3/app-manifests/made1/conversions"))
        .respond_with(ResponseTemplate::new(201).set_body_json(conversion()))
        .up_to_n_times(1)
        .mount(&github)
        .await;
    let dir = tempdir();
    let database = format!("sqlite://{}/tengu.db", dir.display());
    let served = start(&database, &github).await;
    let ready = served.http.get(served.url("/readyz")).send().await.unwrap().text().await.unwrap();
    assert_eq!(ready, "setting up: open /setup");
    let code = value_after(&served.log_text(), "\"code\":\"", '"').to_owned();
    assert_eq!(code.len(), 14, "the log shows the setup code: {}", served.log_text());

    let started = served
        .http
        .post(served.url("/setup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("code={code}&owner=acme&name=tengu"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), reqwest::StatusCode::OK);
    let cookie = started.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let state = cookie.trim_start_matches("tengu_setup=").to_owned();
    let made = served
        .http
        .get(served.url(&format!("/setup/callback?code=made1&state={state}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), reqwest::StatusCode::OK);
    assert!(made.text().await.unwrap().contains("https://github.com/apps/octoapp/installations/new"));

    // The same process now serves the dashboard, signing in with the App's OAuth client.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = served.http.get(served.url("/readyz")).send().await;
        if let Ok(answer) = answer
            && answer.text().await.unwrap_or_default() == "ready"
        {
            break;
        }
        assert!(Instant::now() < deadline, "tengu did not go on to serve: {}", served.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sign_in = served.http.get(served.url("/auth/github?next=/")).send().await.unwrap();
    let to = sign_in.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.contains("client_id=Iv1.8a61f9b3a7aba766"), "the App's client signs people in: {to}");
    let setup_again = served.http.get(served.url("/setup")).send().await.unwrap();
    assert_ne!(setup_again.status(), reqwest::StatusCode::OK, "no second setup");
    drop(served);

    // A later start reads the sealed App back and serves at once.
    let again = start(&database, &github).await;
    let ready = again.http.get(again.url("/readyz")).send().await.unwrap().text().await.unwrap();
    assert_eq!(ready, "ready", "{}", again.log_text());
}

fn tempdir() -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("tengu-setup-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
