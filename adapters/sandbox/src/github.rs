use std::collections::HashMap;

use async_trait::async_trait;

use super::Sandbox;
use super::world::World;
use tengu_core::domain::{BranchName, CommitPrefix, CommitSha, PrNumber, PrState, RepoSlug};
use tengu_core::ports::{
    CodeHost, CodeHostError, CommitRange, CommitStatus, GithubDeploymentState, NewPullRequest, PullRequest,
    PullSummary, Review,
};

use super::world::{PullOptions, SimGithubDeployment};

pub(super) fn store_failed(e: tengu_core::ports::StoreError) -> CodeHostError {
    CodeHostError::Unavailable(format!("the sandbox could not save its state: {e}"))
}

pub(super) fn check_repo(world: &World, repo: &RepoSlug) -> Result<(), CodeHostError> {
    if &world.repo == repo { Ok(()) } else { Err(CodeHostError::NotFound(format!("repository {repo}"))) }
}

fn branch_len(world: &World, branch: &BranchName) -> Result<usize, CodeHostError> {
    world.branches.get(branch.as_str()).copied().ok_or_else(|| CodeHostError::NotFound(format!("branch {branch}")))
}

/// The commit a branch points at.
fn tip(world: &World, branch: &BranchName) -> Result<CommitSha, CodeHostError> {
    let len = branch_len(world, branch)?;
    let commit = len.checked_sub(1).and_then(|i| world.history.get(i));
    commit.map(|c| c.commit.sha.clone()).ok_or_else(|| CodeHostError::NotFound(format!("a commit on {branch}")))
}

fn summary(pull: &PullRequest) -> PullSummary {
    // The simulated GitHub keeps no merge times: a deploy PR it makes lists its changes without them.
    PullSummary {
        number: pull.number,
        title: pull.title.clone(),
        author: pull.author.clone(),
        assignees: vec![],
        merged_at: None,
    }
}

fn pull<'w>(world: &'w World, number: PrNumber) -> Result<&'w PullRequest, CodeHostError> {
    world.pulls.get(&number.get()).ok_or_else(|| CodeHostError::NotFound(format!("pull request {number}")))
}

#[async_trait]
impl CodeHost for Sandbox {
    async fn compare(
        &self,
        repo: &RepoSlug,
        base: &BranchName,
        head: &BranchName,
    ) -> Result<CommitRange, CodeHostError> {
        self.read(|world| {
            check_repo(world, repo)?;
            let (from, to) = (branch_len(world, base)?, branch_len(world, head)?);
            let range = world.history.get(from..to).unwrap_or_default();
            let associations: HashMap<CommitSha, PrNumber> =
                range.iter().filter_map(|c| c.pr.map(|pr| (c.commit.sha.clone(), pr))).collect();
            let mut numbers: Vec<PrNumber> = associations.values().copied().collect();
            numbers.sort();
            numbers.dedup();
            Ok(CommitRange {
                commits: range.iter().map(|c| c.commit.clone()).collect(),
                pulls: numbers.iter().filter_map(|n| world.pulls.get(&n.get())).map(summary).collect(),
                associations,
                authored: HashMap::new(),
            })
        })
        .await
    }

    async fn pull_summaries(&self, repo: &RepoSlug, numbers: &[PrNumber]) -> Result<Vec<PullSummary>, CodeHostError> {
        self.read(|world| {
            check_repo(world, repo)?;
            Ok(numbers.iter().filter_map(|n| world.pulls.get(&n.get())).map(summary).collect())
        })
        .await
    }

    async fn pull_request(&self, repo: &RepoSlug, number: PrNumber) -> Result<PullRequest, CodeHostError> {
        self.read(|world| {
            check_repo(world, repo)?;
            pull(world, number).cloned()
        })
        .await
    }

    /// The simulated GitHub has no reviews: a merge deploy there always waits for an approval in the dashboard.
    async fn approving_reviews(&self, repo: &RepoSlug, _number: PrNumber) -> Result<Vec<Review>, CodeHostError> {
        self.read(|world| check_repo(world, repo)).await?;
        Ok(Vec::new())
    }

    async fn find_open_pull_request(
        &self,
        repo: &RepoSlug,
        base: &BranchName,
        head: &BranchName,
    ) -> Result<Option<PullRequest>, CodeHostError> {
        self.read(|world| {
            check_repo(world, repo)?;
            Ok(world.pulls.values().find(|p| p.state == PrState::Open && &p.base == base && &p.head == head).cloned())
        })
        .await
    }

    async fn create_pull_request(&self, repo: &RepoSlug, new: NewPullRequest) -> Result<PullRequest, CodeHostError> {
        self.mutate(|world| {
            check_repo(world, repo)?;
            branch_len(world, &new.base)?;
            let head_sha = tip(world, &new.head)?;
            let number = PrNumber::new(world.next_number).expect("sandbox numbers start at 1");
            world.next_number += 1;
            let pull = PullRequest {
                number,
                title: new.title.clone(),
                body: new.body.clone(),
                author: tengu_core::domain::Login::parse("tengu-sandbox[bot]").expect("a valid bot login"),
                base: new.base.clone(),
                head: new.head.clone(),
                state: PrState::Open,
                url: format!("https://github.com/{repo}/pull/{}", number.get()),
                head_sha,
            };
            world.pulls.insert(number.get(), pull.clone());
            let options =
                PullOptions { draft: new.draft, labels: new.labels.clone(), assignees: new.assignees.clone() };
            world.pull_options.insert(number.get(), options);
            Ok(pull)
        })
        .await
        .map_err(store_failed)?
    }

    async fn create_issue_comment(&self, repo: &RepoSlug, number: PrNumber, body: &str) -> Result<u64, CodeHostError> {
        self.mutate(|world| {
            check_repo(world, repo)?;
            pull(world, number)?;
            let comments = world.comments.entry(number.get()).or_default();
            comments.push(body.to_owned());
            Ok(comment_id(number.get(), comments.len() - 1))
        })
        .await
        .map_err(store_failed)?
    }

    async fn update_issue_comment(&self, repo: &RepoSlug, comment_id: u64, body: &str) -> Result<(), CodeHostError> {
        let (number, index) = (comment_id >> 20, (comment_id & 0xf_ffff) as usize);
        self.mutate(|world| {
            check_repo(world, repo)?;
            let comment = world.comments.get_mut(&number).and_then(|comments| comments.get_mut(index));
            let comment = comment.ok_or_else(|| CodeHostError::NotFound(format!("comment {comment_id}")))?;
            *comment = body.to_owned();
            Ok(())
        })
        .await
        .map_err(store_failed)?
    }

    async fn set_commit_status(
        &self,
        repo: &RepoSlug,
        sha: &CommitSha,
        status: &CommitStatus,
    ) -> Result<(), CodeHostError> {
        self.mutate(|world| {
            check_repo(world, repo)?;
            let statuses = world.statuses.entry(sha.to_string()).or_default();
            statuses.retain(|s| s.context != status.context);
            statuses.push(status.clone());
            Ok(())
        })
        .await
        .map_err(store_failed)?
    }

    async fn update_pull_request_body(
        &self,
        repo: &RepoSlug,
        number: PrNumber,
        body: &str,
    ) -> Result<PullRequest, CodeHostError> {
        self.mutate(|world| {
            check_repo(world, repo)?;
            let head_sha = tip(world, &pull(world, number)?.head)?;
            let edited = world.pulls.get_mut(&number.get()).expect("found just above");
            edited.body = body.to_owned();
            edited.head_sha = head_sha;
            Ok(edited.clone())
        })
        .await
        .map_err(store_failed)?
    }

    async fn create_deployment(
        &self,
        repo: &RepoSlug,
        sha: &CommitSha,
        environment: &str,
        _description: &str,
        _transient: bool,
    ) -> Result<u64, CodeHostError> {
        self.mutate(|world| {
            check_repo(world, repo)?;
            let id = world.github_deployments.len() as u64 + 1;
            world.github_deployments.push(SimGithubDeployment {
                id,
                sha: sha.to_string(),
                environment: environment.to_owned(),
                statuses: Vec::new(),
            });
            Ok(id)
        })
        .await
        .map_err(store_failed)?
    }

    async fn create_deployment_status(
        &self,
        repo: &RepoSlug,
        deployment: u64,
        state: GithubDeploymentState,
        _log_url: &str,
        _environment_url: Option<&str>,
    ) -> Result<(), CodeHostError> {
        self.mutate(|world| {
            check_repo(world, repo)?;
            let found = world.github_deployments.iter_mut().find(|d| d.id == deployment);
            let found = found.ok_or_else(|| CodeHostError::NotFound(format!("deployment {deployment}")))?;
            found.statuses.push(state.as_str().to_owned());
            Ok(())
        })
        .await
        .map_err(store_failed)?
    }

    async fn branch_head(&self, repo: &RepoSlug, branch: &BranchName) -> Result<CommitSha, CodeHostError> {
        self.read(|world| {
            check_repo(world, repo)?;
            match world.merge_heads.get(branch.as_str()) {
                Some((merge, _)) => Ok(merge.clone()),
                None => tip(world, branch),
            }
        })
        .await
    }

    async fn resolve_commit(&self, repo: &RepoSlug, prefix: &CommitPrefix) -> Result<CommitSha, CodeHostError> {
        self.read(|world| {
            check_repo(world, repo)?;
            let mut found =
                world.history.iter().map(|c| &c.commit.sha).chain(world.merge_heads.values().map(|(m, _)| m));
            let first = found.find(|sha| sha.as_str().starts_with(prefix.as_str())).cloned();
            let again = found.any(|sha| sha.as_str().starts_with(prefix.as_str()) && Some(sha) != first.as_ref());
            match (first, again) {
                (Some(sha), false) => Ok(sha),
                _ => Err(CodeHostError::NotFound(format!("one commit starting with {prefix} in {repo}"))),
            }
        })
        .await
    }
}

/// The simulated GitHub numbers a comment by its pull request and place, so it can be found to edit.
fn comment_id(number: u64, index: usize) -> u64 {
    (number << 20) | index as u64
}

pub(super) fn missing_pull(number: PrNumber) -> CodeHostError {
    CodeHostError::NotFound(format!("pull request {number}"))
}

/// A commit SHA for a simulated push: 40 hex characters that differ per pull request and push.
pub(super) fn simulated_sha(number: u64, push: u64) -> CommitSha {
    let mix = |seed: u64| seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17) ^ 0x5bd1_e995;
    let text = format!("{:016x}{:016x}{:08x}", mix(number), mix(push + 1), (number << 8 | push) as u32);
    CommitSha::parse(text).expect("40 hexadecimal characters")
}
