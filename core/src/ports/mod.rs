//! Ports: every outside system tengu talks to, as a trait that speaks tengu's own types. The real adapters
//! (octocrab, aws-sdk-ecs, sqlx, reqwest) and the sandbox implement them.

mod account;
mod changes;
mod chat;
mod chat_setup;
mod checks;
mod clock;
mod code_host;
mod code_host_setup;
mod notifier;
mod orchestrator;
mod people;
mod policy;
mod store;
mod task_runner;

pub use account::{AccountNotConfigured, AccountResources};
pub use changes::{Changes, Snapshot, Topic, Topics};
pub use chat::{ChatMessages, ChatReplies, MessageRef};
pub use chat_setup::{ChannelState, ChatSetup, NoChatSetup};
pub use checks::{AlarmState, Alarms, AlarmsError, AlarmsNotConfigured, Probe, ProbeError, ProbeNotConfigured};
pub use clock::{Clock, ManualClock, SystemClock};
pub use code_host::{
    CodeHost, CodeHostError, CommitRange, CommitStatus, GithubDeploymentState, NewPullRequest, PullRequest,
    PullSummary, Review, StatusState,
};
pub use code_host_setup::{AppRegistrar, AppSetup, CodeHostSetup, LoggedDelivery, NoAppSetup, RegisteredApp};
pub use notifier::{LogNotifier, Notice, Notifier, NotifierError};
pub use orchestrator::{EcsNotConfigured, Orchestrator, OrchestratorError};
pub use people::People;
pub use policy::{Action, Denied, Policy, RulePolicy};
pub use store::{
    AuditStore, ChatLinkStore, CheckResultStore, DeliveryStore, DeployPrStore, DeploymentInsert, DeploymentStore,
    DocumentStore, InsightStore, LeaseStore, LockStore, ReviewEnvStore, SessionStore, Store, StoreError,
    StoredDelivery, TokenStore,
};
pub use task_runner::{STARTED_BY, TaskRunner, TaskSpec, TaskStatus};
