use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use tengu_core::domain::{ChecklistItem, Deployment};
use tengu_core::views::LiveService;

use crate::api::load_deployment;
use crate::components::badge::Badge;
use crate::components::error_notice::ErrorNotice;
use crate::components::live_rollout::ServiceState;
use crate::format::{deployment_tone, duration, error_text, iso, when};

/// One deployment: what shipped where, who started it, how it ended, and what ECS last said.
#[component]
pub fn DeploymentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let deployment = Resource::new(id, |id| async move {
        let id = id.ok_or_else(|| "that is not a deployment number".to_owned())?;
        load_deployment(id).await.map_err(|e| error_text(&e))
    });
    view! {
        <Title text="Deployment"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match deployment.await {
                    Ok(page) => view! { <DeploymentView deployment=page.deployment shipped=page.shipped/> }.into_any(),
                    Err(message) => view! { <ErrorNotice message/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeploymentView(deployment: Deployment, shipped: Vec<ChecklistItem>) -> impl IntoView {
    let d = deployment;
    let title = format!("Deployment {} to {}", d.id, d.env);
    let took = d.duration_seconds().map(duration).unwrap_or_else(|| "still running".to_owned());
    let revisions = |arns: &[tengu_core::domain::TaskDefinitionArn]| {
        if arns.is_empty() {
            "—".to_owned()
        } else {
            arns.iter().map(|a| a.short().to_owned()).collect::<Vec<_>>().join(", ")
        }
    };
    // Each step lasted until the next one began; the last one is where it ended (or stands).
    let timeline = d
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let lasted = d.steps.get(i + 1).map(|next| duration((next.at - step.at).num_seconds().max(0)));
            let ended = i + 1 == d.steps.len() && d.finished_at.is_some();
            view! {
                <li>
                    <strong>{if ended { format!("{} (end)", step.state.label()) } else { step.state.label().to_owned() }}</strong>
                    " " <time datetime=iso(step.at)>{when(step.at)}</time>
                    {lasted.map(|l| view! { <span class="muted">{format!(" · {l}")}</span> })}
                </li>
            }
        })
        .collect_view();
    let services =
        d.rollout.iter().map(|snapshot| view! { <ServiceState service=LiveService::of(snapshot)/> }).collect_view();
    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            <span aria-hidden="true">" / "</span>
            <span>{format!("deployment {}", d.id)}</span>
        </nav>
        <header class="page-header">
            <h1>{title}</h1>
            <p>
                <Badge tone=deployment_tone(d.state) label=d.state.label().to_owned()/>
                {d.reason.clone().map(|r| view! { <span class="reason">{r}</span> })}
            </p>
        </header>
        <section class="panel" aria-labelledby="what-title">
            <h2 id="what-title">"What and who"</h2>
            <dl class="facts">
                <dt>"Image"</dt><dd><code>{d.image.to_string()}</code></dd>
                <dt>"Commit"</dt><dd>{d.sha.as_ref().map(|s| s.short().to_owned()).unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"Environment"</dt><dd><a href=format!("/environments/{}", d.env)>{d.env.to_string()}</a></dd>
                <dt>"Started by"</dt><dd>{format!("{} ({})", d.actor, d.trigger.as_str())}</dd>
                <dt>"Audit log"</dt>
                <dd><a href=format!("/audit?about=deployment%20{}", d.id)>"every entry about this deployment"</a></dd>
                {d.approved_by.clone().map(|by| view! { <dt>"Approved by"</dt><dd>{by}</dd> })}
                <dt>"Requested"</dt><dd><time datetime=iso(d.requested_at)>{when(d.requested_at)}</time></dd>
                <dt>"Took"</dt><dd>{took}</dd>
                <dt>"Task definitions"</dt><dd>{revisions(&d.task_definitions)}</dd>
                <dt>"Before"</dt><dd>{revisions(&d.previous_task_definitions)}</dd>
                <dt>"Source PRs"</dt>
                <dd>
                    {d.source_prs.is_empty().then_some("—")}
                    {d.source_prs.iter().map(|n| view! {
                        <a class="pr-link" href=format!("https://github.com/{}/pull/{}", d.repo, n.get())>{format!("#{}", n.get())}</a>
                        " "
                    }).collect_view()}
                </dd>
            </dl>
        </section>
        {(!shipped.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="shipped-title">
                <h2 id="shipped-title">{format!("What shipped (deploy PR #{})", d.deploy_pr.map(|n| n.get()).unwrap_or_default())}</h2>
                <ul class="plain-list shipped">
                    {shipped.iter().map(|item| {
                        let s = &item.source;
                        let verified = item.verified.as_ref().map(|v| format!("verified by {}", v.by)).unwrap_or_else(|| "not verified".to_owned());
                        view! {
                            <li>
                                <a href=format!("https://github.com/{}/pull/{}", d.repo, s.number.get())>{format!("#{}", s.number.get())}</a>
                                " " {s.title.clone()} " · @" {s.author.to_string()} " · " <span class="muted">{verified}</span>
                                <ul class="plain-list commits">
                                    {s.commits.iter().map(|c| view! { <li><code>{c.sha.short().to_owned()}</code> " " {c.headline.clone()}</li> }).collect_view()}
                                </ul>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="panel" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <ol class="timeline">{timeline}</ol>
        </section>
        <section class="panel" aria-labelledby="rollout-title">
            <h2 id="rollout-title">"What ECS said last"</h2>
            {if d.rollout.is_empty() { Some(view! { <p class="empty">"ECS has not been asked yet."</p> }) } else { None }}
            {services}
        </section>
    }
}
