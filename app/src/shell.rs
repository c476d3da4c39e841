//! The HTML document around every page, and the page routes.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment, path};

use crate::components::site_header::SiteHeader;
use crate::pages::{
    AuditPage, DeliveriesPage, DeployPrPage, DeploymentPage, EnvironmentPage, HistoryPage, HomePage, NotFound,
    ReviewEnvsPage, SandboxChatPage, TokensPage,
};

/// The HTML document around the app. The stylesheet's and the browser program's names carry the build's hash,
/// which only the server knows.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Nothing is hydrated: what the pages' resources read is not written into the page for a browser to pick up
    // (a render's data would otherwise travel twice, once as HTML and once as JSON).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let stylesheet = stylesheet_href(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <BrowserProgram options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The browser program (`browser`): its module and its WASM are fetched while the page is read, and it starts once
/// both are loaded. Nothing of the page is hydrated; the program only listens.
#[component]
fn BrowserProgram(options: LeptosOptions) -> impl IntoView {
    let (module, wasm) = program_files(&options);
    let nonce = leptos::nonce::use_nonce();
    let start = format!(
        "import('{module}').then(program => program.default({{module_or_path: '{wasm}'}}).then(() => program.start()))"
    );
    view! {
        <link rel="modulepreload" href=module nonce=nonce.clone()/>
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="" nonce=nonce.clone()/>
        <script type="module" nonce=nonce>{start}</script>
    }
}

/// The addresses of the browser program's module and WASM: named by their content's hash when cargo-leptos hashed
/// them, else by wasm-bindgen's plain names.
fn program_files(options: &LeptosOptions) -> (String, String) {
    static FILES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    FILES
        .get_or_init(|| {
            let (name, pkg) = (options.output_name.to_string(), options.site_pkg_dir.to_string());
            let hashed = |kind: &str| options.hash_files.then(|| asset_hash(kind)).flatten();
            let module = hashed("js").map_or_else(|| format!("{name}.js"), |hash| format!("{name}.{hash}.js"));
            // cargo-leptos names the WASM after the program; wasm-bindgen alone adds `_bg`.
            let plain_wasm =
                if option_env!("LEPTOS_OUTPUT_NAME").is_some() { name.clone() } else { format!("{name}_bg") };
            let wasm =
                hashed("wasm").map_or_else(|| format!("{plain_wasm}.wasm"), |hash| format!("{name}.{hash}.wasm"));
            (format!("/{pkg}/{module}"), format!("/{pkg}/{wasm}"))
        })
        .clone()
}

/// `/pkg/tengu.<hash>.css` when cargo-leptos named the files by their content (`hash-files`: the names are in
/// `hash.txt` beside the server's binary), else `/pkg/tengu.css`. Read once per process.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let hash = options.hash_files.then(|| asset_hash("css")).flatten();
        let name = options.output_name.to_string();
        let pkg = options.site_pkg_dir.to_string();
        match hash {
            Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
            None => format!("/{pkg}/{name}.css"),
        }
    })
    .clone()
}

/// The hash cargo-leptos recorded for one kind of file (`css`, `js`, `wasm`).
pub fn asset_hash(kind: &str) -> Option<String> {
    let beside_binary = std::env::current_exe().ok()?.parent()?.join("hash.txt");
    let hashes = std::fs::read_to_string(beside_binary).ok()?;
    hashes.lines().find_map(|line| {
        let (file, hash) = line.split_once(':')?;
        (file.trim() == kind).then(|| hash.trim().to_owned())
    })
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Meta name="color-scheme" content="light dark"/>
        <Title formatter=|text: String| if text.is_empty() { "tengu".to_owned() } else { format!("{text} · tengu") }/>
        <Router>
            <SiteHeader/>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/repos/:owner/:name/deploy-prs/:number") view=DeployPrPage ssr=SsrMode::Async/>
                    <Route path=path!("/deployments") view=HistoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/deployments/:id") view=DeploymentPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:name") view=EnvironmentPage ssr=SsrMode::Async/>
                    <Route path=path!("/review-envs") view=ReviewEnvsPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/tokens") view=TokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/deliveries") view=DeliveriesPage ssr=SsrMode::Async/>
                    <Route path=path!("/chat") view=SandboxChatPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
