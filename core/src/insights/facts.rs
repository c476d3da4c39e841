//! The read of an environment's history that the insights are computed from: its deployments and, for each one
//! a deploy PR started, what that deploy PR recorded of each change.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{ChangeFact, ChangeKey, DeployFact};
use crate::domain::{DeployPr, DeploymentOutline, EnvName, PrNumber};
use crate::error::CoreError;
use crate::tengu::Tengu;

impl Tengu {
    /// The environment's deployments requested in `[since, until)`, as insights read them: one query for the
    /// deployments (their outlines only), one for each deploy PR that started some.
    pub async fn deploy_facts(
        &self,
        env: &EnvName,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DeployFact>, CoreError> {
        let outlines = self.ports.store.deployment_outlines(env, since, until).await?;
        let mut deploy_prs: HashMap<PrNumber, Option<DeployPr>> = HashMap::new();
        let mut facts = Vec::with_capacity(outlines.len());
        for deployment in &outlines {
            let shipped = match deployment.deploy_pr {
                Some(number) if !deploy_prs.contains_key(&number) => {
                    let found = self.ports.store.deploy_pr(&deployment.repo, number).await?;
                    deploy_prs.entry(number).or_insert(found).as_ref()
                }
                Some(number) => deploy_prs[&number].as_ref(),
                None => None,
            };
            facts.push(fact_of(deployment, shipped));
        }
        Ok(facts)
    }
}

/// A deployment with what it carried: each source PR with the times its deploy PR recorded (its merge, its first
/// commit, its listing, its tick), and the deploy PR's commits without a pull request; a deployment no deploy PR
/// started (a button, the command line) knows only its source PRs' numbers.
fn fact_of(deployment: &DeploymentOutline, shipped: Option<&DeployPr>) -> DeployFact {
    let key = |number: PrNumber| ChangeKey::Pr(u32::try_from(number.get()).unwrap_or(u32::MAX));
    let mut changes: Vec<ChangeFact> = deployment
        .source_prs
        .iter()
        .map(|number| match shipped.and_then(|pr| pr.item(*number)) {
            Some(item) => ChangeFact {
                key: key(*number),
                title: item.source.title.clone(),
                author: Some(item.source.author.to_string()),
                first_commit_at: item.source.first_commit_at,
                merged_at: item.source.merged_at,
                listed_at: item.listed_at,
                verified_at: item.verified.as_ref().map(|v| v.at),
            },
            None => ChangeFact {
                key: key(*number),
                title: String::new(),
                author: None,
                first_commit_at: None,
                merged_at: None,
                listed_at: None,
                verified_at: None,
            },
        })
        .collect();
    changes.extend(shipped.iter().flat_map(|pr| &pr.direct_commits).map(|commit| ChangeFact {
        key: ChangeKey::Commit(commit.sha.to_string()),
        title: commit.headline.clone(),
        author: commit.author.as_ref().map(ToString::to_string),
        first_commit_at: None,
        merged_at: None,
        listed_at: None,
        verified_at: None,
    }));
    DeployFact {
        id: deployment.id.0,
        trigger: deployment.trigger,
        state: deployment.state,
        requested_at: deployment.requested_at,
        finished_at: deployment.finished_at,
        changes,
    }
}
