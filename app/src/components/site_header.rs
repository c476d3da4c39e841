use leptos::prelude::*;
use tengu_core::views::SiteInfo;

use crate::api::load_site_info;

/// The top of every page: the name, the navigation, and in the sandbox a banner that says so.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let info = Resource::new(|| (), |_| load_site_info());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) if info.sandbox => view! { <SandboxBanner info/> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand__mark" aria-hidden="true">"t"</span>
                <span class="brand__name">"tengu"</span>
            </a>
            <nav aria-label="Main">
                <a href="/">"Overview"</a>
                <a href="/deployments">"Deployments"</a>
                <a href="/review-envs">"Review environments"</a>
            </nav>
        </header>
    }
}

#[component]
fn SandboxBanner(info: SiteInfo) -> impl IntoView {
    let acting = info.acting_as.clone();
    view! {
        <div class="sandbox-banner" role="note" aria-label="Sandbox">
            <p>
                <strong>"Sandbox"</strong>
                " — GitHub and ECS are simulated here; nothing you do reaches a real repository or cluster."
            </p>
            <form class="act-as" method="post" action="/sandbox/act-as">
                <label for="act-as">"Acting as"</label>
                <select id="act-as" name="login">
                    {info
                        .people
                        .into_iter()
                        .map(|person| {
                            let selected = person.as_str() == acting;
                            let name = person.to_string();
                            view! { <option value=name.clone() selected=selected>{format!("@{name}")}</option> }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="button button--small">"Switch"</button>
            </form>
        </div>
    }
}
