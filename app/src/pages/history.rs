use leptos::either::Either;
use leptos::prelude::*;
use tengu_core::domain::DeploymentState;
use tengu_core::screens::HISTORY_PAGE;
use tengu_core::views::HistoryQuery;

use super::{Shown, Visit};
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::deployment_table::DeploymentTable;
use crate::components::error_notice::ErrorNotice;
use crate::server_glue::sentence;

/// Every deployment, newest first, filtered by environment, repository, state, who started it, a source pull
/// request, the author of a change it carried, a commit and dates; pages go back by id; the same rows as CSV.
pub async fn show(visit: &Visit<'_>) -> Shown {
    let query = visit.query;
    let asked = HistoryQuery::from_params(|key| query.get(key));
    let found = visit.tengu().history_page(visit.viewer, &asked).await.map_err(sentence);
    let kept = found.is_ok();
    let raw = |key: &str| query.get(key).unwrap_or_default();
    let chosen = query.get("state");
    let states = DeploymentState::ALL
        .into_iter()
        .map(|s| {
            let selected = chosen.as_deref() == Some(s.as_str());
            view! { <option value=s.as_str() selected=selected>{s.label()}</option> }
        })
        .collect_view();
    let filters = asked.query_string();
    let csv = if filters.is_empty() { "/deployments.csv".to_owned() } else { format!("/deployments.csv?{filters}") };
    let rows = match found {
        Ok(found) => {
            let older = (found.len() as u32 == HISTORY_PAGE).then(|| found.last().map(|d| d.id)).flatten();
            let next = older.map(|id| {
                let href = format!("/deployments?{}", asked.next_page(id));
                view! { <p><a href=href rel="next">"Older deployments"</a></p> }
            });
            Either::Left(view! { <DeploymentTable deployments=found go_back=true/> {next} })
        }
        Err(message) => Either::Right(view! { <ErrorNotice message/> }),
    };
    Shown::of(
        "Deployments",
        view! {
            <Breadcrumbs here="deployments"/>
            <header class="page-header"><h1>"Deployments"</h1></header>
            <form method="get" action="/deployments" class="filters" role="search" aria-label="Filter deployments">
                <label>"Environment " <input type="text" name="env" size="12" value=raw("env")/></label>
                <label>"Repository " <input type="text" name="repo" size="16" placeholder="acme/shop" value=raw("repo")/></label>
                <label>"State "
                    <select name="state"><option value="">"any"</option>{states}</select>
                </label>
                <label>"Started by " <input type="text" name="actor" size="12" value=raw("actor")/></label>
                <label>"Pull request " <input type="text" name="pr" size="10" placeholder="#123" value=raw("pr")/></label>
                <label>"Change by " <input type="text" name="author" size="12" value=raw("author")/></label>
                <label>"Commit " <input type="text" name="commit" size="10" placeholder="SHA" value=raw("commit")/></label>
                <label>"From " <input type="date" name="from" value=raw("from")/></label>
                <label>"To " <input type="date" name="to" value=raw("to")/></label>
                <button type="submit">"Filter"</button>
                <a href="/deployments">"Clear"</a>
                <a href=csv download="deployments.csv">"Download CSV"</a>
            </form>
            {rows}
        },
    )
    .kept_if(kept)
}
