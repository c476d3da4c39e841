//! Who is asking, and whether they may ask at all: the signed-in person from the session (ending sessions past
//! their absolute lifetime), the gate that keeps strangers out, the cross-site check on every change, and the
//! browser hardening headers.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tengu_app::server_glue::ActingAs;
use tengu_core::domain::{Actor, Login};
use tower_sessions::Session;

use super::AppState;

/// The session key of the signed-in person.
pub const PERSON_KEY: &str = "person";

/// Who signed in, and when (a session ends `session_max_days` after it, used or not).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub login: Login,
    pub at_ms: i64,
}

/// What answers without a person: health, GitHub's signed deliveries, the proxy's route lookup (guarded by its
/// own secret), signing in, and the static files the sign-in page needs.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/healthz"
            | "/readyz"
            // Its own bearer token.
            | "/metrics"
            | "/webhooks/github"
            | "/slack/commands"
            | "/slack/interactions"
            | "/api/review-envs/route"
            | "/sign-in"
            | "/sign-out"
            | "/favicon.svg"
    ) || path.starts_with("/auth/")
        || path.starts_with("/pkg/")
        // The machine API authenticates each request with its own bearer token.
        || path.starts_with("/api/v1/")
}

/// Puts the signed-in person into the request for handlers and server functions to read.
pub async fn resolve_actor(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    match session.get::<SignedIn>(PERSON_KEY).await {
        Ok(Some(person)) => {
            let age_ms = Utc::now().timestamp_millis() - person.at_ms;
            if age_ms > state.web.session_max.num_milliseconds() {
                tracing::info!(login = %person.login, "a session reached its absolute lifetime");
                let _ = session.flush().await;
            } else {
                keep_alive(&session).await;
                request.extensions_mut().insert(ActingAs(Actor::Person(person.login)));
            }
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "a session could not be read; treating the visitor as signed out"),
    }
    next.run(request).await
}

/// tower-sessions renews the idle expiry only when a session changes: a person seen again after a few minutes
/// is written down as seen, so an active session lives on (up to its absolute lifetime) without a write per page.
async fn keep_alive(session: &Session) {
    const SEEN_KEY: &str = "seen_at_ms";
    const EVERY_MS: i64 = 5 * 60 * 1000;
    let now = Utc::now().timestamp_millis();
    let seen = session.get::<i64>(SEEN_KEY).await.ok().flatten().unwrap_or(0);
    if now - seen >= EVERY_MS
        && let Err(error) = session.insert(SEEN_KEY, now).await
    {
        tracing::warn!(%error, "a session could not be kept alive");
    }
}

/// Strangers get nothing: a page sends them to sign in (keeping where they wanted to go), anything else is a 401.
pub async fn require_person(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if is_public(path) || request.extensions().get::<ActingAs>().is_some() {
        return next.run(request).await;
    }
    let is_page = request.method() == Method::GET && !path.starts_with("/api/") && !path.starts_with("/webhooks/");
    if is_page {
        let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        return Redirect::to(&format!("/sign-in?next={}", encode_query(wanted))).into_response();
    }
    (StatusCode::UNAUTHORIZED, "Sign in to tengu first.").into_response()
}

/// A change from another site is refused before anything runs: its `Origin` (or, without one,
/// `Sec-Fetch-Site: cross-site`) must be tengu's own. Signed webhooks carry no cookie and are exempt.
pub async fn refuse_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Signed webhooks and bearer-token calls carry no cookie a forged request could ride on.
    let cookieless = matches!(request.uri().path(), "/webhooks/github" | "/slack/commands" | "/slack/interactions")
        || request.uri().path().starts_with("/api/v1/");
    if safe || cookieless || is_same_site(request.headers(), &state.web.public_origin) {
        return next.run(request).await;
    }
    tracing::warn!(path = request.uri().path(), origin = ?request.headers().get(header::ORIGIN), "cross-site change refused");
    (StatusCode::FORBIDDEN, "This request came from another site; tengu only takes changes from its own pages.")
        .into_response()
}

fn is_same_site(headers: &HeaderMap, public_origin: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    match text(header::ORIGIN) {
        Some(origin) => {
            let own_host = text(header::HOST).map(|host| (format!("http://{host}"), format!("https://{host}")));
            origin == public_origin || own_host.is_some_and(|(http, https)| origin == http || origin == https)
        }
        None => text(HeaderName::from_static("sec-fetch-site")).is_none_or(|site| site != "cross-site"),
    }
}

/// Every answer: a Content-Security-Policy whose nonce the page's own scripts carry (the browser program's WASM may
/// compile), no framing, no referrer beyond tengu's origin, no content sniffing.
pub async fn harden(mut request: Request, next: Next) -> Response {
    let nonce = fresh_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let site_file = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; \
         frame-ancestors 'none'"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Pages, server functions, live streams and the API speak of one person's view: no shared cache or browser
    // history keeps them. The site's own files say how long they may be kept (`/pkg`).
    if !site_file {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    response
}

/// The nonce of this response's scripts (the page puts it on its browser program's script and preloads).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

fn fresh_nonce() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A path kept for after sign-in, as a query value.
pub fn encode_query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Where to go after sign-in: only a path on tengu itself, never another host (`//evil.example`, `/\evil`).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Leptos answers arguments it cannot parse (a malformed repository, a pull request number past 2^31-1) with a
/// 500; they are the caller's mistake, so the answer becomes a 400 with the same sentence.
pub async fn bad_arguments_are_400(request: Request, next: Next) -> Response {
    let is_server_fn = request.method() == Method::POST && request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "tengu could not answer; try again.").into_response();
    };
    match std::str::from_utf8(&bytes).ok().and_then(|text| text.strip_prefix("Args|")) {
        Some(sentence) => (StatusCode::BAD_REQUEST, sentence.to_owned()).into_response(),
        None => Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_sign_in_tengu_goes_only_to_its_own_paths() {
        assert_eq!(local_path(Some("/environments/production?x=1")), "/environments/production?x=1");
        for elsewhere in ["https://evil.example/", "//evil.example", "/\\evil.example", "evil", "/\r\nSet-Cookie: x"] {
            assert_eq!(local_path(Some(elsewhere)), "/", "{elsewhere:?}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn a_change_must_come_from_tengus_own_origin() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_str(value).unwrap());
            }
            map
        };
        let own = "https://tengu.acme.test";
        assert!(is_same_site(&headers(&[("origin", own)]), own));
        assert!(is_same_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), own));
        assert!(!is_same_site(&headers(&[("origin", "https://evil.test"), ("host", "tengu.acme.test")]), own));
        assert!(!is_same_site(&headers(&[("origin", "null")]), own));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "cross-site")]), own));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "same-origin")]), own));
        assert!(is_same_site(&headers(&[]), own), "a client that is not a browser sends neither");
    }
}
