//! A freeze window through the machine API and on the pages: refused with the window and its end, an admin's
//! override with a reason goes through, and every page that shows the environment says "Frozen: until …".

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tengu_core::domain::{Actor, EnvName, FreezeWindow, Login, TokenScope};

use leptos::server_fn::ServerFn;
use tengu_app::api::PressRedeploy;

use crate::support::spawn_app_frozen;

fn person(login: &str) -> Actor {
    Actor::Person(Login::parse(login).unwrap())
}

fn redeploy(token: &str, body: Value) -> Request<Body> {
    Request::post("/api/v1/environments/dev/deployments")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_is_refused_during_a_freeze_and_an_admin_goes_through_with_a_reason() {
    let dev = EnvName::parse("dev").unwrap();
    let window = FreezeWindow::new("Holidays", vec![dev.clone()], "Asia/Tokyo", "2000-01-01", "2100-01-01").unwrap();
    let app = spawn_app_frozen(vec![window]).await;
    let scope = vec![TokenScope::Deploy(dev)];
    let dave = app.tengu.create_token(&person("dave"), "CI", scope.clone(), 30).await.unwrap();
    let alice = app.tengu.create_token(&person("alice"), "CI", scope, 30).await.unwrap();

    let (status, _, body) = app.send(redeploy(&dave.secret, json!({ "redeploy": true }))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains(
            "dev is frozen by \\\"Holidays\\\" (2000-01-01 00:00 to 2100-01-01 00:00 Asia/Tokyo) until Fri \
                       2100-01-01 00:00 Asia/Tokyo; nothing ships until then"
        ),
        "{body}"
    );
    let overriding = json!({ "redeploy": true, "freeze_override": "hotfix for #42" });
    let (status, _, body) = app.send(redeploy(&dave.secret, overriding.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only an admin deploys during a freeze: {body}");
    assert!(body.contains("Deploy during a freeze needs the admin role"), "{body}");
    let (status, _, body) = app.send(redeploy(&alice.secret, overriding)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let viewer = app.sign_in("dave").await;
    for page in ["/", "/environments/dev"] {
        let (status, _, html) = app.get_as(&viewer, page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("<strong>Frozen: </strong>until Fri 2100-01-01 00:00 Asia/Tokyo by ")
                && html.contains("Holidays"),
            "{page} does not say dev is frozen"
        );
    }
    let (_, _, html) = app.get_as(&viewer, "/environments/production").await;
    assert!(!html.contains("Frozen: "), "production is not named");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_offers_an_admin_the_override_and_records_it() {
    let dev = EnvName::parse("dev").unwrap();
    let window = FreezeWindow::new("Holidays", vec![dev], "UTC", "2000-01-01", "2100-01-01").unwrap();
    let app = spawn_app_frozen(vec![window]).await;
    let form = |cookie: &str, path: &str, body: &str| {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, cookie)
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let (dave, alice) = (app.sign_in("dave").await, app.sign_in("alice").await);
    // The review before the redeploy says the freeze holds; only an admin is offered the reason that passes it.
    let (_, _, html) = app.send(form(&dave, "/environments/dev/review", "press=redeploy")).await;
    assert!(html.contains("dev is frozen by"), "{html}");
    assert!(!html.contains("name=\"override_reason\""), "a writer is not offered the override");
    assert_eq!(crate::review_page::button_on(&html, "Confirm redeploy"), Some(false), "{html}");
    let (_, _, html) = app.send(form(&alice, "/environments/dev/review", "press=redeploy")).await;
    assert_eq!(html.matches("name=\"override_reason\"").count(), 1, "{html}");
    assert_eq!(crate::review_page::button_on(&html, "Confirm redeploy"), Some(true), "{html}");

    let (status, _, body) =
        app.send(form(&dave, <PressRedeploy as ServerFn>::PATH, "env=dev&key=d1&override_reason=")).await;
    assert_ne!(status, StatusCode::OK, "a blank reason is no override: {body}");
    assert!(body.contains("dev is frozen by"), "{body}");
    let (status, _, body) =
        app.send(form(&dave, <PressRedeploy as ServerFn>::PATH, "env=dev&key=d2&override_reason=hotfix")).await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Deploy during a freeze needs the admin role"), "{body}");
    let pressed = form(&alice, <PressRedeploy as ServerFn>::PATH, "env=dev&key=a1&override_reason=hotfix+for+%2342");
    let (status, _, body) = app.send(pressed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let log = app.tengu.store().audit_log(10).await.unwrap();
    let overridden = log.iter().find(|e| e.action == tengu_core::domain::AuditAction::FreezeOverridden).unwrap();
    assert!(overridden.actor == "alice" && overridden.detail.contains("because: hotfix for #42"), "{overridden:?}");
}
