//! The audit log's page.

use crate::domain::{RepoSlug, Viewer};
use crate::error::CoreError;
use crate::tengu::Tengu;

/// The longest page of the audit log one request reads.
const AUDIT_PAGE_MAX: u32 = 100;

impl Tengu {
    /// The audit page: entries about repositories the viewer may see (and their own sign-ins and tokens),
    /// filtered, newest first.
    pub async fn audit_page(
        &self,
        viewer: &Viewer,
        filter: &crate::domain::AuditFilter,
    ) -> Result<Vec<crate::domain::AuditRow>, CoreError> {
        let filter = crate::domain::AuditFilter { limit: filter.limit.clamp(1, AUDIT_PAGE_MAX), ..filter.clone() };
        if viewer.actor.is_trusted() {
            return Ok(self.ports.store.audit_entries(&filter, None, None).await?);
        }
        let visible: Vec<RepoSlug> = self.repositories().into_iter().filter(|r| viewer.can_see(r)).collect();
        let me = viewer.actor.login().map(|l| l.to_string());
        Ok(self.ports.store.audit_entries(&filter, Some(&visible), me.as_deref()).await?)
    }
}
