use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use tengu_core::domain::{DeploymentState, EnvName};

use crate::api::{
    AbortDeployment, ApproveDeployment, EnvironmentPageData, PressDeploy, PressRedeploy, PressRollback,
    RejectDeployment, load_environment,
};
use crate::components::deployment_table::DeploymentTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::live_rollout::LiveRollout;
use crate::format::error_text;

/// One environment: its live rollout and the buttons that change what runs.
#[component]
pub fn EnvironmentPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.with(|p| p.get("name").unwrap_or_default());
    let page = Resource::new(name, |name| async move {
        let env = EnvName::parse(&name).map_err(|e| e.to_string())?;
        load_environment(env).await.map_err(|e| error_text(&e))
    });
    view! {
        <Title text="Environment"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <EnvironmentView data/> }.into_any(),
                    Err(message) => view! { <ErrorNotice message/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EnvironmentView(data: EnvironmentPageData) -> impl IntoView {
    let EnvironmentPageData { view: env, key_seed } = data;
    let live = RwSignal::new(env.latest.clone());
    let presses = RwSignal::new(0u32);
    let deploy = ServerAction::<PressDeploy>::new();
    let redeploy = ServerAction::<PressRedeploy>::new();
    let rollback = ServerAction::<PressRollback>::new();
    let abort = ServerAction::<AbortDeployment>::new();
    let approve = ServerAction::<ApproveDeployment>::new();
    let reject = ServerAction::<RejectDeployment>::new();
    let last_error = RwSignal::new(None::<String>);
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
    let seed = StoredValue::new(key_seed);
    let key = move |kind: &'static str| move || format!("{}-{kind}-{}", seed.get_value(), presses.get());
    let failure = move || last_error.get().map(|message| view! { <ErrorNotice message/> });
    let busy = move || live.with(|d| d.as_ref().is_some_and(|d| d.finished_at.is_none()));
    let pending = move || deploy.pending().get() || redeploy.pending().get() || rollback.pending().get();
    let running_id = move || live.with(|d| d.as_ref().filter(|d| d.finished_at.is_none()).map(|d| d.id.0.to_string()));
    let name = env.name.to_string();
    let title = format!("Environment {name}");
    let (crumb, all_href, all_label) =
        (name.clone(), format!("/deployments?env={name}"), format!("All deployments of {name}"));
    let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
    let choices = env
        .rollback_choices
        .iter()
        .map(|choice| view! { <option value=choice.id.0.to_string()>{choice.label.clone()}</option> })
        .collect_view();
    let has_choices = !env.rollback_choices.is_empty();
    let running = env.running.as_ref().map(|d| format!("{} (deployment {})", d.image, d.id));
    let history = env.history.clone();
    let refusals = env.refusals.clone();
    let (may_deploy, may_redeploy, may_rollback, may_abort) =
        (refusals.deploy.is_none(), refusals.redeploy.is_none(), refusals.rollback.is_none(), refusals.abort.is_none());
    // One sentence per distinct reason, so a viewer reads why the buttons are off.
    let mut reasons: Vec<String> =
        [&refusals.deploy, &refusals.redeploy, &refusals.rollback].into_iter().flatten().cloned().collect();
    reasons.dedup();
    let reasons = reasons.into_iter().map(|why| view! { <p class="muted refusal">{why}</p> }).collect_view();
    let abort_title = StoredValue::new(refusals.abort.clone().unwrap_or_default());
    // Approving: not one's own request, and not without the role (as the rule table said at page load).
    let (you, approve_refusal) = (env.you.clone(), refusals.approve.clone());
    let waiting = move || {
        live.with(|d| {
            d.as_ref().filter(|d| d.state == DeploymentState::AwaitingApproval && d.finished_at.is_none()).cloned()
        })
    };
    let approval_panel = move || {
        waiting().map(|d| {
            let own = d.actor == you;
            let why = if own {
                Some("A deployment needs another person's approval; you asked for this one.".to_owned())
            } else {
                approve_refusal.clone()
            };
            let refused = why.is_some();
            let (approve_id, reject_id) = (d.id.0.to_string(), d.id.0.to_string());
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
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            <span aria-hidden="true">" / "</span>
            <span>{crumb}</span>
        </nav>
        <header class="page-header">
            <h1>{title}</h1>
            <p class="muted">
                {env.repo.to_string()} " · cluster " {env.cluster.to_string()} " · services "
                {env.services.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")}
            </p>
            <p>"Running: " {running.unwrap_or_else(|| "nothing deployed yet".to_owned())}</p>
        </header>
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
                            placeholder=env.image_template.clone().unwrap_or_else(|| "registry/repo:tag".to_owned())
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
            <LiveRollout env=env.name.clone() deployment=live/>
        </section>
        <section aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <p><a href=all_href>{all_label}</a></p>
            <DeploymentTable deployments=history/>
        </section>
    }
}
