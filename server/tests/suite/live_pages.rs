//! An open page is kept up to date over its live stream: the server sends the HTML of each region a write
//! changed, and nothing for writes the page is not made of.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tengu_core::domain::{Actor, EnvName, Login};
use tengu_core::usecases::Press;
use tower::ServiceExt;

/// The regions of one `regions` event, as `(id, html)`.
fn regions_of(frame: &str) -> Vec<(String, String)> {
    assert!(frame.contains("event: regions") || frame.contains("event:regions"), "a regions event: {frame}");
    let data: String = frame.lines().filter_map(|line| line.strip_prefix("data:")).map(str::trim_start).collect();
    let swaps: Vec<serde_json::Value> = serde_json::from_str(&data).expect("a JSON list");
    swaps.iter().map(|s| (s["id"].as_str().unwrap().to_owned(), s["html"].as_str().unwrap().to_owned())).collect()
}

/// The next event the stream sends, or None when none comes within `wait` (or the stream ended).
async fn next_event(body: &mut Body, wait: Duration) -> Option<String> {
    let mut event = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while !event.contains("\n\n") {
        let frame = tokio::time::timeout_at(deadline, body.frame()).await.ok()??.ok()?;
        if let Ok(data) = frame.into_data() {
            event.push_str(&String::from_utf8_lossy(&data));
        }
        // Keep-alive comments are not events.
        if event.starts_with(':') {
            event.clear();
        }
    }
    Some(event)
}

fn watch(cookie: &str, page: &str) -> Request<Body> {
    let address = format!("/api/live?page={}", page.replace('?', "%3F").replace('&', "%26").replace('=', "%3D"));
    Request::get(address).header(header::COOKIE, cookie).body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_page_gets_the_regions_a_write_changed_and_nothing_for_other_writes() {
    let app = crate::support::spawn_app(Vec::new()).await;
    let carol = app.sign_in("carol").await;
    let response = app.router.clone().oneshot(watch(&carol, "/environments/dev")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = response.into_body();
    let first = next_event(&mut body, Duration::from_secs(5)).await.expect("a first frame");
    let ids: Vec<String> = regions_of(&first).into_iter().map(|(id, _)| id).collect();
    let all = ["environment-lock", "environment-buttons", "environment-approval", "environment-rollout"];
    assert_eq!(ids, all, "every region at once");

    // Writes of things the page does not show: a lease taken, a webhook delivery stored.
    let now = chrono::Utc::now();
    app.tengu.store().take_lease("a job", "me", now, now + chrono::Duration::seconds(5)).await.unwrap();
    app.park_a_delivery("live-1").await;
    app.tengu.store().prune_deliveries(now - chrono::Duration::days(365)).await.unwrap();
    assert_eq!(next_event(&mut body, Duration::from_millis(800)).await, None, "nothing sent for what is not shown");

    // A redeploy: the rollout shows the new deployment, sent as soon as it is written.
    let env = EnvName::parse("dev").unwrap();
    let carol_actor = Actor::Person(Login::parse("carol").unwrap());
    let deployment = app.tengu.press(&carol_actor, &env, Press::Redeploy, "live-test".into(), None).await.unwrap();
    let frame = next_event(&mut body, Duration::from_secs(3)).await.expect("the change is sent");
    let changed = regions_of(&frame);
    let rollout = changed.iter().find(|(id, _)| id == "environment-rollout").expect("the rollout changed");
    assert!(rollout.1.contains(&format!("/deployments/{}", deployment.id.0)), "the new deployment: {}", rollout.1);
    assert!(changed.len() < all.len() || changed.iter().all(|(_, html)| !html.is_empty()), "only what changed");

    // A lock: its region says so, without the page being fetched again.
    let reason = tengu_core::domain::LockReason::parse("demo at three").unwrap();
    let length = tengu_core::domain::LockLength::parse("1h").unwrap();
    app.tengu.lock_environment(&carol_actor, &env, reason, length).await.unwrap();
    let mut lock_region = None;
    while lock_region.is_none() {
        let frame = next_event(&mut body, Duration::from_secs(3)).await.expect("the lock is sent");
        lock_region = regions_of(&frame).into_iter().find(|(id, _)| id == "environment-lock");
    }
    let html = lock_region.unwrap().1;
    assert!(html.contains("Locked: </strong>dev is locked by carol") && html.contains(">Unlock</button>"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_signed_in_person_watches_only_tengus_own_pages_and_a_sign_out_ends_the_stream() {
    let app = crate::support::spawn_app(Vec::new()).await;
    let anonymous = Request::get("/api/live?page=/").body(Body::empty()).unwrap();
    assert_eq!(app.send(anonymous).await.0, StatusCode::UNAUTHORIZED);
    let alice = app.sign_in("alice").await;
    for elsewhere in ["https://evil.example/", "//evil.example/", "/api/v1/status", "/pkg/tengu.css", "/..%2fetc"] {
        let (status, _, _) = app.send(watch(&alice, elsewhere)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{elsewhere}");
    }
    let response = app.router.clone().oneshot(watch(&alice, "/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    next_event(&mut body, Duration::from_secs(5)).await.expect("a first frame");
    let sign_out = Request::post("/sign-out")
        .header(header::COOKIE, alice.as_str())
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .body(Body::empty())
        .unwrap();
    app.send(sign_out).await;
    let ended = tokio::time::timeout(Duration::from_secs(3), async { while let Some(Ok(_)) = body.frame().await {} });
    assert!(ended.await.is_ok(), "the stream ended at the sign-out");
    let (status, _, _) = app.send(watch(&alice, "/")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "and the browser's next connection is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_deployment_page_gets_each_check_answer_as_it_is_recorded() {
    let app = crate::support::spawn_app(Vec::new()).await;
    let carol = app.sign_in("carol").await;
    let env = EnvName::parse("dev").unwrap();
    let (latest, _) = app.tengu.store().latest_deployments(&env).await.unwrap();
    let id = latest.unwrap().id;
    let response = app.router.clone().oneshot(watch(&carol, &format!("/deployments/{id}"))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let first = next_event(&mut body, Duration::from_secs(5)).await.expect("a first frame");
    let ids: Vec<String> = regions_of(&first).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["deployment-state", "deployment-timeline", "deployment-checks", "deployment-rollout"]);

    let answer = tengu_core::domain::CheckResult {
        check: "health".into(),
        at: chrono::Utc::now(),
        passed: false,
        answer: "503 (expected 200)".into(),
    };
    app.tengu.store().record_check_result(id, &answer).await.unwrap();
    let frame = next_event(&mut body, Duration::from_secs(3)).await.expect("the answer is sent");
    let changed = regions_of(&frame);
    let (_, checks) = changed.iter().find(|(id, _)| id == "deployment-checks").expect("the checks changed");
    assert!(checks.contains("503 (expected 200)"), "{checks}");
    assert!(!changed.iter().any(|(id, _)| id == "deployment-rollout"), "only what changed");
}
