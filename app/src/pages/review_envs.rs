use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::views::{ReviewEnvRow, ReviewEnvsView};

use super::{Shown, Visit};
use crate::api::{PressReviewEnv, SimulateFeaturePr, StopStrangerTask};
use crate::components::badge::Badge;
use crate::components::error_notice::{ErrorNotice, ErrorTemplate};
use crate::components::table::DataTable;
use crate::contract;
use crate::server_glue::sentence;

/// Every review environment with its state, URL, age and expiry; Stop, Start and Rebuild; in the sandbox, a
/// visitor opens, pushes to and closes pull requests to watch the lifecycle.
pub async fn show(visit: &Visit<'_>) -> Shown {
    let in_sandbox = visit.tengu().settings().sandbox;
    let page = visit.tengu().review_envs_view(visit.viewer).await.map_err(sentence);
    let query = visit.query;
    // A refused push or close of a sandbox pull request shows above the form that opens one (same server function).
    let refused = query.refusal_of::<SimulateFeaturePr>();
    let failure = query.refusal_of::<PressReviewEnv>().or_else(|| query.refusal_of::<StopStrangerTask>());
    let kept = page.is_ok() && refused.is_none() && failure.is_none();
    let table = match page {
        Ok(view) => Either::Left(view! {
            <ReviewEnvsTable view=view.clone() in_sandbox/>
            <Strangers view/>
        }),
        Err(message) => Either::Right(view! { <ErrorNotice message/> }),
    };
    Shown::of(
        "Review environments",
        view! {
            <header class="page-header">
                <h1>"Review environments"</h1>
                <p class="muted">"One ECS task per pull request, with its own URL; replaced on push without a gap, stopped when the pull request closes or idles."</p>
            </header>
            {failure.map(|message| view! { <ErrorNotice message/> })}
            {in_sandbox.then(|| view! { <SandboxPullRequests refused/> })}
            <div id="review-envs" {..contract::flag(contract::REGION)}>{table}</div>
        },
    )
    .kept_if(kept)
}

/// Sandbox only: opens a pull request on the simulated GitHub and says where its review environment starts. Sent
/// in place, the answer shows above the form and the table below is drawn again at once.
#[component]
fn SandboxPullRequests(refused: Option<String>) -> impl IntoView {
    view! {
        <div {..contract::flag(contract::ANSWERS)}>
            <ErrorTemplate/>
            <template {..contract::flag(contract::ON_SUCCESS)}><p class="notice" role="status"></p></template>
            <div {..contract::flag(contract::ANSWER_SLOT)}>{refused.map(|message| view! { <ErrorNotice message/> })}</div>
            <section class="panel sandbox-panel" aria-labelledby="simulate-title">
                <h2 id="simulate-title">"Sandbox: a pull request on GitHub"</h2>
                <p class="muted">"Opening, pushing to and closing a pull request reach tengu as GitHub's webhooks would."</p>
                <form method="post" action={SimulateFeaturePr::url()} class="inline-form" {..contract::flag(contract::ENHANCE)} {..contract::flag(contract::RESET)}>
                    <input type="hidden" name="change" value="open"/>
                    <label>"Title " <input type="text" name="title" required size="30" placeholder="Add wish lists"/></label>
                    <button type="submit">"Open a pull request"</button>
                </form>
            </section>
        </div>
    }
}

#[component]
fn ReviewEnvsTable(view: ReviewEnvsView, in_sandbox: bool) -> impl IntoView {
    if view.rows.is_empty() {
        return Either::Left(
            view! { <p class="empty">"No review environment yet: one starts when a pull request opens."</p> },
        );
    }
    const HEADERS: &[&str] =
        &["PR", "Title", "Author", "Branch", "Commit", "State", "URL", "Age", "Last push", "Expires in", ""];
    let rows = view.rows.into_iter().map(|row| view! { <ReviewEnvLine row in_sandbox/> }).collect_view();
    Either::Right(view! { <DataTable headers=HEADERS>{rows}</DataTable> })
}

#[component]
fn ReviewEnvLine(row: ReviewEnvRow, in_sandbox: bool) -> impl IntoView {
    let number = row.pr.to_string();
    let refusal = row.refusal.clone();
    let button = |word: &'static str, label: &'static str| {
        let (repo, number) = (row.repo.clone(), number.clone());
        let (disabled, title) = (refusal.is_some(), refusal.clone().unwrap_or_default());
        view! {
            <form method="post" action=PressReviewEnv::url() class="inline-form">
                <input type="hidden" name="repo" value=repo/>
                <input type="hidden" name="pr" value=number/>
                <input type="hidden" name="press" value=word/>
                <button type="submit" disabled=disabled title=title>{label}</button>
            </form>
        }
    };
    let buttons = view! {
        {if row.live { button("stop", "Stop").into_any() } else { button("start", "Start").into_any() }}
        {button("rebuild", "Rebuild")}
        {(in_sandbox && row.live).then(|| view! { <SandboxRowButtons number=number.clone()/> })}
    };
    let (state, url) = (row.state.clone(), row.url.clone());
    view! {
        <tr data-pr=number.clone() data-state=state>
            <td>{format!("#{number}")}</td>
            <td>{row.title}</td>
            <td>{row.author}</td>
            <td><code>{row.branch}</code></td>
            <td><code>{row.commit}</code></td>
            <td>
                <Badge tone=row.tone label=row.state/>
                {row.reason.map(|r| view! { <span class="reason">{r}</span> })}
            </td>
            <td>{if row.reachable {
                view! { <a href=url rel="noopener">{row.url}</a> }.into_any()
            } else {
                view! { <span class="muted">{row.url}</span> }.into_any()
            }}</td>
            <td class="nowrap">{row.age}</td>
            <td><time datetime=row.last_push.iso>{row.last_push.shown}</time></td>
            <td class="nowrap">{row.expires_in}</td>
            <td class="nowrap">{buttons}</td>
        </tr>
    }
}

/// In the sandbox: push to or close this pull request on the simulated GitHub.
#[component]
fn SandboxRowButtons(number: String) -> impl IntoView {
    let (push_number, close_number) = (number.clone(), number);
    view! {
        <form method="post" action=SimulateFeaturePr::url() class="inline-form">
            <input type="hidden" name="change" value="push"/>
            <input type="hidden" name="number" value=push_number/>
            <button type="submit" title="Simulate a push to this pull request">"Push"</button>
        </form>
        <form method="post" action=SimulateFeaturePr::url() class="inline-form">
            <input type="hidden" name="change" value="close"/>
            <input type="hidden" name="number" value=close_number/>
            <button type="submit" title="Simulate closing this pull request">"Close"</button>
        </form>
    }
}

#[component]
fn Strangers(view: ReviewEnvsView) -> impl IntoView {
    let unknown = view
        .strangers_unknown
        .map(|why| view! { <p class="muted">"Tasks nobody holds could not be listed: " {why}</p> });
    if view.strangers.is_empty() {
        return view! { {unknown} }.into_any();
    }
    let refusal = view.stranger_refusal.clone();
    let rows = view
        .strangers
        .into_iter()
        .map(|(cluster, arn)| {
            let (disabled, title) = (refusal.is_some(), refusal.clone().unwrap_or_default());
            view! {
                <li>
                    <code>{arn.clone()}</code> " in " {cluster.clone()} " "
                    <form method="post" action=StopStrangerTask::url() class="inline-form">
                        <input type="hidden" name="cluster" value=cluster/>
                        <input type="hidden" name="arn" value=arn/>
                        <button type="submit" disabled=disabled title=title>"Stop"</button>
                    </form>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="strangers-title">
            <h2 id="strangers-title">"Tasks tengu started that no review environment holds"</h2>
            {unknown}
            <ul class="plain-list">{rows}</ul>
        </section>
    }
    .into_any()
}
