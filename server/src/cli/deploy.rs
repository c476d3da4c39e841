//! `tengu deploy <env>`: the same deployment the dashboard starts, from a terminal, with the rollout's progress as
//! it happens: done here (local mode, the database and AWS credentials at hand: a laptop when CI is down), or
//! asked of a running tengu (remote mode: CI).

use std::io::Write;
use std::time::Duration;

use tengu_core::Tengu;
use tengu_core::domain::{Actor, CommitSha, Deployment, DeploymentId, EnvName, ImageRef, Trigger};
use tengu_core::usecases::{DeployRequest, DeployTarget, Progress, StopOverrides};

use super::exit::{CliError, Ending};
use super::remote::Remote;
use crate::api_types::DeployBody;
use crate::boot;
use crate::config::Config;

/// Where the work is done: here, or by the tengu server at `server` (with `token`).
pub struct Remotely {
    pub server: String,
    pub token: Option<String>,
    pub idempotency_key: Option<String>,
}

impl What {
    /// What the API is sent for it.
    pub(super) fn body(self) -> DeployBody {
        match self {
            What::Sha(sha) => DeployBody { sha: Some(sha), ..DeployBody::default() },
            What::Image { image, sha, commit_unknown } => {
                DeployBody { image: Some(image), sha, commit_unknown_reason: commit_unknown, ..DeployBody::default() }
            }
            What::RollbackTo(id) => DeployBody { rollback_to: Some(id), ..DeployBody::default() },
            What::Redeploy => DeployBody { redeploy: true, ..DeployBody::default() },
        }
    }
}

/// Written reasons to pass what would hold the deploy: the gate (local mode), someone else's lock and a freeze
/// window (an admin).
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides<'a> {
    pub gate: Option<&'a str>,
    pub lock: Option<&'a str>,
    pub freeze: Option<&'a str>,
}

impl Overrides<'_> {
    /// What the core is told to pass (the gate is passed on its own, before the request).
    fn stops(&self) -> StopOverrides {
        StopOverrides { lock: self.lock.map(str::to_owned), freeze: self.freeze.map(str::to_owned) }
    }
}

/// `tengu deploy`, locally or remotely: prints how it ended and says which ending it was.
pub async fn deploy_command(
    config: &Config,
    env: &str,
    what: What,
    acting_as: Option<&str>,
    overrides: Overrides<'_>,
    remotely: Option<Remotely>,
) -> Result<Ending, CliError> {
    let override_gate = overrides.gate;
    let Some(remotely) = remotely else {
        let done = deploy(config, env, what, acting_as, overrides).await?;
        println!("{}", done.outcome_sentence());
        return Ok(Ending::of_state(done.state));
    };
    if acting_as.is_some() || override_gate.is_some() {
        return Err(CliError::new(
            Ending::Usage,
            "--as and --override-gate work in the local mode only; with --server the token's owner acts, and the \
             gate is overridden in the dashboard",
        ));
    }
    let remote = Remote::new(&remotely.server, remotely.token)?;
    let body = what.body();
    let StopOverrides { lock: lock_override, freeze: freeze_override } = overrides.stops();
    let body = DeployBody { lock_override, freeze_override, ..body };
    let started = remote.deploy(env, &body, remotely.idempotency_key.as_deref()).await?;
    eprintln!(
        "deployment {} of {} to {} requested by {}: {}",
        started.id, started.image, started.env, started.actor, started.url
    );
    let done = remote.follow(started).await?;
    println!("{}", done.outcome.clone().unwrap_or_else(|| format!("deployment {} {}", done.id, done.state)));
    Ok(Ending::of_state_name(&done.state))
}

/// What to deploy, as the command line says it.
pub enum What {
    Sha(String),
    /// An image, with the commit it was built from (else read off its tag), or an admin's reason to ship it
    /// without one.
    Image {
        image: String,
        sha: Option<String>,
        commit_unknown: Option<String>,
    },
    RollbackTo(i64),
    Redeploy,
}

pub async fn deploy(
    config: &Config,
    env: &str,
    what: What,
    acting_as: Option<&str>,
    overrides: Overrides<'_>,
) -> Result<Deployment, CliError> {
    let input = |e: String| CliError::new(Ending::Usage, e);
    let env = EnvName::parse(env).map_err(|e| input(e.to_string()))?;
    let actor = super::terminal_actor(config, acting_as)?;
    let (target, trigger) = match what {
        What::Sha(sha) => {
            (DeployTarget::Commit(CommitSha::parse(sha).map_err(|e| input(e.to_string()))?), Trigger::Cli)
        }
        What::Image { image, sha, commit_unknown } => {
            let image = ImageRef::parse(image).map_err(|e| input(e.to_string()))?;
            let sha = sha.map(|sha| CommitSha::parse(sha.to_ascii_lowercase())).transpose();
            let sha = sha.map_err(|e| input(e.to_string()))?;
            let target = DeployTarget::Image {
                image,
                sha,
                source_prs: vec![],
                deploy_pr: None,
                commit_unknown_reason: commit_unknown,
            };
            (target, Trigger::Cli)
        }
        What::RollbackTo(id) => (DeployTarget::RollbackTo(DeploymentId(id)), Trigger::Rollback),
        What::Redeploy => (DeployTarget::Redeploy, Trigger::Redeploy),
    };
    let store = boot::open_store(config).await?;
    let tengu = boot::tengu(config, store.clone()).await?;
    let done = deploy_here(
        &tengu,
        &actor,
        DeployRequest { env, target, trigger, idempotency_key: None, overrides: overrides.stops() },
        overrides.gate,
    );
    let done = done.await;
    store.close().await;
    done
}

/// Asks for the deployment here, over the database, and drives it to its end, printing its progress.
async fn deploy_here(
    tengu: &Tengu,
    actor: &Actor,
    request: DeployRequest,
    override_gate: Option<&str>,
) -> Result<Deployment, CliError> {
    let (env, target) = (&request.env, &request.target);
    let sha = match target {
        DeployTarget::Commit(sha) | DeployTarget::Image { sha: Some(sha), .. } => Some(sha.clone()),
        _ => None,
    };
    if let Some(reason) = override_gate
        && let Some(pr) = tengu.override_environment_gate(actor, env, sha.as_ref(), reason).await?
    {
        eprintln!("the gate of deploy PR {}{} is overridden: {reason}", pr.repo, pr.number);
    }
    let deployment = tengu.request_deployment(actor, request).await?;
    eprintln!(
        "deployment {} of {} to {} requested by {}",
        deployment.id, deployment.image, deployment.env, deployment.actor
    );
    let every = Duration::from_millis(tengu.settings().deploys.poll_every_ms);
    let mut shown = String::new();
    loop {
        match tengu.advance_deployment(deployment.id).await? {
            Progress::AwaitingApproval(now) => {
                let line = waiting_for_approval(now.id.0, &tengu.deployment_link(now.id));
                if line != shown {
                    eprintln!("{line}");
                    shown = line;
                }
                tokio::time::sleep(every).await;
            }
            Progress::RollingOut(now) => {
                let line = match now.state {
                    tengu_core::domain::DeploymentState::Verifying => verifying_line(
                        &tengu.check_lines(now.id).await?.iter().map(|l| l.sentence()).collect::<Vec<_>>(),
                    ),
                    _ => tengu_core::domain::RolloutProgress::of(&now).line(),
                };
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

/// The line both modes print while a deployment verifies: what each check answered so far.
pub(super) fn verifying_line(checks: &[String]) -> String {
    match checks {
        [] => "verifying: no check has answered yet".to_owned(),
        _ => format!("verifying: {}", checks.join("; ")),
    }
}

/// The line both modes print while a deployment waits for a second person.
pub(super) fn waiting_for_approval(id: i64, link: &str) -> String {
    format!("waiting for another person to approve deployment {id} in the dashboard: {link}")
}
