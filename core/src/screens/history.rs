//! The deployment history as people ask it: a page of the filters typed in the form, or all of them as a CSV file.
//! Deployments of repositories the viewer cannot see are left out of both.

use crate::domain::{DeploymentFilter, DeploymentState, Viewer};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;
use crate::views::{CSV_HEADER, DeploymentRow, HistoryQuery, csv_line};

/// Rows per page of the history.
pub const HISTORY_PAGE: u32 = 25;
/// Rows read at a time while a CSV file is written.
const CSV_BATCH: u32 = 1_000;

impl Tengu {
    /// One page of the history for the form's fields; a field that does not read is refused with a sentence. Each
    /// success the viewer may roll its environment back to says so: any earlier success is a search away.
    pub async fn history_page(&self, viewer: &Viewer, query: &HistoryQuery) -> Result<Vec<DeploymentRow>, CoreError> {
        let filter = query.filter(HISTORY_PAGE).map_err(CoreError::Refused)?;
        let mut rows = self.deployment_history(viewer, &filter).await?;
        for row in rows.iter_mut().filter(|row| row.state == DeploymentState::Succeeded) {
            row.rollback_to = self
                .settings
                .environment(&row.env)
                .is_some_and(|env| self.would_refuse(viewer, &Action::Rollback { env }).is_none());
        }
        Ok(rows)
    }

    /// Every deployment the fields find, newest first, as a CSV file (all pages, not only the first).
    pub async fn history_csv(&self, viewer: &Viewer, query: &HistoryQuery) -> Result<String, CoreError> {
        let asked = query.filter(CSV_BATCH).map_err(CoreError::Refused)?;
        let mut filter = DeploymentFilter { before: None, repos: viewer.visible_repos(), ..asked };
        let mut csv = String::from(CSV_HEADER);
        if filter.repos.as_ref().is_some_and(Vec::is_empty) {
            return Ok(csv);
        }
        loop {
            let batch = self.ports.store.recent_deployments(&filter).await?;
            for deployment in batch.iter().filter(|d| viewer.can_see(&d.repo)) {
                csv.push_str(&csv_line(deployment, &self.settings.public_url));
            }
            match batch.last() {
                Some(last) if batch.len() == CSV_BATCH as usize => filter.before = Some(last.id),
                _ => return Ok(csv),
            }
        }
    }
}
