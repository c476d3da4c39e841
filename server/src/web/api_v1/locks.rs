//! Locks through the API: stop the line on an environment (or every environment of a repository) with a reason,
//! and lift it. Needs a token with `deploy:{env}` (for each environment) and its owner's role to lock there.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tengu_core::domain::{Actor, EnvName, LockLength, LockReason, RepoSlug, TokenScope};

use super::deployments::deployer;
use super::{answer, caller, failed};
use crate::api_types::{LockAnswer, LockBody, RepoLocksAnswer, RepoUnlockAnswer, UnlockAnswer};
use crate::web::AppState;

/// `PUT /api/v1/environments/{env}/lock` with `{"reason": …, "for": "2h"}`: 200 with the lock (which replaces one
/// that was there), or 401/403/404/422 with a sentence. Who may: a token with `deploy:{env}` whose owner has the
/// deployer role and the environment's bar (the Policy's `Lock`).
pub async fn lock(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(env): Path<String>,
    body: Result<Json<LockBody>, JsonRejection>,
) -> Response {
    let (actor, env) = match deployer(&state, &headers, &env).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (reason, length) = match lock_of(body) {
        Ok(parsed) => parsed,
        Err(sentence) => return answer(StatusCode::UNPROCESSABLE_ENTITY, "invalid", sentence),
    };
    match state.tengu.lock_environment(&actor, &env, reason, length).await {
        Ok(lock) => Json(LockAnswer::of(&lock)).into_response(),
        Err(error) => failed(error),
    }
}

/// `DELETE /api/v1/environments/{env}/lock`: 200 with the lock lifted (null when none held). Who may: as for `PUT`.
pub async fn unlock(State(state): State<AppState>, headers: HeaderMap, Path(env): Path<String>) -> Response {
    let (actor, env) = match deployer(&state, &headers, &env).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.tengu.unlock_environment(&actor, &env).await {
        Ok(lifted) => Json(UnlockAnswer { unlocked: lifted.as_ref().map(LockAnswer::of) }).into_response(),
        Err(error) => failed(error),
    }
}

/// The reason and length a lock's body names, or the sentence that says what is wrong with it.
fn lock_of(body: Result<Json<LockBody>, JsonRejection>) -> Result<(LockReason, LockLength), String> {
    let Ok(Json(body)) = body else {
        return Err("send JSON: {\"reason\": \"…\", \"for\": \"2h\"}".to_owned());
    };
    let reason = LockReason::parse(&body.reason);
    let parsed = reason.and_then(|reason| Ok((reason, LockLength::parse_or_default(body.length.as_deref())?)));
    parsed.map_err(|error| error.to_string())
}

/// The token's owner, once the token may deploy to every environment of `owner/name`.
async fn repository_deployer(
    state: &AppState,
    headers: &HeaderMap,
    (owner, name): (String, String),
) -> Result<(Actor, RepoSlug), Response> {
    let (actor, token) = caller(state, headers).await?;
    let not_found = || answer(StatusCode::NOT_FOUND, "not_found", format!("no environment of {owner}/{name}"));
    let repo = RepoSlug::parse(format!("{owner}/{name}")).map_err(|_| not_found())?;
    let envs: Vec<&EnvName> =
        state.tengu.settings().environments.iter().filter(|env| env.repo == repo).map(|env| &env.name).collect();
    if envs.is_empty() {
        return Err(not_found());
    }
    if let Some(env) = envs.into_iter().find(|env| !token.allows(&TokenScope::Deploy((*env).clone()))) {
        return Err(answer(
            StatusCode::FORBIDDEN,
            "denied",
            format!("this token may not lock every environment of {repo}: it lacks the deploy:{env} scope"),
        ));
    }
    Ok((actor, repo))
}

/// `PUT /api/v1/repos/{owner}/{name}/lock` with `{"reason": …, "for": "2h"}`: 200 with `{"locks": [...]}`, one per
/// environment of the repository, or 401/403/404/422 with a sentence (all or none are locked). Who may: a token
/// with `deploy:{env}` for each of them whose owner may lock each (the Policy's `Lock`).
pub async fn lock_repository(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(named): Path<(String, String)>,
    body: Result<Json<LockBody>, JsonRejection>,
) -> Response {
    let (actor, repo) = match repository_deployer(&state, &headers, named).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (reason, length) = match lock_of(body) {
        Ok(parsed) => parsed,
        Err(sentence) => return answer(StatusCode::UNPROCESSABLE_ENTITY, "invalid", sentence),
    };
    match state.tengu.lock_repository(&actor, &repo, reason, length).await {
        Ok(locks) => Json(RepoLocksAnswer { locks: locks.iter().map(LockAnswer::of).collect() }).into_response(),
        Err(error) => failed(error),
    }
}

/// `DELETE /api/v1/repos/{owner}/{name}/lock`: 200 with `{"unlocked": [...]}`, the locks lifted. Who may: as for
/// `PUT`.
pub async fn unlock_repository(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(named): Path<(String, String)>,
) -> Response {
    let (actor, repo) = match repository_deployer(&state, &headers, named).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.tengu.unlock_repository(&actor, &repo).await {
        Ok(lifted) => Json(RepoUnlockAnswer { unlocked: lifted.iter().map(LockAnswer::of).collect() }).into_response(),
        Err(error) => failed(error),
    }
}
