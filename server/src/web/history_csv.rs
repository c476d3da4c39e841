//! `GET /deployments.csv`: the history's rows for the same filters as the page (every page of them), for a
//! signed-in person; repositories they cannot see are left out, as on the page.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tengu_app::server_glue::ActingAs;
use tengu_core::Tengu;
use tengu_core::views::HistoryQuery;

pub async fn download(
    State(tengu): State<Tengu>,
    acting: Option<Extension<ActingAs>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(Extension(ActingAs(actor))) = acting else {
        return (StatusCode::UNAUTHORIZED, "Sign in to tengu first.").into_response();
    };
    let query = HistoryQuery::from_params(|key| params.get(key).cloned());
    let csv = match tengu.viewer(&actor).await {
        Ok(viewer) => tengu.history_csv(&viewer, &query).await,
        Err(error) => Err(error),
    };
    match csv {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"deployments.csv\""),
                (header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(error) if error.is_callers_fault() => (StatusCode::BAD_REQUEST, error.user_message()).into_response(),
        Err(error) => {
            tracing::error!(%error, "the history could not be read for a CSV file");
            (StatusCode::SERVICE_UNAVAILABLE, "tengu's records cannot be read right now; try again in a moment.")
                .into_response()
        }
    }
}
