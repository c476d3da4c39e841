use leptos::form::ActionForm;
use leptos::prelude::*;
use tengu_core::domain::{DeployPr, Gate};

use crate::api::OverrideGate;
use crate::components::badge::Badge;
use crate::format::{iso, when};

/// Whether the deploy may go: the same words as the `tengu/verification` status on GitHub, and, while it waits,
/// the written override.
#[component]
pub fn GatePanel(pr: DeployPr, action: ServerAction<OverrideGate>, refusal: Option<String>) -> impl IntoView {
    let gate = Gate::of(&pr);
    let description = gate.description();
    let (tone, label) = match &gate {
        Gate::Waiting { .. } => ("busy", "Waiting for verification"),
        Gate::Verified { .. } => ("good", "Ready to deploy"),
        Gate::Overridden(_) => ("good", "Overridden"),
    };
    let decided = match &gate {
        Gate::Overridden(decision) => Some(view! {
            <p class="muted">"Decided " <time datetime=iso(decision.at)>{when(decision.at)}</time></p>
        }),
        _ => None,
    };
    let can_override = matches!(gate, Gate::Waiting { .. }) && refusal.is_none();
    let refused = refusal.filter(|_| matches!(gate, Gate::Waiting { .. }));
    view! {
        <section class="panel gate" aria-labelledby="gate-title">
            <h2 id="gate-title">"Verification gate"</h2>
            <p>
                <Badge tone label=label.to_owned()/>
                " " <span class="gate__description">{description}</span>
            </p>
            {decided}
            {refused.map(|why| view! { <p class="muted refusal">{why}</p> })}
            {can_override.then(|| view! {
                <details class="gate__override">
                    <summary>"Override the gate…"</summary>
                    <ActionForm action attr:class="gate__form">
                        <input type="hidden" name="repo" value=pr.repo.to_string()/>
                        <input type="hidden" name="deploy_pr" value=pr.number.get().to_string()/>
                        <label for="override-reason">"Why should this deploy go ahead before every change is verified?"</label>
                        <textarea id="override-reason" name="reason" rows="3" required minlength="10"></textarea>
                        <button type="submit" class="button">"Override and allow the deploy"</button>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}
