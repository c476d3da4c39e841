//! The bot as Slack has it, for `tengu doctor`: whom its token signs in as, and for each channel tengu posts to,
//! whether the bot is in it (`conversations.info` for an id, `conversations.list` for a name; both need the
//! `channels:read` and `groups:read` scopes of the app manifest in `examples/slack/`).

use async_trait::async_trait;
use serde_json::Value;
use tengu_core::ports::{ChannelState, ChatSetup, NotifierError};

use super::SlackWeb;

/// Pages of `conversations.list` read at most while looking for a channel by name (200 channels each).
const MAX_PAGES: usize = 25;

pub struct SlackSetup {
    web: SlackWeb,
    channels: Vec<String>,
}

impl SlackSetup {
    /// `channels`: every channel tengu is configured to post to (`#deploys` or an id such as `C0123ABCD`).
    pub fn new(web: SlackWeb, channels: Vec<String>) -> Self {
        let mut unique: Vec<String> = Vec::new();
        for channel in channels {
            if !unique.contains(&channel) {
                unique.push(channel);
            }
        }
        Self { web, channels: unique }
    }

    async fn state_of(&self, channel: &str) -> Result<ChannelState, NotifierError> {
        if is_an_id(channel) {
            return match self.web.read("conversations.info", &[("channel", channel.to_owned())]).await {
                Ok(answer) => Ok(state(&answer["channel"])),
                Err(error) if error.0.ends_with(": channel_not_found") => Ok(ChannelState::NotFound),
                Err(error) => Err(error),
            };
        }
        let name = channel.trim_start_matches('#');
        let mut cursor = String::new();
        for _ in 0..MAX_PAGES {
            let query = [
                ("types", "public_channel,private_channel".to_owned()),
                ("limit", "200".to_owned()),
                ("cursor", cursor.clone()),
            ];
            let answer = self.web.read("conversations.list", &query).await?;
            let channels = answer["channels"].as_array().cloned().unwrap_or_default();
            if let Some(found) = channels.iter().find(|c| c["name"].as_str() == Some(name)) {
                return Ok(state(found));
            }
            cursor = answer["response_metadata"]["next_cursor"].as_str().unwrap_or_default().to_owned();
            if cursor.is_empty() {
                break;
            }
        }
        Ok(ChannelState::NotFound)
    }
}

/// Slack's ids: `C…` (channels), `G…` (private ones), in capitals and digits.
fn is_an_id(channel: &str) -> bool {
    channel.len() >= 9
        && (channel.starts_with('C') || channel.starts_with('G'))
        && channel.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn state(channel: &Value) -> ChannelState {
    if channel["is_archived"].as_bool() == Some(true) {
        ChannelState::Archived
    } else if channel["is_member"].as_bool() == Some(true) {
        ChannelState::Member
    } else {
        ChannelState::NotMember
    }
}

#[async_trait]
impl ChatSetup for SlackSetup {
    async fn bot_identity(&self) -> Result<Option<String>, NotifierError> {
        self.web.identity().await.map(Some)
    }

    async fn channels(&self) -> Result<Vec<(String, ChannelState)>, NotifierError> {
        let mut found = Vec::with_capacity(self.channels.len());
        for channel in &self.channels {
            found.push((channel.clone(), self.state_of(channel).await?));
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_told_from_names() {
        assert!(is_an_id("C0123ABCD") && is_an_id("G01234567"));
        assert!(!is_an_id("#deploys") && !is_an_id("deploys") && !is_an_id("Cats"));
    }
}
