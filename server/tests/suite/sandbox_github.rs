//! The sandbox's simulated GitHub goes through tengu's real door: a tick or a pull request made on it reaches tengu
//! as a signed delivery to `/webhooks/github`, stored and handled by the worker like GitHub's; a visitor without
//! write access is refused by the simulated GitHub itself; and without the simulation nothing pretends to be GitHub.

use crate::support::{TestApp, spawn_app, spawn_app_with};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::{SimulateFeaturePr, SimulateGithubEdit};
use tengu_core::domain::{Actor, PrNumber, Viewer};

const SECRET: &[u8] = b"sandbox-test-secret-0123456789";

fn post(path: &str, body: String, cookie: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

/// The production deploy PR's number.
async fn production_deploy_pr(app: &TestApp) -> u64 {
    let home = app.tengu.home(&Viewer::trusted(Actor::System)).await.unwrap();
    home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap().number.get()
}

async fn sandbox_deliveries(app: &TestApp) -> i64 {
    app.database.count_rows_where("webhook_deliveries", "delivery_id LIKE 'sandbox-%'").await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_on_the_simulated_github_is_a_signed_delivery_tengu_stores_and_applies() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let number = production_deploy_pr(&app).await;
    let cookie = app.sign_in("alice").await;
    let body = format!("repo=acme%2Fshop&deploy_pr={number}&item=129&verified=true&person=alice");
    let (status, _, answer) = app.send(post(<SimulateGithubEdit as ServerFn>::PATH, body, &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(sandbox_deliveries(&app).await, 1, "one delivery, stored as GitHub's are");
    app.settle_deliveries().await;
    let repo = tengu_core::domain::RepoSlug::parse("acme/shop").unwrap();
    let pr = app.tengu.store().deploy_pr(&repo, PrNumber::new(number).unwrap()).await.unwrap().unwrap();
    let item = pr.item(PrNumber::new(129).unwrap()).unwrap();
    assert_eq!(item.verified.as_ref().map(|v| v.by.as_str()), Some("alice"), "applied as the sender's tick");
    let troubled = app.tengu.store().troubled_deliveries(10).await.unwrap();
    assert!(troubled.is_empty(), "handled at the first try: {troubled:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_opened_on_the_simulated_github_starts_its_review_environment_through_the_webhook() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let cookie = app.sign_in("alice").await;
    let before = app.tengu.store().review_envs().await.unwrap().len();
    let body = "change=open&title=Faster+search".to_owned();
    let (status, _, answer) = app.send(post(<SimulateFeaturePr as ServerFn>::PATH, body, &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.contains("opened"), "{answer}");
    app.settle_deliveries().await;
    assert_eq!(sandbox_deliveries(&app).await, 1);
    let envs = app.tengu.store().review_envs().await.unwrap();
    assert_eq!(envs.len(), before + 1, "the opened delivery started one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_simulation_nothing_pretends_to_be_github() {
    let app = spawn_app_with(vec![SECRET.to_vec()], |web| web.sandbox_github = None).await;
    let number = production_deploy_pr(&app).await;
    let cookie = app.sign_in("alice").await;
    let (status, _, page) = app.get_as(&cookie, &format!("/repos/acme/shop/deploy-prs/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("What ships") && !page.contains("The body as GitHub holds it"), "no simulated GitHub shown");
    let body = format!("repo=acme%2Fshop&deploy_pr={number}&item=129&verified=true&person=alice");
    let (status, _, answer) = app.send(post(<SimulateGithubEdit as ServerFn>::PATH, body, &cookie)).await;
    assert!(!status.is_success(), "{status}");
    assert!(answer.contains("only the sandbox simulates GitHub"), "{answer}");
    assert_eq!(sandbox_deliveries(&app).await, 0);
}
