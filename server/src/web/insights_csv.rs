//! `GET /insights.csv`: the insights chart's numbers (each day of the period with its successful deployments) for
//! the same environment and period as the page, for a signed-in person who may see its repository.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tengu_app::server_glue::ActingAs;
use tengu_core::Tengu;
use tengu_core::error::CoreError;
use tengu_core::screens::{InsightsQuery, insights_csv};

pub async fn download(
    State(tengu): State<Tengu>,
    acting: Option<Extension<ActingAs>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(Extension(ActingAs(actor))) = acting else {
        return (StatusCode::UNAUTHORIZED, "Sign in to tengu first.").into_response();
    };
    let field = |key: &str| params.get(key).cloned();
    let query = InsightsQuery { env: field("env"), range: field("range"), from: field("from"), to: field("to") };
    let view = match tengu.viewer(&actor).await {
        Ok(viewer) => tengu.insights_page(&viewer, &query).await,
        Err(error) => Err(error),
    };
    match view {
        Ok(view) => {
            let name =
                format!("attachment; filename=\"insights-{}-{}-{}.csv\"", view.env, view.first_day, view.last_day);
            let headers = [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, name),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ];
            (headers, insights_csv(&view)).into_response()
        }
        Err(CoreError::Refused(sentence)) => (StatusCode::BAD_REQUEST, sentence).into_response(),
        Err(error) => {
            tracing::error!(%error, "the insights could not be read for a CSV file");
            (StatusCode::SERVICE_UNAVAILABLE, "tengu's records cannot be read right now; try again in a moment.")
                .into_response()
        }
    }
}
