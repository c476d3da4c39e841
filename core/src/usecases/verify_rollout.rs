//! Verification after the rollout: while a deployment is *verifying*, each look runs the HTTP checks that are due,
//! reads the alarms, records what they answered (so a restart resumes where it was) and judges: still verifying,
//! succeeded once the bake is over, or failed, which rolls back as a failed rollout does.

use crate::domain::{CheckResult, Deployment, DeploymentState, Environment, HttpCheck, Verdict, VerificationPlan};
use crate::error::CoreError;
use crate::ports::AlarmsError;
use crate::tengu::Tengu;
use crate::usecases::Progress;

impl Tengu {
    /// One look at a verifying deployment.
    pub(crate) async fn verify_rollout(
        &self,
        deployment: &Deployment,
        env: &Environment,
    ) -> Result<Option<Progress>, CoreError> {
        let plan = &env.verification;
        let since = deployment
            .steps
            .iter()
            .rev()
            .find(|step| step.state == DeploymentState::Verifying)
            .map_or(deployment.requested_at, |step| step.at);
        let mut results = self.ports.store.check_results(deployment.id).await?;
        let now = self.ports.clock.now();
        for check in plan.due(since, now, &results) {
            let result = self.probe(check, now).await;
            self.ports.store.record_check_result(deployment.id, &result).await?;
            results.push(result);
        }
        self.read_alarms(deployment, plan, &mut results).await?;
        match plan.verdict(since, now, &results) {
            Verdict::Verifying => Ok(Some(Progress::RollingOut(self.deployment(deployment.id).await?))),
            Verdict::Passed => {
                crate::telemetry::verified(&deployment.env, true, since, now);
                self.finish(deployment, DeploymentState::Succeeded, "").await.map(Some)
            }
            Verdict::Failed(why) => {
                crate::telemetry::verified(&deployment.env, false, since, now);
                self.fail_rollout(deployment, &format!("verification failed: {why}")).await
            }
        }
    }

    async fn probe(&self, check: &HttpCheck, now: chrono::DateTime<chrono::Utc>) -> CheckResult {
        let timeout = std::time::Duration::from_secs(u64::from(check.timeout_seconds.max(1)));
        let (passed, answer) = match self.ports.probe.get(&check.url, timeout).await {
            Ok(answer) => check.judge(&answer),
            Err(error) => (false, error.to_string()),
        };
        CheckResult { check: check.name.clone(), at: now, passed, answer }
    }

    /// Each alarm's state, recorded when first read and whenever it changes (a bake of looks is not a row per
    /// look). An alarm CloudWatch does not know fails the check; CloudWatch out of reach is tried at the next look
    /// (and the verdict waits for each alarm to have been read).
    async fn read_alarms(
        &self,
        deployment: &Deployment,
        plan: &VerificationPlan,
        results: &mut Vec<CheckResult>,
    ) -> Result<(), CoreError> {
        if plan.alarms.is_empty() {
            return Ok(());
        }
        let now = self.ports.clock.now();
        let read: Vec<(String, bool, String)> = match self.ports.alarms.states(&plan.alarms).await {
            Ok(states) => states
                .iter()
                .map(|alarm| {
                    let answer = if alarm.in_alarm() { alarm.reason.clone() } else { alarm.state.clone() };
                    (alarm.name.check_name(), !alarm.in_alarm(), answer)
                })
                .collect(),
            Err(AlarmsError::Missing(names)) => names
                .iter()
                .map(|name| (name.check_name(), false, format!("CloudWatch has no alarm named {name}")))
                .collect(),
            Err(AlarmsError::Unavailable(why)) => {
                tracing::warn!(deployment = %deployment.id, %why, "the alarms could not be read; looking again next time");
                return Ok(());
            }
        };
        for (check, passed, answer) in read {
            let last = results.iter().rev().find(|result| result.check == check);
            if last.is_some_and(|last| last.passed == passed && last.answer == answer) {
                continue;
            }
            let result = CheckResult { check, at: now, passed, answer };
            self.ports.store.record_check_result(deployment.id, &result).await?;
            results.push(result);
        }
        Ok(())
    }
}
