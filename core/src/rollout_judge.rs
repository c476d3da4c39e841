//! Telling the truth about a rollout: from what ECS reports about a service, whether the deployment that
//! put `ours` on it is still rolling out, has succeeded, or has failed — counting a circuit-breaker rollback
//! (ECS putting the previous task definition back) as the failure it is.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{EcsDeploymentStatus, RolloutSnapshot, RolloutState, TaskDefinitionArn};

/// Why a rollout failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutFailure {
    /// ECS itself reported the rollout FAILED (the circuit breaker tripped, tasks would not start...).
    EcsReportedFailure { reason: String },
    /// The service's PRIMARY deployment runs another task definition: ECS rolled back (its circuit breaker, or an
    /// alarm it watches), or someone else deployed.
    Replaced { now_running: TaskDefinitionArn, rolls_back_on: Vec<String> },
    /// The rollout did not settle in time.
    TimedOut { after_minutes: i64 },
}

impl std::fmt::Display for RolloutFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::EcsReportedFailure { reason } => write!(f, "ECS reported the rollout failed: {reason}"),
            Self::Replaced { now_running, rolls_back_on } if rolls_back_on.is_empty() => write!(
                f,
                "the service went back to {} (a circuit-breaker rollback, or another deploy replaced this one)",
                now_running.short()
            ),
            Self::Replaced { now_running, rolls_back_on } => write!(
                f,
                "the service went back to {} (ECS rolled back: its circuit breaker, or an alarm it watches went into \
                 ALARM: {}; or another deploy replaced this one)",
                now_running.short(),
                rolls_back_on.join(", ")
            ),
            Self::TimedOut { after_minutes } => {
                write!(f, "the rollout did not finish within {after_minutes} minutes")
            }
        }
    }
}

/// Where one service's rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutVerdict {
    InProgress { running: u32, desired: u32, pending: u32, failed_tasks: u32 },
    Succeeded,
    Failed(RolloutFailure),
}

impl RolloutVerdict {
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::InProgress { .. })
    }
}

/// Judges one service. Success needs ECS's own word (the PRIMARY deployment runs `ours` and its rollout state
/// is COMPLETED), or, for services whose deployment controller gives no rollout state, `ours` as the only
/// deployment with every desired task running.
pub fn judge(
    ours: &TaskDefinitionArn,
    snapshot: &RolloutSnapshot,
    started_at: DateTime<Utc>,
    timeout: Duration,
) -> RolloutVerdict {
    let verdict = judge_now(ours, snapshot);
    if verdict.is_final() || snapshot.taken_at - started_at <= timeout {
        return verdict;
    }
    RolloutVerdict::Failed(RolloutFailure::TimedOut { after_minutes: timeout.num_minutes() })
}

fn judge_now(ours: &TaskDefinitionArn, snapshot: &RolloutSnapshot) -> RolloutVerdict {
    let Some(primary) = snapshot.primary() else {
        return RolloutVerdict::InProgress { running: 0, desired: 0, pending: 0, failed_tasks: 0 };
    };
    if &primary.task_definition != ours {
        let rolls_back_on = match &snapshot.ecs_alarms {
            Some(alarms) if alarms.rollback => alarms.names.clone(),
            _ => Vec::new(),
        };
        return RolloutVerdict::Failed(RolloutFailure::Replaced {
            now_running: primary.task_definition.clone(),
            rolls_back_on,
        });
    }
    let in_progress = RolloutVerdict::InProgress {
        running: primary.running,
        desired: primary.desired,
        pending: primary.pending,
        failed_tasks: primary.failed_tasks,
    };
    match primary.rollout_state {
        Some(RolloutState::Completed) => RolloutVerdict::Succeeded,
        Some(RolloutState::Failed) => RolloutVerdict::Failed(RolloutFailure::EcsReportedFailure {
            reason: primary.rollout_state_reason.clone().unwrap_or_else(|| "no reason given".to_owned()),
        }),
        Some(RolloutState::InProgress) => in_progress,
        None => {
            let only_ours =
                snapshot.deployments.iter().all(|d| d.status == EcsDeploymentStatus::Inactive || d.id == primary.id);
            if only_ours && primary.running == primary.desired && primary.pending == 0 {
                RolloutVerdict::Succeeded
            } else {
                in_progress
            }
        }
    }
}

/// An environment's deployment across its services: failed as soon as one fails, succeeded when all have.
pub fn combine(verdicts: &[RolloutVerdict]) -> RolloutVerdict {
    if let Some(failed) = verdicts.iter().find(|v| matches!(v, RolloutVerdict::Failed(_))) {
        return failed.clone();
    }
    if verdicts.iter().all(|v| *v == RolloutVerdict::Succeeded) {
        return RolloutVerdict::Succeeded;
    }
    let mut total = (0, 0, 0, 0);
    for verdict in verdicts {
        if let RolloutVerdict::InProgress { running, desired, pending, failed_tasks } = verdict {
            total = (total.0 + running, total.1 + desired, total.2 + pending, total.3 + failed_tasks);
        }
    }
    RolloutVerdict::InProgress { running: total.0, desired: total.1, pending: total.2, failed_tasks: total.3 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClusterName, EcsDeployment, ServiceName};

    fn arn(revision: u32) -> TaskDefinitionArn {
        TaskDefinitionArn::parse(format!("arn:aws:ecs:ap-northeast-1:123456789012:task-definition/web:{revision}"))
            .unwrap()
    }

    fn deployment(id: &str, status: EcsDeploymentStatus, revision: u32, running: u32) -> EcsDeployment {
        EcsDeployment {
            id: id.into(),
            status,
            task_definition: arn(revision),
            desired: 4,
            running,
            pending: 4 - running,
            failed_tasks: 0,
            rollout_state: None,
            rollout_state_reason: None,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn snapshot(deployments: Vec<EcsDeployment>, seconds: i64) -> RolloutSnapshot {
        RolloutSnapshot {
            cluster: ClusterName::parse("shop").unwrap(),
            service: ServiceName::parse("web").unwrap(),
            deployments,
            events: vec![],
            stopped_tasks: vec![],
            taken_at: at(seconds),
            ecs_alarms: None,
            settings: None,
        }
    }

    fn with_state(mut d: EcsDeployment, state: RolloutState, reason: Option<&str>) -> EcsDeployment {
        d.rollout_state = Some(state);
        d.rollout_state_reason = reason.map(str::to_owned);
        d
    }

    const TIMEOUT: i64 = 15 * 60;

    fn verdict(deployments: Vec<EcsDeployment>, seconds: i64) -> RolloutVerdict {
        judge(&arn(8), &snapshot(deployments, seconds), at(0), Duration::seconds(TIMEOUT))
    }

    #[test]
    fn completed_only_when_ecs_says_so_for_our_task_definition() {
        let rolling = with_state(deployment("new", EcsDeploymentStatus::Primary, 8, 2), RolloutState::InProgress, None);
        let old = deployment("old", EcsDeploymentStatus::Active, 7, 2);
        assert_eq!(
            verdict(vec![rolling.clone(), old], 30),
            RolloutVerdict::InProgress { running: 2, desired: 4, pending: 2, failed_tasks: 0 }
        );
        let mut done = with_state(rolling, RolloutState::Completed, Some("ECS deployment completed."));
        done.running = 4;
        assert_eq!(verdict(vec![done], 90), RolloutVerdict::Succeeded);
    }

    #[test]
    fn a_failed_rollout_state_is_a_failure_with_ecs_reason() {
        let failed = with_state(
            deployment("new", EcsDeploymentStatus::Primary, 8, 0),
            RolloutState::Failed,
            Some("ECS deployment circuit breaker: tasks failed to start."),
        );
        assert_eq!(
            verdict(vec![failed], 60),
            RolloutVerdict::Failed(RolloutFailure::EcsReportedFailure {
                reason: "ECS deployment circuit breaker: tasks failed to start.".into()
            })
        );
    }

    #[test]
    fn a_circuit_breaker_rollback_is_a_failure_not_a_success() {
        // ECS rolled back: the previous task definition is PRIMARY again and COMPLETED, ours is failing out.
        let back =
            with_state(deployment("rollback", EcsDeploymentStatus::Primary, 7, 4), RolloutState::Completed, None);
        let ours = with_state(deployment("new", EcsDeploymentStatus::Active, 8, 0), RolloutState::Failed, None);
        let judged = verdict(vec![back, ours], 300);
        assert_eq!(
            judged,
            RolloutVerdict::Failed(RolloutFailure::Replaced { now_running: arn(7), rolls_back_on: vec![] })
        );
        let RolloutVerdict::Failed(failure) = judged else { unreachable!() };
        assert!(failure.to_string().contains("web:7"), "{failure}");
    }

    #[test]
    fn a_rollback_by_the_alarms_ecs_watches_names_them() {
        let back =
            with_state(deployment("rollback", EcsDeploymentStatus::Primary, 7, 4), RolloutState::Completed, None);
        let ours = with_state(deployment("new", EcsDeploymentStatus::Active, 8, 0), RolloutState::Failed, None);
        let mut watched = snapshot(vec![back, ours], 300);
        watched.ecs_alarms =
            Some(crate::domain::EcsAlarms { names: vec!["shop-5xx".into(), "shop-latency".into()], rollback: true });
        let RolloutVerdict::Failed(failure) = judge(&arn(8), &watched, at(0), Duration::minutes(15)) else {
            panic!("a failure")
        };
        assert_eq!(
            failure.to_string(),
            "the service went back to web:7 (ECS rolled back: its circuit breaker, or an alarm it watches went into \
             ALARM: shop-5xx, shop-latency; or another deploy replaced this one)"
        );
        let told = watched.ecs_alarms.unwrap().sentence();
        assert_eq!(told, "ECS watches shop-5xx, shop-latency and rolls back when one goes into ALARM");
    }

    #[test]
    fn services_without_rollout_state_succeed_when_ours_alone_runs_everything() {
        let ours = deployment("new", EcsDeploymentStatus::Primary, 8, 4);
        let draining = deployment("old", EcsDeploymentStatus::Active, 7, 1);
        assert!(matches!(verdict(vec![ours.clone(), draining], 60), RolloutVerdict::InProgress { .. }));
        let gone = deployment("old", EcsDeploymentStatus::Inactive, 7, 0);
        assert_eq!(verdict(vec![ours.clone(), gone], 90), RolloutVerdict::Succeeded);
        let mut short = ours;
        short.running = 3;
        short.pending = 1;
        assert!(matches!(verdict(vec![short], 90), RolloutVerdict::InProgress { running: 3, .. }));
    }

    #[test]
    fn a_rollout_that_does_not_settle_times_out() {
        let rolling = with_state(deployment("new", EcsDeploymentStatus::Primary, 8, 1), RolloutState::InProgress, None);
        assert!(matches!(verdict(vec![rolling.clone()], TIMEOUT), RolloutVerdict::InProgress { .. }));
        assert_eq!(
            verdict(vec![rolling], TIMEOUT + 1),
            RolloutVerdict::Failed(RolloutFailure::TimedOut { after_minutes: 15 })
        );
        // A final answer that arrives late still counts.
        let done = with_state(deployment("new", EcsDeploymentStatus::Primary, 8, 4), RolloutState::Completed, None);
        assert_eq!(verdict(vec![done], TIMEOUT * 2), RolloutVerdict::Succeeded);
    }

    #[test]
    fn an_environment_fails_with_its_first_failed_service_and_sums_progress() {
        let progress = |running, desired| RolloutVerdict::InProgress { running, desired, pending: 0, failed_tasks: 0 };
        assert_eq!(combine(&[progress(1, 2), progress(3, 4)]), progress(4, 6));
        assert_eq!(combine(&[RolloutVerdict::Succeeded, progress(3, 4)]), progress(3, 4));
        assert_eq!(combine(&[RolloutVerdict::Succeeded, RolloutVerdict::Succeeded]), RolloutVerdict::Succeeded);
        let failed = RolloutVerdict::Failed(RolloutFailure::TimedOut { after_minutes: 15 });
        assert_eq!(combine(&[progress(1, 2), failed.clone()]), failed);
    }
}
