//! Races on a deploy PR: a tick in the dashboard while someone edits the body on GitHub (both edits survive), a
//! refresh while someone withdraws a tick (the withdrawal holds), a merge while someone ticks (the two agree), a
//! hand edit that ticks put back on the body before it wrote over (the edit comes back).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::Utc;
use tengu_core::checklist_body::{read_checks, set_checked};
use tengu_core::domain::{Actor, BranchName, CommitSha, Login, PrNumber, RepoSlug};
use tengu_core::ports::{
    CodeHost, CodeHostError, CommitRange, CommitStatus, GithubDeploymentState, ManualClock, NewPullRequest,
    PullRequest, PullSummary, Review, Store,
};

/// The simulated GitHub, with a person who read the body before tengu's write and saves their own tick right
/// after it, `races` times.
struct RacingEditor {
    inner: Arc<dyn CodeHost>,
    their_item: PrNumber,
    races: Arc<AtomicUsize>,
    /// Something someone else does just before tengu's next body write reaches GitHub, once.
    meanwhile: Meanwhile,
}

type Meanwhile = Arc<std::sync::Mutex<Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>>>;

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
    async fn branch_head(&self, r: &RepoSlug, b: &BranchName) -> Result<CommitSha, CodeHostError> {
        self.inner.branch_head(r, b).await
    }
    async fn resolve_commit(
        &self,
        r: &RepoSlug,
        prefix: &tengu_core::domain::CommitPrefix,
    ) -> Result<CommitSha, CodeHostError> {
        self.inner.resolve_commit(r, prefix).await
    }
    async fn approving_reviews(&self, r: &RepoSlug, n: PrNumber) -> Result<Vec<Review>, CodeHostError> {
        self.inner.approving_reviews(r, n).await
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
        let meanwhile = self.meanwhile.lock().unwrap().take();
        if let Some(meanwhile) = meanwhile {
            meanwhile.await;
        }
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
    racing_sandbox_with(races).await.0
}

async fn racing_sandbox_with(races: usize) -> (tengu_core::Tengu, Meanwhile) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc::now()));
    let their_item = PrNumber::new(129).unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let editor_races = counter.clone();
    let meanwhile = Meanwhile::default();
    let hook = meanwhile.clone();
    let tengu = tengu_sandbox::start_with(
        store,
        clock,
        "http://127.0.0.1:3000",
        |github| Arc::new(RacingEditor { inner: github, their_item, races: editor_races, meanwhile: hook }),
        |_| {},
    )
    .await
    .unwrap();
    counter.store(races, Ordering::SeqCst);
    (tengu, meanwhile)
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

async fn production_pr(tengu: &tengu_core::Tengu) -> tengu_core::domain::DeployPr {
    let home = tengu.home(&tengu_core::domain::Viewer::trusted(Actor::System)).await.unwrap();
    let card = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap();
    tengu.deploy_pr(&card.repo, card.number).await.unwrap()
}

#[tokio::test]
async fn a_refresh_never_brings_back_a_tick_withdrawn_while_it_ran() {
    let (tengu, meanwhile) = racing_sandbox_with(0).await;
    let pr = production_pr(&tengu).await;
    let franks = PrNumber::new(123).unwrap();
    assert!(pr.item(franks).unwrap().verified.is_some(), "the seed has #123 ticked");
    // Someone retitled #123 on GitHub, so the refresh has a body to write; while it writes, frank withdraws
    // his tick in the dashboard (between the refresh's read of tengu's records and its save).
    let body = tengu.code_host().pull_request(&pr.repo, pr.number).await.unwrap().body;
    let title = &pr.item(franks).unwrap().source.title;
    tengu
        .code_host()
        .update_pull_request_body(&pr.repo, pr.number, &body.replace(title.as_str(), "old title"))
        .await
        .unwrap();
    let frank = Actor::Person(Login::parse("frank").unwrap());
    let (racer, repo, number) = (tengu.clone(), pr.repo.clone(), pr.number);
    *meanwhile.lock().unwrap() = Some(Box::pin(async move {
        racer.set_verification(&frank, &repo, number, franks, false).await.unwrap();
    }));

    let refreshed = tengu.open_or_refresh_deploy_pr(&Actor::System, &pr.env).await.unwrap();
    assert!(meanwhile.lock().unwrap().is_none(), "the withdrawal ran during the refresh");
    assert!(refreshed.item(franks).unwrap().verified.is_none(), "the refresh read again and kept the withdrawal");
    let stored = tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert!(stored.item(franks).unwrap().verified.is_none());
    assert_eq!(stored.verified_count(), pr.verified_count() - 1);
    let on_github = tengu.code_host().pull_request(&pr.repo, pr.number).await.unwrap().body;
    assert!(read_checks(&on_github).contains(&(franks, false)), "GitHub shows it unticked too");
    assert!(on_github.contains(title.as_str()), "and the refresh's own change landed");
}

#[tokio::test]
async fn a_tick_that_lands_after_the_merge_is_refused_and_the_merge_judged_without_it() {
    let (tengu, meanwhile) = racing_sandbox_with(0).await;
    let pr = production_pr(&tengu).await;
    let ericas = PrNumber::new(124).unwrap();
    // erin ticks #124; while her tick is on its way to GitHub, bob merges the deploy PR.
    let merge = serde_json::json!({
        "action": "closed",
        "number": pr.number.get(),
        "pull_request": {
            "title": pr.title, "body": "", "user": {"login": "bob"}, "state": "closed", "merged": true,
            "merge_commit_sha": "89abcdef0123456789abcdef0123456789abcdef",
            "base": {"ref": pr.base.as_str()}, "head": {"ref": pr.head.as_str()}
        },
        "repository": {"full_name": pr.repo.to_string()},
        "sender": {"login": "bob"}
    });
    let event = tengu_core::webhooks::parse_event("pull_request", &merge.to_string()).unwrap();
    let (racer, outcome) = (tengu.clone(), Arc::new(std::sync::Mutex::new(String::new())));
    let said = outcome.clone();
    *meanwhile.lock().unwrap() = Some(Box::pin(async move {
        *said.lock().unwrap() = racer.handle_github_event(&event).await.unwrap();
    }));
    let erin = Actor::Person(Login::parse("erin").unwrap());
    let refused = tengu.set_verification(&erin, &pr.repo, pr.number, ericas, true).await.unwrap_err();
    assert!(refused.user_message().contains("is merged; its checklist is closed"), "{}", refused.user_message());
    let outcome = outcome.lock().unwrap().clone();
    assert!(outcome.contains("not deployed: merged with"), "judged without the tick: {outcome}");
    let stored = tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert_eq!(stored.state, tengu_core::domain::PrState::Merged);
    assert!(stored.item(ericas).unwrap().verified.is_none(), "the late tick is not recorded");
    assert_eq!(stored.verified_count(), pr.verified_count());
}

#[tokio::test]
async fn a_hand_edit_overwritten_by_ticks_put_back_on_the_body_before_it_comes_back() {
    use tengu_core::webhooks::{GithubEvent, PrAction, PullRequestEvent};
    let tengu = racing_sandbox(0).await;
    let pr = production_pr(&tengu).await;
    let host = tengu.code_host().clone();
    let before = host.pull_request(&pr.repo, pr.number).await.unwrap().body;
    let (item, ticked) = read_checks(&before)[0];
    // Someone adds a line on GitHub; meanwhile a write putting a tick back on the body before it lands over it.
    let edited = format!("{before}\n\nnote: looked at it on staging");
    host.update_pull_request_body(&pr.repo, pr.number, &set_checked(&before, item, !ticked).unwrap()).await.unwrap();
    let event = PullRequestEvent {
        action: PrAction::Edited,
        repo: pr.repo.clone(),
        number: pr.number,
        title: pr.title.clone(),
        body: edited.clone(),
        previous_body: Some(before.clone()),
        author: Login::parse("alice").unwrap(),
        base: pr.base.clone(),
        head: pr.head.clone(),
        label: None,
        open: true,
        head_sha: None,
        labels: Vec::new(),
        head_repo: None,
        merge_sha: None,
        merged_at: None,
        sender: Login::parse("bob").unwrap(),
    };
    let said = tengu.handle_github_event(&GithubEvent::PullRequest(Box::new(event))).await.unwrap();
    let shown = host.pull_request(&pr.repo, pr.number).await.unwrap().body;
    assert!(shown.contains("note: looked at it on staging"), "{said}: {shown}");
    assert_eq!(read_checks(&shown), read_checks(&before), "the ticks as recorded: {said}");
}
