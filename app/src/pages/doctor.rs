//! `/settings/checks`: `tengu doctor`'s checks in the dashboard, for the admins of a repository tengu deploys.
//! The page only offers the button; the checks ask GitHub and ECS, so they are drawn for the press (a POST), like a
//! review, and never kept.

use leptos::prelude::*;
use tengu_core::usecases::Finding;

use super::{Shown, Visit};
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::error_notice::ErrorNotice;
use crate::server_glue::sentence;

const TITLE: &str = "Checks";

/// The page with its button.
pub fn show(_visit: &Visit<'_>) -> Shown {
    Shown::of(TITLE, view! { <ChecksView found=None/> })
}

/// The checks, run for the press.
pub async fn run(visit: &Visit<'_>) -> Shown {
    let found = visit.tengu().doctor_for(visit.viewer).await.map_err(sentence);
    Shown::of(TITLE, view! { <ChecksView found=Some(found)/> }).kept_if(false)
}

#[component]
fn ChecksView(found: Option<Result<Vec<Finding>, String>>) -> impl IntoView {
    let result = found.map(|found| match found {
        Ok(findings) => view! { <FindingList findings/> }.into_any(),
        Err(message) => view! { <ErrorNotice message/> }.into_any(),
    });
    view! {
        <Breadcrumbs here="checks"/>
        <header class="page-header">
            <h1>{TITLE}</h1>
            <p class="muted">
                "The configuration checked against reality, as " <code>"tengu doctor"</code> " does: the database, \
                 each environment's repository on GitHub, its cluster and services on ECS, and the images, roles and \
                 log groups what its services run names, the review environments' task definition and network, \
                 and Slack's bot and channels. For the admins of a repository tengu deploys; it asks GitHub, ECS \
                 and Slack, so it runs when you press."
            </p>
            <form method="post" action="/settings/checks" class="inline-form">
                <button type="submit" class="button button--primary">"Run the checks"</button>
            </form>
        </header>
        {result}
    }
}

#[component]
fn FindingList(findings: Vec<Finding>) -> impl IntoView {
    let failed = findings.iter().filter(|finding| !finding.passed).count();
    let summary = format!("{} checks, {failed} failed", findings.len());
    let rows = findings
        .into_iter()
        .map(|finding| {
            let (mark, class) =
                if finding.passed { ("✓ passed", "badge badge--good") } else { ("✗ failed", "badge badge--bad") };
            view! {
                <tr>
                    <td><span class=class>{mark}</span></td>
                    <th scope="row">{finding.subject}</th>
                    <td>{finding.sentence}</td>
                    <td>{finding.fix.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="findings-title">
            <h2 id="findings-title">{summary}</h2>
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr><th scope="col">"Result"</th><th scope="col">"Check"</th><th scope="col">"Found"</th><th scope="col">"Fix"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}
