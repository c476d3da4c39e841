//! The sandbox's simulated Slack client: the chat page's line and buttons become the requests Slack would send,
//! signed with the sandbox's signing secret, and go to the very handlers of `/slack/commands` and
//! `/slack/interactions` (which check the signature first, as for Slack). Their immediate answers, and what tengu
//! sends afterwards to the `response_url` or posts and edits as its bot, land in the sandbox's channel.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use tengu_app::server_glue::SandboxSlack;
use tengu_core::chat::ChatAction;
use tengu_core::domain::Actor;
use tengu_core::views::SandboxChatView;
use tengu_sandbox::chat::{self as sandbox_chat, SandboxChat};

use super::{AppState, slack, slack_signature};

/// The longest line the page sends (Slack's own limit on a slash command's text is about 4,000 characters).
const LONGEST_LINE: usize = 500;

pub struct SandboxSlackClient {
    state: AppState,
    chat: Arc<SandboxChat>,
}

impl SandboxSlackClient {
    pub fn new(state: AppState, chat: Arc<SandboxChat>) -> Self {
        Self { state, chat }
    }

    /// Slack knows who types; here the sign-in does: a visitor speaks as their own chat account or the guest.
    fn may_speak_as(visitor: &Actor, chat_user: &str) -> Result<(), String> {
        let voices = SandboxChat::voices_of(login_of(visitor));
        if voices.iter().any(|voice| voice.chat_user == chat_user) {
            Ok(())
        } else {
            Err(format!(
                "you speak in the sandbox's chat as yourself or as the guest, not as {chat_user}; sign in as that \
                 person to speak as them"
            ))
        }
    }

    /// A trigger id of its own for each command and press, as Slack gives: two requests are never the same
    /// request (the same one sent again is a replay, and does nothing).
    fn trigger_id(&self) -> String {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let next = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{next}.{}", chrono::Utc::now().timestamp_micros())
    }

    /// Headers Slack would send with `body`, signed now with the sandbox's secret.
    fn signed(&self, body: &str) -> Result<HeaderMap, String> {
        let secret = &self.state.web.slack.as_ref().ok_or("the sandbox's Slack app is off")?.signing_secret;
        let now = chrono::Utc::now().timestamp();
        let mut headers = HeaderMap::new();
        let value = |text: String| HeaderValue::from_str(&text).map_err(|e| e.to_string());
        headers.insert("x-slack-request-timestamp", value(now.to_string())?);
        headers.insert("x-slack-signature", value(slack_signature::sign(secret, now, body.as_bytes()))?);
        headers.insert("content-type", HeaderValue::from_static("application/x-www-form-urlencoded"));
        Ok(headers)
    }

    /// The endpoint's immediate answer: an ephemeral sentence goes to the person; a refusal is an error.
    async fn take_answer(&self, chat_user: &str, response: Response) -> Result<(), String> {
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 64 << 10).await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("tengu's Slack endpoint answered {status}: {}", String::from_utf8_lossy(&body)));
        }
        let said = serde_json::from_slice::<serde_json::Value>(&body).ok();
        if let Some(text) = said.as_ref().and_then(|json| json["text"].as_str()) {
            self.chat.answered(chat_user, text);
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl SandboxSlack for SandboxSlackClient {
    async fn type_command(&self, visitor: &Actor, chat_user: &str, text: &str) -> Result<(), String> {
        Self::may_speak_as(visitor, chat_user)?;
        let line = text.trim();
        if line.chars().count() > LONGEST_LINE {
            return Err(format!("a line is at most {LONGEST_LINE} characters here"));
        }
        let Some(words) = line.strip_prefix("/tengu").filter(|rest| rest.is_empty() || rest.starts_with(' ')) else {
            return Err("The chat here only speaks to tengu: start the line with /tengu (try /tengu help).".into());
        };
        self.chat.typed(chat_user, line);
        let response_url = sandbox_chat::response_url_for(chat_user);
        let body = serde_urlencoded::to_string([
            ("token", "sandbox"),
            ("team_id", sandbox_chat::TEAM_ID),
            ("team_domain", "sandbox"),
            ("user_name", chat_user),
            ("channel_id", sandbox_chat::CHANNEL_ID),
            ("channel_name", sandbox_chat::CHANNEL_NAME.trim_start_matches('#')),
            ("user_id", chat_user),
            ("command", "/tengu"),
            ("text", words.trim()),
            ("response_url", &response_url),
            ("trigger_id", &self.trigger_id()),
        ])
        .map_err(|e| e.to_string())?;
        let headers = self.signed(&body)?;
        let answer = slack::command(State(self.state.clone()), headers, Bytes::from(body)).await;
        self.take_answer(chat_user, answer).await
    }

    async fn press_button(&self, visitor: &Actor, chat_user: &str, action: &str) -> Result<(), String> {
        Self::may_speak_as(visitor, chat_user)?;
        let Some(action) = ChatAction::parse(action) else {
            return Err(format!("{action:?} is no button of tengu's"));
        };
        let payload = serde_json::json!({
            "type": "block_actions",
            "user": { "id": chat_user, "username": chat_user },
            "team": { "id": sandbox_chat::TEAM_ID, "domain": "sandbox" },
            "trigger_id": self.trigger_id(),
            "channel": { "id": sandbox_chat::CHANNEL_ID },
            "response_url": sandbox_chat::response_url_for(chat_user),
            "actions": [{ "action_id": action.id(), "type": "button" }],
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).map_err(|e| e.to_string())?;
        let headers = self.signed(&body)?;
        let answer = slack::interaction(State(self.state.clone()), headers, Bytes::from(body)).await;
        self.take_answer(chat_user, answer).await
    }

    fn view(&self, visitor: &Actor) -> SandboxChatView {
        self.chat.view(login_of(visitor))
    }
}

fn login_of(visitor: &Actor) -> Option<&tengu_core::domain::Login> {
    match visitor {
        Actor::Person(login) | Actor::Token { login, .. } => Some(login),
        Actor::Terminal(_) | Actor::System => None,
    }
}
