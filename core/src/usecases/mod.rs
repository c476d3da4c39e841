//! One file per thing a person (or a job) does. Each mutating act takes an `Actor`, asks the policy, calls the
//! ports and records an audit entry. What pages show is the read side's (`screens`), never assembled here.

mod abort;
mod access;
mod advance_deployment;
mod approve;
#[cfg(feature = "runtime")]
mod chat;
mod deploy_pr;
mod difference;
mod doctor;
mod doctor_reviews;
#[cfg(feature = "runtime")]
mod drive;
mod freezes;
mod gate;
mod github_mirror;
mod health;
mod leases;
mod lock_status;
mod locks;
mod preflight;
mod press;
mod remind;
mod request_deployment;
mod review_approval;
mod review_drain;
mod review_envs;
mod review_github;
mod review_reconcile;
mod review_webhook;
mod shipment;
#[cfg(feature = "runtime")]
mod tokens;
mod verify;
mod verify_rollout;
mod visibility;
mod weekly_summary;

pub use advance_deployment::Progress;
#[cfg(feature = "runtime")]
pub use chat::{ChatAnswer, LINK_FIRST};
pub use difference::{DeployDifference, Refusal, ServiceDifference};
pub use doctor::Finding;
pub use gate::GATE_CONTEXT;
pub use leases::DRIVER_LEASE_SECONDS;
pub use lock_status::LOCK_CONTEXT;
pub use press::Press;
pub use request_deployment::{DeployRequest, DeployTarget, StopOverrides};
pub use review_envs::{ReviewPr, ReviewPress};
pub use review_reconcile::ReconcileReport;
#[cfg(feature = "runtime")]
pub use tokens::{CreatedToken, TOKEN_PREFIX};
pub(crate) use visibility::no_deploy_pr;
