//! Sending forms. A form that changes something is sent once per click: a second submit while the first is on its
//! way is dropped. A form marked `contract::ENHANCE` is sent with `fetch` to the same server function the plain
//! form posts to, and the page stays: inside the form's `contract::ANSWERS` container, its `contract::ANSWER_SLOT`
//! shows the container's `contract::ON_SUCCESS` template (filled with the answer, when the answer is a sentence) or
//! its `contract::ON_ERROR` template (filled with the refusal); what the press changed reaches the page's regions
//! over its live stream. Forms that only read (`method="get"`: the history's filters) are left alone.

use std::cell::{Cell, RefCell};

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlFormElement};

use super::{after, all, document, window};
use crate::contract::{self, selector};

/// How long a sent plain form refuses to be sent again (a double click), in case the page stays.
const RESEND_AFTER_MS: i32 = 3_000;

/// Said when no answer came back: the press may or may not have reached tengu.
const NO_ANSWER: &str = "tengu did not answer (the network or the server is down). Reload the page to see whether \
                         it was done before trying again.";

thread_local! {
    /// This page's own part of the idempotency keys its forms send (see `stamp_key`).
    static SEED: RefCell<String> = const { RefCell::new(String::new()) };
    /// Presses answered so far: the next press carries a new key, a double click the same one.
    static PRESSES: Cell<u32> = const { Cell::new(0) };
}

pub fn listen(document: &web_sys::Document) {
    SEED.with(|seed| *seed.borrow_mut() = format!("{:x}", (js_sys::Math::random() * 1e15) as u64));
    let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new(on_submit);
    let _ = document.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    // Back to a page kept by the browser (back/forward cache): its forms were sent from another life of it.
    let on_show = Closure::<dyn FnMut()>::new(|| {
        let Some(root) = super::document().and_then(|d| d.document_element()) else { return };
        for form in all(&root, &format!("form{}", selector(contract::SENDING))) {
            let _ = form.remove_attribute(contract::SENDING);
        }
    });
    if let Some(window) = window() {
        let _ = window.add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
    }
    // Both live as long as the page.
    on_submit.forget();
    on_show.forget();
}

fn on_submit(event: web_sys::Event) {
    let Some(form) = event.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
    if form.method().eq_ignore_ascii_case("get") || event.default_prevented() {
        return;
    }
    if form.has_attribute(contract::SENDING) {
        event.prevent_default();
        return;
    }
    let _ = form.set_attribute(contract::SENDING, "");
    if !form.has_attribute(contract::ENHANCE) {
        after(RESEND_AFTER_MS, move || _ = form.remove_attribute(contract::SENDING));
        return;
    }
    event.prevent_default();
    stamp_key(&form);
    wasm_bindgen_futures::spawn_local(send(form));
}

/// The server draws each button's idempotency key for the form sent without JavaScript, from a page it may keep
/// for a few seconds and hand to two tabs; sent in place, a press carries this page's own key instead.
fn stamp_key(form: &HtmlFormElement) {
    let Ok(Some(input)) = form.query_selector(&format!("input[name=key]{}", selector(contract::KEY_KIND))) else {
        return;
    };
    let Ok(input) = input.dyn_into::<web_sys::HtmlInputElement>() else { return };
    let kind = input.get_attribute(contract::KEY_KIND).unwrap_or_default();
    let seed = SEED.with(|seed| seed.borrow().clone());
    input.set_value(&format!("{seed}-{kind}-{}", PRESSES.get()));
}

enum Answer {
    /// Done; the server function's answer, when it is a sentence to show.
    Done(Option<String>),
    Refused(String),
}

async fn send(form: HtmlFormElement) {
    let buttons = all(&form, "button[type=submit]:not([disabled])");
    for button in &buttons {
        let _ = button.set_attribute("disabled", "");
    }
    let answer = post(&form).await;
    PRESSES.set(PRESSES.get() + 1);
    for button in &buttons {
        let _ = button.remove_attribute("disabled");
    }
    let _ = form.remove_attribute(contract::SENDING);
    let answers = form.closest(&selector(contract::ANSWERS)).ok().flatten();
    match answer {
        Answer::Done(said) => {
            show(answers.as_ref(), contract::ON_SUCCESS, said.as_deref());
            if form.has_attribute(contract::RESET) {
                form.reset();
            }
            // The press is over: the region it sits in may be drawn again when the stream brings what it changed
            // (one holding the focus is left alone).
            if let Some(focused) = document().and_then(|d| d.active_element())
                && form.contains(Some(&focused))
                && let Ok(focused) = focused.dyn_into::<web_sys::HtmlElement>()
            {
                let _ = focused.blur();
            }
        }
        Answer::Refused(why) => show(answers.as_ref(), contract::ON_ERROR, Some(&why)),
    }
}

/// Puts the content of the template marked `which`, its `contract::ANSWER_TEXT` (or first element) holding `text`
/// and the template's `contract::SHOWN_AS` as its role, in the slot; a success without a template empties the slot.
fn show(answers: Option<&Element>, which: &str, text: Option<&str>) {
    let Some(answers) = answers else { return };
    let Ok(Some(slot)) = answers.query_selector(&selector(contract::ANSWER_SLOT)) else { return };
    slot.set_inner_html("");
    let Ok(Some(template)) = answers.query_selector(&format!("template{}", selector(which))) else { return };
    let Ok(template) = template.dyn_into::<web_sys::HtmlTemplateElement>() else { return };
    let Ok(content) = template.content().clone_node_with_deep(true) else { return };
    let Ok(content) = content.dyn_into::<web_sys::DocumentFragment>() else { return };
    let holder = content
        .query_selector(&selector(contract::ANSWER_TEXT))
        .ok()
        .flatten()
        .or_else(|| content.first_element_child());
    if let (Some(holder), Some(text)) = (holder, text) {
        holder.set_text_content(Some(text));
        // A role the template holds back (see `ErrorTemplate`), given to what it shows.
        if let Some(role) = template.get_attribute(contract::SHOWN_AS) {
            let _ = holder.set_attribute("role", &role);
        }
    }
    let _ = slot.append_child(&content);
}

/// Posts the form as the browser would (URL-encoded), asking for the server function's answer instead of a
/// redirect back to the page.
async fn post(form: &HtmlFormElement) -> Answer {
    let Some(window) = window() else { return Answer::Refused(NO_ANSWER.to_owned()) };
    let Some(request) = request_of(form) else { return Answer::Refused(NO_ANSWER.to_owned()) };
    let Ok(response) = JsFuture::from(window.fetch_with_request(&request)).await else {
        return Answer::Refused(NO_ANSWER.to_owned());
    };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else { return Answer::Refused(NO_ANSWER.to_owned()) };
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        // A sentence comes as a JSON string; a record (a deployment) is shown by the regions drawn again.
        let said = js_sys::JSON::parse(&text).ok().and_then(|value| value.as_string());
        return Answer::Done(said);
    }
    Answer::Refused(contract::refusal_of(&text).unwrap_or_else(|| NO_ANSWER.to_owned()))
}

fn request_of(form: &HtmlFormElement) -> Option<web_sys::Request> {
    let data = web_sys::FormData::new_with_form(form).ok()?;
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    let headers = web_sys::Headers::new().ok()?;
    headers.set("Accept", "application/json").ok()?;
    init.set_headers(&headers);
    web_sys::Request::new_with_str_and_init(&form.action(), &init).ok()
}
