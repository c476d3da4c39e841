use axum::extract::State;
use axum::http::StatusCode;
use tengu_core::Tengu;

/// The process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can do its work: the database answers.
pub async fn readyz(State(tengu): State<Tengu>) -> (StatusCode, &'static str) {
    match tengu.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer")
        }
    }
}
