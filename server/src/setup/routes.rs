//! The setup pages' routes. Who may call them: anyone who reaches the server, but only a visitor who brings the
//! one-time setup code from the log gets the manifest, and only the browser that was given it (its `state`, in
//! the address and in a cookie) can hand GitHub's code back. Everything else answers with a way to `/setup`.

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Form, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tengu_core::ports::RegisteredApp;
use tokio::sync::watch;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::sealing::SealingKey;
use super::{AppDocuments, Registrar, pages, stored};
use crate::config::Config;
use crate::web::auth::pkce::random_token;
use crate::web::review_route::constant_time_eq;

const STATE_COOKIE: &str = "tengu_setup";
/// Wrong codes before the code is replaced by a new one (printed in the log again).
const TRIES_PER_CODE: u32 = 5;

/// The setup in progress.
pub struct Setup {
    code: Mutex<(String, u32)>,
    pending: Mutex<Option<String>>,
    key: SealingKey,
    documents: AppDocuments,
    registrar: Registrar,
    public_url: String,
    web_url: String,
    owner_hint: Option<String>,
    made: watch::Sender<Option<RegisteredApp>>,
}

impl Setup {
    pub fn new(config: &Config, key: SealingKey, documents: AppDocuments, registrar: Registrar) -> Arc<Self> {
        let owner_hint = config.environments.first().and_then(|env| env.repo.split('/').next().map(str::to_owned));
        Arc::new(Self {
            code: Mutex::new((new_code(), 0)),
            pending: Mutex::new(None),
            key,
            documents,
            registrar,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            web_url: config.github_web_url(),
            owner_hint,
            made: watch::channel(None).0,
        })
    }

    /// The one-time code the log shows.
    pub fn code(&self) -> String {
        self.code.lock().unwrap_or_else(PoisonError::into_inner).0.clone()
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The App, once it is made.
    pub fn made(&self) -> watch::Receiver<Option<RegisteredApp>> {
        self.made.subscribe()
    }

    /// Whether `given` is the code; a fifth wrong one replaces it.
    fn check_code(&self, given: &str) -> bool {
        let mut code = self.code.lock().unwrap_or_else(PoisonError::into_inner);
        if constant_time_eq(given.trim().as_bytes(), code.0.as_bytes()) {
            return true;
        }
        code.1 += 1;
        if code.1 >= TRIES_PER_CODE {
            *code = (new_code(), 0);
            tracing::warn!(code = %code.0, "{TRIES_PER_CODE} wrong setup codes: this is the new one");
        }
        false
    }
}

/// Twelve letters and digits, grouped by four, without the ones read alike (0/O, 1/l/I).
fn new_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    let letters: Vec<char> = bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    letters.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

pub fn router(setup: Arc<Setup>, site_root: &str) -> Router {
    let files = ServeDir::new(site_root);
    Router::new()
        .route("/setup", get(form).post(start))
        .route("/setup/callback", get(callback))
        .route("/healthz", get(|| async { "ok" }))
        // A load balancer keeps sending people here while the App is made.
        .route("/readyz", get(|| async { "setting up: open /setup" }))
        .fallback(move |request: Request| site_file_or_setup(files.clone(), request))
        .with_state(setup)
}

async fn site_file_or_setup(files: ServeDir, request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") || path == "/favicon.svg" {
        return match files.oneshot(request).await {
            Ok(file) => file.into_response(),
            Err(never) => match never {},
        };
    }
    Redirect::to("/setup").into_response()
}

async fn form(State(setup): State<Arc<Setup>>) -> Html<String> {
    Html(pages::form(setup.owner_hint.as_deref(), None))
}

#[derive(Deserialize)]
struct Started {
    code: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    name: String,
}

async fn start(State(setup): State<Arc<Setup>>, Form(started): Form<Started>) -> Response {
    let owner = started.owner.trim();
    if !setup.check_code(&started.code) {
        let message =
            "That is not the setup code tengu printed in its log (after five wrong ones it prints a new one).";
        return (StatusCode::FORBIDDEN, Html(pages::form(Some(owner), Some(message)))).into_response();
    }
    if !owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        let message = "An owner is a GitHub account or organization name: letters, digits and hyphens.";
        return (StatusCode::BAD_REQUEST, Html(pages::form(Some(owner), Some(message)))).into_response();
    }
    let state = random_token();
    *setup.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(state.clone());
    let name = Some(started.name.trim()).filter(|n| !n.is_empty()).unwrap_or("tengu");
    let manifest = tengu_github::manifest::app_manifest(&setup.public_url, name);
    let organization = Some(owner).filter(|o| !o.is_empty());
    let action = tengu_github::manifest::new_app_address(&setup.web_url, organization, &state);
    let secure = if setup.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{STATE_COOKIE}={state}; Path=/setup; HttpOnly; SameSite=Lax; Max-Age=3600{secure}");
    ([(header::SET_COOKIE, cookie)], Html(pages::manifest(&action, &manifest))).into_response()
}

#[derive(Deserialize)]
struct Returned {
    code: Option<String>,
    state: Option<String>,
}

async fn callback(State(setup): State<Arc<Setup>>, headers: HeaderMap, Query(returned): Query<Returned>) -> Response {
    let pending = setup.pending.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let cookie = cookie_state(&headers);
    let state = returned.state.unwrap_or_default();
    let ours = pending.is_some_and(|p| constant_time_eq(p.as_bytes(), state.as_bytes()))
        && cookie.is_some_and(|c| constant_time_eq(c.as_bytes(), state.as_bytes()));
    let Some(code) = returned.code.filter(|_| ours) else {
        let sentence =
            "This answer from GitHub is not for the setup this browser started; nothing was stored. Start again.";
        return (StatusCode::BAD_REQUEST, Html(pages::failed(sentence))).into_response();
    };
    let app = match setup.registrar.register(&code).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "GitHub's code could not be exchanged for the App");
            let sentence = format!("GitHub did not hand over the App: {error}. Nothing was stored; start again.");
            return (StatusCode::BAD_GATEWAY, Html(pages::failed(&sentence))).into_response();
        }
    };
    match stored::save(setup.documents.as_ref(), &setup.key, &app).await {
        Ok(()) => {}
        Err(error) => {
            tracing::error!(%error, app = %app.slug, "the App GitHub made could not be stored");
            let sentence = format!(
                "GitHub made the App {}, but tengu could not keep it ({error}). Delete it in its settings on GitHub \
                 and start again.",
                app.slug
            );
            return (StatusCode::INTERNAL_SERVER_ERROR, Html(pages::failed(&sentence))).into_response();
        }
    }
    *setup.pending.lock().unwrap_or_else(PoisonError::into_inner) = None;
    tracing::info!(app = %app.slug, id = app.id, owner = %app.owner, "the GitHub App is made and stored");
    let page = pages::made(&app);
    setup.made.send_replace(Some(app));
    Html(page).into_response()
}

fn cookie_state(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(STATE_COOKIE)?.strip_prefix('='))
}
