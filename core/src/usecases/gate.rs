use crate::domain::{
    Actor, AuditAction, AuditEntry, CommitSha, DeployPr, EnvName, Gate, GateOverride, PrNumber, PrState, RepoSlug,
};
use crate::error::CoreError;
use crate::ports::{Action, CommitStatus, StatusState};
use crate::tengu::Tengu;

/// The commit status context GitHub shows on the deploy PR.
pub const GATE_CONTEXT: &str = "tengu/verification";
const MIN_REASON_CHARS: usize = 10;

impl Tengu {
    /// The deploy PR's page on the dashboard, for links tengu writes to GitHub and the team channel.
    pub(crate) fn deploy_pr_link(&self, pr: &DeployPr) -> String {
        format!(
            "{}{}",
            self.settings.public_url.trim_end_matches('/'),
            crate::links::deploy_pr_page(&pr.repo, pr.number)
        )
    }

    /// Puts the gate on the deploy PR's head commit. The gate is derived from tengu's records, so a failure
    /// here loses nothing: it is logged, and the next change publishes the gate again.
    pub(crate) async fn publish_gate(&self, pr: &DeployPr) {
        let Some(sha) = &pr.head_sha else { return };
        let gate = Gate::of(pr);
        let status = CommitStatus {
            state: if gate.is_green() { StatusState::Success } else { StatusState::Pending },
            context: GATE_CONTEXT.to_owned(),
            description: gate.description(),
            target_url: Some(self.deploy_pr_link(pr)),
        };
        if let Err(error) = self.ports.code_host.set_commit_status(&pr.repo, sha, &status).await {
            tracing::warn!(%error, deploy_pr = %pr.number, "the verification status could not be set on GitHub");
        }
    }

    /// Lets a deploy PR ship although not every change is verified. Needs a written reason, which the status on
    /// GitHub and the audit log keep with the person's name.
    pub async fn override_gate(
        &self,
        actor: &Actor,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        reason: &str,
    ) -> Result<DeployPr, CoreError> {
        self.authorize(actor, &Action::OverrideGate { repo, deploy_pr }).await?;
        let reason = reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS {
            return Err(CoreError::Refused(format!(
                "say why the deploy should go ahead unverified (at least {MIN_REASON_CHARS} characters)"
            )));
        }
        let (pr, now) = loop {
            let mut pr = self.deploy_pr(repo, deploy_pr).await?;
            // A merged deploy PR can be overridden too: its merge commit is then deployable from a button.
            if pr.state == PrState::Closed {
                return Err(CoreError::Refused(format!("deploy PR {deploy_pr} is {}", pr.state.as_str())));
            }
            if let Gate::Verified { .. } = Gate::of(&pr) {
                return Err(CoreError::Refused(
                    "every change is verified already; there is nothing to override".into(),
                ));
            }
            let now = self.ports.clock.now();
            pr.gate_override = Some(GateOverride { by: actor.display_name(), reason: reason.to_owned(), at: now });
            // A tick that landed since the read moves the version: read again, and maybe nothing is left to
            // override.
            if self.ports.store.save_deploy_pr(&pr).await? {
                pr.version += 1;
                break (pr, now);
            }
        };
        let entry = AuditEntry {
            at: now,
            actor: actor.display_name(),
            action: AuditAction::GateOverridden,
            target: format!("{repo}{deploy_pr}"),
            detail: reason.to_owned(),
            repo: Some(repo.clone()),
        };
        self.ports.store.record_audit(&entry).await?;
        self.publish_gate(&pr).await;
        Ok(pr)
    }

    /// `override_gate` on the environment's open deploy PR when it waits, or on the merged one that carried
    /// `sha` (`tengu deploy --sha S --override-gate REASON`). Nothing to override is not an error here: the deploy
    /// goes ahead either way.
    pub async fn override_environment_gate(
        &self,
        actor: &Actor,
        env: &EnvName,
        sha: Option<&CommitSha>,
        reason: &str,
    ) -> Result<Option<DeployPr>, CoreError> {
        let mut candidates = self.ports.store.open_deploy_prs().await?;
        candidates.retain(|pr| &pr.env == env);
        if let Some(sha) = sha {
            candidates.extend(self.ports.store.merged_deploy_prs_carrying(env, sha).await?);
        }
        let waiting = candidates.into_iter().find(|pr| matches!(Gate::of(pr), Gate::Waiting { .. }));
        match waiting {
            Some(pr) => self.override_gate(actor, &pr.repo, pr.number, reason).await.map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use crate::domain::{
        BranchName, ChecklistItem, DeployPr, EnvName, Gate, GateOverride, Login, PrNumber, PrState, RepoSlug, SourcePr,
        Verification,
    };

    fn pr(ticks: &[(&str, bool)]) -> DeployPr {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap();
        DeployPr {
            repo: RepoSlug::parse("acme/shop").unwrap(),
            number: PrNumber::new(9).unwrap(),
            env: EnvName::parse("production").unwrap(),
            title: "Deploy".into(),
            url: String::new(),
            base: BranchName::parse("deployment/production").unwrap(),
            head: BranchName::parse("master").unwrap(),
            head_sha: None,
            state: PrState::Open,
            items: ticks
                .iter()
                .enumerate()
                .map(|(i, (author, ticked))| ChecklistItem {
                    source: SourcePr {
                        number: PrNumber::new(i as u64 + 1).unwrap(),
                        title: format!("Change {i}"),
                        author: Login::parse(*author).unwrap(),
                        assignees: vec![],
                        commits: vec![],
                        merged_at: None,
                        first_commit_at: None,
                    },
                    verified: ticked.then(|| Verification { by: author.to_string(), at }),
                    listed_at: None,
                })
                .collect(),
            direct_commits: vec![],
            gate_override: None,
            updated_at: at,
            merge_sha: None,
            version: 0,
        }
    }

    #[test]
    fn the_gate_says_who_is_still_owed() {
        let waiting = pr(&[("alice", true), ("bob", false), ("carol", false), ("bob", false)]);
        let gate = Gate::of(&waiting);
        assert!(!gate.is_green());
        assert_eq!(gate.description(), "1 of 4 verified — waiting for @bob, @carol");
        let done = Gate::of(&pr(&[("alice", true), ("bob", true)]));
        assert!(done.is_green());
        assert_eq!(done.description(), "All 2 verified");
    }

    #[test]
    fn an_override_turns_it_green_with_the_reason_within_githubs_limit() {
        let mut overridden = pr(&[("alice", false)]);
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
        overridden.gate_override = Some(GateOverride { by: "dave".into(), reason: "x".repeat(300), at });
        let gate = Gate::of(&overridden);
        assert!(gate.is_green());
        assert!(gate.description().starts_with("Overridden by dave: xxx"));
        assert_eq!(gate.description().chars().count(), 140);
    }
}
