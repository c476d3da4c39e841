use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::domain::EnvName;
use tengu_core::views::{TokenLine, TokenStanding};

use super::{Shown, Visit};
use crate::api::{CreateToken, RevokeToken};
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::error_notice::{ErrorNotice, ErrorTemplate};
use crate::contract;
use crate::server_glue::sentence;

/// `/settings/tokens`: personal API tokens for CI, shown once, revocable. Anyone signed in: their own tokens,
/// and the environments they may see for a token to deploy to.
pub async fn show(visit: &Visit<'_>) -> Shown {
    let tokens = match visit.tengu().tokens(visit.actor).await {
        Ok(tokens) => tokens,
        Err(error) => return Shown::failed("API tokens", sentence(error)),
    };
    let environments: Vec<EnvName> = visit
        .tengu()
        .settings()
        .environments
        .iter()
        .filter(|e| visit.viewer.can_see(&e.repo))
        .map(|e| e.name.clone())
        .collect();
    let now = chrono::Utc::now();
    let tokens = tokens.iter().map(|token| TokenLine::of(token, now)).collect();
    let refused = visit.query.refusal_of::<CreateToken>();
    let failure = visit.query.refusal_of::<RevokeToken>();
    let kept = refused.is_none() && failure.is_none();
    Shown::of(
        "API tokens",
        view! {
            <Breadcrumbs here="API tokens"/>
            <header class="page-header">
                <h1>"API tokens"</h1>
                <p class="muted">
                    "A token lets a machine (CI) call tengu's API as you: "
                    <code>"Authorization: Bearer tengu_…"</code>
                    ". It acts with your role at the time it is used, and only within its scopes."
                </p>
            </header>
            {failure.map(|message| view! { <ErrorNotice message/> })}
            <TokensView tokens environments refused/>
        },
    )
    .kept_if(kept)
}

#[component]
fn TokensView(tokens: Vec<TokenLine>, environments: Vec<EnvName>, refused: Option<String>) -> impl IntoView {
    let environments = environments.iter().map(ToString::to_string).collect();
    let rows = tokens.into_iter().map(|token| view! { <TokenRow token/> }).collect_view();
    view! {
        <NewToken environments refused/>
        <section class="panel" id="tokens" {..contract::flag(contract::REGION)} aria-labelledby="tokens-title">
            <h2 id="tokens-title">"Your tokens"</h2>
            <table class="table">
                <thead><tr><th>"#"</th><th>"Name"</th><th>"Scopes"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

/// The form for a new token, and the token itself, shown once: sent in place, the secret exists only in the
/// answer to the browser's request, so it is shown there (from the template), and the list below is drawn again.
#[component]
fn NewToken(environments: Vec<String>, refused: Option<String>) -> impl IntoView {
    let envs = environments
        .into_iter()
        .map(|env| view! { <option value=env.clone()>{format!("deploy to {env}")}</option> })
        .collect_view();
    view! {
        <div {..contract::flag(contract::ANSWERS)}>
            <ErrorTemplate/>
            <template {..contract::flag(contract::ON_SUCCESS)}>
                <div class="notice" role="status">
                    <p>"Your new token. Copy it now: tengu keeps only its hash and cannot show it again."</p>
                    <p><code id="new-token" {..contract::flag(contract::ANSWER_TEXT)}></code></p>
                </div>
            </template>
            <div {..contract::flag(contract::ANSWER_SLOT)}>{refused.map(|message| view! { <ErrorNotice message/> })}</div>
            <section class="panel" aria-labelledby="new-token-title">
                <h2 id="new-token-title">"New token"</h2>
                <form method="post" action={CreateToken::url()} class="inline-form" {..contract::flag(contract::ENHANCE)} {..contract::flag(contract::RESET)}>
                    <label>"Name " <input type="text" name="name" required maxlength="60" placeholder="CI deploys"/></label>
                    <label><input type="checkbox" name="read" value="on" checked/> " read"</label>
                    <label>"May "
                        <select name="deploy_env"><option value="">"deploy nowhere"</option>{envs}</select>
                    </label>
                    <label>"Expires in " <input type="number" name="days" value="90" min="1" max="366" size="4"/> " days"</label>
                    <button type="submit" class="button button--primary">"Create token"</button>
                </form>
            </section>
        </div>
    }
}

#[component]
fn TokenRow(token: TokenLine) -> impl IntoView {
    let state = match token.standing {
        TokenStanding::Revoked(at) => {
            view! { <span>"revoked " <time datetime=at.iso>{at.shown}</time></span> }.into_any()
        }
        TokenStanding::Expired => view! { <span>"expired"</span> }.into_any(),
        TokenStanding::Usable => view! {
            <form method="post" action=RevokeToken::url() class="inline-form">
                <input type="hidden" name="id" value=token.id.to_string()/>
                <button type="submit" class="button button--small danger">"Revoke"</button>
            </form>
        }
        .into_any(),
    };
    view! {
        <tr data-token=token.id.to_string()>
            <td>{token.id.to_string()}</td>
            <td>{token.name}</td>
            <td>{token.scopes}</td>
            <td><time datetime=token.created.iso>{token.created.shown}</time></td>
            <td>{token.expires}</td>
            <td>{token.last_used}</td>
            <td>{state}</td>
        </tr>
    }
}
