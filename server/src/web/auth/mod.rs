//! Signing in with GitHub: the sign-in page, the redirect to GitHub with `state` and a PKCE challenge, the
//! callback that trades the code for a person (a wrong or reused `state`, a denied consent or a GitHub error
//! ends without a session), and signing out. The sandbox signs in the same way through its own consent page.

pub(crate) mod page;
pub mod pending;
pub mod pkce;
pub mod provider;
pub mod sandbox;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use tengu_core::CoreError;
use tengu_core::domain::{Actor, Login};
use tower_sessions::Session;

use super::AppState;
use super::identity::{PERSON_KEY, SignedIn, local_path};
use pending::Pending;
use provider::SignInError;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    message: Option<String>,
}

/// `GET /sign-in`: the button, and where a visitor without a session lands.
pub async fn sign_in_page(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Html<String> {
    let next = local_path(query.next.as_deref());
    Html(page::sign_in(state.tengu.settings().sandbox, &next, query.message.as_deref()))
}

/// `GET /auth/github`: off to GitHub (or the sandbox's consent page) with a fresh `state` and challenge, kept in a
/// signed cookie of its own (the session, signed in, signed out or none, is left as it is).
pub async fn start(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Response {
    let pending = Pending {
        state: pkce::random_token(),
        verifier: pkce::random_token(),
        next: local_path(query.next.as_deref()),
        until: Utc::now().timestamp() + pending::PENDING_SECONDS,
    };
    let url = state.web.identity.authorize_url(&pending.state, &pkce::challenge(&pending.verifier));
    let https = state.web.public_url.starts_with("https://");
    match state.sign_ins.cookie(state.tengu.store().as_ref(), &pending, https).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to(&url)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a sign-in could not be started");
            failed(StatusCode::SERVICE_UNAVAILABLE, "tengu could not start the sign-in; try again in a moment.")
        }
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/github/callback`.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(back): Query<Callback>,
) -> Response {
    // Taken whatever happens next, so a state is good for one try.
    let https = state.web.public_url.starts_with("https://");
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let store = state.tengu.store().clone();
    let now = Utc::now().timestamp();
    let pending = match &back.state {
        Some(given) => state.sign_ins.take(store.as_ref(), cookies, given, https, now).await,
        None => None,
    };
    let Some(pending) = pending else {
        return failed(
            StatusCode::BAD_REQUEST,
            "This sign-in did not start here, or was already used. Nothing was signed in; start again.",
        );
    };
    if let Some(error) = back.error {
        let why = if error == "access_denied" {
            "You declined to let tengu know who you are on GitHub, so you are not signed in.".to_owned()
        } else {
            format!("GitHub ended the sign-in: {}.", back.error_description.unwrap_or(error))
        };
        return failed(StatusCode::FORBIDDEN, &why);
    }
    let Some(code) = back.code else {
        return failed(StatusCode::BAD_REQUEST, "GitHub sent no code back; start again.");
    };
    let login = match state.web.identity.exchange(&code, &pending.verifier).await {
        Ok(login) => login,
        Err(SignInError::Refused(why)) => return failed(StatusCode::FORBIDDEN, &why),
        Err(SignInError::Unavailable(why)) => return failed(StatusCode::BAD_GATEWAY, &why),
    };
    match state.tengu.sign_in(&login).await {
        Ok(_) => {}
        Err(CoreError::Denied(denied)) => return failed(StatusCode::FORBIDDEN, &denied.0),
        Err(error) => {
            tracing::error!(%error, %login, "a sign-in could not be completed");
            return failed(StatusCode::BAD_GATEWAY, &error.user_message());
        }
    }
    let person = SignedIn { login: login.clone(), at_ms: Utc::now().timestamp_millis() };
    // A new id at sign-in: whoever knew the id before (a fixed cookie) learns nothing of the session after.
    session.set_expiry(Some(super::sessions::idle_expiry(state.web.sessions)));
    let stored = match session.cycle_id().await {
        Ok(()) => session.insert(PERSON_KEY, &person).await,
        Err(error) => Err(error),
    };
    if let Err(error) = stored {
        tracing::error!(%error, %login, "a session could not be stored");
        return failed(StatusCode::SERVICE_UNAVAILABLE, "tengu could not keep the session; try again in a moment.");
    }
    tracing::info!(%login, "signed in");
    Redirect::to(&pending.next).into_response()
}

/// `POST /sign-out`.
pub async fn sign_out(State(state): State<AppState>, session: Session) -> Response {
    if let Ok(Some(person)) = session.get::<SignedIn>(PERSON_KEY).await {
        state.tengu.forget_person(&person.login);
        if let Err(error) = state.tengu.sign_out(&Actor::Person(person.login)).await {
            tracing::warn!(%error, "a sign-out could not be recorded");
        }
    }
    if let Err(error) = session.flush().await {
        tracing::error!(%error, "a session could not be deleted");
    }
    Redirect::to("/sign-in?message=You%20are%20signed%20out.").into_response()
}

#[derive(Deserialize)]
pub struct SandboxConsent {
    state: String,
    code_challenge: String,
}

/// `GET /auth/sandbox`: the sandbox's consent page, listing the seeded people and their simulated roles.
pub async fn sandbox_consent(Query(query): Query<SandboxConsent>) -> Html<String> {
    let people: Vec<(Login, tengu_core::domain::Permission)> = tengu_sandbox::people()
        .into_iter()
        .map(|login| {
            let permission = tengu_sandbox::permission_of(&login);
            (login, permission)
        })
        .collect();
    Html(page::sandbox_consent(&people, &query.state, &query.code_challenge))
}

#[derive(Deserialize)]
pub struct SandboxChoice {
    state: String,
    code_challenge: String,
    login: String,
}

/// `POST /auth/sandbox`: the visitor picked a person; back to the callback with a code, as GitHub would.
pub async fn sandbox_choose(State(state): State<AppState>, Form(choice): Form<SandboxChoice>) -> Response {
    let (Some(sandbox), Ok(login)) = (&state.web.sandbox_identity, Login::parse(&choice.login)) else {
        return failed(StatusCode::BAD_REQUEST, "That person is not part of the sandbox.");
    };
    if !tengu_sandbox::people().contains(&login) {
        return failed(StatusCode::BAD_REQUEST, "That person is not part of the sandbox.");
    }
    let code = sandbox.issue(login, &choice.code_challenge);
    let back = format!(
        "/auth/github/callback?code={}&state={}",
        super::identity::encode_query(&code),
        super::identity::encode_query(&choice.state)
    );
    Redirect::to(&back).into_response()
}

/// A page that says what went wrong, with the way back to signing in; never a session.
fn failed(status: StatusCode, why: &str) -> Response {
    (status, Html(page::sign_in(false, "/", Some(why)))).into_response()
}
