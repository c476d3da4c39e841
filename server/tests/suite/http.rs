//! The web layer over a real sandbox on a throwaway SQLite file, request by request (no socket needed).

use crate::support::{get, spawn_app};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use tengu_app::api::SetVerification;
use tengu_core::domain::{PrNumber, RepoSlug};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer() {
    let app = spawn_app(Vec::new()).await;
    assert_eq!(app.send(get("/healthz")).await.2, "ok");
    let (status, _, body) = app.send(get("/readyz")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ready"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_is_rendered_on_the_server_with_the_sandbox_banner() {
    let app = spawn_app(Vec::new()).await;
    let cookie = app.sign_in("alice").await;
    let (status, _, html) = app.get_as(&cookie, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sandbox"), "the banner is on the page");
    assert!(html.contains("3 of 8 verified") && html.contains("1 of 3 verified"));
    assert!(html.contains("shop-production-web:43"), "the current task definition revision");
    assert!(html.contains("Rolled back"));
    assert!(html.contains("@alice") && html.contains("admin on acme/shop"), "the header says who is signed in");
    assert!(html.contains("<title>Overview · tengu</title>"), "the page's title");
    let (status, _, html) = app.get_as(&cookie, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<title>Not found · tengu</title>") && html.contains("Nothing here"), "{html}");
    // Nothing hydrates the pages: they carry none of Leptos's hydration marks.
    for page in ["/", "/environments/dev", "/deployments", "/review-envs", "/settings/tokens", "/audit", "/chat"] {
        let (status, _, html) = app.get_as(&cookie, page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(!html.contains("<!>") && html.starts_with("<!DOCTYPE html><html lang=\"en\">"), "{page}: {html}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_post_ticks_an_item_as_the_chosen_person_and_goes_back() {
    let app = spawn_app(Vec::new()).await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let home = app.tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    let pr = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap().number;
    let page = format!("/repos/acme/shop/deploy-prs/{}", pr.get());
    let cookie = app.sign_in("erin").await;
    let (status, _, html) = app.get_as(&cookie, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Verified #124 Add returns page"), "each item has a labelled checkbox");

    let form = format!("repo=acme%2Fshop&deploy_pr={}&item=124&verified=true", pr.get());
    let tick = Request::post(<SetVerification as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, page.as_str())
        .header(header::COOKIE, cookie.as_str())
        .body(Body::from(form))
        .unwrap();
    let (status, headers, _) = app.send(tick).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], page.as_str());

    let stored = app.tengu.deploy_pr(&repo, pr).await.unwrap();
    let item = stored.item(PrNumber::new(124).unwrap()).unwrap();
    assert_eq!(item.verified.as_ref().unwrap().by, "erin");
    let (_, _, html) = app.get_as(&cookie, &page).await;
    assert!(html.contains("4 of 8 verified"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_sentence_and_changes_nothing() {
    let app = spawn_app(Vec::new()).await;
    let cookie = app.sign_in("erin").await;
    let form = "repo=not-a-repo&deploy_pr=1&item=124&verified=true";
    let tick = Request::post(<SetVerification as ServerFn>::PATH)
        .header(header::COOKIE, cookie.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let (status, _, body) = app.send(tick).await;
    assert!(status.is_client_error() || status.is_server_error(), "{status}");
    assert!(body.contains("owner/name"), "{body}");

    let unknown = "repo=acme%2Fshop&deploy_pr=9999&item=124&verified=true";
    let tick = Request::post(<SetVerification as ServerFn>::PATH)
        .header(header::COOKIE, cookie.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(unknown))
        .unwrap();
    let (_, _, body) = app.send(tick).await;
    assert!(body.contains("deploy PR acme/shop#9999 was not found"), "{body}");

    // A number past 2^31-1 is a 400 with a sentence, never a panic.
    let huge = "repo=acme%2Fshop&deploy_pr=99999999999&item=124&verified=true";
    let tick = Request::post(<SetVerification as ServerFn>::PATH)
        .header(header::COOKIE, cookie.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(huge))
        .unwrap();
    let (status, _, body) = app.send(tick).await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, _, _) = app.get_as(&cookie, "/repos/acme/shop/deploy-prs/99999999999").await;
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_has_its_own_page_that_github_links_to() {
    let app = spawn_app(Vec::new()).await;
    let cookie = app.sign_in("visitor").await;
    let home = app.tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    let failed = home.recent_deployments.iter().find(|d| d.reason.is_some()).expect("the sandbox has a failure");
    let (status, _, html) = app.get_as(&cookie, &format!("/deployments/{}", failed.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("Deployment {} to {}", failed.id, failed.env)), "the title");
    assert!(html.contains(&failed.image.to_string()));
    assert!(html.contains(failed.reason.as_deref().unwrap()), "the reason");
    let (_, _, overview) = app.get_as(&cookie, "/").await;
    assert!(overview.contains(&format!("href=\"/deployments/{}\"", failed.id)), "rows link to their page");
    let (_, _, missing) = app.get_as(&cookie, "/deployments/999999").await;
    assert!(missing.contains("deployment 999999 was not found"), "a sentence, not a stack");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_page_the_history_and_the_live_stream_answer() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let app = spawn_app(Vec::new()).await;
    let cookie = app.sign_in("bob").await;
    let (status, _, html) = app.get_as(&cookie, "/environments/production").await;
    assert_eq!(status, StatusCode::OK);
    for text in ["Environment production", ">Redeploy<", ">Rollback<", "Rollout", "History"] {
        assert!(html.contains(text), "the environment page shows {text}");
    }
    // Redeploy leads to its review, whose button carries an idempotency key as served, so a press sent as a plain
    // form has one too.
    assert!(html.contains("action=\"/environments/production/review\""), "the buttons lead to their review");
    let review = Request::post("/environments/production/review")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::COOKIE, cookie.as_str())
        .body(Body::from("press=redeploy"))
        .unwrap();
    let (_, _, reviewed) = app.send(review).await;
    let key = reviewed.split("name=\"key\" value=\"").nth(1).expect("a key field").split('"').next().unwrap();
    assert!(key.len() >= 16, "a real key, not an empty one: {key:?}");
    // The lock and approval buttons are sent in place by the page's script, and the rollout follows the
    // environment's stream; nothing on the page is hydrated.
    assert!(html.contains("data-enhance"), "the buttons are sent in place");
    assert!(html.contains("id=\"environment-rollout\" data-region"), "the rollout is a region its stream draws");
    assert!(!html.contains("<leptos-island"), "no island");
    assert!(!html.contains("__RESOLVED_RESOURCES["), "what the page was read from is not sent again as JSON");
    // The refusal's template holds its role back: a page saying `role="alert"` is not kept by the page cache.
    let alert = html.find("role=\"alert\"").map(|at| &html[at.saturating_sub(300)..at + 200]);
    assert_eq!(alert, None, "nothing on the page says something went wrong");
    let (_, _, unknown) = app.get_as(&cookie, "/environments/nowhere").await;
    assert!(unknown.contains("environment nowhere"), "a sentence for an unknown environment");
    let (_, _, history) = app.get_as(&cookie, "/deployments?state=rolled_back").await;
    assert!(history.contains("badge--bad\">Rolled back<"), "rolled-back rows are listed");
    assert!(!history.contains("badge--good"), "and no successful one");

    // The page's live stream sends its regions at once: the rollout shows the environment's newest deployment.
    let with_cookie =
        |path: &str| Request::get(path).header(header::COOKIE, cookie.as_str()).body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(with_cookie("/api/live?page=/environments/production")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = response.into_body();
    let frame = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let frame = String::from_utf8_lossy(&frame).into_owned();
    let json: String = frame.lines().filter_map(|line| line.strip_prefix("data:")).map(str::trim_start).collect();
    let regions: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let rollout = regions.iter().find(|r| r["id"] == "environment-rollout").expect("the rollout region");
    let production = tengu_core::domain::EnvName::parse("production").unwrap();
    let (latest, _) = app.tengu.store().latest_deployments(&production).await.unwrap();
    let latest = latest.expect("the sandbox has deployed production");
    assert!(rollout["html"].as_str().unwrap().contains(&format!("/deployments/{}", latest.id.0)), "{rollout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_asks_which_task_serves_a_review_host() {
    let app = spawn_app(Vec::new()).await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let pr = tengu_core::usecases::ReviewPr {
        repo: repo.clone(),
        number: PrNumber::new(900).unwrap(),
        title: "Route me".into(),
        author: tengu_core::domain::Login::parse("alice").unwrap(),
        branch: tengu_core::domain::BranchName::parse("feature/route-me").unwrap(),
        sha: tengu_core::domain::CommitSha::parse("c".repeat(40)).unwrap(),
    };
    app.tengu.start_review_env(pr).await.unwrap();
    let (status, _, body) = app.send(get("/api/review-envs/route?host=pr-900-shop.review.sandbox.test")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::NOT_FOUND, "no running review environment serves pr-900-shop.review.sandbox.test")
    );

    // The sandbox's task comes up in about six seconds; the reconciliation notices.
    let mut answer = None;
    for _ in 0..40 {
        app.tengu.reconcile_review_envs().await.unwrap();
        let (status, headers, body) =
            app.send(get("/api/review-envs/route?host=pr-900-shop.review.sandbox.test")).await;
        if status == StatusCode::OK {
            answer = Some((headers, body));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let (headers, body) = answer.expect("routed within 10 s");
    assert!(body.starts_with("10.0.") && body.ends_with(":8080"), "{body}");
    assert_eq!(headers["x-review-upstream"], body.as_str());
    let (status, _, _) = app.send(get("/api/review-envs/route")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
