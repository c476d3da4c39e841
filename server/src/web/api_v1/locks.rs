//! Locks through the API: stop the line on an environment with a reason, and lift it. Needs a token with
//! `deploy:{env}` and its owner's role to lock there.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tengu_core::domain::{LockLength, LockReason};

use super::deployments::deployer;
use super::{answer, failed};
use crate::api_types::{LockAnswer, LockBody, UnlockAnswer};
use crate::web::AppState;

/// `PUT /api/v1/environments/{env}/lock` with `{"reason": …, "for": "2h"}`: 200 with the lock (which replaces one
/// that was there), or 401/403/404/422 with a sentence. Who may: a token with `deploy:{env}` whose owner has the
/// deployer role and the environment's bar (the Policy's `Lock`).
pub async fn lock(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(env): Path<String>,
    body: Result<Json<LockBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (actor, env) = match deployer(&state, &headers, &env).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(Json(body)) = body else {
        return answer(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "send JSON: {\"reason\": \"…\", \"for\": \"2h\"}");
    };
    let parsed = LockReason::parse(&body.reason).and_then(|reason| {
        let length = LockLength::parse_or_default(body.length.as_deref())?;
        Ok((reason, length))
    });
    let (reason, length) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return answer(StatusCode::UNPROCESSABLE_ENTITY, "invalid", error.to_string()),
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
