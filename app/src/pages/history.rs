use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use tengu_core::domain::{DeploymentFilter, DeploymentId, DeploymentState, EnvName};

use crate::api::load_history;
use crate::components::deployment_table::DeploymentTable;
use crate::components::error_notice::ErrorNotice;
use crate::format::{day_start, error_text};

const PAGE: u32 = 25;

/// Every deployment, newest first, filtered by environment, state, who and when; pages go back by id.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        query.with(|q| {
            let text = |key: &str| q.get(key).filter(|v| !v.trim().is_empty());
            let day = |key: &str| day_start(text(key).as_deref());
            DeploymentFilter {
                env: text("env").and_then(|v| EnvName::parse(&v).ok()),
                state: text("state").and_then(|v| DeploymentState::parse(&v)),
                actor: text("actor").map(|v| v.trim().to_owned()),
                since: day("from"),
                // The "to" day is included: the filter ends at the start of the day after.
                until: day("to").map(|t| t + chrono::Duration::days(1)),
                before: text("before").and_then(|v| v.parse().ok()).map(DeploymentId),
                unfinished: false,
                limit: PAGE,
            }
        })
    };
    let raw = move |key: &'static str| move || query.with(|q| q.get(key).unwrap_or_default());
    let deployments =
        Resource::new(filter, |filter| async move { load_history(filter).await.map_err(|e| error_text(&e)) });
    let states = DeploymentState::ALL
        .into_iter()
        .map(|s| {
            let selected = move || query.with(|q| q.get("state").as_deref() == Some(s.as_str()));
            view! { <option value=s.as_str() selected=selected>{s.label()}</option> }
        })
        .collect_view();
    view! {
        <Title text="Deployments"/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            <span aria-hidden="true">" / "</span>
            <span>"deployments"</span>
        </nav>
        <header class="page-header"><h1>"Deployments"</h1></header>
        <form method="get" action="/deployments" class="filters" role="search" aria-label="Filter deployments">
            <label>"Environment " <input type="text" name="env" size="12" value=raw("env")/></label>
            <label>"State "
                <select name="state"><option value="">"any"</option>{states}</select>
            </label>
            <label>"By " <input type="text" name="actor" size="12" value=raw("actor")/></label>
            <label>"From " <input type="date" name="from" value=raw("from")/></label>
            <label>"To " <input type="date" name="to" value=raw("to")/></label>
            <button type="submit">"Filter"</button>
            <a href="/deployments">"Clear"</a>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match deployments.await {
                    Ok(found) => {
                        let older = (found.len() as u32 == PAGE).then(|| found.last().map(|d| d.id)).flatten();
                        let next = older.map(|id| {
                            let mut params: Vec<(String, String)> = query.with_untracked(|q| {
                                ["env", "state", "actor", "from", "to"]
                                    .into_iter()
                                    .filter_map(|k| q.get(k).map(|v| (k.to_owned(), v)))
                                    .collect()
                            });
                            params.push(("before".to_owned(), id.0.to_string()));
                            let href = params
                                .iter()
                                .map(|(k, v)| format!("{k}={}", encode(v)))
                                .collect::<Vec<_>>()
                                .join("&");
                            view! { <p><a href=format!("/deployments?{href}") rel="next">"Older deployments"</a></p> }
                        });
                        view! { <DeploymentTable deployments=found/> {next} }.into_any()
                    }
                    Err(message) => view! { <ErrorNotice message/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Enough URL encoding for filter values (names, states, dates).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
