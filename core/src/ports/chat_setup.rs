use async_trait::async_trait;

use super::NotifierError;

/// How tengu is set up in the team's chat, as the chat itself has it (for `tengu doctor`).
#[async_trait]
pub trait ChatSetup: Send + Sync {
    /// Who the bot signs in as (`@tengu in acme`); None when no chat bot is configured.
    async fn bot_identity(&self) -> Result<Option<String>, NotifierError>;

    /// Each channel tengu is configured to post to, and whether the bot can post there.
    async fn channels(&self) -> Result<Vec<(String, ChannelState)>, NotifierError>;
}

/// A configured channel, as the chat has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelState {
    /// The bot is in it: its posts arrive.
    Member,
    /// It exists but the bot is not in it: posts are refused until someone invites the bot.
    NotMember,
    Archived,
    /// No channel by that name or id is visible to the bot.
    NotFound,
}

/// No chat bot: nothing to ask.
pub struct NoChatSetup;

#[async_trait]
impl ChatSetup for NoChatSetup {
    async fn bot_identity(&self) -> Result<Option<String>, NotifierError> {
        Ok(None)
    }

    async fn channels(&self) -> Result<Vec<(String, ChannelState)>, NotifierError> {
        Ok(Vec::new())
    }
}
