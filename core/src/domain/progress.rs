//! How far a rollout has come: this deployment's tasks running per service, and the one line a terminal or a
//! chat message shows for it; and how it ended, in one sentence.

use serde::{Deserialize, Serialize};

use super::{Deployment, DeploymentState};

/// One service's tasks of the deployment's task definition: running, and how many ECS wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCount {
    pub service: String,
    pub running: u32,
    pub desired: u32,
}

/// Every service of a deployment, as ECS last reported it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutProgress {
    pub services: Vec<ServiceCount>,
}

const BAR_WIDTH: u32 = 20;

impl RolloutProgress {
    pub fn of(deployment: &Deployment) -> Self {
        let services = deployment
            .rollout
            .iter()
            .map(|snapshot| {
                let ours =
                    snapshot.deployments.iter().find(|d| deployment.task_definitions.contains(&d.task_definition));
                let (running, desired) = ours.map(|d| (d.running, d.desired)).unwrap_or((0, 0));
                ServiceCount { service: snapshot.service.to_string(), running, desired }
            })
            .collect();
        Self { services }
    }

    pub fn running(&self) -> u32 {
        self.services.iter().map(|s| s.running).sum()
    }

    pub fn desired(&self) -> u32 {
        self.services.iter().map(|s| s.desired).sum()
    }

    /// `[########------------]  2/5 tasks running  (web 1/3, worker 1/2)`.
    pub fn line(&self) -> String {
        let (running, desired) = (self.running(), self.desired());
        let filled = (running * BAR_WIDTH).checked_div(desired).unwrap_or(0).min(BAR_WIDTH);
        let parts: Vec<String> =
            self.services.iter().map(|s| format!("{} {}/{}", s.service, s.running, s.desired)).collect();
        format!(
            "[{}{}] {running:>2}/{desired} tasks running  ({})",
            "#".repeat(filled as usize),
            "-".repeat((BAR_WIDTH - filled) as usize),
            parts.join(", ")
        )
    }
}

impl Deployment {
    /// `deployment 12 succeeded in 41 s`, `deployment 13 failed in 20 s: ECS deployment circuit breaker: ...`.
    pub fn outcome_sentence(&self) -> String {
        let took = self.duration_seconds().map(|s| format!(" in {s} s")).unwrap_or_default();
        match (&self.state, &self.reason) {
            (DeploymentState::Succeeded, _) => format!("deployment {} succeeded{took}", self.id),
            (state, Some(reason)) => format!("deployment {} {}{took}: {reason}", self.id, state.label().to_lowercase()),
            (state, None) => format!("deployment {} {}{took}", self.id, state.label().to_lowercase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_share_of_tasks_running() {
        let progress = RolloutProgress {
            services: vec![
                ServiceCount { service: "web".into(), running: 1, desired: 3 },
                ServiceCount { service: "worker".into(), running: 1, desired: 2 },
            ],
        };
        assert_eq!(progress.line(), "[########------------]  2/5 tasks running  (web 1/3, worker 1/2)");
        assert_eq!(RolloutProgress::default().line(), "[--------------------]  0/0 tasks running  ()");
    }
}
