use serde::{Deserialize, Serialize};

use crate::domain::{DeployPolicy, EnvName, Environment, ReminderPolicy, RepoSlug, ReviewSettings};

/// What the core needs to know about this installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub environments: Vec<Environment>,
    /// True when GitHub and ECS are the built-in simulation; every page says so.
    pub sandbox: bool,
    /// Where people reach the dashboard, for links written into GitHub.
    pub public_url: String,
    pub reminders: ReminderPolicy,
    #[serde(default)]
    pub deploys: DeployPolicy,
    /// Per repository: how its pull requests get review environments.
    #[serde(default)]
    pub review: Vec<ReviewSettings>,
}

impl Settings {
    pub fn environment(&self, name: &EnvName) -> Option<&Environment> {
        self.environments.iter().find(|env| &env.name == name)
    }

    pub fn review(&self, repo: &RepoSlug) -> Option<&ReviewSettings> {
        self.review.iter().find(|r| &r.repo == repo)
    }
}
