use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::domain::{Login, PrNumber, RepoSlug};
use tengu_core::views::{ChecklistLine, CommitLine, DeployPrView};

use super::{Shown, Visit};
use crate::api::{OverrideGate, SetVerification, SimulateGithubEdit};
use crate::components::activity::ActivityList;
use crate::components::avatar::Avatar;
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::deployment_table::DeploymentTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::gate::GatePanel;
use crate::components::progress::VerificationProgress;
use crate::server_glue::sentence;

/// A deploy PR: what ships grouped by source PR, each author's box, the gate, and what shipped it. A tick, an
/// override or a (simulated) edit on GitHub is a plain form: it comes back to this page, drawn anew.
pub async fn show(visit: &Visit<'_>, owner: &str, name: &str, number: &str) -> Shown {
    let asked = RepoSlug::from_parts(owner, name).and_then(|repo| PrNumber::parse(number).map(|number| (repo, number)));
    let (repo, number) = match asked {
        Ok(asked) => asked,
        Err(error) => return Shown::failed("Deploy PR", error.to_string()),
    };
    let page = match visit.tengu().deploy_pr_view(visit.viewer, &repo, number).await {
        Ok(page) => page,
        Err(error) => return Shown::failed("Deploy PR", sentence(error)),
    };
    // In the sandbox, the body as its simulated GitHub holds it, beside the simulated edits.
    let mut edit = None;
    if let Some(github) = &visit.doors.sandbox_github {
        let body = github.0.body(&repo, number).await.unwrap_or_default();
        edit = Some((visit.doors.people.0.clone(), body));
    }
    let refused = visit
        .query
        .refusal_of::<SetVerification>()
        .or_else(|| visit.query.refusal_of::<OverrideGate>())
        .or_else(|| visit.query.refusal_of::<SimulateGithubEdit>());
    let kept = refused.is_none();
    let title = page.title.clone();
    let edit = edit.map(|(people, body)| view! { <SimulatedGithubEdit page=page.clone() people body/> });
    Shown::of(title, view! { <DeployPrPageView page refused/> {edit} }).kept_if(kept)
}

#[component]
fn DeployPrPageView(page: DeployPrView, refused: Option<String>) -> impl IntoView {
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
        ships,
    } = page;
    let review = ships.map(|sha| {
        view! {
            <form method="post" action=format!("/environments/{env}/review") class="inline-form">
                <input type="hidden" name="press" value="deploy"/>
                <input type="hidden" name="input" value=sha/>
                <input type="hidden" name="look" value="only"/>
                <button type="submit">"What will change on ECS"</button>
            </form>
        }
    });
    let audit_link = format!("/audit?about={}%23{}", repo.replace('/', "%2F"), number);
    let items =
        items.into_iter().map(|item| view! { <ItemRow repo=repo.clone() deploy_pr=number item/> }).collect_view();
    let direct = (!direct_commits.is_empty()).then(|| {
        view! {
            <section class="panel" aria-labelledby="direct-title">
                <h2 id="direct-title">"Commits without a pull request"</h2>
                <CommitList commits=direct_commits/>
            </section>
        }
    });
    view! {
        <Breadcrumbs here={name}/>
        <header class="page-header">
            <h1>{title}</h1>
            <p class="muted">
                <span class="env-tag">{env}</span>
                {format!(" {branches}")}
            </p>
            <VerificationProgress verified total/>
            {review}
        </header>
        {refused.map(|message| view! { <ErrorNotice message/> })}
        <GatePanel repo=repo.clone() number gate/>
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
fn ItemRow(repo: String, deploy_pr: u64, item: ChecklistLine) -> impl IntoView {
    let ChecklistLine { number, title, author, verified, refusal, commits, deployments } = item;
    let may = refusal.is_none();
    let hint = refusal.clone().unwrap_or_default();
    let is_verified = verified.is_some();
    let label = format!("Verified #{number} {title}");
    let count = commits.len();
    view! {
        <li class="checklist__item" class:checklist__item--done=is_verified>
            <form method="post" action=SetVerification::url() class="checklist__form">
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
            </form>
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
fn SimulatedGithubEdit(page: DeployPrView, people: Vec<Login>, body: String) -> impl IntoView {
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
            <form method="post" action=SimulateGithubEdit::url() class="inline-form">
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
            </form>
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
