//! After a push, the route moves to the new task; the old one keeps serving the requests already on it for
//! `drain_seconds` (the `[review]` setting) and is stopped after, so a reviewer's page or upload in flight is not
//! cut. Tasks draining belong to no environment any more: they are kept in a document per repository, count as
//! held (never reported as tasks nobody holds), and all of a pull request's stop at once when it closes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{PrNumber, RepoSlug, ReviewSettings};
use crate::error::CoreError;
use crate::tengu::Tengu;

/// An old task serving out its last requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Draining {
    pub task: String,
    pub pr: PrNumber,
    pub until: DateTime<Utc>,
}

fn draining_key(repo: &RepoSlug) -> String {
    format!("review.draining.{repo}")
}

impl Tengu {
    /// The route no longer sends anything to `task`: it stops once its drain time is over (at once without one).
    pub(crate) async fn drain_task(
        &self,
        settings: &ReviewSettings,
        pr: PrNumber,
        task: &str,
    ) -> Result<(), CoreError> {
        if settings.drain_seconds == 0 {
            self.stop_task_quietly(settings, task, "replaced by a newer push").await;
            return Ok(());
        }
        let until = self.ports.clock.now() + chrono::Duration::seconds(i64::from(settings.drain_seconds));
        let mut draining = self.draining(&settings.repo).await?;
        draining.retain(|d| d.task != task);
        draining.push(Draining { task: task.to_owned(), pr, until });
        self.keep_draining(&settings.repo, &draining).await
    }

    /// Stops the tasks whose drain is over (and every one of `closing`'s); the tasks still draining.
    pub(crate) async fn finish_draining(
        &self,
        settings: &ReviewSettings,
        closing: Option<PrNumber>,
        changes: &mut Vec<String>,
    ) -> Result<Vec<String>, CoreError> {
        let now = self.ports.clock.now();
        let (done, still): (Vec<Draining>, Vec<Draining>) =
            self.draining(&settings.repo).await?.into_iter().partition(|d| d.until <= now || Some(d.pr) == closing);
        for task in &done {
            self.stop_task_quietly(settings, &task.task, "drained: a newer push serves the pull request").await;
            changes.push(format!("{}{}: the replaced task stopped after draining", settings.repo, task.pr));
        }
        if !done.is_empty() {
            self.keep_draining(&settings.repo, &still).await?;
        }
        Ok(still.into_iter().map(|d| d.task).collect())
    }

    async fn draining(&self, repo: &RepoSlug) -> Result<Vec<Draining>, CoreError> {
        let saved = self.ports.store.load_document(&draining_key(repo)).await?;
        Ok(saved.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    async fn keep_draining(&self, repo: &RepoSlug, draining: &[Draining]) -> Result<(), CoreError> {
        let json = serde_json::to_string(draining).expect("draining tasks always serialise");
        Ok(self.ports.store.save_document(&draining_key(repo), &json).await?)
    }
}
