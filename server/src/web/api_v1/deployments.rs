//! Deployments through the API: ask for one, follow it, abort what deploys to an environment.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tengu_core::domain::{Actor, CommitSha, Deployment, DeploymentId, EnvName, ImageRef, TokenScope, Trigger};
use tengu_core::usecases::{DeployRequest, DeployTarget, StopOverrides};

use super::{answer, caller, failed};
use crate::api_types::{DeployBody, DeploymentAnswer};
use crate::web::AppState;

/// The deployment as the API tells it, with what its verification's checks answered so far.
async fn describe(state: &AppState, deployment: &Deployment) -> DeploymentAnswer {
    let mut described = DeploymentAnswer::of(deployment, state.tengu.deployment_link(deployment.id));
    match state.tengu.check_lines(deployment.id).await {
        Ok(lines) => described.checks = lines.iter().map(tengu_core::views::CheckLine::sentence).collect(),
        Err(error) => tracing::warn!(%error, deployment = %deployment.id, "its checks' answers could not be read"),
    }
    described
}

/// The token's owner and the environment, when the token may deploy there; the answer otherwise.
pub(super) async fn deployer(state: &AppState, headers: &HeaderMap, env: &str) -> Result<(Actor, EnvName), Response> {
    let (actor, token) = caller(state, headers).await?;
    let Ok(env) = EnvName::parse(env) else {
        return Err(answer(StatusCode::NOT_FOUND, "not_found", format!("no environment {env}")));
    };
    if !token.allows(&TokenScope::Deploy(env.clone())) {
        return Err(answer(
            StatusCode::FORBIDDEN,
            "denied",
            format!("this token may not deploy to {env}; give it the deploy:{env} scope"),
        ));
    }
    Ok((actor, env))
}

pub(super) fn target_of(body: DeployBody) -> Result<(DeployTarget, Trigger), String> {
    let commit = |sha: &str| CommitSha::parse(sha.to_ascii_lowercase()).map_err(|e| e.to_string());
    match body {
        DeployBody { image: Some(image), sha, redeploy: false, rollback_to: None, commit_unknown_reason, .. } => {
            let image = ImageRef::parse(&image).map_err(|e| e.to_string())?;
            let sha = sha.as_deref().map(commit).transpose()?;
            let target =
                DeployTarget::Image { image, sha, source_prs: Vec::new(), deploy_pr: None, commit_unknown_reason };
            Ok((target, Trigger::Api))
        }
        DeployBody {
            image: None,
            sha: Some(sha),
            redeploy: false,
            rollback_to: None,
            commit_unknown_reason: None,
            ..
        } => Ok((DeployTarget::Commit(commit(&sha)?), Trigger::Api)),
        DeployBody {
            image: None, sha: None, redeploy: true, rollback_to: None, commit_unknown_reason: None, ..
        } => Ok((DeployTarget::Redeploy, Trigger::Redeploy)),
        DeployBody {
            image: None,
            sha: None,
            redeploy: false,
            rollback_to: Some(id),
            commit_unknown_reason: None,
            ..
        } => Ok((DeployTarget::RollbackTo(DeploymentId(id)), Trigger::Rollback)),
        _ => Err("send one of \"image\" (with the \"sha\" it was built from), \"sha\", \"redeploy\": true and \
                  \"rollback_to\"; \"commit_unknown_reason\" goes with an image only"
            .to_owned()),
    }
}

/// `POST /api/v1/environments/{env}/deployments` with `{"image": …}`, `{"sha": …}`, `{"redeploy": true}` or
/// `{"rollback_to": id}` and an optional `Idempotency-Key`: 202 with the deployment, or 401/403/404/409/422 with a
/// sentence. Needs a token with `deploy:{env}`, and its owner's role on the environment's repository.
pub async fn deploy(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(env): Path<String>,
    body: Result<Json<DeployBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (actor, env) = match deployer(&state, &headers, &env).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(Json(body)) = body else {
        return answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "send JSON: {\"image\": \"registry/repo:tag\"}, {\"sha\": \"<40 hex>\"}, {\"redeploy\": true} or {\"rollback_to\": <deployment>}",
        );
    };
    let overrides = StopOverrides { lock: body.lock_override.clone(), freeze: body.freeze_override.clone() };
    let (target, trigger) = match target_of(body) {
        Ok(found) => found,
        Err(sentence) => return answer(StatusCode::UNPROCESSABLE_ENTITY, "invalid", sentence),
    };
    // A key means one deployment per environment: the same key on another environment is another request.
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).filter(|k| !k.is_empty());
    let idempotency_key = key.map(|key| format!("api:{env}:{key}"));
    let request = DeployRequest { env, target, trigger, idempotency_key, overrides };
    match state.tengu.request_deployment(&actor, request).await {
        Ok(deployment) => {
            if deployment.finished_at.is_none() {
                state.tengu.follow_in_background(deployment.id);
            }
            (StatusCode::ACCEPTED, Json(describe(&state, &deployment).await)).into_response()
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
    let deployment = match state.tengu.visible_deployment(&viewer, DeploymentId(id)).await {
        Ok(deployment) => deployment,
        Err(error) => return failed(error),
    };
    let env = deployment.env.clone();
    // Outside the token's scopes a deployment does not exist for it (no environment named).
    if !token.allows(&TokenScope::Read) && !token.allows(&TokenScope::Deploy(env)) {
        return answer(StatusCode::NOT_FOUND, "not_found", format!("deployment {id} was not found"));
    }
    Json(describe(&state, &deployment).await).into_response()
}

/// `POST /api/v1/environments/{env}/abort`: stops what deploys to the environment now and puts back what ran
/// before; 200 with the deployment. Needs `deploy:{env}` and the owner's role to abort there.
pub async fn abort(State(state): State<AppState>, headers: HeaderMap, Path(env): Path<String>) -> Response {
    let (actor, env) = match deployer(&state, &headers, &env).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.tengu.abort_environment(&actor, &env).await {
        Ok(deployment) => {
            if deployment.finished_at.is_none() {
                state.tengu.follow_in_background(deployment.id);
            }
            Json(describe(&state, &deployment).await).into_response()
        }
        Err(error) => failed(error),
    }
}
