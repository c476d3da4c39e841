use leptos::either::Either;
use leptos::prelude::*;
use tengu_core::domain::{AuditAction, AuditFilter, EnvName};
use tengu_core::views::AuditLine;

use super::{Query, Shown, Visit};
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::error_notice::ErrorNotice;
use crate::format::day_start;
use crate::server_glue::sentence;

const PAGE: u32 = 50;

/// The filter the address asks for.
fn filter_of(query: &Query) -> AuditFilter {
    let text = |key: &str| query.get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let day = |key: &str| day_start(text(key).as_deref());
    AuditFilter {
        actor: text("person"),
        env: text("env").and_then(|v| EnvName::parse(v).ok()),
        action: text("action").and_then(|v| AuditAction::parse(&v)),
        about: text("about"),
        since: day("from"),
        until: day("to").map(|t| t + chrono::Duration::days(1)),
        before: text("before").and_then(|v| v.parse().ok()),
        limit: PAGE,
    }
}

/// `/audit`: every sign-in, refusal, tick, override, approval, button, token change, reminder and deployment,
/// filtered by person, environment, action, thing and dates; pages go back by entry. Anyone signed in: entries
/// about the repositories they may see, and their own.
pub async fn show(visit: &Visit<'_>) -> Shown {
    let query = visit.query;
    let rows = visit.tengu().audit_page(visit.viewer, &filter_of(query)).await.map_err(sentence);
    let kept = rows.is_ok();
    let raw = |key: &str| query.get(key).unwrap_or_default();
    let chosen = query.get("action");
    let actions = AuditAction::ALL
        .into_iter()
        .map(|a| {
            let selected = chosen.as_deref() == Some(a.as_str());
            view! { <option value=a.as_str() selected=selected>{a.as_str().replace('_', " ")}</option> }
        })
        .collect_view();
    let table = match rows {
        Ok(rows) => {
            let rows: Vec<AuditLine> = rows.iter().map(AuditLine::from).collect();
            let next = next_page(query, rows.last().map(|r| r.id));
            Either::Left(view! { <AuditTable rows next/> })
        }
        Err(message) => Either::Right(view! { <ErrorNotice message/> }),
    };
    Shown::of(
        "Audit log",
        view! {
            <Breadcrumbs here="audit log"/>
            <header class="page-header"><h1>"Audit log"</h1></header>
            <form method="get" action="/audit" class="filters" role="search" aria-label="Filter the audit log">
                <label>"Person " <input type="text" name="person" size="12" value=raw("person")/></label>
                <label>"Environment " <input type="text" name="env" size="10" value=raw("env")/></label>
                <label>"Action " <select name="action"><option value="">"any"</option>{actions}</select></label>
                <label>"About " <input type="text" name="about" size="18" value=raw("about") placeholder="deployment 12"/></label>
                <label>"From " <input type="date" name="from" value=raw("from")/></label>
                <label>"To " <input type="date" name="to" value=raw("to")/></label>
                <button type="submit">"Filter"</button>
            </form>
            {table}
        },
    )
    .kept_if(kept)
}

/// The next page's address, given the oldest entry shown: it keeps the filters and goes back from that entry.
fn next_page(query: &Query, older: Option<i64>) -> String {
    let mut pairs: Vec<String> = ["person", "env", "action", "about", "from", "to"]
        .into_iter()
        .filter_map(|k| query.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encode(&v))))
        .collect();
    if let Some(id) = older {
        pairs.push(format!("before={id}"));
    }
    format!("/audit?{}", pairs.join("&"))
}

/// Where an entry's target lives in the dashboard, when it has a page.
fn link_of(target: &str) -> Option<String> {
    if let Some(id) = target.strip_prefix("deployment ").and_then(|id| id.parse::<i64>().ok()) {
        return Some(format!("/deployments/{id}"));
    }
    let pr = target.split(' ').next()?;
    let (repo, number) = pr.split_once('#')?;
    let (owner, name) = repo.split_once('/')?;
    number.parse::<u64>().ok().map(|n| format!("/repos/{owner}/{name}/deploy-prs/{n}"))
}

#[component]
fn AuditTable(rows: Vec<AuditLine>, next: String) -> impl IntoView {
    if rows.is_empty() {
        return Either::Left(view! { <p class="empty">"No entries match."</p> });
    }
    let lines = rows
        .into_iter()
        .map(|e| {
            let target = match link_of(&e.target) {
                Some(href) => Either::Left(view! { <a href=href>{e.target}</a> }),
                None => Either::Right(view! { <span>{e.target}</span> }),
            };
            view! {
                <tr data-entry=e.id.to_string()>
                    <td><time datetime=e.at.iso>{e.at.shown}</time></td>
                    <td>{e.actor}</td>
                    <td>{e.action}</td>
                    <td>{target}</td>
                    <td>{e.detail}</td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <table class="table">
            <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"About"</th><th>"Detail"</th></tr></thead>
            <tbody>{lines}</tbody>
        </table>
        <p><a href=next>"Older entries"</a></p>
    })
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
