//! `[slack]`: where notices go, and the Slack app that answers `/tengu`.

use serde::Deserialize;

use super::*;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub webhook_url: Option<Secret>,
    /// The Slack app's signing secret: `/slack/commands` answers only requests signed with it.
    pub signing_secret: Option<Secret>,
    /// The workspace (`T…`) or workspaces the app answers; a request from any other is refused.
    pub team_id: Option<TeamIds>,
    /// Where Slack's `response_url`s point (a test's stand-in elsewhere); answers go nowhere else.
    pub hooks_url: Option<String>,
    /// The bot's token (`xoxb-…`): a deployment asked for in a channel gets one message there, edited as it goes.
    pub bot_token: Option<Secret>,
    /// Slack's Web API (a test's stand-in elsewhere).
    pub api_url: Option<String>,
    /// With the bot token: the team's channel for notices of environments without one of their own.
    pub channel: Option<String>,
    /// `"channel"` (the default): reminders mention people in the channel; `"dm"`: each linked author also gets
    /// a direct message.
    pub remind_by: Option<String>,
    /// With the bot token: each Monday from 09:00 (the reminders' UTC offset), last week's insights go to each
    /// environment's channel.
    pub weekly_summary: Option<bool>,
}

/// One workspace id or several.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum TeamIds {
    One(String),
    Many(Vec<String>),
}

impl TeamIds {
    /// The ids given, without blanks.
    pub fn ids(&self) -> Vec<String> {
        let all = match self {
            TeamIds::One(id) => vec![id.clone()],
            TeamIds::Many(ids) => ids.clone(),
        };
        all.into_iter().map(|id| id.trim().to_owned()).filter(|id| !id.is_empty()).collect()
    }
}
