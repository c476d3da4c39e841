//! A review environment on its pull request: one comment tengu edits on every change (never a second one), and a
//! GitHub Deployment to the transient environment `review/pr-<n>` whose statuses follow its state.

use crate::domain::{ReviewEnv, ReviewEnvState};
use crate::ports::{CodeHostError, GithubDeploymentState};
use crate::tengu::Tengu;

/// Marks tengu's comment, for people reading the raw text.
const COMMENT_MARK: &str = "<!-- tengu:review-env -->";

impl Tengu {
    /// Brings the pull request's comment and GitHub Deployment in line with `env`, recording their ids. GitHub
    /// being down never stops a review environment; the next change tries again.
    pub(crate) async fn publish_review_env(&self, env: &mut ReviewEnv) {
        let before = (env.comment_id, env.github_deployment);
        self.publish_comment(env).await;
        self.publish_deployment(env).await;
        if (env.comment_id, env.github_deployment) != before {
            self.record_github_ids(env).await;
        }
    }

    /// Only the comment: for news that does not change what GitHub's deployment says (a replacement starting).
    pub(crate) async fn publish_review_note(&self, env: &mut ReviewEnv) {
        let before = env.comment_id;
        self.publish_comment(env).await;
        if env.comment_id != before {
            self.record_github_ids(env).await;
        }
    }

    /// Records the comment and deployment ids on the environment as it stands now (someone may have saved it
    /// since): only the ids change, so a lost race costs nothing but a retry.
    async fn record_github_ids(&self, env: &mut ReviewEnv) {
        let (comment_id, github_deployment) = (env.comment_id, env.github_deployment);
        let recorded = self
            .retrying(|| async {
                let Some(mut now) = self.ports.store.review_env(&env.repo, env.pr).await? else { return Ok(None) };
                now.comment_id = comment_id;
                now.github_deployment = github_deployment;
                self.save_review(&mut now).await?;
                Ok(Some(now))
            })
            .await;
        match recorded {
            Ok(Some(now)) => *env = now,
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, repo = %env.repo, pr = %env.pr, "the comment and deployment ids were not recorded")
            }
        }
    }

    async fn publish_comment(&self, env: &mut ReviewEnv) {
        let host = &self.ports.code_host;
        let body = self.review_comment(env);
        let updated = match env.comment_id {
            Some(id) => host.update_issue_comment(&env.repo, id, &body).await,
            None => Err(CodeHostError::NotFound("no comment yet".to_owned())),
        };
        match updated {
            Ok(()) => {}
            // Never posted, or someone deleted it: post one (the only one).
            Err(CodeHostError::NotFound(_)) => match host.create_issue_comment(&env.repo, env.pr, &body).await {
                Ok(id) => env.comment_id = Some(id),
                Err(error) => tracing::warn!(%error, repo = %env.repo, pr = %env.pr, "review comment not posted"),
            },
            Err(error) => tracing::warn!(%error, repo = %env.repo, pr = %env.pr, "review comment not updated"),
        }
    }

    async fn publish_deployment(&self, env: &mut ReviewEnv) {
        let host = &self.ports.code_host;
        let environment = format!("review/pr-{}", env.pr.get());
        if env.github_deployment.is_none() && env.is_live() {
            let description = format!("review environment of {}{}", env.repo, env.pr);
            match host.create_deployment(&env.repo, &env.sha, &environment, &description, true).await {
                Ok(id) => env.github_deployment = Some(id),
                Err(error) => {
                    tracing::warn!(%error, repo = %env.repo, pr = %env.pr, "review deployment not opened");
                    return;
                }
            }
        }
        let Some(id) = env.github_deployment else { return };
        let state = match env.state {
            ReviewEnvState::Starting => GithubDeploymentState::InProgress,
            ReviewEnvState::Running => GithubDeploymentState::Success,
            ReviewEnvState::Failed => GithubDeploymentState::Failure,
            ReviewEnvState::Stopping | ReviewEnvState::Stopped => GithubDeploymentState::Inactive,
        };
        let log_url = format!("{}/review-envs", self.settings.public_url.trim_end_matches('/'));
        let url = (env.state == ReviewEnvState::Running).then_some(env.url.as_str());
        if let Err(error) = host.create_deployment_status(&env.repo, id, state, &log_url, url).await {
            tracing::warn!(%error, repo = %env.repo, pr = %env.pr, "review deployment status not set");
        }
    }

    fn review_comment(&self, env: &ReviewEnv) -> String {
        let state = match env.state {
            ReviewEnvState::Starting => "starting",
            ReviewEnvState::Running => "running",
            ReviewEnvState::Stopping => "stopping",
            ReviewEnvState::Stopped => "stopped",
            ReviewEnvState::Failed => "failed",
        };
        let url = if env.state == ReviewEnvState::Running { format!("[{0}]({0})", env.url) } else { env.url.clone() };
        let mut lines = vec![
            format!("**Review environment**: {state}"),
            String::new(),
            format!("- URL: {url}"),
            format!("- Commit: `{}`", env.sha.short()),
            format!("- Updated: {}", self.ports.clock.now().format("%Y-%m-%d %H:%M UTC")),
        ];
        if let Some(next) = &env.next_sha {
            lines.push(format!("- Starting `{}`; `{}` serves until it is ready", next.short(), env.sha.short()));
        }
        if let Some(reason) = &env.reason {
            lines.push(format!("- Note: {reason}"));
        }
        let dashboard = format!("{}/review-envs", self.settings.public_url.trim_end_matches('/'));
        lines.push(String::new());
        lines.push(format!("<sub>tengu keeps this comment up to date · [review environments]({dashboard})</sub>"));
        lines.push(COMMENT_MARK.to_owned());
        lines.join("\n")
    }
}
