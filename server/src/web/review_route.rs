//! `GET /api/review-envs/route?host=<host>`: which task serves a review URL, for a proxy in front of wildcard DNS
//! (nginx `auth_request`, Caddy `forward_auth`, or anything that can ask). 200 with the upstream `ip:port` as the
//! body and in `X-Review-Upstream`; 404 when no running review environment has that host.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;

pub const UPSTREAM_HEADER: HeaderName = HeaderName::from_static("x-review-upstream");
/// The shared secret the proxy sends when `[review] proxy_secret` is set.
pub const PROXY_SECRET_HEADER: HeaderName = HeaderName::from_static("x-tengu-proxy-secret");

/// Compares without telling, by how long it takes, how much of a guess was right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Deserialize)]
pub struct RouteQuery {
    host: Option<String>,
}

pub async fn route(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<RouteQuery>) -> Response {
    if let Some(secret) = &state.web.review_proxy_secret {
        let sent = headers.get(PROXY_SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
        if !constant_time_eq(sent, secret.as_bytes()) {
            return (StatusCode::UNAUTHORIZED, "X-Tengu-Proxy-Secret is missing or wrong.").into_response();
        }
    }
    let tengu = &state.tengu;
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
