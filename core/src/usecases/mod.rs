//! One function per thing a person (or a job) can do. Each mutating one takes an `Actor`, asks the policy,
//! calls the ports and records an audit entry.

mod abort;
mod access;
mod approve;
#[cfg(feature = "runtime")]
mod chat;
mod dashboard;
mod deploy;
mod deploy_pr;
mod deployment_read;
#[cfg(feature = "runtime")]
mod drive;
mod environment_page;
mod gate;
mod health;
mod history;
mod leases;
mod remind;
mod review_approval;
mod review_drain;
mod review_envs;
mod review_github;
mod review_reconcile;
mod review_webhook;
mod shipment;
mod simulate;
mod status;
#[cfg(feature = "runtime")]
mod tokens;
mod verify;

#[cfg(feature = "runtime")]
pub use chat::{ChatAnswer, LINK_FIRST};
pub use deploy::{DeployRequest, DeployTarget, Progress};
pub use environment_page::Press;
pub use gate::GATE_CONTEXT;
pub use history::HISTORY_PAGE;
pub use leases::DRIVER_LEASE_SECONDS;
pub use review_envs::{ENDED_REVIEW_ENVS_SHOWN, ReviewPr, ReviewPress};
pub use review_reconcile::ReconcileReport;
#[cfg(feature = "runtime")]
pub use tokens::{CreatedToken, TOKEN_PREFIX};
