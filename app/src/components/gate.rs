use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::views::GateView;

use crate::api::OverrideGate;
use crate::components::badge::Badge;

/// Whether the deploy may go: the same words as the `tengu/verification` status on GitHub, and, while it waits,
/// the written override.
#[component]
pub fn GatePanel(repo: String, number: u64, gate: GateView) -> impl IntoView {
    view! {
        <section class="panel gate" aria-labelledby="gate-title">
            <h2 id="gate-title">"Verification gate"</h2>
            <p>
                <Badge tone=gate.tone label=gate.label/>
                " " <span class="gate__description">{gate.description}</span>
            </p>
            {gate.decided.map(|at| view! { <p class="muted">"Decided " <time datetime=at.iso>{at.shown}</time></p> })}
            {gate.refusal.map(|why| view! { <p class="muted refusal">{why}</p> })}
            {gate.may_override.then(|| view! {
                <details class="gate__override">
                    <summary>"Override the gate…"</summary>
                    <form method="post" action=OverrideGate::url() class="gate__form">
                        <input type="hidden" name="repo" value=repo/>
                        <input type="hidden" name="deploy_pr" value=number.to_string()/>
                        <label for="override-reason">"Why should this deploy go ahead before every change is verified?"</label>
                        <textarea id="override-reason" name="reason" rows="3" required minlength="10"></textarea>
                        <button type="submit" class="button">"Override and allow the deploy"</button>
                    </form>
                </details>
            })}
        </section>
    }
}
