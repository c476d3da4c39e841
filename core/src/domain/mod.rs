//! Domain types. Values with rules are newtypes that can only be built by parsing, so every other layer can
//! trust them.

mod access;
mod actor;
mod audit;
mod aws;
mod delivery;
mod deploy_pr;
mod deployment;
mod deployment_reads;
mod environment;
mod freeze;
mod gate;
mod github;
mod health;
mod image;
mod lock;
mod prerequisites;
mod progress;
mod reminder;
mod review_env;
mod rollout;
mod task_definition_doc;
mod token;
mod validated;
mod verification;

pub use access::{Grant, Permission, Role, Viewer};
pub use actor::Actor;
pub use audit::{AuditAction, AuditEntry, AuditFilter, AuditRow};
pub use aws::{ClusterName, ServiceName, TaskDefinitionArn};
pub use delivery::{DeliveryPolicy, DeliveryRecord, DeliveryState};
pub use deploy_pr::{ChecklistItem, DeployPr, PrState, SourcePr, Verification};
pub use deployment::{
    CarriedChange, DeployPolicy, Deployment, DeploymentId, DeploymentMove, DeploymentState, DeploymentStep,
    InvalidTransition, NewDeployment, Trigger,
};
pub use deployment_reads::{DeploymentFilter, DeploymentOutline};
pub use environment::{CommitInImage, DeployPrOptions, EnvName, Environment};
pub use freeze::{Freeze, FreezeSpan, FreezeWindow, WeekTime};
pub use gate::{Gate, GateOverride, status_description};
pub use github::{BranchName, Commit, CommitPrefix, CommitSha, Login, PrNumber, RepoSlug};
pub use health::ServiceHealth;
pub use image::{ImageRef, ImageTag};
pub use lock::{DEFAULT_LOCK_LENGTH, EnvironmentLock, LockLength, LockReason, LockScope};
pub use prerequisites::{LogGroupRef, Prerequisites, RoleArn};
pub use progress::{RolloutProgress, ServiceCount};
pub use reminder::{QuietHours, ReminderPolicy};
pub use review_env::{LaunchType, ReviewEnv, ReviewEnvState, ReviewSettings};
pub use rollout::{
    EcsAlarms, EcsDeployment, EcsDeploymentStatus, RolloutSnapshot, RolloutState, ServiceEvent, ServiceSettings,
    StoppedTask,
};
pub use task_definition_doc::{FieldChange, TaskDefinitionDoc};
pub use token::{ApiToken, NewApiToken, TokenScope};
pub use validated::ParseError;
pub use verification::{
    AlarmName, CheckResult, CheckUrl, HttpCheck, JsonExpectation, LONGEST_BAKE_SECONDS, ProbeAnswer, Verdict,
    VerificationPlan,
};
