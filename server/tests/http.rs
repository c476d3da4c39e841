//! The web layer over a real sandbox on a throwaway SQLite file, request by request (no socket needed).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::SetVerification;
use tengu_core::domain::{PrNumber, RepoSlug};
use tengu_core::ports::{Store, SystemClock};
use tengu_core::sql_store::SqlStore;
use tower::ServiceExt;

struct TestApp {
    router: Router,
    tengu: tengu_core::Tengu,
}

async fn spawn_app() -> TestApp {
    let dir = std::env::temp_dir().join(format!("tengu-http-{}-{}", std::process::id(), rand_suffix()));
    let store = SqlStore::connect(&format!("sqlite://{}/tengu.db", dir.display())).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let tengu = tengu_core::sandbox::start(store, Arc::new(SystemClock), "http://127.0.0.1:3000").await.unwrap();
    let router = tengu_server::web::router(tengu.clone(), tengu_server::web::leptos_options());
    TestApp { router, tengu }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

async fn send(app: &TestApp, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), 10 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(send(&app, get("/healthz")).await.2, "ok");
    let (status, _, body) = send(&app, get("/readyz")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ready"));
}

#[tokio::test]
async fn the_overview_is_rendered_on_the_server_with_the_sandbox_banner() {
    let app = spawn_app().await;
    let (status, _, html) = send(&app, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sandbox"), "the banner is on the page");
    assert!(html.contains("3 of 8 verified") && html.contains("1 of 3 verified"));
    assert!(html.contains("shop-production-web:43"), "the current task definition revision");
    assert!(html.contains("Rolled back"));
    let (status, _, _) = send(&app, get("/no/such/page")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_plain_form_post_ticks_an_item_as_the_chosen_person_and_goes_back() {
    let app = spawn_app().await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let home = app.tengu.home().await.unwrap();
    let pr = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap().number;
    let page = format!("/repos/acme/shop/deploy-prs/{}", pr.get());
    let (status, _, html) = send(&app, get(&page)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Verified #124 Add returns page"), "each item has a labelled checkbox");

    let act_as = Request::post("/sandbox/act-as")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::REFERER, page.as_str())
        .body(Body::from("login=carol"))
        .unwrap();
    let (status, headers, _) = send(&app, act_as).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_eq!(cookie, "tengu_actor=carol");

    let form = format!("repo=acme%2Fshop&deploy_pr={}&item=124&verified=true", pr.get());
    let tick = Request::post(<SetVerification as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, page.as_str())
        .header(header::COOKIE, cookie.as_str())
        .body(Body::from(form))
        .unwrap();
    let (status, headers, _) = send(&app, tick).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], page.as_str());

    let stored = app.tengu.deploy_pr(&repo, pr).await.unwrap();
    let item = stored.item(PrNumber::new(124).unwrap()).unwrap();
    assert_eq!(item.verified.as_ref().unwrap().by, "carol");
    let (_, _, html) = send(&app, get(&page)).await;
    assert!(html.contains("4 of 8 verified"));
}

#[tokio::test]
async fn bad_input_is_refused_with_a_sentence_and_changes_nothing() {
    let app = spawn_app().await;
    let form = "repo=not-a-repo&deploy_pr=1&item=124&verified=true";
    let tick = Request::post(<SetVerification as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let (status, _, body) = send(&app, tick).await;
    assert!(status.is_client_error() || status.is_server_error(), "{status}");
    assert!(body.contains("owner/name"), "{body}");

    let unknown = "repo=acme%2Fshop&deploy_pr=9999&item=124&verified=true";
    let tick = Request::post(<SetVerification as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(unknown))
        .unwrap();
    let (_, _, body) = send(&app, tick).await;
    assert!(body.contains("deploy PR acme/shop#9999 was not found"), "{body}");

    let act_as = Request::post("/sandbox/act-as")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("login=mallory"))
        .unwrap();
    assert_eq!(send(&app, act_as).await.0, StatusCode::BAD_REQUEST);
}
