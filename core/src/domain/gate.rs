use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DeployPr, Login};

/// Someone's written decision to deploy although not every change is verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateOverride {
    pub by: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Whether a deploy PR may ship: every item verified, or overridden with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gate {
    Waiting { verified: usize, total: usize, waiting_for: Vec<Login> },
    Verified { total: usize },
    Overridden(GateOverride),
}

/// GitHub cuts commit status descriptions at 140 characters.
const STATUS_DESCRIPTION_LIMIT: usize = 140;

/// `text` as a commit status description: whole when it fits GitHub's 140 characters, else cut with an ellipsis.
pub fn status_description(text: String) -> String {
    if text.chars().count() <= STATUS_DESCRIPTION_LIMIT {
        text
    } else {
        let cut: String = text.chars().take(STATUS_DESCRIPTION_LIMIT - 1).collect();
        format!("{cut}…")
    }
}

impl Gate {
    pub fn of(pr: &DeployPr) -> Gate {
        let (verified, total) = (pr.verified_count(), pr.items.len());
        if verified == total {
            Gate::Verified { total }
        } else if let Some(decision) = &pr.gate_override {
            Gate::Overridden(decision.clone())
        } else {
            Gate::Waiting { verified, total, waiting_for: pr.waiting_for().into_iter().cloned().collect() }
        }
    }

    pub fn is_green(&self) -> bool {
        !matches!(self, Gate::Waiting { .. })
    }

    /// `3 of 5 verified — waiting for @a, @b`, `All 5 verified`, `Overridden by carol: hotfix`.
    pub fn description(&self) -> String {
        let text = match self {
            Gate::Waiting { verified, total, waiting_for } => {
                let people: Vec<String> = waiting_for.iter().map(|l| format!("@{l}")).collect();
                format!("{verified} of {total} verified — waiting for {}", people.join(", "))
            }
            Gate::Verified { total } => format!("All {total} verified"),
            Gate::Overridden(decision) => format!("Overridden by {}: {}", decision.by, decision.reason),
        };
        status_description(text)
    }
}
