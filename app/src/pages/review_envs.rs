use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use tengu_core::views::{ReviewEnvRow, ReviewEnvsView};

use crate::api::{PressReviewEnv, SimulateFeaturePr, StopStrangerTask, load_review_envs, load_site_info};
use crate::components::badge::Badge;
use crate::components::error_notice::ErrorNotice;
use crate::components::region_refresh::{RegionRefresh, refresh_after};
use crate::components::table::DataTable;
use crate::format::{duration, error_text, iso, refusal_in_address, review_tone, when};

/// How often the open page draws its table again (review tasks come and go in seconds).
const REFRESH_MS: u64 = 2_000;

/// Every review environment with its state, URL, age and expiry; Stop, Start and Rebuild; in the sandbox, a
/// visitor opens, pushes to and closes pull requests to watch the lifecycle.
#[component]
pub fn ReviewEnvsPage() -> impl IntoView {
    let press = ServerAction::<PressReviewEnv>::new();
    let simulate = ServerAction::<SimulateFeaturePr>::new();
    let stop_stranger = ServerAction::<StopStrangerTask>::new();
    let page = Resource::new(|| (), |_| async move { load_review_envs().await.map_err(|e| error_text(&e)) });
    let sandbox = Resource::new(|| (), |_| async move { load_site_info().await.map(|i| i.sandbox).unwrap_or(false) });
    // A refused push or close of the sandbox's pull requests shows in the island above (same server function).
    let failure = move || {
        let pressed = press.value().get().and_then(|r| r.err());
        let stopped = stop_stranger.value().get().and_then(|r| r.err());
        pressed.or(stopped).map(|e| view! { <ErrorNotice message=error_text(&e)/> })
    };
    view! {
        <Title text="Review environments"/>
        <header class="page-header">
            <h1>"Review environments"</h1>
            <p class="muted">"One ECS task per pull request, with its own URL; replaced on push without a gap, stopped when the pull request closes or idles."</p>
        </header>
        {failure}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let refused = refusal_in_address::<SimulateFeaturePr>();
                sandbox.await.then(|| view! { <SandboxPullRequests refused/> })
            })}
        </Transition>
        <RegionRefresh every_ms=REFRESH_MS/>
        <div id="review-envs" data-region="">
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let in_sandbox = sandbox.await;
                match page.await {
                    Ok(view) => view! {
                        <ReviewEnvsTable view=view.clone() press simulate in_sandbox/>
                        <Strangers view stop_stranger/>
                    }
                    .into_any(),
                    Err(message) => view! { <ErrorNotice message/> }.into_any(),
                }
            })}
        </Transition>
        </div>
    }
}

/// Sandbox only: opens a pull request on the simulated GitHub and says where its review environment starts. An
/// island, so the answer shows in place and the table below is drawn again at once.
#[island]
fn SandboxPullRequests(refused: Option<String>) -> impl IntoView {
    let simulate = ServerAction::<SimulateFeaturePr>::new();
    let last_error = refresh_after(simulate, refused);
    let failure = move || last_error.get().map(|message| view! { <ErrorNotice message/> });
    let said =
        move || simulate.value().get().and_then(|r| r.ok()).map(|s| view! { <p class="notice" role="status">{s}</p> });
    view! {
        {failure}
        {said}
        <section class="panel sandbox-panel" aria-labelledby="simulate-title">
            <h2 id="simulate-title">"Sandbox: a pull request on GitHub"</h2>
            <p class="muted">"Opening, pushing to and closing a pull request reach tengu as GitHub's webhooks would."</p>
            <ActionForm action=simulate attr:class="inline-form">
                <input type="hidden" name="change" value="open"/>
                <label>"Title " <input type="text" name="title" required size="30" placeholder="Add wish lists"/></label>
                <button type="submit">"Open a pull request"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReviewEnvsTable(
    view: ReviewEnvsView,
    press: ServerAction<PressReviewEnv>,
    simulate: ServerAction<SimulateFeaturePr>,
    in_sandbox: bool,
) -> impl IntoView {
    if view.rows.is_empty() {
        return view! { <p class="empty">"No review environment yet: one starts when a pull request opens."</p> }
            .into_any();
    }
    const HEADERS: &[&str] =
        &["PR", "Title", "Author", "Branch", "Commit", "State", "URL", "Age", "Last push", "Expires in", ""];
    let now = view.now;
    let rows =
        view.rows.into_iter().map(|row| view! { <ReviewEnvLine row now press simulate in_sandbox/> }).collect_view();
    view! { <DataTable headers=HEADERS>{rows}</DataTable> }.into_any()
}

#[component]
fn ReviewEnvLine(
    row: ReviewEnvRow,
    now: chrono::DateTime<chrono::Utc>,
    press: ServerAction<PressReviewEnv>,
    simulate: ServerAction<SimulateFeaturePr>,
    in_sandbox: bool,
) -> impl IntoView {
    let env = row.env;
    let age = duration((now - env.started_at).num_seconds().max(0));
    let expires = row.expires_at.map(|at| duration((at - now).num_seconds().max(0))).unwrap_or_else(|| "—".to_owned());
    let live = env.is_live();
    let number = env.pr.get().to_string();
    let refusal = row.refusal.clone();
    let button = |word: &'static str, label: &'static str| {
        let (repo, number) = (env.repo.to_string(), number.clone());
        let (disabled, title) = (refusal.is_some(), refusal.clone().unwrap_or_default());
        view! {
            <ActionForm action=press attr:class="inline-form">
                <input type="hidden" name="repo" value=repo/>
                <input type="hidden" name="pr" value=number/>
                <input type="hidden" name="press" value=word/>
                <button type="submit" disabled=disabled title=title>{label}</button>
            </ActionForm>
        }
    };
    let commit = match &env.next_sha {
        Some(next) => format!("{} → {}", env.sha.short(), next.short()),
        None => env.sha.short().to_owned(),
    };
    view! {
        <tr data-pr=number.clone() data-state=env.state.as_str()>
            <td>{format!("#{number}")}</td>
            <td>{env.title.clone()}</td>
            <td>{env.author.to_string()}</td>
            <td><code>{env.branch.to_string()}</code></td>
            <td><code>{commit}</code></td>
            <td>
                <Badge tone=review_tone(env.state) label=env.state.as_str().to_owned()/>
                {env.reason.clone().map(|r| view! { <span class="reason">{r}</span> })}
            </td>
            <td>{if env.state == tengu_core::domain::ReviewEnvState::Running {
                view! { <a href=env.url.clone() rel="noopener">{env.url.clone()}</a> }.into_any()
            } else {
                view! { <span class="muted">{env.url.clone()}</span> }.into_any()
            }}</td>
            <td class="nowrap">{age}</td>
            <td><time datetime=iso(env.last_push_at)>{when(env.last_push_at)}</time></td>
            <td class="nowrap">{expires}</td>
            <td class="nowrap">
                {if live { button("stop", "Stop").into_any() } else { button("start", "Start").into_any() }}
                {button("rebuild", "Rebuild")}
                {(in_sandbox && live).then(|| view! { <SandboxRowButtons number=number.clone() simulate/> })}
            </td>
        </tr>
    }
}

/// In the sandbox: push to or close this pull request on the simulated GitHub.
#[component]
fn SandboxRowButtons(number: String, simulate: ServerAction<SimulateFeaturePr>) -> impl IntoView {
    let (push_number, close_number) = (number.clone(), number);
    view! {
        <ActionForm action=simulate attr:class="inline-form">
            <input type="hidden" name="change" value="push"/>
            <input type="hidden" name="number" value=push_number/>
            <button type="submit" title="Simulate a push to this pull request">"Push"</button>
        </ActionForm>
        <ActionForm action=simulate attr:class="inline-form">
            <input type="hidden" name="change" value="close"/>
            <input type="hidden" name="number" value=close_number/>
            <button type="submit" title="Simulate closing this pull request">"Close"</button>
        </ActionForm>
    }
}

#[component]
fn Strangers(view: ReviewEnvsView, stop_stranger: ServerAction<StopStrangerTask>) -> impl IntoView {
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
                    <ActionForm action=stop_stranger attr:class="inline-form">
                        <input type="hidden" name="cluster" value=cluster/>
                        <input type="hidden" name="arn" value=arn/>
                        <button type="submit" disabled=disabled title=title>"Stop"</button>
                    </ActionForm>
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
