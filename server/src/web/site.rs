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
    LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME", "tengu"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(site_addr)
        .env(env)
        .build()
}
