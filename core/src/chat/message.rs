//! A message tengu keeps in the chat about one deployment: what it is, how far it has come, how it ended, and the
//! buttons that act on it. The chat adapter renders it (Slack: Block Kit); the text alone reads well too.

use crate::domain::{Deployment, DeploymentState, RolloutProgress};

/// What a button does, with the deployment it is about (the chat sends it back when pressed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatAction {
    Approve(i64),
    Abort(i64),
    RollBack(i64),
}

impl ChatAction {
    /// `approve:12`, as the button carries it.
    pub fn id(self) -> String {
        match self {
            ChatAction::Approve(id) => format!("approve:{id}"),
            ChatAction::Abort(id) => format!("abort:{id}"),
            ChatAction::RollBack(id) => format!("rollback:{id}"),
        }
    }

    pub fn parse(id: &str) -> Option<ChatAction> {
        let (verb, number) = id.split_once(':')?;
        let number = number.parse().ok()?;
        match verb {
            "approve" => Some(ChatAction::Approve(number)),
            "abort" => Some(ChatAction::Abort(number)),
            "rollback" => Some(ChatAction::RollBack(number)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatButton {
    pub label: String,
    /// What pressing it does (none: a link).
    pub action: Option<ChatAction>,
    pub url: Option<String>,
    /// Asked before it acts.
    pub confirm: Option<String>,
    pub danger: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub text: String,
    pub buttons: Vec<ChatButton>,
}

impl ChatMessage {
    /// The message for a deployment as it stands: state, a text progress bar, counts, the outcome and its reason,
    /// and the buttons that make sense now.
    pub fn of_deployment(deployment: &Deployment, link: &str) -> ChatMessage {
        let id = deployment.id.0;
        let mut text = format!(
            "Deployment {id}: {} to {} by {} — {}",
            deployment.image,
            deployment.env,
            deployment.actor,
            deployment.state.label()
        );
        let progress = RolloutProgress::of(deployment);
        if !progress.services.is_empty() {
            text.push('\n');
            text.push_str(&format!("`{}`", progress.line()));
        }
        if deployment.finished_at.is_some() {
            text.push('\n');
            text.push_str(&deployment.outcome_sentence());
        }
        let mut buttons = Vec::new();
        let unfinished = deployment.finished_at.is_none();
        if unfinished && deployment.state == DeploymentState::AwaitingApproval {
            buttons.push(ChatButton {
                label: "Approve".into(),
                action: Some(ChatAction::Approve(id)),
                url: None,
                confirm: None,
                danger: false,
            });
        }
        if unfinished {
            buttons.push(ChatButton {
                label: "Abort".into(),
                action: Some(ChatAction::Abort(id)),
                url: None,
                confirm: Some(format!("Abort deployment {id} and put back what ran before?")),
                danger: true,
            });
        }
        if deployment.state == DeploymentState::Succeeded {
            buttons.push(ChatButton {
                label: "Roll back".into(),
                action: Some(ChatAction::RollBack(id)),
                url: None,
                confirm: Some(format!("Roll {} back to the successful deployment before {id}?", deployment.env)),
                danger: true,
            });
        }
        buttons.push(ChatButton {
            label: "Open in tengu".into(),
            action: None,
            url: Some(link.to_owned()),
            confirm: None,
            danger: false,
        });
        ChatMessage { text, buttons }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_nothing_else_parses() {
        for action in [ChatAction::Approve(3), ChatAction::Abort(12), ChatAction::RollBack(7)] {
            assert_eq!(ChatAction::parse(&action.id()), Some(action));
        }
        for id in ["approve", "approve:x", "deploy:3", ":3", ""] {
            assert_eq!(ChatAction::parse(id), None, "{id}");
        }
    }
}
