//! The machine API with personal tokens: a CI pipeline asks for a deployment and follows it, within the token's
//! scopes and its owner's role.

use crate::support::spawn_app;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use tengu_app::api::{LockEnvironment, UnlockEnvironment};
use tengu_core::domain::{Actor, EnvName, Login, TokenScope};

fn person(login: &str) -> Actor {
    Actor::Person(Login::parse(login).unwrap())
}

fn deploy(env: &str, token: Option<&str>, key: Option<&str>, body: Value) -> Request<Body> {
    let mut request = Request::post(format!("/api/v1/environments/{env}/deployments"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

fn read(path: &str, token: &str) -> Request<Body> {
    Request::get(path).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_deploys_within_its_scopes_and_its_owners_role() {
    let app = spawn_app(Vec::new()).await;
    let dev = TokenScope::Deploy(EnvName::parse("dev").unwrap());
    let carol = app.tengu.create_token(&person("carol"), "CI", vec![dev.clone()], 30).await.unwrap();
    let built = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:ci42";
    let image = json!({ "image": built, "sha": "c142c142c142c142c142c142c142c142c142c142" });

    // No token, a wrong one, and a scope that does not name the environment.
    let (status, _, body) = app.send(deploy("dev", None, None, image.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = app.send(deploy("dev", Some("tengu_0000"), None, image.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("not valid"), "{body}");
    let (status, _, body) = app.send(deploy("production", Some(&carol.secret), None, image.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("may not deploy to production"), "{body}");
    let (status, _, body) =
        app.send(deploy("dev", Some(&carol.secret), None, json!({ "image": "Not An Image" }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // An image nobody can trace is refused (and recorded), unless an admin gives a reason.
    let (status, _, body) = app.send(deploy("dev", Some(&carol.secret), None, json!({ "image": built }))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("cannot tell which commit"), "{body}");
    let log = app.tengu.store().audit_log(1).await.unwrap();
    assert_eq!(log[0].action, tengu_core::domain::AuditAction::Refused);
    let untraced = json!({ "image": built, "commit_unknown_reason": "hotfix built by hand" });
    let (status, _, body) = app.send(deploy("dev", Some(&carol.secret), None, untraced)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only an admin ships an untraced image: {body}");
    assert!(body.contains("needs the admin role"), "{body}");

    // The gate holds new code from the API as from a button.
    let (status, _, body) = app.send(deploy("dev", Some(&carol.secret), Some("build-42"), image.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("dev has unverified changes"), "{body}");
    let env = EnvName::parse("dev").unwrap();
    app.tengu.override_environment_gate(&person("alice"), &env, None, "CI pipeline test of the API").await.unwrap();

    let (status, _, body) = app.send(deploy("dev", Some(&carol.secret), Some("build-42"), image.clone())).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let started: Value = serde_json::from_str(&body).unwrap();
    let id = started["id"].as_i64().unwrap();
    assert_eq!(started["env"], "dev");
    assert!(started["url"].as_str().unwrap().ends_with(&format!("/deployments/{id}")));
    let recorded = app.tengu.deployment(tengu_core::domain::DeploymentId(id)).await.unwrap();
    assert_eq!(recorded.actor, format!("carol (token #{})", carol.token.id), "who: the person, through the token");
    assert_eq!(recorded.trigger, tengu_core::domain::Trigger::Api);
    // The same key again (a retried CI step) is the same deployment.
    let (status, _, body) = app.send(deploy("dev", Some(&carol.secret), Some("build-42"), image.clone())).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64(), Some(id));

    // Following it (and nobody without a token).
    let anonymous = Request::get(format!("/api/v1/deployments/{id}")).body(Body::empty()).unwrap();
    assert_eq!(app.send(anonymous).await.0, StatusCode::UNAUTHORIZED);
    let (status, _, body) = app.send(read(&format!("/api/v1/deployments/{id}"), &carol.secret)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let now: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(now["id"].as_i64(), Some(id));
    assert_eq!(now["finished"], false);
    let tokens = app.tengu.tokens(&person("carol")).await.unwrap();
    assert!(tokens[0].last_used_at.is_some(), "last use is recorded");

    // A production deployment is not this token's to read.
    let everyone = tengu_core::domain::Viewer::trusted(Actor::System);
    let home = app.tengu.home(&everyone).await.unwrap();
    let production = home.recent_deployments.iter().find(|d| d.env.as_str() == "production").unwrap().id;
    let (status, _, _) = app.send(read(&format!("/api/v1/deployments/{production}"), &carol.secret)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Revoked: refused from then on.
    app.tengu.revoke_token(&person("carol"), carol.token.id).await.unwrap();
    let (status, _, _) = app.send(read(&format!("/api/v1/deployments/{id}"), &carol.secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_acts_with_its_owners_role_at_the_time_of_use() {
    let app = spawn_app(Vec::new()).await;
    let dev = TokenScope::Deploy(EnvName::parse("dev").unwrap());
    let visitor = app.tengu.create_token(&person("visitor"), "mine", vec![dev], 30).await.unwrap();
    let redeploy = json!({ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:v1" });
    let (status, _, body) = app.send(deploy("dev", Some(&visitor.secret), None, redeploy)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("needs the deployer role"), "{body}");
    let log = app.tengu.store().audit_log(1).await.unwrap();
    assert_eq!(log[0].actor, format!("visitor (token #{})", visitor.token.id));
    assert_eq!(log[0].action, tengu_core::domain::AuditAction::Refused);
    // A token's scopes and life are checked when it is made.
    assert!(app.tengu.create_token(&person("carol"), "x", vec![], 30).await.is_err());
    assert!(app.tengu.create_token(&person("carol"), "x", vec![TokenScope::Read], 0).await.is_err());
    let nowhere = TokenScope::Deploy(EnvName::parse("nowhere").unwrap());
    assert!(app.tengu.create_token(&person("carol"), "x", vec![nowhere], 30).await.is_err());
    let token_actor = Actor::Token { login: Login::parse("carol").unwrap(), token: 1 };
    assert!(
        app.tengu.create_token(&token_actor, "x", vec![TokenScope::Read], 30).await.is_err(),
        "no tokens from tokens"
    );
}

fn post(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_status_and_the_cli_download_answer_only_a_token_within_its_scopes_and_role() {
    let app = spawn_app(Vec::new()).await;
    let dev = EnvName::parse("dev").unwrap();
    let carol =
        app.tengu.create_token(&person("carol"), "CI", vec![TokenScope::Deploy(dev.clone())], 30).await.unwrap();
    let visitor =
        app.tengu.create_token(&person("visitor"), "mine", vec![TokenScope::Deploy(dev.clone())], 30).await.unwrap();
    let production = TokenScope::Deploy(EnvName::parse("production").unwrap());
    let elsewhere = app.tengu.create_token(&person("carol"), "prod", vec![production], 30).await.unwrap();

    // Anonymously: 401 with a machine-readable code, everywhere.
    for request in [
        post("/api/v1/environments/dev/abort", None),
        Request::get("/api/v1/status").body(Body::empty()).unwrap(),
        Request::get("/api/v1/cli").body(Body::empty()).unwrap(),
    ] {
        let (status, _, body) = app.send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(body.contains("\"code\":\"unauthenticated\""), "{body}");
    }
    // Abort: the scope, then the owner's role (the refusal recorded), then something to abort.
    let (status, _, body) = app.send(post("/api/v1/environments/dev/abort", Some(&elsewhere.secret))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, body) = app.send(post("/api/v1/environments/dev/abort", Some(&visitor.secret))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("\"code\":\"denied\""), "{body}");
    assert_eq!(app.tengu.store().audit_log(1).await.unwrap()[0].action, tengu_core::domain::AuditAction::Refused);
    let (status, _, body) = app.send(post("/api/v1/environments/dev/abort", Some(&carol.secret))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing deploys to dev: {body}");
    // Status: only the environments the token reaches.
    let (status, _, body) = app.send(read("/api/v1/status", &carol.secret)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(found.iter().map(|s| s["env"].as_str().unwrap()).collect::<Vec<_>>(), ["dev"]);
    let (status, _, _) = app.send(read("/api/v1/status?env=production", &carol.secret)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "production is outside the token's scopes");
    // The CLI download: any valid token; the running executable itself, streamed.
    let response = tower::ServiceExt::oneshot(app.router.clone(), read("/api/v1/cli", &carol.secret)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/octet-stream");
    let length: u64 = response.headers()[header::CONTENT_LENGTH].to_str().unwrap().parse().unwrap();
    assert_eq!(length, std::fs::metadata(std::env::current_exe().unwrap()).unwrap().len());
    let platform = format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH);
    assert_eq!(response.headers()["x-tengu-platform"], platform.as_str(), "it says which platform it is for");
    // A runner that says it is this platform (in uname's words) gets it; one on another is refused with a sentence.
    let uname = format!(
        "{}-{}",
        if cfg!(target_os = "linux") { "Linux" } else { std::env::consts::OS },
        std::env::consts::ARCH
    );
    let asked = format!("/api/v1/cli?platform={uname}");
    let response = tower::ServiceExt::oneshot(app.router.clone(), read(&asked, &carol.secret)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{asked}");
    let (status, _, body) = app.send(read("/api/v1/cli?platform=Darwin-arm64", &carol.secret)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains(&format!("built for {platform}, not macos-aarch64")), "{body}");
}

fn lock_request(method: &str, env: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/api/v1/environments/{env}/lock"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(body.map_or_else(Body::empty, |body| Body::from(body.to_string()))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_set_through_the_api_refuses_other_deploys_until_it_is_lifted() {
    let app = spawn_app(Vec::new()).await;
    let dev = TokenScope::Deploy(EnvName::parse("dev").unwrap());
    let carol = app.tengu.create_token(&person("carol"), "CI", vec![dev.clone()], 30).await.unwrap();
    let dave = app.tengu.create_token(&person("dave"), "CI", vec![dev.clone()], 30).await.unwrap();
    let visitor = app.tengu.create_token(&person("visitor"), "mine", vec![dev.clone()], 30).await.unwrap();
    let reason = json!({ "reason": "incident 42", "for": "2h" });

    let (status, _, body) = app.send(lock_request("PUT", "dev", None, Some(reason.clone()))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = app.send(lock_request("DELETE", "dev", None, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = app.send(lock_request("PUT", "dev", Some(&visitor.secret), Some(reason.clone()))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "read may not lock: {body}");
    assert!(body.contains("\"code\":\"denied\""), "{body}");
    let (status, _, body) = app.send(lock_request("DELETE", "dev", Some(&visitor.secret), None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor unlock: {body}");
    let (status, _, body) =
        app.send(lock_request("PUT", "production", Some(&carol.secret), Some(reason.clone()))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "outside the token's scopes: {body}");
    for bad in [json!({ "reason": " " }), json!({ "reason": "x", "for": "2 weeks" }), json!({ "why": "x" })] {
        let (status, _, body) = app.send(lock_request("PUT", "dev", Some(&carol.secret), Some(bad))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }

    let (status, _, body) = app.send(lock_request("PUT", "dev", Some(&carol.secret), Some(reason))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lock: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(lock["set_by"], format!("carol (token #{})", carol.token.id));
    assert_eq!(lock["reason"], "incident 42");
    assert!(lock["until"].is_string());

    // Every page that shows dev says so, at once (the kept pages are made of locks too).
    let viewer = app.sign_in("dave").await;
    let shown = format!("<strong>Locked: </strong>{}", lock["sentence"].as_str().unwrap());
    for page in ["/", "/environments/dev"] {
        let (status, _, html) = app.get_as(&viewer, page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&shown), "{page} does not say {shown}");
    }

    let redeploy = json!({ "redeploy": true });
    let (status, _, body) = app.send(deploy("dev", Some(&dave.secret), None, redeploy.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains("dev is locked by carol (token #") && body.contains(": incident 42; only its owner"),
        "{body}"
    );
    let overriding = json!({ "redeploy": true, "lock_override": "the fix is in" });
    let (status, _, body) = app.send(deploy("dev", Some(&dave.secret), None, overriding)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only an admin overrides a lock: {body}");
    assert!(body.contains("Override a lock needs the admin role"), "{body}");
    let (status, _, body) = app.send(deploy("dev", Some(&carol.secret), None, redeploy)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "its owner deploys through it: {body}");

    let (status, _, body) = app.send(lock_request("DELETE", "dev", Some(&dave.secret), None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lifted: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(lifted["unlocked"]["reason"], "incident 42");
    let (status, _, body) = app.send(lock_request("DELETE", "dev", Some(&dave.secret), None)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "{\"unlocked\":null}"));
    for page in ["/", "/environments/dev"] {
        let (_, _, html) = app.get_as(&viewer, page).await;
        assert!(!html.contains("Locked: "), "{page} still shows the lock");
    }

    // The environment page's own forms do the same as the signed-in person.
    let form = |path: &str, body: &str| {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, viewer.as_str())
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let (status, _, html) = app.get_as(&viewer, "/environments/dev").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"reason\"") && html.contains(">Lock</button>"), "the page offers a lock");
    let locking = form(<LockEnvironment as ServerFn>::PATH, "env=dev&reason=demo+at+three&length=1h");
    let (status, _, body) = app.send(locking).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("dev is locked by dave since "), "{body}");
    let (_, _, html) = app.get_as(&viewer, "/environments/dev").await;
    assert!(html.contains(": demo at three</p>") && html.contains(">Unlock</button>"), "the page offers the unlock");
    let (status, _, body) = app.send(form(<UnlockEnvironment as ServerFn>::PATH, "env=dev")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "\"dev is unlocked.\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_lock_through_the_api_needs_a_scope_for_each_of_its_environments() {
    let app = spawn_app(Vec::new()).await;
    let scope = |name: &str| TokenScope::Deploy(EnvName::parse(name).unwrap());
    let dev_only = app.tengu.create_token(&person("bob"), "CI", vec![scope("dev")], 30).await.unwrap();
    let both = app.tengu.create_token(&person("bob"), "CI", vec![scope("dev"), scope("production")], 30).await.unwrap();
    let reader =
        app.tengu.create_token(&person("visitor"), "CI", vec![scope("dev"), scope("production")], 30).await.unwrap();
    let repo_lock = |method: &str, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut request = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(body.map_or_else(Body::empty, |body| Body::from(body.to_string()))).unwrap()
    };
    let shop = "/api/v1/repos/acme/shop/lock";
    let reason = json!({ "reason": "audit", "for": "until-unlocked" });
    let (status, _, body) = app.send(repo_lock("PUT", shop, None, Some(reason.clone()))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = app.send(repo_lock("PUT", shop, Some(&dev_only.secret), Some(reason.clone()))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("it lacks the deploy:production scope"), "{body}");
    // Every scope, but the role to lock is missing: the rule table says no, to both methods.
    let (status, _, body) = app.send(repo_lock("PUT", shop, Some(&reader.secret), Some(reason.clone()))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "read may not lock: {body}");
    assert!(body.contains("\"code\":\"denied\""), "{body}");
    let (status, _, body) = app.send(repo_lock("DELETE", shop, Some(&reader.secret), None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor unlock: {body}");
    let (status, _, body) =
        app.send(repo_lock("PUT", "/api/v1/repos/acme/other/lock", Some(&both.secret), Some(reason.clone()))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, _, body) = app.send(repo_lock("PUT", shop, Some(&both.secret), Some(reason))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let locks: Value = serde_json::from_str(&body).unwrap();
    let envs: Vec<&str> = locks["locks"].as_array().unwrap().iter().map(|l| l["env"].as_str().unwrap()).collect();
    assert_eq!(envs, ["dev", "production"]);
    let (status, _, body) = app.send(repo_lock("DELETE", shop, None, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = app.send(repo_lock("DELETE", shop, Some(&both.secret), None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lifted: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(lifted["unlocked"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_difference_answers_a_token_that_may_read_or_deploy_there_and_changes_nothing() {
    let app = spawn_app(Vec::new()).await;
    // What a person may see is what GitHub said at their last sign-in.
    app.sign_in("visitor").await;
    let reader = app.tengu.create_token(&person("visitor"), "look", vec![TokenScope::Read], 30).await.unwrap();
    let production = TokenScope::Deploy(EnvName::parse("production").unwrap());
    let elsewhere = app.tengu.create_token(&person("carol"), "prod", vec![production], 30).await.unwrap();
    let ask = |token: Option<&str>, body: Value| {
        let mut request =
            Request::post("/api/v1/environments/dev/difference").header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::from(body.to_string())).unwrap()
    };
    let (status, _, body) = app.send(ask(None, json!({ "redeploy": true }))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = app.send(ask(Some(&elsewhere.secret), json!({ "redeploy": true }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "outside the token's scopes: {body}");
    let (status, _, body) = app.send(ask(Some(&reader.secret), json!({ "redeploy": true, "sha": "x" }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let before = app.tengu.store().audit_log(1).await.unwrap();
    let built = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:api9";
    let (status, _, body) = app.send(ask(Some(&reader.secret), json!({ "image": built }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(found["env"], "dev");
    let web = &found["services"][0];
    assert_eq!((web["service"].as_str(), web["next"].as_str()), (Some("web"), None), "{found}");
    let change = &web["changes"][0];
    assert_eq!((change["change"].as_str(), change["key"].as_str()), (Some("changed"), Some("container app image")));
    assert_eq!(change["after"], built);
    assert!(web["settings"].as_str().unwrap().contains("on FARGATE"), "{found}");
    assert!(found["missing"].is_null(), "{found}");
    // A reader would be refused: the answer says why, and that no reason passes it.
    let refusal = &found["refusals"][0];
    assert!(refusal["sentence"].as_str().unwrap().contains("needs the deployer role"), "{found}");
    assert_eq!(refusal["overridable"], false);
    let last = found["lines"].as_array().unwrap().last().unwrap().as_str().unwrap().to_owned();
    assert!(last.starts_with("would be refused: "), "{last}");
    assert_eq!(app.tengu.store().audit_log(1).await.unwrap(), before, "a question records nothing");
}
