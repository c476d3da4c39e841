//! What tengu counts for a monitoring system, through the `metrics` facade (the server installs the Prometheus
//! recorder and serves `/metrics`; without a recorder these do nothing). Every metric's name is here, once.

use chrono::{DateTime, Utc};

use crate::domain::{Deployment, DeploymentState, EnvName};

pub const DEPLOYMENTS_FINISHED: &str = "tengu_deployments_finished_total";
pub const DEPLOYMENT_SECONDS: &str = "tengu_deployment_duration_seconds";
pub const APPROVAL_WAIT_SECONDS: &str = "tengu_approval_wait_seconds";
pub const VERIFICATION_SECONDS: &str = "tengu_verification_seconds";
pub const DELIVERIES_RECEIVED: &str = "tengu_webhook_deliveries_received_total";
pub const DELIVERIES_HANDLED: &str = "tengu_webhook_deliveries_handled_total";
pub const DELIVERY_BACKLOG: &str = "tengu_webhook_delivery_backlog";
pub const HTTP_REQUESTS: &str = "tengu_http_requests_total";
pub const HTTP_SECONDS: &str = "tengu_http_request_duration_seconds";
pub const GITHUB_CALLS: &str = "tengu_github_calls_total";
pub const GITHUB_SECONDS: &str = "tengu_github_call_duration_seconds";
pub const AWS_CALLS: &str = "tengu_aws_calls_total";
pub const LEASES_HELD: &str = "tengu_leases_held";
/// Written at each scrape from the leases table, not through the recorder.
pub const LEASE_HOLDER: &str = "tengu_lease_holder";
pub const LEASE_HOLDER_HELP: &str =
    "Which instance holds which lease now (a job, a deployment's driver), read at the scrape";

/// What each metric is, as `/metrics` says in its `# HELP` lines.
pub const DESCRIPTIONS: [(&str, &str); 13] = [
    (DEPLOYMENTS_FINISHED, "Deployments finished by this instance, by environment and outcome"),
    (DEPLOYMENT_SECONDS, "From the request to the end of a deployment, by environment and outcome"),
    (APPROVAL_WAIT_SECONDS, "From the request to a second person's approval, by environment"),
    (VERIFICATION_SECONDS, "From the start of the verification to its verdict, by environment and verdict"),
    (DELIVERIES_RECEIVED, "GitHub webhook deliveries stored, by event (a redelivery of a stored one is not counted)"),
    (DELIVERIES_HANDLED, "Tries at handling a delivery, by result: handled, will_retry, parked"),
    (DELIVERY_BACKLOG, "Deliveries stored and not yet handled or parked (read at each scrape, at most 10000)"),
    (HTTP_REQUESTS, "HTTP requests answered, by route, method and status"),
    (HTTP_SECONDS, "Time to answer an HTTP request, by route"),
    (GITHUB_CALLS, "Calls to GitHub's API, by operation and outcome (each retry counts)"),
    (GITHUB_SECONDS, "Time of a call to GitHub's API, by operation"),
    (AWS_CALLS, "Calls to AWS, by service, operation and outcome (after the SDK's retries)"),
    (LEASES_HELD, "Leases this instance holds now (a deployment's driver, a job), by kind"),
];

/// A deployment ended: counted by environment and outcome, its length observed.
pub fn deployment_finished(deployment: &Deployment, end: DeploymentState, at: DateTime<Utc>) {
    let labels = [("env", deployment.env.to_string()), ("outcome", end.as_str().to_owned())];
    metrics::counter!(DEPLOYMENTS_FINISHED, &labels).increment(1);
    metrics::histogram!(DEPLOYMENT_SECONDS, &labels).record(seconds(deployment.requested_at, at));
}

pub fn approved(env: &EnvName, requested_at: DateTime<Utc>, at: DateTime<Utc>) {
    metrics::histogram!(APPROVAL_WAIT_SECONDS, "env" => env.to_string()).record(seconds(requested_at, at));
}

pub fn verified(env: &EnvName, passed: bool, since: DateTime<Utc>, at: DateTime<Utc>) {
    let verdict = if passed { "passed" } else { "failed" };
    metrics::histogram!(VERIFICATION_SECONDS, "env" => env.to_string(), "verdict" => verdict)
        .record(seconds(since, at));
}

/// One try at a delivery: `handled`, `will_retry` or `parked`.
pub fn delivery_tried(result: &'static str) {
    metrics::counter!(DELIVERIES_HANDLED, "result" => result).increment(1);
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds().max(0) as f64 / 1000.0
}
