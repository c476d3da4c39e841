//! Which pull requests a range of commits ships: the pure part of refreshing a deploy PR.

use std::collections::HashMap;

use crate::domain::{Commit, CommitSha, PrNumber};

/// The source PRs of a commit range, in the order they first appear, and the commits that belong to none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleasePlan {
    pub source_prs: Vec<PrNumber>,
    pub commits_by_pr: HashMap<PrNumber, Vec<Commit>>,
    pub direct_commits: Vec<Commit>,
}

/// The PR a commit message names: GitHub's merge commit (`Merge pull request #123 from …`) or a squash merge
/// (`Title (#123)`).
pub fn pr_named_in(headline: &str) -> Option<PrNumber> {
    if let Some(rest) = headline.strip_prefix("Merge pull request #") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return PrNumber::parse(&digits).ok();
    }
    let inner = headline.trim_end().strip_suffix(')')?;
    let open = inner.rfind("(#")?;
    PrNumber::parse(&inner[open + 2..]).ok()
}

/// Groups `commits` (oldest first) by source PR. GitHub's commit→PR association wins; the message is the
/// fallback, which also covers commits GitHub did not associate.
pub fn plan(commits: &[Commit], associations: &HashMap<CommitSha, PrNumber>) -> ReleasePlan {
    let mut out = ReleasePlan::default();
    for commit in commits {
        let pr = associations.get(&commit.sha).copied().or_else(|| pr_named_in(&commit.headline));
        match pr {
            Some(number) => {
                let entry = out.commits_by_pr.entry(number).or_default();
                if entry.is_empty() {
                    out.source_prs.push(number);
                }
                entry.push(commit.clone());
            }
            None => out.direct_commits.push(commit.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(n: u32, headline: &str) -> Commit {
        Commit {
            sha: CommitSha::parse(format!("{n:0>40}")).unwrap(),
            headline: headline.into(),
            author: None,
            parents: 1,
        }
    }

    fn pr(n: u64) -> PrNumber {
        PrNumber::new(n).unwrap()
    }

    #[test]
    fn messages_name_merge_and_squash_prs() {
        assert_eq!(pr_named_in("Merge pull request #123 from acme/cart"), Some(pr(123)));
        assert_eq!(pr_named_in("Add cart (#45)"), Some(pr(45)));
        assert_eq!(pr_named_in("Revert \"Add cart (#45)\""), None);
        assert_eq!(pr_named_in("Bump version"), None);
        assert_eq!(pr_named_in("Fix (#)"), None);
    }

    #[test]
    fn commits_group_by_association_then_message_and_the_rest_are_direct() {
        let commits = vec![
            commit(1, "WIP cart"),
            commit(2, "More cart"),
            commit(3, "Merge pull request #10 from acme/cart"),
            commit(4, "Fix tax (#11)"),
            commit(5, "Bump version"),
            commit(6, "Rebased change"),
        ];
        let associations = HashMap::from([
            (commits[0].sha.clone(), pr(10)),
            (commits[1].sha.clone(), pr(10)),
            (commits[5].sha.clone(), pr(12)),
        ]);
        let plan = plan(&commits, &associations);
        assert_eq!(plan.source_prs, vec![pr(10), pr(11), pr(12)]);
        assert_eq!(plan.commits_by_pr[&pr(10)].len(), 3);
        assert_eq!(plan.direct_commits, vec![commits[4].clone()]);
    }
}
