use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use tengu_core::domain::{ChecklistItem, Commit, DeployPr, PrNumber, RepoSlug};

use crate::api::{OverrideGate, SetVerification, load_deploy_pr, load_deploy_pr_history};
use crate::components::activity::ActivityList;
use crate::components::avatar::Avatar;
use crate::components::error_notice::ErrorNotice;
use crate::components::gate::GatePanel;
use crate::components::progress::VerificationProgress;
use crate::format::{error_text, iso, when};

#[component]
pub fn DeployPrPage() -> impl IntoView {
    let params = use_params_map();
    let toggle = ServerAction::<SetVerification>::new();
    let decide = ServerAction::<OverrideGate>::new();
    // Both the page and its history reload after a tick or an override.
    let key = move || {
        let target = params.with(|p| {
            let repo = RepoSlug::from_parts(&p.get("owner").unwrap_or_default(), &p.get("name").unwrap_or_default());
            let number = PrNumber::parse(&p.get("number").unwrap_or_default());
            repo.and_then(|repo| number.map(|number| (repo, number))).map_err(|e| e.to_string())
        });
        (target, toggle.version().get(), decide.version().get())
    };
    let pr = Resource::new(key, |(target, _, _)| async move {
        let (repo, number) = target?;
        load_deploy_pr(repo, number).await.map_err(|e| error_text(&e))
    });
    let history = Resource::new(key, |(target, _, _)| async move {
        let (repo, number) = target?;
        load_deploy_pr_history(repo, number).await.map_err(|e| error_text(&e))
    });
    view! {
        <Title text="Deploy PR"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match pr.await {
                    Ok(pr) => view! { <DeployPrView pr toggle decide/> }.into_any(),
                    Err(message) => view! { <ErrorNotice message/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                history.await.ok().map(|entries| view! {
                    <section class="panel" aria-labelledby="history-title">
                        <h2 id="history-title">"History"</h2>
                        <ActivityList entries/>
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
fn DeployPrView(
    pr: DeployPr,
    toggle: ServerAction<SetVerification>,
    decide: ServerAction<OverrideGate>,
) -> impl IntoView {
    let verified = pr.verified_count();
    let total = pr.items.len();
    let title = pr.title.clone();
    let failure = move || {
        let toggled = toggle.value().get().and_then(|result| result.err());
        let decided = decide.value().get().and_then(|result| result.err());
        toggled.or(decided).map(|e| error_text(&e))
    };
    let items = pr.items.iter().map(|item| view! { <ItemRow pr=pr.clone() item=item.clone() toggle/> }).collect_view();
    let direct = (!pr.direct_commits.is_empty()).then(|| {
        view! {
            <section class="panel" aria-labelledby="direct-title">
                <h2 id="direct-title">"Commits without a pull request"</h2>
                <CommitList commits=pr.direct_commits.clone()/>
            </section>
        }
    });
    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            <span aria-hidden="true">" / "</span>
            <span>{format!("{}{}", pr.repo, pr.number)}</span>
        </nav>
        <header class="page-header">
            <h1>{title}</h1>
            <p class="muted">
                <span class="env-tag">{pr.env.to_string()}</span>
                {format!(" {} ← {} · {}", pr.base, pr.head, pr.state.as_str())}
            </p>
            <VerificationProgress verified total/>
        </header>
        {move || failure().map(|message| view! { <ErrorNotice message/> })}
        <GatePanel pr=pr.clone() action=decide/>
        <section class="panel" aria-labelledby="items-title">
            <h2 id="items-title">"What ships"</h2>
            <p class="muted">"Each author verifies their change on the environment, then ticks its box. The deploy waits for every box."</p>
            <ul class="checklist">{items}</ul>
        </section>
        {direct}
    }
}

#[component]
fn ItemRow(pr: DeployPr, item: ChecklistItem, toggle: ServerAction<SetVerification>) -> impl IntoView {
    let source = item.source.clone();
    let is_verified = item.verified.is_some();
    let label = format!("Verified {} {}", source.number, source.title);
    let commits = source.commits.len();
    let pending = toggle.pending();
    view! {
        <li class="checklist__item" class:checklist__item--done=is_verified>
            <ActionForm action=toggle attr:class="checklist__form">
                <input type="hidden" name="repo" value=pr.repo.to_string()/>
                <input type="hidden" name="deploy_pr" value=pr.number.get().to_string()/>
                <input type="hidden" name="item" value=source.number.get().to_string()/>
                <input type="hidden" name="verified" value=(!is_verified).to_string()/>
                <button
                    type="submit"
                    class="tick"
                    role="checkbox"
                    aria-checked=is_verified.to_string()
                    aria-label=label
                    aria-busy=move || pending.get().to_string()
                >
                    <span aria-hidden="true">{if is_verified { "✓" } else { "" }}</span>
                </button>
            </ActionForm>
            <div class="checklist__body">
                <p class="checklist__title">
                    <span class="muted">{source.number.to_string()}</span>
                    " "
                    <strong>{source.title.clone()}</strong>
                </p>
                <p class="checklist__meta">
                    <span class="person"><Avatar login=source.author.to_string()/>{format!("@{}", source.author)}</span>
                    {match item.verified.clone() {
                        Some(v) => view! {
                            <span class="verified-by">
                                "verified by " <strong>{v.by}</strong> " · "
                                <time datetime=iso(v.at)>{when(v.at)}</time>
                            </span>
                        }.into_any(),
                        None => view! { <span class="waiting-tag">"not verified yet"</span> }.into_any(),
                    }}
                </p>
                <details class="commits">
                    <summary>{format!("{commits} commit{}", if commits == 1 { "" } else { "s" })}</summary>
                    <CommitList commits=source.commits.clone()/>
                </details>
            </div>
        </li>
    }
}

#[component]
fn CommitList(commits: Vec<Commit>) -> impl IntoView {
    view! {
        <ul class="commit-list">
            {commits
                .into_iter()
                .map(|c| {
                    view! {
                        <li>
                            <code>{c.sha.short().to_owned()}</code>
                            " " {c.headline.clone()}
                            {c.author.map(|a| view! { <span class="muted">{format!(" @{a}")}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
