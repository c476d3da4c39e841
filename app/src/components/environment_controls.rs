//! The environment page's interactive part: the buttons, the approval panel and the live rollout. It is an
//! island, the only part of that page the browser runs; the rest of the page is HTML from the server.

use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tengu_core::domain::EnvName;
use tengu_core::views::{ButtonRefusals, LiveDeployment, RollbackChoice};

use crate::api::{AbortDeployment, ApproveDeployment, PressDeploy, PressRedeploy, PressRollback, RejectDeployment};
use crate::components::error_notice::ErrorNotice;
use crate::components::live_rollout::LiveRollout;
use crate::format::error_text;

/// What the island needs from the page, sent once with the HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlsData {
    pub env: EnvName,
    pub image_template: Option<String>,
    /// The newest deployment, whatever its outcome (the live view starts from it).
    pub latest: Option<LiveDeployment>,
    pub rollback_choices: Vec<RollbackChoice>,
    pub refusals: ButtonRefusals,
    pub you: String,
    /// Seeds the idempotency keys the buttons send (a double click carries the same key: one deployment).
    pub key_seed: String,
    /// Why the last press, sent as a plain form before the island woke, was refused (from the address).
    pub refused: Option<String>,
}

#[island]
pub fn EnvironmentControls(data: ControlsData) -> impl IntoView {
    let ControlsData { env, image_template, latest, rollback_choices, refusals, you, key_seed, refused } = data;
    let live = RwSignal::new(latest);
    let presses = RwSignal::new(0u32);
    let deploy = ServerAction::<PressDeploy>::new();
    let redeploy = ServerAction::<PressRedeploy>::new();
    let rollback = ServerAction::<PressRollback>::new();
    let abort = ServerAction::<AbortDeployment>::new();
    let approve = ServerAction::<ApproveDeployment>::new();
    let reject = ServerAction::<RejectDeployment>::new();
    // Without JavaScript a refused press comes back in the address; the server draws it from there.
    let last_error = RwSignal::new(refused);
    // A finished press shows its deployment (or why not) at once and arms the buttons with a fresh key, so the
    // next press, even after a refusal, is a new request.
    for value in [deploy.value(), redeploy.value(), rollback.value(), abort.value(), approve.value(), reject.value()] {
        Effect::new(move |_| match value.get() {
            Some(Ok(deployment)) => {
                live.set(Some(deployment));
                last_error.set(None);
                presses.update(|n| *n += 1);
            }
            Some(Err(error)) => {
                last_error.set(Some(error_text(&error)));
                presses.update(|n| *n += 1);
            }
            None => {}
        });
    }
    let seed = RwSignal::new(key_seed);
    // The server's seed may come from a page kept for a few seconds, shared by two tabs: the browser adds its own.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| seed.update(|s| s.push_str(&format!("{:x}", (js_sys::Math::random() * 1e15) as u64))));
    let key = move |kind: &'static str| move || format!("{}-{kind}-{}", seed.get(), presses.get());
    let failure = move || last_error.get().map(|message| view! { <ErrorNotice message/> });
    let busy = move || live.with(|d| d.as_ref().is_some_and(|d| !d.finished));
    let pending = move || deploy.pending().get() || redeploy.pending().get() || rollback.pending().get();
    let running_id = move || live.with(|d| d.as_ref().filter(|d| !d.finished).map(|d| d.id.to_string()));
    let name = env.to_string();
    let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
    let choices = rollback_choices
        .iter()
        .map(|choice| view! { <option value=choice.id.0.to_string()>{choice.label.clone()}</option> })
        .collect_view();
    let has_choices = !rollback_choices.is_empty();
    let (may_deploy, may_redeploy, may_rollback, may_abort) =
        (refusals.deploy.is_none(), refusals.redeploy.is_none(), refusals.rollback.is_none(), refusals.abort.is_none());
    // One sentence per distinct reason, so a viewer reads why the buttons are off.
    let mut reasons: Vec<String> =
        [&refusals.deploy, &refusals.redeploy, &refusals.rollback].into_iter().flatten().cloned().collect();
    reasons.dedup();
    let reasons = reasons.into_iter().map(|why| view! { <p class="muted refusal">{why}</p> }).collect_view();
    let abort_title = StoredValue::new(refusals.abort.clone().unwrap_or_default());
    // Approving: not one's own request, and not without the role (as the rule table said at page load).
    let approve_refusal = refusals.approve.clone();
    let waiting = move || live.with(|d| d.as_ref().filter(|d| d.awaiting_approval).cloned());
    let approval_panel = move || {
        waiting().map(|d| {
            let own = d.actor == you;
            let why = if own {
                Some("A deployment needs another person's approval; you asked for this one.".to_owned())
            } else {
                approve_refusal.clone()
            };
            let refused = why.is_some();
            let (approve_id, reject_id) = (d.id.to_string(), d.id.to_string());
            view! {
                <section class="panel approval" aria-labelledby="approval-title">
                    <h2 id="approval-title">"Waiting for approval"</h2>
                    <p>
                        {format!("{} asks to deploy {} (deployment {}). ", d.actor, d.image, d.id)}
                        "Another deployer must approve it before anything changes on ECS."
                    </p>
                    {why.map(|why| view! { <p class="muted refusal">{why}</p> })}
                    <div class="controls">
                        <ActionForm action=approve attr:class="inline-form">
                            <input type="hidden" name="id" value=approve_id/>
                            <button type="submit" class="button button--primary" disabled=refused>"Approve"</button>
                        </ActionForm>
                        <ActionForm action=reject attr:class="inline-form">
                            <input type="hidden" name="id" value=reject_id/>
                            <label>"Why not " <input type="text" name="reason" required minlength="3" size="30"/></label>
                            <button type="submit" disabled=refused>"Reject"</button>
                        </ActionForm>
                    </div>
                </section>
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="controls-title">
            <h2 id="controls-title">"Deploy"</h2>
            {failure}
            {reasons}
            <div class="controls">
                <ActionForm action=deploy attr:class="inline-form">
                    <input type="hidden" name="env" value=n1/>
                    <input type="hidden" name="key" value=key("deploy")/>
                    <label>
                        "Commit SHA or image "
                        <input
                            type="text"
                            name="input"
                            required
                            size="40"
                            placeholder=image_template.clone().unwrap_or_else(|| "registry/repo:tag".to_owned())
                        />
                    </label>
                    <button type="submit" disabled=move || !may_deploy || busy() || pending()>"Deploy"</button>
                </ActionForm>
                <ActionForm action=redeploy attr:class="inline-form">
                    <input type="hidden" name="env" value=n2/>
                    <input type="hidden" name="key" value=key("redeploy")/>
                    <button type="submit" disabled=move || !may_redeploy || busy() || pending()>"Redeploy"</button>
                </ActionForm>
                <ActionForm action=rollback attr:class="inline-form">
                    <input type="hidden" name="env" value=n3/>
                    <input type="hidden" name="key" value=key("rollback")/>
                    <label>
                        "Roll back to "
                        <select name="to" required disabled=!has_choices>{choices}</select>
                    </label>
                    <button type="submit" disabled=move || !may_rollback || !has_choices || busy() || pending()>
                        "Rollback"
                    </button>
                </ActionForm>
                {move || running_id().map(|id| view! {
                    <ActionForm action=abort attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <button
                            type="submit"
                            class="danger"
                            title=abort_title.get_value()
                            disabled=move || !may_abort || abort.pending().get()
                        >
                            "Abort"
                        </button>
                    </ActionForm>
                })}
            </div>
        </section>
        {approval_panel}
        <section class="panel" aria-labelledby="live-title">
            <h2 id="live-title">"Rollout"</h2>
            <LiveRollout env deployment=live/>
        </section>
    }
}
