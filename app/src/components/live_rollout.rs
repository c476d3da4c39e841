//! An environment's newest deployment as it happens: the bar of running/desired tasks, each service's PRIMARY and
//! ACTIVE deployments, pending and failed counts, ECS's events and stopped tasks. It follows the server's
//! event stream once the page is hydrated.

use leptos::prelude::*;
use tengu_core::domain::{Deployment, EcsDeploymentStatus, EnvName, RolloutSnapshot};

use crate::components::badge::Badge;
use crate::format::{deployment_tone, iso, when};

/// Running over desired tasks of the deployment's own revisions, across its services.
fn tasks(deployment: &Deployment) -> (u32, u32) {
    let mut running = 0;
    let mut desired = 0;
    for (i, snapshot) in deployment.rollout.iter().enumerate() {
        let ours = deployment.task_definitions.get(i);
        let primary = snapshot.primary();
        desired += primary.map(|d| d.desired).unwrap_or(0);
        running += snapshot
            .deployments
            .iter()
            .filter(|d| Some(&d.task_definition) == ours && d.status == EcsDeploymentStatus::Primary)
            .map(|d| d.running)
            .sum::<u32>();
    }
    (running, desired)
}

#[component]
pub fn LiveRollout(env: EnvName, deployment: RwSignal<Option<Deployment>>) -> impl IntoView {
    follow(&env, deployment);
    move || match deployment.get() {
        None => view! { <p class="empty">"Nothing has been deployed here yet."</p> }.into_any(),
        Some(d) => view! { <RolloutPanel deployment=d/> }.into_any(),
    }
}

#[component]
fn RolloutPanel(deployment: Deployment) -> impl IntoView {
    let d = deployment;
    let (running, desired) = tasks(&d);
    let percent = (running * 100).checked_div(desired).unwrap_or(0).min(100);
    let label = if d.rollout.is_empty() {
        "waiting for ECS".to_owned()
    } else {
        format!("{running} of {desired} tasks running the new revision")
    };
    let taken_at = d.rollout.iter().map(|s| s.taken_at.timestamp_millis()).max().unwrap_or(0);
    let services = d.rollout.iter().cloned().map(|snapshot| view! { <ServiceState snapshot/> }).collect_view();
    view! {
        <div class="live" data-deployment=d.id.to_string() data-state=d.state.as_str() data-taken-at=taken_at.to_string()>
            <p>
                <a href=format!("/deployments/{}", d.id)>{format!("Deployment {}", d.id)}</a>
                " · " <code>{d.image.to_string()}</code> " · " {d.actor.clone()} " · "
                <time datetime=iso(d.requested_at)>{when(d.requested_at)}</time>
                " "
                <Badge tone=deployment_tone(d.state) label=d.state.label().to_owned()/>
                {d.reason.clone().map(|r| view! { <span class="reason">{r}</span> })}
            </p>
            <div class="progress" class:progress--done=percent == 100>
                <div
                    class="progress__bar"
                    role="progressbar"
                    aria-valuemin="0"
                    aria-valuemax="100"
                    aria-valuenow=percent.to_string()
                    aria-label=label.clone()
                >
                    <span class="progress__fill" style=format!("width: {percent}%")></span>
                </div>
                <span class="progress__label">{format!("{percent} % · {label}")}</span>
            </div>
            {services}
        </div>
    }
}

/// One service as ECS last described it: its deployments, events, and stopped tasks with their reasons.
#[component]
pub fn ServiceState(snapshot: RolloutSnapshot) -> impl IntoView {
    let deployments = snapshot
        .deployments
        .iter()
        .filter(|d| d.status != EcsDeploymentStatus::Inactive)
        .map(|d| {
            let state = d.rollout_state.map(|s| format!("{s:?}")).unwrap_or_else(|| "—".to_owned());
            view! {
                <tr>
                    <td>{format!("{:?}", d.status).to_uppercase()}</td>
                    <td><code>{d.task_definition.short().to_owned()}</code></td>
                    <td>{format!("{}/{}", d.running, d.desired)}</td>
                    <td>{d.pending}</td>
                    <td>{d.failed_tasks}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    let events = snapshot
        .events
        .iter()
        .rev()
        .map(|e| view! { <li><time datetime=iso(e.at)>{when(e.at)}</time> " " {e.message.clone()}</li> })
        .collect_view();
    let stopped = snapshot
        .stopped_tasks
        .iter()
        .map(|t| view! { <li><code>{t.task_arn.clone()}</code> " — " {t.stopped_reason.clone()}</li> })
        .collect_view();
    view! {
        <section class="service" aria-label=format!("service {}", snapshot.service)>
            <h3>{snapshot.service.to_string()}</h3>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th scope="col">"Deployment"</th><th scope="col">"Revision"</th><th scope="col">"Running"</th>
                        <th scope="col">"Pending"</th><th scope="col">"Failed"</th><th scope="col">"Rollout"</th>
                    </tr></thead>
                    <tbody>{deployments}</tbody>
                </table>
            </div>
            <details open>
                <summary>"Service events"</summary>
                <ul class="plain-list">{events}</ul>
            </details>
            {(!snapshot.stopped_tasks.is_empty()).then(|| view! {
                <details open>
                    <summary>"Stopped tasks"</summary>
                    <ul class="plain-list">{stopped}</ul>
                </details>
            })}
        </section>
    }
}

/// Listens to `/api/environments/<env>/live` and puts each frame in `deployment`; closed with the component.
#[cfg(feature = "hydrate")]
fn follow(env: &EnvName, deployment: RwSignal<Option<Deployment>>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Ok(source) = web_sys::EventSource::new(&format!("/api/environments/{env}/live")) else { return };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<Option<Deployment>>(&text) {
            Ok(frame) => deployment.set(frame),
            Err(error) => leptos::logging::warn!("a live frame tengu could not read: {error}"),
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let open = send_wrapper::SendWrapper::new((source, on_message));
    on_cleanup(move || open.take().0.close());
}

#[cfg(not(feature = "hydrate"))]
fn follow(_: &EnvName, _: RwSignal<Option<Deployment>>) {}
