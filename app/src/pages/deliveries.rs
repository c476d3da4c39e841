use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::views::DeliveryLine;

use super::{Shown, Visit};
use crate::api::RetryDelivery;
use crate::components::badge::Badge;
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::error_notice::ErrorNotice;
use crate::server_glue::sentence;

/// `/settings/deliveries`: GitHub webhook deliveries whose handling failed — retrying ones with their next try,
/// parked ones with a Retry button — about the repositories the person administers.
pub async fn show(visit: &Visit<'_>) -> Shown {
    let rows = match visit.tengu().troubled_deliveries(visit.viewer).await {
        Ok(rows) => rows.iter().map(DeliveryLine::from).collect::<Vec<_>>(),
        Err(error) => return Shown::failed("Webhook deliveries", sentence(error)),
    };
    let failure = visit.query.refusal_of::<RetryDelivery>();
    let kept = failure.is_none();
    Shown::of(
        "Webhook deliveries",
        view! {
            <Breadcrumbs here="webhook deliveries"/>
            <header class="page-header">
                <h1>"Webhook deliveries"</h1>
                <p class="muted">
                    "Deliveries from GitHub whose handling failed (GitHub or the database could not be reached). tengu \
                     tries each again with a growing wait; after the last try it waits here for a Retry. Deliveries \
                     about one pull request are applied in the order GitHub sent them."
                </p>
                <p><a href="/settings/checks">"Check the configuration against GitHub and AWS"</a></p>
            </header>
            {failure.map(|message| view! { <ErrorNotice message/> })}
            <DeliveriesTable rows/>
        },
    )
    .kept_if(kept)
}

#[component]
fn DeliveriesTable(rows: Vec<DeliveryLine>) -> impl IntoView {
    if rows.is_empty() {
        return Either::Left(
            view! { <p class="empty">"No delivery is failing. Every delivery GitHub sent was handled or waits its turn."</p> },
        );
    }
    let lines = rows.into_iter().map(|row| view! { <DeliveryRow row/> }).collect_view();
    Either::Right(view! {
        <table class="table">
            <thead>
                <tr><th>"Received"</th><th>"Event"</th><th>"About"</th><th>"State"</th><th>"Tries"</th><th>"Last error"</th><th></th></tr>
            </thead>
            <tbody>{lines}</tbody>
        </table>
    })
}

#[component]
fn DeliveryRow(row: DeliveryLine) -> impl IntoView {
    let next = row.next_try.map(|at| view! { <span>" · next try " <time datetime=at.iso>{at.shown}</time></span> });
    let id = row.delivery_id.clone();
    let button = row.failed.then(move || {
        view! {
            <form method="post" action=RetryDelivery::url() class="inline-form">
                <input type="hidden" name="delivery_id" value=id/>
                <button type="submit" class="button button--small">"Retry"</button>
            </form>
        }
    });
    view! {
        <tr data-delivery=row.delivery_id>
            <td><time datetime=row.received.iso>{row.received.shown}</time></td>
            <td><code>{row.event}</code></td>
            <td>{row.about}</td>
            <td><Badge tone=row.tone label=row.state/>{next}</td>
            <td>{row.attempts.to_string()}</td>
            <td>{row.last_error}</td>
            <td>{button}</td>
        </tr>
    }
}
