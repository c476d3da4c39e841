use leptos::either::Either;
use leptos::prelude::*;
use tengu_core::views::ActivityLine;

use crate::components::avatar::Avatar;

/// Audit entries as sentences: who did what to which thing, when.
#[component]
pub fn ActivityList(entries: Vec<ActivityLine>) -> impl IntoView {
    if entries.is_empty() {
        return Either::Left(view! { <p class="empty">"Nothing has happened yet."</p> });
    }
    Either::Right(view! {
        <ul class="activity">
            {entries
                .into_iter()
                .map(|entry| {
                    view! {
                        <li>
                            <span class="person"><Avatar login=entry.actor.clone()/><strong>{entry.actor}</strong></span>
                            " " {entry.action} " "
                            <span>{entry.target}</span>
                            <span class="muted">{format!(" — {}", entry.detail)}</span>
                            " · " <time datetime=entry.at.iso>{entry.at.shown}</time>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    })
}
