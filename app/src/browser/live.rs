//! An environment's rollout, followed live. The server sends a frame on the environment's event stream each time
//! the deployment moves or ECS is described again; each frame has the page's regions drawn again, so the rollout,
//! the buttons and the approval panel show what the server draws now. The stream's address is the
//! `data-live-source` of an element on the page.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::all;

pub fn follow(document: &web_sys::Document) {
    let Some(root) = document.document_element() else { return };
    for source in all(&root, "[data-live-source]") {
        let Some(address) = source.get_attribute("data-live-source") else { continue };
        let Ok(stream) = web_sys::EventSource::new(&address) else { continue };
        let on_frame =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|_: web_sys::MessageEvent| super::regions::refresh_now());
        stream.set_onmessage(Some(on_frame.as_ref().unchecked_ref()));
        // The stream and its listener live as long as the page (the browser reconnects a dropped stream).
        on_frame.forget();
        std::mem::forget(stream);
    }
}
