//! What the pages show, shaped for them and serialisable so the browser can hydrate it.

use serde::{Deserialize, Serialize};

mod activity;
mod admin_pages;
mod deploy_pr_page;
mod deployment_page;
mod health;
mod history_page;
mod live;
mod review_envs_page;
mod status;
mod verification_lines;
pub use crate::links::deploy_pr_page;
pub use activity::{ActivityLine, CommitLine, Link};
pub use admin_pages::{AuditLine, DeliveryLine, TokenLine, TokenStanding};
pub use deploy_pr_page::{ChecklistLine, DeployPrView, GateView, VerifiedBy};
pub use deployment_page::{DeploymentView, ShippedChange, TimelineStep};
pub use health::{HealthView, ServiceHealthLine};
pub use history_page::{CSV_HEADER, HISTORY_FIELDS, HistoryQuery, csv_line};
pub use live::{LiveDeployment, LiveEcsDeployment, LiveEvent, LiveService, LiveStoppedTask, Stamp, deployment_tone};
pub use review_envs_page::{ReviewEnvRow, ReviewEnvsView, review_tone};
pub use status::{DeployPrBrief, DeploymentBrief, EnvironmentStatus};
pub use verification_lines::CheckLine;

use crate::domain::{ClusterName, DeployPr, Deployment, EnvName, Login, PrNumber, RepoSlug, ReviewEnv, ServiceName};

/// A deployment as a row of a table: the words and numbers shown, formatted once on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRow {
    pub id: crate::domain::DeploymentId,
    pub env: EnvName,
    /// The whole image reference (shown on hover) and its tag (shown).
    pub image: String,
    pub image_tag: String,
    pub trigger: String,
    pub actor: String,
    pub state: crate::domain::DeploymentState,
    pub reason: Option<String>,
    /// RFC 3339 (for `<time datetime>`) and as read.
    pub requested_iso: String,
    pub requested: String,
    /// How long it took (`4m 12s`), `—` while unfinished.
    pub took: String,
    /// Not finished yet (rolling out, or waiting for approval).
    pub open: bool,
    /// The viewer may roll its environment back to it (a success, with the rollback role), where a list offers it.
    #[serde(default)]
    pub rollback_to: bool,
}

impl From<&Deployment> for DeploymentRow {
    fn from(d: &Deployment) -> Self {
        use crate::display::{duration, image_tag, iso, when};
        Self {
            id: d.id,
            env: d.env.clone(),
            image: d.image.to_string(),
            image_tag: image_tag(&d.image),
            trigger: d.trigger.as_str().to_owned(),
            actor: d.actor.clone(),
            state: d.state,
            reason: d.reason.clone(),
            requested_iso: iso(d.requested_at),
            requested: when(d.requested_at),
            took: d.duration_seconds().map(duration).unwrap_or_else(|| "—".to_owned()),
            open: d.finished_at.is_none(),
            rollback_to: false,
        }
    }
}

/// What runs on an environment: its image and the task definition revision of each service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningBrief {
    pub id: crate::domain::DeploymentId,
    pub image: String,
    pub image_tag: String,
    /// `family:revision` of each service's task definition.
    pub task_definitions: Vec<String>,
}

impl From<&Deployment> for RunningBrief {
    fn from(d: &Deployment) -> Self {
        Self {
            id: d.id,
            image: d.image.to_string(),
            image_tag: crate::display::image_tag(&d.image),
            task_definitions: d.task_definitions.iter().map(|arn| arn.short().to_owned()).collect(),
        }
    }
}

/// A live review environment as a row of the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEnvBrief {
    pub pr: String,
    pub title: String,
    pub author: String,
    pub branch: String,
    pub sha: String,
    pub state: crate::domain::ReviewEnvState,
    pub url: String,
    pub last_push_iso: String,
    pub last_push: String,
}

impl From<&ReviewEnv> for ReviewEnvBrief {
    fn from(env: &ReviewEnv) -> Self {
        Self {
            pr: env.pr.to_string(),
            title: env.title.clone(),
            author: env.author.to_string(),
            branch: env.branch.to_string(),
            sha: env.sha.short().to_owned(),
            state: env.state,
            url: env.url.clone(),
            last_push_iso: crate::display::iso(env.last_push_at),
            last_push: crate::display::when(env.last_push_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentCard {
    pub name: EnvName,
    pub repo: RepoSlug,
    pub cluster: ClusterName,
    pub services: Vec<ServiceName>,
    /// The newest successful deployment: what runs now.
    pub current: Option<RunningBrief>,
    /// The newest deployment, whatever its outcome.
    pub last: Option<DeploymentRow>,
    /// Why the viewer may not open or refresh its deploy PR (none: they may).
    pub refresh_refusal: Option<String>,
    /// Its services as ECS last reported them.
    pub health: HealthView,
    /// The sentence of the lock that holds on it, if any.
    pub locked: Option<String>,
    /// The freeze window that holds it, if any: `frozen until …`.
    pub frozen: Option<String>,
}

/// The environment page: what runs, what is happening, and what it could go back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    pub name: EnvName,
    pub repo: RepoSlug,
    pub cluster: ClusterName,
    pub services: Vec<ServiceName>,
    pub image_template: Option<String>,
    /// The newest deployment, whatever its outcome (the live view starts from it).
    pub latest: Option<LiveDeployment>,
    /// The newest successful deployment: what runs now.
    pub running: Option<RunningBrief>,
    /// Earlier successes, newest first: where Rollback can go.
    pub rollback_choices: Vec<RollbackChoice>,
    /// The newest deployments of this environment.
    pub history: Vec<DeploymentRow>,
    /// Why the viewer may not press each button (none: they may).
    pub refusals: ButtonRefusals,
    /// The sentence of the lock that holds on it, if any.
    pub locked: Option<String>,
    /// The freeze window that holds it, if any: `frozen until …`.
    pub frozen: Option<String>,
    /// What the newest deployment's verification checks answered, a line per check.
    pub latest_checks: Vec<CheckLine>,
}

/// An earlier success Rollback can go back to, as the menu lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollbackChoice {
    pub id: crate::domain::DeploymentId,
    /// `#12 · v1.4.2 · 2026-11-30 09:12`
    pub label: String,
}

impl From<&Deployment> for RollbackChoice {
    fn from(d: &Deployment) -> Self {
        let at = d.requested_at.format("%Y-%m-%d %H:%M");
        Self { id: d.id, label: format!("#{} · {} · {at}", d.id, crate::display::image_tag(&d.image)) }
    }
}

/// For each button of an environment, the sentence saying why the viewer may not press it; `None` allows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonRefusals {
    pub deploy: Option<String>,
    pub redeploy: Option<String>,
    pub rollback: Option<String>,
    pub abort: Option<String>,
    pub refresh: Option<String>,
    /// For the deployment waiting for approval: why the viewer may not approve or reject it.
    pub approve: Option<String>,
    pub lock: Option<String>,
    /// Why the viewer may not deploy through someone else's lock or a freeze with a reason (none: they may).
    #[serde(default)]
    pub override_stop: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployPrCard {
    pub repo: RepoSlug,
    pub number: PrNumber,
    pub env: EnvName,
    pub title: String,
    pub url: String,
    pub verified: usize,
    pub total: usize,
    pub waiting_for: Vec<Login>,
}

impl From<&DeployPr> for DeployPrCard {
    fn from(pr: &DeployPr) -> Self {
        Self {
            repo: pr.repo.clone(),
            number: pr.number,
            env: pr.env.clone(),
            title: pr.title.clone(),
            url: pr.url.clone(),
            verified: pr.verified_count(),
            total: pr.items.len(),
            waiting_for: pr.waiting_for().into_iter().cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeView {
    pub environments: Vec<EnvironmentCard>,
    pub deploy_prs: Vec<DeployPrCard>,
    pub recent_deployments: Vec<DeploymentRow>,
    /// Live review environments, newest push first (a bounded number).
    pub review_envs: Vec<ReviewEnvBrief>,
    /// The newest entries of the audit log: who did what, when.
    pub activity: Vec<ActivityLine>,
    /// Deployments waiting for a second person's approval.
    #[serde(default)]
    pub awaiting_approval: Vec<DeploymentRow>,
}

/// Facts every page needs: whether this is the sandbox, and who is acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    pub sandbox: bool,
    /// The signed-in person's login.
    pub acting_as: String,
    /// Their role on each repository ("deployer on acme/shop").
    pub access: Vec<String>,
    /// In the sandbox, the people a visitor may act as.
    pub people: Vec<Login>,
}

/// The sandbox's simulated chat channel as its page shows it: who a visitor may speak as and what was said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxChatView {
    /// The channel's name, as Slack would show it (`#deploys`).
    pub channel: String,
    pub people: Vec<ChatPersonView>,
    /// The chat person the visitor speaks as unless they pick another (their own seeded account).
    pub speaking_as: String,
    /// Oldest first, the newest few hundred.
    pub entries: Vec<ChatEntryView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatPersonView {
    /// The chat's user id (`U0ALICE`), what a slash command carries.
    pub chat_user: String,
    /// `alice (admin)`, or a guest who linked nothing.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatEntryView {
    pub id: u64,
    /// `14:02:11` (UTC).
    pub at: String,
    /// Who wrote it: a person's name or `tengu`.
    pub from: String,
    /// Shown only to this person (Slack's ephemeral answer); none: to the channel.
    pub only_for: Option<String>,
    pub text: String,
    pub buttons: Vec<ChatButtonView>,
    /// How many times tengu edited this message.
    pub edits: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatButtonView {
    pub label: String,
    /// What the button sends back when pressed (`approve:12`); none for a link.
    pub action: Option<String>,
    pub url: Option<String>,
    /// The question asked before it acts.
    pub confirm: Option<String>,
    pub danger: bool,
}
