//! The HTTP side: the Leptos pages and server functions, health checks, and the sandbox's identity switch.

mod health;
mod identity;
mod live;
mod review_route;
mod site;
pub mod webhook_signature;
mod webhooks;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::FromRef;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tengu_app::server_glue::SandboxPeople;
use tengu_app::{App, shell};
use tengu_core::Tengu;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::boot::{self, BootError};
use crate::config::Config;
pub use site::leptos_options;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub tengu: Tengu,
    /// The secrets a GitHub delivery may be signed with (two during a rotation); none turns webhooks off.
    pub webhook_secrets: Arc<Vec<Vec<u8>>>,
    pub live: live::LiveRollouts,
}

/// Every route tengu answers, over one `Tengu`.
pub fn router(tengu: Tengu, leptos_options: LeptosOptions, webhook_secrets: Vec<Vec<u8>>) -> Router {
    let routes = route_list();
    let people = SandboxPeople(if tengu.settings().sandbox { tengu_core::sandbox::people() } else { Vec::new() });
    let context = {
        let tengu = tengu.clone();
        move || {
            provide_context(tengu.clone());
            provide_context(people.clone());
        }
    };
    let state = AppState {
        leptos_options: leptos_options.clone(),
        tengu: tengu.clone(),
        webhook_secrets: Arc::new(webhook_secrets),
        live: live::LiveRollouts::default(),
    };
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/environments/{name}/live", get(live::events))
        .route("/api/review-envs/route", get(review_route::route))
        .route("/webhooks/github", post(webhooks::receive).layer(DefaultBodyLimit::max(webhooks::BODY_LIMIT)));
    if tengu.settings().sandbox {
        router = router.route("/sandbox/act-as", post(identity::act_as));
    }
    router
        .leptos_routes_with_context(&state, routes, context, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), identity::resolve_actor))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The app's routes, generated once per process. Generating them sets a process-wide flag that parks every
/// resource first polled meanwhile (leptos-rs/leptos#4773), so it must never overlap a render: later callers
/// wait for the first and reuse its list.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// `tengu serve`: open the store, start tengu, serve until SIGTERM or Ctrl-C, then finish in-flight requests.
pub async fn serve(config: Config) -> Result<(), BootError> {
    let options = leptos_options();
    let store = boot::open_store(&config).await?;
    let closing = store.clone();
    let tengu = boot::tengu(&config, store).await?;
    crate::jobs::spawn_reminders(tengu.clone());
    crate::jobs::spawn_resume_deployments(tengu.clone());
    crate::jobs::spawn_review_reconciler(tengu.clone());
    let replay = tengu.clone();
    tokio::spawn(async move {
        match replay.process_unfinished_deliveries().await {
            Ok(0) => {}
            Ok(done) => tracing::info!(done, "handled webhook deliveries left unfinished by the last run"),
            Err(error) => tracing::warn!(%error, "unfinished webhook deliveries could not be read"),
        }
    });
    let addr = options.site_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| BootError::Listen { addr: addr.to_string(), cause: e.to_string() })?;
    tracing::info!("listening on http://{addr}");
    axum::serve(listener, router(tengu, options, config.webhook_secrets()))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| BootError::Listen { addr: addr.to_string(), cause: e.to_string() })?;
    closing.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
