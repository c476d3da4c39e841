//! A deployment asked for in a Slack channel gets one message there that is edited as the rollout goes, with
//! buttons that act with the pressing person's own role: against a Slack Web API stand-in (wiremock) recording
//! `chat.postMessage`, `chat.update` and the `response_url` answers, through a whole sandbox rollout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::spawn_app_with;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tengu_core::domain::{Actor, EnvName, Login};
use tengu_server::web::slack::SlackApp;
use tengu_server::web::slack_signature::sign;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &[u8] = b"slack-signing-secret-for-threads";
const TEAM: &str = "T0ACME";

/// Slack gives each command and press its own trigger id, so no two requests are the same.
fn trigger_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!("{}.trigger", NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
}

fn signed(path: &str, body: String) -> Request<Body> {
    let at = chrono::Utc::now().timestamp();
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", at.to_string())
        .header("x-slack-signature", sign(SECRET, at, body.as_bytes()))
        .body(Body::from(body))
        .unwrap()
}

fn command(text: &str, user: &str, response_url: &str) -> Request<Body> {
    let body = serde_urlencoded::to_string([
        ("command", "/tengu"),
        ("text", text),
        ("user_id", user),
        ("team_id", TEAM),
        ("channel_id", "C0DEPLOYS"),
        ("response_url", response_url),
        ("trigger_id", &trigger_id()),
    ])
    .unwrap();
    signed("/slack/commands", body)
}

fn press(action_id: &str, user: &str, response_url: &str) -> Request<Body> {
    let payload = json!({
        "type": "block_actions",
        "user": { "id": user },
        "team": { "id": TEAM, "domain": "acme" },
        "trigger_id": trigger_id(),
        "channel": { "id": "C0DEPLOYS" },
        "actions": [{ "action_id": action_id, "value": action_id }],
        "response_url": response_url,
    });
    signed("/slack/interactions", serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap())
}

/// The JSON bodies Slack's stand-in received at `at`, oldest first.
async fn bodies(slack: &MockServer, at: &str) -> Vec<Value> {
    let received = slack.received_requests().await.unwrap_or_default();
    received.iter().filter(|r| r.url.path() == at).map(|r| serde_json::from_slice(&r.body).unwrap()).collect()
}

async fn wait_for(slack: &MockServer, at: &str, limit: Duration, found: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let now = bodies(slack, at).await;
        if found(&now) {
            return now;
        }
        assert!(started.elapsed() < limit, "nothing like it reached {at} in {limit:?}: {now:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn action_ids(message: &Value) -> Vec<String> {
    message["blocks"][1]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["action_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_asked_in_a_channel_is_one_message_edited_to_its_outcome_and_approved_from_its_button() {
    let slack = MockServer::start().await;
    let posted = json!({ "ok": true, "channel": "C0DEPLOYS", "ts": "1700000000.000100" });
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(posted))
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.update"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/commands/T1/1/abc"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&slack)
        .await;
    let replies = Arc::new(tengu_slack::SlackReplies::new(&format!("{}/", slack.uri())).unwrap());
    let messages = Arc::new(tengu_slack::SlackWeb::new(&format!("{}/api", slack.uri()), "xoxb-test").unwrap());
    let app = spawn_app_with(Vec::new(), |web| {
        web.slack = Some(SlackApp::new(SECRET.to_vec(), vec![TEAM.to_owned()], replies, Some(messages)));
    })
    .await;
    let url = format!("{}/commands/T1/1/abc", slack.uri());
    let now = chrono::Utc::now();
    for (user, login) in [("U0BOB", "bob"), ("U0ALICE", "alice")] {
        app.tengu.store().save_chat_link(user, &Login::parse(login).unwrap(), now).await.unwrap();
    }
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let production = EnvName::parse("production").unwrap();
    app.tengu.override_environment_gate(&alice, &production, None, "the thread test ships what runs").await.unwrap();

    // bob (maintain) redeploys production: it waits for a second person, and the channel gets one message.
    let (status, _, _) = app.send(command("redeploy production", "U0BOB", &url)).await;
    assert_eq!(status, StatusCode::OK);
    let first = wait_for(&slack, "/api/chat.postMessage", Duration::from_secs(10), |b| !b.is_empty()).await;
    let message = &first[0];
    assert_eq!(message["channel"], "C0DEPLOYS");
    assert!(message["text"].as_str().unwrap().contains("Awaiting approval"), "{message}");
    let approve = action_ids(message).into_iter().find(|a| a.starts_with("approve:")).expect("an Approve button");
    assert!(action_ids(message).iter().any(|a| a.starts_with("abort:")), "an Abort button");

    // bob may not approve his own; alice may.
    app.send(press(&approve, "U0BOB", &url)).await;
    let answers = wait_for(&slack, "/commands/T1/1/abc", Duration::from_secs(10), |b| b.len() >= 2).await;
    assert!(!answers[1]["text"].as_str().unwrap().contains("You approved"), "{:?}", answers[1]);
    let (status, _, _) = app.send(press(&approve, "U0ALICE", &url)).await;
    assert_eq!(status, StatusCode::OK);
    let answers = wait_for(&slack, "/commands/T1/1/abc", Duration::from_secs(10), |b| b.len() >= 3).await;
    assert!(answers[2]["text"].as_str().unwrap().starts_with("You approved deployment"), "{:?}", answers[2]);

    // The same message is edited as the rollout goes, to its outcome, and then offers a rollback, not an abort.
    let updates = wait_for(&slack, "/api/chat.update", Duration::from_secs(60), |b| {
        b.iter().any(|u| u["text"].as_str().unwrap_or("").contains("succeeded"))
    })
    .await;
    assert!(updates.iter().all(|u| u["ts"] == "1700000000.000100"), "one message, edited");
    assert!(
        updates.iter().any(|u| u["text"].as_str().unwrap().contains("tasks running")),
        "progress shown: {updates:#?}"
    );
    let last = updates.last().unwrap();
    let buttons = action_ids(last);
    assert!(
        buttons.iter().any(|a| a.starts_with("rollback:")) && !buttons.iter().any(|a| a.starts_with("abort:")),
        "{buttons:?}"
    );
    assert_eq!(bodies(&slack, "/api/chat.postMessage").await.len(), 1, "never a second message for it");
}
