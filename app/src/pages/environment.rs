use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use tengu_core::domain::EnvName;

use crate::api::{
    AbortDeployment, ApproveDeployment, EnvironmentPageData, PressDeploy, PressRedeploy, PressRollback,
    RejectDeployment, load_environment,
};
use crate::components::deployment_table::DeploymentTable;
use crate::components::environment_controls::{ControlsData, EnvironmentControls};
use crate::components::error_notice::ErrorNotice;
use crate::format::{error_text, refusal_in_address};

/// One environment: its live rollout and the buttons that change what runs.
#[component]
pub fn EnvironmentPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server_glue::page_made_of(tengu_core::screens::made_of::ENVIRONMENT);
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
    let name = env.name.to_string();
    let title = format!("Environment {name}");
    let (crumb, all_href, all_label) =
        (name.clone(), format!("/deployments?env={name}"), format!("All deployments of {name}"));
    let running = env.running.as_ref().map(|d| format!("{} (deployment {})", d.image, d.id));
    let controls = ControlsData {
        env: env.name.clone(),
        image_template: env.image_template.clone(),
        latest: env.latest.clone(),
        rollback_choices: env.rollback_choices.clone(),
        refusals: env.refusals.clone(),
        key_seed,
        refused: refusal_in_address::<PressDeploy>()
            .or_else(refusal_in_address::<PressRedeploy>)
            .or_else(refusal_in_address::<PressRollback>)
            .or_else(refusal_in_address::<AbortDeployment>)
            .or_else(refusal_in_address::<ApproveDeployment>)
            .or_else(refusal_in_address::<RejectDeployment>),
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
        <EnvironmentControls data=controls/>
        <section aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <p><a href=all_href>{all_label}</a></p>
            <DeploymentTable deployments=env.history/>
        </section>
    }
}
