//! `POST /webhooks/github`: verify, store, acknowledge; the work happens after the answer.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::webhook_signature::is_signed_by_any;

/// GitHub's own limit for a delivery.
pub const BODY_LIMIT: usize = 25 * 1024 * 1024;

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if state.webhook_secrets.is_empty() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "GitHub webhooks are not configured: set TENGU_GITHUB_WEBHOOK_SECRET.",
        )
            .into_response();
    }
    if !is_signed_by_any(&state.webhook_secrets, header(&headers, "x-hub-signature-256"), &body) {
        tracing::warn!(delivery = header(&headers, "x-github-delivery"), "webhook refused: bad or missing signature");
        return (StatusCode::UNAUTHORIZED, "The signature does not match; check the webhook secret.").into_response();
    }
    let (Some(event), Some(delivery_id)) = (header(&headers, "x-github-event"), header(&headers, "x-github-delivery"))
    else {
        return (StatusCode::BAD_REQUEST, "X-GitHub-Event and X-GitHub-Delivery are required.").into_response();
    };
    let Ok(payload) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "The payload is not UTF-8 JSON.").into_response();
    };
    match state.tengu.accept_delivery(delivery_id, event, payload).await {
        Ok(None) if !tengu_core::webhooks::is_used(event) => {
            (StatusCode::OK, format!("{event} events are not used by tengu; recorded without the payload."))
                .into_response()
        }
        Ok(None) => (StatusCode::OK, "Already received; handled once.").into_response(),
        Ok(Some(delivery)) => {
            let tengu = state.tengu.clone();
            tokio::spawn(async move {
                match tengu.process_delivery(&delivery).await {
                    Ok(outcome) => {
                        tracing::info!(delivery = %delivery.delivery_id, event = %delivery.event, %outcome, "webhook handled")
                    }
                    Err(error) => {
                        tracing::warn!(delivery = %delivery.delivery_id, %error, "webhook left for the next start")
                    }
                }
            });
            (StatusCode::ACCEPTED, "Accepted.").into_response()
        }
        Err(error) => {
            tracing::error!(%error, "webhook not stored");
            (StatusCode::SERVICE_UNAVAILABLE, "The delivery could not be stored; GitHub will retry.").into_response()
        }
    }
}
