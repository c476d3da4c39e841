use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::checklist_body;
use crate::domain::{
    Actor, AuditAction, AuditEntry, ChecklistItem, CommitSha, DeployPr, EnvName, Environment, SourcePr, Verification,
};
use crate::error::CoreError;
use crate::ports::{Action, NewPullRequest};
use crate::release_plan;
use crate::tengu::Tengu;

/// `Deploy to <env> <YYYY-MM-DD HH:MM>` (UTC).
pub fn deploy_pr_title(env: &EnvName, at: DateTime<Utc>) -> String {
    format!("Deploy to {env} {}", at.format("%Y-%m-%d %H:%M"))
}

impl Tengu {
    /// Opens the deploy PR of an environment, or refreshes the open one: lists every source PR merged since the
    /// last deploy, keeps every tick by PR number and every human edit outside tengu's block.
    pub async fn open_or_refresh_deploy_pr(&self, actor: &Actor, env_name: &EnvName) -> Result<DeployPr, CoreError> {
        let env = self.environment(env_name)?;
        self.ports.policy.authorize(actor, &Action::RefreshDeployPr { env: env_name })?;
        let host = &self.ports.code_host;
        let (repo, base, head) = (&env.repo, &env.deploy_branch, &env.source_branch);

        let commits = host.compare(repo, base, head).await?;
        if commits.is_empty() {
            return Err(CoreError::Refused(format!(
                "{head} has nothing that {base} does not; there is nothing to deploy"
            )));
        }
        let shas: Vec<CommitSha> = commits.iter().map(|c| c.sha.clone()).collect();
        let associations = host.pull_requests_for_commits(repo, &shas).await?;
        let plan = release_plan::plan(&commits, &associations);
        let pulls: HashMap<_, _> =
            host.pull_requests(repo, &plan.source_prs).await?.into_iter().map(|p| (p.number, p)).collect();

        let existing = host.find_open_pull_request(repo, base, head).await?;
        let old_body = existing.as_ref().map(|p| p.body.as_str()).unwrap_or("");
        let ticks: HashMap<_, _> = checklist_body::read_checks(old_body).into_iter().collect();
        let known = match &existing {
            Some(pr) => self.ports.store.deploy_pr(repo, pr.number).await?,
            None => None,
        };
        let now = self.ports.clock.now();

        let mut items = Vec::with_capacity(plan.source_prs.len());
        for number in &plan.source_prs {
            let commits = plan.commits_by_pr.get(number).cloned().unwrap_or_default();
            let (title, author) = match pulls.get(number) {
                Some(pull) => (pull.title.clone(), pull.author.clone()),
                None => {
                    // GitHub no longer knows the PR (deleted fork, transferred repo): list it by its commit.
                    let first = &commits[0];
                    let author = first.author.clone().ok_or_else(|| CoreError::NotFound(format!("{number}")))?;
                    (first.headline.clone(), author)
                }
            };
            let verified = if ticks.get(number).copied().unwrap_or(false) {
                let recorded = known.as_ref().and_then(|k| k.item(*number)).and_then(|i| i.verified.clone());
                Some(recorded.unwrap_or(Verification { by: "someone on GitHub".to_owned(), at: now }))
            } else {
                None
            };
            items.push(ChecklistItem { source: SourcePr { number: *number, title, author, commits }, verified });
        }

        let lines: Vec<_> = items.iter().map(|i| (&i.source, i.verified.is_some())).collect();
        let body = checklist_body::replace_block(old_body, &checklist_body::render_block(&lines, &plan.direct_commits));
        let pull = match existing {
            Some(pr) if pr.body == body => pr,
            Some(pr) => host.update_pull_request_body(repo, pr.number, &body).await?,
            None => {
                let new = NewPullRequest {
                    title: deploy_pr_title(env_name, now),
                    body,
                    base: base.clone(),
                    head: head.clone(),
                };
                let created = host.create_pull_request(repo, new).await?;
                let entry = AuditEntry {
                    at: now,
                    actor: actor.display_name(),
                    action: AuditAction::DeployPrOpened,
                    target: format!("{repo}{}", created.number),
                    detail: format!("{} source PRs for {env_name}", items.len()),
                };
                self.ports.store.record_audit(&entry).await?;
                created
            }
        };

        let mut deploy_pr = DeployPr {
            repo: repo.clone(),
            number: pull.number,
            env: env_name.clone(),
            title: pull.title,
            url: pull.url,
            base: base.clone(),
            head: head.clone(),
            head_sha: Some(pull.head_sha),
            state: pull.state,
            gate_override: None,
            items,
            direct_commits: plan.direct_commits,
            updated_at: now,
        };
        // An override covers the changes someone looked at; a new change needs a new decision.
        if let Some(known) = &known {
            let same_changes =
                known.items.iter().map(|i| i.source.number).eq(deploy_pr.items.iter().map(|i| i.source.number));
            if same_changes {
                deploy_pr.gate_override = known.gate_override.clone();
            }
        }
        self.ports.store.save_deploy_pr(&deploy_pr).await?;
        self.publish_gate(&deploy_pr).await;
        Ok(deploy_pr)
    }

    pub(crate) fn environment(&self, name: &EnvName) -> Result<&Environment, CoreError> {
        self.settings.environment(name).ok_or_else(|| CoreError::NotFound(format!("environment {name}")))
    }
}
