//! `POST /slack/commands`: Slack's `/tengu`. The signature is checked before anything else (a request Slack did
//! not sign, or signed more than five minutes ago, does nothing); the answer comes at once, and the work runs
//! after it, its result sent to the command's `response_url`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tengu_core::chat::ChatCommand;
use tengu_core::ports::ChatReplies;

use super::AppState;
use super::slack_signature;

/// The Slack app: its signing secret, and where answers go.
#[derive(Clone)]
pub struct SlackApp {
    pub signing_secret: Vec<u8>,
    pub replies: Arc<dyn ChatReplies>,
}

/// The fields of a slash command tengu reads (Slack sends more).
#[derive(Deserialize)]
struct SlashCommand {
    #[serde(default)]
    text: String,
    user_id: String,
    response_url: String,
}

fn ephemeral(text: &str) -> Response {
    Json(json!({ "response_type": "ephemeral", "text": text })).into_response()
}

pub async fn command(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(slack) = state.web.slack.clone() else {
        return (StatusCode::NOT_FOUND, "This tengu has no Slack app configured ([slack] signing_secret).")
            .into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(refusal) = slack_signature::verify(
        &slack.signing_secret,
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        &body,
        now,
    ) {
        tracing::warn!(%refusal, "a Slack command was refused");
        return (StatusCode::UNAUTHORIZED, refusal.to_string()).into_response();
    }
    let Ok(slash) = serde_urlencoded::from_bytes::<SlashCommand>(&body) else {
        return (StatusCode::BAD_REQUEST, "a slash command needs user_id and response_url").into_response();
    };
    let command = ChatCommand::parse(&slash.text);
    // What needs nothing but the text is answered at once; the rest after the answer.
    match &command {
        ChatCommand::Help => return ephemeral(tengu_core::chat::HELP),
        ChatCommand::NotUnderstood(sentence) => return ephemeral(sentence),
        _ => {}
    }
    let tengu = state.tengu.clone();
    tokio::spawn(async move {
        let text = match tengu.answer_chat(&slash.user_id, command).await {
            Ok(answer) => (answer.text, answer.to_channel),
            Err(error) => {
                tracing::error!(%error, "a Slack command failed");
                (error.user_message(), false)
            }
        };
        if let Err(error) = slack.replies.reply(&slash.response_url, &text.0, text.1).await {
            tracing::warn!(error = %error.0, "a Slack command's answer could not be sent");
        }
    });
    ephemeral(&format!("On it: /tengu {}", slash.text.trim()))
}
