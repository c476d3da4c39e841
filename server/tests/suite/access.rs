//! Nobody gets in who should not: every route and server function walked anonymously (a redirect or a 401,
//! nothing changed), as a viewer (every change refused and recorded), and with another site's Origin (403 before
//! anything runs); the sign-in flow's failures end without a session.

use crate::support::{get, set_cookie, spawn_app};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::*;
use tengu_core::domain::AuditAction;

/// Who refuses a viewer's call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gate {
    /// Nobody: a read, or what anyone signed in may do to their own things.
    Open,
    /// tengu's rule table, which records the refusal.
    Tengu,
    /// The sandbox's simulated GitHub, as GitHub would refuse someone without write access: tengu hears nothing.
    SimulatedGithub,
}
use Gate::{Open, SimulatedGithub, Tengu};

/// Every server function with arguments that name real things in the sandbox (so only the identity decides). Pages
/// read through none: they are walked as pages.
fn server_functions(deploy_pr: u64, deployment: i64) -> Vec<(&'static str, String, Gate)> {
    let pr = format!("repo=acme%2Fshop&deploy_pr={deploy_pr}");
    vec![
        (<SetVerification as ServerFn>::PATH, format!("{pr}&item=124&verified=true"), Tengu),
        (<OverrideGate as ServerFn>::PATH, format!("{pr}&reason=ship+it+now+please"), Tengu),
        (<RefreshDeployPr as ServerFn>::PATH, "env=dev".into(), Tengu),
        (<SimulateGithubEdit as ServerFn>::PATH, format!("{pr}&item=124&verified=true&person=erin"), SimulatedGithub),
        (<PressDeploy as ServerFn>::PATH, "env=dev&input=registry.test%2Fshop%3Av9&key=k1".into(), Tengu),
        (<PressRedeploy as ServerFn>::PATH, "env=dev&key=k2".into(), Tengu),
        (<PressRollback as ServerFn>::PATH, format!("env=dev&to={deployment}&key=k3"), Tengu),
        (<AbortDeployment as ServerFn>::PATH, format!("id={deployment}"), Tengu),
        (<PressReviewEnv as ServerFn>::PATH, "repo=acme%2Fshop&pr=140&press=stop".into(), Tengu),
        (<StopStrangerTask as ServerFn>::PATH, "cluster=shop-review&arn=arn%3Aaws%3Aecs%3Ax".into(), Tengu),
        (<SimulateFeaturePr as ServerFn>::PATH, "change=open&title=Sneaky".into(), SimulatedGithub),
        (<ApproveDeployment as ServerFn>::PATH, format!("id={deployment}"), Tengu),
        (<RejectDeployment as ServerFn>::PATH, format!("id={deployment}&reason=not+now"), Tengu),
        (<LockEnvironment as ServerFn>::PATH, "env=dev&reason=incident+42&length=2h".into(), Tengu),
        (<UnlockEnvironment as ServerFn>::PATH, "env=dev".into(), Tengu),
        // A person's own tokens: anyone signed in may manage theirs (a token acts with its owner's role).
        (<CreateToken as ServerFn>::PATH, "name=mine&read=on&days=30".into(), Open),
        (<RevokeToken as ServerFn>::PATH, "id=1".into(), Open),
        (<RetryDelivery as ServerFn>::PATH, "delivery_id=parked-1".into(), Tengu),
        // The sandbox's chat: a person speaks as their own chat account, whose role decides (sandbox_chat.rs).
        (<SandboxChatSay as ServerFn>::PATH, "chat_user=U0ALICE&text=%2Ftengu+redeploy+dev".into(), Open),
        (<SandboxChatPress as ServerFn>::PATH, "chat_user=U0ALICE&action=approve%3A1".into(), Open),
    ]
}

fn post(path: &str, body: String, cookie: Option<&str>, origin: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.body(Body::from(body)).unwrap()
}

/// The sandbox's ids, and a webhook delivery about acme/shop parked after its last failed try.
async fn sandbox_ids(app: &crate::support::TestApp) -> (u64, i64) {
    app.park_a_delivery("parked-1").await;
    let everyone = tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System);
    let home = app.tengu.home(&everyone).await.unwrap();
    let pr = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap().number.get();
    (pr, home.recent_deployments[0].id.0)
}

async fn audit_len(app: &crate::support::TestApp) -> usize {
    app.tengu.store().audit_log(10_000).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_gets_nothing_and_changes_nothing() {
    let app = spawn_app(Vec::new()).await;
    let (pr, deployment) = sandbox_ids(&app).await;
    let before = audit_len(&app).await;
    for page in [
        "/",
        "/environments/dev",
        "/deployments",
        "/deployments.csv?pr=110",
        "/insights",
        "/insights.csv",
        &format!("/deployments/{deployment}"),
        "/audit",
        "/settings/tokens",
        "/settings/deliveries",
        "/review-envs",
        "/chat",
        &format!("/repos/acme/shop/deploy-prs/{pr}"),
    ] {
        let (status, headers, _) = app.send(get(page)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let to = headers[header::LOCATION].to_str().unwrap();
        assert!(to.starts_with("/sign-in?next=/"), "{page} → {to}");
    }
    let (status, _, _) = app.send(get("/api/live?page=/environments/dev")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(get("/api/v1/insights")).await.0, StatusCode::UNAUTHORIZED, "the API asks for a token");
    for (path, body, _) in server_functions(pr, deployment) {
        let (status, _, _) = app.send(post(path, body, None, Some("http://127.0.0.1:3000"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(audit_len(&app).await, before, "nothing was recorded, so nothing ran");
    // What answers without a person.
    assert_eq!(app.send(get("/healthz")).await.0, StatusCode::OK);
    assert_eq!(app.send(get("/sign-in?next=/deployments")).await.0, StatusCode::OK);
    let (status, _, _) = app.send(post("/sign-out", String::new(), None, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sees_but_every_change_is_refused_and_recorded() {
    let app = spawn_app(Vec::new()).await;
    let (pr, deployment) = sandbox_ids(&app).await;
    let cookie = app.sign_in("visitor").await;
    let (status, _, html) = app.get_as(&cookie, "/environments/dev").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Redeploy needs the deployer role (write on acme/shop); you have read"), "the reason shows");
    let deployments = app.tengu.store().recent_deployments(&tengu_core::domain::DeploymentFilter::newest(1000)).await;
    let deployments = deployments.unwrap().len();
    for (path, body, gate) in server_functions(pr, deployment) {
        if gate == Open {
            continue;
        }
        let before = audit_len(&app).await;
        let delivered = app.database.count_rows("webhook_deliveries").await.unwrap();
        let (status, _, body) = app.send(post(path, body, Some(&cookie), Some("http://127.0.0.1:3000"))).await;
        assert!(!status.is_success(), "{path} answered {status}");
        assert!(body.contains("needs") || body.contains("only"), "{path}: {body}");
        if gate == SimulatedGithub {
            assert_eq!(audit_len(&app).await, before, "{path}: GitHub refused; tengu heard of nothing");
            let after = app.database.count_rows("webhook_deliveries").await.unwrap();
            assert_eq!(after, delivered, "{path}: no delivery was sent");
            continue;
        }
        let log = app.tengu.store().audit_log(1).await.unwrap();
        assert_eq!(audit_len(&app).await, before + 1, "{path}: one entry, the refusal");
        assert_eq!((log[0].action, log[0].actor.as_str()), (AuditAction::Refused, "visitor"), "{path}");
    }
    let after = app.tengu.store().recent_deployments(&tengu_core::domain::DeploymentFilter::newest(1000)).await;
    assert_eq!(after.unwrap().len(), deployments, "no deployment was started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_from_another_site_is_refused_before_anything_runs() {
    let app = spawn_app(Vec::new()).await;
    let (pr, deployment) = sandbox_ids(&app).await;
    let cookie = app.sign_in("alice").await;
    let before = audit_len(&app).await;
    for (path, body, _) in server_functions(pr, deployment) {
        let (status, _, _) = app.send(post(path, body, Some(&cookie), Some("https://evil.example"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _, _) = app.send(post("/sign-out", String::new(), Some(&cookie), Some("https://evil.example"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let fetch = Request::post(<PressRedeploy as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie.as_str())
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("env=dev&key=k9"))
        .unwrap();
    assert_eq!(app.send(fetch).await.0, StatusCode::FORBIDDEN);
    assert_eq!(audit_len(&app).await, before, "nothing ran");
    let (status, _, _) = app.get_as(&cookie, "/").await;
    assert_eq!(status, StatusCode::OK, "still signed in: sign-out from another site did nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_that_went_wrong_leaves_no_session() {
    let app = spawn_app(Vec::new()).await;
    // A callback nobody started, and a state that does not match.
    let (status, headers, body) = app.send(get("/auth/github/callback?code=x&state=y")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("did not start here"), "{body}");
    assert!(set_cookie(&headers).is_none(), "no session");
    let (_, headers, _) = app.send(get("/auth/github")).await;
    let started = set_cookie(&headers).unwrap();
    let raw = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(raw.contains("HttpOnly") && raw.contains("SameSite=Lax") && raw.contains("Path=/"), "{raw}");
    let max_age: i64 = raw.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!(max_age <= 600, "a sign-in under way lives ten minutes at most: {raw}");
    let (status, _, _) = app.get_as(&started, "/auth/github/callback?code=x&state=wrong").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = app.get_as(&started, "/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "still a stranger");
    // A denied consent.
    let (_, headers, _) = app.send(get("/auth/github")).await;
    let started = set_cookie(&headers).unwrap();
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    let state = location.split("state=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let (status, _, body) =
        app.get_as(&started, &format!("/auth/github/callback?error=access_denied&state={state}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("You declined"), "{body}");
    // The same state again is a replay.
    let (status, _, _) = app.get_as(&started, &format!("/auth/github/callback?code=x&state={state}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A signed-in session ends with sign-out.
    let cookie = app.sign_in("carol").await;
    let signed_out = Request::post("/sign-out").header(header::COOKIE, cookie.as_str()).body(Body::empty()).unwrap();
    assert_eq!(app.send(signed_out).await.0, StatusCode::SEE_OTHER);
    let (status, _, _) = app.get_as(&cookie, "/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the old cookie no longer signs anyone in");
    // Responses carry the browser hardening headers.
    let (_, headers, _) = app.send(get("/sign-in")).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
}
