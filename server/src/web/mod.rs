//! The HTTP side: the Leptos pages and server functions, sign-in and sessions, health checks, webhooks.

mod api_v1;
pub mod auth;
mod chat_link;
mod csv_files;
mod health;
pub mod identity;
pub mod listen;
mod live_pages;
mod metrics;
pub mod page_cache;
mod pages;
pub(crate) mod review_route;
mod routes;
mod sandbox_chat;
mod sandbox_github;
pub mod sessions;
mod site;
pub mod slack;
pub mod slack_signature;
pub mod webhook_signature;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use tengu_core::Tengu;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::boot::{self, BootError};
use crate::config::{self, Config, SessionsConfig};
use auth::provider::{GithubOAuth, IdentityProvider};
use auth::sandbox::SandboxIdentity;
pub use site::leptos_options;

/// What every handler shares, behind one `Arc`: each layer of the router clones the state for every request, and
/// one counter is cheaper than cloning tengu's ports and Leptos's options (measured: 20 % of a cached page's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Tengu {
    fn from_ref(state: &AppState) -> Self {
        state.tengu.clone()
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub tengu: Tengu,
    /// The secrets a GitHub delivery may be signed with (two during a rotation); none turns webhooks off.
    pub webhook_secrets: Arc<Vec<Vec<u8>>>,
    pub web: Arc<WebSettings>,
    /// The memory webhook bodies may hold at once, in KiB: a burst waits instead of filling memory.
    pub webhook_budget: Arc<tokio::sync::Semaphore>,
    /// Signed-in people's pages as last rendered.
    pub pages: Arc<page_cache::PageCache>,
    /// Sign-ins under way: the key their cookies are signed with, the states taken.
    pub sign_ins: auth::pending::PendingSignIns,
}

/// What the web edge needs beyond the core: who signs people in, how long sessions last, the secrets it checks.
pub struct WebSettings {
    /// `scheme://host[:port]` of `public_url`: a change must come from there.
    pub public_origin: String,
    pub public_url: String,
    pub sessions: SessionsConfig,
    /// A session ends this long after sign-in, used or not.
    pub session_max: chrono::Duration,
    pub identity: Arc<dyn IdentityProvider>,
    /// The sandbox's consent page, when this is the sandbox.
    pub sandbox_identity: Option<Arc<SandboxIdentity>>,
    /// `X-Tengu-Proxy-Secret` the review route asks for, when set.
    pub review_proxy_secret: Option<String>,
    /// The secrets a GitHub delivery may be signed with (two during a rotation); none turns webhooks off.
    pub webhook_secrets: Vec<Vec<u8>>,
    /// Set to true when the server stops: open live streams end at once.
    pub closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// The Slack app, when its signing secret is configured (or the sandbox's simulated one): `/slack/commands`
    /// answers only then.
    pub slack: Option<slack::SlackApp>,
    /// The sandbox's simulated Slack channel, when the Slack app is the sandbox's.
    pub sandbox_chat: Option<Arc<tengu_sandbox::chat::SandboxChat>>,
    /// The sandbox's simulated GitHub, whose deliveries are signed with the first webhook secret.
    pub sandbox_github: Option<tengu_sandbox::SimulatedGithub>,
    /// The bearer token `/metrics` asks for; none turns it off.
    pub metrics_token: Option<String>,
}

impl WebSettings {
    /// The sandbox's: people sign in through its consent page, and its Slack is a simulated channel (signed with
    /// a secret made up at start).
    pub fn sandbox(public_url: &str, webhook_secrets: Vec<Vec<u8>>) -> Self {
        let sandbox = Arc::new(SandboxIdentity::default());
        let chat = Arc::new(tengu_sandbox::chat::SandboxChat::new(Arc::new(tengu_core::ports::SystemClock)));
        let mut signing_secret = vec![0u8; 32];
        if getrandom::fill(&mut signing_secret).is_err() {
            // Without random bytes the simulated chat stays off rather than signing with a guessable secret.
            signing_secret.clear();
        }
        let simulated_slack = (!signing_secret.is_empty()).then(|| {
            let team = vec![tengu_sandbox::chat::TEAM_ID.to_owned()];
            slack::SlackApp::new(signing_secret, team, chat.clone(), Some(chat.clone()))
        });
        let sessions = SessionsConfig::default();
        Self {
            public_origin: origin_of(public_url),
            public_url: public_url.to_owned(),
            sessions,
            session_max: chrono::Duration::days(sessions.session_max_days as i64),
            identity: sandbox.clone(),
            sandbox_identity: Some(sandbox),
            review_proxy_secret: None,
            webhook_secrets,
            closing: Arc::new(tokio::sync::watch::channel(false).0),
            sandbox_chat: simulated_slack.as_ref().map(|_| chat),
            slack: simulated_slack,
            sandbox_github: None,
            metrics_token: None,
        }
    }

    /// From the configuration: GitHub's OAuth client (or the sandbox's consent page).
    pub fn from_config(config: &Config, sandbox: bool) -> Result<Self, BootError> {
        let mut web = Self::sandbox(&config.public_url, config.webhook_secrets());
        web.sessions = config.auth.sessions;
        web.session_max = chrono::Duration::days(config.auth.sessions.session_max_days.clamp(1, 365) as i64);
        web.review_proxy_secret = config.review_proxy_secret().map(str::to_owned);
        web.metrics_token = config.metrics_token().map(str::to_owned);
        if web.metrics_token.as_ref().is_some_and(|token| token.len() < 16) {
            return Err(BootError::Input(
                "TENGU_METRICS_TOKEN is too short to guess hard: use at least 16 random characters".to_owned(),
            ));
        }
        if !sandbox && !config.review_environments.is_empty() && web.review_proxy_secret.is_none() {
            return Err(BootError::Input(
                "review environments are configured but [review] proxy_secret (TENGU_REVIEW_PROXY_SECRET) is not: \
                 without it anyone who reaches tengu can ask where every review environment runs; set it in tengu \
                 and in the proxy in front of the review environments"
                    .to_owned(),
            ));
        }
        if let Some(secret) = config.slack_signing_secret() {
            let team_ids = config.slack.team_id.as_ref().map(config::TeamIds::ids).unwrap_or_default();
            if team_ids.is_empty() {
                return Err(BootError::Input(
                    "the Slack app needs the workspace it answers: set [slack] team_id (or TENGU_SLACK_TEAM_ID), the \
                     T… id of your workspace (several as a list)"
                        .to_owned(),
                ));
            }
            let hooks = config.slack.hooks_url.as_deref().unwrap_or(tengu_slack::SlackReplies::SLACK_HOOKS);
            let replies = tengu_slack::SlackReplies::new(hooks).map_err(|e| BootError::Input(e.0))?;
            let messages = match config.slack_bot_token() {
                Some(token) => {
                    let api = config.slack.api_url.as_deref().unwrap_or(tengu_slack::SlackWeb::SLACK_API);
                    let web = tengu_slack::SlackWeb::new(api, token).map_err(|e| BootError::Input(e.0))?;
                    Some(Arc::new(web) as Arc<dyn tengu_core::ports::ChatMessages>)
                }
                None => None,
            };
            web.slack = Some(slack::SlackApp::new(secret.as_bytes().to_vec(), team_ids, Arc::new(replies), messages));
            web.sandbox_chat = None;
        } else if !sandbox {
            // A real tengu without a Slack app answers no Slack request at all.
            web.slack = None;
            web.sandbox_chat = None;
        }
        if sandbox {
            // The simulated GitHub signs what it sends; without a configured secret it makes one up.
            if web.webhook_secrets.is_empty() {
                web.webhook_secrets.extend(sandbox_github::made_up_secret());
            }
            return Ok(web);
        }
        let (client_id, client_secret) = config.oauth_client().ok_or_else(|| {
            BootError::Input(
                "people sign in with GitHub: set [github] client_id and client_secret (the GitHub App's, or an OAuth \
                 App's; TENGU_GITHUB_CLIENT_ID / TENGU_GITHUB_CLIENT_SECRET)"
                    .to_owned(),
            )
        })?;
        let api_url = config.github.api_url.clone().unwrap_or_else(|| "https://api.github.com".to_owned());
        web.identity =
            Arc::new(GithubOAuth::new(client_id, client_secret, config.github_web_url(), api_url, &config.public_url));
        web.sandbox_identity = None;
        Ok(web)
    }
}

/// `https://tengu.acme.example` of `https://tengu.acme.example/some/path`.
pub fn origin_of(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    match trimmed.find("://") {
        Some(scheme_end) => match trimmed[scheme_end + 3..].find('/') {
            Some(path) => trimmed[..scheme_end + 3 + path].to_owned(),
            None => trimmed.to_owned(),
        },
        None => trimmed.to_owned(),
    }
}

/// Every route tengu answers, over one `Tengu`.
pub fn router(tengu: Tengu, leptos_options: LeptosOptions, web: WebSettings) -> Router {
    let session_store = sessions::DbSessionStore::remembering(tengu.store().clone(), tengu.changes().clone());
    let session_layer = sessions::layer(session_store, &web.public_url, web.sessions);
    metrics::recorder();
    let state = AppState(Arc::new(Shared {
        leptos_options: leptos_options.clone(),
        tengu: tengu.clone(),
        webhook_secrets: Arc::new(web.webhook_secrets.clone()),
        web: Arc::new(web),
        webhook_budget: Arc::new(tokio::sync::Semaphore::new(webhooks::BODY_BUDGET_KIB)),
        pages: Arc::new(page_cache::PageCache::new(tengu.changes().clone())),
        sign_ins: auth::pending::PendingSignIns::default(),
    }));
    if let Some(chat) = &state.web.sandbox_chat {
        chat.announce_to(tengu.changes().clone());
    }
    let sandbox_slack = state.web.sandbox_chat.clone().map(|chat| {
        tengu_app::server_glue::SandboxSlackDoor(Arc::new(sandbox_chat::SandboxSlackClient::new(state.clone(), chat)))
    });
    let sandbox_github = state.web.sandbox_github.clone().map(|github| {
        let client = sandbox_github::SandboxGithubClient::new(state.clone(), github);
        tengu_app::server_glue::SandboxGithubDoor(Arc::new(client))
    });
    let doors = routes::doors(&tengu, sandbox_slack, sandbox_github);
    let drawing = pages::Pages::new(doors, leptos_options.clone());
    // The pages and server functions, as a page load and a live page's stream both draw them.
    let pages: Router = Router::new()
        .fallback(move |request: axum::extract::Request| pages::answer(drawing.clone(), request))
        .layer(axum::middleware::from_fn(identity::bad_arguments_are_400))
        .layer(axum::middleware::from_fn_with_state(state.clone(), page_cache::answer))
        .with_state(state.clone());
    let live_pages =
        live_pages::LivePages { pages: pages.clone(), tengu: tengu.clone(), closing: state.web.closing.subscribe() };
    let mut router = routes::door_routes(state.web.sandbox_identity.is_some()).route(
        "/api/live",
        get(move |watched: axum::extract::Query<live_pages::Watched>, request: axum::extract::Request| {
            live_pages::stream(live_pages.clone(), watched, request)
        }),
    );
    router = router.nest_service(&format!("/{}", leptos_options.site_pkg_dir), routes::site_files(&leptos_options));
    router
        .fallback_service(pages)
        .layer(axum::middleware::from_fn(identity::require_person))
        .layer(axum::middleware::from_fn_with_state(state.clone(), identity::resolve_actor))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(state.clone(), identity::refuse_cross_site))
        .layer(axum::middleware::from_fn(identity::harden))
        // Pages are compressed on the fly at the fastest level: a few percent larger than the default level, at a
        // fraction of its CPU time per request.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(metrics::count_request))
        .layer(axum::middleware::from_fn(listen::body_deadline))
        .with_state(state)
}

/// `tengu serve`: open the store, start tengu, serve until SIGTERM or Ctrl-C, then finish in-flight requests.
pub async fn serve(config: Config) -> Result<(), BootError> {
    let options = leptos_options();
    // A configuration the web side refuses stops the start before the database is touched (unless the GitHub App
    // is still to be read from the database, or made).
    if !config.lacks_github() {
        WebSettings::from_config(&config, config.is_sandbox())?;
    }
    let store = boot::open_store(&config).await?;
    let Some(config) = crate::setup::completed(config, &store, &options).await? else {
        store.close().await;
        return Ok(());
    };
    let mut web = WebSettings::from_config(&config, config.is_sandbox())?;
    let closing = store.clone();
    let feed = store.clone();
    // The port is taken before any job starts: the instance's name (`host:port`) is then this process's alone.
    let addr = options.site_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| BootError::Listen { addr: addr.to_string(), cause: e.to_string() })?;
    let host = std::env::var("HOSTNAME").ok().or_else(|| std::fs::read_to_string("/etc/hostname").ok());
    let host = host.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()).unwrap_or_else(|| "tengu".to_owned());
    let (tengu, simulated_github) = boot::tengu_and_simulation(&config, store).await?;
    let tengu = tengu.with_instance(&format!("{host}:{}", addr.port()));
    web.sandbox_github = simulated_github;
    feed.spawn_change_feed(tengu.instance());
    if web.sandbox_chat.is_some() {
        tengu_sandbox::chat::link_chat_people(&tengu).await.map_err(|e| BootError::Sandbox(e.user_message()))?;
    }
    crate::jobs::spawn_reminders(tengu.clone());
    crate::jobs::spawn_weekly_summary(tengu.clone());
    crate::jobs::spawn_insights_kept(tengu.clone());
    crate::jobs::spawn_lock_expiry(tengu.clone());
    crate::jobs::spawn_health_checks(tengu.clone(), config.deploys.health_every());
    crate::jobs::spawn_resume_deployments(tengu.clone(), config.deploys.sweep_every());
    crate::jobs::spawn_review_reconciler(tengu.clone());
    sessions::spawn_expired_deletion(sessions::DbSessionStore::new(tengu.store().clone()));
    crate::jobs::spawn_delivery_pruning(tengu.clone(), config.delivery_retention());
    crate::jobs::spawn_delivery_worker(tengu.clone());
    crate::jobs::spawn_delivery_recovery(tengu.clone());
    tracing::info!(instance = tengu.instance(), "listening on http://{addr}");
    let stopping = web.closing.clone();
    let mut stopped = stopping.subscribe();
    let server = listen::serve(listener, router(tengu, options, web), async move {
        shutdown_signal().await;
        stopping.send_replace(true);
    });
    // Requests in flight get a few seconds to finish; then the process stops anyway (an orchestrator's SIGKILL
    // usually follows SIGTERM after 10 s, and everything tengu does is safe to pick up after a stop).
    let deadline = async move {
        let _ = stopped.wait_for(|stopped| *stopped).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        () = server => {}
        () = deadline => tracing::warn!("requests still open after the grace period were cut off"),
    }
    closing.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How long requests in flight may take to finish once a stop was asked for.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(8);

pub(crate) async fn shutdown_signal() {
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
