//! Signing in with GitHub's OAuth web flow against a local GitHub stand-in (wiremock): the redirect carries
//! `state` and an S256 challenge, the callback trades the code with the verifier, and a wrong or reused state,
//! a refused code and a GitHub outage each end without a session.

use std::sync::Arc;

use crate::support::{TestApp, set_cookie, spawn_app};
use axum::http::{StatusCode, header};
use tengu_server::web::auth::pkce;
use tengu_server::web::auth::provider::GithubOAuth;
use wiremock::matchers::{body_string_contains, header as has_header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn app_on(github: &MockServer) -> TestApp {
    let mut app = spawn_app(Vec::new()).await;
    let mut web = tengu_server::web::WebSettings::sandbox("http://127.0.0.1:3000", Vec::new());
    web.identity = Arc::new(GithubOAuth::new(
        "Iv1.client".into(),
        "client-secret".into(),
        github.uri(),
        github.uri(),
        "http://127.0.0.1:3000",
    ));
    web.sandbox_identity = None;
    app.router = tengu_server::web::router(app.tengu.clone(), tengu_server::web::leptos_options(), web);
    app
}

fn query_value(url: &str, key: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    query.split('&').find_map(|p| p.strip_prefix(&format!("{key}="))).unwrap_or("").to_owned()
}

/// Starts a sign-in: the session cookie, and the authorize URL tengu sent the browser to.
async fn start(app: &TestApp) -> (String, String) {
    let (status, headers, _) = app.send(crate::support::get("/auth/github?next=/deployments")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    (set_cookie(&headers).unwrap(), headers[header::LOCATION].to_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_is_traded_with_the_verifier_for_the_person() {
    let github = MockServer::start().await;
    let app = app_on(&github).await;
    let (cookie, authorize) = start(&app).await;
    assert!(authorize.starts_with(&format!("{}/login/oauth/authorize?", github.uri())), "{authorize}");
    assert_eq!(query_value(&authorize, "client_id"), "Iv1.client");
    assert_eq!(query_value(&authorize, "code_challenge_method"), "S256");
    assert_eq!(
        query_value(&authorize, "redirect_uri"),
        "http%3A//127.0.0.1%3A3000/auth/github/callback",
        "GitHub sends the person back to tengu's own callback"
    );
    let (state, challenge) = (query_value(&authorize, "state"), query_value(&authorize, "code_challenge"));
    assert_eq!(state.len(), 43);

    // GitHub checks the verifier against the challenge it was given; the stand-in does the same.
    let verifier_for = challenge.clone();
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("code=good-code"))
        .and(body_string_contains("client_secret=client-secret"))
        .respond_with(move |request: &wiremock::Request| {
            let form = String::from_utf8_lossy(&request.body).into_owned();
            let verifier = form.split('&').find_map(|p| p.strip_prefix("code_verifier=")).unwrap_or("");
            if pkce::challenge(verifier) == verifier_for {
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"access_token": "gho_person", "token_type": "bearer"}))
            } else {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"error": "invalid_grant"}))
            }
        })
        .expect(1)
        .mount(&github)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .and(has_header("authorization", "Bearer gho_person"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"login": "alice", "id": 1})))
        .expect(1)
        .mount(&github)
        .await;

    let (status, headers, _) =
        app.get_as(&cookie, &format!("/auth/github/callback?code=good-code&state={state}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/deployments", "back where the person wanted to go");
    let signed_in = set_cookie(&headers).expect("a session");
    assert_ne!(signed_in, cookie, "the session id is rotated at sign-in");
    let (status, _, html) = app.get_as(&signed_in, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("@alice"));
    // The same state (and code) again is a replay: no second session.
    let (status, headers, _) =
        app.get_as(&signed_in, &format!("/auth/github/callback?code=good-code&state={state}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(set_cookie(&headers).is_none_or(|c| c == signed_in), "no new session from a replay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_code_or_a_github_outage_ends_without_a_session() {
    let github = MockServer::start().await;
    let app = app_on(&github).await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("code=expired"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "error": "bad_verification_code",
            "error_description": "The code passed is incorrect or expired."
        })))
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("code=outage"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&github)
        .await;

    for (code, status, says) in [
        ("expired", StatusCode::FORBIDDEN, "The code passed is incorrect or expired."),
        ("outage", StatusCode::BAD_GATEWAY, "GitHub could not be asked for a token"),
    ] {
        let (cookie, authorize) = start(&app).await;
        let state = query_value(&authorize, "state");
        let (got, _, body) = app.get_as(&cookie, &format!("/auth/github/callback?code={code}&state={state}")).await;
        assert_eq!(got, status, "{code}: {body}");
        assert!(body.contains(says), "{code}: {body}");
        assert!(!body.contains("client-secret"), "no secret on the page");
        let (after, _, _) = app.get_as(&cookie, "/").await;
        assert_eq!(after, StatusCode::SEE_OTHER, "{code}: still a stranger");
    }
}
