use serde::{Deserialize, Serialize};

use super::Login;

/// Who asks for something: a person (by GitHub login), someone at a terminal running the `tengu` CLI, or tengu
/// itself (jobs, webhooks without a sender).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "login", rename_all = "snake_case")]
pub enum Actor {
    Person(Login),
    /// A person's API token (a CI pipeline): acts with its owner's role at the time of use.
    Token {
        login: Login,
        token: i64,
    },
    /// `user@host` of a terminal. The CLI holds the database and the AWS credentials itself, so whoever runs it
    /// is trusted as tengu is; it is recorded as `terminal:user@host`.
    Terminal(String),
    System,
}

impl Actor {
    /// The name written in the audit log and on GitHub.
    pub fn display_name(&self) -> String {
        match self {
            Actor::Person(login) => login.to_string(),
            Actor::Token { login, token } => format!("{login} (token #{token})"),
            Actor::Terminal(who) => format!("terminal:{who}"),
            Actor::System => "tengu".to_owned(),
        }
    }

    pub fn login(&self) -> Option<&Login> {
        match self {
            Actor::Person(login) | Actor::Token { login, .. } => Some(login),
            Actor::Terminal(_) | Actor::System => None,
        }
    }

    /// Callers whose permission is not GitHub's to give: tengu's own jobs and the terminal.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Actor::Terminal(_) | Actor::System)
    }
}
