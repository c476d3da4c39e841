//! Review environments: one ECS task per pull request, started when it opens, replaced on a push without a gap
//! (the new task serves once it is ready, then the old one stops), stopped when it closes. Every change to an
//! environment is a compare-and-set on its version, so the webhook handler, the reconciler and a person's button
//! (in one instance or several) never overwrite each other: a loser reads again and redoes its step.

use std::future::Future;

use crate::domain::{
    Actor, AuditAction, AuditEntry, BranchName, ClusterName, CommitSha, Login, PrNumber, RepoSlug, ReviewEnv,
    ReviewEnvState, ReviewSettings,
};
use crate::error::CoreError;
use crate::ports::{Action, OrchestratorError, StoreError, TaskSpec};
use crate::review_url::review_url;
use crate::tengu::Tengu;

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
    pub(crate) fn of(env: &ReviewEnv) -> ReviewPr {
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

pub(crate) fn task_spec(settings: &ReviewSettings, pr: &ReviewPr) -> TaskSpec {
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

pub(crate) fn is_lost_race(error: &CoreError) -> bool {
    matches!(error, CoreError::Store(StoreError::Conflict(_)))
}

impl Tengu {
    pub(crate) fn review_settings(&self, repo: &RepoSlug) -> Result<&ReviewSettings, CoreError> {
        self.settings
            .review(repo)
            .ok_or_else(|| CoreError::Refused(format!("{repo} has no review environments configured")))
    }

    /// Saves what was read at `env.version`; a lost race is `StoreError::Conflict`.
    pub(crate) async fn save_review(&self, env: &mut ReviewEnv) -> Result<(), CoreError> {
        if self.ports.store.save_review_env(env).await? {
            env.version += 1;
            Ok(())
        } else {
            let what = format!("the review environment of {}{} changed meanwhile", env.repo, env.pr);
            Err(CoreError::Store(StoreError::Conflict(what)))
        }
    }

    /// `step` again on a fresh read when it lost a race (three tries).
    pub(crate) async fn retrying<T, Fut: Future<Output = Result<T, CoreError>>>(
        &self,
        step: impl Fn() -> Fut,
    ) -> Result<T, CoreError> {
        let mut tries = 0;
        loop {
            match step().await {
                Err(error) if is_lost_race(&error) && tries < 2 => tries += 1,
                other => return other,
            }
        }
    }

    /// Starts (or starts again) a pull request's environment; one already live takes the commit as a push.
    pub async fn start_review_env(&self, pr: ReviewPr) -> Result<ReviewEnv, CoreError> {
        let existing = self.ports.store.review_env(&pr.repo, pr.number).await?;
        if existing.as_ref().is_some_and(|env| env.is_live() && env.task.is_some()) {
            return self.retrying(|| self.push_once(pr.clone())).await;
        }
        let env = self.retrying(|| self.start_once(pr.clone())).await?;
        let settings = self.review_settings(&pr.repo)?.clone();
        if let Err(error) = self.enforce_review_cap(&settings, &mut Vec::new()).await {
            tracing::warn!(%error, "the review environment cap was not enforced; the reconciliation tries again");
        }
        Ok(self.ports.store.review_env(&pr.repo, pr.number).await?.unwrap_or(env))
    }

    /// Recorded as starting before ECS is asked, so a crash in between leaves the reconciliation something to
    /// finish.
    async fn start_once(&self, pr: ReviewPr) -> Result<ReviewEnv, CoreError> {
        let settings = self.review_settings(&pr.repo)?.clone();
        let existing = self.ports.store.review_env(&pr.repo, pr.number).await?;
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
            version: existing.as_ref().map_or(0, |e| e.version),
        };
        self.save_review(&mut env).await?;
        self.run_first_task(&settings, &mut env).await?;
        self.publish_review_env(&mut env).await;
        Ok(env)
    }

    /// Asks ECS for the environment's (first) task and records it. A lost race stops the task it started, so no
    /// task is left that nobody holds; ECS being unreachable leaves it starting, for the reconciliation.
    pub(crate) async fn run_first_task(&self, settings: &ReviewSettings, env: &mut ReviewEnv) -> Result<(), CoreError> {
        match self.ports.tasks.run_task(&task_spec(settings, &ReviewPr::of(env))).await {
            Ok(arn) => {
                env.task = Some(arn.clone());
                if let Err(lost) = self.save_review(env).await {
                    self.stop_task_quietly(settings, &arn, "its start lost a race").await;
                    return Err(lost);
                }
            }
            Err(OrchestratorError::Unavailable(reason)) => {
                tracing::warn!(%reason, repo = %env.repo, pr = %env.pr, "review task not started yet");
            }
            Err(refused) => {
                env.state = ReviewEnvState::Failed;
                env.reason = Some(format!("ECS did not start the task: {refused}"));
                self.save_review(env).await?;
            }
        }
        Ok(())
    }

    /// New commits: a task for them starts beside the serving one and takes over once ready, so nobody's
    /// connection is cut mid-review. A stopped or failed environment comes back (a push is activity).
    pub async fn push_review_env(&self, pr: ReviewPr) -> Result<ReviewEnv, CoreError> {
        let existing = self.ports.store.review_env(&pr.repo, pr.number).await?;
        if !existing.as_ref().is_some_and(|env| env.is_live() && env.task.is_some()) {
            return self.start_review_env(pr).await;
        }
        self.retrying(|| self.push_once(pr.clone())).await
    }

    async fn push_once(&self, pr: ReviewPr) -> Result<ReviewEnv, CoreError> {
        let settings = self.review_settings(&pr.repo)?.clone();
        let mut env = self
            .ports
            .store
            .review_env(&pr.repo, pr.number)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("the review environment of {}{}", pr.repo, pr.number)))?;
        env.last_push_at = self.ports.clock.now();
        env.title = pr.title.clone();
        if env.state == ReviewEnvState::Starting {
            // Nothing serves yet: the old start is simply replaced (and GitHub's deployment of it with it).
            let old = env.task.take();
            env.sha = pr.sha.clone();
            env.github_deployment = None;
            self.save_review(&mut env).await?;
            if let Some(old) = old {
                self.stop_task_quietly(&settings, &old, "superseded by a newer push").await;
            }
            self.run_first_task(&settings, &mut env).await?;
            self.publish_review_env(&mut env).await;
            return Ok(env);
        }
        let superseded = env.next_task.take();
        env.next_sha = Some(pr.sha.clone());
        self.save_review(&mut env).await?;
        if let Some(superseded) = superseded {
            self.stop_task_quietly(&settings, &superseded, "superseded by a newer push").await;
        }
        self.run_replacement(&settings, &mut env).await?;
        self.publish_review_note(&mut env).await;
        Ok(env)
    }

    /// Starts the task for `next_sha` beside the serving one (after a push, or again when ECS was unreachable).
    pub(crate) async fn run_replacement(
        &self,
        settings: &ReviewSettings,
        env: &mut ReviewEnv,
    ) -> Result<(), CoreError> {
        let Some(sha) = env.next_sha.clone() else { return Ok(()) };
        let pr = ReviewPr { sha: sha.clone(), ..ReviewPr::of(env) };
        match self.ports.tasks.run_task(&task_spec(settings, &pr)).await {
            Ok(arn) => {
                env.next_task = Some(arn.clone());
                if let Err(lost) = self.save_review(env).await {
                    self.stop_task_quietly(settings, &arn, "its start lost a race").await;
                    return Err(lost);
                }
            }
            Err(OrchestratorError::Unavailable(reason)) => {
                tracing::warn!(%reason, repo = %env.repo, pr = %env.pr, "replacement not started yet");
            }
            Err(refused) => {
                env.next_sha = None;
                env.reason = Some(format!("the task for {} did not start: {refused}", sha.short()));
                self.save_review(env).await?;
            }
        }
        Ok(())
    }

    /// Stops a pull request's environment (both tasks while a replacement starts). Recorded first, so nothing
    /// revives it; a task ECS would not stop shows up among the tasks nobody holds.
    pub async fn stop_review_env(
        &self,
        repo: &RepoSlug,
        pr: PrNumber,
        why: &str,
    ) -> Result<Option<ReviewEnv>, CoreError> {
        let settings = self.review_settings(repo)?.clone();
        let stopped = self
            .retrying(|| async {
                let Some(mut env) = self.ports.store.review_env(repo, pr).await? else { return Ok(None) };
                if !env.is_live() {
                    return Ok(Some((env, Vec::new())));
                }
                let tasks: Vec<String> = [env.task.take(), env.next_task.take()].into_iter().flatten().collect();
                env.state = ReviewEnvState::Stopped;
                env.reason = Some(why.to_owned());
                env.address = None;
                env.next_sha = None;
                self.save_review(&mut env).await?;
                Ok(Some((env, tasks)))
            })
            .await?;
        let Some((mut env, tasks)) = stopped else { return Ok(None) };
        // A closed pull request's replaced tasks stop with it, drained or not.
        self.finish_draining(&settings, Some(pr), &mut Vec::new()).await?;
        if tasks.is_empty() {
            return Ok(Some(env));
        }
        for task in &tasks {
            self.stop_task_quietly(&settings, task, why).await;
        }
        self.publish_review_env(&mut env).await;
        Ok(Some(env))
    }

    pub(crate) async fn stop_task_quietly(&self, settings: &ReviewSettings, task: &str, why: &str) {
        if let Err(error) = self.ports.tasks.stop_task(&settings.cluster, task, why).await {
            tracing::warn!(%error, task, "a review task was not stopped; the page lists it among tasks nobody holds");
        }
    }

    /// Stops a task tengu started that no review environment holds (listed on the page).
    pub async fn stop_stranger_task(&self, actor: &Actor, cluster: &ClusterName, arn: &str) -> Result<(), CoreError> {
        let Some(settings) = self.settings.review.iter().find(|s| &s.cluster == cluster) else {
            return Err(CoreError::Refused(format!("{cluster} is not a review environments cluster")));
        };
        self.authorize(actor, &Action::StopStrangerTask { repo: &settings.repo }).await?;
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
        if !self.ports.tasks.list_tengu_tasks(cluster).await?.iter().any(|t| t == arn) {
            return Err(CoreError::Refused(format!("{arn} is not a running task that tengu started")));
        }
        let why = format!("stopped by {}: no review environment held it", actor.display_name());
        self.ports.tasks.stop_task(cluster, arn, &why).await?;
        let entry = AuditEntry {
            at: self.ports.clock.now(),
            actor: actor.display_name(),
            action: AuditAction::ReviewEnvStopped,
            target: format!("task {arn}"),
            detail: why,
            repo: Some(settings.repo.clone()),
        };
        self.ports.store.record_audit(&entry).await?;
        Ok(())
    }

    /// Where a proxy should send a request for `host`: the running environment's task address.
    pub async fn review_route(&self, host: &str) -> Result<Option<String>, CoreError> {
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        Ok(self.ports.store.running_review_env_at(&host).await?.and_then(|e| e.address))
    }

    /// The Stop, Start and Rebuild buttons.
    pub async fn press_review(
        &self,
        actor: &Actor,
        repo: &RepoSlug,
        pr: PrNumber,
        press: ReviewPress,
    ) -> Result<ReviewEnv, CoreError> {
        self.authorize(actor, &Action::ReviewEnv { repo, pr }).await?;
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
            repo: Some(repo.clone()),
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
