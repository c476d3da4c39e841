//! Answers to chat commands, sent where the chat said to send them (Slack's `response_url`).

use async_trait::async_trait;

use super::NotifierError;

#[async_trait]
pub trait ChatReplies: Send + Sync {
    /// Answers one command: to the channel it was typed in, or to the person who typed it alone.
    async fn reply(&self, response_url: &str, text: &str, to_channel: bool) -> Result<(), NotifierError>;
}
