//! `GET /api/v1/insights?env=…&range=…|from=…&to=…[&repo=…]`: the numbers of `/insights` for machines, with a
//! `read` token (an environment's deploy token does not read insights). Durations are in seconds.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tengu_core::domain::TokenScope;
use tengu_core::error::CoreError;
use tengu_core::insights::Insights;
use tengu_core::screens::{InsightsQuery, InsightsView};

use super::{answer, caller, failed};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct InsightsParams {
    repo: Option<String>,
    env: Option<String>,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub async fn insights(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(asked): Query<InsightsParams>,
) -> Response {
    let (actor, token) = match caller(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !token.allows(&TokenScope::Read) {
        return answer(StatusCode::FORBIDDEN, "denied", "insights need a token with the read scope".to_owned());
    }
    let viewer = match state.tengu.viewer(&actor).await {
        Ok(viewer) => viewer,
        Err(error) => return failed(error),
    };
    let query = InsightsQuery { env: asked.env, range: asked.range, from: asked.from, to: asked.to };
    match state.tengu.insights_page(&viewer, &query).await {
        Ok(view) if asked.repo.as_deref().is_some_and(|repo| *repo != view.repo.to_string()) => answer(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("environment {} deploys {}, not {}", view.env, view.repo, asked.repo.unwrap_or_default()),
        ),
        Ok(view) => Json(document(&view)).into_response(),
        Err(CoreError::Refused(sentence)) => answer(StatusCode::UNPROCESSABLE_ENTITY, "invalid", sentence),
        Err(error) => failed(error),
    }
}

fn seconds(duration: Option<chrono::Duration>) -> Value {
    duration.map(|d| Value::from(d.num_seconds())).unwrap_or(Value::Null)
}

fn document(view: &InsightsView) -> Value {
    json!({
        "repo": view.repo.to_string(),
        "env": view.env.as_str(),
        "from": view.first_day.to_string(),
        "to": view.last_day.to_string(),
        "current": keys(&view.now),
        "previous": keys(&view.before),
    })
}

fn keys(insights: &Insights) -> Value {
    let frequency = &insights.frequency;
    let lead = &insights.lead_time;
    let failures = &insights.failure_rate;
    let restore = &insights.restore;
    json!({
        "deployment_frequency": {
            "deployments": frequency.deployments,
            "per_day": frequency.per_day,
            "bucket": frequency.bucket.as_str(),
            "days": frequency.days.iter().map(|d| json!({"day": d.day.to_string(), "deployments": d.deployments})).collect::<Vec<_>>(),
        },
        "lead_time": {
            "changes": lead.samples.len(),
            "median_from_commit_seconds": seconds(lead.median_from_commit),
            "p90_from_commit_seconds": seconds(lead.p90_from_commit),
            "median_from_merge_seconds": seconds(lead.median_from_merge),
            "p90_from_merge_seconds": seconds(lead.p90_from_merge),
            "bucket": lead.bucket.map(|b| b.as_str()),
        },
        "change_failure_rate": {
            "deployments": failures.deployments,
            "failed": failures.failed.iter().map(|(id, kind)| json!({"deployment": id, "why": kind.sentence()})).collect::<Vec<_>>(),
            "rate": failures.rate,
            "bucket": failures.bucket,
        },
        "time_to_restore": {
            "median_seconds": seconds(restore.median),
            "bucket": restore.bucket.map(|b| b.as_str()),
            "restorations": restore.restorations.iter().map(|r| json!({"failed": r.failed, "restored_by": r.by, "seconds": seconds(r.took)})).collect::<Vec<_>>(),
        },
    })
}
