//! A signed-in person's page is rendered once per change of tengu's records: answered again from memory (with a
//! fresh CSP nonce each time) until a write through tengu, and never shown to another person.

use axum::http::{HeaderMap, StatusCode, header};
use tengu_core::domain::{AuditAction, AuditEntry};

fn nonce_of(headers: &HeaderMap) -> String {
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_is_answered_from_memory_until_a_write_and_each_answer_has_its_own_nonce() {
    let app = crate::support::spawn_app(Vec::new()).await;
    let alice = app.sign_in("alice").await;
    let (status, first_headers, first) = app.get_as(&alice, "/deployments").await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("@alice") && !first.contains("behind-the-back"));

    // Behind tengu's back the rows change; the page is answered from memory all the same.
    app.database.execute_raw("UPDATE deployments SET actor = 'behind-the-back'").await.unwrap();
    let (status, second_headers, second) = app.get_as(&alice, "/deployments").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!second.contains("behind-the-back"), "rendered at the same generation: answered from memory");
    let (one, two) = (nonce_of(&first_headers), nonce_of(&second_headers));
    assert_ne!(one, two, "every answer has a nonce of its own");
    assert!(second.contains(&format!("nonce=\"{two}\"")) && !second.contains(&one), "the page's scripts carry it");
    assert_eq!(first.replace(&one, "N"), second.replace(&two, "N"), "otherwise the same bytes");

    // Another person never gets alice's page.
    let bob = app.sign_in("bob").await;
    let (_, _, bobs) = app.get_as(&bob, "/deployments").await;
    assert!(bobs.contains("@bob") && !bobs.contains("@alice"));

    // A write through tengu (bob's sign-in was one; this is another) and the page is rendered afresh.
    let entry = AuditEntry {
        at: chrono::Utc::now(),
        actor: "carol".to_owned(),
        action: AuditAction::DeploymentRequested,
        target: "dev".to_owned(),
        detail: String::new(),
        repo: None,
    };
    app.tengu.store().record_audit(&entry).await.unwrap();
    let (_, _, third) = app.get_as(&alice, "/deployments").await;
    assert!(third.contains("behind-the-back"), "read afresh after the write");

    // Signing out ends the session at once, though it was answered from memory.
    let sign_out = axum::http::Request::post("/sign-out")
        .header(header::COOKIE, alice.as_str())
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .body(axum::body::Body::empty())
        .unwrap();
    app.send(sign_out).await;
    let (status, headers, _) = app.get_as(&alice, "/deployments").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION].to_str().unwrap().starts_with("/sign-in"));
}

/// A webhook delivery stored changes no page but the deliveries page: the others are still answered from memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_drops_the_deliveries_page_and_no_other() {
    let app = crate::support::spawn_app(Vec::new()).await;
    let alice = app.sign_in("alice").await;
    let (_, _, history) = app.get_as(&alice, "/deployments").await;
    let (status, _, deliveries) = app.get_as(&alice, "/settings/deliveries").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!deliveries.contains("parked-by-hand"));

    // Behind tengu's back: a parked delivery and other actors; then a delivery stored through tengu.
    app.database.execute_raw("UPDATE deployments SET actor = 'behind-the-back'").await.unwrap();
    app.park_a_delivery("parked-by-hand").await;
    let stored = tengu_core::ports::StoredDelivery {
        delivery_id: "stored-through-tengu".to_owned(),
        event: "ping".to_owned(),
        payload: "{}".to_owned(),
        received_at: chrono::Utc::now(),
        repo: None,
        subject: None,
        attempts: 0,
    };
    assert!(app.tengu.store().record_delivery(&stored).await.unwrap());
    let (_, _, history_again) = app.get_as(&alice, "/deployments").await;
    assert!(!history_again.contains("behind-the-back"), "the history was not dropped by a delivery");
    assert_eq!(history.len(), history_again.len());
    let (_, _, deliveries_again) = app.get_as(&alice, "/settings/deliveries").await;
    assert!(deliveries_again.contains("parked-by-hand"), "the deliveries page was read afresh");
}

/// A page is dropped only by writes of what it shows: a token made (the tokens page, and its audit entry) leaves
/// the history as it was; a deployment written drops the history, not the tokens page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_is_dropped_only_by_writes_of_what_it_shows() {
    use tengu_core::domain::{Actor, Login, TokenScope};
    let app = crate::support::spawn_app(Vec::new()).await;
    let alice = app.sign_in("alice").await;
    for page in ["/deployments", "/settings/tokens"] {
        assert_eq!(app.get_as(&alice, page).await.0, StatusCode::OK, "{page}");
    }
    // Behind tengu's back, every page's rows change; then alice makes a token through tengu.
    app.database.execute_raw("UPDATE deployments SET actor = 'behind-the-back'").await.unwrap();
    let alice_actor = Actor::Person(Login::parse("alice").unwrap());
    app.tengu.create_token(&alice_actor, "made-while-kept", vec![TokenScope::Read], 30).await.unwrap();
    let shown = |page: &'static str| {
        let (app, alice) = (&app, &alice);
        async move { app.get_as(alice, page).await.2 }
    };
    assert!(shown("/settings/tokens").await.contains("made-while-kept"), "the tokens page was read afresh");
    assert!(!shown("/deployments").await.contains("behind-the-back"), "the history was not dropped by a token");

    // A deployment written through tengu drops the history, not the tokens page.
    app.database.execute_raw("UPDATE api_tokens SET name = 'renamed-behind-the-back'").await.unwrap();
    let production = tengu_core::domain::EnvName::parse("production").unwrap();
    let (newest, _) = app.tengu.store().latest_deployments(&production).await.unwrap();
    app.tengu.store().record_github_deployment(newest.unwrap().id, 7).await.unwrap();
    assert!(shown("/deployments").await.contains("behind-the-back"), "the history was read afresh");
    assert!(!shown("/settings/tokens").await.contains("renamed-behind-the-back"), "the tokens page was kept");
}
