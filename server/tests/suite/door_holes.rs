//! The smaller holes of issue 24, closed: a sign-in under way never writes a session (signed in, signed out or
//! none); personal answers are never kept by a cache; a token's use does not empty page caches; a remembered
//! session is read again within five seconds; `serve` refuses configurations that would leave a door open.

use std::time::Duration;

use crate::support::process::run_tengu;
use crate::support::{get, set_cookie, spawn_app};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::CreateToken;
use tengu_core::domain::{EnvName, Login, TokenScope};
use tengu_core::ports::SessionStore;
use tower::ServiceExt;

fn far_future() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(3650)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_a_sign_in_never_writes_a_session() {
    let app = spawn_app(Vec::new()).await;
    let store = app.tengu.store().clone();
    store.delete_expired_sessions(far_future()).await.unwrap();

    // Anonymous visitors who only start a sign-in leave no row behind.
    for _ in 0..30 {
        let (status, headers, _) = app.send(get("/auth/github?next=/")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(set_cookie(&headers).unwrap().starts_with("tengu_sign_in="), "the pending sign-in is its own cookie");
    }
    assert_eq!(store.delete_expired_sessions(far_future()).await.unwrap(), 0, "no session rows were stored");

    let alice = app.sign_in("alice").await;

    // A signed-out session stays signed out, whoever holds its old cookie.
    let bob = app.sign_in("bob").await;
    let (status, _, _) = app.get_as(&bob, "/").await;
    assert_eq!(status, StatusCode::OK);
    let sign_out = Request::post("/sign-out")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::COOKIE, bob.as_str())
        .body(Body::empty())
        .unwrap();
    app.send(sign_out).await;
    let (_, headers, _) = app.get_as(&bob, "/auth/github?next=/").await;
    assert!(set_cookie(&headers).is_none_or(|c| !c.starts_with("tengu_session=")), "the session is not written");
    let (status, headers, _) = app.get_as(&bob, "/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "still signed out");
    assert!(headers[header::LOCATION].to_str().unwrap().starts_with("/sign-in"));

    // A signed-in person who starts another sign-in stays signed in, their session untouched.
    let (_, headers, _) = app.get_as(&alice, "/auth/github?next=/").await;
    assert!(set_cookie(&headers).is_none_or(|c| !c.starts_with("tengu_session=")));
    let (status, _, _) = app.get_as(&alice, "/").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_answers_say_private_no_store_and_site_files_keep_their_lifetime() {
    let app = spawn_app(Vec::new()).await;
    let carol = app.sign_in("carol").await;
    let token = app
        .tengu
        .create_token(
            &tengu_core::domain::Actor::Person(Login::parse("carol").unwrap()),
            "CI",
            vec![TokenScope::Read],
            30,
        )
        .await
        .unwrap();
    let private = "private, no-store";
    for path in ["/", "/environments/dev", "/deployments"] {
        let (status, headers, _) = app.get_as(&carol, path).await;
        assert!(status.is_success(), "{path}: {status}");
        assert_eq!(headers[header::CACHE_CONTROL], private, "{path}");
    }
    // The live stream never ends: its headers are read, not its body.
    let live = Request::get("/api/live?page=/environments/dev").header(header::COOKIE, carol.as_str());
    let answer = app.router.clone().oneshot(live.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()[header::CACHE_CONTROL], private, "the live stream");
    // Its answer is a token's secret.
    let function = Request::post(<CreateToken as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::COOKIE, carol.as_str())
        .body(Body::from("name=another&read=on&days=30"))
        .unwrap();
    let (status, headers, body) = app.send(function).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], private, "a server function's answer");
    let api = Request::get("/api/v1/status").header(header::AUTHORIZATION, format!("Bearer {}", token.secret));
    let (status, headers, _) = app.send(api.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], private, "the API");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokens_use_does_not_empty_the_page_caches() {
    let app = spawn_app(Vec::new()).await;
    let owner = tengu_core::domain::Actor::Person(Login::parse("carol").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    let token =
        app.tengu.create_token(&owner, "CI", vec![TokenScope::Deploy(dev), TokenScope::Read], 30).await.unwrap();
    let status = || {
        Request::get("/api/v1/status")
            .header(header::AUTHORIZATION, format!("Bearer {}", token.secret))
            .body(Body::empty())
            .unwrap()
    };
    // The first use looks the owner's permission up (a write of what GitHub said); wait for it to land.
    app.send(status()).await;
    app.send(status()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = app.tengu.changes().stamp(tengu_core::ports::Topics::EVERYTHING);
    for _ in 0..5 {
        let (code, _, _) = app.send(status()).await;
        assert_eq!(code, StatusCode::OK);
    }
    assert_eq!(
        app.tengu.changes().stamp(tengu_core::ports::Topics::EVERYTHING),
        before,
        "recording the token's last use moved nothing shown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_deleted_behind_this_instances_back_ends_within_five_seconds() {
    let app = spawn_app(Vec::new()).await;
    let dave = app.sign_in("dave").await;
    assert_eq!(app.get_as(&dave, "/").await.0, StatusCode::OK, "now remembered");
    // Another instance signs dave out and its notice is missed: the database alone knows.
    let id = dave.split_once('=').unwrap().1;
    app.database.delete_session(id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5_300)).await;
    assert_eq!(app.get_as(&dave, "/").await.0, StatusCode::SEE_OTHER, "read again after at most 5 s");
}

#[tokio::test]
async fn serve_refuses_a_weak_slack_secret_a_slack_app_without_its_workspace_and_review_routes_without_a_secret() {
    for secret in ["", "s3cret"] {
        let ran =
            run_tengu(&["serve"], &[("TENGU_SLACK_SIGNING_SECRET", secret), ("LEPTOS_SITE_ADDR", "127.0.0.1:0")]).await;
        assert_eq!(ran.code, 64, "{secret:?}: {}", ran.stderr);
        assert!(ran.stderr.contains("[slack] signing_secret"), "{}", ran.stderr);
    }
    let strong = "0123456789abcdef0123456789abcdef";
    let ran =
        run_tengu(&["serve"], &[("TENGU_SLACK_SIGNING_SECRET", strong), ("LEPTOS_SITE_ADDR", "127.0.0.1:0")]).await;
    assert_eq!(ran.code, 64, "{}", ran.stderr);
    assert!(ran.stderr.contains("[slack] team_id"), "{}", ran.stderr);

    let dir = std::env::temp_dir().join(format!("tengu-holes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tengu.toml");
    std::fs::write(
        &file,
        "[github]\nclient_id = \"Iv1.x\"\nclient_secret = \"s\"\n\
         [[review_environments]]\nrepo = \"acme/shop\"\ncluster = \"shop-review\"\ntask_definition = \"shop-review\"\n\
         container = \"app\"\nport = 8080\nurl_template = \"https://pr-{number}.review.acme.test\"\n",
    )
    .unwrap();
    let config = file.display().to_string();
    let ran = run_tengu(
        &["--config", &config, "serve"],
        &[("TENGU_GITHUB_TOKEN", "ghp_test"), ("LEPTOS_SITE_ADDR", "127.0.0.1:0")],
    )
    .await;
    assert_eq!(ran.code, 64, "{}", ran.stderr);
    assert!(ran.stderr.contains("[review] proxy_secret"), "{}", ran.stderr);
}
