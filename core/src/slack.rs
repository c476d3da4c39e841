//! Slack: notices to a channel through an incoming webhook, and answers to `/tengu` through the `response_url`
//! Slack sends with each command.

use std::time::Duration;

use async_trait::async_trait;

use crate::ports::{ChatReplies, Notice, Notifier, NotifierError};

pub struct SlackNotifier {
    client: reqwest::Client,
    webhook_url: String,
}

impl SlackNotifier {
    pub fn new(webhook_url: &str) -> Result<Self, NotifierError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| NotifierError(format!("the HTTP client could not start: {e}")))?;
        Ok(Self { client, webhook_url: webhook_url.to_owned() })
    }
}

#[async_trait]
impl Notifier for SlackNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError> {
        let payload = serde_json::json!({ "text": notice.text });
        // The URL is a secret: errors name Slack, never the address.
        let response = self
            .client
            .post(&self.webhook_url)
            .json(&payload)
            .send()
            .await
            .map_err(|e| NotifierError(format!("Slack could not be reached ({})", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let answer = response.text().await.unwrap_or_default();
        Err(NotifierError(format!("Slack answered {status}: {}", answer.chars().take(200).collect::<String>())))
    }
}

/// Answers through Slack's `response_url`, only to addresses under `hooks_url` (Slack's own, unless a test's
/// stand-in): a forged command cannot make tengu post to any address it names.
pub struct SlackReplies {
    client: reqwest::Client,
    hooks_url: String,
}

impl SlackReplies {
    pub const SLACK_HOOKS: &'static str = "https://hooks.slack.com/";

    pub fn new(hooks_url: &str) -> Result<Self, NotifierError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifierError(format!("the HTTP client could not start: {e}")))?;
        Ok(Self { client, hooks_url: hooks_url.to_owned() })
    }
}

#[async_trait]
impl ChatReplies for SlackReplies {
    async fn reply(&self, response_url: &str, text: &str, to_channel: bool) -> Result<(), NotifierError> {
        if !response_url.starts_with(&self.hooks_url) {
            return Err(NotifierError(format!("a response_url outside {} is not answered", self.hooks_url)));
        }
        let payload = serde_json::json!({
            "response_type": if to_channel { "in_channel" } else { "ephemeral" },
            "text": text,
        });
        let response = self
            .client
            .post(response_url)
            .json(&payload)
            .send()
            .await
            .map_err(|e| NotifierError(format!("Slack could not be reached ({})", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let answer = response.text().await.unwrap_or_default();
        Err(NotifierError(format!("Slack answered {status}: {}", answer.chars().take(200).collect::<String>())))
    }
}
