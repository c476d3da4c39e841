//! Who spoke in the chat, as the chat's signed request names them.

use serde::{Deserialize, Serialize};

/// A chat person in one workspace: what a link page shows so its reader can tell whether the account is theirs,
/// and where to tell that person the link was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatPerson {
    /// Slack's user id (`U…`): what a link binds to a GitHub login.
    pub user_id: String,
    /// The name shown in Slack (`user_name`), as Slack sent it.
    #[serde(default)]
    pub user_name: String,
    /// The workspace's id (`T…`).
    pub team_id: String,
    /// The workspace's domain (`acme` of acme.slack.com), as Slack sent it.
    #[serde(default)]
    pub team_domain: String,
    /// Where an answer to this person's request goes (Slack's `response_url`), while it is valid.
    #[serde(default)]
    pub response_url: Option<String>,
}

impl ChatPerson {
    /// `@roadrunner (U2CERLKJA) in the workspace testteamnow (T1DC2JH3J)`.
    pub fn describe(&self) -> String {
        let name = if self.user_name.is_empty() { "a Slack user".to_owned() } else { format!("@{}", self.user_name) };
        let team = if self.team_domain.is_empty() { String::new() } else { format!("{} ", self.team_domain) };
        format!("{name} ({}) in the workspace {team}({})", self.user_id, self.team_id)
    }
}

/// One signed chat request: who sent it and a key that names it, so the same request sent again (a replay within
/// the signature's five minutes) asks for the same thing instead of doing it twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRequest {
    pub person: ChatPerson,
    pub key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_described_by_name_id_and_workspace() {
        let person = ChatPerson {
            user_id: "U2CERLKJA".into(),
            user_name: "roadrunner".into(),
            team_id: "T1DC2JH3J".into(),
            team_domain: "testteamnow".into(),
            response_url: None,
        };
        assert_eq!(person.describe(), "@roadrunner (U2CERLKJA) in the workspace testteamnow (T1DC2JH3J)");
        let bare = ChatPerson { user_name: String::new(), team_domain: String::new(), ..person };
        assert_eq!(bare.describe(), "a Slack user (U2CERLKJA) in the workspace (T1DC2JH3J)");
    }
}
