//! What a feature pull request's webhook does to its review environment.

use crate::domain::CommitSha;
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::usecases::ReviewPr;
use crate::webhooks::{PrAction, PullRequestEvent};

impl Tengu {
    /// A pull request that is not a deploy PR opened, got a push, was labelled, or closed.
    pub(crate) async fn on_feature_pull_request(&self, event: &PullRequestEvent) -> Result<String, CoreError> {
        let name = format!("{}{}", event.repo, event.number);
        let Some(settings) = self.settings.review(&event.repo).cloned() else {
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
        let forked = event.head_repo.as_ref() != Some(&event.repo);
        match &event.action {
            PrAction::Opened | PrAction::Reopened | PrAction::Synchronize => {
                if forked {
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
            // Adding or removing the opt-in or opt-out label of an open pull request starts or stops it.
            PrAction::Other(action) if action == "labeled" || action == "unlabeled" => {
                let deciding = event.label.as_deref().is_some_and(|label| {
                    label.eq_ignore_ascii_case(&settings.opt_out_label)
                        || settings.opt_in_label.as_deref().is_some_and(|l| label.eq_ignore_ascii_case(l))
                });
                if !event.open || !deciding {
                    return Ok(format!("{name}: that label changes nothing for its review environment"));
                }
                let live = self.ports.store.review_env(&event.repo, event.number).await?.is_some_and(|e| e.is_live());
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
                    _ => Ok(format!("{name}: its review environment already is as the labels ask")),
                }
            }
            _ => Ok(format!("{name}: nothing for review environments to do")),
        }
    }
}
