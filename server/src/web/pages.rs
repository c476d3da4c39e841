//! The dashboard's pages and the server functions their forms post to. A page is loaded from the core's read side
//! and drawn by the app (`tengu_app::draw`) in one pass; it never calls GitHub or ECS. Who may ask: a signed-in
//! person (`identity::require_person` answers everyone else first); what a page shows is filtered by the person's
//! permissions in the core. An address that names no page is one of the site's own files, or "Nothing here".

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;
use tengu_app::server_glue::{ActingAs, Doors};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::identity::CspNonce;
use super::page_cache::MadeOf;

/// What drawing pages needs, shared by every request.
pub(super) struct Pages {
    pub doors: Doors,
    pub options: LeptosOptions,
    /// The site's own files (`favicon.svg` …), for addresses that name no page.
    pub site_root: ServeDir,
}

impl Pages {
    pub fn new(doors: Doors, options: LeptosOptions) -> Arc<Self> {
        let site_root = ServeDir::new(options.site_root.to_string());
        Arc::new(Self { doors, options, site_root })
    }
}

/// A page, or a file of the site, or a server function's answer.
pub(super) async fn answer(pages: Arc<Pages>, request: Request) -> Response {
    let press_page = tengu_app::Page::pressed_at(request.uri().path());
    if let Some(tengu_app::Page::Review(env)) = &press_page
        && request.method() != Method::POST
    {
        // An address alone does not ask ECS: a GET of a review (the confirmation's answer coming back to the page it
        // was sent from) goes to the environment, carrying what the address says (a refusal).
        let query = request.uri().query().filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
        return axum::response::Redirect::to(&format!("/environments/{env}{query}")).into_response();
    }
    if request.method() == Method::POST && press_page.is_some() {
        return pressed(&pages, request).await;
    }
    if request.method() == Method::POST && request.uri().path().starts_with("/api/") {
        let doors = pages.doors.clone();
        let answer = leptos_axum::handle_server_fns_with_context(move || doors.provide(), request).await;
        return answer.into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "a page is read with GET.").into_response();
    }
    if !tengu_app::is_a_page(request.uri().path()) {
        return site_file_or_nothing(&pages, request).await;
    }
    draw(&pages, request.into_parts().0).await
}

/// The longest form a press sends (its fields are a few words).
const PRESS_FORM_LIMIT: usize = 16 * 1024;

/// A press (POST, its form as the page's query) drawn like a page: a review, the checks.
async fn pressed(pages: &Pages, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(form) = axum::body::to_bytes(body, PRESS_FORM_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the form is too long.").into_response();
    };
    let Some(ActingAs(actor)) = parts.extensions.get::<ActingAs>() else {
        return (StatusCode::UNAUTHORIZED, "sign in to tengu first.").into_response();
    };
    let nonce = parts.extensions.get::<CspNonce>().map(|CspNonce(nonce)| nonce.as_str());
    let form = String::from_utf8_lossy(&form);
    let asked = tengu_app::Asked { path: parts.uri.path(), query: Some(&form), actor, nonce };
    let drawn = tengu_app::draw_pressed(&pages.doors, &pages.options, asked).await;
    let mut response = Response::new(Body::from(drawn.html));
    *response.status_mut() = drawn.status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

async fn draw(pages: &Pages, request: axum::http::request::Parts) -> Response {
    let Some(ActingAs(actor)) = request.extensions.get::<ActingAs>() else {
        return (StatusCode::UNAUTHORIZED, "sign in to tengu first.").into_response();
    };
    let nonce = request.extensions.get::<CspNonce>().map(|CspNonce(nonce)| nonce.as_str());
    let asked = tengu_app::Asked { path: request.uri.path(), query: request.uri.query(), actor, nonce };
    let drawn = tengu_app::draw(&pages.doors, &pages.options, asked).await;
    let mut response = Response::new(Body::from(drawn.html));
    *response.status_mut() = drawn.status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Some(topics) = drawn.made_of {
        response.extensions_mut().insert(MadeOf(topics));
    }
    response
}

/// One of the site's files when it has one at that address; otherwise "Nothing here", drawn like any page.
async fn site_file_or_nothing(pages: &Pages, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let probe = Request::from_parts(parts.clone(), body);
    match pages.site_root.clone().oneshot(probe).await {
        Ok(file) if file.status() != StatusCode::NOT_FOUND => file.map(Body::new),
        _ if parts.extensions.get::<ActingAs>().is_none() => (StatusCode::NOT_FOUND, "Nothing here.").into_response(),
        _ => draw(pages, parts).await,
    }
}
