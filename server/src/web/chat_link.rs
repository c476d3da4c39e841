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

/// Signed-in people only (the router sends others to sign in first, then back here). Names the chat account and
/// workspace the code would link, so a link sent by someone else is not taken for one's own.
pub async fn confirm_page(
    State(state): State<AppState>,
    Extension(ActingAs(actor)): Extension<ActingAs>,
    Query(link): Query<LinkCode>,
) -> Html<String> {
    let person = match state.tengu.chat_link_preview(&actor, &link.code).await {
        Ok(person) => person,
        Err(error) => return page(&said(error)),
    };
    page(&format!(
        "<p>This links the Slack account <strong>{}</strong> to your GitHub login <strong>@{}</strong>: its \
         <code>/tengu</code> commands will act as you, with your role on GitHub.</p>\
         <p>Link it only if that Slack account is yours. If someone sent you this link, do not press the button.</p>\
         <form method=\"post\" action=\"/link/chat\"><input type=\"hidden\" name=\"code\" value=\"{}\"/>\
         <button class=\"button button--primary\" type=\"submit\">This Slack account is mine: link it</button></form>",
        escape(&person.describe()),
        escape(&actor.display_name()),
        escape(&link.code)
    ))
}

pub async fn complete(
    State(state): State<AppState>,
    Extension(ActingAs(actor)): Extension<ActingAs>,
    Form(link): Form<LinkCode>,
) -> Response {
    let person = match state.tengu.complete_chat_link(&actor, &link.code).await {
        Ok(person) => person,
        Err(error) => return page(&format!("<p role=\"alert\">{}</p>", escape(&said_text(error)))).into_response(),
    };
    // The Slack account hears of it, so a link someone else made is noticed by the account's owner.
    if let (Some(slack), Some(response_url)) = (&state.web.slack, &person.response_url) {
        let told = format!(
            "Your Slack account is now linked to the GitHub login @{}: /tengu acts as them. If this was not you, tell \
             your tengu admin.",
            actor.display_name()
        );
        if let Err(error) = slack.replies.reply(response_url, &told, false).await {
            tracing::warn!(error = %error.0, "the Slack account could not be told of its link");
        }
    }
    let sentence = format!("Linked: {} now acts as @{} with /tengu.", person.describe(), actor.display_name());
    page(&format!("<p role=\"status\">{}</p>", escape(&sentence))).into_response()
}

fn said_text(error: tengu_core::CoreError) -> String {
    if !error.is_callers_fault() {
        tracing::error!(%error, "a chat link could not be completed");
    }
    error.user_message()
}

fn said(error: tengu_core::CoreError) -> String {
    format!("<p role=\"alert\">{}</p>", escape(&said_text(error)))
}

fn page(body: &str) -> Html<String> {
    Html(document("Link your chat account", &format!("<h1>Link your Slack account</h1>{body}")))
}
