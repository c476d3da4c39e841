use leptos::either::Either;
use leptos::prelude::*;
use tengu_core::domain::DeploymentId;
use tengu_core::views::DeploymentView;

use super::{Shown, Visit};
use crate::components::badge::Badge;
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::live_rollout::ServiceState;
use crate::contract;
use crate::server_glue::sentence;

/// One deployment: what shipped where, who started it, how it ended, and what ECS last said.
pub async fn show(visit: &Visit<'_>, id: &str) -> Shown {
    let Ok(id) = id.parse::<i64>() else {
        return Shown::failed("Deployment", "that is not a deployment number".to_owned());
    };
    match visit.tengu().deployment_view(visit.viewer, DeploymentId(id)).await {
        Ok(page) => {
            let title = format!("Deployment {} to {}", page.id, page.env);
            Shown::of(title.clone(), view! { <DeploymentDetails page title/> })
        }
        Err(error) => Shown::failed("Deployment", sentence(error)),
    }
}

#[component]
fn DeploymentDetails(page: DeploymentView, title: String) -> impl IntoView {
    let mut d = page;
    let timeline = std::mem::take(&mut d.timeline)
        .into_iter()
        .map(|step| {
            view! {
                <li>
                    <strong>{step.label}</strong>
                    " " <time datetime=step.at.iso>{step.at.shown}</time>
                    {step.lasted.map(|l| view! { <span class="muted">{format!(" · {l}")}</span> })}
                </li>
            }
        })
        .collect_view();
    let rollout = std::mem::take(&mut d.rollout);
    let has_rollout = !rollout.is_empty();
    let services = rollout.into_iter().map(|service| view! { <ServiceState service/> }).collect_view();
    let shipped = std::mem::take(&mut d.shipped);
    let checks = std::mem::take(&mut d.checks);
    let shipped_title =
        d.deploy_pr.as_ref().map(|pr| format!("What shipped (deploy PR {})", pr.label)).unwrap_or_default();
    let (tone, state, reason) = (std::mem::take(&mut d.tone), std::mem::take(&mut d.state), d.reason.take());
    view! {
        <Breadcrumbs here={format!("deployment {}", d.id)}/>
        <header class="page-header">
            <h1>{title}</h1>
            <p id="deployment-state" {..contract::flag(contract::REGION)}>
                <Badge tone=tone label=state/>
                {reason.map(|r| view! { <span class="reason">{r}</span> })}
            </p>
        </header>
        <DeploymentFacts d/>
        {(!shipped.is_empty()).then(|| view! { <ShippedChanges title=shipped_title shipped/> })}
        // Drawn again while it rolls out and verifies (the page's live stream swaps these regions in).
        <section class="panel" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <ol class="timeline" id="deployment-timeline" {..contract::flag(contract::REGION)}>{timeline}</ol>
        </section>
        <div id="deployment-checks" {..contract::flag(contract::REGION)}>
            {(!checks.is_empty()).then(|| view! { <VerificationChecks checks/> })}
        </div>
        <section class="panel" aria-labelledby="rollout-title">
            <h2 id="rollout-title">"What ECS said last"</h2>
            <div id="deployment-rollout" {..contract::flag(contract::REGION)}>
                {(!has_rollout).then(|| view! { <p class="empty">"ECS has not been asked yet."</p> })}
                {services}
            </div>
        </section>
    }
}

/// What was deployed, where, by whom, and what it replaced.
#[component]
fn DeploymentFacts(d: DeploymentView) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="what-title">
            <h2 id="what-title">"What and who"</h2>
            <dl class="facts">
                <dt>"Image"</dt><dd><code>{d.image}</code></dd>
                <dt>"Commit"</dt>
                <dd>{match d.commit {
                    Some(commit) => Either::Left(view! { <a href=commit.url><code>{commit.label}</code></a> }),
                    None => Either::Right(view! { <span class="muted">"commit unknown"</span> }),
                }}</dd>
                <dt>"Environment"</dt><dd><a href=format!("/environments/{}", d.env)>{d.env.clone()}</a></dd>
                <dt>"Started by"</dt><dd>{d.started_by}</dd>
                <dt>"Audit log"</dt>
                <dd><a href=format!("/audit?about=deployment%20{}", d.id)>"every entry about this deployment"</a></dd>
                {d.approved_by.map(|by| view! { <dt>"Approved by"</dt><dd>{by}</dd> })}
                <dt>"Requested"</dt><dd><time datetime=d.requested.iso>{d.requested.shown}</time></dd>
                <dt>"Took"</dt><dd>{d.took}</dd>
                <dt>"Task definitions"</dt><dd><Links links=d.task_definitions/></dd>
                <dt>"Before"</dt><dd><Links links=d.before/></dd>
                <dt>"Deploy PR"</dt>
                <dd>{match (d.deploy_pr, d.deploy_pr_on_github) {
                    (Some(page), Some(github)) => view! {
                        <a href=page.url>{page.label}</a> " (" <a href=github.url>"on GitHub"</a> ")"
                    }.into_any(),
                    _ => "—".into_any(),
                }}</dd>
                <dt>"Source PRs"</dt><dd><Links links=d.source_prs/></dd>
                <dt>"Commits shipped"</dt>
                <dd>{match d.compare {
                    Some(compare) => Either::Left(view! { <a href=compare.url><code>{compare.label}</code></a> }),
                    None => Either::Right(view! { <span class="muted">"commit unknown"</span> }),
                }}</dd>
            </dl>
        </section>
    }
}

/// The source PRs a deployment shipped, each with its commits.
#[component]
fn ShippedChanges(title: String, shipped: Vec<tengu_core::views::ShippedChange>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="shipped-title">
            <h2 id="shipped-title">{title}</h2>
            <ul class="plain-list shipped">
                {shipped.into_iter().map(|change| view! {
                    <li>
                        <a href=change.pr.url>{change.pr.label}</a>
                        " " {change.title} " · @" {change.author} " · " <span class="muted">{change.verified}</span>
                        " · " <a href=change.deployments>"every deployment that carried it"</a>
                        <ul class="plain-list commits">
                            {change.commits.into_iter().map(|c| view! { <li><code>{c.sha}</code> " " {c.headline}</li> }).collect_view()}
                        </ul>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Links separated by commas, or a dash when there are none.
#[component]
fn Links(links: Vec<tengu_core::views::Link>) -> impl IntoView {
    let empty = links.is_empty().then_some("—");
    let last = links.len().saturating_sub(1);
    let shown = links
        .into_iter()
        .enumerate()
        .map(|(i, link)| view! { <a href=link.url>{link.label}</a> {(i < last).then_some(", ")} })
        .collect_view();
    view! { {empty} {shown} }
}

/// What the verification's checks answered: one row per check.
#[component]
fn VerificationChecks(checks: Vec<tengu_core::views::CheckLine>) -> impl IntoView {
    let rows = checks
        .into_iter()
        .map(|line| {
            let (tone, said) = if line.last_passed { ("good", "passed") } else { ("bad", "failed") };
            view! {
                <tr>
                    <th scope="row">{line.check}</th>
                    <td>{line.answers}</td>
                    <td>{line.failed}</td>
                    <td><Badge tone=tone.to_owned() label=said.to_owned()/> " " {line.last_answer}</td>
                    <td><time datetime=line.last_at.iso>{line.last_at.shown}</time></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="checks-title">
            <h2 id="checks-title">"Verification"</h2>
            <table>
                <thead>
                    <tr><th scope="col">"Check"</th><th scope="col">"Answers"</th><th scope="col">"Failed"</th><th scope="col">"Last answer"</th><th scope="col">"At"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
