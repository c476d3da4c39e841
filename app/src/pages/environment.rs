use leptos::prelude::*;
use tengu_core::domain::EnvName;

use super::{Shown, Visit};
use crate::api::{
    AbortDeployment, ApproveDeployment, LockEnvironment, PressDeploy, PressRedeploy, PressRollback, RejectDeployment,
    UnlockEnvironment,
};
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::deployment_table::DeploymentTable;
use crate::components::environment_controls::{ControlsData, EnvironmentControls};
use crate::components::lock_notice::FreezeNotice;
use crate::server_glue::sentence;

struct EnvironmentPageData {
    view: tengu_core::views::EnvironmentView,
}

/// One environment: its live rollout and the buttons that change what runs.
pub async fn show(visit: &Visit<'_>, name: &str) -> Shown {
    let env = match EnvName::parse(name) {
        Ok(env) => env,
        Err(error) => return Shown::failed("Environment", error.to_string()),
    };
    match visit.tengu().environment_view(visit.viewer, &env).await {
        Ok(view) => {
            let query = visit.query;
            let refused = query
                .refusal_of::<PressDeploy>()
                .or_else(|| query.refusal_of::<PressRedeploy>())
                .or_else(|| query.refusal_of::<PressRollback>())
                .or_else(|| query.refusal_of::<AbortDeployment>())
                .or_else(|| query.refusal_of::<ApproveDeployment>())
                .or_else(|| query.refusal_of::<RejectDeployment>())
                .or_else(|| query.refusal_of::<LockEnvironment>())
                .or_else(|| query.refusal_of::<UnlockEnvironment>());
            let kept = refused.is_none();
            let data = EnvironmentPageData { view };
            Shown::of(format!("Environment {env}"), view! { <EnvironmentView data refused/> }).kept_if(kept)
        }
        Err(error) => Shown::failed("Environment", sentence(error)),
    }
}

#[component]
fn EnvironmentView(data: EnvironmentPageData, refused: Option<String>) -> impl IntoView {
    let EnvironmentPageData { view: env } = data;
    let name = env.name.to_string();
    let title = format!("Environment {name}");
    let (crumb, all_href, all_label) =
        (name.clone(), format!("/deployments?env={name}"), format!("All deployments of {name}"));
    let running = env.running.as_ref().map(|d| format!("{} (deployment {})", d.image, d.id));
    let controls = ControlsData {
        env: env.name.clone(),
        repo: env.repo.clone(),
        image_template: env.image_template.clone(),
        latest: env.latest.clone(),
        rollback_choices: env.rollback_choices.clone(),
        refusals: env.refusals.clone(),
        refused,
        locked: env.locked.clone(),
        checks: env.latest_checks.clone(),
    };
    view! {
        <Breadcrumbs here={crumb}/>
        <header class="page-header">
            <h1>{title}</h1>
            <p class="muted">
                {env.repo.to_string()} " · cluster " {env.cluster.to_string()} " · services "
                {env.services.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")}
            </p>
            <p>"Running: " {running.unwrap_or_else(|| "nothing deployed yet".to_owned())}</p>
            {env.frozen.clone().map(|sentence| view! { <FreezeNotice sentence/> })}
        </header>
        <EnvironmentControls data=controls/>
        <section aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <p><a href=all_href>{all_label}</a></p>
            <DeploymentTable deployments=env.history/>
        </section>
    }
}
