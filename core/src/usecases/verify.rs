use crate::checklist_body;
use crate::domain::{Actor, AuditAction, AuditEntry, DeployPr, PrNumber, PrState, RepoSlug, Verification};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

impl Tengu {
    /// Ticks (or unticks) one source PR's box on a deploy PR: on GitHub first, then in tengu's records.
    /// Asking for the state an item is already in changes nothing, so a double click records one tick.
    pub async fn set_verification(
        &self,
        actor: &Actor,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        verified: bool,
    ) -> Result<DeployPr, CoreError> {
        self.ports.policy.authorize(actor, &Action::Verify { repo, deploy_pr, item })?;
        let pr = self.deploy_pr(repo, deploy_pr).await?;
        if pr.state != PrState::Open {
            return Err(CoreError::Refused(format!(
                "deploy PR {deploy_pr} is {}; its checklist is closed",
                pr.state.as_str()
            )));
        }
        let current = pr.item(item).ok_or_else(|| CoreError::NotFound(format!("{item} on deploy PR {deploy_pr}")))?;
        if current.verified.is_some() == verified {
            return Ok(pr);
        }

        let on_github = self.ports.code_host.pull_request(repo, deploy_pr).await?;
        let body = checklist_body::set_checked(&on_github.body, item, verified)?;
        if body != on_github.body {
            self.ports.code_host.update_pull_request_body(repo, deploy_pr, &body).await?;
        }

        let now = self.ports.clock.now();
        let verification = verified.then(|| Verification { by: actor.display_name(), at: now });
        self.ports.store.set_verification(repo, deploy_pr, item, verification.as_ref()).await?;
        let action = if verified { AuditAction::ItemVerified } else { AuditAction::ItemUnverified };
        let entry = AuditEntry {
            at: now,
            actor: actor.display_name(),
            action,
            target: format!("{repo}{deploy_pr} item {item}"),
            detail: current.source.title.clone(),
        };
        self.ports.store.record_audit(&entry).await?;
        let after = self.deploy_pr(repo, deploy_pr).await?;
        self.publish_gate(&after).await;
        Ok(after)
    }
}
