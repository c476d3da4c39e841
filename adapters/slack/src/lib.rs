//! Slack: notices to a channel through an incoming webhook, and answers to `/tengu` through the `response_url`
//! Slack sends with each command.

use std::time::Duration;

use async_trait::async_trait;

use tengu_core::ports::{ChatReplies, Notice, Notifier, NotifierError};

mod setup;
pub use setup::SlackSetup;

/// One client for every call to Slack: a 10 s limit, and no redirects (an answer address cannot send tengu
/// elsewhere).
fn client() -> Result<reqwest::Client, NotifierError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| NotifierError(format!("the HTTP client could not start: {e}")))
}

/// Posts JSON to an address Slack gave (a webhook or a `response_url`). Those addresses are secrets: errors name
/// Slack, never the address.
async fn post(client: &reqwest::Client, url: &str, payload: &serde_json::Value) -> Result<(), NotifierError> {
    let response = client
        .post(url)
        .json(payload)
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

pub struct SlackNotifier {
    client: reqwest::Client,
    webhook_url: String,
}

impl SlackNotifier {
    pub fn new(webhook_url: &str) -> Result<Self, NotifierError> {
        Ok(Self { client: client()?, webhook_url: webhook_url.to_owned() })
    }
}

#[async_trait]
impl Notifier for SlackNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError> {
        let payload = serde_json::json!({ "text": notice.text });
        post(&self.client, &self.webhook_url, &payload).await
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
        Ok(Self { client: client()?, hooks_url: hooks_url.to_owned() })
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
        post(&self.client, response_url, &payload).await
    }
}

/// tengu's bot in Slack's Web API (`chat.postMessage`, `chat.update`) with the bot token (`xoxb-…`).
#[derive(Clone)]
pub struct SlackWeb {
    client: reqwest::Client,
    api_url: String,
    bot_token: String,
}

impl SlackWeb {
    pub const SLACK_API: &'static str = "https://slack.com/api";

    pub fn new(api_url: &str, bot_token: &str) -> Result<Self, NotifierError> {
        Ok(Self {
            client: client()?,
            api_url: api_url.trim_end_matches('/').to_owned(),
            bot_token: bot_token.to_owned(),
        })
    }

    /// Who the bot token signs in as (`auth.test`): `@tengu in acme`, for `tengu doctor`.
    pub async fn identity(&self) -> Result<String, NotifierError> {
        let answer = self.call("auth.test", serde_json::json!({})).await?;
        let user = answer["user"].as_str().unwrap_or("the bot");
        let team = answer["team"].as_str().unwrap_or("its workspace");
        Ok(format!("@{user} in {team}"))
    }

    async fn call(&self, method: &str, body: serde_json::Value) -> Result<serde_json::Value, NotifierError> {
        let request = self.client.post(format!("{}/{method}", self.api_url)).json(&body);
        self.answer(method, request).await
    }

    /// A read method, its arguments in the query (Slack's read methods take no JSON body).
    pub(crate) async fn read(
        &self,
        method: &str,
        query: &[(&str, String)],
    ) -> Result<serde_json::Value, NotifierError> {
        let request = self.client.get(format!("{}/{method}", self.api_url)).query(query);
        self.answer(method, request).await
    }

    async fn answer(&self, method: &str, request: reqwest::RequestBuilder) -> Result<serde_json::Value, NotifierError> {
        let response = request
            .bearer_auth(&self.bot_token)
            .send()
            .await
            .map_err(|e| NotifierError(format!("Slack could not be reached ({})", e.without_url())))?;
        let status = response.status();
        let answer: serde_json::Value = response
            .json()
            .await
            .map_err(|e| NotifierError(format!("Slack answered {status} with something unreadable ({e})")))?;
        // Slack answers 200 with `ok: false` and an error code for most failures.
        if answer["ok"].as_bool() != Some(true) {
            let code = answer["error"].as_str().unwrap_or("no error named");
            return Err(NotifierError(format!("Slack refused {method}: {code}")));
        }
        Ok(answer)
    }
}

/// Block Kit: the text as a section, and the buttons as one actions block.
fn blocks(message: &tengu_core::chat::ChatMessage) -> serde_json::Value {
    let buttons: Vec<serde_json::Value> = message
        .buttons
        .iter()
        .map(|button| {
            let mut rendered = serde_json::json!({
                "type": "button",
                "text": { "type": "plain_text", "text": button.label },
            });
            if let Some(action) = button.action {
                rendered["action_id"] = action.id().into();
                rendered["value"] = action.id().into();
            }
            if let Some(url) = &button.url {
                rendered["url"] = url.clone().into();
                rendered["action_id"] = "open".into();
            }
            if button.danger {
                rendered["style"] = "danger".into();
            }
            if let Some(question) = &button.confirm {
                rendered["confirm"] = serde_json::json!({
                    "title": { "type": "plain_text", "text": "Are you sure?" },
                    "text": { "type": "mrkdwn", "text": question },
                    "confirm": { "type": "plain_text", "text": button.label },
                    "deny": { "type": "plain_text", "text": "Cancel" },
                });
            }
            rendered
        })
        .collect();
    let mut blocks = vec![serde_json::json!({ "type": "section", "text": { "type": "mrkdwn", "text": message.text } })];
    // Slack refuses an actions block without elements.
    if !buttons.is_empty() {
        blocks.push(serde_json::json!({ "type": "actions", "elements": buttons }));
    }
    serde_json::Value::Array(blocks)
}

#[async_trait]
impl tengu_core::ports::ChatMessages for SlackWeb {
    async fn post(
        &self,
        channel: &str,
        message: &tengu_core::chat::ChatMessage,
    ) -> Result<tengu_core::ports::MessageRef, NotifierError> {
        let body = serde_json::json!({ "channel": channel, "text": message.text, "blocks": blocks(message) });
        let answer = self.call("chat.postMessage", body).await?;
        match (answer["channel"].as_str(), answer["ts"].as_str()) {
            (Some(channel), Some(ts)) => {
                Ok(tengu_core::ports::MessageRef { channel: channel.to_owned(), ts: ts.to_owned() })
            }
            _ => Err(NotifierError("Slack posted the message but did not say where".into())),
        }
    }

    async fn update(
        &self,
        at: &tengu_core::ports::MessageRef,
        message: &tengu_core::chat::ChatMessage,
    ) -> Result<(), NotifierError> {
        let body =
            serde_json::json!({ "channel": at.channel, "ts": at.ts, "text": message.text, "blocks": blocks(message) });
        self.call("chat.update", body).await.map(|_| ())
    }
}

/// Notices through tengu's bot: an environment's own channel when it has one, else the team's channel, else the
/// incoming webhook (or the log) it stands in front of; and direct messages to people.
pub struct SlackBotNotifier {
    web: SlackWeb,
    channels: std::collections::HashMap<String, String>,
    team_channel: Option<String>,
    fallback: std::sync::Arc<dyn Notifier>,
}

impl SlackBotNotifier {
    /// `channels`: environment name → channel id.
    pub fn new(
        web: SlackWeb,
        channels: std::collections::HashMap<String, String>,
        team_channel: Option<String>,
        fallback: std::sync::Arc<dyn Notifier>,
    ) -> Self {
        Self { web, channels, team_channel, fallback }
    }
}

#[async_trait]
impl Notifier for SlackBotNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError> {
        let own = notice.env.as_ref().and_then(|env| self.channels.get(env.as_str()));
        match own.or(self.team_channel.as_ref()) {
            Some(channel) => {
                let message = tengu_core::chat::ChatMessage { text: notice.text.clone(), buttons: Vec::new() };
                tengu_core::ports::ChatMessages::post(&self.web, channel, &message).await.map(|_| ())
            }
            None => self.fallback.notify(notice).await,
        }
    }

    async fn tell(&self, chat_user: &str, text: &str) -> Result<bool, NotifierError> {
        let message = tengu_core::chat::ChatMessage { text: text.to_owned(), buttons: Vec::new() };
        // A user id as the channel is the bot's direct conversation with them.
        tengu_core::ports::ChatMessages::post(&self.web, chat_user, &message).await.map(|_| true)
    }
}
