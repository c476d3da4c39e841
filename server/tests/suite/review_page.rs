//! The review before a deploy: the environment page's Deploy, Redeploy and Rollback lead to what each service would
//! run instead, field by field, with the service settings that stay and whether what the deploy needs exists; its
//! button then asks for the deploy. Only a press draws it (it asks ECS); an address alone goes back to the page.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::PressDeploy;

use crate::support::{TestApp, commit_of, spawn_app};

fn press(path: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://127.0.0.1:3000");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

/// The value of the hidden input `name` of the page's form.
fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in {html}"));
    html[at..].split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

/// Whether the page's button labelled `label` is there and on (not `disabled`).
pub(crate) fn button_on(html: &str, label: &str) -> Option<bool> {
    let end = html.find(&format!(">{label}</button>"))?;
    let start = html[..end].rfind("<button")?;
    Some(!html[start..end].contains(" disabled"))
}

async fn review(app: &TestApp, cookie: &str, form: &str) -> String {
    let (status, _, html) = app.send(press("/environments/dev/review", Some(cookie), form)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_is_reviewed_field_by_field_before_its_button_asks_for_it() {
    let app = spawn_app(Vec::new()).await;
    let (dave, visitor) = (app.sign_in("dave").await, app.sign_in("visitor").await);
    let (_, _, page) = app.get_as(&dave, "/environments/dev").await;
    assert!(page.contains("action=\"/environments/dev/review\""), "Deploy leads to its review");

    // New code waits for the deploy PR's gate: the review says so, and its button is off until an admin passes it.
    let sha = commit_of("rv1");
    let html = review(&app, &dave, &format!("press=deploy&input={sha}")).await;
    assert!(html.contains("dev has unverified changes"), "{html}");
    assert_eq!(button_on(&html, "Confirm deploy"), Some(false), "{html}");
    let (alice, dev) = (
        tengu_core::domain::Actor::Person(tengu_core::domain::Login::parse("alice").unwrap()),
        tengu_core::domain::EnvName::parse("dev").unwrap(),
    );
    app.tengu.override_environment_gate(&alice, &dev, None, "the review test ships a test image").await.unwrap();
    let html = review(&app, &dave, &format!("press=deploy&input={sha}")).await;
    assert!(html.contains(&format!("Review: deploy {sha} to dev")), "{html}");
    let tag = format!(":{}</code>", &sha[..7]);
    for shown in ["web: shop-dev-web:", "→ a new revision of shop-dev-web", "container app image", &tag] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    assert!(html.contains("3 tasks on FARGATE; rolls 100-200 %; circuit breaker rolls back"), "{html}");
    assert!(html.contains("Ready: the image, the roles and the log groups it names exist."), "{html}");
    assert_eq!(button_on(&html, "Confirm deploy"), Some(true), "{html}");

    // Its button asks for the deploy (the key it carries makes a second press the same deployment).
    let form = format!("env=dev&input={}&key={}", hidden(&html, "input"), hidden(&html, "key"));
    let confirm = |form: String| {
        Request::post(<PressDeploy as ServerFn>::PATH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, dave.as_str())
            .body(Body::from(form))
            .unwrap()
    };
    let (status, _, first) = app.send(confirm(form.clone())).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, _, again) = app.send(confirm(form)).await;
    let id = |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap()["id"].as_i64().unwrap();
    assert_eq!(id(&first), id(&again), "a double click is one deployment");

    // A reader sees the same difference, with the button off and why.
    let html = review(&app, &visitor, "press=redeploy").await;
    assert!(html.contains("Review: redeploy dev") && html.contains("Nothing changes but a restart"), "{html}");
    assert_eq!(button_on(&html, "Confirm redeploy"), Some(false), "{html}");
    assert!(html.contains("needs the deployer role"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_says_what_would_refuse_the_deploy_and_only_a_press_draws_it() {
    let app = spawn_app(Vec::new()).await;
    let dave = app.sign_in("dave").await;
    let missing = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:missing1";
    let html = review(&app, &dave, &format!("press=deploy&input={missing}+{}", commit_of("missing1"))).await;
    assert!(html.contains("It would fail before changing ECS: image"), "{html}");
    assert_eq!(button_on(&html, "Confirm deploy"), Some(false), "{html}");
    let html = review(&app, &dave, "press=deploy&input=0123456").await;
    assert!(html.contains("looks like a short commit SHA"), "{html}");
    let html = review(&app, &dave, "press=launch").await;
    assert!(html.contains("say what to review"), "{html}");

    // Anonymously: nothing is drawn; an address alone goes back to the environment with what it carried.
    let (status, _, _) = app.send(press("/environments/dev/review", None, "press=redeploy")).await;
    assert!(status == StatusCode::UNAUTHORIZED || status.is_redirection(), "{status}");
    let (status, headers, _) = app.get_as(&dave, "/environments/dev/review?__err=x").await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(headers[header::LOCATION], "/environments/dev?__err=x");
    let (_, headers, _) = app.get_as(&dave, "/environments/dev/review?").await;
    assert_eq!(headers[header::LOCATION], "/environments/dev", "a confirmation's success comes back without a query");

    // The deploy PR page shows what merging it would change, without a button to deploy around the merge.
    let (_, _, overview) = app.get_as(&dave, "/").await;
    let link = overview.split("href=\"/repos/acme/shop/deploy-prs/").nth(1).expect("an open deploy PR");
    let number = link.split('"').next().unwrap();
    let (_, _, pr_page) = app.get_as(&dave, &format!("/repos/acme/shop/deploy-prs/{number}")).await;
    assert!(pr_page.contains(">What will change on ECS</button>"), "{pr_page}");
    let env = pr_page.split("action=\"/environments/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let sha = hidden(&pr_page, "input");
    let (status, _, html) = app
        .send(press(
            &format!("/environments/{env}/review"),
            Some(&dave),
            &format!("press=deploy&input={sha}&look=only"),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Merging the deploy PR ships this.") && !html.contains("Confirm deploy"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_run_for_an_admins_press_and_only_then() {
    let app = spawn_app(Vec::new()).await;
    let (alice, carol) = (app.sign_in("alice").await, app.sign_in("carol").await);
    let (status, _, page) = app.get_as(&alice, "/settings/checks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(">Run the checks</button>") && !page.contains("checks, 0 failed"),
        "a page load runs nothing"
    );
    let (status, _, _) = app.send(press("/settings/checks", None, "")).await;
    assert!(status == StatusCode::UNAUTHORIZED || status.is_redirection(), "{status}");
    let (_, _, refused) = app.send(press("/settings/checks", Some(&carol), "")).await;
    assert!(refused.contains("the checks are for the admins of a repository tengu deploys"), "{refused}");
    let (status, _, html) = app.send(press("/settings/checks", Some(&alice), "")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let shown = [
        "8 checks, 0 failed",
        "dev: ECS",
        "cluster shop-dev runs web, worker",
        "production: what runs",
        "acme/shop: review environments",
    ];
    for shown in shown {
        assert!(html.contains(shown), "{shown} in {html}");
    }
}
