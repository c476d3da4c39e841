use serde::{Deserialize, Serialize};

use crate::domain::{
    DeliveryPolicy, DeployPolicy, EnvName, Environment, FreezeWindow, ReminderPolicy, RepoSlug, ReviewSettings,
};

/// What the core needs to know about this installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub environments: Vec<Environment>,
    /// True when GitHub and ECS are the built-in simulation; every page says so.
    pub sandbox: bool,
    /// Where people reach the dashboard, for links written into GitHub.
    pub public_url: String,
    /// GitHub's web root (`https://github.com`, or an Enterprise host's): every link to GitHub starts here.
    #[serde(default = "crate::links::default_github_web")]
    pub github_web_url: String,
    pub reminders: ReminderPolicy,
    #[serde(default)]
    pub deploys: DeployPolicy,
    /// Per repository: how its pull requests get review environments.
    #[serde(default)]
    pub review: Vec<ReviewSettings>,
    #[serde(default)]
    pub access: AccessSettings,
    #[serde(default)]
    pub deliveries: DeliveryPolicy,
    /// When nothing ships (`[[freeze]]` in the configuration).
    #[serde(default)]
    pub freezes: Vec<FreezeWindow>,
    /// Each Monday, last week's insights go to each environment's channel (`[slack] weekly_summary`).
    #[serde(default)]
    pub weekly_summary: bool,
}

/// Who may sign in, and how long a looked-up permission holds before a page load has it looked up again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessSettings {
    /// Organisations whose members may sign in (empty with no teams: anyone GitHub signs in).
    pub allowed_orgs: Vec<String>,
    /// `org/team-slug`: members of these teams may sign in too.
    pub allowed_teams: Vec<String>,
    pub permission_ttl_seconds: u64,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self { allowed_orgs: Vec::new(), allowed_teams: Vec::new(), permission_ttl_seconds: 300 }
    }
}

impl AccessSettings {
    pub fn permission_ttl(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.permission_ttl_seconds.min(86_400) as i64)
    }
}

impl Settings {
    /// Links to GitHub's web pages.
    pub fn github_web(&self) -> crate::links::GithubWeb<'_> {
        crate::links::GithubWeb::new(&self.github_web_url)
    }

    pub fn environment(&self, name: &EnvName) -> Option<&Environment> {
        self.environments.iter().find(|env| &env.name == name)
    }

    pub fn review(&self, repo: &RepoSlug) -> Option<&ReviewSettings> {
        self.review.iter().find(|r| &r.repo == repo)
    }
}
