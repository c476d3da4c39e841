use std::collections::HashMap;

use super::event::{GithubEvent, PrAction, PullRequestEvent};
use crate::checklist_body;
use crate::domain::{
    Actor, AuditAction, AuditEntry, BranchName, CommitSha, DeployPr, EnvName, Gate, PrState, RepoSlug, Trigger,
    Verification,
};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;
use crate::usecases::{DeployRequest, DeployTarget};

impl Tengu {
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
        // Compare-and-set: a tick that lands meanwhile moves the version, and the merge reads again, so the gate
        // judged below is the one that holds at the merge.
        loop {
            deploy_pr.state = new_state;
            deploy_pr.updated_at = self.ports.clock.now();
            if new_state == PrState::Merged {
                deploy_pr.merge_sha = event.merge_sha.clone();
                // The head at the merge is what a GitHub review must have approved to count.
                if let Some(head) = &event.head_sha {
                    deploy_pr.head_sha = Some(head.clone());
                }
            }
            if self.ports.store.save_deploy_pr(&deploy_pr).await? {
                deploy_pr.version += 1;
                break;
            }
            deploy_pr = self.deploy_pr(&event.repo, event.number).await?;
        }
        let recorded = format!("deploy PR {}{} is now {}", event.repo, event.number, new_state.as_str());
        if new_state != PrState::Merged {
            return Ok(recorded);
        }
        Ok(format!("{recorded}; {}", self.deploy_merged(&deploy_pr, event).await?))
    }

    /// Merging the deploy PR ships the merge commit's image, when the gate is green (verified or overridden) and
    /// the merge is still the news: a delivery handled late (after a retry, a restart) deploys nothing when a
    /// later deployment of the environment exists or the deploy branch has moved past the merge commit.
    async fn deploy_merged(&self, pr: &DeployPr, event: &PullRequestEvent) -> Result<String, CoreError> {
        if let Gate::Waiting { verified, total, waiting_for } = Gate::of(pr) {
            let people: Vec<String> = waiting_for.iter().map(|l| format!("@{l}")).collect();
            let reason = format!(
                "merged with {verified} of {total} verified (waiting for {}); deploy from the dashboard or `tengu \
                 deploy` once the gate is green or overridden",
                people.join(", ")
            );
            return self.merge_not_deployed(pr, event, reason).await;
        }
        let Some(sha) = event.merge_sha.clone() else {
            return self.merge_not_deployed(pr, event, "GitHub named no merge commit".to_owned()).await;
        };
        if !self.environment(&pr.env)?.deploy_pr.merge_deploys {
            return Ok(format!("merged at {}; {} deploys when CI hands the image over", sha.short(), pr.env));
        }
        if let Some(stale) = self.stale_merge(pr, event, &sha).await? {
            return self.merge_not_deployed(pr, event, stale).await;
        }
        let image = match self.environment(&pr.env)?.image_for(&sha) {
            Ok(image) => image,
            Err(reason) => return self.merge_not_deployed(pr, event, reason).await,
        };
        let source_prs = pr.items.iter().map(|item| item.source.number).collect();
        let request = DeployRequest {
            env: pr.env.clone(),
            target: DeployTarget::Image {
                image,
                sha: Some(sha),
                source_prs,
                deploy_pr: Some(pr.number),
                commit_unknown_reason: None,
            },
            trigger: Trigger::Merge,
            idempotency_key: Some(format!("merge:{}{}", pr.repo, pr.number)),
            overrides: Default::default(),
        };
        let actor = Actor::Person(event.sender.clone());
        let requested = match self.request_deployment(&actor, request).await {
            Ok(deployment) => deployment,
            Err(CoreError::Refused(reason)) => return self.merge_not_deployed(pr, event, reason).await,
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

    /// Why a merge is no longer the news, if it is not: a deployment of the environment requested after the
    /// merge (other than this merge's own, which a redelivery finds again), or a deploy branch that moved on.
    async fn stale_merge(
        &self,
        pr: &DeployPr,
        event: &PullRequestEvent,
        sha: &CommitSha,
    ) -> Result<Option<String>, CoreError> {
        let (newest, _) = self.ports.store.latest_deployments(&pr.env).await?;
        if let (Some(newest), Some(merged_at)) = (newest, event.merged_at) {
            let own = newest.deploy_pr == Some(pr.number) && newest.sha.as_ref() == Some(sha);
            if !own && newest.requested_at > merged_at {
                return Ok(Some(format!(
                    "stale merge: deployment {} of {} to {} was requested after it (at {})",
                    newest.id,
                    newest.image,
                    pr.env,
                    newest.requested_at.format("%Y-%m-%d %H:%M:%S UTC")
                )));
            }
        }
        let head = self.ports.code_host.branch_head(&pr.repo, &pr.base).await?;
        if &head != sha {
            return Ok(Some(format!(
                "stale merge: {} has moved on from the merge commit {} to {}",
                pr.base,
                sha.short(),
                head.short()
            )));
        }
        Ok(None)
    }

    /// Records in the audit log why a merge shipped nothing, and says so as the delivery's outcome.
    async fn merge_not_deployed(
        &self,
        pr: &DeployPr,
        event: &PullRequestEvent,
        reason: String,
    ) -> Result<String, CoreError> {
        let entry = AuditEntry {
            at: self.ports.clock.now(),
            actor: event.sender.to_string(),
            action: AuditAction::MergeNotDeployed,
            target: format!("{}{}", pr.repo, pr.number),
            detail: reason.clone(),
            repo: Some(pr.repo.clone()),
        };
        self.ports.store.record_audit(&entry).await?;
        Ok(format!("not deployed: {reason}"))
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
        let mut on_github: HashMap<_, _> = checklist_body::read_checks(&event.body).into_iter().collect();
        let ticked_before: HashMap<_, _> = checklist_body::read_checks(before).into_iter().collect();
        on_github.retain(|number, ticked| ticked_before.get(number) != Some(ticked));
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
            if !self
                .ports
                .store
                .set_verification(&event.repo, event.number, number, verification.as_ref(), &entry)
                .await?
            {
                // Merged or closed meanwhile: its checklist is closed.
                break;
            }
            changed += 1;
        }
        let after = self.deploy_pr(&event.repo, event.number).await?;
        if changed > 0 {
            self.publish_gate(&after).await;
        }
        let restored = self.restore_recorded_ticks(&after, (&event.body, before)).await?;
        Ok(format!("{changed} checklist item(s) changed on GitHub by {}{restored}", event.sender))
    }

    /// An edit saved from a stale copy of the body leaves GitHub showing old ticks for items it did not mean to
    /// change; those items get tengu's record back, so GitHub and tengu agree again. Only while GitHub shows this
    /// edit (or still the body before it): GitHub has no compare-and-swap for a body, and a delivery handled late,
    /// after newer edits, would write over whatever lands between its read and its write (the fuzz test lost its
    /// last note so, its deliveries behind its edits). The newest edit's own delivery puts the ticks back.
    async fn restore_recorded_ticks(&self, pr: &DeployPr, (edited, before): (&str, &str)) -> Result<String, CoreError> {
        let host = &self.ports.code_host;
        let current = host.pull_request(&pr.repo, pr.number).await?.body;
        // The one write that can still land between a read and a write: ticks put back on the body before this
        // edit while this edit was being saved. GitHub then shows the older text with other ticks; this edit's
        // text comes back, its ticks as recorded.
        let moved = current != edited && current != before;
        let overwritten = moved && {
            let shown = checklist_body::unticked(&current);
            shown == checklist_body::unticked(before) && shown != checklist_body::unticked(edited)
        };
        if moved && !overwritten {
            return Ok("; the body has changed since: the newer edit's delivery puts stale ticks back".to_owned());
        }
        let current = if overwritten { edited.to_owned() } else { current };
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
        if restored == 0 && !overwritten {
            return Ok(String::new());
        }
        host.update_pull_request_body(&pr.repo, pr.number, &body).await?;
        if overwritten {
            return Ok("; this edit's text put back over ticks restored on the body before it".to_owned());
        }
        Ok(format!("; {restored} stale tick(s) in the body put back as recorded"))
    }
}
