use std::collections::HashMap;

use async_trait::async_trait;
use http::Method;
use octocrab::Octocrab;
use serde_json::{Value, json};

use super::auth::Signer;
use super::transport::Transport;
use super::{GithubSettings, graphql, rest};
use tengu_core::domain::{BranchName, CommitPrefix, CommitSha, PrNumber, RepoSlug};
use tengu_core::ports::{
    CodeHost, CodeHostError, CommitRange, CommitStatus, GithubDeploymentState, NewPullRequest, PullRequest,
    PullSummary, Review, StatusState,
};

/// GitHub itself. See the module documentation for what each operation costs.
pub struct GithubCodeHost {
    pub(super) transport: Transport,
}

fn client(base: &str) -> Result<Octocrab, CodeHostError> {
    let invalid = |e: String| CodeHostError::Rejected(format!("the GitHub URL {base} is not valid: {e}"));
    Octocrab::builder()
        .base_uri(base)
        .map_err(|e| invalid(e.to_string()))?
        .set_connect_timeout(Some(std::time::Duration::from_secs(10)))
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .build()
        .map_err(|e| invalid(e.to_string()))
}

impl GithubCodeHost {
    pub fn new(settings: &GithubSettings) -> Result<Self, CodeHostError> {
        let graphql_url = settings.graphql_url();
        let graphql_path = graphql_url
            .parse::<http::Uri>()
            .map_err(|e| CodeHostError::Rejected(format!("the GitHub GraphQL URL {graphql_url} is not valid: {e}")))?
            .path()
            .to_owned();
        Ok(Self {
            transport: Transport {
                signer: Signer::new(&settings.credentials, &settings.api_url)?,
                rest: client(&settings.api_url)?,
                graphql: client(&graphql_url)?,
                graphql_path,
                retry: settings.retry,
            },
        })
    }
}

/// At most this many pages of 100 reviews are read (a deploy PR with more is not one people review).
const REVIEW_PAGES: u32 = 10;

fn pulls_path(repo: &RepoSlug) -> String {
    format!("/repos/{}/{}/pulls", repo.owner(), repo.name())
}

fn issue_path(repo: &RepoSlug, number: PrNumber, what: &str) -> String {
    format!("/repos/{}/{}/issues/{}/{what}", repo.owner(), repo.name(), number.get())
}

/// A branch name in a query string: `/` stays readable, everything unusual is escaped.
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[async_trait]
impl CodeHost for GithubCodeHost {
    async fn compare(
        &self,
        repo: &RepoSlug,
        base: &BranchName,
        head: &BranchName,
    ) -> Result<CommitRange, CodeHostError> {
        let mut range = CommitRange::default();
        let mut pulls = HashMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let variables = graphql::compare_variables(repo, base, head, cursor.as_deref());
            let data = self.transport.graphql(repo, graphql::COMPARE, variables).await?;
            cursor = graphql::read_compare_page(&data, repo, base, head, &mut range, &mut pulls)?;
            if cursor.is_none() {
                break;
            }
        }
        range.pulls = pulls.into_values().collect();
        range.pulls.sort_by_key(|p| p.number);
        Ok(range)
    }

    async fn pull_summaries(&self, repo: &RepoSlug, numbers: &[PrNumber]) -> Result<Vec<PullSummary>, CodeHostError> {
        let mut found = Vec::with_capacity(numbers.len());
        for chunk in numbers.chunks(graphql::PAGE) {
            let variables = json!({ "owner": repo.owner(), "name": repo.name() });
            let data = self.transport.graphql(repo, &graphql::pulls_query(chunk), variables).await?;
            found.extend(graphql::read_pulls(&data));
        }
        found.sort_by_key(|p| p.number);
        Ok(found)
    }

    async fn pull_request(&self, repo: &RepoSlug, number: PrNumber) -> Result<PullRequest, CodeHostError> {
        let path = format!("{}/{}", pulls_path(repo), number.get());
        let what = format!("pull request {number} in {repo}");
        rest::pull_request(&self.transport.rest(repo, Method::GET, &path, None, &what).await?)
    }

    async fn branch_head(&self, repo: &RepoSlug, branch: &BranchName) -> Result<CommitSha, CodeHostError> {
        let path = format!("/repos/{}/{}/git/ref/heads/{}", repo.owner(), repo.name(), branch.as_str());
        let what = format!("branch {branch} of {repo}");
        let reference = self.transport.rest(repo, Method::GET, &path, None, &what).await?;
        rest::ref_sha(&reference)
    }

    async fn resolve_commit(&self, repo: &RepoSlug, prefix: &CommitPrefix) -> Result<CommitSha, CodeHostError> {
        let path = format!("/repos/{}/{}/commits/{}", repo.owner(), repo.name(), prefix.as_str());
        let what = format!("commit {prefix} in {repo}");
        let commit = self.transport.rest(repo, Method::GET, &path, None, &what).await?;
        let sha = commit.get("sha").and_then(serde_json::Value::as_str).unwrap_or_default();
        CommitSha::parse(sha).map_err(|e| CodeHostError::Rejected(format!("GitHub's commit {prefix}: {e}")))
    }

    async fn approving_reviews(&self, repo: &RepoSlug, number: PrNumber) -> Result<Vec<Review>, CodeHostError> {
        let what = format!("the reviews of pull request {number} in {repo}");
        // Every page, oldest first: a later "changes requested" on page two undoes an approval on page one.
        let mut reviews = Vec::new();
        for page in 1..=REVIEW_PAGES {
            let path = format!("{}/{}/reviews?per_page=100&page={page}", pulls_path(repo), number.get());
            let listed = self.transport.rest(repo, Method::GET, &path, None, &what).await?;
            let listed = listed.as_array().cloned().unwrap_or_default();
            let last = listed.len() < 100;
            reviews.extend(listed);
            if last {
                break;
            }
        }
        Ok(rest::approving_reviews(&serde_json::Value::Array(reviews)))
    }

    async fn find_open_pull_request(
        &self,
        repo: &RepoSlug,
        base: &BranchName,
        head: &BranchName,
    ) -> Result<Option<PullRequest>, CodeHostError> {
        let path = format!(
            "{}?state=open&base={}&head={}:{}&per_page=1",
            pulls_path(repo),
            query_value(base.as_str()),
            query_value(repo.owner()),
            query_value(head.as_str())
        );
        let listed = self.transport.rest(repo, Method::GET, &path, None, &format!("repository {repo}")).await?;
        match listed.as_array().and_then(|list| list.first()) {
            Some(first) => Ok(Some(rest::pull_request(first)?)),
            None => Ok(None),
        }
    }

    async fn create_pull_request(&self, repo: &RepoSlug, new: NewPullRequest) -> Result<PullRequest, CodeHostError> {
        let body = json!({
            "title": new.title,
            "body": new.body,
            "base": new.base.as_str(),
            "head": new.head.as_str(),
            "draft": new.draft,
        });
        let what = format!("branch {} or {} in {repo}", new.base, new.head);
        let created = match self.transport.rest_once(repo, &pulls_path(repo), &body, &what).await {
            Ok(answer) => rest::pull_request(&answer)?,
            // An earlier attempt (or a person) opened it meanwhile: that one is the deploy PR.
            Err(CodeHostError::Rejected(reason)) if reason.contains("already exists") => {
                match self.find_open_pull_request(repo, &new.base, &new.head).await? {
                    Some(open) => open,
                    None => return Err(CodeHostError::Rejected(reason)),
                }
            }
            Err(other) => return Err(other),
        };
        // The deploy PR exists now; labels and assignees are a courtesy whose failure must not lose it.
        let on_it = format!("pull request {} in {repo}", created.number);
        if !new.labels.is_empty() {
            let labels = json!({ "labels": new.labels });
            let path = issue_path(repo, created.number, "labels");
            if let Err(error) = self.transport.rest(repo, Method::POST, &path, Some(&labels), &on_it).await {
                tracing::warn!(%error, %repo, number = %created.number, "the deploy PR's labels were not set");
            }
        }
        if !new.assignees.is_empty() {
            let logins: Vec<&str> = new.assignees.iter().map(|l| l.as_str()).collect();
            let path = issue_path(repo, created.number, "assignees");
            let assignees = json!({ "assignees": logins });
            if let Err(error) = self.transport.rest(repo, Method::POST, &path, Some(&assignees), &on_it).await {
                tracing::warn!(%error, %repo, number = %created.number, "the deploy PR's assignees were not set");
            }
        }
        Ok(created)
    }

    async fn create_issue_comment(&self, repo: &RepoSlug, number: PrNumber, body: &str) -> Result<u64, CodeHostError> {
        let path = issue_path(repo, number, "comments");
        let what = format!("pull request {number} in {repo}");
        let created = self.transport.rest_once(repo, &path, &json!({ "body": body }), &what).await?;
        created
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| CodeHostError::Rejected("GitHub's comment answer had no id".to_owned()))
    }

    async fn update_issue_comment(&self, repo: &RepoSlug, comment_id: u64, body: &str) -> Result<(), CodeHostError> {
        let path = format!("/repos/{}/{}/issues/comments/{comment_id}", repo.owner(), repo.name());
        let what = format!("comment {comment_id} in {repo}");
        let body = json!({ "body": body });
        self.transport.rest(repo, Method::PATCH, &path, Some(&body), &what).await.map(drop)
    }

    async fn set_commit_status(
        &self,
        repo: &RepoSlug,
        sha: &CommitSha,
        status: &CommitStatus,
    ) -> Result<(), CodeHostError> {
        let state = match status.state {
            StatusState::Pending => "pending",
            StatusState::Success => "success",
            StatusState::Failure => "failure",
        };
        let mut body = json!({
            "state": state,
            "context": status.context,
            "description": rest::status_description(&status.description),
        });
        if let Some(url) = &status.target_url {
            body["target_url"] = Value::String(url.clone());
        }
        let path = format!("/repos/{}/{}/statuses/{sha}", repo.owner(), repo.name());
        let what = format!("commit {} in {repo}", sha.short());
        self.transport.rest(repo, Method::POST, &path, Some(&body), &what).await.map(drop)
    }

    async fn create_deployment(
        &self,
        repo: &RepoSlug,
        sha: &CommitSha,
        environment: &str,
        description: &str,
        transient: bool,
    ) -> Result<u64, CodeHostError> {
        let body = json!({
            // A review environment goes away with its pull request; GitHub shows it as such.
            "transient_environment": transient,
            "ref": sha.as_str(),
            "environment": environment,
            "description": description,
            // tengu decides what ships; GitHub must neither merge the default branch in nor wait for checks.
            "auto_merge": false,
            "required_contexts": [],
            "production_environment": !transient && environment == "production",
        });
        let path = format!("/repos/{}/{}/deployments", repo.owner(), repo.name());
        let what = format!("commit {} in {repo}", sha.short());
        let created = self.transport.rest_once(repo, &path, &body, &what).await?;
        created
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| CodeHostError::Rejected("GitHub's deployment answer had no id".to_owned()))
    }

    async fn create_deployment_status(
        &self,
        repo: &RepoSlug,
        deployment: u64,
        state: GithubDeploymentState,
        log_url: &str,
        environment_url: Option<&str>,
    ) -> Result<(), CodeHostError> {
        // auto_inactive: GitHub marks the environment's earlier deployments inactive when this one succeeds.
        let mut body = json!({ "state": state.as_str(), "log_url": log_url, "auto_inactive": true });
        if let Some(url) = environment_url {
            body["environment_url"] = json!(url);
        }
        let path = format!("/repos/{}/{}/deployments/{deployment}/statuses", repo.owner(), repo.name());
        let what = format!("deployment {deployment} in {repo}");
        self.transport.rest(repo, Method::POST, &path, Some(&body), &what).await.map(drop)
    }

    async fn update_pull_request_body(
        &self,
        repo: &RepoSlug,
        number: PrNumber,
        body: &str,
    ) -> Result<PullRequest, CodeHostError> {
        let path = format!("{}/{}", pulls_path(repo), number.get());
        let what = format!("pull request {number} in {repo}");
        rest::pull_request(
            &self.transport.rest(repo, Method::PATCH, &path, Some(&json!({ "body": body })), &what).await?,
        )
    }
}
