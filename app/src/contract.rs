//! What the pages the server draws and the browser program agree on, written once: the attributes that mark
//! what the browser acts on, the live stream's address and events, and how a refusal travels. The server's views
//! put these names on elements (with `flag` and `attr`), the browser looks for the same constants.

/// An element the live stream may draw again: it has an `id` and the server sends its inner HTML when it changes.
pub const REGION: &str = "data-region";
/// A form sent in place (with `fetch`) instead of leaving the page.
pub const ENHANCE: &str = "data-enhance";
/// Set by the browser on a form whose press is on its way: a second submit is dropped.
pub const SENDING: &str = "data-sending";
/// A hidden `key` input whose idempotency key the browser draws for each press; its value names the button.
pub const KEY_KIND: &str = "data-key-kind";
/// Around a form sent in place: where its answer or refusal shows.
pub const ANSWERS: &str = "data-answers";
/// Inside `ANSWERS`: the place the answer or the refusal is put.
pub const ANSWER_SLOT: &str = "data-answer-slot";
/// A `<template>` inside `ANSWERS` shown after a success.
pub const ON_SUCCESS: &str = "data-on-success";
/// A `<template>` inside `ANSWERS` shown with the refusal.
pub const ON_ERROR: &str = "data-on-error";
/// Inside a template: the element that holds the answer's sentence.
pub const ANSWER_TEXT: &str = "data-answer-text";
/// On a template: the role the element holding the sentence takes once shown (a template cannot carry `role`
/// itself without screen readers announcing an empty alert).
pub const SHOWN_AS: &str = "data-shown-as";
/// A form emptied after its success.
pub const RESET: &str = "data-reset";
/// A `<details>` the server draws open (the browser treats it as not opened by the person).
pub const DRAWN_OPEN: &str = "data-drawn-open";
/// Set on `<body>` once the browser program listens: clicks are answered in place from then on.
pub const READY: &str = "data-hydrated";

/// The live stream of a page (`?page=` its path and query).
pub const LIVE_STREAM: &str = "/api/live";
/// The stream's event carrying a JSON list of `{"id", "html"}`: the regions that changed.
pub const LIVE_REGIONS_EVENT: &str = "regions";
/// The stream's last event when the page is no longer the person's (signed out, no longer allowed).
pub const LIVE_GONE_EVENT: &str = "gone";

/// The address of `page`'s live stream.
pub fn live_stream_of(page: &str) -> String {
    format!("{LIVE_STREAM}?page={}", encode_component(page))
}

/// A CSS selector for elements carrying `attribute`.
pub fn selector(attribute: &str) -> String {
    format!("[{attribute}]")
}

/// What marks a region as under the person's hand: a confirmation they opened (not one the server draws open)
/// or a button being pressed.
pub fn in_use_selector() -> String {
    format!("details[open]:not([{DRAWN_OPEN}]), :active")
}

/// A refusal as a server function sends it (its body when the answer is not a success): `Kind|sentence`, as
/// Leptos encodes a `ServerFnError` (`ServerError|Redeploy needs …`). The sentence, or None when there is none.
pub fn refusal_of(body: &str) -> Option<String> {
    let sentence = body.split_once('|').map_or(body, |(_, sentence)| sentence).trim();
    (!sentence.is_empty()).then(|| sentence.to_owned())
}

/// The server's views put the contract's attributes on elements with these (`<div {..flag(REGION)} id="x">`).
#[cfg(feature = "ssr")]
mod marks {
    use leptos::tachys::html::attribute::custom::{CustomAttr, custom_attribute};

    /// The attribute `name` without a value (`data-region=""`).
    pub fn flag(name: &'static str) -> CustomAttr<&'static str, &'static str> {
        custom_attribute(name, "")
    }

    /// The attribute `name` with `value`.
    pub fn attr(name: &'static str, value: &'static str) -> CustomAttr<&'static str, &'static str> {
        custom_attribute(name, value)
    }
}
#[cfg(feature = "ssr")]
pub use marks::{attr, flag};

/// The refusal a plain form came back with: a form sent without JavaScript that was refused is sent back to its
/// page with the server function's path (`__path`) and its refusal (`__err`, URL-safe base64 of what `refusal_of`
/// reads) in the address, as Leptos's server functions do. Only the refusal of the function `function` is taken.
#[cfg(feature = "ssr")]
pub fn refusal_in_address(path: Option<&str>, encoded: Option<&str>, function: &str) -> Option<String> {
    use base64::Engine;
    if path? != function {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE.decode(encoded?).ok()?;
    refusal_of(&String::from_utf8_lossy(&bytes))
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for a query's value.
fn encode_component(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
