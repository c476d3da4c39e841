use std::collections::HashMap;

use crate::checklist_body;
use crate::domain::{
    Actor, AuditAction, AuditEntry, ChecklistItem, DeployPr, EnvName, Environment, PrNumber, SourcePr, Verification,
};
use crate::error::CoreError;
use crate::ports::{Action, NewPullRequest, PullRequest, PullSummary};
use crate::release_plan;
use crate::tengu::Tengu;

/// How many times a refresh reads again after losing to a concurrent change before it gives up.
const SAVE_ATTEMPTS: usize = 5;

impl Tengu {
    /// Opens the deploy PR of an environment, or refreshes the open one: lists every source PR merged since the
    /// last deploy, keeps every tick by PR number and every human edit outside tengu's block.
    ///
    /// GitHub calls: the comparison with its commit→PR associations (one per 100 commits), the PRs named only in
    /// commit messages (one per 100, usually none), then reading and writing the deploy PR itself.
    pub async fn open_or_refresh_deploy_pr(&self, actor: &Actor, env_name: &EnvName) -> Result<DeployPr, CoreError> {
        let env = self.environment(env_name)?;
        self.authorize(actor, &Action::RefreshDeployPr { env }).await?;
        let host = &self.ports.code_host;
        let release = self.release_of(env).await?;
        let mut on_github = host.find_open_pull_request(&env.repo, &env.deploy_branch, &env.source_branch).await?;
        let now = self.ports.clock.now();
        for round in 0..SAVE_ATTEMPTS {
            let known = match &on_github {
                Some(pr) => self.ports.store.deploy_pr(&env.repo, pr.number).await?,
                None => None,
            };
            let ticks = self.ticks_on_github(env, known.as_ref(), &mut on_github, round).await?;
            let items = release.checklist(known.as_ref(), &ticks, now)?;
            let old_body = on_github.as_ref().map(|p| p.body.as_str()).unwrap_or("");
            let lines: Vec<_> = items.iter().map(|i| (&i.source, i.verified.is_some())).collect();
            let full_list_url = match &known {
                Some(known) => self.deploy_pr_link(known),
                None => self.settings.public_url.clone(),
            };
            let style = checklist_body::BodyStyle {
                github: self.settings.github_web(),
                mention_assignees: env.deploy_pr.mention_assignees,
            };
            let direct = &release.plan.direct_commits;
            let body = checklist_body::render_body(old_body, &lines, direct, &full_list_url, style);
            let pull = match on_github.take() {
                Some(pr) if pr.body == body => pr,
                Some(pr) => host.update_pull_request_body(&env.repo, pr.number, &body).await?,
                None => self.open_deploy_pr(actor, env, body, items.len(), now).await?,
            };
            let deploy_pr = deploy_pr_record(env, &pull, items, direct, known.as_ref(), now);
            if self.ports.store.save_deploy_pr(&deploy_pr).await? {
                self.publish_gate(&deploy_pr).await;
                self.publish_holding_lock(&deploy_pr).await;
                return Ok(deploy_pr);
            }
            // Someone ticked, unticked or saved it since it was read: build it again from a fresh read, starting
            // from the body just written (the next write puts GitHub right too).
            tracing::info!(repo = %env.repo, deploy_pr = %pull.number, "the deploy PR changed during its refresh; reading it again");
            on_github = Some(pull);
        }
        Err(CoreError::Refused(format!(
            "the deploy PR of {env_name} keeps changing while it is refreshed; try again in a moment"
        )))
    }

    /// What the source branch has that the deploy branch does not, grouped by source PR, with each PR's summary.
    async fn release_of(&self, env: &Environment) -> Result<Release, CoreError> {
        let host = &self.ports.code_host;
        let (repo, base, head) = (&env.repo, &env.deploy_branch, &env.source_branch);
        let range = host.compare(repo, base, head).await?;
        if range.commits.is_empty() {
            return Err(CoreError::Refused(format!(
                "{head} has nothing that {base} does not; there is nothing to deploy"
            )));
        }
        let plan = release_plan::plan(&range.commits, &range.associations);
        let mut pulls: HashMap<PrNumber, PullSummary> = range.pulls.into_iter().map(|p| (p.number, p)).collect();
        let named_only: Vec<PrNumber> = plan.source_prs.iter().filter(|n| !pulls.contains_key(n)).copied().collect();
        if !named_only.is_empty() {
            pulls.extend(host.pull_summaries(repo, &named_only).await?.into_iter().map(|p| (p.number, p)));
        }
        Ok(Release { plan, pulls, authored: range.authored })
    }

    /// Ticks follow the body (a tick given on GitHub whose delivery is not handled yet counts), but only a body
    /// read after tengu's record: a tick is written to GitHub before it is recorded, so a body read earlier may
    /// predate a change the record already has. When the two disagree, the body is read again. After a lost save,
    /// the body on GitHub is the one just written from a stale record: the record rules.
    async fn ticks_on_github(
        &self,
        env: &Environment,
        known: Option<&DeployPr>,
        on_github: &mut Option<PullRequest>,
        round: usize,
    ) -> Result<HashMap<PrNumber, bool>, CoreError> {
        Ok(match (known, on_github) {
            (Some(_), Some(_)) if round > 0 => HashMap::new(),
            (Some(known), Some(pr)) => {
                let disagree = checklist_body::read_checks(&pr.body)
                    .into_iter()
                    .any(|(number, ticked)| known.item(number).is_some_and(|item| item.verified.is_some() != ticked));
                if disagree {
                    *pr = self.ports.code_host.pull_request(&env.repo, pr.number).await?;
                }
                checklist_body::read_checks(&pr.body).into_iter().collect()
            }
            (_, pr) => {
                pr.as_ref().map(|pr| checklist_body::read_checks(&pr.body).into_iter().collect()).unwrap_or_default()
            }
        })
    }

    /// Opens the deploy PR on GitHub with the environment's title, draft flag, labels and assignees.
    async fn open_deploy_pr(
        &self,
        actor: &Actor,
        env: &Environment,
        body: String,
        count: usize,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::ports::PullRequest, CoreError> {
        let new = NewPullRequest {
            title: env.deploy_pr_title(now, self.settings.reminders.utc_offset_minutes),
            body,
            base: env.deploy_branch.clone(),
            head: env.source_branch.clone(),
            draft: env.deploy_pr.draft,
            labels: env.deploy_pr.labels.clone(),
            assignees: env.deploy_pr.assignees.clone(),
        };
        let created = self.ports.code_host.create_pull_request(&env.repo, new).await?;
        let entry = AuditEntry {
            at: now,
            actor: actor.display_name(),
            action: AuditAction::DeployPrOpened,
            target: format!("{}{}", env.repo, created.number),
            detail: format!("{count} source PRs for {}", env.name),
            repo: Some(env.repo.clone()),
        };
        self.ports.store.record_audit(&entry).await?;
        Ok(created)
    }

    pub(crate) fn environment(&self, name: &EnvName) -> Result<&Environment, CoreError> {
        self.settings.environment(name).ok_or_else(|| CoreError::NotFound(format!("environment {name}")))
    }
}

/// What a deploy PR lists: the release plan and the summary of each source PR GitHub still knows.
struct Release {
    plan: release_plan::ReleasePlan,
    pulls: HashMap<PrNumber, PullSummary>,
    /// When each commit of the range was written.
    authored: HashMap<crate::domain::CommitSha, chrono::DateTime<chrono::Utc>>,
}

impl Release {
    /// One item per source PR, verified as the body's ticks say (an item missing from the body, a cut list, keeps
    /// what tengu recorded).
    fn checklist(
        &self,
        known: Option<&DeployPr>,
        ticks: &HashMap<PrNumber, bool>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ChecklistItem>, CoreError> {
        let mut items = Vec::with_capacity(self.plan.source_prs.len());
        for number in &self.plan.source_prs {
            let commits = self.plan.commits_by_pr.get(number).cloned().unwrap_or_default();
            let (title, author, assignees, merged_at) = match self.pulls.get(number) {
                Some(pull) => (pull.title.clone(), pull.author.clone(), pull.assignees.clone(), pull.merged_at),
                None => {
                    // GitHub no longer knows the PR (deleted fork, transferred repo): list it by its commit.
                    let first = &commits[0];
                    let author = first.author.clone().ok_or_else(|| CoreError::NotFound(format!("{number}")))?;
                    (first.headline.clone(), author, Vec::new(), None)
                }
            };
            let first_commit_at = commits.iter().filter_map(|c| self.authored.get(&c.sha)).min().copied();
            let listed_at = known.and_then(|k| k.item(*number)).map_or(Some(now), |item| item.listed_at);
            let recorded = known.and_then(|k| k.item(*number)).and_then(|i| i.verified.clone());
            let verified = match ticks.get(number) {
                Some(true) => Some(recorded.unwrap_or(Verification { by: "someone on GitHub".to_owned(), at: now })),
                Some(false) => None,
                None => recorded,
            };
            let source = SourcePr { number: *number, title, author, assignees, commits, merged_at, first_commit_at };
            items.push(ChecklistItem { source, verified, listed_at });
        }
        Ok(items)
    }
}

/// The deploy PR as tengu records it after a refresh. An override covers the changes someone looked at; a new
/// change needs a new decision.
fn deploy_pr_record(
    env: &Environment,
    pull: &PullRequest,
    items: Vec<ChecklistItem>,
    direct_commits: &[crate::domain::Commit],
    known: Option<&DeployPr>,
    now: chrono::DateTime<chrono::Utc>,
) -> DeployPr {
    let same_changes = known
        .is_some_and(|known| known.items.iter().map(|i| i.source.number).eq(items.iter().map(|i| i.source.number)));
    DeployPr {
        repo: env.repo.clone(),
        number: pull.number,
        env: env.name.clone(),
        title: pull.title.clone(),
        url: pull.url.clone(),
        base: env.deploy_branch.clone(),
        head: env.source_branch.clone(),
        head_sha: Some(pull.head_sha.clone()),
        state: pull.state,
        gate_override: known.filter(|_| same_changes).and_then(|k| k.gate_override.clone()),
        items,
        direct_commits: direct_commits.to_vec(),
        updated_at: now,
        merge_sha: None,
        version: known.map_or(0, |k| k.version),
    }
}
