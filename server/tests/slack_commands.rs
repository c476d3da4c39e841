//! Slack's `/tengu` against a Slack stand-in (wiremock) that records what tengu sends to each command's
//! `response_url`: signatures checked before anything, answers at once, the work after, acting as the linked
//! GitHub login with its role and the gate.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::spawn_app_with;
use tengu_core::domain::{Actor, EnvName, Login};
use tengu_server::web::slack::SlackApp;
use tengu_server::web::slack_signature::sign;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &[u8] = b"slack-signing-secret-for-tests";

fn command(text: &str, user: &str, response_url: &str, at: i64, secret: &[u8]) -> Request<Body> {
    let body = serde_urlencoded::to_string([
        ("command", "/tengu"),
        ("text", text),
        ("user_id", user),
        ("user_name", "someone"),
        ("channel_id", "C0DEPLOYS"),
        ("response_url", response_url),
    ])
    .unwrap();
    Request::post("/slack/commands")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", at.to_string())
        .header("x-slack-signature", sign(secret, at, body.as_bytes()))
        .body(Body::from(body))
        .unwrap()
}

/// The texts Slack's stand-in received so far, oldest first.
async fn replies(slack: &MockServer) -> Vec<serde_json::Value> {
    let received = slack.received_requests().await.unwrap_or_default();
    received.iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect()
}

async fn next_reply(slack: &MockServer, seen: usize) -> serde_json::Value {
    for _ in 0..100 {
        let now = replies(slack).await;
        if now.len() > seen {
            return now[seen].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no answer reached Slack");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_are_verified_answered_at_once_and_act_as_the_linked_login() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/commands/T1/1/abc"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&slack)
        .await;
    let hooks = format!("{}/", slack.uri());
    let replies_to = Arc::new(tengu_core::slack::SlackReplies::new(&hooks).unwrap());
    let app = spawn_app_with(Vec::new(), |web| {
        web.slack = Some(SlackApp { signing_secret: SECRET.to_vec(), replies: replies_to, messages: None });
    })
    .await;
    let url = format!("{}/commands/T1/1/abc", slack.uri());
    let now = chrono::Utc::now().timestamp();

    // Not Slack's: a wrong secret, a replay older than five minutes, no signature. Nothing is done or sent.
    let (status, _, _) = app.send(command("deploy dev", "U1", &url, now, b"another secret")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = app.send(command("status", "U1", &url, now - 301, SECRET)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("more than five minutes old"), "{body}");
    let mut unsigned = command("status", "U1", &url, now, SECRET);
    unsigned.headers_mut().remove("x-slack-signature");
    let (status, _, _) = app.send(unsigned).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Buttons are checked the same way.
    let pressed = Request::post("/slack/interactions")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("payload=%7B%7D"))
        .unwrap();
    let (status, _, _) = app.send(pressed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(replies(&slack).await.is_empty(), "nothing was sent for a refused request");

    // help and nonsense are answered in the response itself.
    let (status, _, body) = app.send(command("help", "U1", &url, now, SECRET)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/tengu deploy-pr <env>"), "{body}");
    let (_, _, body) = app.send(command("dance", "U1", &url, now, SECRET)).await;
    assert!(body.contains("does not understand"), "{body}");

    // status works unlinked, answered after the acknowledgement.
    let (status, _, body) = app.send(command("status dev", "U1", &url, now, SECRET)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("On it"), "{body}");
    let answer = next_reply(&slack, 0).await;
    assert!(answer["text"].as_str().unwrap().starts_with("dev: runs "), "{answer}");
    assert_eq!(answer["response_type"], "ephemeral");

    // Acting needs a link: refused with the way to get one; then `link` gives a one-time page.
    app.send(command("redeploy dev", "U1", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 1).await;
    assert!(answer["text"].as_str().unwrap().contains("/tengu link"), "{answer}");
    app.send(command("link", "U1", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 2).await;
    let text = answer["text"].as_str().unwrap().to_owned();
    let code = text.split("code=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();

    // The page: strangers are sent to sign in; a GET only asks; the POST links (once).
    let (status, headers, _) = app.send(support::get(&format!("/link/chat?code={code}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION].to_str().unwrap().starts_with("/sign-in"));
    let anonymous = Request::post("/link/chat")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .body(Body::from(format!("code={code}")))
        .unwrap();
    let (status, _, _) = app.send(anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "linking needs a signed-in person; the code still works after");
    let visitor = app.sign_in("visitor").await;
    let (status, _, body) = app.get_as(&visitor, &format!("/link/chat?code={code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("@visitor"), "{body}");
    let post = |cookie: &str, code: &str| {
        Request::post("/link/chat")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, cookie)
            .body(Body::from(format!("code={code}")))
            .unwrap()
    };
    let (status, _, body) = app.send(post(&visitor, &code)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Linked"), "{body}");
    let (_, _, body) = app.send(post(&visitor, &code)).await;
    assert!(body.contains("used up"), "a code links once: {body}");
    assert_eq!(app.tengu.store().chat_login("U1").await.unwrap().map(|l| l.to_string()), Some("visitor".into()));

    // Linked as a reader: a deploy is refused with the role's sentence (and recorded as a refusal).
    app.send(command("redeploy dev", "U1", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 3).await;
    assert!(answer["text"].as_str().unwrap().contains("needs the deployer role"), "{answer}");

    // Linked as a deployer: the gate holds new code, then (overridden by an admin) the deploy starts, in the channel.
    app.tengu.store().save_chat_link("U2", &Login::parse("dave").unwrap(), chrono::Utc::now()).await.unwrap();
    let image = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/acme/shop:chat1";
    app.send(command(&format!("deploy dev {image}"), "U2", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 4).await;
    assert!(answer["text"].as_str().unwrap().contains("dev has unverified changes"), "{answer}");
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    app.tengu.override_environment_gate(&alice, &dev, None, "chat test ships a test image").await.unwrap();
    app.send(command(&format!("deploy dev {image}"), "U2", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 5).await;
    let text = answer["text"].as_str().unwrap();
    assert!(text.starts_with(&format!("dave asked to deploy {image} to dev: deployment ")), "{answer}");
    assert_eq!(answer["response_type"], "in_channel");
    // Busy while it rolls out; then abort from the chat.
    app.send(command("redeploy dev", "U2", &url, now, SECRET)).await;
    assert!(next_reply(&slack, 6).await["text"].as_str().unwrap().contains("dev is busy"));
    app.send(command("abort dev", "U2", &url, now, SECRET)).await;
    assert!(next_reply(&slack, 7).await["text"].as_str().unwrap().contains("is aborted"));
}

#[tokio::test]
async fn answers_go_only_to_slacks_own_addresses() {
    use tengu_core::ports::ChatReplies;
    let replies = tengu_core::slack::SlackReplies::new(tengu_core::slack::SlackReplies::SLACK_HOOKS).unwrap();
    let refused = replies.reply("http://127.0.0.1:9/steal", "hello", false).await.unwrap_err();
    assert!(refused.0.contains("outside https://hooks.slack.com/"), "{}", refused.0);
}
