//! The app's own rules, from outside: addresses name pages, the browser contract's formats, and the document's
//! clean-up. (The app's library has no unit tests of its own: its test harness would compile every typed view a
//! second time, 46 s of a clean `make test`.)

#![cfg(feature = "ssr")]

use tengu_app::contract::*;
use tengu_app::{Page, Query, without_hydration_marks};

#[test]
fn each_address_names_its_page() {
    assert_eq!(Page::at("/"), Some(Page::Overview));
    assert_eq!(Page::at("/environments/dev"), Some(Page::Environment("dev".into())));
    assert_eq!(Page::at("/deployments/12"), Some(Page::Deployment("12".into())));
    assert_eq!(
        Page::at("/repos/acme/shop/deploy-prs/7"),
        Some(Page::DeployPr { owner: "acme".into(), name: "shop".into(), number: "7".into() })
    );
    for nowhere in ["/nope", "/environments", "/environments/dev/more", "/settings", "//"] {
        assert_eq!(Page::at(nowhere), None, "{nowhere}");
    }
}

#[test]
fn a_query_is_decoded_and_its_first_value_counts() {
    let query = Query::parse(Some("env=dev&about=acme%2Fshop%2312&env=prod&q=a+b"));
    assert_eq!(query.get("env").as_deref(), Some("dev"));
    assert_eq!(query.get("about").as_deref(), Some("acme/shop#12"));
    assert_eq!(query.get("q").as_deref(), Some("a b"));
    assert_eq!(query.get("missing"), None);
}

#[test]
fn a_pages_stream_address_carries_its_path_and_query_whole() {
    assert_eq!(live_stream_of("/environments/dev"), "/api/live?page=/environments/dev");
    assert_eq!(
        live_stream_of("/deployments?env=dev&state=failed"),
        "/api/live?page=/deployments%3Fenv%3Ddev%26state%3Dfailed"
    );
}

/// The format is Leptos's: pinned against its own encoder, for a function's answer and for the address a
/// plain form comes back to.
#[test]
fn refusals_read_as_leptos_writes_them() {
    use leptos::server_fn::error::{FromServerFnError, ServerFnUrlError};
    let refusal = leptos::prelude::ServerFnError::new("Redeploy needs a deployment first.");
    let body = String::from_utf8(refusal.ser().to_vec()).unwrap();
    assert_eq!(refusal_of(&body).as_deref(), Some("Redeploy needs a deployment first."));
    let url = ServerFnUrlError::new("/api/press_redeploy", refusal).to_url("http://h/environments/dev?x=1").unwrap();
    let pair = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    let (path, encoded) = (pair("__path"), pair("__err"));
    assert_eq!(
        refusal_in_address(path.as_deref(), encoded.as_deref(), "/api/press_redeploy").as_deref(),
        Some("Redeploy needs a deployment first.")
    );
    assert_eq!(refusal_in_address(path.as_deref(), encoded.as_deref(), "/api/press_deploy"), None, "another's");
}

#[test]
fn a_refusal_is_its_sentence() {
    assert_eq!(
        refusal_of("ServerError|Redeploy needs a deployment first."),
        Some("Redeploy needs a deployment first.".into())
    );
    assert_eq!(refusal_of("a plain sentence"), Some("a plain sentence".into()));
    assert_eq!(refusal_of("ServerError| "), None);
}

#[test]
fn the_hydration_marks_go_and_nothing_else() {
    let drawn = "<title>Overview · tengu<!></title><p>Last <!>deploy<!></p><ul><li>é</li><!></ul>".to_owned();
    assert_eq!(without_hydration_marks(drawn), "<title>Overview · tengu</title><p>Last deploy</p><ul><li>é</li></ul>");
    let escaped = "<p title=\"&lt;!&gt;\">&lt;!&gt;</p>".to_owned();
    assert_eq!(without_hydration_marks(escaped.clone()), escaped, "a person's `<!>` is escaped text");
}
