//! Answers to chat commands, sent where the chat said to send them (Slack's `response_url`).

use async_trait::async_trait;

use super::NotifierError;
use crate::chat::ChatMessage;

/// Where a posted message is, to edit it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub channel: String,
    pub ts: String,
}

/// Messages tengu posts as its bot and edits as things move (Slack's chat.postMessage and chat.update).
#[async_trait]
pub trait ChatMessages: Send + Sync {
    async fn post(&self, channel: &str, message: &ChatMessage) -> Result<MessageRef, NotifierError>;
    async fn update(&self, at: &MessageRef, message: &ChatMessage) -> Result<(), NotifierError>;
}

#[async_trait]
pub trait ChatReplies: Send + Sync {
    /// Answers one command: to the channel it was typed in, or to the person who typed it alone.
    async fn reply(&self, response_url: &str, text: &str, to_channel: bool) -> Result<(), NotifierError>;
}
