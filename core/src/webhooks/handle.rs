use std::collections::HashMap;

use super::event::{GithubEvent, PrAction, PullRequestEvent, parse_event};
use crate::checklist_body;
use crate::domain::{AuditAction, AuditEntry, DeployPr, PrState, Verification};
use crate::error::CoreError;
use crate::ports::StoredDelivery;
use crate::tengu::Tengu;

impl Tengu {
    /// Stores a delivery before it is acknowledged. `None` when GitHub sent this delivery before (a retry or a
    /// redelivery): it is acknowledged again but handled only once.
    pub async fn accept_delivery(
        &self,
        delivery_id: &str,
        event: &str,
        payload: String,
    ) -> Result<Option<StoredDelivery>, CoreError> {
        let delivery = StoredDelivery {
            delivery_id: delivery_id.to_owned(),
            event: event.to_owned(),
            payload,
            received_at: self.ports.clock.now(),
        };
        let new = self.ports.store.record_delivery(&delivery).await?;
        Ok(new.then_some(delivery))
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
            GithubEvent::Push { repo, branch, .. } => Ok(format!(
                "push to {repo} {} noted; deploy PRs refresh from the dashboard or the CLI",
                branch.as_ref().map(|b| b.as_str()).unwrap_or("(not a branch)")
            )),
            GithubEvent::Ignored { event } => Ok(format!("{event} events are not used by tengu")),
        }
    }

    async fn on_pull_request(&self, event: &PullRequestEvent) -> Result<String, CoreError> {
        let Some(mut deploy_pr) = self.ports.store.deploy_pr(&event.repo, event.number).await? else {
            return Ok(format!("{}{} is not a deploy PR", event.repo, event.number));
        };
        let new_state = match event.action {
            PrAction::Edited => return self.sync_checks_from_github(event, &deploy_pr).await,
            PrAction::Closed { merged: true } => PrState::Merged,
            PrAction::Closed { merged: false } => PrState::Closed,
            PrAction::Reopened => PrState::Open,
            _ => return Ok(format!("nothing to do for deploy PR {}{}", event.repo, event.number)),
        };
        deploy_pr.state = new_state;
        deploy_pr.updated_at = self.ports.clock.now();
        self.ports.store.save_deploy_pr(&deploy_pr).await?;
        Ok(format!("deploy PR {}{} is now {}", event.repo, event.number, new_state.as_str()))
    }

    /// A deploy PR's body was edited on GitHub: every box whose state differs from tengu's records is recorded
    /// as ticked (or unticked) by the person who edited it.
    async fn sync_checks_from_github(&self, event: &PullRequestEvent, pr: &DeployPr) -> Result<String, CoreError> {
        let on_github: HashMap<_, _> = checklist_body::read_checks(&event.body).into_iter().collect();
        let now = self.ports.clock.now();
        let mut changed = 0;
        for item in &pr.items {
            let number = item.source.number;
            let Some(&ticked) = on_github.get(&number) else { continue };
            if ticked == item.verified.is_some() {
                continue;
            }
            let verification = ticked.then(|| Verification { by: event.sender.to_string(), at: now });
            self.ports.store.set_verification(&event.repo, event.number, number, verification.as_ref()).await?;
            let entry = AuditEntry {
                at: now,
                actor: event.sender.to_string(),
                action: if ticked { AuditAction::ItemVerified } else { AuditAction::ItemUnverified },
                target: format!("{}{} item {number}", event.repo, event.number),
                detail: format!("{} (on GitHub)", item.source.title),
            };
            self.ports.store.record_audit(&entry).await?;
            changed += 1;
        }
        if changed > 0 {
            let after = self.deploy_pr(&event.repo, event.number).await?;
            self.publish_gate(&after).await;
        }
        Ok(format!("{changed} checklist item(s) changed on GitHub by {}", event.sender))
    }
}
