//! `tengu deploy <env>`: the same deployment the dashboard starts, from a terminal, without a running server,
//! recorded in the same database, with the rollout's progress as it happens.

use std::io::Write;
use std::time::Duration;

use tengu_core::domain::{CommitSha, Deployment, DeploymentId, DeploymentState, EnvName, ImageRef, Trigger};
use tengu_core::usecases::{DeployRequest, DeployTarget, Progress};

use crate::boot::{self, BootError};
use crate::config::Config;

/// What to deploy, as the command line says it.
pub enum What {
    Sha(String),
    Image(String),
    RollbackTo(i64),
    Redeploy,
}

pub async fn deploy(
    config: &Config,
    env: &str,
    what: What,
    acting_as: Option<&str>,
    override_gate: Option<&str>,
) -> Result<Deployment, BootError> {
    let input = |e: String| BootError::Input(e);
    let env = EnvName::parse(env).map_err(|e| input(e.to_string()))?;
    let actor = super::terminal_actor(config, acting_as)?;
    let (target, trigger) = match what {
        What::Sha(sha) => {
            (DeployTarget::Commit(CommitSha::parse(sha).map_err(|e| input(e.to_string()))?), Trigger::Cli)
        }
        What::Image(image) => {
            let image = ImageRef::parse(image).map_err(|e| input(e.to_string()))?;
            (DeployTarget::Image { image, sha: None, source_prs: vec![], deploy_pr: None }, Trigger::Cli)
        }
        What::RollbackTo(id) => (DeployTarget::RollbackTo(DeploymentId(id)), Trigger::Rollback),
        What::Redeploy => (DeployTarget::Redeploy, Trigger::Redeploy),
    };
    let store = boot::open_store(config).await?;
    let tengu = boot::tengu(config, store).await?;
    let failed = |e: tengu_core::CoreError| BootError::Input(e.user_message());
    let sha = match &target {
        DeployTarget::Commit(sha) => Some(sha.clone()),
        _ => None,
    };
    if let Some(reason) = override_gate
        && let Some(pr) = tengu.override_environment_gate(&actor, &env, sha.as_ref(), reason).await.map_err(failed)?
    {
        eprintln!("the gate of deploy PR {}{} is overridden: {reason}", pr.repo, pr.number);
    }
    let request = DeployRequest { env, target, trigger, idempotency_key: None };
    let deployment = tengu.request_deployment(&actor, request).await.map_err(failed)?;
    eprintln!(
        "deployment {} of {} to {} requested by {}",
        deployment.id, deployment.image, deployment.env, deployment.actor
    );
    let every = Duration::from_millis(tengu.settings().deploys.poll_every_ms);
    let mut shown = String::new();
    loop {
        match tengu.advance_deployment(deployment.id).await.map_err(failed)? {
            Progress::AwaitingApproval(now) => {
                let line = format!(
                    "waiting for another person to approve deployment {} in the dashboard: {}",
                    now.id,
                    tengu.deployment_link(now.id)
                );
                if line != shown {
                    eprintln!("{line}");
                    shown = line;
                }
                tokio::time::sleep(every).await;
            }
            Progress::RollingOut(now) => {
                let line = progress_line(&now);
                if line != shown {
                    eprintln!("{line}");
                    let _ = std::io::stderr().flush();
                    shown = line;
                }
                tokio::time::sleep(every).await;
            }
            Progress::Finished(done) => return Ok(done),
        }
    }
}

/// `[########------------]  2/5 tasks running  (web 1/3, worker 1/2)`.
pub fn progress_line(deployment: &Deployment) -> String {
    let mut running = 0;
    let mut desired = 0;
    let mut parts = Vec::new();
    for snapshot in &deployment.rollout {
        let ours = snapshot.deployments.iter().find(|d| deployment.task_definitions.contains(&d.task_definition));
        let (r, d) = ours.map(|d| (d.running, d.desired)).unwrap_or((0, 0));
        running += r;
        desired += d;
        parts.push(format!("{} {r}/{d}", snapshot.service));
    }
    const WIDTH: u32 = 20;
    let filled = (running * WIDTH).checked_div(desired).unwrap_or(0).min(WIDTH);
    format!(
        "[{}{}] {running:>2}/{desired} tasks running  ({})",
        "#".repeat(filled as usize),
        "-".repeat((WIDTH - filled) as usize),
        parts.join(", ")
    )
}

/// How the end of a deployment reads in a terminal.
pub fn outcome_line(deployment: &Deployment) -> String {
    let took = deployment.duration_seconds().map(|s| format!(" in {s} s")).unwrap_or_default();
    match (&deployment.state, &deployment.reason) {
        (DeploymentState::Succeeded, _) => format!("deployment {} succeeded{took}", deployment.id),
        (state, Some(reason)) => {
            format!("deployment {} {}{took}: {reason}", deployment.id, state.label().to_lowercase())
        }
        (state, None) => format!("deployment {} {}{took}", deployment.id, state.label().to_lowercase()),
    }
}
