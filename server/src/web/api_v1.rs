//! The JSON API for machines, with a personal token (`Authorization: Bearer tengu_…`): ask for a deployment and
//! follow it. A token acts as its owner with the owner's role at the time of use, within its scopes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tengu_core::CoreError;
use tengu_core::domain::{
    Actor, ApiToken, CommitSha, Deployment, DeploymentId, EnvName, ImageRef, TokenScope, Trigger,
};
use tengu_core::usecases::{DeployRequest, DeployTarget};

use super::AppState;

fn answer(status: StatusCode, sentence: impl Into<String>) -> Response {
    (status, Json(json!({ "error": sentence.into() }))).into_response()
}

/// The token's owner, or the answer for a caller without a valid token.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<(Actor, ApiToken), Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(secret) = bearer else {
        return Err(answer(StatusCode::UNAUTHORIZED, "send a tengu API token: Authorization: Bearer tengu_…"));
    };
    match state.tengu.token_actor(secret).await {
        Ok(found) => Ok(found),
        Err(error) if error.is_callers_fault() => Err(answer(StatusCode::UNAUTHORIZED, error.user_message())),
        Err(error) => Err(failed(error)),
    }
}

/// A core error as an HTTP answer with its sentence.
fn failed(error: CoreError) -> Response {
    let status = match &error {
        CoreError::Denied(_) => StatusCode::FORBIDDEN,
        CoreError::NotFound(_) => StatusCode::NOT_FOUND,
        CoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        CoreError::Refused(_) | CoreError::Body(_) => StatusCode::CONFLICT,
        _ if error.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    };
    if status.is_server_error() {
        tracing::error!(%error, "an API request failed");
    }
    answer(status, error.user_message())
}

/// What to deploy: an image, or a commit turned into one by the environment's `image_template`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployBody {
    image: Option<String>,
    sha: Option<String>,
}

#[derive(Serialize)]
struct DeploymentAnswer {
    id: i64,
    env: String,
    image: String,
    state: String,
    finished: bool,
    succeeded: bool,
    reason: Option<String>,
    url: String,
}

fn describe(state: &AppState, deployment: &Deployment) -> DeploymentAnswer {
    DeploymentAnswer {
        id: deployment.id.0,
        env: deployment.env.to_string(),
        image: deployment.image.to_string(),
        state: deployment.state.as_str().to_owned(),
        finished: deployment.finished_at.is_some(),
        succeeded: deployment.state == tengu_core::domain::DeploymentState::Succeeded,
        reason: deployment.reason.clone(),
        url: state.tengu.deployment_link(deployment.id),
    }
}

/// `POST /api/v1/environments/{env}/deployments` with `{"image": …}` or `{"sha": …}` and an optional
/// `Idempotency-Key`: 202 with the deployment, or 401/403/404/409/422 with a sentence.
pub async fn deploy(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(env): Path<String>,
    body: Result<Json<DeployBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (actor, token) = match caller(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(env) = EnvName::parse(&env) else { return answer(StatusCode::NOT_FOUND, format!("no environment {env}")) };
    if !token.allows(&TokenScope::Deploy(env.clone())) {
        return answer(
            StatusCode::FORBIDDEN,
            format!("this token may not deploy to {env}; give it the deploy:{env} scope"),
        );
    }
    let Ok(Json(body)) = body else {
        return answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            "send JSON: {\"image\": \"registry/repo:tag\"} or {\"sha\": \"<40 hex>\"}",
        );
    };
    let target = match (body.image, body.sha) {
        (Some(image), None) => match ImageRef::parse(&image) {
            Ok(image) => DeployTarget::Image { image, sha: None, source_prs: Vec::new(), deploy_pr: None },
            Err(e) => return answer(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        },
        (None, Some(sha)) => match CommitSha::parse(&sha) {
            Ok(sha) => DeployTarget::Commit(sha),
            Err(e) => return answer(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        },
        _ => return answer(StatusCode::UNPROCESSABLE_ENTITY, "send exactly one of \"image\" and \"sha\""),
    };
    // A key means one deployment per environment: the same key on another environment is another request.
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).filter(|k| !k.is_empty());
    let idempotency_key = key.map(|key| format!("api:{env}:{key}"));
    let request = DeployRequest { env, target, trigger: Trigger::Api, idempotency_key };
    match state.tengu.request_deployment(&actor, request).await {
        Ok(deployment) => {
            if deployment.finished_at.is_none() {
                state.tengu.follow_in_background(deployment.id);
            }
            (StatusCode::ACCEPTED, Json(describe(&state, &deployment))).into_response()
        }
        Err(error) => failed(error),
    }
}

/// `GET /api/v1/deployments/{id}`: how it stands, for a token that may read or deploy to its environment.
pub async fn deployment(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let (actor, token) = match caller(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let viewer = match state.tengu.viewer(&actor).await {
        Ok(viewer) => viewer,
        Err(error) => return failed(error),
    };
    let view = match state.tengu.deployment_view(&viewer, DeploymentId(id)).await {
        Ok(view) => view,
        Err(error) => return failed(error),
    };
    let env = view.deployment.env.clone();
    // Outside the token's scopes a deployment does not exist for it (no environment named).
    if !token.allows(&TokenScope::Read) && !token.allows(&TokenScope::Deploy(env)) {
        return answer(StatusCode::NOT_FOUND, format!("deployment {id} was not found"));
    }
    Json(describe(&state, &view.deployment)).into_response()
}
