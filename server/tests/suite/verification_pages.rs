//! What a deployment's verification checks answered, where people read it: the deployment's page, its
//! environment's page (the newest deployment's), the chat's message about it, and the API's answer the CLI follows.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use tengu_core::domain::{Actor, CheckResult, EnvName, Login, TokenScope};

use crate::support::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_answers_show_on_the_deployment_and_environment_pages_and_in_the_api() {
    let app = spawn_app(Vec::new()).await;
    let dev = EnvName::parse("dev").unwrap();
    let (latest, _) = app.tengu.store().latest_deployments(&dev).await.unwrap();
    let id = latest.expect("the sandbox has deployed dev").id;
    let at = Utc::now();
    let result = |check: &str, seconds: i64, passed: bool, answer: &str| CheckResult {
        check: check.into(),
        at: at + Duration::seconds(seconds),
        passed,
        answer: answer.into(),
    };
    for answered in [
        result("health", 0, true, "200, /status = \"ok\""),
        result("health", 10, false, "503 (expected 200)"),
        result("alarm shop-5xx", 1, true, "OK"),
    ] {
        app.tengu.store().record_check_result(id, &answered).await.unwrap();
    }

    let viewer = app.sign_in("dave").await;
    let (status, _, page) = app.get_as(&viewer, &format!("/deployments/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(">Verification</h2>"), "the deployment page has its checks");
    assert!(page.contains("<th scope=\"row\">health</th><td>2</td><td>1</td>"), "answers and failures");
    assert!(page.contains("503 (expected 200)"), "the last answer");
    let (_, _, page) = app.get_as(&viewer, "/environments/dev").await;
    assert!(page.contains("health: 2 answers, 1 failed; last 503 (expected 200)"), "the environment page's");

    let (message, _) = app.tengu.deployment_message(id).await.unwrap();
    assert!(message.text.contains("\n✗ health: 2 answers, 1 failed; last 503 (expected 200)"), "{}", message.text);
    assert!(message.text.contains("\n✓ alarm shop-5xx: 1 answer, 0 failed; last OK"), "the chat's message too");
    let dave = Actor::Person(Login::parse("dave").unwrap());
    let token = app.tengu.create_token(&dave, "CI", vec![TokenScope::Deploy(dev)], 30).await.unwrap();
    let read = Request::get(format!("/api/v1/deployments/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", token.secret))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = app.send(read).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        answer["checks"],
        serde_json::json!([
            "health: 2 answers, 1 failed; last 503 (expected 200)",
            "alarm shop-5xx: 1 answer, 0 failed; last OK"
        ])
    );
}
