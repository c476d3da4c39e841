//! Slack's `/tengu` against a Slack stand-in (wiremock) that records what tengu sends to each command's
//! `response_url`: signatures checked before anything, answers at once, the work after, acting as the linked
//! GitHub login with its role and the gate.

use std::sync::Arc;
use std::time::Duration;

use crate::support::spawn_app_with;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tengu_core::domain::{Actor, EnvName, Login};
use tengu_server::web::slack::SlackApp;
use tengu_server::web::slack_signature::sign;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &[u8] = b"slack-signing-secret-for-tests";
const TEAM: &str = "T1";

/// Slack gives each command its own trigger id, so no two requests are the same.
fn trigger_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!("{}.trigger", NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
}

fn command(text: &str, user: &str, response_url: &str, at: i64, secret: &[u8]) -> Request<Body> {
    command_from(TEAM, &trigger_id(), text, user, response_url, at, secret)
}

fn command_from(
    team: &str,
    trigger: &str,
    text: &str,
    user: &str,
    response_url: &str,
    at: i64,
    secret: &[u8],
) -> Request<Body> {
    let body = serde_urlencoded::to_string([
        ("command", "/tengu"),
        ("text", text),
        ("user_id", user),
        ("user_name", "someone"),
        ("team_id", team),
        ("team_domain", "acme"),
        ("channel_id", "C0DEPLOYS"),
        ("response_url", response_url),
        ("trigger_id", trigger),
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
    panic!("no answer {seen} reached Slack; it heard: {:#?}", replies(slack).await);
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
    let replies_to = Arc::new(tengu_slack::SlackReplies::new(&hooks).unwrap());
    let app = spawn_app_with(Vec::new(), |web| {
        web.slack = Some(SlackApp::new(SECRET.to_vec(), vec![TEAM.to_owned()], replies_to, None));
    })
    .await;
    let url = format!("{}/commands/T1/1/abc", slack.uri());
    let now = chrono::Utc::now().timestamp();

    // Not Slack's: a wrong secret, a replay older than five minutes, no signature, another workspace. Nothing is
    // done or sent.
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
    let elsewhere = command_from("T0THEIRS", &trigger_id(), "status dev", "U1", &url, now, SECRET);
    let (status, _, body) = app.send(elsewhere).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("not one this tengu answers"), "{body}");
    let log = app.tengu.store().audit_log(1).await.unwrap();
    assert_eq!(
        (log[0].action, log[0].actor.as_str()),
        (tengu_core::domain::AuditAction::Refused, "slack U1 of T0THEIRS")
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(replies(&slack).await.is_empty(), "nothing was sent for a refused request");

    // help and nonsense are answered in the response itself.
    let (status, _, body) = app.send(command("help", "U1", &url, now, SECRET)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/tengu deploy-pr <env>"), "{body}");
    let (_, _, body) = app.send(command("dance", "U1", &url, now, SECRET)).await;
    assert!(body.contains("does not understand"), "{body}");

    // Unlinked, even status tells nothing of any environment: only how to link.
    let (status, _, body) = app.send(command("status dev", "U1", &url, now, SECRET)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("On it"), "{body}");
    let answer = next_reply(&slack, 0).await;
    assert_eq!(answer["text"].as_str().unwrap(), tengu_core::usecases::LINK_FIRST, "{answer}");
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
    let (status, headers, _) = app.send(crate::support::get(&format!("/link/chat?code={code}"))).await;
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
    assert!(body.contains("@someone (U1) in the workspace acme (T1)"), "the page names whose account: {body}");
    assert!(body.contains("only if that Slack account is yours"), "{body}");
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
    // The Slack account hears of it, and the audit log keeps who linked what.
    let told = next_reply(&slack, 3).await;
    assert!(told["text"].as_str().unwrap().contains("now linked to the GitHub login @visitor"), "{told}");
    let log = app.tengu.store().audit_log(5).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == tengu_core::domain::AuditAction::ChatLinked
            && e.detail == "@someone (U1) in the workspace acme (T1) is visitor"),
        "{log:?}"
    );
    let (_, _, body) = app.send(post(&visitor, &code)).await;
    assert!(body.contains("used up"), "a code links once: {body}");
    assert_eq!(app.tengu.store().chat_login("U1").await.unwrap().map(|l| l.to_string()), Some("visitor".into()));

    // A linked account is not linked again by someone else: `link` says whose it is, and a code made before the
    // account was linked is refused.
    app.send(command("link", "U1", &url, now, SECRET)).await;
    assert!(next_reply(&slack, 4).await["text"].as_str().unwrap().contains("already linked to @visitor"));
    app.send(command("link", "U3", &url, now, SECRET)).await;
    let text = next_reply(&slack, 5).await["text"].as_str().unwrap().to_owned();
    let code3 = text.split("code=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    app.tengu.store().save_chat_link("U3", &Login::parse("carol").unwrap(), chrono::Utc::now()).await.unwrap();
    let (_, _, body) = app.send(post(&visitor, &code3)).await;
    assert!(body.contains("already linked to another GitHub login"), "{body}");
    assert_eq!(app.tengu.store().chat_login("U3").await.unwrap().map(|l| l.to_string()), Some("carol".into()));

    // Linked as a reader: a deploy is refused with the role's sentence (and recorded as a refusal).
    app.send(command("redeploy dev", "U1", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 6).await;
    assert!(answer["text"].as_str().unwrap().contains("needs the deployer role"), "{answer}");

    // Linked as a deployer: the gate holds new code, then (overridden by an admin) the deploy starts, in the channel.
    app.tengu.store().save_chat_link("U2", &Login::parse("dave").unwrap(), chrono::Utc::now()).await.unwrap();
    let image = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/acme/shop:chat1";
    let sha = "c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7";
    app.send(command(&format!("deploy dev {image} {sha}"), "U2", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 7).await;
    assert!(answer["text"].as_str().unwrap().contains("dev has unverified changes"), "{answer}");
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    app.tengu.override_environment_gate(&alice, &dev, None, "chat test ships a test image").await.unwrap();
    let deploy =
        || command_from(TEAM, "replayed.trigger", &format!("deploy dev {image} {sha}"), "U2", &url, now, SECRET);
    app.send(deploy()).await;
    let answer = next_reply(&slack, 8).await;
    let text = answer["text"].as_str().unwrap();
    assert!(text.starts_with(&format!("dave asked to deploy {image} to dev: deployment ")), "{answer}");
    assert_eq!(answer["response_type"], "in_channel");
    // The very same signed request sent again within its five minutes does nothing.
    let (status, _, body) = app.send(deploy()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("handled already"), "{body}");
    // Busy while it rolls out; then abort from the chat.
    app.send(command("redeploy dev", "U2", &url, now, SECRET)).await;
    assert!(next_reply(&slack, 9).await["text"].as_str().unwrap().contains("dev is busy"));
    app.send(command("abort dev", "U2", &url, now, SECRET)).await;
    assert!(next_reply(&slack, 10).await["text"].as_str().unwrap().contains("is aborted"));
    // carol (U3) stops the line; dave's next deploy is refused with her reason until he lifts it.
    app.send(command("lock dev 2h incident 42", "U3", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 11).await;
    assert!(answer["text"].as_str().unwrap().starts_with("dev is locked by carol since "), "{answer}");
    assert_eq!(answer["response_type"], "in_channel");
    app.send(command("redeploy dev", "U2", &url, now, SECRET)).await;
    let refused = next_reply(&slack, 12).await["text"].as_str().unwrap().to_owned();
    assert!(
        refused.contains("dev is locked by carol") && refused.contains(": incident 42; only its owner"),
        "{refused}"
    );
    // Only an admin ships through it, saying why after `override:`.
    app.send(command("redeploy dev override: the fix is in", "U2", &url, now, SECRET)).await;
    let refused = next_reply(&slack, 13).await["text"].as_str().unwrap().to_owned();
    assert!(refused.contains("Override a lock needs the admin role"), "{refused}");
    // Not understood is answered at once, in the response itself.
    let (_, _, body) = app.send(command("redeploy dev override: x", "U2", &url, now, SECRET)).await;
    assert!(body.contains("say why after `override:`"), "{body}");
    app.tengu.store().save_chat_link("U4", &Login::parse("alice").unwrap(), chrono::Utc::now()).await.unwrap();
    // The aborted deployment finishes putting dev back first (it holds the environment until then).
    let dev = EnvName::parse("dev").unwrap();
    for _ in 0..100 {
        let (latest, _) = app.tengu.store().latest_deployments(&dev).await.unwrap();
        if latest.is_some_and(|d| d.finished_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.send(command("redeploy dev override: hotfix for incident 42", "U4", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 14).await;
    assert!(answer["text"].as_str().unwrap().starts_with("alice asked to deploy "), "{answer}");
    let log = app.tengu.store().audit_log(5).await.unwrap();
    assert!(log.iter().any(|e| e.action == tengu_core::domain::AuditAction::LockOverridden && e.actor == "alice"));
    app.send(command("unlock dev", "U2", &url, now, SECRET)).await;
    assert!(
        next_reply(&slack, 15).await["text"].as_str().unwrap().starts_with("dev is unlocked (it was: dev is locked")
    );
    // A reader may ask what a redeploy would change (nothing is changed), to themselves.
    app.send(command("diff dev redeploy", "U1", &url, now, SECRET)).await;
    let answer = next_reply(&slack, 16).await;
    let text = answer["text"].as_str().unwrap();
    assert!(text.starts_with("What it would change on dev:\n```\nweb: shop-dev-web:"), "{answer}");
    assert!(text.contains("service (unchanged): 3 tasks on FARGATE"), "{answer}");
    assert!(text.contains("\nwould be refused: Redeploy needs the deployer role"), "a reader is told: {answer}");
    assert_eq!(answer["response_type"], "ephemeral");
    let shipped = app
        .tengu
        .store()
        .recent_deployments(&tengu_core::domain::DeploymentFilter::newest(100))
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.image.to_string() == image)
        .count();
    assert_eq!(shipped, 1, "the replay started no second deployment");
}

#[tokio::test]
async fn answers_go_only_to_slacks_own_addresses() {
    use tengu_core::ports::ChatReplies;
    let replies = tengu_slack::SlackReplies::new(tengu_slack::SlackReplies::SLACK_HOOKS).unwrap();
    let refused = replies.reply("http://127.0.0.1:9/steal", "hello", false).await.unwrap_err();
    assert!(refused.0.contains("outside https://hooks.slack.com/"), "{}", refused.0);
}
