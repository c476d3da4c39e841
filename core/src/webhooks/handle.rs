use std::collections::HashMap;

use super::event::{GithubEvent, PrAction, PullRequestEvent, parse_event};
use crate::checklist_body;
use crate::domain::{
    Actor, AuditAction, AuditEntry, BranchName, DeployPr, EnvName, Gate, PrState, RepoSlug, Trigger, Verification,
};
use crate::error::CoreError;
use crate::ports::{Action, StoredDelivery};
use crate::tengu::Tengu;
use crate::usecases::{DeployRequest, DeployTarget};

impl Tengu {
    /// Stores a delivery before it is acknowledged. `None` when GitHub sent this delivery before (a retry or a
    /// redelivery): it is acknowledged again but handled only once.
    pub async fn accept_delivery(
        &self,
        delivery_id: &str,
        event: &str,
        payload: String,
    ) -> Result<Option<StoredDelivery>, CoreError> {
        // An event tengu does not act on is recorded (so a redelivery is known) without its payload, finished.
        let used = super::is_used(event);
        let delivery = StoredDelivery {
            delivery_id: delivery_id.to_owned(),
            event: event.to_owned(),
            payload: if used { payload } else { String::new() },
            received_at: self.ports.clock.now(),
        };
        let new = self.ports.store.record_delivery(&delivery).await?;
        if new && !used {
            let outcome = format!("{event} events are not used by tengu; the payload was not kept");
            self.ports.store.finish_delivery(delivery_id, delivery.received_at, &outcome).await?;
            return Ok(None);
        }
        Ok(new.then_some(delivery))
    }

    /// Deletes finished deliveries received before the retention period; how many. Unfinished ones are kept
    /// whatever their age: they still have work to do.
    pub async fn prune_deliveries(&self, retention: chrono::Duration) -> Result<u64, CoreError> {
        Ok(self.ports.store.prune_deliveries(self.ports.clock.now() - retention).await?)
    }

    /// Handles one stored delivery and marks it processed with what was done. A payload that cannot be read is
    /// finished with that reason (retrying cannot help); a failure of GitHub or the database leaves it unfinished,
    /// so the next start tries again.
    pub async fn process_delivery(&self, delivery: &StoredDelivery) -> Result<String, CoreError> {
        let outcome = match parse_event(&delivery.event, &delivery.payload) {
            Ok(event) => self.handle_github_event(&event).await?,
            Err(unreadable) => unreadable.to_string(),
        };
        let now = self.ports.clock.now();
        self.ports.store.finish_delivery(&delivery.delivery_id, now, &outcome).await?;
        Ok(outcome)
    }

    /// Processes every delivery that was stored but not finished (after a crash or a restart), oldest first.
    pub async fn process_unfinished_deliveries(&self) -> Result<usize, CoreError> {
        let pending = self.ports.store.unfinished_deliveries(500).await?;
        let mut done = 0;
        for delivery in &pending {
            match self.process_delivery(delivery).await {
                Ok(_) => done += 1,
                Err(error) => tracing::warn!(delivery = %delivery.delivery_id, %error, "delivery left for later"),
            }
        }
        Ok(done)
    }

    /// Applies one GitHub event; returns a sentence saying what tengu did.
    pub async fn handle_github_event(&self, event: &GithubEvent) -> Result<String, CoreError> {
        match event {
            GithubEvent::Ping => Ok("pong".to_owned()),
            GithubEvent::PullRequest(pr) => self.on_pull_request(pr).await,
            GithubEvent::Push { repo, branch: Some(branch), .. } => self.on_push(repo, branch).await,
            GithubEvent::Push { repo, branch: None, .. } => Ok(format!("push to a tag of {repo} ignored")),
            GithubEvent::Ignored { event } => Ok(format!("{event} events are not used by tengu")),
        }
    }

    /// A pull request someone opened by hand (or git-pr-release did) between an environment's branches becomes
    /// its deploy PR: tengu refreshes it, keeping the ticks already in its body.
    async fn adopt_if_deploy_pr(&self, event: &PullRequestEvent) -> Result<String, CoreError> {
        let not_ours = || Ok(format!("{}{} is not a deploy PR", event.repo, event.number));
        if !matches!(event.action, PrAction::Opened | PrAction::Reopened) {
            return not_ours();
        }
        // A pull request from a fork's branch of the same name is not the deploy PR.
        let same_repo = event.head_repo.as_ref() == Some(&event.repo);
        let env = self.settings.environments.iter().find(|env| {
            same_repo && env.repo == event.repo && env.deploy_branch == event.base && env.source_branch == event.head
        });
        let Some(env) = env else { return not_ours() };
        match self.open_or_refresh_deploy_pr(&Actor::System, &env.name).await {
            Ok(pr) => Ok(format!("adopted {}{} as the deploy PR of {}", event.repo, pr.number, env.name)),
            Err(CoreError::Refused(reason)) => Ok(format!("{}{}: {reason}", event.repo, event.number)),
            Err(other) => Err(other),
        }
    }

    /// New commits reached the deploy PR: its list is refreshed, so the gate on the new head judges the new
    /// changes too (and an override given for the old ones lapses when the list changed).
    async fn refresh_after_new_commits(&self, deploy_pr: &DeployPr) -> Result<String, CoreError> {
        match self.open_or_refresh_deploy_pr(&Actor::System, &deploy_pr.env).await {
            Ok(pr) => Ok(format!("deploy PR {}{} refreshed: {} source PRs", pr.repo, pr.number, pr.items.len())),
            Err(CoreError::Refused(reason)) => {
                Ok(format!("deploy PR {}{}: {reason}", deploy_pr.repo, deploy_pr.number))
            }
            Err(other) => Err(other),
        }
    }

    /// Refreshes the deploy PR of every environment that ships this branch and asks to follow it.
    async fn on_push(&self, repo: &RepoSlug, branch: &BranchName) -> Result<String, CoreError> {
        let following: Vec<EnvName> = self
            .settings
            .environments
            .iter()
            .filter(|env| &env.repo == repo && &env.source_branch == branch && env.deploy_pr.refresh_on_push)
            .map(|env| env.name.clone())
            .collect();
        if following.is_empty() {
            return Ok(format!("push to {repo} {branch}: no environment refreshes on it"));
        }
        let mut done = Vec::new();
        for env in following {
            match self.open_or_refresh_deploy_pr(&Actor::System, &env).await {
                Ok(pr) => done.push(format!("{env}: deploy PR {} lists {} source PRs", pr.number, pr.items.len())),
                // Nothing to deploy is an answer, not a failure to retry.
                Err(CoreError::Refused(reason)) => done.push(format!("{env}: {reason}")),
                Err(other) => return Err(other),
            }
        }
        Ok(format!("push to {repo} {branch}: {}", done.join("; ")))
    }

    async fn on_pull_request(&self, event: &PullRequestEvent) -> Result<String, CoreError> {
        let Some(mut deploy_pr) = self.ports.store.deploy_pr(&event.repo, event.number).await? else {
            let into_deploy_branch =
                self.settings.environments.iter().any(|env| env.repo == event.repo && env.deploy_branch == event.base);
            if into_deploy_branch {
                return self.adopt_if_deploy_pr(event).await;
            }
            return self.on_feature_pull_request(event).await;
        };
        let new_state = match event.action {
            PrAction::Edited => return self.sync_checks_from_github(event, &deploy_pr).await,
            PrAction::Closed { merged: true } => PrState::Merged,
            PrAction::Closed { merged: false } => PrState::Closed,
            PrAction::Reopened => PrState::Open,
            PrAction::Synchronize => return self.refresh_after_new_commits(&deploy_pr).await,
            _ => return Ok(format!("nothing to do for deploy PR {}{}", event.repo, event.number)),
        };
        deploy_pr.state = new_state;
        deploy_pr.updated_at = self.ports.clock.now();
        self.ports.store.save_deploy_pr(&deploy_pr).await?;
        let recorded = format!("deploy PR {}{} is now {}", event.repo, event.number, new_state.as_str());
        if new_state != PrState::Merged {
            return Ok(recorded);
        }
        Ok(format!("{recorded}; {}", self.deploy_merged(&deploy_pr, event).await?))
    }

    /// Merging the deploy PR ships the merge commit's image, when the gate is green (verified or overridden).
    async fn deploy_merged(&self, pr: &DeployPr, event: &PullRequestEvent) -> Result<String, CoreError> {
        if let Gate::Waiting { verified, total, waiting_for } = Gate::of(pr) {
            let people: Vec<String> = waiting_for.iter().map(|l| format!("@{l}")).collect();
            return Ok(format!(
                "not deployed: merged with {verified} of {total} verified (waiting for {}); deploy from the dashboard \
                 or `tengu deploy` once the gate is green or overridden",
                people.join(", ")
            ));
        }
        let Some(sha) = event.merge_sha.clone() else {
            return Ok("not deployed: GitHub named no merge commit".to_owned());
        };
        let image = match self.environment(&pr.env)?.image_for(&sha) {
            Ok(image) => image,
            Err(reason) => return Ok(format!("not deployed: {reason}")),
        };
        let source_prs = pr.items.iter().map(|item| item.source.number).collect();
        let request = DeployRequest {
            env: pr.env.clone(),
            target: DeployTarget::Image { image, sha: Some(sha), source_prs, deploy_pr: Some(pr.number) },
            trigger: Trigger::Merge,
            idempotency_key: Some(format!("merge:{}{}", pr.repo, pr.number)),
        };
        let actor = Actor::Person(event.sender.clone());
        let requested = match self.request_deployment(&actor, request).await {
            Ok(deployment) => deployment,
            Err(CoreError::Refused(reason)) => return Ok(format!("not deployed: {reason}")),
            // The person who merged lacks the environment's bar: recorded as a refusal, not retried.
            Err(CoreError::Denied(denied)) => return Ok(format!("not deployed: {denied}")),
            Err(other) => return Err(other),
        };
        // The delivery is done once the deployment is recorded; its rollout is followed in the background (and
        // resumed after a restart), so GitHub's delivery does not wait 20 minutes for ECS.
        #[cfg(feature = "runtime")]
        self.follow_in_background(requested.id);
        if requested.state == crate::domain::DeploymentState::AwaitingApproval {
            return Ok(format!(
                "deployment {} of {} to {} waits for another person's approval",
                requested.id, requested.image, requested.env
            ));
        }
        Ok(format!("deployment {} of {} to {} started", requested.id, requested.image, requested.env))
    }

    /// A deploy PR's body was edited on GitHub: every box whose state differs from tengu's records is recorded
    /// as ticked (or unticked) by the person who edited it.
    /// Records the ticks a person changed on GitHub. With the body before the edit at hand, only the items this
    /// edit changed are applied, so a delivery that arrives late cannot undo a later tick made elsewhere.
    async fn sync_checks_from_github(&self, event: &PullRequestEvent, pr: &DeployPr) -> Result<String, CoreError> {
        let Some(before) = &event.previous_body else {
            return Ok(format!(
                "deploy PR {}{}: the title or base changed, not the checklist",
                event.repo, event.number
            ));
        };
        // In the sandbox the edit is the simulated GitHub's news too; GitHub itself already has it.
        self.ports.code_host.observe_body_edit(&event.repo, event.number, &event.body).await?;
        let mut on_github: HashMap<_, _> = checklist_body::read_checks(&event.body).into_iter().collect();
        let before: HashMap<_, _> = checklist_body::read_checks(before).into_iter().collect();
        on_github.retain(|number, ticked| before.get(number) != Some(ticked));
        let now = self.ports.clock.now();
        let mut changed = 0;
        for item in &pr.items {
            let number = item.source.number;
            let Some(&ticked) = on_github.get(&number) else { continue };
            if ticked == item.verified.is_some() {
                continue;
            }
            // GitHub lets anyone who may edit the body tick any box; tengu's rule table still decides (ticking
            // another author's change is an admin's). A refused tick is recorded as a refusal and put back below.
            let sender = Actor::Person(event.sender.clone());
            let action = Action::Verify {
                repo: &event.repo,
                deploy_pr: event.number,
                item: number,
                author: &item.source.author,
            };
            match self.authorize(&sender, &action).await {
                Ok(()) => {}
                Err(CoreError::Denied(_) | CoreError::NotFound(_)) => continue,
                Err(other) => return Err(other),
            }
            let verification = ticked.then(|| Verification { by: event.sender.to_string(), at: now });
            let entry = AuditEntry {
                at: now,
                actor: event.sender.to_string(),
                action: if ticked { AuditAction::ItemVerified } else { AuditAction::ItemUnverified },
                target: format!("{}{} item {number}", event.repo, event.number),
                detail: format!("{} (on GitHub)", item.source.title),
                repo: Some(event.repo.clone()),
            };
            self.ports.store.set_verification(&event.repo, event.number, number, verification.as_ref(), &entry).await?;
            changed += 1;
        }
        let after = self.deploy_pr(&event.repo, event.number).await?;
        if changed > 0 {
            self.publish_gate(&after).await;
        }
        let restored = self.restore_recorded_ticks(&after).await?;
        Ok(format!("{changed} checklist item(s) changed on GitHub by {}{restored}", event.sender))
    }

    /// An edit saved from a stale copy of the body leaves GitHub showing old ticks for items it did not mean to
    /// change; those items get tengu's record back, so GitHub and tengu agree again.
    async fn restore_recorded_ticks(&self, pr: &DeployPr) -> Result<String, CoreError> {
        let host = &self.ports.code_host;
        let current = host.pull_request(&pr.repo, pr.number).await?.body;
        let shown: HashMap<_, _> = checklist_body::read_checks(&current).into_iter().collect();
        let mut body = current.clone();
        let mut restored = 0;
        for item in &pr.items {
            let recorded = item.verified.is_some();
            if shown.get(&item.source.number).is_some_and(|ticked| *ticked != recorded) {
                body = checklist_body::set_checked(&body, item.source.number, recorded)?;
                restored += 1;
            }
        }
        if restored == 0 {
            return Ok(String::new());
        }
        host.update_pull_request_body(&pr.repo, pr.number, &body).await?;
        Ok(format!("; {restored} stale tick(s) in the body put back as recorded"))
    }
}
