//! What a new image ships, whichever door it came through (a merge, a button, the API, the CLI, the chat): the
//! commit it was built from (named with it, or read off its tag by the environment's image template), the deploy
//! PR that carries that commit, and its source PRs and commits. With the commit known, every door records the same
//! things a merge does; an image whose commit cannot be known ships only on an admin's word, with a reason.

use crate::domain::{Actor, CarriedChange, CommitInImage, CommitSha, DeployPr, Environment, ImageRef, PrNumber};
use crate::error::CoreError;
use crate::ports::{Action, CodeHostError};
use crate::tengu::Tengu;

/// A new image with what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shipment {
    pub image: ImageRef,
    pub sha: Option<CommitSha>,
    pub deploy_pr: Option<PrNumber>,
    pub source_prs: Vec<PrNumber>,
    pub carried: Vec<CarriedChange>,
    /// An admin's reason to ship it with its commit unknown (recorded once the deployment is).
    pub commit_unknown_because: Option<String>,
}

/// An image as a door hands it over.
pub(crate) struct ImageHandOver<'a> {
    pub image: &'a ImageRef,
    pub sha: Option<&'a CommitSha>,
    /// An admin's reason to ship an image whose commit cannot be known.
    pub commit_unknown_reason: Option<&'a str>,
}

impl Tengu {
    /// The commit the image was built from, and what the deploy PR carrying it ships. Refused when the commit
    /// cannot be known and no admin said why it should ship anyway, or when the named commit is not the one the
    /// image's tag names.
    pub(crate) async fn shipment_of_image(
        &self,
        actor: &Actor,
        env: &Environment,
        handed: ImageHandOver<'_>,
    ) -> Result<Shipment, CoreError> {
        let sha = match handed.sha {
            // Named: checked against what the tag says, without asking GitHub.
            Some(named) => {
                let agrees = match env.commit_in_image(handed.image) {
                    Some(CommitInImage::Full(tagged)) => &tagged == named,
                    Some(CommitInImage::Prefix(prefix)) => named.as_str().starts_with(prefix.as_str()),
                    None => true,
                };
                if !agrees {
                    return Err(CoreError::Refused(format!(
                        "{} names another commit by its tag ({}'s image_template) than {}; name the commit it was \
                         built from",
                        handed.image,
                        env.name,
                        named.short()
                    )));
                }
                Some(named.clone())
            }
            None => self.commit_in_image(env, handed.image).await?,
        };
        let Some(sha) = sha else {
            return self.ship_unknown_commit(actor, env, handed).await;
        };
        self.shipment_of_commit(env, handed.image.clone(), sha).await
    }

    /// What shipping this commit's image carries: the deploy PR merged at (or opened with) that commit, all its
    /// source PRs and commits; a commit no deploy PR holds carries itself.
    pub(crate) async fn shipment_of_commit(
        &self,
        env: &Environment,
        image: ImageRef,
        sha: CommitSha,
    ) -> Result<Shipment, CoreError> {
        let Some(pr) = self.deploy_pr_shipping(env, &sha).await? else {
            let carried = CarriedChange::all_of(&[], &[], Some(&sha));
            let (source_prs, commit_unknown_because) = (Vec::new(), None);
            return Ok(Shipment {
                image,
                sha: Some(sha),
                deploy_pr: None,
                source_prs,
                carried,
                commit_unknown_because,
            });
        };
        let shipped: Vec<_> = pr.items.iter().map(|item| &item.source).collect();
        Ok(Shipment {
            image,
            carried: CarriedChange::all_of(&shipped, &pr.direct_commits, Some(&sha)),
            source_prs: pr.items.iter().map(|item| item.source.number).collect(),
            deploy_pr: Some(pr.number),
            sha: Some(sha),
            commit_unknown_because: None,
        })
    }

    /// The environment's deploy PR whose merge (or head) is this commit: a merged one first (CI builds the merge
    /// commit), else the open one whose head it is.
    async fn deploy_pr_shipping(&self, env: &Environment, sha: &CommitSha) -> Result<Option<DeployPr>, CoreError> {
        let merged = self.ports.store.merged_deploy_prs_carrying(&env.name, sha).await?;
        if let Some(pr) = merged.into_iter().max_by_key(|pr| pr.number) {
            return Ok(Some(pr));
        }
        let open = self.ports.store.open_deploy_prs().await?;
        Ok(open.into_iter().find(|pr| pr.env == env.name && pr.head_sha.as_ref() == Some(sha)))
    }

    /// The commit the image's tag names by the environment's image template; a short SHA is asked of GitHub.
    async fn commit_in_image(&self, env: &Environment, image: &ImageRef) -> Result<Option<CommitSha>, CoreError> {
        match env.commit_in_image(image) {
            None => Ok(None),
            Some(CommitInImage::Full(sha)) => Ok(Some(sha)),
            Some(CommitInImage::Prefix(prefix)) => {
                match self.ports.code_host.resolve_commit(&env.repo, &prefix).await {
                    Ok(sha) => Ok(Some(sha)),
                    // GitHub answers 422 for a prefix that names no commit (or several): unknown, not an outage.
                    Err(CodeHostError::NotFound(_) | CodeHostError::Rejected(_)) => Ok(None),
                    Err(other) => Err(other.into()),
                }
            }
        }
    }

    /// An image nobody can trace ships only when an admin says why; the refusal says how to name the commit.
    async fn ship_unknown_commit(
        &self,
        actor: &Actor,
        env: &Environment,
        handed: ImageHandOver<'_>,
    ) -> Result<Shipment, CoreError> {
        let reason = handed.commit_unknown_reason.map(str::trim).unwrap_or_default();
        if reason.chars().count() < 3 {
            let refusal = format!(
                "tengu cannot tell which commit {} was built from, so it cannot check the gate or record what it \
                 ships: name the commit (`--sha`, \"sha\" in the API, `/tengu deploy {} <image> <sha>`), tag images \
                 by {}'s image_template, or have an admin ship it with a reason (`--commit-unknown <reason>`)",
                handed.image, env.name, env.name
            );
            return Err(CoreError::Refused(refusal));
        }
        self.authorize(actor, &Action::ShipUnknownCommit { env }).await?;
        Ok(Shipment {
            image: handed.image.clone(),
            sha: None,
            deploy_pr: None,
            source_prs: Vec::new(),
            carried: Vec::new(),
            commit_unknown_because: Some(reason.to_owned()),
        })
    }
}
