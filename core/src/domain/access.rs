use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, RepoSlug};

/// A person's permission on a repository, as GitHub names it, weakest first (so `>=` compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Permission {
    /// GitHub's words: `role_name` (`read`, `triage`, `write`, `maintain`, `admin`) or the older `permission`
    /// field (`pull`, `push` as well). Anything else is not a permission tengu knows.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Permission::None),
            "read" | "pull" => Some(Permission::Read),
            "triage" => Some(Permission::Triage),
            "write" | "push" => Some(Permission::Write),
            "maintain" => Some(Permission::Maintain),
            "admin" => Some(Permission::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::None => "none",
            Permission::Read => "read",
            Permission::Triage => "triage",
            Permission::Write => "write",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        }
    }

    /// What tengu lets a person with this permission do: none sees nothing of the repository.
    pub fn role(self) -> Option<Role> {
        match self {
            Permission::None => None,
            Permission::Read | Permission::Triage => Some(Role::Viewer),
            Permission::Write | Permission::Maintain => Some(Role::Deployer),
            Permission::Admin => Some(Role::Admin),
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// tengu's roles, which follow the person's permission on the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// read or triage: sees everything of the repository, changes nothing.
    Viewer,
    /// write or maintain: ticks, refreshes, deploys, approves, runs review environments.
    Deployer,
    /// admin: everything, including ticking for others and overriding the gate.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Deployer => "deployer",
            Role::Admin => "admin",
        }
    }

    /// The weakest GitHub permission that gives this role, as a refusal names it.
    pub fn minimum_permission(self) -> Permission {
        match self {
            Role::Viewer => Permission::Read,
            Role::Deployer => Permission::Write,
            Role::Admin => Permission::Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One person's permission on one repository, and when GitHub said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub permission: Permission,
    pub checked_at: DateTime<Utc>,
}

/// Who is looking at a page, and what they may see: their permission on each configured repository, as last
/// looked up (a page load never asks GitHub; a change asks again first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub actor: Actor,
    pub grants: BTreeMap<RepoSlug, Permission>,
}

impl Viewer {
    /// Trusted callers that see everything: tengu's own jobs, the terminal (it holds the database itself).
    pub fn trusted(actor: Actor) -> Self {
        Self { actor, grants: BTreeMap::new() }
    }

    pub fn permission(&self, repo: &RepoSlug) -> Permission {
        if self.actor.is_trusted() {
            return Permission::Admin;
        }
        self.grants.get(repo).copied().unwrap_or(Permission::None)
    }

    pub fn can_see(&self, repo: &RepoSlug) -> bool {
        self.permission(repo) > Permission::None
    }

    /// The repositories this viewer may see; none for a trusted caller, who sees every one.
    pub fn visible_repos(&self) -> Option<Vec<RepoSlug>> {
        match self.actor.is_trusted() {
            true => None,
            false => Some(self.grants.iter().filter(|(_, p)| **p > Permission::None).map(|(r, _)| r.clone()).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_github_answer_maps_to_a_role() {
        let cases = [
            ("none", None),
            ("read", Some(Role::Viewer)),
            ("pull", Some(Role::Viewer)),
            ("triage", Some(Role::Viewer)),
            ("write", Some(Role::Deployer)),
            ("push", Some(Role::Deployer)),
            ("maintain", Some(Role::Deployer)),
            ("admin", Some(Role::Admin)),
        ];
        for (word, role) in cases {
            assert_eq!(Permission::parse(word).and_then(Permission::role), role, "{word}");
        }
        assert_eq!(Permission::parse("release-manager"), None);
        assert!(Permission::Maintain > Permission::Write && Permission::Write > Permission::Triage);
    }
}
