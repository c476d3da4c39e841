//! What the router is made of besides the pages: the routes of tengu's other doors, the site's own files, and
//! what pages and server functions reach.

use super::*;

/// What pages and server functions reach: the core, and in the sandbox its people, GitHub and Slack.
pub(super) fn doors(
    tengu: &Tengu,
    sandbox_slack: Option<tengu_app::server_glue::SandboxSlackDoor>,
    sandbox_github: Option<tengu_app::server_glue::SandboxGithubDoor>,
) -> tengu_app::server_glue::Doors {
    let people = tengu_app::server_glue::SandboxPeople(if tengu.settings().sandbox {
        tengu_sandbox::people()
    } else {
        Vec::new()
    });
    tengu_app::server_glue::Doors { tengu: tengu.clone(), people, sandbox_slack, sandbox_github }
}

/// The routes that are not pages: health, sign-in, the live stream, the API, webhooks, Slack and chat links.
pub(super) fn door_routes(sandbox_sign_in: bool) -> Router<AppState> {
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(super::metrics::scrape))
        .route("/readyz", get(health::readyz))
        .route("/sign-in", get(auth::sign_in_page))
        .route("/auth/github", get(auth::start))
        .route("/auth/github/callback", get(auth::callback))
        .route("/sign-out", post(auth::sign_out))
        .route("/deployments.csv", get(csv_files::history))
        .route("/insights.csv", get(csv_files::insights))
        .route("/api/review-envs/route", get(review_route::route))
        .route("/api/v1/environments/{env}/deployments", post(api_v1::deploy))
        .route("/api/v1/environments/{env}/abort", post(api_v1::abort))
        .route("/api/v1/environments/{env}/difference", post(api_v1::difference))
        .route("/api/v1/environments/{env}/lock", axum::routing::put(api_v1::lock).delete(api_v1::unlock))
        .route(
            "/api/v1/repos/{owner}/{name}/lock",
            axum::routing::put(api_v1::lock_repository).delete(api_v1::unlock_repository),
        )
        .route("/api/v1/deployments/{id}", get(api_v1::deployment))
        .route("/api/v1/status", get(api_v1::status))
        .route("/api/v1/insights", get(api_v1::insights))
        .route("/api/v1/cli", get(api_v1::cli_binary))
        .route("/webhooks/github", post(webhooks::receive))
        .route("/slack/commands", post(slack::command))
        .route("/slack/interactions", post(slack::interaction))
        .route("/link/chat", get(chat_link::confirm_page).post(chat_link::complete));
    if sandbox_sign_in {
        return router.route("/auth/sandbox", get(auth::sandbox_consent).post(auth::sandbox_choose));
    }
    router
}

/// The site's own files, hashed and precompressed by cargo-leptos (`.br`, `.gz` beside each, release builds).
/// Anyone may fetch them (`identity::is_public`): the sign-in page needs its stylesheet, and they hold no data.
pub(super) fn site_files(leptos_options: &LeptosOptions) -> Router {
    let pkg_dir = format!("{}/{}", leptos_options.site_root, leptos_options.site_pkg_dir);
    let cache_control = axum::http::HeaderValue::from_static(site::pkg_cache_control(leptos_options));
    Router::new().fallback_service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip()).layer(
        axum::middleware::map_response(move |mut response: axum::response::Response| {
            let cache_control = cache_control.clone();
            async move {
                if response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED {
                    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, cache_control);
                }
                response
            }
        }),
    )
}
