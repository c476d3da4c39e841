//! `tengu abort <env>` and `tengu status [env]`: locally over the database, or through a tengu server; and
//! `tengu diff <env>`, what a deploy would change, locally.

use tengu_core::Tengu;
use tengu_core::domain::{Actor, EnvName, Viewer};
use tengu_core::views::EnvironmentStatus;

use super::exit::{CliError, Ending};
use super::remote::Remote;
use crate::boot;
use crate::config::Config;

/// Aborts what deploys to the environment; prints what happened.
pub async fn abort_command(
    config: &Config,
    env: &str,
    acting_as: Option<&str>,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    let line = match server {
        Some((server, token)) => {
            let aborted = Remote::new(&server, token)?.abort(env).await?;
            format!("deployment {} of {} to {} is aborted: {}", aborted.id, aborted.image, aborted.env, aborted.url)
        }
        None => {
            let env = EnvName::parse(env).map_err(|e| CliError::new(Ending::Usage, e.to_string()))?;
            let actor = super::terminal_actor(config, acting_as)?;
            let store = boot::open_store(config).await?;
            let tengu = boot::tengu(config, store.clone()).await?;
            let aborted = abort_here(&tengu, &actor, &env).await;
            store.close().await;
            aborted?
        }
    };
    println!("{line}");
    Ok(Ending::Succeeded)
}

/// Aborts `env`'s deployment and follows the services back to what they ran before (nobody else may be driving).
async fn abort_here(tengu: &Tengu, actor: &Actor, env: &EnvName) -> Result<String, CliError> {
    let aborted = tengu.abort_environment(actor, env).await?;
    let now = tengu.drive_deployment(aborted.id).await?;
    Ok(format!("{} ({})", now.outcome_sentence(), tengu.deployment_link(now.id)))
}

/// Prints what runs where, what deploys now and what waits.
pub async fn status_command(
    config: &Config,
    env: Option<&str>,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    let found: Vec<EnvironmentStatus> = match server {
        Some((server, token)) => Remote::new(&server, token)?.status(env).await?,
        None => {
            let only = env.map(EnvName::parse).transpose().map_err(|e| CliError::new(Ending::Usage, e.to_string()))?;
            let actor = super::terminal_actor(config, None)?;
            let tengu = boot::tengu(config, boot::open_store(config).await?).await?;
            tengu.status(&Viewer::trusted(actor), only.as_ref()).await?
        }
    };
    for status in &found {
        for line in status.lines() {
            println!("{line}");
        }
    }
    Ok(Ending::Succeeded)
}

/// Prints what deploying `what` to `env` would change on each service (nothing is sent to ECS but questions),
/// asked here or of the tengu `server`; refused (3) when something would stop it.
pub async fn diff_command(
    config: &Config,
    env: &str,
    what: super::What,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    if let Some((server, token)) = server {
        let found = Remote::new(&server, token)?.difference(env, &what.body()).await?;
        found.lines.iter().for_each(|line| println!("{line}"));
        let ready = found.missing.is_none() && found.refusals.is_empty();
        return Ok(if ready { Ending::Succeeded } else { Ending::Refused });
    }
    use tengu_core::domain::{CommitSha, DeploymentId, ImageRef};
    use tengu_core::usecases::DeployTarget;
    let usage = |e: String| CliError::new(Ending::Usage, e);
    let env = EnvName::parse(env).map_err(|e| usage(e.to_string()))?;
    let target = match what {
        super::What::Sha(sha) => DeployTarget::Commit(CommitSha::parse(sha).map_err(|e| usage(e.to_string()))?),
        super::What::Image { image, .. } => DeployTarget::Image {
            image: ImageRef::parse(image).map_err(|e| usage(e.to_string()))?,
            sha: None,
            source_prs: Vec::new(),
            deploy_pr: None,
            commit_unknown_reason: None,
        },
        super::What::RollbackTo(id) => DeployTarget::RollbackTo(DeploymentId(id)),
        super::What::Redeploy => DeployTarget::Redeploy,
    };
    let actor = super::terminal_actor(config, None)?;
    let store = boot::open_store(config).await?;
    let tengu = boot::tengu(config, store.clone()).await?;
    let found = tengu.deploy_difference(&Viewer::trusted(actor), &env, &target).await;
    store.close().await;
    let found = found?;
    found.lines().iter().for_each(|line| println!("{line}"));
    Ok(if found.is_ready() { Ending::Succeeded } else { Ending::Refused })
}
