//! Who may see and do what: sign-in (organisation and team checks, every repository's permission looked up),
//! the permissions a page load reads (remembered, never asked of GitHub then), and the check every change makes
//! first (asked afresh, refusals recorded).

use std::collections::BTreeMap;

use crate::domain::{Actor, AuditAction, AuditEntry, Grant, Login, Permission, RepoSlug, Viewer};
use crate::error::CoreError;
use crate::ports::{Action, CodeHostError, Denied};
use crate::tengu::Tengu;

impl Tengu {
    /// Every repository tengu works on: the environments' and the review environments'.
    pub fn repositories(&self) -> Vec<RepoSlug> {
        let mut repos: Vec<RepoSlug> = self.settings.environments.iter().map(|e| e.repo.clone()).collect();
        repos.extend(self.settings.review.iter().map(|r| r.repo.clone()));
        repos.sort();
        repos.dedup();
        repos
    }

    /// Lets a person in whom GitHub has just named: checks the allowed organisations and teams, then looks up
    /// their permission on every repository. A refusal is recorded and says why.
    pub async fn sign_in(&self, login: &Login) -> Result<Viewer, CoreError> {
        if let Err(denied) = self.check_membership(login).await? {
            self.record_refusal(&Actor::Person(login.clone()), "sign in", ("tengu", None), &denied).await;
            return Err(denied.into());
        }
        let viewer = self.refresh_grants(login).await?;
        let seen: Vec<String> =
            viewer.grants.iter().filter(|(_, p)| **p > Permission::None).map(|(r, p)| format!("{p} on {r}")).collect();
        let detail = if seen.is_empty() { "no access to tengu's repositories".to_owned() } else { seen.join(", ") };
        self.audit(&viewer.actor, AuditAction::SignedIn, ("tengu", None), detail).await?;
        Ok(viewer)
    }

    pub async fn sign_out(&self, actor: &Actor) -> Result<(), CoreError> {
        self.audit(actor, AuditAction::SignedOut, ("tengu", None), String::new()).await
    }

    /// `Ok(Err(..))` when the person is outside every allowed organisation and team.
    pub(crate) async fn check_membership(&self, login: &Login) -> Result<Result<(), Denied>, CoreError> {
        let auth = &self.settings.access;
        if auth.allowed_orgs.is_empty() && auth.allowed_teams.is_empty() {
            return Ok(Ok(()));
        }
        let repos = self.repositories();
        let via = |org: &str| repos.iter().find(|r| r.owner().eq_ignore_ascii_case(org)).cloned();
        for org in &auth.allowed_orgs {
            if let Some(repo) = via(org)
                && self.ports.people.is_member(&repo, org, None, login).await?
            {
                return Ok(Ok(()));
            }
        }
        for team in &auth.allowed_teams {
            let Some((org, slug)) = team.split_once('/') else { continue };
            if let Some(repo) = via(org)
                && self.ports.people.is_member(&repo, org, Some(slug), login).await?
            {
                return Ok(Ok(()));
            }
        }
        let mut allowed: Vec<String> = auth.allowed_orgs.clone();
        allowed.extend(auth.allowed_teams.iter().map(|t| format!("the team {t}")));
        Ok(Err(Denied(format!("{login} is not a member of {}, so tengu does not let them in", allowed.join(" or ")))))
    }

    /// Asks GitHub for the person's permission on every repository and remembers the answers.
    pub async fn refresh_grants(&self, login: &Login) -> Result<Viewer, CoreError> {
        let now = self.ports.clock.now();
        let mut grants = Vec::new();
        for repo in self.repositories() {
            let permission = self.ask_permission(&repo, login).await?;
            grants.push((repo, Grant { permission, checked_at: now }));
        }
        self.ports.store.save_grants(login, &grants).await?;
        let viewer = viewer_of(Actor::Person(login.clone()), &grants);
        self.access.remember(login, grants);
        Ok(viewer)
    }

    async fn ask_permission(&self, repo: &RepoSlug, login: &Login) -> Result<Permission, CoreError> {
        match self.ports.people.permission(repo, login).await {
            Ok(permission) => Ok(permission),
            // GitHub knows no such person on the repository.
            Err(CodeHostError::NotFound(_)) => Ok(Permission::None),
            Err(other) => Err(other.into()),
        }
    }

    /// What a person may see now, from what was last looked up: memory first, then the database (after a
    /// restart). Never asks GitHub: when the answers are older than the configured time, a lookup is started in
    /// the background and this page uses what is known.
    pub async fn viewer(&self, actor: &Actor) -> Result<Viewer, CoreError> {
        let Some(login) = actor.login() else { return Ok(Viewer::trusted(actor.clone())) };
        let now = self.ports.clock.now();
        let grants = match self.access.recall(login) {
            Some(grants) => grants,
            None => {
                let stored = self.ports.store.grants(login).await?;
                self.access.remember(login, stored.clone());
                stored
            }
        };
        let oldest = grants.iter().map(|(_, g)| g.checked_at).min();
        let known: Vec<&RepoSlug> = grants.iter().map(|(r, _)| r).collect();
        let incomplete = self.repositories().iter().any(|r| !known.contains(&r));
        if incomplete || oldest.is_none_or(|at| now - at > self.settings.access.permission_ttl()) {
            self.refresh_in_background(login);
        }
        Ok(viewer_of(actor.clone(), &grants))
    }

    #[cfg(feature = "runtime")]
    fn refresh_in_background(&self, login: &Login) {
        if !self.access.start_refresh(login) {
            return;
        }
        let tengu = self.clone();
        let login = login.clone();
        tokio::spawn(async move {
            if let Err(error) = tengu.refresh_grants(&login).await {
                tracing::warn!(%login, %error, "could not look up a person's permissions again; keeping the last answers");
            }
            tengu.access.end_refresh(&login);
        });
    }

    #[cfg(not(feature = "runtime"))]
    fn refresh_in_background(&self, _login: &Login) {}

    /// The check every change makes first: the person's permission on the repository is asked afresh (a
    /// removed collaborator is refused at once), the rule table decides, and a refusal is recorded.
    pub async fn authorize(&self, actor: &Actor, action: &Action<'_>) -> Result<(), CoreError> {
        // Someone removed from the allowed organisations and teams is refused from then on (their tokens too).
        if let Some(login) = actor.login()
            && let Err(denied) = self.check_membership(login).await?
        {
            self.record_refusal(actor, action.name(), (&action.target(), action.repo()), &denied).await;
            return Err(denied.into());
        }
        let permission = match (actor.login(), action.repo()) {
            (Some(login), Some(repo)) => {
                let permission = self.ask_permission(repo, login).await?;
                self.access.update(login, repo, Grant { permission, checked_at: self.ports.clock.now() });
                permission
            }
            _ => Permission::None,
        };
        if let Err(denied) = self.ports.policy.authorize(actor, permission, action) {
            self.record_refusal(actor, action.name(), (&action.target(), action.repo()), &denied).await;
            // A person GitHub shows nothing of the repository learns nothing of it either, not even its name.
            if actor.login().is_some() && permission == Permission::None && action.repo().is_some() {
                return Err(CoreError::NotFound(action.target()));
            }
            return Err(denied.into());
        }
        Ok(())
    }

    /// Refusals are recorded best effort: the person is told either way.
    async fn record_refusal(&self, actor: &Actor, what: &str, about: (&str, Option<&RepoSlug>), denied: &Denied) {
        if let Err(error) = self.audit(actor, AuditAction::Refused, about, format!("{what}: {denied}")).await {
            tracing::warn!(%error, "a refusal could not be recorded");
        }
    }

    pub(crate) async fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        (target, repo): (&str, Option<&RepoSlug>),
        detail: String,
    ) -> Result<(), CoreError> {
        let entry = AuditEntry {
            at: self.ports.clock.now(),
            actor: actor.display_name(),
            action,
            target: target.to_owned(),
            detail,
            repo: repo.cloned(),
        };
        Ok(self.ports.store.record_audit(&entry).await?)
    }
}

fn viewer_of(actor: Actor, grants: &[(RepoSlug, Grant)]) -> Viewer {
    let grants: BTreeMap<RepoSlug, Permission> = grants.iter().map(|(r, g)| (r.clone(), g.permission)).collect();
    Viewer { actor, grants }
}
