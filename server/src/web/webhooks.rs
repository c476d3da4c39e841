//! `POST /webhooks/github`: verify, store durably, acknowledge; the delivery worker does the work after the
//! answer.

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tengu_core::webhooks::Accepted;

use super::AppState;
use super::webhook_signature::is_signed_by_any;

/// The largest body read. GitHub caps a payload at 25 MB, but what tengu acts on is far smaller: the largest
/// example of @octokit/webhooks-examples 7.6.1 is 28 KB; a pull request edit carrying two 65,536-character bodies
/// is at most about 0.6 MB, a push listing 2,048 commits about 4 MB.
pub const BODY_LIMIT: usize = 5 * 1024 * 1024;
/// Delivery bodies held in memory at once, in KiB (as much as 16 of the largest): each chunk takes its share as it
/// arrives and gives it back when the delivery is stored, so a burst waits (up to `QUEUE_WAIT`) instead of
/// filling memory, and a slow sender holds only what it has sent, never a turn others need.
pub const BODY_BUDGET_KIB: usize = 16 * BODY_LIMIT / 1024;
const QUEUE_WAIT: Duration = Duration::from_secs(5);
/// A delivery's body must have arrived this long after it was first read: GitHub sends it at once, and a slow
/// sender gives its turn back when its time is up.
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    if state.webhook_secrets.is_empty() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "GitHub webhooks are not configured: set TENGU_GITHUB_WEBHOOK_SECRET.",
        )
            .into_response();
    }
    // What can be refused from the headers alone is refused before a turn is taken: a request that cannot be a
    // delivery (or announces more than is ever read) must not keep GitHub's own waiting.
    if !header(&headers, "x-hub-signature-256").is_some_and(looks_like_a_signature) {
        tracing::warn!(delivery = header(&headers, "x-github-delivery"), "webhook refused: no signature");
        return (StatusCode::UNAUTHORIZED, "The signature does not match; check the webhook secret.").into_response();
    }
    let (Some(event), Some(delivery_id)) = (header(&headers, "x-github-event"), header(&headers, "x-github-delivery"))
    else {
        return (StatusCode::BAD_REQUEST, "X-GitHub-Event and X-GitHub-Delivery are required.").into_response();
    };
    let announced = header(&headers, "content-length").and_then(|n| n.parse::<u64>().ok());
    if announced.is_some_and(|length| length > BODY_LIMIT as u64) {
        return too_large();
    }
    let body = Body::new(super::listen::DeadlineBody::new(body, BODY_DEADLINE));
    let (body, _share) = match read_within_budget(body, &state.webhook_budget).await {
        Ok(read) => read,
        Err(Unread::TooSlow) => {
            tracing::warn!(delivery = delivery_id, "webhook refused: its body did not arrive in time");
            let said = format!("The delivery's body did not arrive within {} s.", BODY_DEADLINE.as_secs());
            return (StatusCode::REQUEST_TIMEOUT, said).into_response();
        }
        Err(Unread::TooLarge) => return too_large(),
        Err(Unread::Busy) => {
            tracing::warn!(delivery = delivery_id, "webhook refused: too many at once");
            return (StatusCode::SERVICE_UNAVAILABLE, "Too many deliveries at once; redeliver it in a moment.")
                .into_response();
        }
        Err(Unread::Broken(error)) => {
            tracing::warn!(delivery = delivery_id, %error, "webhook refused: its body could not be read");
            return (StatusCode::BAD_REQUEST, "The delivery's body could not be read.").into_response();
        }
    };
    if !is_signed_by_any(&state.webhook_secrets, header(&headers, "x-hub-signature-256"), &body) {
        tracing::warn!(delivery = header(&headers, "x-github-delivery"), "webhook refused: bad or missing signature");
        return (StatusCode::UNAUTHORIZED, "The signature does not match; check the webhook secret.").into_response();
    }
    let Ok(payload) = String::from_utf8(body) else {
        return (StatusCode::BAD_REQUEST, "The payload is not UTF-8 JSON.").into_response();
    };
    match state.tengu.accept_delivery(delivery_id, event, payload).await {
        Ok(Accepted::Stored) => (StatusCode::ACCEPTED, "Accepted.").into_response(),
        Ok(Accepted::Requeued) => {
            (StatusCode::ACCEPTED, "Received before and not handled yet; it is handled now.").into_response()
        }
        Ok(Accepted::NotUsed) => {
            (StatusCode::OK, format!("{event} events are not used by tengu; recorded without the payload."))
                .into_response()
        }
        Ok(Accepted::AlreadyHandled(outcome)) => {
            (StatusCode::OK, format!("Already received and handled: {outcome}")).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "webhook not stored");
            (StatusCode::SERVICE_UNAVAILABLE, "The delivery could not be stored; redeliver it in a moment.")
                .into_response()
        }
    }
}

/// Why a body was not read.
enum Unread {
    TooSlow,
    TooLarge,
    /// The memory budget stayed spent for `QUEUE_WAIT`.
    Busy,
    Broken(axum::Error),
}

/// The whole body, with the share of the budget it holds (given back when dropped).
async fn read_within_budget(
    body: Body,
    budget: &tokio::sync::Semaphore,
) -> Result<(Vec<u8>, Vec<tokio::sync::SemaphorePermit<'_>>), Unread> {
    use futures::StreamExt as _;
    let mut stream = body.into_data_stream();
    let (mut read, mut share) = (Vec::new(), Vec::new());
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) if is_too_slow(&error) => return Err(Unread::TooSlow),
            Err(error) => return Err(Unread::Broken(error)),
        };
        if read.len() + chunk.len() > BODY_LIMIT {
            return Err(Unread::TooLarge);
        }
        let kib = u32::try_from(chunk.len().div_ceil(1024).max(1)).map_err(|_| Unread::TooLarge)?;
        match tokio::time::timeout(QUEUE_WAIT, budget.acquire_many(kib)).await {
            Ok(Ok(permit)) => share.push(permit),
            _ => return Err(Unread::Busy),
        }
        read.extend_from_slice(&chunk);
    }
    Ok((read, share))
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, format!("A delivery may hold at most {BODY_LIMIT} bytes.")).into_response()
}

/// `sha256=` and 64 hexadecimal digits: the only shape GitHub sends, checked before a turn is taken.
fn looks_like_a_signature(value: &str) -> bool {
    value.strip_prefix("sha256=").is_some_and(|hex| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether reading a body failed because its deadline passed.
fn is_too_slow(error: &axum::Error) -> bool {
    causes(error).any(|cause| cause.is::<super::listen::BodyTooSlow>())
}

fn causes<'a>(error: &'a axum::Error) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |cause| cause.source())
}
