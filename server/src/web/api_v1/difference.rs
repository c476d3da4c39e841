//! `POST /api/v1/environments/{env}/difference`: what the same body sent to `…/deployments` would change on each
//! service, and whether it would be refused before its first change; nothing is changed. For a token that may
//! read, or deploy to the environment.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tengu_core::domain::{EnvName, TokenScope};

use super::deployments::target_of;
use super::{answer, caller, failed};
use crate::api_types::{DeployBody, DifferenceAnswer};
use crate::web::AppState;

pub async fn difference(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(env): Path<String>,
    body: Result<Json<DeployBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (actor, token) = match caller(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(env) = EnvName::parse(&env) else {
        return answer(StatusCode::NOT_FOUND, "not_found", format!("no environment {env}"));
    };
    if !token.allows(&TokenScope::Read) && !token.allows(&TokenScope::Deploy(env.clone())) {
        return answer(StatusCode::NOT_FOUND, "not_found", format!("no environment {env}"));
    }
    let Ok(Json(body)) = body else {
        return answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "send the JSON a deploy would: {\"image\": …}, {\"sha\": …}, {\"redeploy\": true} or {\"rollback_to\": …}",
        );
    };
    let (target, _) = match target_of(body) {
        Ok(found) => found,
        Err(sentence) => return answer(StatusCode::UNPROCESSABLE_ENTITY, "invalid", sentence),
    };
    let viewer = match state.tengu.viewer(&actor).await {
        Ok(viewer) => viewer,
        Err(error) => return failed(error),
    };
    match state.tengu.deploy_difference(&viewer, &env, &target).await {
        Ok(found) => Json(DifferenceAnswer::of(&env, &found)).into_response(),
        Err(error) => failed(error),
    }
}
