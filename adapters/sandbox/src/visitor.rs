//! What a visitor does on the simulated GitHub, as a person with write access does on GitHub: tick a box in a deploy
//! PR's body, open, push to or close a pull request. Each change is made in the simulated world first, and then
//! told to tengu as the webhook delivery GitHub would send (`deliveries`), which the server signs and posts to
//! `/webhooks/github`: the same door, the same durable delivery and ordering as GitHub's.

use std::sync::Arc;

use super::Sandbox;
use super::deliveries::{self, Delivery, PullRequestAction};
use super::github::{missing_pull, simulated_sha, store_failed};
use tengu_core::domain::{BranchName, CommitSha, Login, Permission, PrNumber, PrState, RepoSlug};
use tengu_core::ports::{CodeHost, CodeHostError, PullRequest};

/// What a visitor does to a feature pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeaturePrChange {
    Open { title: String, author: Login },
    Push(PrNumber),
    Close(PrNumber),
}

/// Merge commits are numbered apart from pushes, so their SHAs never meet.
const MERGE_COMMITS: u64 = 1 << 20;
/// Commits pushed straight onto a branch are numbered as if by a pull request of their own.
const DIRECT_PUSHES: u64 = 1 << 30;

/// The simulated GitHub, as a visitor acts on it.
#[derive(Clone)]
pub struct SimulatedGithub(pub(crate) Arc<Sandbox>);

impl SimulatedGithub {
    /// Only someone who may write to the repository changes it, on GitHub as here.
    pub fn may_act(visitor: &Login) -> Result<(), CodeHostError> {
        if super::seed::permission_of(visitor) >= Permission::Write {
            return Ok(());
        }
        Err(CodeHostError::Rejected(format!(
            "{visitor} may only read the sandbox's repository on its GitHub; sign in as someone who may write to it"
        )))
    }

    /// `person` ticks (or unticks) `item` in the deploy PR's body on GitHub.
    pub async fn tick(
        &self,
        person: &Login,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        verified: bool,
    ) -> Result<Delivery, CodeHostError> {
        let before = self.0.pull_request(repo, deploy_pr).await?;
        let body = tengu_core::checklist_body::set_checked(&before.body, item, verified)
            .map_err(|e| CodeHostError::Rejected(e.to_string()))?;
        let after = self.0.update_pull_request_body(repo, deploy_pr, &body).await?;
        let edited = PullRequestAction::Edited { body_before: before.body };
        Ok(deliveries::pull_request(repo, &after, &edited, person))
    }

    /// `person` opens, pushes to or closes a feature pull request of the sandbox's repository.
    pub async fn change_feature_pr(
        &self,
        person: &Login,
        change: &FeaturePrChange,
    ) -> Result<(PullRequest, Delivery), CodeHostError> {
        let pull = self.0.change_feature_pr(change).await?;
        let action = match change {
            FeaturePrChange::Open { .. } => PullRequestAction::Opened,
            FeaturePrChange::Push(_) => PullRequestAction::Synchronize,
            FeaturePrChange::Close(_) => PullRequestAction::Closed,
        };
        let repo = self.0.read(|world| world.repo.clone()).await;
        let delivery = deliveries::pull_request(&repo, &pull, &action, person);
        Ok((pull, delivery))
    }

    /// `person` edits a pull request's body by hand (anything: a checklist, a sentence, a broken block).
    pub async fn edit_body(
        &self,
        person: &Login,
        repo: &RepoSlug,
        number: PrNumber,
        body: &str,
    ) -> Result<Delivery, CodeHostError> {
        let before = self.0.pull_request(repo, number).await?;
        let after = self.0.update_pull_request_body(repo, number, body).await?;
        let edited = PullRequestAction::Edited { body_before: before.body };
        Ok(deliveries::pull_request(repo, &after, &edited, person))
    }

    /// `person` merges an open pull request: its base branch moves to a new merge commit, as on GitHub.
    pub async fn merge(
        &self,
        person: &Login,
        repo: &RepoSlug,
        number: PrNumber,
    ) -> Result<(CommitSha, Delivery), CodeHostError> {
        let at = self.0.clock.now();
        let (pull, sha) = self
            .0
            .mutate(|world| {
                super::github::check_repo(world, repo)?;
                let merges = world.merge_heads.len() as u64;
                let pull = world.pulls.get_mut(&number.get()).ok_or_else(|| missing_pull(number))?;
                if pull.state != PrState::Open {
                    return Err(CodeHostError::Rejected(format!("pull request {number} is not open")));
                }
                pull.state = PrState::Merged;
                let sha = simulated_sha(number.get(), MERGE_COMMITS + merges);
                let pull = pull.clone();
                world.merge_heads.insert(pull.base.to_string(), (sha.clone(), at));
                Ok((pull, sha))
            })
            .await
            .map_err(store_failed)??;
        let merged = PullRequestAction::Merged { sha: sha.clone(), at };
        Ok((sha.clone(), deliveries::pull_request(repo, &pull, &merged, person)))
    }

    /// `person` pushes a new commit to `branch` (a hotfix straight onto a deploy branch, say).
    pub async fn push(
        &self,
        person: &Login,
        repo: &RepoSlug,
        branch: &BranchName,
    ) -> Result<(CommitSha, Delivery), CodeHostError> {
        let at = self.0.clock.now();
        let sha = self
            .0
            .mutate(|world| {
                super::github::check_repo(world, repo)?;
                let sha = simulated_sha(DIRECT_PUSHES, world.merge_heads.len() as u64 + 1);
                world.merge_heads.insert(branch.to_string(), (sha.clone(), at));
                Ok(sha)
            })
            .await
            .map_err(store_failed)??;
        Ok((sha.clone(), deliveries::push(repo, branch, &sha, person)))
    }

    /// A pull request's body as the simulated GitHub holds it.
    pub async fn body(&self, repo: &RepoSlug, number: PrNumber) -> Result<String, CodeHostError> {
        Ok(self.0.pull_request(repo, number).await?.body)
    }
}

impl Sandbox {
    pub async fn change_feature_pr(&self, change: &FeaturePrChange) -> Result<PullRequest, CodeHostError> {
        self.mutate(|world| {
            let repo = world.repo.clone();
            let pull = match change {
                FeaturePrChange::Open { title, author } => {
                    let number = PrNumber::new(world.next_number).expect("sandbox numbers start at 1");
                    world.next_number += 1;
                    let head = tengu_core::domain::BranchName::parse(format!("feature/sandbox-{}", number.get()))
                        .expect("a valid branch name");
                    let pull = PullRequest {
                        number,
                        title: title.clone(),
                        body: String::new(),
                        author: author.clone(),
                        base: tengu_core::domain::BranchName::parse("master").expect("a valid branch name"),
                        head,
                        state: PrState::Open,
                        url: format!("https://github.com/{repo}/pull/{}", number.get()),
                        head_sha: simulated_sha(number.get(), 0),
                    };
                    world.pulls.insert(number.get(), pull.clone());
                    pull
                }
                FeaturePrChange::Push(number) => {
                    let pull = world.pulls.get_mut(&number.get()).ok_or_else(|| missing_pull(*number))?;
                    let pushes = world.pushes.entry(number.get()).or_default();
                    *pushes += 1;
                    pull.head_sha = simulated_sha(number.get(), *pushes);
                    pull.clone()
                }
                FeaturePrChange::Close(number) => {
                    let pull = world.pulls.get_mut(&number.get()).ok_or_else(|| missing_pull(*number))?;
                    pull.state = PrState::Closed;
                    pull.clone()
                }
            };
            Ok(pull)
        })
        .await
        .map_err(store_failed)?
    }
}
