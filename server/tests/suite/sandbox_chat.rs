//! The sandbox's chat page: a visitor's line becomes a request signed as Slack signs and goes through tengu's own
//! `/slack/commands` and `/slack/interactions`; the answers and the deployment's edited message come back to the
//! simulated channel. A visitor speaks as their own chat account or the guest, never as someone else.

use std::time::{Duration, Instant};

use crate::support::{TestApp, spawn_app};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::{SandboxChatPress, SandboxChatSay};
use tengu_core::domain::{AuditAction, DeploymentFilter};
use tengu_core::ports::{Topic, Topics};
use tengu_core::views::{ChatEntryView, SandboxChatView};

fn post(path: &str, body: String, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://127.0.0.1:3000");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).unwrap()
}

async fn say(app: &TestApp, cookie: &str, chat_user: &str, text: &str) -> (StatusCode, String) {
    let body = serde_urlencoded::to_string([("chat_user", chat_user), ("text", text)]).unwrap();
    let (status, _, answer) = app.send(post(<SandboxChatSay as ServerFn>::PATH, body, Some(cookie))).await;
    (status, answer)
}

async fn press(app: &TestApp, cookie: &str, chat_user: &str, action: &str) -> (StatusCode, String) {
    let body = serde_urlencoded::to_string([("chat_user", chat_user), ("action", action)]).unwrap();
    let (status, _, answer) = app.send(post(<SandboxChatPress as ServerFn>::PATH, body, Some(cookie))).await;
    (status, answer)
}

/// The channel as `who` sees it on the chat page (read from the simulated channel itself: the page shows it).
async fn channel(app: &TestApp, who: &str) -> SandboxChatView {
    let login = tengu_core::domain::Login::parse(who).unwrap();
    app.chat.as_ref().expect("the sandbox's chat").view(Some(&login))
}

/// Waits (up to `within`) for an entry of the channel that `wanted` picks.
async fn wait_for(
    app: &TestApp,
    who: &str,
    within: Duration,
    wanted: impl Fn(&ChatEntryView) -> bool,
) -> ChatEntryView {
    let started = Instant::now();
    loop {
        let view = channel(app, who).await;
        if let Some(found) = view.entries.iter().find(|e| wanted(e)) {
            return found.clone();
        }
        assert!(started.elapsed() < within, "not seen within {within:?}: {:#?}", view.entries);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_typed_in_the_sandbox_chat_goes_through_the_signed_endpoint_and_its_message_follows_it() {
    let app = spawn_app(Vec::new()).await;
    tengu_sandbox::chat::link_chat_people(&app.tengu).await.unwrap();
    let bob = app.sign_in("bob").await;

    let view = channel(&app, "bob").await;
    assert_eq!(view.speaking_as, "U0BOB");
    let (_, _, page) = app.get_as(&bob, "/chat").await;
    assert!(page.contains(r#"<option value="U0BOB" selected"#), "the page speaks as bob first: {page}");
    let voices: Vec<&str> = view.people.iter().map(|p| p.chat_user.as_str()).collect();
    assert_eq!(voices, ["U0BOB", "U0GUEST"], "bob speaks as himself or the guest");

    // Answered at once by the endpoint: only bob sees it.
    assert_eq!(say(&app, &bob, "U0BOB", "/tengu help").await.0, StatusCode::OK);
    let help = wait_for(&app, "bob", Duration::from_secs(2), |e| e.text.contains("/tengu deploy-pr <env>")).await;
    assert_eq!((help.from.as_str(), help.only_for.as_deref()), ("tengu", Some("bob")));

    // Not a command for tengu: nothing is sent.
    let before = channel(&app, "bob").await.entries.len();
    let (status, answer) = say(&app, &bob, "U0BOB", "hello everyone").await;
    assert!(!status.is_success() && answer.contains("start the line with /tengu"), "{status} {answer}");
    assert_eq!(channel(&app, "bob").await.entries.len(), before);

    // bob may not speak as alice.
    let (status, answer) = say(&app, &bob, "U0ALICE", "/tengu redeploy production").await;
    assert!(!status.is_success() && answer.contains("not as U0ALICE"), "{status} {answer}");

    // The guest linked nothing: told to link, nothing deployed.
    say(&app, &bob, "U0GUEST", "/tengu redeploy dev").await;
    wait_for(&app, "bob", Duration::from_secs(5), |e| e.text.contains("Link your Slack account")).await;

    // bob (maintain) redeploys production: it waits for a second person, in one message with an Approve button.
    // Each message is announced as a write of the sandbox's world, so the chat page's stream draws it.
    let before = app.tengu.changes().stamp(Topics::of(Topic::Documents));
    assert_eq!(say(&app, &bob, "U0BOB", "/tengu redeploy production").await.0, StatusCode::OK);
    let message =
        wait_for(&app, "bob", Duration::from_secs(10), |e| e.buttons.iter().any(|b| b.label == "Approve")).await;
    assert!(message.text.contains("to production by bob"), "{}", message.text);
    assert_ne!(before, app.tengu.changes().stamp(Topics::of(Topic::Documents)), "the channel's change was announced");
    let approve = message.buttons.iter().find(|b| b.label == "Approve").unwrap().action.clone().unwrap();

    // bob's own Approve is refused, with the reason, to him alone.
    assert_eq!(press(&app, &bob, "U0BOB", &approve).await.0, StatusCode::OK);
    let refused = wait_for(&app, "bob", Duration::from_secs(5), |e| {
        e.only_for.as_deref() == Some("bob") && e.text.contains("another person's approval")
    })
    .await;
    assert_eq!(refused.from, "tengu");

    // alice presses it from her own session; the same message is edited until the rollout succeeds.
    let alice = app.sign_in("alice").await;
    assert_eq!(press(&app, &alice, "U0ALICE", &approve).await.0, StatusCode::OK);
    let done =
        wait_for(&app, "alice", Duration::from_secs(60), |e| e.id == message.id && e.text.contains("Succeeded")).await;
    assert!(done.edits >= 2, "edited as it went: {done:#?}");
    assert!(done.buttons.iter().any(|b| b.label == "Roll back" && b.confirm.is_some()));
    assert!(!done.buttons.iter().any(|b| b.label == "Abort" || b.label == "Approve"));
    let posted = channel(&app, "alice").await.entries.iter().filter(|e| !e.buttons.is_empty()).count();
    assert_eq!(posted, 1, "one message for the deployment, edited in place");

    let id = approve.trim_start_matches("approve:").parse::<i64>().unwrap();
    let log = app.tengu.store().audit_log(100).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == AuditAction::DeploymentApproved
            && e.actor == "alice"
            && e.target.contains(&id.to_string())),
        "alice's approval is recorded: {log:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_chat_is_for_signed_in_people_and_a_viewer_is_refused_by_role_in_it() {
    let app = spawn_app(Vec::new()).await;
    tengu_sandbox::chat::link_chat_people(&app.tengu).await.unwrap();
    for path in [<SandboxChatSay as ServerFn>::PATH, <SandboxChatPress as ServerFn>::PATH] {
        let body = "chat_user=U0ALICE&text=%2Ftengu+redeploy+dev&action=approve%3A1".to_owned();
        let (status, _, _) = app.send(post(path, body, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, headers, _) = app.send(crate::support::get("/chat")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION].to_str().unwrap().starts_with("/sign-in?next=/chat"));

    let visitor = app.sign_in("visitor").await;
    let (status, _, html) = app.get_as(&visitor, "/chat").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("simulated") && html.contains("/slack/commands"), "the page says what it is");
    let deployments = app.tengu.store().recent_deployments(&DeploymentFilter::newest(1000)).await.unwrap().len();
    assert_eq!(say(&app, &visitor, "U0VISITOR", "/tengu redeploy dev").await.0, StatusCode::OK);
    let refused =
        wait_for(&app, "visitor", Duration::from_secs(5), |e| e.text.contains("needs the deployer role")).await;
    assert_eq!(refused.only_for.as_deref(), Some("visitor"), "a refusal is for the person alone");
    let after = app.tengu.store().recent_deployments(&DeploymentFilter::newest(1000)).await.unwrap().len();
    assert_eq!(after, deployments, "nothing was deployed");
    let log = app.tengu.store().audit_log(1).await.unwrap();
    assert_eq!((log[0].action, log[0].actor.as_str()), (AuditAction::Refused, "visitor"));

    // The endpoint behind the page is Slack's: a request not signed with the sandbox's secret does nothing.
    let body = "command=%2Ftengu&text=redeploy+dev&user_id=U0ALICE&channel_id=C0DEPLOYS&response_url=x".to_owned();
    let forged = Request::post("/slack/commands")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", chrono::Utc::now().timestamp().to_string())
        .header("x-slack-signature", "v0=00")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(forged).await.0, StatusCode::UNAUTHORIZED);
}
