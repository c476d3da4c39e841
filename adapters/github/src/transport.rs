//! One GitHub call: signed, retried with backoff on 5xx and on rate limits (honouring `Retry-After` and
//! `x-ratelimit-reset`), and every other failure turned into a `CodeHostError` with a sentence.

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode, header};
use octocrab::{OctoBody, Octocrab};
use serde_json::Value;

use super::auth::Signer;
use tengu_core::domain::RepoSlug;
use tengu_core::ports::CodeHostError;

/// How hard tengu tries before telling the user GitHub is unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    /// A rate limit that resets later than this is reported instead of waited for.
    pub longest_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 4, first_backoff: Duration::from_secs(1), longest_wait: Duration::from_secs(90) }
    }
}

pub(super) struct Transport {
    pub(super) signer: Signer,
    /// Sends REST calls; its base URI is the API URL.
    pub(super) rest: Octocrab,
    /// Sends GraphQL calls; its base URI is the GraphQL URL.
    pub(super) graphql: Octocrab,
    pub(super) graphql_path: String,
    pub(super) retry: RetryPolicy,
}

/// What an answer means for the caller.
enum Verdict {
    Done(Value),
    /// GitHub refused to do anything yet: always safe to ask again after the wait.
    RateLimited(Duration, String),
    /// GitHub failed or did not answer; it may or may not have acted, so only a repeatable call is retried.
    Transient(Duration, String),
    Fail(CodeHostError),
}

/// Whether a call may be sent twice without doing its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Repeat {
    /// Reads, edits that set a value, labels and assignees (GitHub ignores duplicates), statuses (replaced).
    Safe,
    /// Creating a pull request or a comment: sent again only after a refusal, never after a failure.
    Once,
}

impl Transport {
    /// A REST call about `repo`; `what` names the thing for a not-found sentence ("branch deployment/dev").
    pub(super) async fn rest(
        &self,
        repo: &RepoSlug,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, CodeHostError> {
        self.call(&self.rest, repo, Request { method, path, body, what, repeat: Repeat::Safe }).await
    }

    /// A REST call that creates something: see `Repeat::Once`.
    pub(super) async fn rest_once(
        &self,
        repo: &RepoSlug,
        path: &str,
        body: &Value,
        what: &str,
    ) -> Result<Value, CodeHostError> {
        let request = Request { method: Method::POST, path, body: Some(body), what, repeat: Repeat::Once };
        self.call(&self.rest, repo, request).await
    }

    /// A GraphQL query about `repo`. Errors of type NOT_FOUND are left to the caller (the `data` holds `null`
    /// where the thing was missing); any other error is a failure.
    pub(super) async fn graphql(&self, repo: &RepoSlug, query: &str, variables: Value) -> Result<Value, CodeHostError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let path = self.graphql_path.clone();
        let request =
            Request { method: Method::POST, path: &path, body: Some(&body), what: "GraphQL", repeat: Repeat::Safe };
        let answer = self.call(&self.graphql, repo, request).await?;
        let errors = answer.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
        let serious: Vec<&Value> =
            errors.iter().filter(|e| e.get("type").and_then(Value::as_str) != Some("NOT_FOUND")).collect();
        if let Some(first) = serious.first() {
            let message = first.get("message").and_then(Value::as_str).unwrap_or("an unexplained error");
            return Err(match first.get("type").and_then(Value::as_str) {
                Some("FORBIDDEN") => CodeHostError::MissingPermission(message.to_owned()),
                _ => CodeHostError::Rejected(message.to_owned()),
            });
        }
        answer
            .get("data")
            .cloned()
            .filter(|d| !d.is_null())
            .ok_or_else(|| CodeHostError::Rejected(format!("GitHub's GraphQL API answered without data about {repo}")))
    }

    async fn call(&self, client: &Octocrab, repo: &RepoSlug, request: Request<'_>) -> Result<Value, CodeHostError> {
        let mut backoff = self.retry.first_backoff;
        let mut attempt = 1;
        loop {
            let token = self.signer.token(repo).await?;
            let started = std::time::Instant::now();
            let sent = send(client, &token, request.method.clone(), request.path, request.body).await;
            let verdict = match sent {
                Ok((status, headers, text)) => judge(status, &headers, &text, request.what, backoff),
                Err(cause) => Verdict::Transient(backoff, format!("GitHub could not be reached: {cause}")),
            };
            count_call(&request, &verdict, started.elapsed());
            let (wait, reason) = match verdict {
                Verdict::Done(value) => return Ok(value),
                Verdict::Fail(error) => return Err(error),
                Verdict::Transient(_, reason) if request.repeat == Repeat::Once => {
                    return Err(CodeHostError::Unavailable(format!(
                        "{reason}; not sent again, since GitHub may have done it — check GitHub, then try again"
                    )));
                }
                Verdict::RateLimited(wait, reason) | Verdict::Transient(wait, reason) => (wait, reason),
            };
            if attempt >= self.retry.attempts {
                return Err(CodeHostError::Unavailable(format!("{reason} (tried {attempt} times)")));
            }
            if wait > self.retry.longest_wait {
                return Err(CodeHostError::Unavailable(format!(
                    "{reason}; it resets in {} s, longer than tengu waits",
                    wait.as_secs()
                )));
            }
            tracing::warn!(method = %request.method, path = request.path, attempt, wait_ms = wait.as_millis() as u64, %reason, "retrying a GitHub call");
            tokio::time::sleep(wait).await;
            backoff *= 2;
            attempt += 1;
        }
    }
}

/// The call, counted by its operation (`GET /repos/{owner}/{repo}/pulls/{n}`) and outcome, and timed.
fn count_call(request: &Request<'_>, verdict: &Verdict, took: Duration) {
    let outcome = match verdict {
        Verdict::Done(_) => "ok",
        Verdict::Fail(_) => "refused",
        Verdict::RateLimited(..) => "rate_limited",
        Verdict::Transient(..) => "unavailable",
    };
    let operation = operation_of(&request.method, request.path);
    let labels = [("operation", operation), ("outcome", outcome.to_owned())];
    metrics::counter!(tengu_core::telemetry::GITHUB_CALLS, &labels).increment(1);
    metrics::histogram!(tengu_core::telemetry::GITHUB_SECONDS, "operation" => labels[0].1.clone())
        .record(took.as_secs_f64());
}

/// A call's path without what names one repository, number, branch or commit, so the operations stay few:
/// `/repos/acme/shop/pulls/42/reviews?per_page=100` → `GET /repos/{owner}/{repo}/pulls/{n}/reviews`.
pub(super) fn operation_of(method: &Method, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let path = path.split("://").nth(1).and_then(|rest| rest.find('/').map(|at| &rest[at..])).unwrap_or(path);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let shape: Vec<String> = match segments.as_slice() {
        ["repos", _, _, kind, rest @ ..] => {
            let mut shape = vec!["repos".into(), "{owner}".into(), "{repo}".into(), (*kind).to_owned()];
            match rest {
                [] => {}
                [number, more @ ..] if number.chars().all(|c| c.is_ascii_digit()) => {
                    shape.push("{n}".into());
                    shape.extend(more.first().map(|word| (*word).to_owned()));
                }
                _ => shape.push("…".into()),
            }
            shape
        }
        [first, _, rest @ ..] if !rest.is_empty() => vec![(*first).to_owned(), "{name}".into(), rest[0].to_owned()],
        other => other.iter().map(|word| (*word).to_owned()).collect(),
    };
    format!("{method} /{}", shape.join("/"))
}

struct Request<'a> {
    method: Method,
    path: &'a str,
    body: Option<&'a Value>,
    what: &'a str,
    repeat: Repeat,
}

async fn send(
    client: &Octocrab,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Result<(StatusCode, HeaderMap, String), String> {
    let payload = body.map(Value::to_string).unwrap_or_default();
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, "application/vnd.github+json")
        .header(header::USER_AGENT, "tengu")
        .header(header::CONTENT_TYPE, "application/json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .body(OctoBody::from(payload))
        .map_err(|e| e.to_string())?;
    let response = client.send(request).await.map_err(|e| e.to_string())?;
    let (status, headers) = (response.status(), response.headers().clone());
    let text = client.body_to_string(response).await.map_err(|e| e.to_string())?;
    Ok((status, headers, text))
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// How long GitHub asks tengu to wait, when the answer is a rate limit.
fn rate_limit_wait(status: StatusCode, headers: &HeaderMap, message: &str) -> Option<Duration> {
    if let Some(seconds) = header_number(headers, "retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    if header_number(headers, "x-ratelimit-remaining") == Some(0) {
        let reset = header_number(headers, "x-ratelimit-reset")?;
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    // GitHub's advice for a secondary limit without headers: wait at least a minute.
    if message.to_ascii_lowercase().contains("secondary rate limit") || status == StatusCode::TOO_MANY_REQUESTS {
        return Some(Duration::from_secs(60));
    }
    None
}

fn message_of(body: &Value) -> String {
    let message = body.get("message").and_then(Value::as_str).unwrap_or("").to_owned();
    let details: Vec<String> = body
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| {
                    e.as_str()
                        .map(str::to_owned)
                        .or_else(|| e.get("message").and_then(Value::as_str).map(str::to_owned))
                })
                .collect()
        })
        .unwrap_or_default();
    match (message.is_empty(), details.is_empty()) {
        (_, true) => message,
        (true, false) => details.join("; "),
        (false, false) => format!("{message}: {}", details.join("; ")),
    }
}

fn judge(status: StatusCode, headers: &HeaderMap, text: &str, what: &str, backoff: Duration) -> Verdict {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if status.is_success() {
        // GraphQL reports its rate limit inside a 200.
        let errors = body.get("errors").and_then(Value::as_array);
        let limited =
            errors.is_some_and(|e| e.iter().any(|e| e.get("type").and_then(Value::as_str) == Some("RATE_LIMITED")));
        if limited {
            let wait = rate_limit_wait(StatusCode::TOO_MANY_REQUESTS, headers, "");
            return Verdict::RateLimited(
                wait.unwrap_or(Duration::from_secs(60)),
                "GitHub's GraphQL rate limit was reached".into(),
            );
        }
        return Verdict::Done(body);
    }
    let message = message_of(&body);
    match status.as_u16() {
        401 => Verdict::Fail(CodeHostError::BadCredentials),
        403 | 429 => match rate_limit_wait(status, headers, &message) {
            Some(wait) => Verdict::RateLimited(wait, format!("GitHub's rate limit was reached ({message})")),
            None => Verdict::Fail(CodeHostError::MissingPermission(format!("{message} ({what})"))),
        },
        404 => Verdict::Fail(CodeHostError::NotFound(what.to_owned())),
        422 => Verdict::Fail(CodeHostError::Rejected(message)),
        500..=599 => Verdict::Transient(backoff, format!("GitHub answered {status}")),
        _ => Verdict::Fail(CodeHostError::Rejected(format!("GitHub answered {status}: {message}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn an_operation_names_no_repository_number_or_branch() {
        let get = Method::GET;
        assert_eq!(
            operation_of(&get, "/repos/acme/shop/pulls/42/reviews?per_page=100"),
            "GET /repos/{owner}/{repo}/pulls/{n}/reviews"
        );
        assert_eq!(operation_of(&get, "/repos/acme/shop/pulls?state=open"), "GET /repos/{owner}/{repo}/pulls");
        assert_eq!(
            operation_of(&get, "/repos/acme/shop/compare/master...deployment/dev"),
            "GET /repos/{owner}/{repo}/compare/…"
        );
        assert_eq!(operation_of(&Method::POST, "https://api.github.com/graphql"), "POST /graphql");
        assert_eq!(operation_of(&get, "/orgs/acme/members/alice"), "GET /orgs/{name}/members");
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let forbidden = StatusCode::FORBIDDEN;
        assert_eq!(rate_limit_wait(forbidden, &headers(&[("retry-after", "7")]), ""), Some(Duration::from_secs(7)));
        let reset = (chrono::Utc::now().timestamp() + 30).to_string();
        let wait = rate_limit_wait(
            forbidden,
            &headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &reset)]),
            "API rate limit exceeded",
        )
        .unwrap();
        assert!((29..=32).contains(&wait.as_secs()), "{wait:?}");
        let secondary = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
        assert_eq!(rate_limit_wait(forbidden, &HeaderMap::new(), secondary), Some(Duration::from_secs(60)));
        assert_eq!(rate_limit_wait(forbidden, &headers(&[("x-ratelimit-remaining", "12")]), "Forbidden"), None);
    }

    #[test]
    fn validation_errors_read_as_one_sentence() {
        let body = serde_json::json!({
            "message": "Validation Failed",
            "errors": [{ "resource": "PullRequest", "code": "custom", "message": "No commits between a and b" }],
        });
        assert_eq!(message_of(&body), "Validation Failed: No commits between a and b");
    }
}
