//! The review environments page: every environment with its state, URL, age and expiry, as the page shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Stamp;
use crate::display::duration;
use crate::domain::{ReviewEnv, ReviewEnvState};

/// The page: every environment, live first then newest push first, and the tasks tengu started that none holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEnvsView {
    pub rows: Vec<ReviewEnvRow>,
    /// `(cluster, task ARN)` of tasks started by tengu that no review environment holds.
    pub strangers: Vec<(String, String)>,
    /// ECS could not be asked for strangers (said why), so the list may be incomplete.
    pub strangers_unknown: Option<String>,
    /// Why the viewer may not stop those tasks (none: they may).
    pub stranger_refusal: Option<String>,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEnvRow {
    pub repo: String,
    pub pr: u64,
    pub title: String,
    pub author: String,
    pub branch: String,
    /// `abc1234`, or `abc1234 → def5678` while the task for a push starts.
    pub commit: String,
    /// `running`, and the badge's tone.
    pub state: String,
    pub tone: String,
    pub reason: Option<String>,
    pub url: String,
    /// The URL answers now (its task runs).
    pub reachable: bool,
    /// Starting or running: it can be stopped (else started).
    pub live: bool,
    /// Since its task first started: `2h 05m`.
    pub age: String,
    pub last_push: Stamp,
    /// Until the TTL stops it, `—` when it is not live.
    pub expires_in: String,
    /// Why the viewer may not press Stop, Start or Rebuild (none: they may).
    pub refusal: Option<String>,
}

impl ReviewEnvRow {
    pub fn of(env: &ReviewEnv, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>, refusal: Option<String>) -> Self {
        Self {
            repo: env.repo.to_string(),
            pr: env.pr.get(),
            title: env.title.clone(),
            author: env.author.to_string(),
            branch: env.branch.to_string(),
            commit: match &env.next_sha {
                Some(next) => format!("{} → {}", env.sha.short(), next.short()),
                None => env.sha.short().to_owned(),
            },
            state: env.state.as_str().to_owned(),
            tone: review_tone(env.state).to_owned(),
            reason: env.reason.clone(),
            url: env.url.clone(),
            reachable: env.state == ReviewEnvState::Running,
            live: env.is_live(),
            age: duration((now - env.started_at).num_seconds().max(0)),
            last_push: Stamp::of(env.last_push_at),
            expires_in: expires_at
                .map(|at| duration((at - now).num_seconds().max(0)))
                .unwrap_or_else(|| "—".to_owned()),
            refusal,
        }
    }
}

/// The badge's tone for a review environment's state.
pub fn review_tone(state: ReviewEnvState) -> &'static str {
    match state {
        ReviewEnvState::Running => "good",
        ReviewEnvState::Failed => "bad",
        ReviewEnvState::Starting | ReviewEnvState::Stopping => "busy",
        ReviewEnvState::Stopped => "quiet",
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{BranchName, CommitSha, Login, PrNumber, RepoSlug};

    #[test]
    fn a_row_says_the_commit_being_replaced_its_age_and_when_the_ttl_stops_it() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let sha = |c: char| CommitSha::parse(c.to_string().repeat(40)).unwrap();
        let env = ReviewEnv {
            repo: RepoSlug::parse("acme/shop").unwrap(),
            pr: PrNumber::new(104).unwrap(),
            title: "Add wish lists".into(),
            author: Login::parse("carol").unwrap(),
            branch: BranchName::parse("wish-lists").unwrap(),
            sha: sha('a'),
            state: ReviewEnvState::Running,
            url: "https://pr-104.review.test".into(),
            started_at: now - chrono::Duration::seconds(7_500),
            last_push_at: now - chrono::Duration::seconds(600),
            task: None,
            next_task: None,
            next_sha: Some(sha('b')),
            address: None,
            reason: None,
            comment_id: None,
            github_deployment: None,
            version: 3,
        };
        let row = ReviewEnvRow::of(&env, Some(env.last_push_at + chrono::Duration::hours(48)), now, None);
        assert_eq!(row.commit, "aaaaaaa → bbbbbbb");
        assert_eq!((row.age.as_str(), row.expires_in.as_str()), ("2h 05m", "47h 50m"));
        assert_eq!((row.state.as_str(), row.tone.as_str(), row.reachable, row.live), ("running", "good", true, true));
        let stopped = ReviewEnv { state: ReviewEnvState::Stopped, next_sha: None, ..env };
        let row = ReviewEnvRow::of(&stopped, None, now, Some("needs write".into()));
        assert_eq!(
            (row.commit.as_str(), row.expires_in.as_str(), row.reachable, row.live),
            ("aaaaaaa", "—", false, false)
        );
        assert_eq!(row.refusal.as_deref(), Some("needs write"));
    }
}
