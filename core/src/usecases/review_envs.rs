//! Review environments: one ECS task per pull request, started when it opens, replaced on a push without a gap
//! (the new task serves once it is ready, then the old one stops), stopped when it closes, idles past the TTL or
//! exceeds the cap, and reconciled with what ECS says.

use chrono::Duration;

use crate::domain::{
    Actor, AuditAction, AuditEntry, BranchName, ClusterName, CommitSha, Login, PrNumber, RepoSlug, ReviewEnv,
    ReviewEnvState, ReviewSettings,
};
use crate::error::CoreError;
use crate::ports::{OrchestratorError, TaskSpec, TaskStatus};
use crate::review_url::review_url;
use crate::tengu::Tengu;
use crate::webhooks::{PrAction, PullRequestEvent};

/// What a reconciliation did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// One sentence per change, e.g. "acme/shop#12 is running at https://…".
    pub changes: Vec<String>,
    /// Tasks tengu started (by `startedBy`) that no review environment holds.
    pub strangers: Vec<String>,
}

/// A pull request as its review environment needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPr {
    pub repo: RepoSlug,
    pub number: PrNumber,
    pub title: String,
    pub author: Login,
    pub branch: BranchName,
    pub sha: CommitSha,
}

impl ReviewPr {
    fn of(env: &ReviewEnv) -> ReviewPr {
        ReviewPr {
            repo: env.repo.clone(),
            number: env.pr,
            title: env.title.clone(),
            author: env.author.clone(),
            branch: env.branch.clone(),
            sha: env.next_sha.clone().unwrap_or_else(|| env.sha.clone()),
        }
    }
}

fn task_spec(settings: &ReviewSettings, pr: &ReviewPr) -> TaskSpec {
    let mut environment = vec![
        ("BRANCH".to_owned(), pr.branch.to_string()),
        ("PR_NUMBER".to_owned(), pr.number.get().to_string()),
        ("SHA".to_owned(), pr.sha.to_string()),
    ];
    environment.extend(settings.environment.iter().cloned());
    TaskSpec {
        cluster: settings.cluster.clone(),
        task_definition: settings.task_definition.clone(),
        launch_type: settings.launch_type,
        subnets: settings.subnets.clone(),
        security_groups: settings.security_groups.clone(),
        assign_public_ip: settings.assign_public_ip,
        container: settings.container.clone(),
        environment,
        tags: vec![
            ("tengu:repo".to_owned(), pr.repo.to_string()),
            ("tengu:pr".to_owned(), pr.number.get().to_string()),
            ("tengu:sha".to_owned(), pr.sha.to_string()),
        ],
    }
}

impl Tengu {
    fn review_settings(&self, repo: &RepoSlug) -> Result<&ReviewSettings, CoreError> {
        self.settings
            .review(repo)
            .ok_or_else(|| CoreError::Refused(format!("{repo} has no review environments configured")))
    }

    /// A pull request that is not a deploy PR opened, got a push, or closed.
    pub(crate) async fn on_feature_pull_request(&self, event: &PullRequestEvent) -> Result<String, CoreError> {
        let name = format!("{}{}", event.repo, event.number);
        let Some(settings) = self.settings.review(&event.repo) else {
            return Ok(format!("{name}: {} has no review environments", event.repo));
        };
        let pr = |sha: CommitSha| ReviewPr {
            repo: event.repo.clone(),
            number: event.number,
            title: event.title.clone(),
            author: event.author.clone(),
            branch: event.head.clone(),
            sha,
        };
        match &event.action {
            PrAction::Opened | PrAction::Reopened | PrAction::Synchronize => {
                if event.head_repo.as_ref() != Some(&event.repo) {
                    return Ok(format!("{name} comes from a fork: no review environment runs its code"));
                }
                if !settings.wants(&event.labels) {
                    return Ok(format!("{name}: its labels ask for no review environment"));
                }
                let Some(sha) = event.head_sha.clone() else {
                    return Ok(format!("{name}: GitHub named no head commit"));
                };
                let env = match event.action {
                    PrAction::Synchronize => self.push_review_env(pr(sha)).await?,
                    _ => self.start_review_env(pr(sha)).await?,
                };
                Ok(format!("{name}: review environment {} at {}", env.state.as_str(), env.url))
            }
            PrAction::Closed { merged } => {
                let why = if *merged { "pull request merged" } else { "pull request closed" };
                match self.stop_review_env(&event.repo, event.number, why).await? {
                    Some(_) => Ok(format!("{name}: review environment stopped ({why})")),
                    None => Ok(format!("{name}: no review environment to stop")),
                }
            }
            // A label added or removed may opt the pull request in or out.
            PrAction::Other(action) if action == "labeled" || action == "unlabeled" => {
                let live = self.ports.store.review_env(&event.repo, event.number).await?.is_some_and(|e| e.is_live());
                let forked = event.head_repo.as_ref() != Some(&event.repo);
                match (settings.wants(&event.labels) && !forked, live, event.head_sha.clone()) {
                    (true, false, Some(sha)) => {
                        let env = self.start_review_env(pr(sha)).await?;
                        Ok(format!("{name}: labelled in; review environment {} at {}", env.state.as_str(), env.url))
                    }
                    (false, true, _) => {
                        self.stop_review_env(&event.repo, event.number, "its labels ask for no review environment")
                            .await?;
                        Ok(format!("{name}: labelled out; review environment stopped"))
                    }
                    _ => Ok(format!("{name}: the labels change nothing for its review environment")),
                }
            }
            _ => Ok(format!("{name}: nothing for review environments to do")),
        }
    }

    /// Starts (or starts again) a pull request's environment: recorded as starting first, so a crash between
    /// here and ECS leaves something for the reconciliation to finish.
    pub async fn start_review_env(&self, pr: ReviewPr) -> Result<ReviewEnv, CoreError> {
        let settings = self.review_settings(&pr.repo)?.clone();
        let existing = self.ports.store.review_env(&pr.repo, pr.number).await?;
        if existing.as_ref().is_some_and(|env| env.is_live() && env.task.is_some()) {
            return self.push_review_env(pr).await;
        }
        let now = self.ports.clock.now();
        let mut env = ReviewEnv {
            repo: pr.repo.clone(),
            pr: pr.number,
            title: pr.title.clone(),
            author: pr.author.clone(),
            branch: pr.branch.clone(),
            sha: pr.sha.clone(),
            state: ReviewEnvState::Starting,
            url: review_url(&settings.url_template, &pr.repo, pr.number, &pr.branch),
            started_at: now,
            last_push_at: now,
            task: None,
            next_task: None,
            next_sha: None,
            address: None,
            reason: None,
            comment_id: existing.as_ref().and_then(|e| e.comment_id),
            github_deployment: None,
        };
        self.ports.store.save_review_env(&env).await?;
        self.run_first_task(&settings, &mut env).await?;
        self.publish_review_env(&mut env).await;
        self.enforce_review_cap(&settings, &mut Vec::new()).await?;
        Ok(self.ports.store.review_env(&pr.repo, pr.number).await?.unwrap_or(env))
    }

    async fn run_first_task(&self, settings: &ReviewSettings, env: &mut ReviewEnv) -> Result<(), CoreError> {
        match self.ports.tasks.run_task(&task_spec(settings, &ReviewPr::of(env))).await {
            Ok(arn) => env.task = Some(arn),
            Err(OrchestratorError::Unavailable(reason)) => {
                // Left starting without a task: the reconciliation tries again.
                tracing::warn!(%reason, repo = %env.repo, pr = %env.pr, "review task not started yet");
                return Ok(());
            }
            Err(refused) => {
                env.state = ReviewEnvState::Failed;
                env.reason = Some(format!("ECS did not start the task: {refused}"));
            }
        }
        self.ports.store.save_review_env(env).await?;
        Ok(())
    }

    /// New commits: a task for them starts beside the serving one and takes over once ready, so nobody's
    /// connection is cut mid-review. A stopped or failed environment comes back (a push is activity).
    pub async fn push_review_env(&self, pr: ReviewPr) -> Result<ReviewEnv, CoreError> {
        let settings = self.review_settings(&pr.repo)?.clone();
        let Some(mut env) = self.ports.store.review_env(&pr.repo, pr.number).await? else {
            return Box::pin(self.start_review_env(pr)).await;
        };
        if !env.is_live() || env.task.is_none() {
            return Box::pin(self.start_review_env(pr)).await;
        }
        let now = self.ports.clock.now();
        env.last_push_at = now;
        env.title = pr.title.clone();
        if env.state == ReviewEnvState::Starting {
            // Nothing serves yet: the old start is simply replaced.
            let old = env.task.take();
            env.sha = pr.sha.clone();
            self.ports.store.save_review_env(&env).await?;
            if let Some(old) = old {
                self.stop_task_quietly(&settings, &old, "superseded by a newer push").await;
            }
            // The deployment GitHub shows was for the commit that never served.
            env.github_deployment = None;
            self.run_first_task(&settings, &mut env).await?;
            self.publish_review_env(&mut env).await;
            return Ok(env);
        }
        if let Some(superseded) = env.next_task.take() {
            self.stop_task_quietly(&settings, &superseded, "superseded by a newer push").await;
        }
        env.next_sha = Some(pr.sha.clone());
        self.ports.store.save_review_env(&env).await?;
        match self.ports.tasks.run_task(&task_spec(&settings, &pr)).await {
            Ok(arn) => env.next_task = Some(arn),
            Err(OrchestratorError::Unavailable(reason)) => {
                tracing::warn!(%reason, repo = %env.repo, pr = %env.pr, "replacement not started yet");
            }
            Err(refused) => {
                env.next_sha = None;
                env.reason = Some(format!("the task for {} did not start: {refused}", pr.sha.short()));
            }
        }
        self.ports.store.save_review_env(&env).await?;
        self.publish_review_note(&mut env).await;
        Ok(env)
    }

    /// Stops a pull request's environment (both tasks while a replacement starts).
    pub async fn stop_review_env(
        &self,
        repo: &RepoSlug,
        pr: PrNumber,
        why: &str,
    ) -> Result<Option<ReviewEnv>, CoreError> {
        let settings = self.review_settings(repo)?.clone();
        let Some(mut env) = self.ports.store.review_env(repo, pr).await? else { return Ok(None) };
        if !env.is_live() {
            return Ok(Some(env));
        }
        for task in [env.task.take(), env.next_task.take()].into_iter().flatten() {
            self.ports.tasks.stop_task(&settings.cluster, &task, why).await?;
        }
        env.state = ReviewEnvState::Stopped;
        env.reason = Some(why.to_owned());
        env.address = None;
        env.next_sha = None;
        self.ports.store.save_review_env(&env).await?;
        self.publish_review_env(&mut env).await;
        Ok(Some(env))
    }

    async fn stop_task_quietly(&self, settings: &ReviewSettings, task: &str, why: &str) {
        if let Err(error) = self.ports.tasks.stop_task(&settings.cluster, task, why).await {
            tracing::warn!(%error, task, "a superseded review task was not stopped; the reconciliation reports it");
        }
    }

    /// Brings every review environment in line with ECS: starting ones become running (with their address) or
    /// failed (with ECS's stoppedReason), a ready replacement takes over and the old task stops, environments
    /// idle past the TTL stop, the cap is enforced (oldest idle first), and tasks tengu started but no
    /// environment holds are reported.
    pub async fn reconcile_review_envs(&self) -> Result<ReconcileReport, CoreError> {
        let mut report = ReconcileReport::default();
        let all = self.ports.store.review_envs().await?;
        for settings in self.settings.review.clone() {
            let envs: Vec<ReviewEnv> = all.iter().filter(|e| e.repo == settings.repo).cloned().collect();
            let held: Vec<String> = envs
                .iter()
                .filter(|e| e.is_live())
                .flat_map(|e| [e.task.clone(), e.next_task.clone()])
                .flatten()
                .collect();
            let statuses = if held.is_empty() {
                Vec::new()
            } else {
                self.ports.tasks.describe_tasks(&settings.cluster, &held).await?
            };
            for env in envs.into_iter().filter(ReviewEnv::is_live) {
                self.reconcile_one(&settings, env, &statuses, &mut report.changes).await?;
            }
            self.reap_idle(&settings, &mut report.changes).await?;
            self.enforce_review_cap(&settings, &mut report.changes).await?;
            let running = self.ports.tasks.list_tengu_tasks(&settings.cluster).await?;
            let known = self.ports.store.review_envs().await?;
            let known: Vec<&String> =
                known.iter().flat_map(|e| [e.task.as_ref(), e.next_task.as_ref()]).flatten().collect();
            report.strangers.extend(running.into_iter().filter(|arn| !known.contains(&arn)));
        }
        Ok(report)
    }

    async fn reconcile_one(
        &self,
        settings: &ReviewSettings,
        mut env: ReviewEnv,
        statuses: &[TaskStatus],
        changes: &mut Vec<String>,
    ) -> Result<(), CoreError> {
        let name = format!("{}{}", env.repo, env.pr);
        let find = |arn: &Option<String>| arn.as_ref().and_then(|arn| statuses.iter().find(|s| &s.arn == arn));
        let Some(current) = env.task.clone() else {
            // Recorded as starting, but ECS never got the request (it was unreachable): ask again.
            self.run_first_task(settings, &mut env).await?;
            changes.push(format!("{name}: task started again"));
            return Ok(());
        };
        let serving = find(&Some(current.clone())).cloned();
        let next = find(&env.next_task).cloned();
        let address = |task: &TaskStatus| task.private_ip.as_ref().map(|ip| format!("{ip}:{}", settings.port));
        // A replacement that is ready takes over; one that stopped is dropped, the old task serving on.
        if let Some(next) = &next {
            if next.is_ready() && address(next).is_some() {
                env.address = address(next);
                env.task = env.next_task.take();
                env.sha = env.next_sha.take().unwrap_or(env.sha);
                env.state = ReviewEnvState::Running;
                env.reason = None;
                // A new commit serves: GitHub gets a deployment of it (the old one goes inactive).
                env.github_deployment = None;
                self.ports.store.save_review_env(&env).await?;
                self.stop_task_quietly(settings, &current, "replaced by a newer push").await;
                self.publish_review_env(&mut env).await;
                changes.push(format!("{name}: now serving {} at {}", env.sha.short(), env.url));
                return Ok(());
            }
            if next.is_stopped() {
                let why = next.stopped_reason.clone().unwrap_or_else(|| "no reason given".to_owned());
                env.reason =
                    Some(format!("the task for {} stopped: {why}", env.next_sha.as_ref().map_or("?", |s| s.short())));
                env.next_task = None;
                env.next_sha = None;
                self.ports.store.save_review_env(&env).await?;
                self.publish_review_note(&mut env).await;
                changes.push(format!("{name}: the new task stopped; the previous one serves on"));
            }
        }
        match serving {
            Some(task) if task.is_stopped() => {
                let why = task.stopped_reason.unwrap_or_else(|| "no reason given".to_owned());
                env.state = ReviewEnvState::Failed;
                env.reason = Some(format!("the task stopped: {why}"));
                env.address = None;
                env.task = None;
                self.ports.store.save_review_env(&env).await?;
                self.publish_review_env(&mut env).await;
                changes.push(format!("{name}: failed ({why})"));
            }
            Some(task) if env.state == ReviewEnvState::Starting && task.is_ready() && address(&task).is_some() => {
                env.state = ReviewEnvState::Running;
                env.address = address(&task);
                self.ports.store.save_review_env(&env).await?;
                self.publish_review_env(&mut env).await;
                changes.push(format!("{name}: running at {}", env.url));
            }
            Some(_) => {}
            None => {
                env.state = ReviewEnvState::Failed;
                env.reason = Some("ECS no longer knows its task".to_owned());
                env.address = None;
                env.task = None;
                self.ports.store.save_review_env(&env).await?;
                self.publish_review_env(&mut env).await;
                changes.push(format!("{name}: failed (its task is gone)"));
            }
        }
        Ok(())
    }

    async fn reap_idle(&self, settings: &ReviewSettings, changes: &mut Vec<String>) -> Result<(), CoreError> {
        let now = self.ports.clock.now();
        let ttl = Duration::hours(settings.ttl_hours);
        for env in self.ports.store.review_envs().await? {
            if env.repo == settings.repo && env.is_live() && env.last_push_at + ttl <= now {
                let why = format!("no push for {}", span(ttl));
                self.stop_review_env(&env.repo, env.pr, &why).await?;
                changes.push(format!("{}{}: stopped ({why})", env.repo, env.pr));
            }
        }
        Ok(())
    }

    /// More live environments than the cap: the ones idle longest stop first; the newest never does.
    async fn enforce_review_cap(&self, settings: &ReviewSettings, changes: &mut Vec<String>) -> Result<(), CoreError> {
        let mut live: Vec<ReviewEnv> = self
            .ports
            .store
            .review_envs()
            .await?
            .into_iter()
            .filter(|e| e.repo == settings.repo && e.is_live())
            .collect();
        live.sort_by_key(|e| std::cmp::Reverse(e.last_push_at));
        let cap = settings.max_concurrent.max(1);
        for env in live.into_iter().skip(cap) {
            let why = format!("more than {cap} review environments run; this one was idle longest");
            self.stop_review_env(&env.repo, env.pr, &why).await?;
            changes.push(format!("{}{}: stopped ({why})", env.repo, env.pr));
        }
        Ok(())
    }

    /// Every review environment (live first, then newest push first), when each expires, and tasks tengu started
    /// that none holds (one ListTasks per configured repository).
    pub async fn review_envs_view(&self) -> Result<crate::views::ReviewEnvsView, CoreError> {
        let now = self.ports.clock.now();
        let mut envs = self.ports.store.review_envs().await?;
        envs.sort_by_key(|e| (!e.is_live(), std::cmp::Reverse(e.last_push_at)));
        let rows = envs
            .into_iter()
            .map(|env| {
                let ttl = self.settings.review(&env.repo).map(|s| Duration::hours(s.ttl_hours));
                let expires_at = ttl.filter(|_| env.is_live()).map(|ttl| env.last_push_at + ttl);
                crate::views::ReviewEnvRow { env, expires_at }
            })
            .collect::<Vec<_>>();
        let mut strangers = Vec::new();
        let mut strangers_unknown = None;
        for settings in &self.settings.review {
            match self.ports.tasks.list_tengu_tasks(&settings.cluster).await {
                Ok(running) => {
                    let held = |arn: &String| {
                        rows.iter().any(|r| r.env.task.as_ref() == Some(arn) || r.env.next_task.as_ref() == Some(arn))
                    };
                    strangers
                        .extend(running.into_iter().filter(|a| !held(a)).map(|a| (settings.cluster.to_string(), a)));
                }
                Err(error) => strangers_unknown = Some(error.to_string()),
            }
        }
        Ok(crate::views::ReviewEnvsView { rows, strangers, strangers_unknown, now })
    }

    /// Stops a task tengu started that no review environment holds (listed on the page).
    pub async fn stop_stranger_task(&self, actor: &Actor, cluster: &ClusterName, arn: &str) -> Result<(), CoreError> {
        if !self.settings.review.iter().any(|s| &s.cluster == cluster) {
            return Err(CoreError::Refused(format!("{cluster} is not a review environments cluster")));
        }
        let held = self
            .ports
            .store
            .review_envs()
            .await?
            .into_iter()
            .any(|e| e.is_live() && (e.task.as_deref() == Some(arn) || e.next_task.as_deref() == Some(arn)));
        if held {
            return Err(CoreError::Refused(
                "that task serves a review environment; stop the environment instead".into(),
            ));
        }
        let why = format!("stopped by {}: no review environment held it", actor.display_name());
        self.ports.tasks.stop_task(cluster, arn, &why).await?;
        let entry = AuditEntry {
            at: self.ports.clock.now(),
            actor: actor.display_name(),
            action: AuditAction::ReviewEnvStopped,
            target: format!("task {arn}"),
            detail: why,
        };
        self.ports.store.record_audit(&entry).await?;
        Ok(())
    }

    /// Where a proxy should send a request for `host`: the running environment's task address.
    pub async fn review_route(&self, host: &str) -> Result<Option<String>, CoreError> {
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let envs = self.ports.store.review_envs().await?;
        Ok(envs
            .into_iter()
            .find(|e| e.state == ReviewEnvState::Running && e.host().eq_ignore_ascii_case(&host))
            .and_then(|e| e.address))
    }

    /// The Stop, Start and Rebuild buttons.
    pub async fn press_review(
        &self,
        actor: &Actor,
        repo: &RepoSlug,
        pr: PrNumber,
        press: ReviewPress,
    ) -> Result<ReviewEnv, CoreError> {
        let env = self
            .ports
            .store
            .review_env(repo, pr)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("the review environment of {repo}{pr}")))?;
        let (action, done) = match press {
            ReviewPress::Stop => {
                let why = format!("stopped by {}", actor.display_name());
                let stopped = self.stop_review_env(repo, pr, &why).await?.unwrap_or(env);
                (AuditAction::ReviewEnvStopped, stopped)
            }
            ReviewPress::Start => (AuditAction::ReviewEnvStarted, self.start_review_env(ReviewPr::of(&env)).await?),
            ReviewPress::Rebuild => {
                let fresh = if env.is_live() && env.task.is_some() {
                    self.push_review_env(ReviewPr::of(&env)).await?
                } else {
                    self.start_review_env(ReviewPr::of(&env)).await?
                };
                (AuditAction::ReviewEnvStarted, fresh)
            }
        };
        let entry = AuditEntry {
            at: self.ports.clock.now(),
            actor: actor.display_name(),
            action,
            target: format!("review environment {repo}{pr}"),
            detail: format!("{:?} at {}", press, done.sha.short()),
        };
        self.ports.store.record_audit(&entry).await?;
        Ok(done)
    }
}

/// A button on the review environments page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewPress {
    Stop,
    Start,
    Rebuild,
}

impl ReviewPress {
    pub fn parse(value: &str) -> Result<Self, CoreError> {
        match value {
            "stop" => Ok(ReviewPress::Stop),
            "start" => Ok(ReviewPress::Start),
            "rebuild" => Ok(ReviewPress::Rebuild),
            other => Err(CoreError::Refused(format!("{other:?} is not stop, start or rebuild"))),
        }
    }
}

/// "5 days", "36 hours".
fn span(duration: Duration) -> String {
    let hours = duration.num_hours();
    if hours % 24 == 0 { format!("{} days", hours / 24) } else { format!("{hours} hours") }
}
