//! What the JSON API sends and receives, shared by the server's handlers and the CLI's remote mode, so both sides
//! agree by construction.

use serde::{Deserialize, Serialize};
use tengu_core::domain::{Deployment, DeploymentState, RolloutProgress};

/// What to deploy: exactly one of an image (with the commit it was built from, unless its tag names it by the
/// environment's `image_template`; an admin may ship one whose commit is unknown, with a reason), a commit (turned
/// into an image by the `image_template`), a redeploy of what runs, or a rollback to an earlier successful
/// deployment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_unknown_reason: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redeploy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_to: Option<i64>,
    /// An admin's reason to deploy through someone else's lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_override: Option<String>,
    /// An admin's reason to deploy during a freeze window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze_override: Option<String>,
}

/// A deployment as the API tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentAnswer {
    pub id: i64,
    pub env: String,
    pub image: String,
    pub actor: String,
    /// `awaiting_approval`, `requested`, ... `succeeded`, `failed`, `rolled_back`, `aborted`, `rejected`.
    pub state: String,
    pub finished: bool,
    pub succeeded: bool,
    pub reason: Option<String>,
    pub url: String,
    /// This deployment's tasks running per service, as ECS last reported them.
    pub progress: RolloutProgress,
    /// How it ended, in one sentence, once it has.
    pub outcome: Option<String>,
    /// What its verification's checks answered, a line per check (`health: 3 answers, 0 failed; last 200`).
    #[serde(default)]
    pub checks: Vec<String>,
}

impl DeploymentAnswer {
    pub fn of(deployment: &Deployment, url: String) -> Self {
        let finished = deployment.finished_at.is_some();
        Self {
            id: deployment.id.0,
            env: deployment.env.to_string(),
            image: deployment.image.to_string(),
            actor: deployment.actor.clone(),
            state: deployment.state.as_str().to_owned(),
            finished,
            succeeded: deployment.state == DeploymentState::Succeeded,
            reason: deployment.reason.clone(),
            url,
            progress: RolloutProgress::of(deployment),
            checks: Vec::new(),
            outcome: finished.then(|| deployment.outcome_sentence()),
        }
    }
}

/// Why a request was not done: a sentence for people and a code for machines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    /// `unauthenticated`, `denied`, `not_found`, `invalid`, `refused`, `busy`, `unavailable` or `failed`.
    pub code: String,
}

/// `PUT /api/v1/environments/{env}/lock`: why, and for how long (`90m`, `2h`, `1d`, `until-unlocked`; one hour
/// when left out).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockBody {
    pub reason: String,
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub length: Option<String>,
}

/// An environment's lock as the API tells it (times in RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockAnswer {
    pub env: String,
    pub reason: String,
    pub set_by: String,
    pub set_at: String,
    /// None: until someone unlocks it.
    pub until: Option<String>,
    /// The sentence a refused deploy reads.
    pub sentence: String,
}

impl LockAnswer {
    pub fn of(lock: &tengu_core::domain::EnvironmentLock) -> Self {
        Self {
            env: lock.env.to_string(),
            reason: lock.reason.as_str().to_owned(),
            set_by: lock.set_by.clone(),
            set_at: tengu_core::display::iso(lock.set_at),
            until: lock.until.map(tengu_core::display::iso),
            sentence: lock.sentence(),
        }
    }
}

/// `PUT /api/v1/repos/{owner}/{name}/lock`: the lock set on each of the repository's environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoLocksAnswer {
    pub locks: Vec<LockAnswer>,
}

/// `DELETE /api/v1/repos/{owner}/{name}/lock`: the locks it lifted (empty when none held).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoUnlockAnswer {
    pub unlocked: Vec<LockAnswer>,
}

/// `DELETE /api/v1/environments/{env}/lock`: the lock it lifted, or null when none held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockAnswer {
    pub unlocked: Option<LockAnswer>,
}

/// What a deploy would change, as `POST /api/v1/environments/{env}/difference` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DifferenceAnswer {
    pub env: String,
    pub services: Vec<ServiceDifferenceAnswer>,
    /// What the registry or the account lacks (a missing image, role or log group): the deploy would fail before
    /// its first change on ECS.
    pub missing: Option<String>,
    /// Why asking for it would be refused now, for the token's owner (their role, a lock or a freeze an admin
    /// may pass with a reason, the deploy PR's gate).
    pub refusals: Vec<tengu_core::usecases::Refusal>,
    /// The same, as `tengu diff` prints it.
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDifferenceAnswer {
    pub service: String,
    /// The task definition it runs now.
    pub now: String,
    /// The one it would run; none: a new revision of `now` is registered.
    pub next: Option<String>,
    /// Its settings, which the deploy leaves as they are.
    pub settings: Option<String>,
    pub changes: Vec<tengu_core::domain::FieldChange>,
}

impl DifferenceAnswer {
    pub fn of(env: &tengu_core::domain::EnvName, found: &tengu_core::usecases::DeployDifference) -> Self {
        let services = found
            .services
            .iter()
            .map(|service| ServiceDifferenceAnswer {
                service: service.service.to_string(),
                now: service.now.to_string(),
                next: service.next.as_ref().map(ToString::to_string),
                settings: service.settings.as_ref().map(tengu_core::domain::ServiceSettings::sentence),
                changes: service.changes.clone(),
            })
            .collect();
        let (missing, refusals) = (found.missing.clone(), found.refusals.clone());
        Self { env: env.to_string(), services, missing, refusals, lines: found.lines() }
    }
}
