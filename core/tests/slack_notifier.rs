//! The Slack incoming-webhook notifier against a local fake of Slack's webhook endpoint.

use serde_json::json;
use tengu_core::ports::{Notice, Notifier};
use tengu_core::slack::SlackNotifier;
use wiremock::matchers::{body_json, header, method, path};
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
    notifier.notify(&Notice { text: "Deploy to dev is waiting for @alice".into() }).await.unwrap();
}

#[tokio::test]
async fn slacks_refusal_is_a_sentence_without_the_secret_url() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no_service"))
        .mount(&slack)
        .await;
    let notifier = SlackNotifier::new(&format!("{}{SECRET_PATH}", slack.uri())).unwrap();
    let error = notifier.notify(&Notice { text: "x".into() }).await.unwrap_err();
    assert_eq!(error.to_string(), "the notification could not be sent: Slack answered 404 Not Found: no_service");

    let gone = SlackNotifier::new(&format!("http://127.0.0.1:9{SECRET_PATH}")).unwrap();
    let error = gone.notify(&Notice { text: "x".into() }).await.unwrap_err().to_string();
    assert!(error.starts_with("the notification could not be sent: Slack could not be reached"), "{error}");
    assert!(!error.contains("SECRET"), "{error}");
}
