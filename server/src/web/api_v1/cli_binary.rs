//! `GET /api/v1/cli`: this server's own `tengu` executable, so a CI job runs the CLI of the very version it
//! speaks to. It is built for the server's platform alone (`X-Tengu-Platform`, e.g. `linux-x86_64`): a runner
//! that says it is another (`?platform=`, as `uname -s`-`uname -m` give it) is refused with a sentence rather than
//! handed a program it cannot run. Any valid token may fetch it.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{answer, caller};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct Wanted {
    platform: Option<String>,
}

/// The platform this executable runs on, as the API names it: `linux-x86_64`, `linux-aarch64`, `macos-aarch64`.
pub fn this_platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// A runner's own words for its platform (`Linux-x86_64`, `Darwin-arm64`) in the API's.
pub fn platform_named(said: &str) -> String {
    let said = said.trim().to_ascii_lowercase();
    let (os, arch) = said.split_once('-').unwrap_or((said.as_str(), ""));
    let os = match os {
        "darwin" => "macos",
        other => other,
    };
    let arch = match arch {
        "amd64" | "x64" => "x86_64",
        "arm64" => "aarch64",
        other => other,
    };
    format!("{os}-{arch}")
}

pub async fn cli_binary(State(state): State<AppState>, headers: HeaderMap, Query(wanted): Query<Wanted>) -> Response {
    if let Err(response) = caller(&state, &headers).await {
        return response;
    }
    let platform = this_platform();
    if let Some(asked) = wanted.platform.as_deref().filter(|p| !p.trim().is_empty())
        && platform_named(asked) != platform
    {
        let said = format!(
            "this server's tengu is built for {platform}, not {}: run the job on {platform}, or build the CLI for \
             your runner from the same version's source (cargo build --release -p tengu-server)",
            platform_named(asked)
        );
        return with_platform(answer(StatusCode::CONFLICT, "refused", said), &platform);
    }
    let file = match std::env::current_exe().map(tokio::fs::File::open) {
        Ok(opening) => opening.await,
        Err(error) => Err(error),
    };
    let response = match file {
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
    };
    with_platform(response, &platform)
}

fn with_platform(mut response: Response, platform: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(platform) {
        response.headers_mut().insert("x-tengu-platform", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runners_words_for_its_platform_are_read_as_the_apis() {
        assert_eq!(platform_named("Linux-x86_64"), "linux-x86_64");
        assert_eq!(platform_named("Darwin-arm64"), "macos-aarch64");
        assert_eq!(platform_named("linux-amd64"), "linux-x86_64");
        assert_eq!(platform_named(&this_platform()), this_platform());
    }
}
