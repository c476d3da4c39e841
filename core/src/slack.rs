//! Notices to a Slack channel through an incoming webhook.

use std::time::Duration;

use async_trait::async_trait;

use crate::ports::{Notice, Notifier, NotifierError};

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
