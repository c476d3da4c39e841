//! The JSON API for machines, with a personal token (`Authorization: Bearer tengu_…`): ask for a deployment,
//! follow it, see what it would change first, abort it, lock and unlock an environment, read the environments'
//! status, and fetch the CLI that speaks to it. A token acts as its owner with the owner's role at the time of use, within its scopes. Every answer that is not a success carries
//! `{"error": sentence, "code": code}`.

mod cli_binary;
mod deployments;
mod difference;
mod environments;
mod insights;
mod locks;

pub use cli_binary::cli_binary;
pub use deployments::{abort, deploy, deployment};
pub use difference::difference;
pub use environments::status;
pub use insights::insights;
pub use locks::{lock, lock_repository, unlock, unlock_repository};

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tengu_core::CoreError;
use tengu_core::domain::{Actor, ApiToken};

use super::AppState;
use crate::api_types::ApiError;

fn answer(status: StatusCode, code: &str, sentence: impl Into<String>) -> Response {
    (status, Json(ApiError { error: sentence.into(), code: code.to_owned() })).into_response()
}

/// The token's owner, or the answer for a caller without a valid token.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<(Actor, ApiToken), Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(secret) = bearer else {
        return Err(answer(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "send a tengu API token: Authorization: Bearer tengu_…",
        ));
    };
    match state.tengu.token_actor(secret).await {
        Ok(found) => Ok(found),
        Err(error) if error.is_callers_fault() => {
            Err(answer(StatusCode::UNAUTHORIZED, "unauthenticated", error.user_message()))
        }
        Err(error) => Err(failed(error)),
    }
}

/// A core error as an HTTP answer with its sentence and code.
fn failed(error: CoreError) -> Response {
    let (status, code) = match &error {
        CoreError::Denied(_) => (StatusCode::FORBIDDEN, "denied"),
        CoreError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        CoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        CoreError::Refused(_) | CoreError::Body(_) => (StatusCode::CONFLICT, "refused"),
        CoreError::Busy(_) => (StatusCode::CONFLICT, "busy"),
        _ if error.is_transient() => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        _ => (StatusCode::BAD_GATEWAY, "failed"),
    };
    if status.is_server_error() {
        tracing::error!(%error, "an API request failed");
    }
    answer(status, code, error.user_message())
}
