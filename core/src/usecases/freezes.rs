//! The freeze check every deploy request passes: while a configured window holds an environment, every door (a
//! merge, a button, the API, the CLI, Slack) is refused with the window and its end, except an admin who writes
//! why (and the audit log says so).

use crate::domain::{Actor, AuditAction, DeploymentId, EnvName, Environment, Freeze, FreezeWindow};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

/// An admin's deploy during a freeze: the freeze, and why.
pub(crate) struct FreezePass {
    freeze: Freeze,
    reason: String,
}

impl Tengu {
    /// The freeze that holds on `env` now, if any (of two, the one that ends last).
    pub fn freeze_of(&self, env: &EnvName) -> Option<Freeze> {
        FreezeWindow::holding(&self.settings.freezes, env, self.ports.clock.now())
    }

    /// Refuses a deploy of `env` during a freeze, unless `actor` is an admin who says why (`override_reason`).
    pub(crate) async fn refuse_frozen(
        &self,
        actor: &Actor,
        env: &Environment,
        override_reason: Option<&str>,
    ) -> Result<Option<FreezePass>, CoreError> {
        let Some(freeze) = self.freeze_of(&env.name) else { return Ok(None) };
        match crate::usecases::request_deployment::written_reason(override_reason) {
            Some(reason) => {
                self.authorize(actor, &Action::OverrideFreeze { env }).await?;
                Ok(Some(FreezePass { freeze, reason: reason.to_owned() }))
            }
            None => Err(CoreError::Refused(format!(
                "{}; nothing ships until then (an admin may deploy through it with a reason)",
                freeze.sentence(&env.name)
            ))),
        }
    }

    /// Records that deployment `id` went through a freeze, by whom and why.
    pub(crate) async fn audit_through_freeze(
        &self,
        actor: &Actor,
        env: &Environment,
        id: DeploymentId,
        pass: &FreezePass,
    ) -> Result<(), CoreError> {
        let detail =
            format!("deployment {id}, because: {}; the freeze: {}", pass.reason, pass.freeze.sentence(&env.name));
        self.audit(actor, AuditAction::FreezeOverridden, (env.name.as_str(), Some(&env.repo)), detail).await
    }
}
