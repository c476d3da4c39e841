use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use tengu_core::views::DeliveryLine;

use crate::api::{RetryDelivery, load_troubled_deliveries};
use crate::components::badge::Badge;
use crate::components::error_notice::ErrorNotice;
use crate::format::error_text;

/// `/settings/deliveries`: GitHub webhook deliveries whose handling failed — retrying ones with their next try,
/// parked ones with a Retry button — about the repositories the person administers.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    // The deliveries are shown here alone of every page.
    #[cfg(feature = "ssr")]
    crate::server_glue::page_made_of(tengu_core::screens::made_of::DELIVERIES);
    let retry = ServerAction::<RetryDelivery>::new();
    let rows = Resource::new(
        move || retry.version().get(),
        |_| async move { load_troubled_deliveries().await.map_err(|e| error_text(&e)) },
    );
    let failure =
        move || retry.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=error_text(&e)/> });
    view! {
        <Title text="Webhook deliveries"/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            <span aria-hidden="true">" / "</span>
            <span>"webhook deliveries"</span>
        </nav>
        <header class="page-header">
            <h1>"Webhook deliveries"</h1>
            <p class="muted">
                "Deliveries from GitHub whose handling failed (GitHub or the database could not be reached). tengu \
                 tries each again with a growing wait; after the last try it waits here for a Retry. Deliveries \
                 about one pull request are applied in the order GitHub sent them."
            </p>
        </header>
        {failure}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => view! { <DeliveriesTable rows retry/> }.into_any(),
                    Err(message) => view! { <ErrorNotice message/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeliveriesTable(rows: Vec<DeliveryLine>, retry: ServerAction<RetryDelivery>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No delivery is failing. Every delivery GitHub sent was handled or waits its turn."</p> }
            .into_any();
    }
    let lines = rows.into_iter().map(|row| view! { <DeliveryRow row retry/> }).collect_view();
    view! {
        <table class="table">
            <thead>
                <tr><th>"Received"</th><th>"Event"</th><th>"About"</th><th>"State"</th><th>"Tries"</th><th>"Last error"</th><th></th></tr>
            </thead>
            <tbody>{lines}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn DeliveryRow(row: DeliveryLine, retry: ServerAction<RetryDelivery>) -> impl IntoView {
    let next = row.next_try.map(|at| view! { <span>" · next try " <time datetime=at.iso>{at.shown}</time></span> });
    let id = row.delivery_id.clone();
    let button = row.failed.then(move || {
        view! {
            <ActionForm action=retry attr:class="inline-form">
                <input type="hidden" name="delivery_id" value=id/>
                <button type="submit" class="button button--small">"Retry"</button>
            </ActionForm>
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
