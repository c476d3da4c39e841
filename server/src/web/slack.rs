//! Slack's `/tengu` (`POST /slack/commands`) and its buttons (`POST /slack/interactions`). The signature is checked
//! before anything else (a request Slack did not sign, or signed more than five minutes ago, does nothing); the
//! answer comes at once, and the work runs after it: its result goes to the request's `response_url`, and a
//! deployment asked for in a channel gets one message there (with the bot token) that is edited as it goes.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tengu_core::Tengu;
use tengu_core::chat::{ChatAction, ChatCommand, ChatPerson, ChatRequest};
use tengu_core::domain::DeploymentId;
use tengu_core::ports::{ChatMessages, ChatReplies};
use tengu_core::usecases::ChatAnswer;

use super::AppState;
use super::slack_signature;

/// How often a deployment's message is looked at for changes.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// The Slack app: its signing secret, the workspaces it answers, where answers go, and the bot that keeps
/// deployment messages.
#[derive(Clone)]
pub struct SlackApp {
    pub signing_secret: Vec<u8>,
    pub team_ids: Vec<String>,
    pub replies: Arc<dyn ChatReplies>,
    pub messages: Option<Arc<dyn ChatMessages>>,
    /// The signed requests handled lately, so one sent again within its five minutes does nothing.
    pub seen: Arc<SeenRequests>,
}

impl SlackApp {
    pub fn new(
        signing_secret: Vec<u8>,
        team_ids: Vec<String>,
        replies: Arc<dyn ChatReplies>,
        messages: Option<Arc<dyn ChatMessages>>,
    ) -> Self {
        Self { signing_secret, team_ids, replies, messages, seen: Arc::default() }
    }

    fn answers_team(&self, team_id: &str) -> bool {
        self.team_ids.iter().any(|id| id == team_id)
    }
}

/// Signatures of the requests handled in the last minutes (a signature names one timestamp and body).
#[derive(Default)]
pub struct SeenRequests(std::sync::Mutex<SeenList>);

#[derive(Default)]
pub struct SeenList {
    keys: std::collections::HashSet<String>,
    /// Oldest first, to forget in order.
    order: std::collections::VecDeque<(i64, String)>,
}

/// Beyond this many signed requests within the window, the oldest are forgotten (Slack sends far fewer).
const MOST_SEEN: usize = 100_000;

impl SeenRequests {
    /// False when the request (by its signature's bytes) was seen within the window already (a replay);
    /// remembers it otherwise. Requests older than the window are refused as stale anyway.
    fn first_time(&self, key: &str, now: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some((at, _)) = seen.order.front()
            && (now - at > 2 * slack_signature::FRESH_FOR_SECONDS || seen.order.len() > MOST_SEEN)
        {
            let (_, old) = seen.order.pop_front().expect("a front");
            seen.keys.remove(&old);
        }
        if !seen.keys.insert(key.to_owned()) {
            return false;
        }
        seen.order.push_back((now, key.to_owned()));
        true
    }
}

/// The signature's bytes as lower-case hex: `v0=ABC…` and `v0=abc…` are one signature (hex decoding takes both).
fn signature_key(signature: &str) -> String {
    let hex = signature.strip_prefix("v0=").unwrap_or(signature);
    hex.to_ascii_lowercase()
}

/// The fields of a slash command tengu reads (Slack sends more).
#[derive(Deserialize)]
struct SlashCommand {
    #[serde(default)]
    text: String,
    user_id: String,
    #[serde(default)]
    user_name: String,
    #[serde(default)]
    team_id: String,
    #[serde(default)]
    team_domain: String,
    #[serde(default)]
    channel_id: String,
    response_url: String,
}

fn ephemeral(text: &str) -> Response {
    Json(json!({ "response_type": "ephemeral", "text": text })).into_response()
}

/// The Slack app and the request's signature, when the request is Slack's; the status and sentence to answer
/// otherwise.
fn signed_by_slack(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(SlackApp, String), (StatusCode, String)> {
    let Some(slack) = state.web.slack.clone() else {
        return Err((StatusCode::NOT_FOUND, "This tengu has no Slack app configured ([slack] signing_secret).".into()));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    let checked = slack_signature::verify(
        &slack.signing_secret,
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        body,
        now,
    );
    match checked {
        Ok(()) => Ok((slack, header("x-slack-signature").unwrap_or_default().to_owned())),
        Err(refusal) => {
            tracing::warn!(%refusal, "a Slack request was refused");
            Err((StatusCode::UNAUTHORIZED, refusal.to_string()))
        }
    }
}

/// Why a signed request is not acted on.
enum NotTaken {
    OtherWorkspace,
    Replay,
}

impl IntoResponse for NotTaken {
    fn into_response(self) -> Response {
        match self {
            NotTaken::OtherWorkspace => {
                let said = "This Slack workspace is not one this tengu answers ([slack] team_id).";
                (StatusCode::FORBIDDEN, said).into_response()
            }
            NotTaken::Replay => ephemeral("This request was handled already; nothing was done again."),
        }
    }
}

/// The request, when it comes from a workspace the app answers and was not handled before. A request from another
/// workspace is recorded in the audit log; a replay only in the log (a captured request sent a thousand times must
/// not write a thousand rows).
async fn accepted(
    state: &AppState,
    slack: &SlackApp,
    signature: &str,
    person: ChatPerson,
    what: &str,
) -> Result<ChatRequest, NotTaken> {
    if !slack.answers_team(&person.team_id) {
        tracing::warn!(team = %person.team_id, user = %person.user_id, "a Slack {what} from another workspace was refused");
        let why = format!("a Slack {what} from workspace {}, which this tengu does not answer", person.team_id);
        state.tengu.record_chat_refusal(&person, &why).await;
        return Err(NotTaken::OtherWorkspace);
    }
    let key = signature_key(signature);
    if !slack.seen.first_time(&key, chrono::Utc::now().timestamp()) {
        tracing::warn!(user = %person.user_id, "a Slack {what} sent again was ignored (a replay)");
        return Err(NotTaken::Replay);
    }
    // The signature names this one request (its timestamp and body): the same request asks for the same thing,
    // on any instance (a deployment it asked for carries this key).
    Ok(ChatRequest { person, key: key.chars().take(32).collect() })
}

pub async fn command(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (slack, signature) = match signed_by_slack(&state, &headers, &body) {
        Ok(signed) => signed,
        Err(refused) => return refused.into_response(),
    };
    let Ok(slash) = serde_urlencoded::from_bytes::<SlashCommand>(&body) else {
        return (StatusCode::BAD_REQUEST, "a slash command needs user_id and response_url").into_response();
    };
    let person = ChatPerson {
        user_id: slash.user_id.clone(),
        user_name: slash.user_name.clone(),
        team_id: slash.team_id.clone(),
        team_domain: slash.team_domain.clone(),
        response_url: Some(slash.response_url.clone()),
    };
    let request = match accepted(&state, &slack, &signature, person, "command").await {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
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
        let answered = tengu.answer_chat(&request, command).await;
        deliver(&tengu, &slack, answered, &slash.channel_id, &slash.response_url).await;
    });
    ephemeral(&format!("On it: /tengu {}", slash.text.trim()))
}

/// The fields of a button press tengu reads.
#[derive(Deserialize)]
struct Interaction {
    user: SlackUser,
    #[serde(default)]
    team: Option<SlackTeam>,
    #[serde(default)]
    actions: Vec<PressedButton>,
    #[serde(default)]
    channel: Option<SlackChannel>,
    response_url: String,
}

#[derive(Deserialize)]
struct SlackUser {
    id: String,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct SlackTeam {
    id: String,
    #[serde(default)]
    domain: String,
}

#[derive(Deserialize)]
struct SlackChannel {
    id: String,
}

#[derive(Deserialize)]
struct PressedButton {
    action_id: String,
}

#[derive(Deserialize)]
struct InteractionForm {
    payload: String,
}

pub async fn interaction(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (slack, signature) = match signed_by_slack(&state, &headers, &body) {
        Ok(signed) => signed,
        Err(refused) => return refused.into_response(),
    };
    let parsed = serde_urlencoded::from_bytes::<InteractionForm>(&body)
        .ok()
        .and_then(|form| serde_json::from_str::<Interaction>(&form.payload).ok());
    let Some(pressed) = parsed else {
        return (StatusCode::BAD_REQUEST, "an interaction needs a payload with user, actions and response_url")
            .into_response();
    };
    // "Open in tengu" is a link: nothing to do.
    let Some(action) = pressed.actions.iter().find_map(|a| ChatAction::parse(&a.action_id)) else {
        return StatusCode::OK.into_response();
    };
    let team = pressed.team.as_ref();
    let person = ChatPerson {
        user_id: pressed.user.id.clone(),
        user_name: pressed.user.username.clone(),
        team_id: team.map(|t| t.id.clone()).unwrap_or_default(),
        team_domain: team.map(|t| t.domain.clone()).unwrap_or_default(),
        response_url: Some(pressed.response_url.clone()),
    };
    let request = match accepted(&state, &slack, &signature, person, "button press").await {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let tengu = state.tengu.clone();
    tokio::spawn(async move {
        let answered = tengu.press_in_chat(&request, action).await;
        let channel = pressed.channel.map(|c| c.id).unwrap_or_default();
        deliver(&tengu, &slack, answered, &channel, &pressed.response_url).await;
    });
    StatusCode::OK.into_response()
}

/// Sends an answer: a deployment asked for in a channel becomes a message there (kept up to date) when the bot
/// can post; everything else goes to the response_url.
async fn deliver(
    tengu: &Tengu,
    slack: &SlackApp,
    answered: Result<ChatAnswer, tengu_core::CoreError>,
    channel: &str,
    response_url: &str,
) {
    let answer = match answered {
        Ok(answer) => answer,
        Err(error) => {
            tracing::error!(%error, "a Slack request failed");
            ChatAnswer { text: error.user_message(), to_channel: false, deployment: None }
        }
    };
    if let (Some(messages), Some(id), true, false) =
        (&slack.messages, answer.deployment, answer.to_channel, channel.is_empty())
        && follow_in_channel(tengu, messages.clone(), channel, id).await
    {
        let _ = slack.replies.reply(response_url, &answer.text, false).await;
        return;
    }
    if let Err(error) = slack.replies.reply(response_url, &answer.text, answer.to_channel).await {
        tracing::warn!(error = %error.0, "a Slack answer could not be sent");
    }
}

/// Posts the deployment's message in the channel and edits it whenever the deployment moves, until it ends;
/// whether the message could be posted.
async fn follow_in_channel(tengu: &Tengu, messages: Arc<dyn ChatMessages>, channel: &str, id: DeploymentId) -> bool {
    let Ok((first, _)) = tengu.deployment_message(id).await else { return false };
    let at = match messages.post(channel, &first).await {
        Ok(at) => at,
        Err(error) => {
            tracing::warn!(error = %error.0, "the deployment's Slack message could not be posted");
            return false;
        }
    };
    let tengu = tengu.clone();
    tokio::spawn(async move {
        let mut shown = first;
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            let Ok((now, finished)) = tengu.deployment_message(id).await else { continue };
            if now != shown {
                if let Err(error) = messages.update(&at, &now).await {
                    tracing::warn!(error = %error.0, "the deployment's Slack message could not be edited");
                }
                shown = now;
            }
            if finished {
                break;
            }
        }
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_in_other_letters_is_the_same_request_and_old_ones_are_forgotten() {
        let seen = SeenRequests::default();
        assert!(seen.first_time(&signature_key("v0=ABCDEF"), 1_000));
        assert!(!seen.first_time(&signature_key("v0=abcdef"), 1_001), "the same bytes in lower case");
        assert!(seen.first_time(&signature_key("v0=abcdee"), 1_002));
        assert!(seen.first_time(&signature_key("v0=abcdef"), 1_000 + 601), "past the window it is stale anyway");
        let list = seen.0.lock().unwrap();
        assert_eq!(list.keys.len(), list.order.len());
    }
}
