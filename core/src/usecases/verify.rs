use crate::checklist_body;
use crate::domain::{Actor, AuditAction, AuditEntry, DeployPr, PrNumber, PrState, RepoSlug, Verification};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

/// How many times a tick is re-applied when someone else's edit lands on top of it.
const TICK_ATTEMPTS: usize = 4;

impl Tengu {
    /// GitHub has no compare-and-swap for a PR body, so the tick is applied to the body as it is now, written,
    /// and read back. If another edit landed in between and dropped it, the one-item change is applied again on
    /// top of that edit: both survive, item by item, instead of the later write winning.
    async fn write_tick_to_github(
        &self,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        verified: bool,
    ) -> Result<(), CoreError> {
        let host = &self.ports.code_host;
        let mut current = host.pull_request(repo, deploy_pr).await?.body;
        for _ in 0..TICK_ATTEMPTS {
            let wanted = match checklist_body::set_checked(&current, item, verified) {
                // The list was cut to fit GitHub's limit and this item is past the cut: tengu's record is the tick.
                Err(checklist_body::BodyError::ItemMissing(_)) if checklist_body::is_cut(&current) => return Ok(()),
                other => other?,
            };
            if wanted == current {
                return Ok(());
            }
            host.update_pull_request_body(repo, deploy_pr, &wanted).await?;
            current = host.pull_request(repo, deploy_pr).await?.body;
            if checklist_body::read_checks(&current).contains(&(item, verified)) {
                return Ok(());
            }
            tracing::info!(%repo, %deploy_pr, %item, "the deploy PR body changed while ticking; applying the tick again");
        }
        Err(CoreError::Refused(format!(
            "the body of deploy PR {deploy_pr} keeps changing on GitHub; the tick was not kept — try again"
        )))
    }

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
        let pr = self.deploy_pr(repo, deploy_pr).await?;
        let current = pr.item(item).ok_or_else(|| CoreError::NotFound(format!("{item} on deploy PR {deploy_pr}")))?;
        self.authorize(actor, &Action::Verify { repo, deploy_pr, item, author: &current.source.author }).await?;
        if pr.state != PrState::Open {
            return Err(CoreError::Refused(format!(
                "deploy PR {deploy_pr} is {}; its checklist is closed",
                pr.state.as_str()
            )));
        }
        if current.verified.is_some() == verified {
            return Ok(pr);
        }

        self.write_tick_to_github(repo, deploy_pr, item, verified).await?;

        let now = self.ports.clock.now();
        let verification = verified.then(|| Verification { by: actor.display_name(), at: now });
        let action = if verified { AuditAction::ItemVerified } else { AuditAction::ItemUnverified };
        let entry = AuditEntry {
            at: now,
            actor: actor.display_name(),
            action,
            target: format!("{repo}{deploy_pr} item {item}"),
            detail: current.source.title.clone(),
            repo: Some(repo.clone()),
        };
        let recorded = self.ports.store.set_verification(repo, deploy_pr, item, verification.as_ref(), &entry).await?;
        let after = self.deploy_pr(repo, deploy_pr).await?;
        if !recorded {
            // Merged or closed between the check above and the write: the tick is not recorded.
            return Err(CoreError::Refused(format!(
                "deploy PR {deploy_pr} is {}; its checklist is closed",
                after.state.as_str()
            )));
        }
        self.publish_gate(&after).await;
        Ok(after)
    }
}
