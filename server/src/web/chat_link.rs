//! `/link/chat?code=…`: the page a person opens from `/tengu link` while signed in, to say "this Slack account is
//! me". A GET only shows what will happen (a chat's link preview must not link anyone); the POST does it.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use tengu_app::server_glue::ActingAs;

use super::AppState;
use super::auth::page::{document, escape};

#[derive(Deserialize)]
pub struct LinkCode {
    code: String,
}

/// Signed-in people only (the router sends others to sign in first, then back here).
pub async fn confirm_page(
    Extension(ActingAs(actor)): Extension<ActingAs>,
    Query(link): Query<LinkCode>,
) -> Html<String> {
    Html(document(
        "Link your chat account",
        &format!(
            "<h1>Link your Slack account</h1><p>Your <code>/tengu</code> commands will act as \
             <strong>@{}</strong>, with your role on GitHub.</p>\
             <form method=\"post\" action=\"/link/chat\"><input type=\"hidden\" name=\"code\" value=\"{}\"/>\
             <button class=\"button button--primary\" type=\"submit\">Link it</button></form>",
            escape(&actor.display_name()),
            escape(&link.code)
        ),
    ))
}

pub async fn complete(
    State(state): State<AppState>,
    Extension(ActingAs(actor)): Extension<ActingAs>,
    Form(link): Form<LinkCode>,
) -> Response {
    let sentence = match state.tengu.complete_chat_link(&actor, &link.code).await {
        Ok(_) => format!("Linked: your /tengu commands now act as @{}.", actor.display_name()),
        Err(error) => {
            if !error.is_callers_fault() {
                tracing::error!(%error, "a chat link could not be completed");
            }
            error.user_message()
        }
    };
    Html(document(
        "Link your chat account",
        &format!("<h1>Link your Slack account</h1><p role=\"status\">{}</p>", escape(&sentence)),
    ))
    .into_response()
}
