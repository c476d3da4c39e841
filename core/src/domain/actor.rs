use serde::{Deserialize, Serialize};

use super::Login;

/// Who asks for something: a person (by GitHub login) or tengu itself (jobs, webhooks without a sender).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "login", rename_all = "snake_case")]
pub enum Actor {
    Person(Login),
    System,
}

impl Actor {
    /// The name written in the audit log and on GitHub.
    pub fn display_name(&self) -> String {
        match self {
            Actor::Person(login) => login.to_string(),
            Actor::System => "tengu".to_owned(),
        }
    }

    pub fn login(&self) -> Option<&Login> {
        match self {
            Actor::Person(login) => Some(login),
            Actor::System => None,
        }
    }
}
