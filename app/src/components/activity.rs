use leptos::prelude::*;
use tengu_core::domain::AuditEntry;

use crate::components::avatar::Avatar;
use crate::format::{iso, when};

/// Audit entries as sentences: who did what to which thing, when.
#[component]
pub fn ActivityList(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">"Nothing has happened yet."</p> }.into_any();
    }
    view! {
        <ul class="activity">
            {entries
                .into_iter()
                .map(|entry| {
                    view! {
                        <li>
                            <span class="person"><Avatar login=entry.actor.clone()/><strong>{entry.actor.clone()}</strong></span>
                            " " {entry.action.describe()} " "
                            <span>{entry.target.clone()}</span>
                            <span class="muted">{format!(" — {}", entry.detail)}</span>
                            " · " <time datetime=iso(entry.at)>{when(entry.at)}</time>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
