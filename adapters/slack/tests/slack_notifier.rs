//! The Slack incoming-webhook notifier against a local fake of Slack's webhook endpoint.

use serde_json::json;
use tengu_core::ports::{Notice, Notifier};
use tengu_slack::SlackNotifier;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET_PATH: &str = "/services/T000/B000/XXXXSECRET";

#[tokio::test]
async fn a_notice_is_posted_as_slack_text() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SECRET_PATH))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({ "text": "Deploy to dev is waiting for @alice" })))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(&slack)
        .await;
    let notifier = SlackNotifier::new(&format!("{}{SECRET_PATH}", slack.uri())).unwrap();
    notifier.notify(&Notice::team("Deploy to dev is waiting for @alice")).await.unwrap();
}

#[tokio::test]
async fn slacks_refusal_is_a_sentence_without_the_secret_url() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no_service"))
        .mount(&slack)
        .await;
    let notifier = SlackNotifier::new(&format!("{}{SECRET_PATH}", slack.uri())).unwrap();
    let error = notifier.notify(&Notice::team("x")).await.unwrap_err();
    assert_eq!(error.to_string(), "the notification could not be sent: Slack answered 404 Not Found: no_service");

    let gone = SlackNotifier::new(&format!("http://127.0.0.1:9{SECRET_PATH}")).unwrap();
    let error = gone.notify(&Notice::team("x")).await.unwrap_err().to_string();
    assert!(error.starts_with("the notification could not be sent: Slack could not be reached"), "{error}");
    assert!(!error.contains("SECRET"), "{error}");
}

/// Channels the bot stand-in was asked to post to, with the texts, oldest first.
async fn posted(slack: &MockServer) -> Vec<(String, String)> {
    let received = slack.received_requests().await.unwrap_or_default();
    received
        .iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            (body["channel"].as_str().unwrap().to_owned(), body["text"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_bot_tells_each_environments_channel_the_team_channel_otherwise_and_people_directly() {
    use std::sync::Arc;
    use tengu_core::domain::EnvName;
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(header("authorization", "Bearer xoxb-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "channel": "C", "ts": "1.2" })))
        .mount(&slack)
        .await;
    let web = tengu_slack::SlackWeb::new(&format!("{}/api", slack.uri()), "xoxb-test").unwrap();
    let channels = [("production".to_owned(), "C0PROD".to_owned())].into_iter().collect();
    let notifier = tengu_slack::SlackBotNotifier::new(
        web,
        channels,
        Some("C0TEAM".into()),
        Arc::new(tengu_core::ports::LogNotifier),
    );
    let production = EnvName::parse("production").unwrap();
    let dev = EnvName::parse("dev").unwrap();
    notifier.notify(&Notice::about(&production, "production succeeded")).await.unwrap();
    notifier.notify(&Notice::about(&dev, "dev failed")).await.unwrap();
    assert!(notifier.tell("U0ALICE", "your changes wait").await.unwrap(), "a direct message was sent");
    assert_eq!(
        posted(&slack).await,
        [
            ("C0PROD".to_owned(), "production succeeded".to_owned()),
            ("C0TEAM".to_owned(), "dev failed".to_owned()),
            ("U0ALICE".to_owned(), "your changes wait".to_owned()),
        ]
    );
}

#[tokio::test]
async fn slacks_ok_false_is_an_error_naming_slacks_code() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": "not_in_channel" })))
        .mount(&slack)
        .await;
    let web = tengu_slack::SlackWeb::new(&format!("{}/api", slack.uri()), "xoxb-test").unwrap();
    let message = tengu_core::chat::ChatMessage { text: "x".into(), buttons: Vec::new() };
    let error = tengu_core::ports::ChatMessages::post(&web, "C0PROD", &message).await.unwrap_err();
    assert_eq!(error.0, "Slack refused chat.postMessage: not_in_channel");
}

#[tokio::test]
async fn the_bot_token_says_who_it_signs_in_as_or_why_slack_refused_it() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth.test"))
        .and(header("authorization", "Bearer xoxb-good"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "url": "https://acme.slack.com/", "team": "acme", "user": "tengu", "team_id": "T1",
            "user_id": "U9", "bot_id": "B1", "is_enterprise_install": false
        })))
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/auth.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": "invalid_auth" })))
        .mount(&slack)
        .await;
    let api = format!("{}/api", slack.uri());
    let good = tengu_slack::SlackWeb::new(&api, "xoxb-good").unwrap();
    assert_eq!(good.identity().await.unwrap(), "@tengu in acme");
    let bad = tengu_slack::SlackWeb::new(&api, "xoxb-revoked").unwrap();
    assert_eq!(bad.identity().await.unwrap_err().0, "Slack refused auth.test: invalid_auth");
}

/// `conversations.info` and `conversations.list` as Slack answers them (trimmed to the fields tengu reads and a
/// few beside them): an id is asked for directly, a name is looked for page by page through the cursor.
#[tokio::test]
async fn each_channel_says_whether_the_bot_can_post_there() {
    use tengu_core::ports::{ChannelState, ChatSetup};
    let slack = MockServer::start().await;
    let channel = |id: &str, name: &str, member: bool, archived: bool| {
        json!({ "id": id, "name": name, "is_channel": true, "is_private": false, "is_archived": archived,
                "is_member": member, "created": 1449252889, "creator": "U012A3CDE", "num_members": 4 })
    };
    Mock::given(method("GET"))
        .and(path("/api/conversations.info"))
        .and(query_param("channel", "C0PROD1234"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": channel("C0PROD1234", "prod", true, false)
        })))
        .mount(&slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/conversations.info"))
        .and(query_param("channel", "C0GONE1234"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": "channel_not_found" })))
        .mount(&slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/conversations.list"))
        .and(query_param("cursor", ""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channels": [channel("C1", "general", true, false), channel("C2", "old", true, true)],
            "response_metadata": { "next_cursor": "dGVhbTpDMDYxRkE1UEI=" }
        })))
        .mount(&slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/conversations.list"))
        .and(query_param("cursor", "dGVhbTpDMDYxRkE1UEI="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channels": [channel("C3", "deploys", false, false)],
            "response_metadata": { "next_cursor": "" }
        })))
        .mount(&slack)
        .await;
    let web = tengu_slack::SlackWeb::new(&format!("{}/api", slack.uri()), "xoxb-test").unwrap();
    let named = ["C0PROD1234", "C0GONE1234", "#deploys", "old", "#nowhere", "#deploys"].map(str::to_owned);
    let setup = tengu_slack::SlackSetup::new(web, named.to_vec());
    let found = setup.channels().await.unwrap();
    let expected = [
        ("C0PROD1234", ChannelState::Member),
        ("C0GONE1234", ChannelState::NotFound),
        ("#deploys", ChannelState::NotMember),
        ("old", ChannelState::Archived),
        ("#nowhere", ChannelState::NotFound),
    ];
    assert_eq!(found, expected.map(|(c, s)| (c.to_owned(), s)).to_vec(), "each channel once, in order");

    let scopeless = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/conversations.list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": false, "error": "missing_scope", "needed": "channels:read", "provided": "chat:write,commands"
        })))
        .mount(&scopeless)
        .await;
    let web = tengu_slack::SlackWeb::new(&format!("{}/api", scopeless.uri()), "xoxb-test").unwrap();
    let error = tengu_slack::SlackSetup::new(web, vec!["#deploys".into()]).channels().await.unwrap_err();
    assert_eq!(error.0, "Slack refused conversations.list: missing_scope");
}
