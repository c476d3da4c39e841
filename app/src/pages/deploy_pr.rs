use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use tengu_core::domain::{Login, PrNumber, RepoSlug};
use tengu_core::views::{ChecklistLine, CommitLine, DeployPrView};

use crate::api::{
    OverrideGate, SetVerification, SimulateGithubEdit, load_body_on_github, load_deploy_pr, load_site_info,
};
use crate::components::activity::ActivityList;
use crate::components::avatar::Avatar;
use crate::components::deployment_table::DeploymentTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::gate::GatePanel;
use crate::components::progress::VerificationProgress;
use crate::format::error_text;

#[component]
pub fn DeployPrPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server_glue::page_made_of(tengu_core::screens::made_of::DEPLOY_PR);
    let params = use_params_map();
    let toggle = ServerAction::<SetVerification>::new();
    let decide = ServerAction::<OverrideGate>::new();
    let simulate = ServerAction::<SimulateGithubEdit>::new();
    let site = Resource::new(|| (), |_| load_site_info());
    // A tick, an override or a (simulated) edit on GitHub is a plain form: it comes back to this page, drawn anew.
    let key = move || {
        params.with(|p| {
            let repo = RepoSlug::from_parts(&p.get("owner").unwrap_or_default(), &p.get("name").unwrap_or_default());
            let number = PrNumber::parse(&p.get("number").unwrap_or_default());
            repo.and_then(|repo| number.map(|number| (repo, number))).map_err(|e| e.to_string())
        })
    };
    let pr = Resource::new(key, |target| async move {
        let (repo, number) = target?;
        load_deploy_pr(repo, number).await.map_err(|e| error_text(&e))
    });
    // The body as GitHub holds it, shown beside the sandbox's simulated edits.
    let body = Resource::new(key, |target| async move {
        let (repo, number) = target?;
        load_body_on_github(repo, number).await.map_err(|e| error_text(&e))
    });
    view! {
        <Title text="Deploy PR"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match pr.await {
                    Ok(page) => {
                        let people = site.await.ok().filter(|info| info.sandbox).map(|info| info.people);
                        let body = body.await.unwrap_or_default();
                        let edit = people.map(|people| view! { <SimulatedGithubEdit page=page.clone() people body simulate/> });
                        view! { <DeployPrPageView page toggle decide/> {edit} }.into_any()
                    }
                    Err(message) => view! { <ErrorNotice message/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeployPrPageView(
    page: DeployPrView,
    toggle: ServerAction<SetVerification>,
    decide: ServerAction<OverrideGate>,
) -> impl IntoView {
    let DeployPrView {
        repo,
        number,
        name,
        title,
        env,
        branches,
        verified,
        total,
        gate,
        items,
        direct_commits,
        history,
        deployments,
    } = page;
    let audit_link = format!("/audit?about={}%23{}", repo.replace('/', "%2F"), number);
    let failure = move || {
        let toggled = toggle.value().get().and_then(|result| result.err());
        let decided = decide.value().get().and_then(|result| result.err());
        toggled.or(decided).map(|e| error_text(&e))
    };
    let items = items
        .into_iter()
        .map(|item| view! { <ItemRow repo=repo.clone() deploy_pr=number item toggle/> })
        .collect_view();
    let direct = (!direct_commits.is_empty()).then(|| {
        view! {
            <section class="panel" aria-labelledby="direct-title">
                <h2 id="direct-title">"Commits without a pull request"</h2>
                <CommitList commits=direct_commits/>
            </section>
        }
    });
    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            <span aria-hidden="true">" / "</span>
            <span>{name}</span>
        </nav>
        <header class="page-header">
            <h1>{title}</h1>
            <p class="muted">
                <span class="env-tag">{env}</span>
                {format!(" {branches}")}
            </p>
            <VerificationProgress verified total/>
        </header>
        {move || failure().map(|message| view! { <ErrorNotice message/> })}
        <GatePanel repo=repo.clone() number gate action=decide/>
        <section class="panel" aria-labelledby="items-title">
            <h2 id="items-title">"What ships"</h2>
            <p class="muted">"Each author verifies their change on the environment, then ticks its box. The deploy waits for every box."</p>
            <ul class="checklist">{items}</ul>
        </section>
        {direct}
        <section class="panel" aria-labelledby="deployments-title">
            <h2 id="deployments-title">"Deployments that shipped it"</h2>
            <DeploymentTable deployments/>
        </section>
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <p><a href=audit_link>"In the audit log"</a></p>
            <ActivityList entries=history/>
        </section>
    }
}

#[component]
fn ItemRow(repo: String, deploy_pr: u64, item: ChecklistLine, toggle: ServerAction<SetVerification>) -> impl IntoView {
    let ChecklistLine { number, title, author, verified, refusal, commits, deployments } = item;
    let may = refusal.is_none();
    let hint = refusal.clone().unwrap_or_default();
    let is_verified = verified.is_some();
    let label = format!("Verified #{number} {title}");
    let count = commits.len();
    view! {
        <li class="checklist__item" class:checklist__item--done=is_verified>
            <ActionForm action=toggle attr:class="checklist__form">
                <input type="hidden" name="repo" value=repo/>
                <input type="hidden" name="deploy_pr" value=deploy_pr.to_string()/>
                <input type="hidden" name="item" value=number.to_string()/>
                <input type="hidden" name="verified" value=(!is_verified).to_string()/>
                <button
                    type="submit"
                    class="tick"
                    role="checkbox"
                    aria-checked=is_verified.to_string()
                    aria-label=label
                    disabled=!may
                    title=hint
                >
                    <span aria-hidden="true">{if is_verified { "✓" } else { "" }}</span>
                </button>
            </ActionForm>
            <div class="checklist__body">
                <p class="checklist__title">
                    <span class="muted">{format!("#{number}")}</span>
                    " "
                    <strong>{title}</strong>
                </p>
                <p class="checklist__meta">
                    <span class="person"><Avatar login=author.clone()/>{format!("@{author}")}</span>
                    {match verified {
                        Some(v) => view! {
                            <span class="verified-by">
                                "verified by " <strong>{v.by}</strong> " · "
                                <time datetime=v.at.iso>{v.at.shown}</time>
                            </span>
                        }.into_any(),
                        None => view! { <span class="waiting-tag">"not verified yet"</span> }.into_any(),
                    }}
                </p>
                {refusal.map(|why| view! { <p class="muted refusal">{why}</p> })}
                <p class="checklist__trace"><a href=deployments>"Deployments that carried it"</a></p>
                <details class="commits">
                    <summary>{format!("{count} commit{}", if count == 1 { "" } else { "s" })}</summary>
                    <CommitList commits/>
                </details>
            </div>
        </li>
    }
}

/// Sandbox only: what a person ticking a box on GitHub's page would do, delivered to tengu as GitHub's webhook.
#[component]
fn SimulatedGithubEdit(
    page: DeployPrView,
    people: Vec<Login>,
    body: String,
    simulate: ServerAction<SimulateGithubEdit>,
) -> impl IntoView {
    let failure = move || simulate.value().get().and_then(|result| result.err()).map(|e| error_text(&e));
    let items = page
        .items
        .iter()
        .map(|item| {
            let number = item.number.to_string();
            view! { <option value=number.clone()>{format!("#{number} {}", item.title)}</option> }
        })
        .collect_view();
    let people = people
        .into_iter()
        .map(|login| view! { <option value=login.to_string()>{format!("@{login}")}</option> })
        .collect_view();
    view! {
        <section class="panel panel--sandbox" aria-labelledby="github-edit-title">
            <h2 id="github-edit-title">"Sandbox: edit the checklist on GitHub"</h2>
            <p class="muted">
                "Tick or untick a box as someone editing the deploy PR on GitHub. tengu hears of it through the same "
                "pull_request.edited webhook GitHub sends."
            </p>
            {move || failure().map(|message| view! { <ErrorNotice message/> })}
            <ActionForm action=simulate attr:class="inline-form">
                <input type="hidden" name="repo" value=page.repo.clone()/>
                <input type="hidden" name="deploy_pr" value=page.number.to_string()/>
                <label>"Item " <select name="item">{items}</select></label>
                <label>"As " <select name="person">{people}</select></label>
                <label>
                    "Box "
                    <select name="verified">
                        <option value="true">"ticked"</option>
                        <option value="false">"unticked"</option>
                    </select>
                </label>
                <button type="submit" class="button">"Save on GitHub"</button>
            </ActionForm>
            <details class="github-body">
                <summary>"The body as GitHub holds it"</summary>
                <pre>{body}</pre>
            </details>
        </section>
    }
}

#[component]
fn CommitList(commits: Vec<CommitLine>) -> impl IntoView {
    view! {
        <ul class="commit-list">
            {commits
                .into_iter()
                .map(|c| {
                    view! {
                        <li>
                            <code>{c.sha}</code>
                            " " {c.headline}
                            {c.author.map(|a| view! { <span class="muted">{format!(" @{a}")}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
