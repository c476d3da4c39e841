//! What the simulated GitHub tells tengu: after each change a visitor makes on it, the webhook delivery GitHub
//! would send, in GitHub's own shape (`pull_request` with its action, the pull request, the repository and the
//! sender). Whoever carries it signs it and posts it to tengu's `/webhooks/github`, as GitHub does.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tengu_core::domain::{BranchName, CommitSha, Login, PrState, RepoSlug};
use tengu_core::ports::PullRequest;

/// A delivery: GitHub's event name (`X-GitHub-Event`) and its JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event: &'static str,
    pub body: String,
}

/// What happened to a pull request, as GitHub's `action` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullRequestAction {
    Opened,
    Synchronize,
    Closed,
    /// Merged into its base branch as the commit `sha`.
    Merged {
        sha: CommitSha,
        at: DateTime<Utc>,
    },
    /// The body changed; GitHub sends the body before the edit in `changes.body.from`.
    Edited {
        body_before: String,
    },
}

/// The `pull_request` delivery GitHub sends when `sender` does `action` to `pull` in `repo`.
pub fn pull_request(repo: &RepoSlug, pull: &PullRequest, action: &PullRequestAction, sender: &Login) -> Delivery {
    let (name, changes) = match action {
        PullRequestAction::Opened => ("opened", Value::Null),
        PullRequestAction::Synchronize => ("synchronize", Value::Null),
        PullRequestAction::Closed | PullRequestAction::Merged { .. } => ("closed", Value::Null),
        PullRequestAction::Edited { body_before } => ("edited", json!({ "body": { "from": body_before } })),
    };
    let mut body = json!({
        "action": name,
        "number": pull.number.get(),
        "pull_request": {
            "number": pull.number.get(),
            "html_url": pull.url,
            "title": pull.title,
            "body": pull.body,
            "state": if pull.state == PrState::Open { "open" } else { "closed" },
            "merged": pull.state == PrState::Merged,
            "user": { "login": pull.author.to_string() },
            "base": { "ref": pull.base.to_string(), "repo": { "full_name": repo.to_string() } },
            "head": {
                "ref": pull.head.to_string(),
                "sha": pull.head_sha.to_string(),
                "repo": { "full_name": repo.to_string() },
            },
            "labels": [],
        },
        "repository": { "full_name": repo.to_string() },
        "sender": { "login": sender.to_string() },
    });
    if !changes.is_null() {
        body["changes"] = changes;
    }
    if let PullRequestAction::Merged { sha, at } = action {
        body["pull_request"]["merged"] = json!(true);
        body["pull_request"]["merge_commit_sha"] = json!(sha.to_string());
        body["pull_request"]["merged_at"] = json!(at.to_rfc3339());
    }
    Delivery { event: "pull_request", body: body.to_string() }
}

/// The `push` delivery GitHub sends when `sender` moves `branch` of `repo` to `after`.
pub fn push(repo: &RepoSlug, branch: &BranchName, after: &CommitSha, sender: &Login) -> Delivery {
    let body = json!({
        "ref": format!("refs/heads/{branch}"),
        "after": after.to_string(),
        "repository": { "full_name": repo.to_string() },
        "pusher": { "name": sender.to_string() },
        "sender": { "login": sender.to_string() },
    });
    Delivery { event: "push", body: body.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tengu_core::domain::PrNumber;
    use tengu_core::webhooks::{GithubEvent, PrAction};

    fn pull(state: PrState) -> PullRequest {
        PullRequest {
            number: PrNumber::new(7).unwrap(),
            title: "Faster checkout".into(),
            body: "- [x] #3".into(),
            author: Login::parse("alice").unwrap(),
            base: BranchName::parse("deployment/production").unwrap(),
            head: BranchName::parse("master").unwrap(),
            state,
            url: "https://github.com/acme/shop/pull/7".into(),
            head_sha: CommitSha::parse("0123456789abcdef0123456789abcdef01234567").unwrap(),
        }
    }

    /// tengu's own webhook parser reads what the simulated GitHub sends, field by field.
    #[test]
    fn tengu_reads_each_delivery_as_githubs() {
        let repo = RepoSlug::parse("acme/shop").unwrap();
        let erin = Login::parse("erin").unwrap();
        let edited = PullRequestAction::Edited { body_before: "- [ ] #3".into() };
        let delivery = pull_request(&repo, &pull(PrState::Open), &edited, &erin);
        let GithubEvent::PullRequest(event) =
            tengu_core::webhooks::parse_event(delivery.event, &delivery.body).expect("tengu reads it")
        else {
            panic!("a pull request event")
        };
        assert_eq!((event.action, event.number.get(), event.sender.as_str()), (PrAction::Edited, 7, "erin"));
        assert_eq!((event.body.as_str(), event.previous_body.as_deref()), ("- [x] #3", Some("- [ ] #3")));
        assert_eq!((event.base.as_str(), event.head.as_str(), event.open), ("deployment/production", "master", true));
        assert_eq!(event.head_sha.map(|s| s.to_string()), Some("0123456789abcdef0123456789abcdef01234567".into()));

        let closed = pull_request(&repo, &pull(PrState::Closed), &PullRequestAction::Closed, &erin);
        let GithubEvent::PullRequest(event) = tengu_core::webhooks::parse_event(closed.event, &closed.body).unwrap()
        else {
            panic!("a pull request event")
        };
        assert_eq!((event.action, event.open), (PrAction::Closed { merged: false }, false));

        let sha = CommitSha::parse("89abcdef0123456789abcdef0123456789abcdef").unwrap();
        let at = chrono::Utc::now();
        let merged = PullRequestAction::Merged { sha: sha.clone(), at };
        let merge = pull_request(&repo, &pull(PrState::Merged), &merged, &erin);
        let GithubEvent::PullRequest(event) = tengu_core::webhooks::parse_event(merge.event, &merge.body).unwrap()
        else {
            panic!("a pull request event")
        };
        assert_eq!((event.action, event.merge_sha), (PrAction::Closed { merged: true }, Some(sha.clone())));
        assert_eq!(event.merged_at.map(|t| t.timestamp_millis()), Some(at.timestamp_millis()));

        let branch = BranchName::parse("deployment/dev").unwrap();
        let pushed = push(&repo, &branch, &sha, &erin);
        let event = tengu_core::webhooks::parse_event(pushed.event, &pushed.body).unwrap();
        assert_eq!(event, GithubEvent::Push { repo, branch: Some(branch), sender: Some(erin) });
    }
}
