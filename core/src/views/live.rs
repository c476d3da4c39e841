//! The newest deployment of an environment as its page shows it while it happens: the island's first state and each
//! frame of the live stream. Everything is worked out and formatted here, so the browser only draws it.

use serde::{Deserialize, Serialize};

use crate::display::{iso, when};
use crate::domain::{Deployment, DeploymentState, EcsDeploymentStatus, RolloutSnapshot};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveDeployment {
    pub id: i64,
    /// `rolling_out`: what the page's `data-state` says.
    pub state: String,
    /// `Rolling out`
    pub state_label: String,
    /// The badge's tone: good, bad or busy.
    pub tone: String,
    pub image: String,
    pub actor: String,
    pub requested_at: Stamp,
    pub reason: Option<String>,
    pub finished: bool,
    pub awaiting_approval: bool,
    /// Tasks running the deployment's own revisions, over those wanted, across its services.
    pub running: u32,
    pub desired: u32,
    pub percent: u32,
    /// `3 of 4 tasks running the new revision`, or `waiting for ECS`.
    pub progress_label: String,
    /// When ECS was last described (milliseconds since the epoch; 0 before the first look).
    pub taken_at_ms: i64,
    pub services: Vec<LiveService>,
}

/// A moment, for `<time datetime=iso>shown</time>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub iso: String,
    pub shown: String,
}

impl Stamp {
    pub fn of(at: chrono::DateTime<chrono::Utc>) -> Self {
        Self { iso: iso(at), shown: when(at) }
    }
}

/// One service as ECS last described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveService {
    pub name: String,
    /// PRIMARY and ACTIVE deployments (INACTIVE ones are history).
    pub deployments: Vec<LiveEcsDeployment>,
    /// Newest first.
    pub events: Vec<LiveEvent>,
    pub stopped_tasks: Vec<LiveStoppedTask>,
    /// The alarms ECS itself watches during the rollout, as a sentence (none: it watches none).
    #[serde(default)]
    pub ecs_alarms: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEcsDeployment {
    /// `PRIMARY`
    pub status: String,
    /// The task definition's `family:revision`.
    pub revision: String,
    /// `2/4` running over desired.
    pub tasks: String,
    pub pending: u32,
    pub failed: u32,
    /// ECS's rollout state, `—` when it gave none.
    pub rollout: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub at: Stamp,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStoppedTask {
    pub task_arn: String,
    pub reason: String,
}

/// The CSS modifier for a deployment's badge.
pub fn deployment_tone(state: DeploymentState) -> &'static str {
    match state {
        DeploymentState::Succeeded => "good",
        DeploymentState::Failed
        | DeploymentState::RolledBack
        | DeploymentState::Aborted
        | DeploymentState::Rejected => "bad",
        _ => "busy",
    }
}

impl LiveDeployment {
    pub fn of(d: &Deployment) -> Self {
        let (running, desired) = tasks(d);
        let percent = (running * 100).checked_div(desired).unwrap_or(0).min(100);
        let progress_label = if d.rollout.is_empty() {
            "waiting for ECS".to_owned()
        } else {
            format!("{running} of {desired} tasks running the new revision")
        };
        Self {
            id: d.id.0,
            state: d.state.as_str().to_owned(),
            state_label: d.state.label().to_owned(),
            tone: deployment_tone(d.state).to_owned(),
            image: d.image.to_string(),
            actor: d.actor.clone(),
            requested_at: Stamp::of(d.requested_at),
            reason: d.reason.clone(),
            finished: d.finished_at.is_some(),
            awaiting_approval: d.state == DeploymentState::AwaitingApproval && d.finished_at.is_none(),
            running,
            desired,
            percent,
            progress_label,
            taken_at_ms: d.rollout.iter().map(|s| s.taken_at.timestamp_millis()).max().unwrap_or(0),
            services: d.rollout.iter().map(LiveService::of).collect(),
        }
    }
}

impl LiveService {
    pub fn of(snapshot: &RolloutSnapshot) -> Self {
        let deployments = snapshot
            .deployments
            .iter()
            .filter(|d| d.status != EcsDeploymentStatus::Inactive)
            .map(|d| LiveEcsDeployment {
                status: format!("{:?}", d.status).to_uppercase(),
                revision: d.task_definition.short().to_owned(),
                tasks: format!("{}/{}", d.running, d.desired),
                pending: d.pending,
                failed: d.failed_tasks,
                rollout: d.rollout_state.map(|s| format!("{s:?}")).unwrap_or_else(|| "—".to_owned()),
            })
            .collect();
        let events = snapshot
            .events
            .iter()
            .rev()
            .map(|e| LiveEvent { at: Stamp::of(e.at), message: e.message.clone() })
            .collect();
        let stopped_tasks = snapshot
            .stopped_tasks
            .iter()
            .map(|t| LiveStoppedTask { task_arn: t.task_arn.clone(), reason: t.stopped_reason.clone() })
            .collect();
        let ecs_alarms = snapshot.ecs_alarms.as_ref().map(crate::domain::EcsAlarms::sentence);
        Self { name: snapshot.service.to_string(), deployments, events, stopped_tasks, ecs_alarms }
    }
}

/// Running over desired tasks of the deployment's own revisions, across its services.
fn tasks(deployment: &Deployment) -> (u32, u32) {
    let mut running = 0;
    let mut desired = 0;
    for (i, snapshot) in deployment.rollout.iter().enumerate() {
        let ours = deployment.task_definitions.get(i);
        desired += snapshot.primary().map(|d| d.desired).unwrap_or(0);
        running += snapshot
            .deployments
            .iter()
            .filter(|d| Some(&d.task_definition) == ours && d.status == EcsDeploymentStatus::Primary)
            .map(|d| d.running)
            .sum::<u32>();
    }
    (running, desired)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{
        ClusterName, DeploymentId, EcsDeployment, EnvName, ImageRef, RepoSlug, ServiceEvent, ServiceName, StoppedTask,
        TaskDefinitionArn, Trigger,
    };

    fn revision(family: &str, n: u32) -> TaskDefinitionArn {
        TaskDefinitionArn::parse(format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/{family}:{n}")).unwrap()
    }

    fn ecs(
        status: EcsDeploymentStatus,
        task_definition: TaskDefinitionArn,
        running: u32,
        desired: u32,
    ) -> EcsDeployment {
        EcsDeployment {
            id: format!("ecs-svc/{running}{desired}"),
            status,
            task_definition,
            desired,
            running,
            pending: desired - running,
            failed_tasks: 0,
            rollout_state: None,
            rollout_state_reason: None,
        }
    }

    #[test]
    fn counts_only_the_tasks_of_the_deployments_own_revisions_and_formats_every_word() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 9, 12, 0).unwrap();
        let snapshot = |service: &str, deployments, events, stopped_tasks| RolloutSnapshot {
            cluster: ClusterName::parse("shop-dev").unwrap(),
            service: ServiceName::parse(service).unwrap(),
            deployments,
            events,
            stopped_tasks,
            taken_at: at,
            ecs_alarms: None,
            settings: None,
        };
        let web = snapshot(
            "web",
            vec![
                ecs(EcsDeploymentStatus::Primary, revision("web", 8), 1, 2),
                ecs(EcsDeploymentStatus::Active, revision("web", 7), 2, 2),
                ecs(EcsDeploymentStatus::Inactive, revision("web", 6), 0, 0),
            ],
            vec![
                ServiceEvent { at, message: "older".into() },
                ServiceEvent { at: at + chrono::Duration::seconds(5), message: "newer".into() },
            ],
            vec![StoppedTask { task_arn: "arn:task/1".into(), stopped_reason: "Essential container exited".into() }],
        );
        // The worker's PRIMARY runs a revision other than the deployment's: its tasks are wanted, not counted.
        let worker =
            snapshot("worker", vec![ecs(EcsDeploymentStatus::Primary, revision("worker", 3), 2, 2)], vec![], vec![]);
        let deployment = Deployment {
            id: DeploymentId(41),
            env: EnvName::parse("dev").unwrap(),
            repo: RepoSlug::parse("acme/shop").unwrap(),
            image: ImageRef::parse("registry.test/shop:v9").unwrap(),
            sha: None,
            trigger: Trigger::Redeploy,
            actor: "carol".into(),
            source_prs: vec![],
            task_definitions: vec![revision("web", 8), revision("worker", 4)],
            previous_task_definitions: vec![],
            rollout: vec![web, worker],
            github_deployment: None,
            deploy_pr: None,
            steps: vec![],
            state: DeploymentState::RollingOut,
            reason: None,
            requested_at: at,
            finished_at: None,
            approved_by: None,
        };
        let live = LiveDeployment::of(&deployment);
        assert_eq!((live.running, live.desired, live.percent), (1, 4, 25));
        assert_eq!(live.progress_label, "1 of 4 tasks running the new revision");
        assert_eq!((live.state.as_str(), live.tone.as_str(), live.finished), ("rolling_out", "busy", false));
        assert_eq!(live.requested_at, Stamp { iso: at.to_rfc3339(), shown: "2026-11-30 09:12 UTC".into() });
        assert_eq!(live.taken_at_ms, at.timestamp_millis());
        let web = &live.services[0];
        assert_eq!(web.deployments.len(), 2, "INACTIVE is left out");
        assert_eq!((web.deployments[0].status.as_str(), web.deployments[0].tasks.as_str()), ("PRIMARY", "1/2"));
        assert_eq!(web.events[0].message, "newer", "newest first");
        assert_eq!(web.stopped_tasks[0].reason, "Essential container exited");
        assert!(!LiveDeployment::of(&Deployment { rollout: vec![], ..deployment }).progress_label.contains("tasks"));
    }
}
