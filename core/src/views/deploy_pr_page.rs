//! The deploy PR page: what ships, who verified it, whether the gate lets the deploy go, and what was recorded, as
//! the page shows it.

use serde::{Deserialize, Serialize};

use super::deployment_page::carried_pr_history;
use super::{ActivityLine, CommitLine, DeploymentRow, Stamp};
use crate::domain::{AuditEntry, ChecklistItem, DeployPr, Deployment, Gate};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployPrView {
    pub repo: String,
    pub number: u64,
    /// `acme/shop#40`
    pub name: String,
    pub title: String,
    pub env: String,
    /// `deployment/production ← master · open`
    pub branches: String,
    pub verified: usize,
    pub total: usize,
    pub gate: GateView,
    pub items: Vec<ChecklistLine>,
    pub direct_commits: Vec<CommitLine>,
    /// What was recorded about it and its items (ticks, overrides, reminders), newest first.
    pub history: Vec<ActivityLine>,
    /// The deployments that shipped it, newest first.
    pub deployments: Vec<DeploymentRow>,
    /// The commit merging it would deploy, while it is open (its difference may be reviewed).
    #[serde(default)]
    pub ships: Option<String>,
}

/// Whether the deploy may go, in the words of the `tengu/verification` status on GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateView {
    pub tone: String,
    /// `Waiting for verification`, `Ready to deploy`, `Overridden`.
    pub label: String,
    /// `3 of 5 verified — waiting for @a, @b`.
    pub description: String,
    /// When someone overrode it.
    pub decided: Option<Stamp>,
    /// The viewer may write an override now (the gate waits and they hold the role).
    pub may_override: bool,
    /// Why the viewer may not override the waiting gate.
    pub refusal: Option<String>,
}

/// One source pull request's box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistLine {
    pub number: u64,
    pub title: String,
    pub author: String,
    pub verified: Option<VerifiedBy>,
    /// Why the viewer may not tick or untick it (none: they may).
    pub refusal: Option<String>,
    pub commits: Vec<CommitLine>,
    /// The history filtered to the deployments that carried this pull request.
    pub deployments: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedBy {
    pub by: String,
    pub at: Stamp,
}

impl DeployPrView {
    /// `refusal_of(item)` says why the viewer may not tick that item; `override_refusal` why they may not override.
    pub fn of(
        pr: &DeployPr,
        history: &[AuditEntry],
        deployments: &[Deployment],
        refusal_of: impl Fn(&ChecklistItem) -> Option<String>,
        override_refusal: Option<String>,
    ) -> Self {
        Self {
            repo: pr.repo.to_string(),
            number: pr.number.get(),
            name: format!("{}{}", pr.repo, pr.number),
            title: pr.title.clone(),
            env: pr.env.to_string(),
            branches: format!("{} ← {} · {}", pr.base, pr.head, pr.state.as_str()),
            ships: pr.head_sha.as_ref().filter(|_| pr.state == crate::domain::PrState::Open).map(|sha| sha.to_string()),
            verified: pr.verified_count(),
            total: pr.items.len(),
            gate: GateView::of(&Gate::of(pr), override_refusal),
            items: pr
                .items
                .iter()
                .map(|item| ChecklistLine {
                    number: item.source.number.get(),
                    title: item.source.title.clone(),
                    author: item.source.author.to_string(),
                    verified: item.verified.as_ref().map(|v| VerifiedBy { by: v.by.clone(), at: Stamp::of(v.at) }),
                    refusal: refusal_of(item),
                    commits: item.source.commits.iter().map(CommitLine::from).collect(),
                    deployments: carried_pr_history(&pr.repo, item.source.number),
                })
                .collect(),
            direct_commits: pr.direct_commits.iter().map(CommitLine::from).collect(),
            history: history.iter().map(ActivityLine::from).collect(),
            deployments: deployments.iter().map(DeploymentRow::from).collect(),
        }
    }
}

impl GateView {
    fn of(gate: &Gate, refusal: Option<String>) -> Self {
        let waiting = matches!(gate, Gate::Waiting { .. });
        let (tone, label) = match gate {
            Gate::Waiting { .. } => ("busy", "Waiting for verification"),
            Gate::Verified { .. } => ("good", "Ready to deploy"),
            Gate::Overridden(_) => ("good", "Overridden"),
        };
        Self {
            tone: tone.to_owned(),
            label: label.to_owned(),
            description: gate.description(),
            decided: match gate {
                Gate::Overridden(decision) => Some(Stamp::of(decision.at)),
                _ => None,
            },
            may_override: waiting && refusal.is_none(),
            refusal: refusal.filter(|_| waiting),
        }
    }
}
