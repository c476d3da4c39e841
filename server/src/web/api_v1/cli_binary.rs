//! `GET /api/v1/cli`: this server's own `tengu` executable, so a CI job runs the CLI of the very version it
//! speaks to (Linux x86_64, like the server). Any valid token may fetch it.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{answer, caller};
use crate::web::AppState;

pub async fn cli_binary(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = caller(&state, &headers).await {
        return response;
    }
    let file = match std::env::current_exe().map(tokio::fs::File::open) {
        Ok(opening) => opening.await,
        Err(error) => Err(error),
    };
    match file {
        Ok(file) => {
            let length = file.metadata().await.map(|m| m.len()).ok();
            let mut response = (
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"tengu\"".to_owned()),
                ],
                Body::from_stream(tokio_util::io::ReaderStream::new(file)),
            )
                .into_response();
            if let Some(length) = length {
                response.headers_mut().insert(header::CONTENT_LENGTH, length.into());
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "the tengu executable could not be read for download");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "failed", "the tengu CLI could not be read on the server")
        }
    }
}
