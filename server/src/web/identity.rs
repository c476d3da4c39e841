//! Who is acting. In the sandbox a visitor picks a seeded person (a cookie); the sign-in issue replaces this
//! with GitHub OAuth sessions.

use axum::Form;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tengu_app::server_glue::ActingAs;
use tengu_core::Tengu;
use tengu_core::domain::{Actor, Login};

const COOKIE: &str = "tengu_actor";

fn cookie_login(headers: &HeaderMap) -> Option<Login> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Login::parse(value).ok())
}

/// Puts the acting person into the request for server functions to read.
pub async fn resolve_actor(State(tengu): State<Tengu>, mut request: Request, next: Next) -> Response {
    if tengu.settings().sandbox {
        let people = tengu_core::sandbox::people();
        let login = cookie_login(request.headers())
            .filter(|login| people.contains(login))
            .unwrap_or_else(tengu_core::sandbox::default_person);
        request.extensions_mut().insert(ActingAs(Actor::Person(login)));
    }
    next.run(request).await
}

#[derive(Deserialize)]
pub struct ActAs {
    login: String,
}

/// `POST /sandbox/act-as`: act as another seeded person, then go back where the form was.
pub async fn act_as(headers: HeaderMap, Form(form): Form<ActAs>) -> Response {
    let Some(login) = Login::parse(&form.login).ok().filter(|l| tengu_core::sandbox::people().contains(l)) else {
        return (StatusCode::BAD_REQUEST, "That person is not part of the sandbox.").into_response();
    };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .filter(|r| r.starts_with('/') || r.starts_with("http://") || r.starts_with("https://"))
        .unwrap_or("/")
        .to_owned();
    let cookie = format!("{COOKIE}={login}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000");
    let mut response = Redirect::to(&back).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
