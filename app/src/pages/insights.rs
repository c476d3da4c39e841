//! `/insights`: the four keys of one environment over a period, each with its trend against the period before,
//! the deployments per day (or week) as a chart with the same numbers in a table, where the time goes, and the
//! failures with what restored them. Every point links to the deployments behind it.

use chrono::{Duration, NaiveDate};
use leptos::prelude::*;
use tengu_core::display::span;
use tengu_core::insights::{DayCount, Insights};
use tengu_core::screens::{INSIGHT_RANGES, InsightsQuery, InsightsView};

use super::{Shown, Visit};
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::error_notice::ErrorNotice;
use crate::server_glue::sentence;

pub async fn show(visit: &Visit<'_>) -> Shown {
    let query = visit.query;
    let asked = InsightsQuery {
        env: query.get("env"),
        range: query.get("range"),
        from: query.get("from"),
        to: query.get("to"),
    };
    match visit.tengu().insights_page(visit.viewer, &asked).await.map_err(sentence) {
        Ok(view) => {
            let main = drawn(view, &asked);
            Shown::of("Insights", main)
        }
        Err(message) => Shown::of(
            "Insights",
            view! {
                <Breadcrumbs here="insights"/>
                <header class="page-header"><h1>"Insights"</h1></header>
                <ErrorNotice message/>
            },
        )
        .kept_if(false),
    }
}

fn drawn(view: InsightsView, asked: &InsightsQuery) -> impl IntoView + use<> {
    let what = format!(
        "How often and how safely {} ships to {}, {} to {}.",
        view.repo, view.env, view.first_day, view.last_day
    );
    let previous = match view.range_days {
        Some(days) => format!("the {days} days before"),
        None => "the same number of days before".to_owned(),
    };
    let env = view.env.to_string();
    view! {
        <Breadcrumbs here="insights"/>
        <header class="page-header">
            <h1>"Insights"</h1>
            <p class="muted">{what} " How each number is computed: the README's \"Insights\"."</p>
        </header>
        {picker(&view, asked)}
        <section class="insight-cards" aria-label="The four keys">
            {frequency_card(&view.now, &view.before, &previous)}
            {lead_time_card(&view.now, &view.before, &previous)}
            {failure_card(&view.now, &view.before, &previous)}
            {restore_card(&view.now, &view.before, &previous)}
        </section>
        {chart(&view.now.frequency.days, &env)}
        {stages(&view.now)}
        {failures(&view.now)}
    }
}

fn picker(view: &InsightsView, asked: &InsightsQuery) -> impl IntoView + use<> {
    let envs = view
        .environments
        .iter()
        .map(|env| {
            let selected = *env == view.env;
            view! { <option value=env.to_string() selected=selected>{env.to_string()}</option> }
        })
        .collect_view();
    let ranges = INSIGHT_RANGES
        .iter()
        .map(|days| {
            let selected = view.range_days == Some(*days);
            view! { <option value=days.to_string() selected=selected>{format!("last {days} days")}</option> }
        })
        .collect_view();
    let raw = |field: &Option<String>| field.clone().unwrap_or_default();
    let csv = match (&asked.from, &asked.to) {
        (Some(from), Some(to)) if !from.is_empty() && !to.is_empty() => {
            format!("/insights.csv?env={}&from={from}&to={to}", view.env)
        }
        _ => format!("/insights.csv?env={}&range={}", view.env, view.range_days.unwrap_or(30)),
    };
    view! {
        <form method="get" action="/insights" class="filters" aria-label="Choose the environment and the period">
            <label>"Environment " <select name="env">{envs}</select></label>
            <label>"Period " <select name="range">{ranges}</select></label>
            <label>"or from " <input type="date" name="from" value=raw(&asked.from)/></label>
            <label>"to " <input type="date" name="to" value=raw(&asked.to)/></label>
            <button type="submit">"Show"</button>
            <a href=csv download="insights.csv">"Download CSV"</a>
        </form>
    }
}

/// A card: its title, its number, its bucket and how it moved.
fn card(title: &'static str, value: String, bucket: Option<&'static str>, trend: String) -> impl IntoView + use<> {
    view! {
        <article class="panel insight-card">
            <h2>{title}</h2>
            <p class="insight-card__value">{value}</p>
            {bucket.map(|bucket| view! { <p><span class="badge">{bucket}</span></p> })}
            <p class="muted">{trend}</p>
        </article>
    }
}

fn frequency_card(now: &Insights, before: &Insights, previous: &str) -> impl IntoView + use<> {
    let (n, b) = (now.frequency.deployments, before.frequency.deployments);
    let value = format!("{n} successful deployments ({:.1} a day)", now.frequency.per_day);
    card("Deployment frequency", value, Some(now.frequency.bucket.as_str()), format!("{b} in {previous}"))
}

fn lead_time_card(now: &Insights, before: &Insights, previous: &str) -> impl IntoView + use<> {
    let lead = &now.lead_time;
    let value = match (lead.median_from_commit, lead.median_from_merge) {
        (Some(commit), _) => format!(
            "median {} from the first commit (90th percentile {})",
            span(commit.num_seconds()),
            lead.p90_from_commit.map(|d| span(d.num_seconds())).unwrap_or_default()
        ),
        (None, Some(merge)) => format!("median {} from the merge", span(merge.num_seconds())),
        (None, None) => "not known: tengu has no commit or merge times of these changes".to_owned(),
    };
    let trend = match before.lead_time.median_from_commit.or(before.lead_time.median_from_merge) {
        Some(median) => format!("median {} in {previous}", span(median.num_seconds())),
        None => format!("nothing to compare in {previous}"),
    };
    card("Lead time for changes", value, lead.bucket.map(|b| b.as_str()), trend)
}

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.0} %", r * 100.0)).unwrap_or_else(|| "no deployments".to_owned())
}

fn failure_card(now: &Insights, before: &Insights, previous: &str) -> impl IntoView + use<> {
    let rate = &now.failure_rate;
    let value = format!("{} ({} of {} deployments)", percent(rate.rate), rate.failed.len(), rate.deployments);
    card("Change failure rate", value, rate.bucket, format!("{} in {previous}", percent(before.failure_rate.rate)))
}

fn restore_card(now: &Insights, before: &Insights, previous: &str) -> impl IntoView + use<> {
    let restore = &now.restore;
    let restored = restore.restorations.iter().filter(|r| r.took.is_some()).count();
    let value = match restore.median {
        Some(median) => format!("median {} ({restored} restored)", span(median.num_seconds())),
        None => "nothing failed".to_owned(),
    };
    let trend = match before.restore.median {
        Some(median) => format!("median {} in {previous}", span(median.num_seconds())),
        None => format!("nothing to restore in {previous}"),
    };
    card("Time to restore", value, restore.bucket.map(|b| b.as_str()), trend)
}

/// One bar of the chart: the days it covers and the deployments in them.
struct Bar {
    first: NaiveDate,
    last: NaiveDate,
    deployments: usize,
}

/// Days, or weeks when there are more than 92 days.
fn bars(days: &[DayCount]) -> Vec<Bar> {
    let width = if days.len() > 92 { 7 } else { 1 };
    days.chunks(width)
        .map(|chunk| Bar {
            first: chunk[0].day,
            last: chunk[chunk.len() - 1].day,
            deployments: chunk.iter().map(|d| d.deployments.len()).sum(),
        })
        .collect()
}

fn chart(days: &[DayCount], env: &str) -> impl IntoView + use<> {
    let bars = bars(days);
    let per = if bars.first().is_some_and(|b| b.first != b.last) { "week" } else { "day" };
    let highest = bars.iter().map(|b| b.deployments).max().unwrap_or(0).max(1) as f64;
    let step = 600.0 / bars.len().max(1) as f64;
    let link = |bar: &Bar| format!("/deployments?env={env}&state=succeeded&from={}&to={}", bar.first, bar.last);
    let label = |bar: &Bar| match bar.first == bar.last {
        true => format!("{}: {}", bar.first, bar.deployments),
        false => format!("{} to {}: {}", bar.first, bar.last, bar.deployments),
    };
    // A day without deployments has no bar (and no link to nothing).
    let drawn = bars
        .iter()
        .enumerate()
        .filter(|(_, bar)| bar.deployments > 0)
        .map(|(at, bar)| {
            let height = 120.0 * bar.deployments as f64 / highest;
            let (x, y, w) = (at as f64 * step + step * 0.1, 130.0 - height, step * 0.8);
            view! {
                <a href=link(bar) aria-label=label(bar)>
                    <rect class="insight-bar" x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height=format!("{height:.1}")>
                        <title>{label(bar)}</title>
                    </rect>
                </a>
            }
        })
        .collect_view();
    let rows = bars
        .iter()
        .map(|bar| view! {
            <tr><th scope="row">{if bar.first == bar.last { bar.first.to_string() } else { format!("{} to {}", bar.first, bar.last) }}</th>
            <td><a href=link(bar)>{bar.deployments}</a></td></tr>
        })
        .collect_view();
    let title = format!("Successful deployments per {per}");
    view! {
        <section class="panel" aria-labelledby="per-day-title">
            <h2 id="per-day-title">{title.clone()}</h2>
            // Not an image but a group of links, one per bar, each named by its day and count (the table below says the
            // same for whoever prefers a table).
            <svg class="insight-chart" viewBox="0 0 600 140" preserveAspectRatio="none">
                <line x1="0" y1="130" x2="600" y2="130" class="insight-axis"/>
                {drawn}
            </svg>
            <details>
                <summary>"The same as a table"</summary>
                <div class="table-wrap"><table class="table">
                    <thead><tr><th scope="col">{per.to_owned()}</th><th scope="col">"Successful deployments"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table></div>
            </details>
        </section>
    }
}

fn shown(duration: Option<Duration>) -> String {
    duration.map(|d| span(d.num_seconds())).unwrap_or_else(|| "not known".to_owned())
}

fn stages(now: &Insights) -> impl IntoView + use<> {
    let rows = now
        .stages
        .waits
        .iter()
        .map(|wait| view! {
            <tr><th scope="row">{wait.stage.as_str()}</th><td>{shown(wait.median)}</td><td>{shown(wait.p90)}</td><td>{wait.changes}</td></tr>
        })
        .collect_view();
    let authors = now
        .stages
        .verification_by_author
        .iter()
        .map(|author| view! {
            <tr><th scope="row">{format!("@{}", author.author)}</th><td>{span(author.median.num_seconds())}</td><td>{author.changes}</td></tr>
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="stages-title">
            <h2 id="stages-title">"Where the time goes"</h2>
            <div class="table-wrap"><table class="table">
                <thead><tr><th scope="col">"Stage"</th><th scope="col">"Median"</th><th scope="col">"90th percentile"</th><th scope="col">"Changes"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
            <h3>"Waiting for their author's tick, longest first"</h3>
            <div class="table-wrap"><table class="table">
                <thead><tr><th scope="col">"Author"</th><th scope="col">"Median wait"</th><th scope="col">"Changes"</th></tr></thead>
                <tbody>{authors}</tbody>
            </table></div>
        </section>
    }
}

fn failures(now: &Insights) -> impl IntoView + use<> {
    let rows = now
        .failure_rate
        .failed
        .iter()
        .map(|(id, kind)| {
            let restored = now.restore.restorations.iter().find(|r| r.failed == *id);
            let by = restored
                .and_then(|r| r.by)
                .map(|by| view! { <a href=format!("/deployments/{by}")>{format!("#{by}")}</a> });
            let took = shown(restored.and_then(|r| r.took));
            view! {
                <tr>
                    <th scope="row"><a href=format!("/deployments/{id}")>{format!("#{id}")}</a></th>
                    <td>{kind.sentence()}</td><td>{by}</td><td>{took}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="failures-title">
            <h2 id="failures-title">"Failed deployments"</h2>
            <div class="table-wrap"><table class="table">
                <thead><tr><th scope="col">"Deployment"</th><th scope="col">"Why it counts"</th><th scope="col">"Restored by"</th><th scope="col">"After"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        </section>
    }
}
