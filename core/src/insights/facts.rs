//! The read of an environment's history that the insights are computed from: its deployments and, for each one
//! a deploy PR started, what that deploy PR recorded of each change.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{ChangeFact, ChangeKey, DeployFact};
use crate::domain::{DeployPr, Deployment, DeploymentFilter, DeploymentId, EnvName, PrNumber};
use crate::error::CoreError;
use crate::tengu::Tengu;

/// Deployments read at a time.
const BATCH: u32 = 1_000;

impl Tengu {
    /// The environment's deployments requested in `[since, until)`, as insights read them.
    pub(crate) async fn deploy_facts(
        &self,
        env: &EnvName,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DeployFact>, CoreError> {
        let mut filter = DeploymentFilter {
            env: Some(env.clone()),
            since: Some(since),
            until: Some(until),
            limit: BATCH,
            ..DeploymentFilter::default()
        };
        let mut facts = Vec::new();
        let mut deploy_prs: HashMap<PrNumber, Option<DeployPr>> = HashMap::new();
        loop {
            let batch = self.ports.store.recent_deployments(&filter).await?;
            for deployment in &batch {
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
            match batch.last() {
                Some(last) if batch.len() == BATCH as usize => filter.before = Some(DeploymentId(last.id.0)),
                _ => return Ok(facts),
            }
        }
    }
}

/// A deployment with what it carried: each source PR with the times its deploy PR recorded (its merge, its first
/// commit, its listing, its tick), and the deploy PR's commits without a pull request; a deployment no deploy PR
/// started (a button, the command line) knows only its source PRs' numbers.
fn fact_of(deployment: &Deployment, shipped: Option<&DeployPr>) -> DeployFact {
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
