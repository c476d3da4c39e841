//! `GET /api/v1/status[?env=…]`: what runs where, what deploys now, and each open deploy PR's gate, for the
//! environments the token's owner may see and its scopes reach.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tengu_core::domain::{EnvName, TokenScope};

use super::{answer, caller, failed};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct StatusQuery {
    env: Option<String>,
}

pub async fn status(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<StatusQuery>) -> Response {
    let (actor, token) = match caller(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let only = match query.env.as_deref().map(EnvName::parse) {
        None => None,
        Some(Ok(env)) => Some(env),
        Some(Err(_)) => {
            return answer(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no environment {}", query.env.unwrap_or_default()),
            );
        }
    };
    let viewer = match state.tengu.viewer(&actor).await {
        Ok(viewer) => viewer,
        Err(error) => return failed(error),
    };
    match state.tengu.status(&viewer, only.as_ref()).await {
        Ok(mut found) => {
            found.retain(|s| {
                token.allows(&TokenScope::Read)
                    || EnvName::parse(&s.env).is_ok_and(|env| token.allows(&TokenScope::Deploy(env)))
            });
            if only.is_some() && found.is_empty() {
                return answer(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    format!("no environment {}", query.env.unwrap_or_default()),
                );
            }
            Json(found).into_response()
        }
        Err(error) => failed(error),
    }
}
