//! Server functions: what the pages' forms post to. Each parses nothing (its arguments are already tengu's types)
//! and hands over to the core. Who may call them: a signed-in person only (the server answers 401 to anyone else
//! before any of these runs); what each changes is decided by the core's `Policy` (the rule table in the README).
//! Pages read nothing through them: a page's data is loaded on the server before it is drawn (`pages`).

use leptos::prelude::*;
use tengu_core::domain::{EnvName, Login, PrNumber, RepoSlug};
use tengu_core::views::LiveDeployment;

#[cfg(feature = "ssr")]
use crate::server_glue::{acting_actor, tengu, user_error};

#[server]
pub async fn set_verification(
    repo: RepoSlug,
    deploy_pr: PrNumber,
    item: PrNumber,
    verified: bool,
) -> Result<(), ServerFnError> {
    let actor = acting_actor()?;
    tengu()?.set_verification(&actor, &repo, deploy_pr, item, verified).await.map(drop).map_err(user_error)
}

#[server]
pub async fn override_gate(repo: RepoSlug, deploy_pr: PrNumber, reason: String) -> Result<(), ServerFnError> {
    let actor = acting_actor()?;
    tengu()?.override_gate(&actor, &repo, deploy_pr, &reason).await.map(drop).map_err(user_error)
}

#[server]
pub async fn refresh_deploy_pr(env: EnvName) -> Result<(), ServerFnError> {
    let actor = acting_actor()?;
    tengu()?.open_or_refresh_deploy_pr(&actor, &env).await.map(drop).map_err(user_error)
}

/// Sandbox only: `person` ticks or unticks a box on the simulated GitHub; it reaches tengu as a webhook would.
#[server]
pub async fn simulate_github_edit(
    repo: RepoSlug,
    deploy_pr: PrNumber,
    item: PrNumber,
    verified: bool,
    person: Login,
) -> Result<(), ServerFnError> {
    let actor = acting_actor()?;
    let door = crate::server_glue::sandbox_github()?;
    door.tick(&actor, &person, &repo, deploy_pr, item, verified).await.map_err(ServerFnError::new)
}

/// Sandbox only, a signed-in person speaking as their own chat account (or the unlinked guest): types `text` into
/// the simulated Slack; it reaches tengu's `/slack/commands` signed as Slack signs, and what it asks for is decided
/// by the `Policy` for the login that chat account is linked to.
#[server]
pub async fn sandbox_chat_say(chat_user: String, text: String) -> Result<(), ServerFnError> {
    let visitor = acting_actor()?;
    crate::server_glue::sandbox_slack()?.type_command(&visitor, &chat_user, &text).await.map_err(ServerFnError::new)
}

/// Like saying: presses a message's button as `chat_user` (through `/slack/interactions`).
#[server]
pub async fn sandbox_chat_press(chat_user: String, action: String) -> Result<(), ServerFnError> {
    let visitor = acting_actor()?;
    crate::server_glue::sandbox_slack()?.press_button(&visitor, &chat_user, &action).await.map_err(ServerFnError::new)
}

#[server]
pub async fn press_deploy(
    env: EnvName,
    input: String,
    key: String,
    override_reason: Option<String>,
) -> Result<LiveDeployment, ServerFnError> {
    let press = tengu_core::usecases::Press::Deploy(input);
    tengu()?
        .press(&acting_actor()?, &env, press, key, override_reason)
        .await
        .map(|d| LiveDeployment::of(&d))
        .map_err(user_error)
}

#[server]
pub async fn press_redeploy(
    env: EnvName,
    key: String,
    override_reason: Option<String>,
) -> Result<LiveDeployment, ServerFnError> {
    let press = tengu_core::usecases::Press::Redeploy;
    tengu()?
        .press(&acting_actor()?, &env, press, key, override_reason)
        .await
        .map(|d| LiveDeployment::of(&d))
        .map_err(user_error)
}

#[server]
pub async fn press_rollback(
    env: EnvName,
    to: i64,
    key: String,
    override_reason: Option<String>,
) -> Result<LiveDeployment, ServerFnError> {
    let press = tengu_core::usecases::Press::RollbackTo(tengu_core::domain::DeploymentId(to));
    tengu()?
        .press(&acting_actor()?, &env, press, key, override_reason)
        .await
        .map(|d| LiveDeployment::of(&d))
        .map_err(user_error)
}

#[server]
pub async fn abort_deployment(id: i64) -> Result<LiveDeployment, ServerFnError> {
    let id = tengu_core::domain::DeploymentId(id);
    tengu()?.abort_deployment(&acting_actor()?, id).await.map(|d| LiveDeployment::of(&d)).map_err(user_error)
}

/// Stops the line on `env` (with `every`, on each environment of its repository) with `reason`, for `length`
/// (`1h`, `2h`, `1d`, `until-unlocked`); answers each lock's sentence. Who may: a signed-in deployer with each
/// environment's bar (the core asks the Policy's `Lock`).
#[server]
pub async fn lock_environment(
    env: EnvName,
    reason: String,
    length: String,
    every: Option<String>,
) -> Result<String, ServerFnError> {
    use tengu_core::domain::{LockLength, LockReason};
    let parsed = LockReason::parse(&reason).and_then(|reason| Ok((reason, LockLength::parse(&length)?)));
    let (reason, length) = parsed.map_err(|e| user_error(tengu_core::CoreError::Invalid(e)))?;
    let scope = crate::server_glue::lock_scope(&env, every.is_some())?;
    let locks = tengu()?.lock_scope(&acting_actor()?, &scope, reason, length).await.map_err(user_error)?;
    Ok(locks.iter().map(|lock| lock.sentence()).collect::<Vec<_>>().join("\n"))
}

/// Lifts `env`'s lock (with `every`, each of its repository's); answers what it lifted, or that none held. Who
/// may: as for locking.
#[server]
pub async fn unlock_environment(env: EnvName, every: Option<String>) -> Result<String, ServerFnError> {
    let scope = crate::server_glue::lock_scope(&env, every.is_some())?;
    let lifted = tengu()?.unlock_scope(&acting_actor()?, &scope).await.map_err(user_error)?;
    let names: Vec<String> = lifted.iter().map(|lock| lock.env.to_string()).collect();
    Ok(match names.len() {
        0 => format!("{}.", scope.nothing_locked()),
        1 => format!("{} is unlocked.", names[0]),
        _ => format!("{} are unlocked.", names.join(", ")),
    })
}

/// A deployer with the environment's bar, not the one who asked.
#[server]
pub async fn approve_deployment(id: i64) -> Result<LiveDeployment, ServerFnError> {
    let id = tengu_core::domain::DeploymentId(id);
    tengu()?.approve_deployment(&acting_actor()?, id).await.map(|d| LiveDeployment::of(&d)).map_err(user_error)
}

/// Like approving: a deployer with the environment's bar, not the one who asked.
#[server]
pub async fn reject_deployment(id: i64, reason: String) -> Result<LiveDeployment, ServerFnError> {
    let id = tengu_core::domain::DeploymentId(id);
    tengu()?.reject_deployment(&acting_actor()?, id, &reason).await.map(|d| LiveDeployment::of(&d)).map_err(user_error)
}

/// Stop, Start or Rebuild (`press` is one of those words).
#[server]
pub async fn press_review_env(
    repo: RepoSlug,
    pr: PrNumber,
    press: String,
) -> Result<tengu_core::domain::ReviewEnv, ServerFnError> {
    let press = tengu_core::usecases::ReviewPress::parse(&press).map_err(user_error)?;
    tengu()?.press_review(&acting_actor()?, &repo, pr, press).await.map_err(user_error)
}

#[server]
pub async fn stop_stranger_task(cluster: tengu_core::domain::ClusterName, arn: String) -> Result<(), ServerFnError> {
    tengu()?.stop_stranger_task(&acting_actor()?, &cluster, &arn).await.map_err(user_error)
}

/// Sandbox only: open a pull request (`number` empty), push to one, or close one, as the webhook would say.
#[server]
pub async fn simulate_feature_pr(
    change: String,
    title: Option<String>,
    number: Option<PrNumber>,
) -> Result<String, ServerFnError> {
    let actor = acting_actor()?;
    let door = crate::server_glue::sandbox_github()?;
    door.change_feature_pr(&actor, &change, title, number).await.map_err(ServerFnError::new)
}

/// Anyone signed in, for themselves. Creates a token; the answer is its secret, shown this once. `read` is a checkbox, `deploy_env` names the
/// environment it may deploy to (empty: none).
#[server]
pub async fn create_token(
    name: String,
    read: Option<String>,
    deploy_env: Option<String>,
    days: u32,
) -> Result<String, ServerFnError> {
    let scopes = crate::server_glue::token_scopes(read.is_some(), deploy_env.as_deref())?;
    let created = tengu()?.create_token(&acting_actor()?, &name, scopes, days).await.map_err(user_error)?;
    Ok(created.secret)
}

/// Anyone signed in, for their own tokens.
#[server]
pub async fn revoke_token(id: i64) -> Result<(), ServerFnError> {
    tengu()?.revoke_token(&acting_actor()?, id).await.map_err(user_error)
}

/// An admin of the delivery's repository (the rule table): handle a failed delivery again now.
#[server]
pub async fn retry_delivery(delivery_id: String) -> Result<(), ServerFnError> {
    tengu()?.retry_delivery(&acting_actor()?, &delivery_id).await.map(drop).map_err(user_error)
}
