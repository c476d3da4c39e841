//! Locking an environment, unlocking it, and the check every deploy request passes: while a lock holds, every door
//! (a merge, a button, the API, the CLI, Slack) is refused with its reason, who set it and when it ends, except
//! the person who set it, who deploys through it (and the audit log says so).

use crate::domain::{
    Actor, AuditAction, Deployment, DeploymentState, EnvName, Environment, EnvironmentLock, LockLength, LockReason,
    LockScope, RepoSlug,
};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

/// How a deploy went through a lock that holds.
pub(crate) enum LockPass {
    /// The person who set it.
    Owner(EnvironmentLock),
    /// An admin who wrote why.
    Overridden { lock: EnvironmentLock, reason: String },
}

impl Tengu {
    /// Locks `env` with `reason` for `length` (replacing a lock that was there), tells the team and records it.
    pub async fn lock_environment(
        &self,
        actor: &Actor,
        env: &EnvName,
        reason: LockReason,
        length: LockLength,
    ) -> Result<EnvironmentLock, CoreError> {
        let env = self.environment(env)?;
        self.authorize(actor, &Action::Lock { env }).await?;
        let now = self.ports.clock.now();
        let lock = EnvironmentLock {
            env: env.name.clone(),
            repo: env.repo.clone(),
            reason,
            set_by: actor.display_name(),
            owner: actor.login().cloned(),
            set_at: now,
            until: length.end_from(now),
        };
        self.ports.store.set_lock(&lock).await?;
        let about = (env.name.as_str(), Some(&env.repo));
        self.audit(actor, AuditAction::EnvironmentLocked, about, lock.sentence()).await?;
        self.tell_team(&env.name, lock.sentence()).await;
        self.publish_lock(&env.name, Some(&lock)).await;
        Ok(lock)
    }

    /// Takes `env`'s lock away: the lock that held, or None when there was none (a second click changes nothing).
    pub async fn unlock_environment(&self, actor: &Actor, env: &EnvName) -> Result<Option<EnvironmentLock>, CoreError> {
        let env = self.environment(env)?;
        self.authorize(actor, &Action::Lock { env }).await?;
        let now = self.ports.clock.now();
        let Some(lock) = self.ports.store.remove_lock(&env.name).await? else { return Ok(None) };
        if !lock.holds_at(now) {
            // It had ended, and its row with it now: GitHub hears it is gone.
            self.publish_lock(&env.name, None).await;
            return Ok(None);
        }
        let about = (env.name.as_str(), Some(&env.repo));
        let detail = format!("was: {}", lock.sentence());
        self.audit(actor, AuditAction::EnvironmentUnlocked, about, detail).await?;
        self.tell_team(&env.name, format!("{} unlocked {}", actor.display_name(), env.name)).await;
        self.publish_lock(&env.name, None).await;
        Ok(Some(lock))
    }

    /// `lock_environment` or `lock_repository`, as the door named it.
    pub async fn lock_scope(
        &self,
        actor: &Actor,
        scope: &LockScope,
        reason: LockReason,
        length: LockLength,
    ) -> Result<Vec<EnvironmentLock>, CoreError> {
        match scope {
            LockScope::Environment(env) => Ok(vec![self.lock_environment(actor, env, reason, length).await?]),
            LockScope::Repository(repo) => self.lock_repository(actor, repo, reason, length).await,
        }
    }

    /// `unlock_environment` or `unlock_repository`, as the door named it: the locks it lifted.
    pub async fn unlock_scope(&self, actor: &Actor, scope: &LockScope) -> Result<Vec<EnvironmentLock>, CoreError> {
        match scope {
            LockScope::Environment(env) => Ok(self.unlock_environment(actor, env).await?.into_iter().collect()),
            LockScope::Repository(repo) => self.unlock_repository(actor, repo).await,
        }
    }

    /// Locks every environment of `repo` with one reason and length: all or none, since each needs the role and
    /// its environment's bar, which are all asked first.
    pub async fn lock_repository(
        &self,
        actor: &Actor,
        repo: &RepoSlug,
        reason: LockReason,
        length: LockLength,
    ) -> Result<Vec<EnvironmentLock>, CoreError> {
        let envs = self.environments_of(actor, repo).await?;
        let mut locks = Vec::with_capacity(envs.len());
        for env in envs {
            locks.push(self.lock_environment(actor, &env, reason.clone(), length).await?);
        }
        Ok(locks)
    }

    /// Lifts every lock on `repo`'s environments; answers those it lifted.
    pub async fn unlock_repository(&self, actor: &Actor, repo: &RepoSlug) -> Result<Vec<EnvironmentLock>, CoreError> {
        let mut lifted = Vec::new();
        for env in self.environments_of(actor, repo).await? {
            lifted.extend(self.unlock_environment(actor, &env).await?);
        }
        Ok(lifted)
    }

    /// The names of `repo`'s environments, once `actor` may lock each of them.
    async fn environments_of(&self, actor: &Actor, repo: &RepoSlug) -> Result<Vec<EnvName>, CoreError> {
        let envs: Vec<&Environment> = self.settings.environments.iter().filter(|env| &env.repo == repo).collect();
        if envs.is_empty() {
            return Err(CoreError::NotFound(format!("an environment of {repo}")));
        }
        for env in &envs {
            self.authorize(actor, &Action::Lock { env }).await?;
        }
        Ok(envs.into_iter().map(|env| env.name.clone()).collect())
    }

    /// Takes away the locks that reached their end, each recorded in the audit log (as tengu's) and told to the
    /// team; answers how many. Run by a job: a lock past its end already lets deploys through.
    pub async fn end_expired_locks(&self) -> Result<usize, CoreError> {
        let ended = self.ports.store.remove_ended_locks(self.ports.clock.now()).await?;
        for lock in &ended {
            let about = (lock.env.as_str(), Some(&lock.repo));
            self.audit(&Actor::System, AuditAction::LockEnded, about, format!("was: {}", lock.sentence())).await?;
            self.tell_team(&lock.env, format!("{}'s lock ended (it was: {})", lock.env, lock.sentence())).await;
            self.publish_lock(&lock.env, None).await;
        }
        Ok(ended.len())
    }

    /// Stops the line after a rollout failed on ECS (rolled back or left failed): tengu's own lock, until someone
    /// unlocks it, says which deployment, when and why; unless a lock holds already (the team stopped it first).
    pub(crate) async fn lock_after_failure(
        &self,
        deployment: &Deployment,
        end: DeploymentState,
        why: Option<&str>,
    ) -> Result<(), CoreError> {
        if !self.settings.deploys.lock_after_failure || self.environment_lock(&deployment.env).await?.is_some() {
            return Ok(());
        }
        let now = self.ports.clock.now();
        let what = if end == DeploymentState::RolledBack { "rolled back" } else { "failed" };
        let why: String = why.unwrap_or("no reason given").chars().take(300).map(plain).collect();
        let text = format!(
            "deployment {} {what} at {} ({why}); fix before the next deploy",
            deployment.id,
            now.format("%H:%M UTC")
        );
        let lock = EnvironmentLock {
            env: deployment.env.clone(),
            repo: deployment.repo.clone(),
            reason: LockReason::parse(text).map_err(|e| CoreError::Refused(e.to_string()))?,
            set_by: Actor::System.display_name(),
            owner: None,
            set_at: now,
            until: None,
        };
        self.ports.store.set_lock(&lock).await?;
        let about = (lock.env.as_str(), Some(&lock.repo));
        self.audit(&Actor::System, AuditAction::EnvironmentLocked, about, lock.sentence()).await?;
        self.tell_team(&lock.env, lock.sentence()).await;
        self.publish_lock(&lock.env, Some(&lock)).await;
        Ok(())
    }

    /// The lock that holds on `env` now, if any.
    pub async fn environment_lock(&self, env: &EnvName) -> Result<Option<EnvironmentLock>, CoreError> {
        let now = self.ports.clock.now();
        // Afresh, not from the read model: another instance's lock may not be heard of yet.
        Ok(self.ports.store.lock_of(env).await?.filter(|lock| lock.holds_at(now)))
    }

    /// Refuses a deploy of `env` while a lock holds, unless `actor` set it or is an admin who says why
    /// (`override_reason`): then how they pass it.
    pub(crate) async fn refuse_locked(
        &self,
        actor: &Actor,
        env: &Environment,
        override_reason: Option<&str>,
    ) -> Result<Option<LockPass>, CoreError> {
        let Some(lock) = self.environment_lock(&env.name).await? else { return Ok(None) };
        if lock.is_owned_by(actor) {
            return Ok(Some(LockPass::Owner(lock)));
        }
        match crate::usecases::request_deployment::written_reason(override_reason) {
            Some(reason) => {
                self.authorize(actor, &Action::OverrideLock { env }).await?;
                Ok(Some(LockPass::Overridden { lock, reason: reason.to_owned() }))
            }
            None => Err(CoreError::Refused(format!(
                "{}; only its owner may deploy until then (an admin may override it with a reason)",
                lock.sentence()
            ))),
        }
    }

    /// Records how deployment `id` passed the lock: its owner's, or an admin's override with the reason.
    pub(crate) async fn audit_through_lock(
        &self,
        actor: &Actor,
        env: &Environment,
        id: crate::domain::DeploymentId,
        pass: &LockPass,
    ) -> Result<(), CoreError> {
        let about = (env.name.as_str(), Some(&env.repo));
        let (action, detail) = match pass {
            LockPass::Owner(lock) => {
                (AuditAction::DeployedThroughLock, format!("deployment {id}, through: {}", lock.sentence()))
            }
            LockPass::Overridden { lock, reason } => (
                AuditAction::LockOverridden,
                format!("deployment {id}, because: {reason}; the lock: {}", lock.sentence()),
            ),
        };
        self.audit(actor, action, about, detail).await
    }
}

/// A character of one line: what ECS wrote on several lines reads as one.
fn plain(c: char) -> char {
    if c.is_control() { ' ' } else { c }
}
