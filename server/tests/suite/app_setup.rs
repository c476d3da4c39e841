//! `/setup` makes tengu's GitHub App from its manifest, against a stand-in of GitHub's manifest endpoint answering
//! with the recorded shape: the setup code, the manifest and where it is posted, the `state` in the address and in
//! the cookie, the exchange of GitHub's code, the credentials stored sealed, and a later start signing in with them.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tengu_core::ports::DocumentStore;
use tengu_server::config::Config;
use tengu_server::setup::{self, Setup, sealing::SealingKey, stored};
use tower::ServiceExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "5f0d3c1b2a4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
const CONVERSION: &str = include_str!("../fixtures/github-apps/manifest-conversion.json");

fn config_on(github: &MockServer) -> Config {
    let mut config: Config = toml::from_str(
        r#"
        public_url = "https://tengu.acme.example"
        sandbox = false
        [[environments]]
        name = "production"
        repo = "acme/shop"
        cluster = "shop"
        services = ["web"]
        "#,
    )
    .unwrap();
    config.github.api_url = Some(format!("{}/api/v3", github.uri()));
    config.secret_key = Some(serde_json::from_value(serde_json::json!(KEY)).unwrap());
    config
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Option<String>, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, cookie, String::from_utf8(body.to_vec()).unwrap())
}

fn post_form(uri: &str, form: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let request = Request::get(uri);
    let request = match cookie {
        Some(cookie) => request.header(header::COOKIE, cookie),
        None => request,
    };
    request.body(Body::empty()).unwrap()
}

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// What lies between `before` and the next `"` in `page`.
fn attribute_after<'a>(page: &'a str, before: &str) -> &'a str {
    let start = page.find(before).unwrap_or_else(|| panic!("{before} in {page}")) + before.len();
    &page[start..start + page[start..].find('"').unwrap()]
}

struct Started {
    setup: Arc<Setup>,
    router: Router,
    store: tengu_sql::SqlStore,
    config: Config,
}

async fn started(github: &MockServer) -> Started {
    let store = tengu_testkit::sqlite().await;
    let config = config_on(github);
    let registrar = tengu_github::ManifestRegistrar::new(config.github.api_url.as_deref().unwrap()).unwrap();
    let setup = Setup::new(&config, SealingKey::parse(KEY).unwrap(), Arc::new(store.clone()), Arc::new(registrar));
    let router = setup::router(setup.clone(), "target/site");
    Started { setup, router, store, config }
}

/// The code from the log, taken to `/setup`: the state cookie and the page with the manifest.
async fn with_the_code(started: &Started) -> (String, String) {
    let form = format!("code={}&owner=acme&name=tengu-acme", started.setup.code());
    let (status, cookie, page) = send(&started.router, post_form("/setup", &form)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let cookie = cookie.expect("a state cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("Path=/setup"), "{cookie}");
    (cookie.split(';').next().unwrap().to_owned(), page)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_person_with_the_code_makes_the_app_and_tengu_starts_with_it() {
    let github = MockServer::start().await;
    let started = started(&github).await;
    let (status, _, form) = send(&started.router, get("/setup", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"owner\" value=\"acme\""), "the owner comes from the repositories: {form}");
    let (status, _, _) = send(&started.router, get("/deployments", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "every page leads to /setup while there is no App");

    let (cookie, page) = with_the_code(&started).await;
    let state = cookie.strip_prefix("tengu_setup=").unwrap();
    let action = unescape(attribute_after(&page, "<form method=\"post\" action=\""));
    assert_eq!(action, format!("{}/organizations/acme/settings/apps/new?state={state}", github.uri()));
    let manifest: serde_json::Value =
        serde_json::from_str(&unescape(attribute_after(&page, "name=\"manifest\" value=\"")))
            .expect("the manifest is JSON");
    assert_eq!(manifest["name"], "tengu-acme");
    assert_eq!(manifest["hook_attributes"]["url"], "https://tengu.acme.example/webhooks/github");
    assert_eq!(manifest["redirect_url"], "https://tengu.acme.example/setup/callback");
    assert_eq!(manifest["default_permissions"]["statuses"], "write");
    assert!(page.contains("<td>Pull requests (repository, pull_requests)</td><td>write</td>"), "{page}");

    // GitHub answers a code once: the stand-in does too.
    Mock::given(method("POST"))
        .and(path("/api/v3/app-manifests/a1b2c3/conversions"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(CONVERSION, "application/json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&github)
        .await;
    let back = format!("/setup/callback?code=a1b2c3&state={state}");
    let (status, _, made) = send(&started.router, get(&back, Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert!(made.contains("href=\"https://github.com/apps/octoapp/installations/new\""), "{made}");
    let app = started.setup.made().borrow().clone().expect("the App is handed on");
    assert_eq!((app.id, app.slug.as_str(), app.owner.as_str()), (1, "octoapp", "github"));

    let kept = started.store.load_document("github_app").await.unwrap().expect("stored");
    for secret in ["BEGIN RSA", "MIIEowIBAAKCAQEA", "1726be1638095a19edd134c77bde3aa2ece1e5d8", "e340154128314309424b"]
    {
        assert!(!kept.contains(secret), "{secret} is sealed, not stored as it is: {kept}");
    }
    let other_key = SealingKey::parse(&KEY.replace('5', "6")).unwrap();
    assert!(stored::load(&started.store, &other_key).await.is_err(), "another key does not open it");

    let config = setup::with_stored_app(started.config.clone(), &started.store).await.unwrap();
    assert_eq!(config.github.app_id, Some(1));
    assert_eq!(config.oauth_client().map(|c| c.0), Some("Iv1.8a61f9b3a7aba766".to_owned()));
    assert_eq!(config.webhook_secrets(), vec![b"e340154128314309424b7c8e90325147d99fdafa".to_vec()]);
    assert!(!config.lacks_github() && !config.is_sandbox());
    let again = stored::save(&started.store, &SealingKey::parse(KEY).unwrap(), &app).await;
    assert!(matches!(again, Err(stored::StoredAppError::AlreadyStored)), "the first App stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_state_or_browser_stores_nothing() {
    let github = MockServer::start().await;
    let started = started(&github).await;
    let first = started.setup.code();
    for _ in 0..5 {
        let (status, cookie, page) = send(&started.router, post_form("/setup", "code=guess&owner=acme")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(cookie.is_none() && !page.contains("manifest"), "{page}");
    }
    assert_ne!(started.setup.code(), first, "five wrong codes replace the code");
    let (status, _, _) = send(&started.router, post_form("/setup", &format!("code={first}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the replaced code is spent");

    let (cookie, _) = with_the_code(&started).await;
    let state = cookie.strip_prefix("tengu_setup=").unwrap().to_owned();
    let (status, _, page) = send(&started.router, get(&format!("/setup/callback?code=c&state={state}"), None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another browser: {page}");
    let (status, _, _) =
        send(&started.router, get("/setup/callback?code=c&state=forged", Some("tengu_setup=forged"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a state this setup never gave");

    Mock::given(method("POST"))
        .and(path("/api/v3/app-manifests/spent/conversions"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({"message": "Not Found"})))
        .mount(&github)
        .await;
    let back = format!("/setup/callback?code=spent&state={state}");
    let (status, _, page) = send(&started.router, get(&back, Some(&cookie))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(page.contains("GitHub no longer knows this code"), "{page}");
    assert!(started.store.load_document("github_app").await.unwrap().is_none());
    assert!(started.setup.made().borrow().is_none());
}
