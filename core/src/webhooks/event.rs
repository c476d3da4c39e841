use serde::Deserialize;

use crate::domain::{BranchName, CommitSha, Login, PrNumber, RepoSlug};

/// What a pull request event says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrAction {
    Opened,
    Edited,
    Synchronize,
    Closed { merged: bool },
    Reopened,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestEvent {
    pub action: PrAction,
    pub repo: RepoSlug,
    pub number: PrNumber,
    pub title: String,
    pub body: String,
    /// For `edited`: the body before this edit (`changes.body.from`), when the body is what changed.
    pub previous_body: Option<String>,
    pub author: Login,
    pub base: BranchName,
    pub head: BranchName,
    /// For `labeled` / `unlabeled`: the label added or removed.
    pub label: Option<String>,
    /// The pull request is open (GitHub's `state`), as opposed to closed or merged.
    pub open: bool,
    /// The commit at the head of the pull request.
    pub head_sha: Option<CommitSha>,
    pub labels: Vec<String>,
    /// The repository the head branch lives in: another one for a pull request from a fork.
    pub head_repo: Option<RepoSlug>,
    /// For a merged pull request: the commit the merge made on the base branch, and when.
    pub merge_sha: Option<CommitSha>,
    pub merged_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who did it on GitHub.
    pub sender: Login,
}

/// The webhook events tengu acts on; everything else is acknowledged and ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubEvent {
    Ping,
    PullRequest(Box<PullRequestEvent>),
    Push { repo: RepoSlug, branch: Option<BranchName>, sender: Option<Login> },
    Ignored { event: String },
}

impl GithubEvent {
    /// The repository it concerns and what in it (`acme/shop#12`, `acme/shop master`): deliveries about one
    /// subject are applied in the order GitHub sent them.
    pub fn subject(&self) -> Option<(RepoSlug, String)> {
        match self {
            GithubEvent::PullRequest(pr) => Some((pr.repo.clone(), format!("{}{}", pr.repo, pr.number))),
            GithubEvent::Push { repo, branch: Some(branch), .. } => Some((repo.clone(), format!("{repo} {branch}"))),
            GithubEvent::Push { repo, branch: None, .. } => Some((repo.clone(), repo.to_string())),
            GithubEvent::Ping | GithubEvent::Ignored { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {event} payload cannot be read: {reason}")]
pub struct WebhookParseError {
    pub event: String,
    pub reason: String,
}

#[derive(Deserialize)]
struct Account {
    login: String,
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
}

#[derive(Deserialize)]
struct BranchRef {
    #[serde(rename = "ref")]
    name: String,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    repo: Option<Repository>,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

#[derive(Deserialize)]
struct PullRequestPayload {
    title: String,
    body: Option<String>,
    user: Account,
    base: BranchRef,
    head: BranchRef,
    #[serde(default)]
    merged: Option<bool>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    merged_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    state: Option<String>,
}

#[derive(Deserialize)]
struct PreviousValue {
    from: Option<String>,
}

#[derive(Deserialize, Default)]
struct Changes {
    body: Option<PreviousValue>,
}

#[derive(Deserialize)]
struct PullRequestHook {
    action: String,
    number: u64,
    pull_request: PullRequestPayload,
    repository: Repository,
    sender: Account,
    #[serde(default)]
    changes: Changes,
    /// For `labeled` / `unlabeled`: the label that was added or removed.
    #[serde(default)]
    label: Option<Label>,
}

#[derive(Deserialize)]
struct PushHook {
    #[serde(rename = "ref")]
    git_ref: String,
    repository: Repository,
    sender: Option<Account>,
}

/// Reads one delivery: `event` is the `X-GitHub-Event` header, `payload` the body.
/// Whether tengu acts on deliveries of this event; the payloads of the others are not kept.
pub fn is_used(event: &str) -> bool {
    matches!(event, "ping" | "pull_request" | "push")
}

pub fn parse_event(event: &str, payload: &str) -> Result<GithubEvent, WebhookParseError> {
    let fail = |reason: String| WebhookParseError { event: event.to_owned(), reason };
    match event {
        "ping" => Ok(GithubEvent::Ping),
        "pull_request" => {
            let hook: PullRequestHook = serde_json::from_str(payload).map_err(|e| fail(e.to_string()))?;
            let pr = hook.pull_request;
            let action = match hook.action.as_str() {
                "opened" => PrAction::Opened,
                "edited" => PrAction::Edited,
                "synchronize" => PrAction::Synchronize,
                "closed" => PrAction::Closed { merged: pr.merged.unwrap_or(false) },
                "reopened" => PrAction::Reopened,
                other => PrAction::Other(other.to_owned()),
            };
            Ok(GithubEvent::PullRequest(Box::new(PullRequestEvent {
                action,
                repo: RepoSlug::parse(&hook.repository.full_name).map_err(|e| fail(e.to_string()))?,
                number: PrNumber::new(hook.number).map_err(|e| fail(e.to_string()))?,
                title: pr.title,
                body: pr.body.unwrap_or_default(),
                previous_body: hook.changes.body.map(|change| change.from.unwrap_or_default()),
                author: Login::parse(pr.user.login).map_err(|e| fail(e.to_string()))?,
                base: BranchName::parse(pr.base.name).map_err(|e| fail(e.to_string()))?,
                head_repo: pr.head.repo.as_ref().and_then(|r| RepoSlug::parse(&r.full_name).ok()),
                merge_sha: pr.merge_commit_sha.and_then(|sha| CommitSha::parse(sha).ok()),
                merged_at: pr.merged_at,
                head_sha: pr.head.sha.and_then(|sha| CommitSha::parse(sha).ok()),
                labels: pr.labels.into_iter().map(|l| l.name).collect(),
                label: hook.label.map(|l| l.name),
                open: pr.state.as_deref() != Some("closed"),
                head: BranchName::parse(pr.head.name).map_err(|e| fail(e.to_string()))?,
                sender: Login::parse(hook.sender.login).map_err(|e| fail(e.to_string()))?,
            })))
        }
        "push" => {
            let hook: PushHook = serde_json::from_str(payload).map_err(|e| fail(e.to_string()))?;
            Ok(GithubEvent::Push {
                repo: RepoSlug::parse(&hook.repository.full_name).map_err(|e| fail(e.to_string()))?,
                branch: hook.git_ref.strip_prefix("refs/heads/").and_then(|b| BranchName::parse(b).ok()),
                sender: hook.sender.and_then(|s| Login::parse(s.login).ok()),
            })
        }
        other => Ok(GithubEvent::Ignored { event: other.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_events_are_ignored_and_broken_payloads_are_reported() {
        assert_eq!(parse_event("star", "{}"), Ok(GithubEvent::Ignored { event: "star".into() }));
        assert_eq!(parse_event("ping", "{}"), Ok(GithubEvent::Ping));
        assert!(is_used("pull_request") && is_used("push") && !is_used("star"));
        let err = parse_event("pull_request", "{\"action\": 1}").unwrap_err();
        assert!(err.to_string().starts_with("the pull_request payload cannot be read"), "{err}");
    }
}
