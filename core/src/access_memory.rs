//! The permissions looked up for each person, kept in memory so a page load reads them without a query.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::domain::{Grant, Login, RepoSlug};

#[derive(Default)]
pub struct AccessMemory {
    known: Mutex<HashMap<Login, Vec<(RepoSlug, Grant)>>>,
    /// People whose lookup runs now, so a burst of page loads starts one.
    refreshing: Mutex<HashSet<Login>>,
}

impl AccessMemory {
    pub fn recall(&self, login: &Login) -> Option<Vec<(RepoSlug, Grant)>> {
        self.known.lock().expect("access memory").get(login).cloned()
    }

    pub fn remember(&self, login: &Login, grants: Vec<(RepoSlug, Grant)>) {
        self.known.lock().expect("access memory").insert(login.clone(), grants);
    }

    /// One repository's answer, asked afresh before a change.
    pub fn update(&self, login: &Login, repo: &RepoSlug, grant: Grant) {
        let mut known = self.known.lock().expect("access memory");
        let grants = known.entry(login.clone()).or_default();
        match grants.iter_mut().find(|(r, _)| r == repo) {
            Some((_, old)) => *old = grant,
            None => grants.push((repo.clone(), grant)),
        }
    }

    /// Forgets a person (sign-out), so the next sign-in looks everything up again.
    pub fn forget(&self, login: &Login) {
        self.known.lock().expect("access memory").remove(login);
    }

    pub fn start_refresh(&self, login: &Login) -> bool {
        self.refreshing.lock().expect("access memory").insert(login.clone())
    }

    pub fn end_refresh(&self, login: &Login) {
        self.refreshing.lock().expect("access memory").remove(login);
    }
}
