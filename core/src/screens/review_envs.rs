//! The review environments' page.

use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

/// How many stopped or failed review environments the page lists after the live ones.
pub const ENDED_REVIEW_ENVS_SHOWN: usize = 50;

impl Tengu {
    /// Every live review environment and the newest ended ones (live first, then newest push first), when each
    /// expires, and tasks tengu started that none holds (as the reconciler last found them: no call to ECS).
    pub async fn review_envs_view(
        &self,
        viewer: &crate::domain::Viewer,
    ) -> Result<crate::views::ReviewEnvsView, CoreError> {
        let now = self.ports.clock.now();
        let mut envs = self.ports.store.review_envs().await?;
        envs.retain(|e| viewer.can_see(&e.repo));
        envs.sort_by_key(|e| (!e.is_live(), std::cmp::Reverse(e.last_push_at)));
        // Every live one, then the newest ended ones: one row per pull request ever would grow without end.
        let mut ended = 0;
        envs.retain(|e| {
            ended += usize::from(!e.is_live());
            e.is_live() || ended <= ENDED_REVIEW_ENVS_SHOWN
        });
        let rows = envs
            .iter()
            .map(|env| {
                let ttl = self.settings.review(&env.repo).map(|s| chrono::Duration::hours(s.ttl_hours));
                let expires_at = ttl.filter(|_| env.is_live()).map(|ttl| env.last_push_at + ttl);
                let refusal = self.would_refuse(viewer, &Action::ReviewEnv { repo: &env.repo, pr: env.pr });
                crate::views::ReviewEnvRow::of(env, expires_at, now, refusal)
            })
            .collect::<Vec<_>>();
        let mut strangers = Vec::new();
        let mut strangers_unknown = None;
        let mut stranger_refusal = None;
        for settings in self.settings.review.iter().filter(|s| viewer.can_see(&s.repo)) {
            stranger_refusal = stranger_refusal
                .or_else(|| self.would_refuse(viewer, &Action::StopStrangerTask { repo: &settings.repo }));
            // What the reconciler found at its last look (a page load never asks ECS).
            match self.stranger_tasks(&settings.repo).await? {
                Some(found) => {
                    let held = |arn: &String| {
                        envs.iter().any(|e| e.task.as_ref() == Some(arn) || e.next_task.as_ref() == Some(arn))
                    };
                    strangers.extend(
                        found.tasks.into_iter().filter(|a| !held(a)).map(|a| (settings.cluster.to_string(), a)),
                    );
                    if let Some(error) = found.error {
                        strangers_unknown = Some(format!("{error} (at {})", found.checked_at.format("%H:%M:%S UTC")));
                    }
                }
                None => strangers_unknown = Some("the reconciler has not listed the tasks yet".to_owned()),
            }
        }
        Ok(crate::views::ReviewEnvsView { rows, strangers, strangers_unknown, stranger_refusal })
    }
}
