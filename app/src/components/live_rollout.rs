//! An environment's newest deployment as it happens: the bar of running/desired tasks, each service's PRIMARY and
//! ACTIVE deployments, pending and failed counts, ECS's events and stopped tasks. Drawn by the server, again for
//! each frame of the environment's event stream; every word and number comes formatted from core.

use leptos::prelude::*;
use tengu_core::views::{LiveDeployment, LiveService};

use crate::components::badge::Badge;
use crate::contract;

#[component]
pub fn RolloutPanel(deployment: LiveDeployment) -> impl IntoView {
    let d = deployment;
    let percent = d.percent;
    let services = d.services.into_iter().map(|service| view! { <ServiceState service/> }).collect_view();
    view! {
        <div class="live" data-deployment=d.id.to_string() data-state=d.state data-taken-at=d.taken_at_ms.to_string()>
            <p>
                <a href=format!("/deployments/{}", d.id)>{format!("Deployment {}", d.id)}</a>
                " · " <code>{d.image}</code> " · " {d.actor} " · "
                <time datetime=d.requested_at.iso>{d.requested_at.shown}</time>
                " "
                <Badge tone=d.tone label=d.state_label/>
                {d.reason.map(|r| view! { <span class="reason">{r}</span> })}
            </p>
            <div class="progress" class:progress--done=percent == 100>
                <div
                    class="progress__bar"
                    role="progressbar"
                    aria-valuemin="0"
                    aria-valuemax="100"
                    aria-valuenow=percent.to_string()
                    aria-label=d.progress_label.clone()
                >
                    <span class="progress__fill" style=format!("width: {percent}%")></span>
                </div>
                <span class="progress__label">{format!("{percent} % · {}", d.progress_label)}</span>
            </div>
            {services}
        </div>
    }
}

/// One service as ECS last described it: its deployments, events, and stopped tasks with their reasons.
#[component]
pub fn ServiceState(service: LiveService) -> impl IntoView {
    let deployments = service
        .deployments
        .into_iter()
        .map(|d| {
            view! {
                <tr>
                    <td>{d.status}</td>
                    <td><code>{d.revision}</code></td>
                    <td>{d.tasks}</td>
                    <td>{d.pending}</td>
                    <td>{d.failed}</td>
                    <td>{d.rollout}</td>
                </tr>
            }
        })
        .collect_view();
    let events = service
        .events
        .into_iter()
        .map(|e| view! { <li><time datetime=e.at.iso>{e.at.shown}</time> " " {e.message}</li> })
        .collect_view();
    let has_stopped = !service.stopped_tasks.is_empty();
    let stopped = service
        .stopped_tasks
        .into_iter()
        .map(|t| view! { <li><code>{t.task_arn}</code> " — " {t.reason}</li> })
        .collect_view();
    view! {
        <section class="service" aria-label=format!("service {}", service.name)>
            <h3>{service.name.clone()}</h3>
            {service.ecs_alarms.map(|watched| view! { <p class="muted">{watched}</p> })}
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th scope="col">"Deployment"</th><th scope="col">"Revision"</th><th scope="col">"Running"</th>
                        <th scope="col">"Pending"</th><th scope="col">"Failed"</th><th scope="col">"Rollout"</th>
                    </tr></thead>
                    <tbody>{deployments}</tbody>
                </table>
            </div>
            <details open {..contract::flag(contract::DRAWN_OPEN)}>
                <summary>"Service events"</summary>
                <ul class="plain-list">{events}</ul>
            </details>
            {has_stopped.then(|| view! {
                <details open {..contract::flag(contract::DRAWN_OPEN)}>
                    <summary>"Stopped tasks"</summary>
                    <ul class="plain-list">{stopped}</ul>
                </details>
            })}
        </section>
    }
}
