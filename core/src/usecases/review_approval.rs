//! A GitHub review of a merged deploy PR approves a deployment of it (its merge, or CI handing over the merge's
//! image through any door) only as tengu's own approval would: by another person than the one who merged, with the deployer role and the environment's bar (the rule
//! table, with the reviewer's permission asked of GitHub), and for the commit that was merged.

use crate::domain::{Actor, Environment, Login, Permission, PrNumber};
use crate::error::CoreError;
use crate::ports::{Action, CodeHostError, Review};
use crate::tengu::Tengu;

/// What the deploy PR's reviews say about a merge's deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReviewApproval {
    /// This reviewer's approval counts.
    By(Login),
    /// No review counts; why each one did not (empty when nobody approved on GitHub).
    NotCounted(Vec<String>),
}

impl ReviewApproval {
    /// The sentence a waiting deployment shows, when some review was given and did not count.
    pub(crate) fn note(&self) -> Option<String> {
        match self {
            ReviewApproval::NotCounted(reasons) if !reasons.is_empty() => Some(format!(
                "waits for an approval in tengu: the deploy PR's GitHub reviews do not count ({})",
                reasons.join("; ")
            )),
            _ => None,
        }
    }
}

impl Tengu {
    /// Reads the deploy PR's approving reviews and judges each as the rule table judges an approval in tengu.
    /// GitHub being unreachable counts no review: the deployment waits for an approval in tengu.
    pub(crate) async fn review_approval(
        &self,
        env: &Environment,
        requested_by: &Actor,
        deploy_pr: PrNumber,
    ) -> Result<ReviewApproval, CoreError> {
        // Only a merged deploy PR's reviews speak for what ships: it is what they approved.
        let recorded = self.ports.store.deploy_pr(&env.repo, deploy_pr).await?;
        if recorded.as_ref().is_some_and(|pr| pr.state != crate::domain::PrState::Merged) {
            return Ok(ReviewApproval::NotCounted(Vec::new()));
        }
        let merged_head = recorded.and_then(|pr| pr.head_sha);
        let reviews = match self.ports.code_host.approving_reviews(&env.repo, deploy_pr).await {
            Ok(reviews) => reviews,
            Err(error) => {
                tracing::warn!(%error, "the deploy PR's reviews could not be read; the merge waits for an approval");
                return Ok(ReviewApproval::NotCounted(vec![format!("GitHub's reviews could not be read: {error}")]));
            }
        };
        if reviews.is_empty() {
            return Ok(ReviewApproval::NotCounted(Vec::new()));
        }
        let mut reasons = Vec::new();
        for review in reviews {
            match self.judge_review(env, requested_by, &review, merged_head.as_ref()).await? {
                Ok(()) => return Ok(ReviewApproval::By(review.by)),
                Err(reason) => reasons.push(reason),
            }
        }
        Ok(ReviewApproval::NotCounted(reasons))
    }

    /// `Ok(Ok(()))` when the review counts; `Ok(Err(why))` when it does not.
    async fn judge_review(
        &self,
        env: &Environment,
        requested_by: &Actor,
        review: &Review,
        merged_head: Option<&crate::domain::CommitSha>,
    ) -> Result<Result<(), String>, CoreError> {
        let who = &review.by;
        match (&review.commit, merged_head) {
            (Some(approved), Some(head)) if approved == head => {}
            (Some(approved), Some(head)) => {
                return Ok(Err(format!(
                    "{who} approved {}, but {} was merged (commits came after the review)",
                    approved.short(),
                    head.short()
                )));
            }
            _ => return Ok(Err(format!("{who}'s review cannot be matched with the commit that was merged"))),
        }
        // Someone tengu would not let in (outside `[auth] allowed_orgs` / `allowed_teams`) approves nothing either.
        if let Err(denied) = self.check_membership(who).await? {
            return Ok(Err(format!("{who}'s review does not count: {denied}")));
        }
        let permission = match self.ports.people.permission(&env.repo, who).await {
            Ok(permission) => permission,
            Err(CodeHostError::NotFound(_)) => Permission::None,
            Err(error) => return Ok(Err(format!("{who}'s permission could not be read from GitHub ({error})"))),
        };
        let reviewer = Actor::Person(who.clone());
        let approving = Action::Approve { env, requested_by: &requested_by.display_name() };
        Ok(self.ports.policy.authorize(&reviewer, permission, &approving).map_err(|denied| {
            // The rule table speaks to the person refused; here it speaks of the reviewer.
            let said = denied.0.replace("you have", "they have").replace("makes you", "makes them");
            format!("{who}'s review does not count: {}", said.replace("you asked", "they asked"))
        }))
    }
}
