//! `/metrics` in Prometheus' text format, for the holder of the metrics token only: requests by route and status,
//! deployments by environment and outcome with their lengths, webhook deliveries, the backlog, the leases held.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tengu_core::domain::{Actor, EnvName, ImageRef, Login};
use tengu_core::usecases::{DeployRequest, DeployTarget};

use crate::support::{commit_of, spawn_app, spawn_app_with};

const TOKEN: &str = "metrics-token-for-the-tests-0123";

fn scrape(token: Option<&str>) -> Request<Body> {
    let mut request = Request::get("/metrics");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_only_their_token_and_count_requests_deployments_and_deliveries() {
    let off = spawn_app(Vec::new()).await;
    let (status, _, body) = off.send(scrape(Some(TOKEN))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "off without a token: {body}");
    assert!(body.contains("TENGU_METRICS_TOKEN"), "{body}");

    let app = spawn_app_with(Vec::new(), |web| web.metrics_token = Some(TOKEN.to_owned())).await;
    for (token, expected) in
        [(None, StatusCode::UNAUTHORIZED), (Some("metrics-token-for-the-tests-0124"), StatusCode::UNAUTHORIZED)]
    {
        let (status, _, _) = app.send(scrape(token)).await;
        assert_eq!(status, expected, "{token:?}");
    }
    let carol = app.sign_in("carol").await;
    app.get_as(&carol, "/environments/dev").await;
    app.get_as(&carol, "/environments/production").await;
    app.get_as(&carol, "/no/such/page/at/all").await;
    // A deployment that ends at once: its image was never pushed.
    let image = ImageRef::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:missing7").unwrap();
    let sha = tengu_core::domain::CommitSha::parse(commit_of("missing7")).unwrap();
    let alice = Actor::Person(Login::parse("alice").unwrap());
    let dev = EnvName::parse("dev").unwrap();
    app.tengu.override_environment_gate(&alice, &dev, None, "the metrics test ships a test image").await.unwrap();
    let target = DeployTarget::Image {
        image,
        sha: Some(sha),
        source_prs: Vec::new(),
        deploy_pr: None,
        commit_unknown_reason: None,
    };
    let request = DeployRequest {
        env: dev,
        target,
        trigger: tengu_core::domain::Trigger::Api,
        idempotency_key: None,
        overrides: Default::default(),
    };
    let id = app.tengu.request_deployment(&alice, request).await.unwrap().id;
    assert_eq!(app.tengu.drive_deployment(id).await.unwrap().state, tengu_core::domain::DeploymentState::Failed);

    // Another instance holds the reminders' job: which one is read at the scrape.
    let now = chrono::Utc::now();
    app.tengu.store().take_lease("job reminders", "tengu-b:3000", now, now + chrono::Duration::hours(1)).await.unwrap();
    let (status, headers, text) = app.send(scrape(Some(TOKEN))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    for expected in [
        "# HELP tengu_http_requests_total HTTP requests answered",
        "tengu_http_requests_total{route=\"/environments/{env}\",method=\"GET\",status=\"200\"} 2",
        // The page that is not one, and the first tengu's /metrics while it was off (one recorder per process).
        "tengu_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 2",
        "tengu_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"401\"} 2",
        "tengu_http_request_duration_seconds_bucket{route=\"/environments/{env}\",le=\"+Inf\"} 2",
        "tengu_deployments_finished_total{env=\"dev\",outcome=\"failed\"} 1",
        "tengu_deployment_duration_seconds_count{env=\"dev\",outcome=\"failed\"} 1",
        "tengu_webhook_delivery_backlog ",
        "tengu_leases_held{kind=\"deployment_driver\"",
        "# TYPE tengu_lease_holder gauge",
        "tengu_lease_holder{lease=\"job reminders\",instance=\"tengu-b:3000\"} 1",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(!text.contains("production"), "no environment name in a route label:\n{text}");
}

#[test]
fn the_example_dashboard_asks_only_for_metrics_tengu_serves() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/grafana/tengu-dashboard.json");
    let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let served: Vec<&str> = tengu_core::telemetry::DESCRIPTIONS.iter().map(|(name, _)| *name).collect();
    let mut asked = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for at in expr.match_indices("tengu_").map(|(at, _)| at) {
                let name: String = expr[at..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                let base =
                    ["_bucket", "_count", "_sum"].iter().fold(name.as_str(), |n, s| n.strip_suffix(s).unwrap_or(n));
                assert!(served.contains(&base), "{name} in panel {:?} is not one tengu serves", panel["title"]);
                asked += 1;
            }
        }
    }
    assert!(asked >= 12, "the panels ask for tengu's metrics ({asked})");
}
