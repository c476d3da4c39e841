use crate::checklist_body;
use crate::domain::{Actor, Login, PrNumber, RepoSlug};
use crate::error::CoreError;
use crate::ports::{Action, FeaturePrChange};
use crate::tengu::Tengu;
use crate::webhooks::{GithubEvent, PrAction, PullRequestEvent};

impl Tengu {
    /// Sandbox only: someone ticks or unticks a box in the deploy PR body on (simulated) GitHub. The edit is made
    /// on the simulated GitHub and then reaches tengu exactly as GitHub's `pull_request.edited` webhook would.
    pub async fn simulate_github_edit(
        &self,
        actor: &Actor,
        person: &Login,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        verified: bool,
    ) -> Result<String, CoreError> {
        if !self.settings.sandbox {
            return Err(CoreError::Refused("edits on GitHub are simulated only in the sandbox".to_owned()));
        }
        self.authorize(actor, &Action::SimulateGithub { repo }).await?;
        let host = &self.ports.code_host;
        let before = host.pull_request(repo, deploy_pr).await?;
        let body = checklist_body::set_checked(&before.body, item, verified)?;
        let after = host.update_pull_request_body(repo, deploy_pr, &body).await?;
        let event = PullRequestEvent {
            action: PrAction::Edited,
            repo: repo.clone(),
            number: deploy_pr,
            title: after.title,
            body: after.body,
            previous_body: Some(before.body),
            author: after.author,
            base: after.base,
            head: after.head,
            head_repo: Some(repo.clone()),
            head_sha: None,
            labels: Vec::new(),
            label: None,
            open: true,
            merge_sha: None,
            merged_at: None,
            sender: person.clone(),
        };
        self.handle_github_event(&GithubEvent::PullRequest(Box::new(event))).await
    }
}

impl Tengu {
    /// The deploy PR's body as GitHub holds it now (the sandbox shows it beside its simulated edits).
    /// Only tengu's own deploy PRs, and only the sandbox's simulated GitHub: elsewhere GitHub shows the body itself.
    pub async fn deploy_pr_body_on_github(
        &self,
        viewer: &crate::domain::Viewer,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
    ) -> Result<String, CoreError> {
        if !self.settings.sandbox {
            return Err(CoreError::Refused(
                "the body is read from GitHub only in the sandbox; open it on GitHub".into(),
            ));
        }
        self.visible_deploy_pr(viewer, repo, deploy_pr).await?;
        Ok(self.ports.code_host.pull_request(repo, deploy_pr).await?.body)
    }
}

impl Tengu {
    /// The sandbox only: a visitor opens, pushes to or closes a pull request on the simulated GitHub, and tengu
    /// hears of it as the webhook GitHub would send (opened, synchronize, closed).
    pub async fn simulate_feature_pr(&self, person: &Login, change: FeaturePrChange) -> Result<String, CoreError> {
        if !self.settings.sandbox {
            return Err(CoreError::Refused("pull requests are simulated only in the sandbox".to_owned()));
        }
        let repo = self
            .settings
            .review
            .first()
            .map(|r| r.repo.clone())
            .ok_or_else(|| CoreError::Refused("the sandbox has no review environments".to_owned()))?;
        self.authorize(&Actor::Person(person.clone()), &Action::SimulateGithub { repo: &repo }).await?;
        let action = match &change {
            FeaturePrChange::Open { .. } => PrAction::Opened,
            FeaturePrChange::Push(_) => PrAction::Synchronize,
            FeaturePrChange::Close(_) => PrAction::Closed { merged: false },
        };
        let pr = self.ports.code_host.simulate_feature_pr(&repo, &change).await?;
        let event = PullRequestEvent {
            action,
            repo: repo.clone(),
            number: pr.number,
            title: pr.title,
            body: pr.body,
            previous_body: None,
            author: pr.author,
            base: pr.base,
            head: pr.head,
            head_repo: Some(repo),
            open: pr.state == crate::domain::PrState::Open,
            head_sha: Some(pr.head_sha),
            labels: Vec::new(),
            label: None,
            merge_sha: None,
            merged_at: None,
            sender: person.clone(),
        };
        self.handle_github_event(&GithubEvent::PullRequest(Box::new(event))).await
    }
}
