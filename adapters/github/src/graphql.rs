//! The GraphQL queries that keep a refresh cheap: the comparison of two branches with every commit's pull
//! request (100 commits a page), and pull requests by number (100 a query).

use std::collections::HashMap;

use serde_json::{Value, json};

use tengu_core::domain::{BranchName, Commit, CommitSha, Login, PrNumber, RepoSlug};
use tengu_core::ports::{CodeHostError, CommitRange, PullSummary};

pub(super) const PAGE: usize = 100;

pub(super) const COMPARE: &str =
    "query($owner: String!, $name: String!, $base: String!, $head: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $base) {
      compare(headRef: $head) {
        commits(first: 100, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            oid
            messageHeadline
            author { user { login } date }
            parents { totalCount }
            associatedPullRequests(first: 5) {
              nodes {
                number title state baseRefName mergedAt author { login } assignees(first: 20) { nodes { login } }
              }
            }
          }
        }
      }
    }
  }
}";

pub(super) fn compare_variables(repo: &RepoSlug, base: &BranchName, head: &BranchName, after: Option<&str>) -> Value {
    json!({
        "owner": repo.owner(),
        "name": repo.name(),
        "base": format!("refs/heads/{base}"),
        "head": head.as_str(),
        "after": after,
    })
}

fn malformed(what: &str) -> CodeHostError {
    CodeHostError::Rejected(format!("GitHub's GraphQL answer had an unexpected shape ({what})"))
}

/// A login where GitHub may give none: a deleted account shows as `ghost`, as on github.com.
fn login_of(actor: &Value) -> Login {
    actor
        .get("login")
        .and_then(Value::as_str)
        .and_then(|login| Login::parse(login).ok())
        .unwrap_or_else(|| Login::parse("ghost").expect("a valid login"))
}

fn summary_of(node: &Value) -> Option<PullSummary> {
    let number = PrNumber::new(node.get("number")?.as_u64()?).ok()?;
    let assignees = node
        .pointer("/assignees/nodes")
        .and_then(Value::as_array)
        .map(|people| people.iter().map(login_of).collect())
        .unwrap_or_default();
    Some(PullSummary {
        number,
        title: node.get("title")?.as_str()?.to_owned(),
        author: login_of(node.get("author").unwrap_or(&Value::Null)),
        assignees,
        merged_at: node.get("mergedAt").and_then(Value::as_str).and_then(|at| at.parse().ok()),
    })
}

/// The pull request a commit was merged through: a merged one into the source branch, else any merged one.
/// An open pull request that merely contains the commit is not its source.
fn source_pull<'a>(candidates: &'a [Value], head: &BranchName) -> Option<&'a Value> {
    let merged = |pr: &&Value| pr.get("state").and_then(Value::as_str) == Some("MERGED");
    let into_head = |pr: &&Value| pr.get("baseRefName").and_then(Value::as_str) == Some(head.as_str());
    candidates.iter().filter(merged).find(into_head).or_else(|| candidates.iter().find(merged))
}

/// Adds one page of the comparison to `range`; answers the cursor of the next page, if any.
pub(super) fn read_compare_page(
    data: &Value,
    repo: &RepoSlug,
    base: &BranchName,
    head: &BranchName,
    range: &mut CommitRange,
    pulls: &mut HashMap<PrNumber, PullSummary>,
) -> Result<Option<String>, CodeHostError> {
    let base_ref = data.pointer("/repository/ref").filter(|v| !v.is_null());
    let base_ref = base_ref.ok_or_else(|| CodeHostError::NotFound(format!("branch {base} in {repo}")))?;
    let comparison = base_ref.get("compare").filter(|v| !v.is_null());
    let comparison = comparison.ok_or_else(|| CodeHostError::NotFound(format!("branch {head} in {repo}")))?;
    let commits = comparison.get("commits").ok_or_else(|| malformed("commits"))?;
    for node in commits.get("nodes").and_then(Value::as_array).ok_or_else(|| malformed("nodes"))? {
        let sha = node.get("oid").and_then(Value::as_str).ok_or_else(|| malformed("oid"))?;
        let sha = CommitSha::parse(sha).map_err(|_| malformed("oid"))?;
        let candidates = node.pointer("/associatedPullRequests/nodes").and_then(Value::as_array);
        if let Some(pull) = candidates.and_then(|c| source_pull(c, head)).and_then(summary_of) {
            range.associations.insert(sha.clone(), pull.number);
            pulls.entry(pull.number).or_insert(pull);
        }
        // The author's date (GitAuthor.date): when the commit was written, kept by a rebase or a squash.
        if let Some(written) = node.pointer("/author/date").and_then(Value::as_str).and_then(|at| at.parse().ok()) {
            range.authored.insert(sha.clone(), written);
        }
        range.commits.push(Commit {
            sha,
            headline: node.get("messageHeadline").and_then(Value::as_str).unwrap_or("").to_owned(),
            author: node.pointer("/author/user/login").and_then(Value::as_str).and_then(|l| Login::parse(l).ok()),
            parents: node.pointer("/parents/totalCount").and_then(Value::as_u64).unwrap_or(1).min(u8::MAX.into()) as u8,
        });
    }
    let more = commits.pointer("/pageInfo/hasNextPage").and_then(Value::as_bool).unwrap_or(false);
    let cursor = commits.pointer("/pageInfo/endCursor").and_then(Value::as_str).map(str::to_owned);
    Ok(if more { cursor } else { None })
}

/// One query for up to 100 pull requests, each under an alias; unknown numbers come back `null`.
pub(super) fn pulls_query(numbers: &[PrNumber]) -> String {
    let fields = "number title mergedAt author { login } assignees(first: 20) { nodes { login } }";
    let aliases: Vec<String> =
        numbers.iter().map(|n| format!("pr{0}: pullRequest(number: {0}) {{ {fields} }}", n.get())).collect();
    format!(
        "query($owner: String!, $name: String!) {{ repository(owner: $owner, name: $name) {{ {} }} }}",
        aliases.join(" ")
    )
}

pub(super) fn read_pulls(data: &Value) -> Vec<PullSummary> {
    let Some(repository) = data.get("repository").and_then(Value::as_object) else { return vec![] };
    repository.values().filter_map(summary_of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_pull_is_the_merged_one() {
        let head = BranchName::parse("master").unwrap();
        let candidates = vec![
            json!({ "number": 9, "state": "OPEN", "baseRefName": "master" }),
            json!({ "number": 7, "state": "MERGED", "baseRefName": "release" }),
            json!({ "number": 5, "state": "MERGED", "baseRefName": "master" }),
        ];
        assert_eq!(source_pull(&candidates, &head).unwrap()["number"], 5);
        assert_eq!(source_pull(&candidates[..2], &head).unwrap()["number"], 7);
        assert!(source_pull(&candidates[..1], &head).is_none());
    }

    #[test]
    fn pull_queries_alias_every_number() {
        let query = pulls_query(&[PrNumber::new(3).unwrap(), PrNumber::new(41).unwrap()]);
        assert!(query.contains("pr3: pullRequest(number: 3)"));
        assert!(query.contains("pr41: pullRequest(number: 41)"));
    }
}
