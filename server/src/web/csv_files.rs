//! The CSV files, for a signed-in person, with the same filters as their pages and the same visibility:
//! `GET /deployments.csv` (the history's rows, every page of them) and `GET /insights.csv` (the insights chart's
//! days). A field that does not read is a 400 with its sentence.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tengu_app::server_glue::ActingAs;
use tengu_core::domain::Actor;
use tengu_core::screens::{InsightsQuery, insights_csv};
use tengu_core::views::HistoryQuery;
use tengu_core::{CoreError, Tengu};

type Params = Query<HashMap<String, String>>;

pub async fn history(
    State(tengu): State<Tengu>,
    acting: Option<Extension<ActingAs>>,
    Query(params): Params,
) -> Response {
    let Some(actor) = signed_in(acting) else { return sign_in_first() };
    let query = HistoryQuery::from_params(|key| params.get(key).cloned());
    let csv = match tengu.viewer(&actor).await {
        Ok(viewer) => tengu.history_csv(&viewer, &query).await,
        Err(error) => Err(error),
    };
    file(csv.map(|csv| ("deployments.csv".to_owned(), csv)), "the history")
}

pub async fn insights(
    State(tengu): State<Tengu>,
    acting: Option<Extension<ActingAs>>,
    Query(params): Params,
) -> Response {
    let Some(actor) = signed_in(acting) else { return sign_in_first() };
    let field = |key: &str| params.get(key).cloned();
    let query = InsightsQuery { env: field("env"), range: field("range"), from: field("from"), to: field("to") };
    let view = match tengu.viewer(&actor).await {
        Ok(viewer) => tengu.insights_page(&viewer, &query).await,
        Err(error) => Err(error),
    };
    let csv = view
        .map(|view| (format!("insights-{}-{}-{}.csv", view.env, view.first_day, view.last_day), insights_csv(&view)));
    file(csv, "the insights")
}

fn signed_in(acting: Option<Extension<ActingAs>>) -> Option<Actor> {
    acting.map(|Extension(ActingAs(actor))| actor)
}

fn sign_in_first() -> Response {
    (StatusCode::UNAUTHORIZED, "Sign in to tengu first.").into_response()
}

/// A named CSV file, or why there is none.
fn file(made: Result<(String, String), CoreError>, what: &str) -> Response {
    match made {
        Ok((name, csv)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            csv,
        )
            .into_response(),
        Err(error) if error.is_callers_fault() => (StatusCode::BAD_REQUEST, error.user_message()).into_response(),
        Err(error) => {
            tracing::error!(%error, "{what} could not be read for a CSV file");
            (StatusCode::SERVICE_UNAVAILABLE, "tengu's records cannot be read right now; try again in a moment.")
                .into_response()
        }
    }
}
