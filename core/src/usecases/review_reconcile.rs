//! Bringing review environments in line with ECS, on a timer: starting ones become running (with an address) or
//! fail (with ECS's stoppedReason, or after a deadline), a ready replacement takes over, idle ones stop after the
//! TTL, the cap holds, and tasks tengu started that no environment holds are reported. One failing environment or
//! repository never stops the others.

use chrono::Duration;

use crate::domain::{ReviewEnv, ReviewEnvState, ReviewSettings};
use crate::error::CoreError;
use crate::ports::TaskStatus;
use crate::tengu::Tengu;
use crate::usecases::review_envs::is_lost_race;

/// A task started this recently may not show in DescribeTasks yet (ECS is eventually consistent).
const VISIBILITY_GRACE_SECONDS: i64 = 60;
/// A start that is not ready by then (never healthy, never an address) fails, and its task stops.
const START_DEADLINE_MINUTES: i64 = 15;

/// What a reconciliation did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// One sentence per change, e.g. "acme/shop#12: running at https://…".
    pub changes: Vec<String>,
    /// Tasks tengu started (by `startedBy`) that no live review environment holds.
    pub strangers: Vec<String>,
    /// What could not be done this time (tried again at the next tick).
    pub errors: Vec<String>,
}

/// Tasks tengu started that no review environment held, when the reconciler last listed a cluster's tasks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct StrangerTasks {
    pub tasks: Vec<String>,
    /// ECS could not be asked (why).
    pub error: Option<String>,
    pub checked_at: chrono::DateTime<chrono::Utc>,
}

impl StrangerTasks {
    fn found(tasks: Vec<String>) -> Self {
        Self { tasks, error: None, checked_at: chrono::DateTime::<chrono::Utc>::MIN_UTC }
    }

    fn unknown(error: String) -> Self {
        Self { tasks: Vec::new(), error: Some(error), checked_at: chrono::DateTime::<chrono::Utc>::MIN_UTC }
    }
}

fn stranger_report_key(repo: &crate::domain::RepoSlug) -> String {
    format!("review.strangers.{repo}")
}

impl Tengu {
    pub async fn reconcile_review_envs(&self) -> Result<ReconcileReport, CoreError> {
        let mut report = ReconcileReport::default();
        for settings in self.settings.review.clone() {
            if let Err(error) = self.reconcile_repo(&settings, &mut report).await {
                report.errors.push(format!("{}: {}", settings.repo, error.user_message()));
            }
        }
        Ok(report)
    }

    async fn reconcile_repo(&self, settings: &ReviewSettings, report: &mut ReconcileReport) -> Result<(), CoreError> {
        let live = self.live_review_envs(settings).await?;
        let held: Vec<String> = live.iter().flat_map(|e| [e.task.clone(), e.next_task.clone()]).flatten().collect();
        let statuses = if held.is_empty() {
            Vec::new()
        } else {
            self.ports.tasks.describe_tasks(&settings.cluster, &held).await?
        };
        for env in live {
            let name = format!("{}{}", env.repo, env.pr);
            match self.reconcile_one(settings, env, &statuses, &mut report.changes).await {
                Ok(()) => {}
                // Someone changed it meanwhile: the next tick sees what they did.
                Err(error) if is_lost_race(&error) => {}
                Err(error) => report.errors.push(format!("{name}: {}", error.user_message())),
            }
        }
        self.reap_idle(settings, &mut report.changes).await?;
        self.enforce_review_cap(settings, &mut report.changes).await?;
        let draining = self.finish_draining(settings, None, &mut report.changes).await?;
        let mut held: Vec<String> =
            self.live_review_envs(settings).await?.into_iter().flat_map(|e| [e.task, e.next_task]).flatten().collect();
        held.extend(draining);
        let listed = self.ports.tasks.list_tengu_tasks(&settings.cluster).await;
        let found = match &listed {
            Ok(running) => StrangerTasks::found(running.iter().filter(|arn| !held.contains(arn)).cloned().collect()),
            Err(error) => StrangerTasks::unknown(error.to_string()),
        };
        // The review environments page shows this report instead of asking ECS on every visitor's refresh.
        let report_json = serde_json::to_string(&StrangerTasks { checked_at: self.ports.clock.now(), ..found })
            .expect("a stranger report always serialises");
        self.ports.store.save_document(&stranger_report_key(&settings.repo), &report_json).await?;
        report.strangers.extend(listed?.into_iter().filter(|arn| !held.contains(arn)));
        Ok(())
    }

    /// What the reconciler last found of tasks tengu started that no review environment holds, for a repository.
    pub(crate) async fn stranger_tasks(
        &self,
        repo: &crate::domain::RepoSlug,
    ) -> Result<Option<StrangerTasks>, CoreError> {
        let saved = self.ports.store.load_document(&stranger_report_key(repo)).await?;
        Ok(saved.and_then(|json| serde_json::from_str(&json).ok()))
    }

    async fn live_review_envs(&self, settings: &ReviewSettings) -> Result<Vec<ReviewEnv>, CoreError> {
        let all = self.ports.store.review_envs().await?;
        Ok(all.into_iter().filter(|e| e.repo == settings.repo && e.is_live()).collect())
    }

    async fn reconcile_one(
        &self,
        settings: &ReviewSettings,
        mut env: ReviewEnv,
        statuses: &[TaskStatus],
        changes: &mut Vec<String>,
    ) -> Result<(), CoreError> {
        let name = format!("{}{}", env.repo, env.pr);
        let Some(current) = env.task.clone() else {
            // Recorded as starting, but ECS never got the request (it was unreachable): ask again.
            self.run_first_task(settings, &mut env).await?;
            self.publish_review_env(&mut env).await;
            changes.push(format!("{name}: task requested again"));
            return Ok(());
        };
        if env.next_sha.is_some() && env.next_task.is_none() {
            self.run_replacement(settings, &mut env).await?;
            changes.push(format!("{name}: the new commit's task requested again"));
        }
        let seen = Seen { statuses, port: settings.port, young: self.just_pushed(&env) };
        if self.reconcile_replacement(settings, &mut env, &current, &seen, changes).await? {
            return Ok(());
        }
        self.reconcile_serving(settings, &mut env, &current, &seen, changes).await
    }

    /// A task ECS does not list yet may just have been asked for: it is given a moment before it counts as lost.
    fn just_pushed(&self, env: &ReviewEnv) -> bool {
        self.ports.clock.now() - env.last_push_at < Duration::seconds(VISIBILITY_GRACE_SECONDS)
    }

    /// The replacement: ready takes over (true: nothing more to do); stopped (or gone) is dropped and the old task
    /// serves on.
    async fn reconcile_replacement(
        &self,
        settings: &ReviewSettings,
        env: &mut ReviewEnv,
        current: &str,
        seen: &Seen<'_>,
        changes: &mut Vec<String>,
    ) -> Result<bool, CoreError> {
        let name = format!("{}{}", env.repo, env.pr);
        let Some(next_arn) = env.next_task.clone() else { return Ok(false) };
        match seen.task(&next_arn) {
            Some(next) if next.is_ready() && seen.address(next).is_some() => {
                env.address = seen.address(next);
                env.task = env.next_task.take();
                env.sha = env.next_sha.take().unwrap_or(env.sha.clone());
                env.state = ReviewEnvState::Running;
                env.reason = None;
                // A new commit serves: GitHub gets a deployment of it (the old one goes inactive).
                env.github_deployment = None;
                self.save_review(env).await?;
                // The route sends new requests to the new task; the old one finishes those it has.
                self.drain_task(settings, env.pr, current).await?;
                self.publish_review_env(env).await;
                changes.push(format!("{name}: now serving {} at {}", env.sha.short(), env.url));
                return Ok(true);
            }
            Some(next) if next.is_stopped() => {
                let why = next.stopped_reason.clone().unwrap_or_else(|| "no reason given".to_owned());
                self.drop_replacement(env, &why).await?;
                changes.push(format!("{name}: the new commit's task stopped; the previous one serves on"));
            }
            None if !seen.young => {
                self.stop_task_quietly(settings, &next_arn, "ECS lost track of it").await;
                self.drop_replacement(env, "ECS no longer knows it").await?;
                changes.push(format!("{name}: the new commit's task is gone; the previous one serves on"));
            }
            _ => {}
        }
        Ok(false)
    }

    /// The serving task: stopped or lost ends the environment, ready makes a starting one run, and one not ready
    /// within the deadline fails.
    async fn reconcile_serving(
        &self,
        settings: &ReviewSettings,
        env: &mut ReviewEnv,
        current: &str,
        seen: &Seen<'_>,
        changes: &mut Vec<String>,
    ) -> Result<(), CoreError> {
        let name = format!("{}{}", env.repo, env.pr);
        let now = self.ports.clock.now();
        match seen.task(current) {
            Some(task) if task.is_stopped() => {
                let why = task.stopped_reason.clone().unwrap_or_else(|| "no reason given".to_owned());
                self.serving_task_ended(env, &format!("the task stopped: {why}"), changes).await?;
            }
            None if !seen.young => {
                self.stop_task_quietly(settings, current, "ECS lost track of it").await;
                self.serving_task_ended(env, "ECS no longer knows its task", changes).await?;
            }
            Some(task) if env.state == ReviewEnvState::Starting && task.is_ready() && seen.address(task).is_some() => {
                env.state = ReviewEnvState::Running;
                env.address = seen.address(task);
                self.save_review(env).await?;
                self.publish_review_env(env).await;
                changes.push(format!("{name}: running at {}", env.url));
            }
            Some(task)
                if env.state == ReviewEnvState::Starting
                    && now - env.last_push_at > Duration::minutes(START_DEADLINE_MINUTES) =>
            {
                let health = task.health.as_deref().unwrap_or("no health check");
                let why = format!(
                    "not ready within {START_DEADLINE_MINUTES} minutes (ECS says {}, {health})",
                    task.last_status
                );
                self.stop_task_quietly(settings, current, &why).await;
                env.state = ReviewEnvState::Failed;
                env.reason = Some(why.clone());
                env.task = None;
                self.save_review(env).await?;
                self.publish_review_env(env).await;
                changes.push(format!("{name}: failed ({why})"));
            }
            _ => {}
        }
        Ok(())
    }

    async fn drop_replacement(&self, env: &mut ReviewEnv, why: &str) -> Result<(), CoreError> {
        let sha = env.next_sha.take();
        env.next_task = None;
        env.reason = Some(format!("the task for {} stopped: {why}", sha.as_ref().map_or("?", |s| s.short())));
        self.save_review(env).await?;
        self.publish_review_note(env).await;
        Ok(())
    }

    /// The serving task is gone: a replacement on its way takes over as the start, or the environment fails.
    async fn serving_task_ended(
        &self,
        env: &mut ReviewEnv,
        why: &str,
        changes: &mut Vec<String>,
    ) -> Result<(), CoreError> {
        let name = format!("{}{}", env.repo, env.pr);
        env.address = None;
        if let Some(next) = env.next_task.take() {
            env.task = Some(next);
            env.sha = env.next_sha.take().unwrap_or_else(|| env.sha.clone());
            env.state = ReviewEnvState::Starting;
            env.reason = Some(format!("{why}; starting {}", env.sha.short()));
            env.github_deployment = None;
            self.save_review(env).await?;
            self.publish_review_env(env).await;
            changes.push(format!("{name}: {why}; the new commit's task takes over"));
            return Ok(());
        }
        env.state = ReviewEnvState::Failed;
        env.reason = Some(why.to_owned());
        env.task = None;
        env.next_sha = None;
        self.save_review(env).await?;
        self.publish_review_env(env).await;
        changes.push(format!("{name}: failed ({why})"));
        Ok(())
    }

    async fn reap_idle(&self, settings: &ReviewSettings, changes: &mut Vec<String>) -> Result<(), CoreError> {
        let now = self.ports.clock.now();
        let ttl = Duration::hours(settings.ttl_hours);
        for env in self.live_review_envs(settings).await? {
            if env.last_push_at + ttl <= now {
                let why = format!("no push for {}", span(ttl));
                self.stop_review_env(&env.repo, env.pr, &why).await?;
                changes.push(format!("{}{}: stopped ({why})", env.repo, env.pr));
            }
        }
        Ok(())
    }

    /// More live environments than the cap: the ones idle longest stop first; the newest never does.
    pub(crate) async fn enforce_review_cap(
        &self,
        settings: &ReviewSettings,
        changes: &mut Vec<String>,
    ) -> Result<(), CoreError> {
        let mut live = self.live_review_envs(settings).await?;
        live.sort_by_key(|e| std::cmp::Reverse(e.last_push_at));
        let cap = settings.max_concurrent.max(1);
        for env in live.into_iter().skip(cap) {
            let why = format!("more than {cap} review environments run; this one was idle longest");
            self.stop_review_env(&env.repo, env.pr, &why).await?;
            changes.push(format!("{}{}: stopped ({why})", env.repo, env.pr));
        }
        Ok(())
    }
}

/// "5 days", "36 hours".
fn span(duration: Duration) -> String {
    let hours = duration.num_hours();
    if hours % 24 == 0 { format!("{} days", hours / 24) } else { format!("{hours} hours") }
}

/// What ECS listed of a repository's tasks, as one environment's reconciliation reads it.
struct Seen<'a> {
    statuses: &'a [TaskStatus],
    port: u16,
    /// Pushed moments ago: a task ECS does not list yet is not lost.
    young: bool,
}

impl Seen<'_> {
    fn task(&self, arn: &str) -> Option<&TaskStatus> {
        self.statuses.iter().find(|s| s.arn == arn)
    }

    fn address(&self, task: &TaskStatus) -> Option<String> {
        task.private_ip.as_ref().map(|ip| format!("{ip}:{}", self.port))
    }
}
