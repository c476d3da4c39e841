//! Rolling back to any earlier success: the history, filtered to an environment's successes, offers each one to
//! the people who may roll that environment back; the button shows the rollback's review (its difference first),
//! whose button asks for the rollback like the environment page's.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::PressRollback;

use crate::support::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_offers_every_success_to_those_who_may_roll_back() {
    let app = spawn_app(Vec::new()).await;
    let page = "/deployments?env=dev&state=succeeded";
    let (visitor, dave) = (app.sign_in("visitor").await, app.sign_in("dave").await);
    let (_, _, seen) = app.get_as(&visitor, page).await;
    assert!(!seen.contains(">Roll back to this</button>"), "read may not roll back");
    let (status, _, html) = app.get_as(&dave, page).await;
    assert_eq!(status, StatusCode::OK);
    let offered = html.matches("aria-label=\"Roll back to this: dev deployment ").count();
    assert!(offered >= 2, "every success on the page is offered ({offered})");
    let (_, _, production) = app.get_as(&dave, "/deployments?env=production&state=succeeded").await;
    assert!(!production.contains(">Roll back to this</button>"), "production needs maintain; dave has write");

    // The oldest success offered on the page, as the button sends it: to its review first.
    assert!(html.contains("action=\"/environments/dev/review\""), "the button leads to the review");
    let oldest = html.rsplit("aria-label=\"Roll back to this: dev deployment ").next().unwrap();
    let id: i64 = oldest.split('"').next().unwrap().parse().unwrap();
    let form = |path: &str, body: String| {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, dave.as_str())
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, review) = app.send(form("/environments/dev/review", format!("press=rollback&to={id}"))).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert!(review.contains(&format!("Review: roll dev back to deployment {id}")), "{review}");
    assert!(review.contains("container app image"), "the image it goes back to, field by field: {review}");
    assert_eq!(crate::review_page::button_on(&review, "Confirm rollback"), Some(true), "{review}");
    let pressed = form(<PressRollback as ServerFn>::PATH, format!("env=dev&to={id}&key=history-test"));
    let (status, _, body) = app.send(pressed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (latest, _) =
        app.tengu.store().latest_deployments(&tengu_core::domain::EnvName::parse("dev").unwrap()).await.unwrap();
    let latest = latest.unwrap();
    assert_eq!(latest.trigger, tengu_core::domain::Trigger::Rollback);
    assert_eq!(latest.actor, "dave");
}
