//! `/metrics` in Prometheus' text format, for whoever holds the metrics token (`TENGU_METRICS_TOKEN`; without
//! one, `/metrics` is off). What is counted is named in `tengu_core::telemetry`; this installs the recorder,
//! counts and times every HTTP request, and reads the delivery backlog and the leases held at each scrape.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tengu_core::telemetry::{
    DELIVERY_BACKLOG, DESCRIPTIONS, HTTP_REQUESTS, HTTP_SECONDS, LEASE_HOLDER, LEASE_HOLDER_HELP, LEASES_HELD,
};

use super::AppState;
use super::review_route::constant_time_eq;

/// The backlog read at a scrape stops counting here.
const BACKLOG_READ: u32 = 10_000;

/// Seconds, from a fast page to a long rollout.
const BUCKETS: [f64; 18] =
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0];

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed the first time it is asked for (the tests start many routers in one
/// process; a process has one recorder).
pub fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS);
            let handle = builder.ok()?.install_recorder().ok()?;
            for (name, help) in DESCRIPTIONS {
                if name.ends_with("_total") {
                    metrics::describe_counter!(name, help);
                } else if name.ends_with("_seconds") {
                    metrics::describe_histogram!(name, metrics::Unit::Seconds, help);
                } else {
                    metrics::describe_gauge!(name, help);
                }
            }
            Some(handle)
        })
        .as_ref()
}

/// Every request, counted by route, method and status, and timed by route.
pub async fn count_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    // An address that named nothing says nothing about tengu's routes, and must not grow the label set.
    let route = if status == StatusCode::NOT_FOUND { "unmatched".to_owned() } else { route_of(&path) };
    metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status.as_str().to_owned())
        .increment(1);
    metrics::histogram!(HTTP_SECONDS, "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// A path with what names one thing taken out: `/environments/production/review` → `/environments/{env}/review`.
fn route_of(path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut shape = Vec::with_capacity(segments.len());
    let mut named_by: Option<&str> = None;
    for (at, segment) in segments.iter().enumerate() {
        let word = match (named_by, *segment) {
            (_, "pkg") if at == 0 => {
                shape.push("pkg".to_owned());
                shape.push("{file}".to_owned());
                break;
            }
            (Some("environments"), _) => "{env}".to_owned(),
            (Some("repos"), _) => "{owner}".to_owned(),
            (Some("{owner}"), _) => "{repo}".to_owned(),
            (_, number) if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) => "{id}".to_owned(),
            (_, word) => word.to_owned(),
        };
        named_by = match (named_by, *segment) {
            (Some("repos"), _) => Some("{owner}"),
            (_, kind @ ("environments" | "repos")) => Some(kind),
            _ => None,
        };
        shape.push(word);
        if shape.len() >= 6 {
            break;
        }
    }
    format!("/{}", shape.join("/"))
}

/// `GET /metrics` with `Authorization: Bearer <metrics token>`.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.web.metrics_token.as_deref() else {
        return (StatusCode::NOT_FOUND, "/metrics is off: set TENGU_METRICS_TOKEN (or metrics_token) to turn it on.")
            .into_response();
    };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes())) {
        return (StatusCode::UNAUTHORIZED, "send the metrics token: Authorization: Bearer …").into_response();
    }
    let Some(handle) = recorder() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "the metrics recorder could not be installed.").into_response();
    };
    match state.tengu.store().unfinished_deliveries(BACKLOG_READ).await {
        Ok(backlog) => metrics::gauge!(DELIVERY_BACKLOG).set(backlog.len() as f64),
        Err(error) => tracing::warn!(%error, "the delivery backlog could not be read for /metrics"),
    }
    metrics::gauge!(LEASES_HELD, "kind" => "deployment_driver", "instance" => state.tengu.instance().to_owned())
        .set(state.tengu.deployments_driven_here() as f64);
    let mut text = handle.render();
    text.push_str(&lease_holders(&state).await);
    let mut response = text.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    response
}

/// Which instance holds which lease now (a job, a deployment's driver), read afresh at each scrape and written
/// beside the recorder's metrics, so a lease that moved leaves no series behind.
async fn lease_holders(state: &AppState) -> String {
    let held = match state.tengu.store().leases_held(chrono::Utc::now()).await {
        Ok(held) => held,
        Err(error) => {
            tracing::warn!(%error, "the leases could not be read for /metrics");
            return String::new();
        }
    };
    let mut text = format!("# HELP {LEASE_HOLDER} {LEASE_HOLDER_HELP}\n# TYPE {LEASE_HOLDER} gauge\n");
    for (lease, holder) in held {
        text.push_str(&format!(
            "{LEASE_HOLDER}{{lease=\"{}\",instance=\"{}\"}} 1\n",
            escaped(&lease),
            escaped(&holder)
        ));
    }
    text
}

/// A label value as Prometheus' text format writes it.
fn escaped(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_names_no_environment_repository_or_number() {
        assert_eq!(route_of("/environments/production/review"), "/environments/{env}/review");
        assert_eq!(route_of("/api/v1/environments/dev/deployments"), "/api/v1/environments/{env}/deployments");
        assert_eq!(route_of("/repos/acme/shop/deploy-prs/40"), "/repos/{owner}/{repo}/deploy-prs/{id}");
        assert_eq!(route_of("/deployments/412"), "/deployments/{id}");
        assert_eq!(route_of("/pkg/tengu.0123abcd.wasm"), "/pkg/{file}");
        assert_eq!(route_of("/"), "/");
        assert_eq!(escaped("a\"b\\c"), "a\\\"b\\\\c");
    }
}
