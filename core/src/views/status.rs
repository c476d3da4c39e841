//! What `tengu status` and `/tengu status` show: each environment at a glance, in types a terminal, a chat and
//! the API share.

use serde::{Deserialize, Serialize};

use crate::domain::Deployment;

/// One environment at a glance, for a terminal, a chat or a CI job (`tengu status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentStatus {
    pub env: String,
    pub repo: String,
    /// The last successful deployment: what runs.
    pub running: Option<DeploymentBrief>,
    /// The deployment not finished yet, if any (waiting for approval, or rolling out).
    pub in_progress: Option<DeploymentBrief>,
    /// The open deploy PR and its gate.
    pub deploy_pr: Option<DeployPrBrief>,
    pub url: String,
    /// The sentence of the lock that holds on it, if any (absent from older servers' answers).
    #[serde(default)]
    pub locked: Option<String>,
    /// The freeze window that holds it, if any: `frozen until …` (absent from older servers' answers).
    #[serde(default)]
    pub frozen: Option<String>,
}

/// A deployment in one line's worth of facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentBrief {
    pub id: i64,
    pub image: String,
    pub sha: Option<String>,
    pub actor: String,
    pub state: String,
    pub state_label: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    pub progress: crate::domain::RolloutProgress,
}

impl From<&Deployment> for DeploymentBrief {
    fn from(d: &Deployment) -> Self {
        Self {
            id: d.id.0,
            image: d.image.to_string(),
            sha: d.sha.as_ref().map(|s| s.short().to_owned()),
            actor: d.actor.clone(),
            state: d.state.as_str().to_owned(),
            state_label: d.state.label().to_owned(),
            requested_at: d.requested_at,
            progress: crate::domain::RolloutProgress::of(d),
        }
    }
}

/// An open deploy PR's gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployPrBrief {
    pub number: u64,
    pub url: String,
    pub verified: usize,
    pub total: usize,
    pub waiting_for: Vec<String>,
    pub overridden: bool,
}

impl EnvironmentStatus {
    /// The plain-text lines a terminal or a chat message shows.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match &self.running {
            Some(d) => lines.push(format!(
                "{}: runs {}{} (deployment {} by {}, {})",
                self.env,
                d.image,
                d.sha.as_ref().map_or_else(|| " (commit unknown)".to_owned(), |s| format!(" at {s}")),
                d.id,
                d.actor,
                d.requested_at.format("%Y-%m-%d %H:%M UTC")
            )),
            None => lines.push(format!("{}: nothing deployed by tengu yet", self.env)),
        }
        if let Some(freeze) = &self.frozen {
            lines.push(format!("  FROZEN: {freeze}"));
        }
        if let Some(lock) = &self.locked {
            lines.push(format!("  LOCKED: {lock}"));
        }
        if let Some(d) = &self.in_progress {
            let moving = if d.state == "awaiting_approval" {
                "waiting for a second person's approval".to_owned()
            } else {
                d.progress.line()
            };
            lines.push(format!(
                "  deploying: {} by {} (deployment {}, {}) {moving}",
                d.image,
                d.actor,
                d.id,
                d.state_label.to_lowercase()
            ));
        }
        if let Some(pr) = &self.deploy_pr {
            let gate = if pr.overridden {
                "gate overridden".to_owned()
            } else if pr.waiting_for.is_empty() {
                format!("{} of {} verified", pr.verified, pr.total)
            } else {
                format!("{} of {} verified, waiting for {}", pr.verified, pr.total, pr.waiting_for.join(", "))
            };
            lines.push(format!("  deploy PR #{}: {gate} ({})", pr.number, pr.url));
        }
        lines
    }
}
