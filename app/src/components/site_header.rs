use leptos::prelude::*;
use tengu_core::views::SiteInfo;

/// The top of every page: the name, the navigation, who is signed in (with Sign out), and in the sandbox a
/// banner that says so.
#[component]
pub fn SiteHeader(site: Option<SiteInfo>) -> impl IntoView {
    let banner = site.as_ref().filter(|info| info.sandbox).map(|_| view! { <SandboxBanner/> });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        {banner}
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand__mark" aria-hidden="true">"t"</span>
                <span class="brand__name">"tengu"</span>
            </a>
            <nav aria-label="Main">
                <a href="/">"Overview"</a>
                <a href="/deployments">"Deployments"</a>
                <a href="/insights">"Insights"</a>
                <a href="/review-envs">"Review environments"</a>
                <a href="/audit">"Audit log"</a>
                <a href="/settings/tokens">"API tokens"</a>
                <a href="/settings/deliveries">"Deliveries"</a>
            </nav>
            {site.map(|info| view! { <SignedInAs info/> })}
        </header>
    }
}

#[component]
fn SignedInAs(info: SiteInfo) -> impl IntoView {
    let access = info.access.join(", ");
    view! {
        <div class="signed-in">
            <span class="signed-in__who" title=access.clone()>
                <strong id="signed-in-as">{format!("@{}", info.acting_as)}</strong>
                <span class="muted">{format!(" · {access}")}</span>
            </span>
            <form method="post" action="/sign-out" class="inline-form">
                <button type="submit" class="button button--small">"Sign out"</button>
            </form>
        </div>
    }
}

#[component]
fn SandboxBanner() -> impl IntoView {
    view! {
        <div class="sandbox-banner" role="note" aria-label="Sandbox">
            <p>
                <strong>"Sandbox"</strong>
                " — GitHub, ECS and Slack are simulated here; nothing you do reaches a real repository, cluster or "
                "workspace. Sign out to sign in as someone else. "
                <a href="/chat">"Try /tengu in the simulated chat"</a>
                "."
            </p>
        </div>
    }
}
