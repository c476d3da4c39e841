//! tengu's dashboard: pages rendered on the server, the server functions their forms post to, and the small
//! program the browser runs to send those forms in place and draw parts of a page again (`browser`). A server
//! function only translates: it hands the request to `tengu-core`. Every form is a plain HTML form that works
//! without JavaScript.

// Statically typed views nest deeply (views are not type-erased: see `disable-erase-components` in Cargo.toml).
#![recursion_limit = "256"]

// The pages, their server functions and the document around them: the server's part (feature `ssr`). The
// browser's WASM (feature `hydrate`) holds only `browser`, without Leptos.
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
mod components;
pub mod contract;
#[cfg(feature = "ssr")]
mod format;
#[cfg(feature = "ssr")]
mod pages;
#[cfg(feature = "ssr")]
pub mod server_glue;
#[cfg(feature = "ssr")]
mod shell;
#[cfg(feature = "ssr")]
pub use pages::{Page, Query};
#[cfg(feature = "ssr")]
pub use shell::{Asked, Drawn, asset_hash, draw, draw_pressed, is_a_page, stylesheet_href, without_hydration_marks};

/// The browser program's entry point: the page's script calls it once the WASM is loaded. No part of a page is
/// hydrated: the server draws everything, and `browser` makes the forms and regions answer in place. (The feature
/// keeps cargo-leptos's name for the browser's build, `hydrate`.)
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start() {
    console_error_panic_hook::set_once();
    browser::start();
}

#[cfg(feature = "hydrate")]
mod browser;
