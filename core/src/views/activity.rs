//! Audit entries and commits as the pages list them: sentences and short SHAs, formatted on the server.

use serde::{Deserialize, Serialize};

use super::Stamp;
use crate::domain::{AuditEntry, Commit};

/// One line of an activity list: who did what to which thing, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityLine {
    pub actor: String,
    /// The verb phrase: `verified`, `deployed`.
    pub action: String,
    pub target: String,
    pub detail: String,
    pub at: Stamp,
}

impl From<&AuditEntry> for ActivityLine {
    fn from(entry: &AuditEntry) -> Self {
        Self {
            actor: entry.actor.clone(),
            action: entry.action.describe().to_owned(),
            target: entry.target.clone(),
            detail: entry.detail.clone(),
            at: Stamp::of(entry.at),
        }
    }
}

/// A commit as a line of a list: its short SHA, headline and author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitLine {
    pub sha: String,
    pub headline: String,
    pub author: Option<String>,
}

impl From<&Commit> for CommitLine {
    fn from(commit: &Commit) -> Self {
        Self {
            sha: commit.sha.short().to_owned(),
            headline: commit.headline.clone(),
            author: commit.author.as_ref().map(|a| a.to_string()),
        }
    }
}

/// Words and an address: a link as the page draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}
