//! A tick in the dashboard while someone edits the deploy PR on GitHub: both edits survive.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::Utc;
use tengu_core::checklist_body::{read_checks, set_checked};
use tengu_core::domain::{Actor, BranchName, CommitSha, Login, PrNumber, RepoSlug};
use tengu_core::ports::{
    CodeHost, CodeHostError, CommitRange, CommitStatus, GithubDeploymentState, ManualClock, NewPullRequest,
    PullRequest, PullSummary, Store,
};

/// The simulated GitHub, with a person who read the body before tengu's write and saves their own tick right
/// after it, `races` times.
struct RacingEditor {
    inner: Arc<dyn CodeHost>,
    their_item: PrNumber,
    races: Arc<AtomicUsize>,
}

#[async_trait]
impl CodeHost for RacingEditor {
    async fn compare(&self, r: &RepoSlug, b: &BranchName, h: &BranchName) -> Result<CommitRange, CodeHostError> {
        self.inner.compare(r, b, h).await
    }
    async fn pull_summaries(&self, r: &RepoSlug, n: &[PrNumber]) -> Result<Vec<PullSummary>, CodeHostError> {
        self.inner.pull_summaries(r, n).await
    }
    async fn pull_request(&self, r: &RepoSlug, n: PrNumber) -> Result<PullRequest, CodeHostError> {
        self.inner.pull_request(r, n).await
    }
    async fn approving_reviewers(&self, r: &RepoSlug, n: PrNumber) -> Result<Vec<Login>, CodeHostError> {
        self.inner.approving_reviewers(r, n).await
    }
    async fn find_open_pull_request(
        &self,
        r: &RepoSlug,
        b: &BranchName,
        h: &BranchName,
    ) -> Result<Option<PullRequest>, CodeHostError> {
        self.inner.find_open_pull_request(r, b, h).await
    }
    async fn create_pull_request(&self, r: &RepoSlug, new: NewPullRequest) -> Result<PullRequest, CodeHostError> {
        self.inner.create_pull_request(r, new).await
    }
    async fn create_deployment(
        &self,
        r: &RepoSlug,
        s: &CommitSha,
        e: &str,
        d: &str,
        t: bool,
    ) -> Result<u64, CodeHostError> {
        self.inner.create_deployment(r, s, e, d, t).await
    }
    async fn create_deployment_status(
        &self,
        r: &RepoSlug,
        id: u64,
        state: GithubDeploymentState,
        url: &str,
        environment_url: Option<&str>,
    ) -> Result<(), CodeHostError> {
        self.inner.create_deployment_status(r, id, state, url, environment_url).await
    }
    async fn create_issue_comment(&self, r: &RepoSlug, n: PrNumber, body: &str) -> Result<u64, CodeHostError> {
        self.inner.create_issue_comment(r, n, body).await
    }

    async fn update_issue_comment(&self, r: &RepoSlug, id: u64, body: &str) -> Result<(), CodeHostError> {
        self.inner.update_issue_comment(r, id, body).await
    }
    async fn set_commit_status(&self, r: &RepoSlug, s: &CommitSha, st: &CommitStatus) -> Result<(), CodeHostError> {
        self.inner.set_commit_status(r, s, st).await
    }
    async fn update_pull_request_body(
        &self,
        r: &RepoSlug,
        n: PrNumber,
        body: &str,
    ) -> Result<PullRequest, CodeHostError> {
        let before = self.inner.pull_request(r, n).await?.body;
        let written = self.inner.update_pull_request_body(r, n, body).await?;
        if self.races.load(Ordering::SeqCst) > 0 {
            self.races.fetch_sub(1, Ordering::SeqCst);
            // Their save: the body as they loaded it (before ours), with their own box ticked.
            let theirs = set_checked(&before, self.their_item, true).unwrap();
            return self.inner.update_pull_request_body(r, n, &theirs).await;
        }
        Ok(written)
    }
}

/// A seeded sandbox whose GitHub races tengu's next `races` body writes (none while it seeds itself).
async fn racing_sandbox(races: usize) -> tengu_core::Tengu {
    let store: Arc<dyn Store> = Arc::new(support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc::now()));
    let their_item = PrNumber::new(129).unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let editor_races = counter.clone();
    let tengu = tengu_core::sandbox::start_with(store, clock, "http://127.0.0.1:3000", |github| {
        Arc::new(RacingEditor { inner: github, their_item, races: editor_races })
    })
    .await
    .unwrap();
    counter.store(races, Ordering::SeqCst);
    tengu
}

#[tokio::test]
async fn a_tick_racing_an_edit_on_github_keeps_both() {
    let tengu = racing_sandbox(1).await;
    let home = tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    let card = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap();
    let (mine, theirs) = (PrNumber::new(124).unwrap(), PrNumber::new(129).unwrap());
    let erin = Actor::Person(Login::parse("erin").unwrap());
    tengu.set_verification(&erin, &card.repo, card.number, mine, true).await.unwrap();

    let body = tengu.code_host().pull_request(&card.repo, card.number).await.unwrap().body;
    let checks = read_checks(&body);
    assert!(checks.contains(&(mine, true)), "my tick was re-applied on top of their edit");
    assert!(checks.contains(&(theirs, true)), "their tick, saved after mine, is kept");
}

#[tokio::test]
async fn a_body_that_never_settles_is_reported_not_silently_lost() {
    let tengu = racing_sandbox(100).await;
    let home = tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    let card = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap();
    let erin = Actor::Person(Login::parse("erin").unwrap());
    let result = tengu.set_verification(&erin, &card.repo, card.number, PrNumber::new(124).unwrap(), true).await;
    let message = result.unwrap_err().user_message();
    assert!(message.contains("keeps changing on GitHub"), "{message}");
    let pr = tengu.deploy_pr(&card.repo, card.number).await.unwrap();
    assert!(pr.item(PrNumber::new(124).unwrap()).unwrap().verified.is_none(), "nothing recorded that GitHub lacks");
}
