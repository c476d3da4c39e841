//! `GET /api/review-envs/route?host=<host>`: which task serves a review URL, for a proxy in front of wildcard DNS
//! (nginx `auth_request`, Caddy `forward_auth`, or anything that can ask). 200 with the upstream `ip:port` as the
//! body and in `X-Review-Upstream`; 404 when no running review environment has that host.

use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tengu_core::Tengu;

pub const UPSTREAM_HEADER: HeaderName = HeaderName::from_static("x-review-upstream");

#[derive(Deserialize)]
pub struct RouteQuery {
    host: Option<String>,
}

pub async fn route(State(tengu): State<Tengu>, Query(query): Query<RouteQuery>) -> Response {
    let Some(host) = query.host.filter(|h| !h.trim().is_empty()) else {
        return (StatusCode::BAD_REQUEST, "say which host: ?host=pr-12-shop.review.example.com").into_response();
    };
    match tengu.review_route(host.trim()).await {
        Ok(Some(upstream)) => match HeaderValue::from_str(&upstream) {
            Ok(value) => (StatusCode::OK, [(UPSTREAM_HEADER, value)], upstream).into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the recorded address is not valid").into_response(),
        },
        Ok(None) => (StatusCode::NOT_FOUND, format!("no running review environment serves {host}")).into_response(),
        Err(error) => {
            tracing::error!(%error, %host, "review route lookup failed");
            (StatusCode::SERVICE_UNAVAILABLE, "tengu's records cannot be read right now").into_response()
        }
    }
}
