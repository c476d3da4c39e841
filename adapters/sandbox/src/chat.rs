//! The sandbox's chat: a named simulation of the Slack side of tengu's Slack app. It stands where Slack's servers
//! stand: it receives the answers tengu sends to a command's `response_url` and the messages its bot posts and
//! edits, and keeps them as one channel's transcript for the dashboard's chat page. What a visitor types reaches
//! tengu's real, signed `/slack/commands` and `/slack/interactions` (the server's side builds and signs those
//! requests); nothing here talks to the network, and the transcript lives in memory only.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use tengu_core::chat::ChatMessage;
use tengu_core::domain::Login;
use tengu_core::ports::{Changes, ChatMessages, ChatReplies, Clock, MessageRef, NotifierError, Topic, Topics};
use tengu_core::views::{ChatButtonView, ChatEntryView, ChatPersonView, SandboxChatView};

/// The simulated workspace's id, which its Slack app answers.
pub const TEAM_ID: &str = "T0SANDBOX";
/// The simulated channel's id and name.
pub const CHANNEL_ID: &str = "C0DEPLOYS";
pub const CHANNEL_NAME: &str = "#deploys";
/// A chat person who never linked a GitHub login: they may ask for `help` and a link only.
pub const GUEST: &str = "U0GUEST";
/// How a command's `response_url` names the person who typed it.
const RESPONSE_URL: &str = "sandbox-chat://reply/";
/// How much of the channel is kept.
const KEPT: usize = 300;

/// The sandbox's chat account of a seeded person (`alice` → `U0ALICE`).
pub fn chat_user_of(login: &Login) -> String {
    format!("U0{}", login.as_str().to_ascii_uppercase())
}

/// Every seeded person with their chat account, linked to their login when the sandbox starts.
pub fn chat_people() -> Vec<(String, Login)> {
    super::people().into_iter().map(|login| (chat_user_of(&login), login)).collect()
}

/// Links each seeded person's chat account to their login, unless it was linked elsewhere since: the sandbox's
/// chat then acts with each person's role at once (the guest stays unlinked to show `/tengu link`).
pub async fn link_chat_people(tengu: &tengu_core::Tengu) -> Result<(), tengu_core::CoreError> {
    let store = tengu.store();
    let now = tengu.clock().now();
    for (chat_user, login) in chat_people() {
        if store.chat_login(&chat_user).await?.is_none() {
            store.save_chat_link(&chat_user, &login, now).await?;
        }
    }
    Ok(())
}

/// The `response_url` a command typed by `chat_user` carries.
pub fn response_url_for(chat_user: &str) -> String {
    format!("{RESPONSE_URL}{chat_user}")
}

#[derive(Debug, Clone)]
struct Entry {
    id: u64,
    at: DateTime<Utc>,
    /// The chat user who wrote it; none: tengu.
    from: Option<String>,
    only_for: Option<String>,
    message: ChatMessage,
    edits: u32,
}

#[derive(Default)]
struct Transcript {
    next_id: u64,
    entries: VecDeque<Entry>,
}

/// The simulated channel.
pub struct SandboxChat {
    clock: Arc<dyn Clock>,
    transcript: Mutex<Transcript>,
    /// Told of each change, as a write to the simulated world (`Topic::Documents`): the chat page then draws the
    /// channel again, as it does for any write it is made of.
    announce: OnceLock<Arc<Changes>>,
}

impl SandboxChat {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, transcript: Mutex::new(Transcript::default()), announce: OnceLock::new() }
    }

    /// From now on each message and edit is announced on `changes`.
    pub fn announce_to(&self, changes: Arc<Changes>) {
        let _ = self.announce.set(changes);
    }

    fn announce(&self) {
        if let Some(changes) = self.announce.get() {
            changes.wrote(Topics::of(Topic::Documents));
        }
    }

    fn push(&self, from: Option<String>, only_for: Option<String>, message: ChatMessage) -> u64 {
        let at = self.clock.now();
        let mut transcript = self.transcript.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        transcript.next_id += 1;
        let id = transcript.next_id;
        transcript.entries.push_back(Entry { id, at, from, only_for, message, edits: 0 });
        while transcript.entries.len() > KEPT {
            transcript.entries.pop_front();
        }
        drop(transcript);
        self.announce();
        id
    }

    /// What a person typed (`/tengu deploy production`), as the channel shows it.
    pub fn typed(&self, chat_user: &str, text: &str) {
        let message = ChatMessage { text: text.to_owned(), buttons: Vec::new() };
        self.push(Some(chat_user.to_owned()), None, message);
    }

    /// An answer only `chat_user` sees: the immediate answer to their command or button.
    pub fn answered(&self, chat_user: &str, text: &str) {
        let message = ChatMessage { text: text.to_owned(), buttons: Vec::new() };
        self.push(None, Some(chat_user.to_owned()), message);
    }

    /// The chat people `visitor` may speak as: their own seeded account, and the guest who linked nothing.
    /// (Slack knows who types; here the sign-in says it.)
    pub fn voices_of(visitor: Option<&Login>) -> Vec<ChatPersonView> {
        let own = visitor.and_then(|login| chat_people().into_iter().find(|(_, seeded)| seeded == login));
        let mut voices: Vec<ChatPersonView> = own
            .map(|(chat_user, login)| ChatPersonView {
                label: format!("{login} ({} on GitHub)", super::permission_of(&login)),
                chat_user,
            })
            .into_iter()
            .collect();
        voices.push(ChatPersonView { chat_user: GUEST.to_owned(), label: "guest (not linked)".to_owned() });
        voices
    }

    /// The channel as the page shows it to `visitor`, with the chat people they may speak as (their own first).
    pub fn view(&self, visitor: Option<&Login>) -> SandboxChatView {
        let names: Vec<(String, Login)> = chat_people();
        let name_of = |chat_user: &str| {
            names
                .iter()
                .find(|(id, _)| id == chat_user)
                .map(|(_, login)| login.as_str().to_owned())
                .unwrap_or_else(|| "guest".to_owned())
        };
        let people = Self::voices_of(visitor);
        let speaking_as = people[0].chat_user.clone();
        let transcript = self.transcript.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entries = transcript
            .entries
            .iter()
            .map(|entry| ChatEntryView {
                id: entry.id,
                at: entry.at.format("%H:%M:%S").to_string(),
                from: entry.from.as_deref().map_or_else(|| "tengu".to_owned(), name_of),
                only_for: entry.only_for.as_deref().map(name_of),
                text: entry.message.text.clone(),
                buttons: entry
                    .message
                    .buttons
                    .iter()
                    .map(|button| ChatButtonView {
                        label: button.label.clone(),
                        action: button.action.map(|a| a.id()),
                        url: button.url.clone(),
                        confirm: button.confirm.clone(),
                        danger: button.danger,
                    })
                    .collect(),
                edits: entry.edits,
            })
            .collect();
        SandboxChatView { channel: CHANNEL_NAME.to_owned(), people, speaking_as, entries }
    }
}

#[async_trait]
impl ChatReplies for SandboxChat {
    async fn reply(&self, response_url: &str, text: &str, to_channel: bool) -> Result<(), NotifierError> {
        let chat_user = response_url
            .strip_prefix(RESPONSE_URL)
            .ok_or_else(|| NotifierError(format!("{response_url} is not a sandbox chat address")))?;
        let message = ChatMessage { text: text.to_owned(), buttons: Vec::new() };
        self.push(None, (!to_channel).then(|| chat_user.to_owned()), message);
        Ok(())
    }
}

#[async_trait]
impl ChatMessages for SandboxChat {
    async fn post(&self, channel: &str, message: &ChatMessage) -> Result<MessageRef, NotifierError> {
        if channel != CHANNEL_ID {
            return Err(NotifierError(format!("the sandbox chat has no channel {channel}")));
        }
        let id = self.push(None, None, message.clone());
        Ok(MessageRef { channel: channel.to_owned(), ts: id.to_string() })
    }

    async fn update(&self, at: &MessageRef, message: &ChatMessage) -> Result<(), NotifierError> {
        let mut transcript = self.transcript.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = transcript
            .entries
            .iter_mut()
            .find(|entry| entry.id.to_string() == at.ts)
            .ok_or_else(|| NotifierError(format!("message {} is no longer in the sandbox chat", at.ts)))?;
        entry.message = message.clone();
        entry.edits += 1;
        drop(transcript);
        self.announce();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tengu_core::chat::{ChatAction, ChatButton};
    use tengu_core::ports::SystemClock;

    #[tokio::test]
    async fn a_posted_message_is_edited_in_place_and_answers_go_to_whom_they_are_for() {
        let chat = SandboxChat::new(Arc::new(SystemClock));
        let changes = Arc::new(Changes::default());
        chat.announce_to(changes.clone());
        chat.typed("U0BOB", "/tengu redeploy production");
        chat.answered("U0BOB", "On it");
        let first = ChatMessage {
            text: "Deployment 7: waiting".into(),
            buttons: vec![ChatButton {
                label: "Approve".into(),
                action: Some(ChatAction::Approve(7)),
                url: None,
                confirm: None,
                danger: false,
            }],
        };
        let at = chat.post(CHANNEL_ID, &first).await.unwrap();
        chat.reply(&response_url_for("U0ALICE"), "You approved deployment 7", false).await.unwrap();
        chat.update(&at, &ChatMessage { text: "Deployment 7: succeeded".into(), buttons: Vec::new() }).await.unwrap();

        assert_eq!(changes.stamp(Topics::of(Topic::Documents)), 5, "four messages and one edit, each announced");
        let view = chat.view(Some(&Login::parse("bob").unwrap()));
        assert_eq!(view.speaking_as, "U0BOB");
        let lines: Vec<(&str, Option<&str>, &str, u32)> =
            view.entries.iter().map(|e| (e.from.as_str(), e.only_for.as_deref(), e.text.as_str(), e.edits)).collect();
        assert_eq!(
            lines,
            vec![
                ("bob", None, "/tengu redeploy production", 0),
                ("tengu", Some("bob"), "On it", 0),
                ("tengu", None, "Deployment 7: succeeded", 1),
                ("tengu", Some("alice"), "You approved deployment 7", 0),
            ]
        );
        let voices: Vec<(&str, &str)> = view.people.iter().map(|p| (p.chat_user.as_str(), p.label.as_str())).collect();
        assert_eq!(voices, vec![("U0BOB", "bob (maintain on GitHub)"), (GUEST, "guest (not linked)")]);
        assert_eq!(chat.view(None).speaking_as, GUEST, "someone not seeded speaks as the guest");
        assert!(chat.post("C0ELSEWHERE", &first).await.is_err());
        assert!(chat.reply("https://hooks.slack.com/x", "hi", true).await.is_err());
    }
}
