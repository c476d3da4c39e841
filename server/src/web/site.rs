use std::net::SocketAddr;

use leptos::config::{Env, LeptosOptions};

/// Leptos's settings from its own `LEPTOS_*` variables (cargo-leptos sets them; a plain run gets defaults),
/// so the listen address follows `LEPTOS_SITE_ADDR`.
pub fn leptos_options() -> LeptosOptions {
    let var = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.to_owned());
    let site_addr: SocketAddr = var("LEPTOS_SITE_ADDR", "127.0.0.1:3000").parse().unwrap_or_else(|_| {
        tracing::warn!("LEPTOS_SITE_ADDR is not an address such as 127.0.0.1:3000; using that");
        SocketAddr::from(([127, 0, 0, 1], 3000))
    });
    let env = if var("LEPTOS_ENV", "PROD").eq_ignore_ascii_case("dev") { Env::DEV } else { Env::PROD };
    // cargo-leptos names the files by their content and lists the names beside the binary; a binary built
    // otherwise (the tests') links the plain names.
    let hashed = tengu_app::asset_hash("wasm").is_some();
    LeptosOptions::builder()
        .hash_files(hashed)
        .output_name(var("LEPTOS_OUTPUT_NAME", "tengu"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(site_addr)
        .env(env)
        .build()
}

/// How long a browser may keep a file under `/pkg`: a year when its name carries its content's hash (a new build
/// has new names), otherwise it asks again each time (and gets a 304 when nothing changed).
pub fn pkg_cache_control(options: &LeptosOptions) -> &'static str {
    if options.hash_files { "public, max-age=31536000, immutable" } else { "no-cache" }
}
