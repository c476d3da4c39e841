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
        self.change_draining(&settings.repo, |draining| {
            draining.retain(|d| d.task != task);
            draining.push(Draining { task: task.to_owned(), pr, until });
            Vec::new()
        })
        .await
        .map(drop)
    }

    /// Stops the tasks whose drain is over (and every one of `closing`'s); the tasks still draining.
    pub(crate) async fn finish_draining(
        &self,
        settings: &ReviewSettings,
        closing: Option<PrNumber>,
        changes: &mut Vec<String>,
    ) -> Result<Vec<String>, CoreError> {
        let now = self.ports.clock.now();
        let mut still = Vec::new();
        let done = self
            .change_draining(&settings.repo, |draining| {
                let (done, kept): (Vec<Draining>, Vec<Draining>) =
                    draining.drain(..).partition(|d| d.until <= now || Some(d.pr) == closing);
                *draining = kept;
                still = draining.iter().map(|d| d.task.clone()).collect();
                done
            })
            .await?;
        for task in &done {
            self.stop_task_quietly(settings, &task.task, "drained: a newer push serves the pull request").await;
            changes.push(format!("{}{}: the replaced task stopped after draining", settings.repo, task.pr));
        }
        Ok(still)
    }

    /// Changes the repository's list by compare-and-set (the reconciler and a closing pull request may change it
    /// at once; neither loses the other's task); what `change` took out. Nothing is written when nothing changed.
    async fn change_draining(
        &self,
        repo: &RepoSlug,
        mut change: impl FnMut(&mut Vec<Draining>) -> Vec<Draining>,
    ) -> Result<Vec<Draining>, CoreError> {
        let key = draining_key(repo);
        for _ in 0..8 {
            let (version, json) = self.ports.store.document_if_changed(&key, 0).await?.unwrap_or((0, String::new()));
            let mut draining: Vec<Draining> = serde_json::from_str(&json).unwrap_or_default();
            let before = draining.clone();
            let taken = change(&mut draining);
            if draining == before {
                return Ok(taken);
            }
            let json = serde_json::to_string(&draining).expect("draining tasks always serialise");
            if self.ports.store.replace_document(&key, version, &json).await?.is_some() {
                return Ok(taken);
            }
        }
        Err(CoreError::Refused(format!("the draining review tasks of {repo} kept changing; tried again next time")))
    }
}
