//! GitHub's REST shapes, read into tengu's types.

use serde_json::Value;

use tengu_core::domain::{BranchName, CommitSha, Login, PrNumber, PrState};
use tengu_core::ports::{CodeHostError, PullRequest, Review};

fn malformed(field: &str) -> CodeHostError {
    CodeHostError::Rejected(format!("GitHub's pull request had an unexpected shape ({field})"))
}

fn text<'a>(value: &'a Value, pointer: &str) -> Result<&'a str, CodeHostError> {
    value.pointer(pointer).and_then(Value::as_str).ok_or_else(|| malformed(pointer))
}

/// The commit a reference points at, as `GET /repos/{owner}/{repo}/git/ref/heads/{branch}` gives it.
pub(super) fn ref_sha(value: &Value) -> Result<CommitSha, CodeHostError> {
    let sha = value.pointer("/object/sha").and_then(Value::as_str);
    let sha = sha.ok_or_else(|| CodeHostError::Rejected("GitHub's reference had no /object/sha".to_owned()))?;
    CommitSha::parse(sha).map_err(|e| CodeHostError::Rejected(format!("GitHub's reference: {e}")))
}

/// A pull request as `GET /repos/{owner}/{repo}/pulls/{number}` (and the list, create and update calls) gives it.
pub(super) fn pull_request(value: &Value) -> Result<PullRequest, CodeHostError> {
    let number = value.get("number").and_then(Value::as_u64).ok_or_else(|| malformed("number"))?;
    let merged = value.get("merged_at").is_some_and(|at| !at.is_null())
        || value.get("merged").and_then(Value::as_bool).unwrap_or(false);
    let state = match (text(value, "/state")?, merged) {
        ("open", _) => PrState::Open,
        (_, true) => PrState::Merged,
        _ => PrState::Closed,
    };
    Ok(PullRequest {
        number: PrNumber::new(number).map_err(|_| malformed("number"))?,
        title: text(value, "/title")?.to_owned(),
        body: value.get("body").and_then(Value::as_str).unwrap_or("").to_owned(),
        author: Login::parse(text(value, "/user/login")?).map_err(|_| malformed("user.login"))?,
        base: BranchName::parse(text(value, "/base/ref")?).map_err(|_| malformed("base.ref"))?,
        head: BranchName::parse(text(value, "/head/ref")?).map_err(|_| malformed("head.ref"))?,
        state,
        url: text(value, "/html_url")?.to_owned(),
        head_sha: CommitSha::parse(text(value, "/head/sha")?).map_err(|_| malformed("head.sha"))?,
    })
}

/// From GitHub's list of reviews (oldest first): who approves now, by each person's latest review that took a
/// side (a later comment does not undo an approval; a later "changes requested" or a dismissal does), with the
/// commit that review approved.
pub(super) fn approving_reviews(reviews: &Value) -> Vec<Review> {
    let mut latest: Vec<(Review, bool)> = Vec::new();
    for review in reviews.as_array().into_iter().flatten() {
        let Some(login) = review.pointer("/user/login").and_then(Value::as_str).and_then(|l| Login::parse(l).ok())
        else {
            continue;
        };
        let approves = match review.get("state").and_then(Value::as_str) {
            Some("APPROVED") => true,
            Some("CHANGES_REQUESTED" | "DISMISSED") => false,
            _ => continue,
        };
        let commit = review.get("commit_id").and_then(Value::as_str).and_then(|sha| CommitSha::parse(sha).ok());
        latest.retain(|(earlier, _)| earlier.by != login);
        latest.push((Review { by: login, commit }, approves));
    }
    latest.into_iter().filter(|(_, approves)| *approves).map(|(review, _)| review).collect()
}

/// GitHub keeps at most 140 characters of a commit status description.
pub(super) fn status_description(text: &str) -> String {
    const LIMIT: usize = 140;
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(LIMIT - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_review_that_takes_a_side_counts() {
        let reviews = serde_json::json!([
            {"user": {"login": "bob"}, "state": "APPROVED", "commit_id": "1111111111111111111111111111111111111111"},
            {"user": {"login": "carol"}, "state": "APPROVED"},
            {"user": {"login": "bob"}, "state": "COMMENTED"},
            {"user": {"login": "carol"}, "state": "CHANGES_REQUESTED"},
            {"user": {"login": "dave"}, "state": "APPROVED"},
            {"user": {"login": "dave"}, "state": "DISMISSED"},
            {"user": null, "state": "APPROVED"}
        ]);
        let approving = approving_reviews(&reviews);
        let commit = CommitSha::parse("1111111111111111111111111111111111111111").ok();
        assert_eq!(approving, vec![Review { by: Login::parse("bob").unwrap(), commit }]);
    }

    #[test]
    fn long_status_descriptions_are_cut_to_140_characters() {
        assert_eq!(status_description("3 of 5 verified"), "3 of 5 verified");
        let long = "waiting for @someone ".repeat(20);
        let cut = status_description(&long);
        assert_eq!(cut.chars().count(), 140);
        assert!(cut.ends_with('…'));
    }
}
