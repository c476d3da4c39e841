//! GitHub webhooks on real payloads (npm @octokit/webhooks-examples), retargeted at the sandbox's deploy PR.

use crate::support::{TestApp, spawn_app};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tengu_core::checklist_body;
use tengu_core::domain::{AuditAction, DeployPr, PrNumber, PrState, RepoSlug};
use tengu_server::web::webhook_signature::sign;

const SECRET: &[u8] = b"webhook secret for tests";
const OLD_SECRET: &[u8] = b"the secret being rotated out";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/github-webhooks/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn delivery(event: &str, id: &str, payload: &Value, secret: Option<&[u8]>) -> Request<Body> {
    let body = serde_json::to_vec(payload).unwrap();
    let mut request = Request::post("/webhooks/github")
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", id);
    if let Some(secret) = secret {
        request = request.header("x-hub-signature-256", sign(secret, &body));
    }
    request.body(Body::from(body)).unwrap()
}

async fn production_pr(app: &TestApp) -> DeployPr {
    let home = app.tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    let card = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap();
    app.tengu.deploy_pr(&card.repo, card.number).await.unwrap()
}

async fn body_on_github(app: &TestApp, pr: &DeployPr) -> String {
    app.tengu.code_host().pull_request(&pr.repo, pr.number).await.unwrap().body
}

/// The `opened` example, turned into the `edited` event GitHub sends when someone edits the deploy PR's body.
fn edited(pr: &DeployPr, body: &str, sender: &str) -> Value {
    let mut payload = fixture("pull_request.opened");
    payload["action"] = json!("edited");
    payload["changes"] = json!({ "body": { "from": "" } });
    payload["number"] = json!(pr.number.get());
    payload["repository"]["full_name"] = json!(pr.repo.to_string());
    payload["pull_request"]["number"] = json!(pr.number.get());
    payload["pull_request"]["body"] = json!(body);
    payload["pull_request"]["base"]["ref"] = json!(pr.base.as_str());
    payload["pull_request"]["head"]["ref"] = json!(pr.head.as_str());
    payload["sender"]["login"] = json!(sender);
    payload
}

fn n(number: u64) -> PrNumber {
    PrNumber::new(number).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_wrongly_signed_deliveries_are_refused_and_nothing_is_stored() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let ping = fixture("ping");
    assert_eq!(app.send(delivery("ping", "d-1", &ping, None)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(delivery("ping", "d-2", &ping, Some(b"wrong"))).await.0, StatusCode::UNAUTHORIZED);
    assert!(app.tengu.store().unfinished_deliveries(10).await.unwrap().is_empty());
    assert!(app.tengu.store().record_delivery(&stored("d-1")).await.unwrap(), "d-1 was never stored");

    let off = spawn_app(Vec::new()).await;
    assert_eq!(off.send(delivery("ping", "d-3", &ping, Some(SECRET))).await.0, StatusCode::SERVICE_UNAVAILABLE);
}

fn stored(id: &str) -> tengu_core::ports::StoredDelivery {
    tengu_core::ports::StoredDelivery {
        delivery_id: id.into(),
        event: "ping".into(),
        payload: "{}".into(),
        received_at: chrono::Utc::now(),
        repo: None,
        subject: None,
        attempts: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_and_unused_events_are_acknowledged_and_a_redelivery_is_handled_once() {
    let app = spawn_app(vec![SECRET.to_vec(), OLD_SECRET.to_vec()]).await;
    let (status, _, _) = app.send(delivery("ping", "p-1", &fixture("ping"), Some(SECRET))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // The worker handles the ping in the background; a redelivery is "known" once that is done.
    app.settle_deliveries().await;
    let (status, _, _) = app.send(delivery("ping", "p-1", &fixture("ping"), Some(OLD_SECRET))).await;
    assert_eq!(status, StatusCode::OK, "a redelivery signed with the previous secret is recognised");
    let (status, _, _) = app.send(delivery("push", "p-2", &fixture("push"), Some(OLD_SECRET))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // An event tengu does not act on is recorded (a redelivery is known) and finished, its payload not kept.
    let (status, _, body) = app.send(delivery("star", "p-3", &json!({"action": "created"}), Some(SECRET))).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "star events are not used by tengu; recorded without the payload.")
    );
    app.settle_deliveries().await;
    let (status, _, _) = app.send(delivery("star", "p-3", &json!({"action": "created"}), Some(SECRET))).await;
    assert_eq!(status, StatusCode::OK, "known");
    // Finished deliveries go after the retention period; unfinished ones stay whatever their age.
    assert_eq!(app.tengu.prune_deliveries(chrono::Duration::days(30)).await.unwrap(), 0, "nothing is old yet");
    assert_eq!(app.tengu.prune_deliveries(chrono::Duration::seconds(-60)).await.unwrap(), 3, "ping, push and star");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_github_ticks_and_unticks_as_the_sender() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    assert!(pr.item(n(123)).unwrap().verified.is_some() && pr.item(n(124)).unwrap().verified.is_none());
    let body = body_on_github(&app, &pr).await;
    let body = checklist_body::set_checked(&body, n(124), true).unwrap();
    let body = checklist_body::set_checked(&body, n(123), false).unwrap();

    // alice (admin) may tick and untick anyone's box.
    let (status, _, _) = app.send(delivery("pull_request", "e-1", &edited(&pr, &body, "alice"), Some(SECRET))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.settle_deliveries().await;

    let after = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert_eq!(after.item(n(124)).unwrap().verified.as_ref().unwrap().by, "alice");
    assert!(after.item(n(123)).unwrap().verified.is_none());
    assert_eq!(after.verified_count(), pr.verified_count(), "one ticked, one unticked");
    let log = app.tengu.store().audit_log(2).await.unwrap();
    assert!(log.iter().all(|e| e.actor == "alice" && e.detail.ends_with("(on GitHub)")));
    assert!(log.iter().any(|e| e.action == AuditAction::ItemUnverified));

    // dave (write) ticks carol's #127 on GitHub: GitHub let him edit the body, tengu's rule table does not let him
    // vouch for her. Refused, recorded, and the box is put back on GitHub.
    let before = body_on_github(&app, &pr).await;
    let daves = checklist_body::set_checked(&before, n(127), true).unwrap();
    app.tengu.code_host().update_pull_request_body(&pr.repo, pr.number, &daves).await.unwrap();
    let mut payload = edited(&pr, &daves, "dave");
    payload["changes"] = json!({ "body": { "from": before } });
    app.send(delivery("pull_request", "e-2", &payload, Some(SECRET))).await;
    app.settle_deliveries().await;
    let after = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert!(after.item(n(127)).unwrap().verified.is_none(), "not recorded");
    let refusal = app.tengu.store().audit_log(5).await.unwrap().into_iter().find(|e| e.action == AuditAction::Refused);
    let refusal = refusal.expect("the refusal is recorded");
    assert_eq!(refusal.actor, "dave");
    assert!(refusal.detail.contains("Verifying carol's change needs the admin role"), "{}", refusal.detail);
    assert!(checklist_body::read_checks(&body_on_github(&app, &pr).await).contains(&(n(127), false)), "put back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_or_closing_the_deploy_pr_on_github_is_recorded() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    let mut closed = fixture("pull_request.closed");
    closed["number"] = json!(pr.number.get());
    closed["repository"]["full_name"] = json!(pr.repo.to_string());
    closed["pull_request"]["merged"] = json!(true);
    app.send(delivery("pull_request", "c-1", &closed, Some(SECRET))).await;
    app.settle_deliveries().await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    assert_eq!(app.tengu.deploy_pr(&repo, pr.number).await.unwrap().state, PrState::Merged);
    assert!(
        app.tengu
            .home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System))
            .await
            .unwrap()
            .deploy_prs
            .iter()
            .all(|p| p.number != pr.number)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_stored_before_a_crash_are_handled_by_the_worker_and_a_redelivery_once_handled_is_not() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    let body = checklist_body::set_checked(&body_on_github(&app, &pr).await, n(127), true).unwrap();
    let payload = edited(&pr, &body, "carol");
    // Stored, as the receiver does before answering, but never handled: the process died here. The worker (of
    // the next start, here of this one) finds it due.
    let mut stored = stored("crash-1");
    stored.event = "pull_request".into();
    stored.payload = serde_json::to_string(&payload).unwrap();
    assert!(app.tengu.store().record_delivery(&stored).await.unwrap());
    app.settle_deliveries().await;
    let after = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert_eq!(after.item(n(127)).unwrap().verified.as_ref().unwrap().by, "carol");
    let (status, _, answer) = app.send(delivery("pull_request", "crash-1", &payload, Some(SECRET))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(answer.starts_with("Already received and handled: 1 checklist item(s) changed"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_payload_is_finished_with_its_reason_not_retried_forever() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let (status, _, _) = app.send(delivery("pull_request", "m-1", &json!({"action": 7}), Some(SECRET))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.settle_deliveries().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_delivery_applies_only_its_own_change_and_github_keeps_the_edit() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    let stale_body = body_on_github(&app, &pr).await;
    // On GitHub, carol ticks her #127 in a copy of the body that predates the dashboard tick of #124 below.
    let carols_body = checklist_body::set_checked(&stale_body, n(127), true).unwrap();
    let erin = tengu_core::domain::Actor::Person(tengu_core::domain::Login::parse("erin").unwrap());
    app.tengu.set_verification(&erin, &pr.repo, pr.number, n(124), true).await.unwrap();
    // She saves it: GitHub shows her copy, without the dashboard's tick, and tells tengu late.
    let carol = tengu_core::domain::Login::parse("carol").unwrap();
    app.github.edit_body(&carol, &pr.repo, pr.number, &carols_body).await.unwrap();

    let mut payload = edited(&pr, &carols_body, "carol");
    payload["changes"] = json!({ "body": { "from": stale_body } });
    app.send(delivery("pull_request", "late-1", &payload, Some(SECRET))).await;
    app.settle_deliveries().await;

    let after = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert_eq!(after.item(n(127)).unwrap().verified.as_ref().unwrap().by, "carol");
    assert_eq!(after.item(n(124)).unwrap().verified.as_ref().unwrap().by, "erin", "not undone by the late body");
    let on_github = body_on_github(&app, &pr).await;
    assert_eq!(
        on_github,
        checklist_body::set_checked(&carols_body, n(124), true).unwrap(),
        "the stale tick is put back"
    );

    // A title edit carries no body change: a late one with an old body changes no tick.
    let mut retitled = edited(&pr, &stale_body, "frank");
    retitled["changes"] = json!({ "title": { "from": "Old title" } });
    app.send(delivery("pull_request", "title-1", &retitled, Some(SECRET))).await;
    app.settle_deliveries().await;
    assert_eq!(app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap(), after);
}

/// GitHub has no compare-and-swap for a body: a delivery handled after a newer edit must not write over it, or the
/// newer edit's text is gone. The newer edit's own delivery puts the refused tick back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_behind_a_newer_edit_never_writes_over_it() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    let original = body_on_github(&app, &pr).await;
    // visitor may not tick carol's #127, ticks it anyway, then adds a note before tengu has heard of the tick.
    let visitor = tengu_core::domain::Login::parse("visitor").unwrap();
    let ticked = checklist_body::set_checked(&original, n(127), true).unwrap();
    app.github.edit_body(&visitor, &pr.repo, pr.number, &ticked).await.unwrap();
    let noted = format!("{ticked}\n\nnote: looked at it on staging");
    app.github.edit_body(&visitor, &pr.repo, pr.number, &noted).await.unwrap();

    let mut first = edited(&pr, &ticked, "visitor");
    first["changes"] = json!({ "body": { "from": original } });
    app.send(delivery("pull_request", "behind-1", &first, Some(SECRET))).await;
    app.settle_deliveries().await;
    assert_eq!(body_on_github(&app, &pr).await, noted, "the newer edit stays whole");

    let mut second = edited(&pr, &noted, "visitor");
    second["changes"] = json!({ "body": { "from": ticked } });
    app.send(delivery("pull_request", "behind-2", &second, Some(SECRET))).await;
    app.settle_deliveries().await;
    let after = body_on_github(&app, &pr).await;
    assert!(after.contains("note: looked at it on staging"), "{after}");
    assert!(checklist_body::read_checks(&after).contains(&(n(127), false)), "the refused tick is put back: {after}");
    let recorded = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert!(recorded.item(n(127)).unwrap().verified.is_none(), "the refused tick is not recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_to_the_source_branch_refreshes_the_deploy_prs_that_follow_it() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let mut push = fixture("push");
    push["repository"]["full_name"] = json!("acme/shop");
    push["ref"] = json!("refs/heads/master");
    let event = tengu_core::webhooks::parse_event("push", &push.to_string()).unwrap();
    let outcome = app.tengu.handle_github_event(&event).await.unwrap();
    let home = app.tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    assert_eq!(home.deploy_prs.len(), 2, "dev and production follow master in the sandbox");
    for card in &home.deploy_prs {
        let expected = format!("{}: deploy PR {} lists {} source PRs", card.env, card.number, card.total);
        assert!(outcome.contains(&expected), "{outcome} should contain {expected}");
    }

    push["ref"] = json!("refs/heads/feature/cart");
    let event = tengu_core::webhooks::parse_event("push", &push.to_string()).unwrap();
    let outcome = app.tengu.handle_github_event(&event).await.unwrap();
    assert_eq!(outcome, "push to acme/shop feature/cart: no environment refreshes on it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_commits_on_the_deploy_pr_refresh_it_and_move_the_gate_to_the_new_head() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    let tip = pr.head_sha.clone().unwrap();
    // tengu still thinks the deploy PR ends at an older commit.
    let old = "0123456789abcdef0123456789abcdef01234567";
    app.database.execute_raw(&format!("UPDATE deploy_prs SET head_sha = '{old}'")).await.unwrap();
    let world = |app: &TestApp| {
        let store = app.tengu.store().clone();
        async move {
            let text = store.load_document("sandbox.world").await.unwrap().unwrap();
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let statuses_before = world(&app).await["statuses"][tip.as_str()].as_array().map(Vec::len).unwrap_or(0);

    let mut synchronize = fixture("pull_request.synchronize");
    synchronize["number"] = json!(pr.number.get());
    synchronize["repository"]["full_name"] = json!(pr.repo.to_string());
    app.send(delivery("pull_request", "s-1", &synchronize, Some(SECRET))).await;
    app.settle_deliveries().await;

    let after = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert_eq!(after.head_sha, Some(tip.clone()), "the refresh read the head from GitHub");
    let statuses = world(&app).await["statuses"][tip.as_str()].as_array().cloned().unwrap();
    assert_eq!(statuses.len(), statuses_before.max(1), "the gate is on the head (replaced, not duplicated)");
    assert_eq!(statuses[0]["context"], "tengu/verification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_pr_opened_by_hand_is_adopted_with_its_ticks() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    // tengu forgets its deploy PR, as if someone (or git-pr-release) had opened it on GitHub without tengu.
    app.database.execute_raw("DELETE FROM checklist_items").await.unwrap();
    app.database.execute_raw("DELETE FROM deploy_prs").await.unwrap();
    let mut opened = fixture("pull_request.opened");
    opened["number"] = json!(pr.number.get());
    opened["repository"]["full_name"] = json!(pr.repo.to_string());
    opened["pull_request"]["base"]["ref"] = json!("deployment/production");
    opened["pull_request"]["head"]["ref"] = json!("master");
    // From a fork's master it is not the deploy PR.
    opened["pull_request"]["head"]["repo"]["full_name"] = json!("someone/shop");
    let event = tengu_core::webhooks::parse_event("pull_request", &opened.to_string()).unwrap();
    let outcome = app.tengu.handle_github_event(&event).await.unwrap();
    assert_eq!(outcome, format!("acme/shop{} is not a deploy PR", pr.number));
    assert!(app.tengu.deploy_pr(&pr.repo, pr.number).await.is_err(), "a fork's PR is not adopted");

    opened["pull_request"]["head"]["repo"]["full_name"] = json!("acme/shop");
    app.send(delivery("pull_request", "o-1", &opened, Some(SECRET))).await;
    app.settle_deliveries().await;

    let adopted = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert_eq!(adopted.items.len(), pr.items.len());
    assert_eq!(adopted.verified_count(), pr.verified_count(), "the ticks in the body are kept");
}

fn merged(pr: &DeployPr, sender: &str, merge_sha: &str) -> Value {
    let mut closed = fixture("pull_request.closed");
    closed["number"] = json!(pr.number.get());
    closed["repository"]["full_name"] = json!(pr.repo.to_string());
    closed["pull_request"]["merged"] = json!(true);
    closed["pull_request"]["merge_commit_sha"] = json!(merge_sha);
    closed["pull_request"]["merged_at"] = json!(chrono::Utc::now().to_rfc3339());
    closed["sender"]["login"] = json!(sender);
    closed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_a_verified_deploy_pr_deploys_the_merge_commit_and_a_waiting_one_deploys_nothing() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let pr = production_pr(&app).await;
    // GitHub merged it (the simulated GitHub's deploy branch moves to the merge commit), then tells tengu.
    let erin = tengu_core::domain::Login::parse("erin").unwrap();
    let (merge_commit, _) = app.github.merge(&erin, &pr.repo, pr.number).await.unwrap();
    let merge_sha = merge_commit.as_str();
    let before =
        app.tengu.store().recent_deployments(&tengu_core::domain::DeploymentFilter::newest(100)).await.unwrap().len();

    // The gate is waiting: the merge is recorded, nothing ships, and the outcome says why.
    let event = tengu_core::webhooks::parse_event("pull_request", &merged(&pr, "erin", merge_sha).to_string()).unwrap();
    let outcome = app.tengu.handle_github_event(&event).await.unwrap();
    assert!(outcome.contains("not deployed: merged with 3 of 8 verified (waiting for @"), "{outcome}");
    assert_eq!(
        app.tengu.store().recent_deployments(&tengu_core::domain::DeploymentFilter::newest(100)).await.unwrap().len(),
        before
    );

    // Overridden (the gate is green): the merge commit's image ships, as the person who merged.
    app.database.execute_raw("UPDATE deploy_prs SET state = 'open'").await.unwrap();
    let alice = tengu_core::domain::Actor::Person(tengu_core::domain::Login::parse("alice").unwrap());
    app.tengu.override_gate(&alice, &pr.repo, pr.number, "Hotfix, verified on staging by hand").await.unwrap();
    // Production asks for maintain: a merge by a writer records why it shipped nothing.
    let outcome = app.tengu.handle_github_event(&event).await.unwrap();
    assert!(outcome.contains("not deployed: Deploying to production needs maintain on acme/shop"), "{outcome}");
    app.database.execute_raw("UPDATE deploy_prs SET state = 'open'").await.unwrap();
    let event = tengu_core::webhooks::parse_event("pull_request", &merged(&pr, "bob", merge_sha).to_string()).unwrap();
    // The delivery ends once the deployment is recorded; the rollout goes on in the background.
    let outcome = app.tengu.handle_github_event(&event).await.unwrap();
    // Production asks for a second person; the sandbox's GitHub has no reviews, so the dashboard must approve.
    assert!(outcome.ends_with("to production waits for another person's approval"), "{outcome}");
    let recent = app.tengu.store().recent_deployments(&tengu_core::domain::DeploymentFilter::newest(1)).await.unwrap();
    let started = recent.into_iter().next().expect("the merge started a deployment");
    assert_eq!(started.trigger, tengu_core::domain::Trigger::Merge);
    assert_eq!(started.sha.as_ref().map(|s| s.as_str()), Some(merge_sha));
    assert_eq!(started.actor, "bob");
    assert_eq!(started.source_prs, pr.items.iter().map(|i| i.source.number).collect::<Vec<_>>(), "what it ships");
    assert_eq!(started.env.as_str(), "production");
    assert!(started.image.to_string().ends_with(&format!(":{}", merge_commit.short())), "{}", started.image);
    assert_eq!(started.state, tengu_core::domain::DeploymentState::AwaitingApproval);
    let approved = app.tengu.approve_deployment(&alice, started.id).await.unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("alice"));
    assert!(!approved.state.is_terminal(), "the sandbox rollout takes 20 s");
    // Its page lists what it shipped as the deploy PR did: titles, authors, commits, who verified.
    let page = app
        .tengu
        .deployment_view(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System), started.id)
        .await
        .unwrap();
    assert_eq!(page.deploy_pr.as_ref().map(|link| link.label.clone()), Some(pr.number.to_string()));
    assert_eq!(page.shipped.len(), pr.items.len());
    assert!(page.shipped.iter().all(|item| !item.commits.is_empty()));
    let cookie = app.sign_in("visitor").await;
    let (_, _, html) = app.get_as(&cookie, &format!("/deployments/{}", started.id)).await;
    assert!(html.contains(&format!("What shipped (deploy PR #{})", pr.number.get())), "the page lists it");
    assert!(html.contains(&pr.items[0].source.title), "with titles");
    // A second delivery of the same merge (GitHub redelivers) is the same deployment.
    let again = app.tengu.handle_github_event(&event).await.unwrap();
    assert!(again.contains(&format!("deployment {} ", started.id)), "{again}");
}

/// Review environments for Codertocat/Hello-World (the repository of the @octokit/webhooks-examples payloads),
/// on the sandbox's simulated tasks.
fn with_reviews_for_examples(app: &TestApp) -> tengu_core::Tengu {
    let mut settings = app.tengu.settings().review[0].clone();
    settings.repo = tengu_core::domain::RepoSlug::parse("Codertocat/Hello-World").unwrap();
    app.tengu.clone().with_review_settings(vec![settings])
}

async fn handle(tengu: &tengu_core::Tengu, event: &str, payload: &Value) -> String {
    let parsed = tengu_core::webhooks::parse_event(event, &payload.to_string()).unwrap();
    tengu.handle_github_event(&parsed).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_gets_a_review_environment_from_open_to_close() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let tengu = with_reviews_for_examples(&app);
    let repo = tengu_core::domain::RepoSlug::parse("Codertocat/Hello-World").unwrap();
    let number = tengu_core::domain::PrNumber::new(2).unwrap();
    let env = || async { tengu.store().review_env(&repo, number).await.unwrap().unwrap() };

    let opened = handle(&tengu, "pull_request", &fixture("pull_request.opened")).await;
    assert_eq!(
        opened,
        "Codertocat/Hello-World#2: review environment starting at https://pr-2-hello-world.review.sandbox.test"
    );
    let started = env().await;
    assert_eq!(started.sha.as_str(), "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
    assert_eq!(started.branch.as_str(), "changes");
    assert!(started.task.is_some());

    let mut pushed = fixture("pull_request.synchronize");
    pushed["pull_request"]["head"]["sha"] = json!("1111111111111111111111111111111111111111");
    handle(&tengu, "pull_request", &pushed).await;
    assert_eq!(env().await.sha.as_str(), "1111111111111111111111111111111111111111", "the newer commit runs");

    let closed = handle(&tengu, "pull_request", &fixture("pull_request.closed")).await;
    assert_eq!(closed, "Codertocat/Hello-World#2: review environment stopped (pull request closed)");
    assert_eq!(env().await.state, tengu_core::domain::ReviewEnvState::Stopped);

    let reopened = handle(&tengu, "pull_request", &fixture("pull_request.reopened")).await;
    assert!(reopened.starts_with("Codertocat/Hello-World#2: review environment starting"), "{reopened}");
    assert_eq!(env().await.state, tengu_core::domain::ReviewEnvState::Starting);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forks_and_opted_out_pull_requests_get_no_review_environment() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let tengu = with_reviews_for_examples(&app);
    let mut forked = fixture("pull_request.opened");
    forked["pull_request"]["head"]["repo"]["full_name"] = json!("mallory/Hello-World");
    let outcome = handle(&tengu, "pull_request", &forked).await;
    assert_eq!(outcome, "Codertocat/Hello-World#2 comes from a fork: no review environment runs its code");
    let mut opted_out = fixture("pull_request.opened");
    opted_out["pull_request"]["labels"] = json!([{ "id": 1, "name": "no-review-env", "color": "ededed" }]);
    let outcome = handle(&tengu, "pull_request", &opted_out).await;
    assert_eq!(outcome, "Codertocat/Hello-World#2: its labels ask for no review environment");
    let repo = tengu_core::domain::RepoSlug::parse("Codertocat/Hello-World").unwrap();
    assert!(tengu.store().review_env(&repo, tengu_core::domain::PrNumber::new(2).unwrap()).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_opts_a_pull_request_in_and_out() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let mut settings = app.tengu.settings().review[0].clone();
    settings.repo = tengu_core::domain::RepoSlug::parse("Codertocat/Hello-World").unwrap();
    settings.opt_in_label = Some("review-env".into());
    let tengu = app.tengu.clone().with_review_settings(vec![settings]);
    let opened = handle(&tengu, "pull_request", &fixture("pull_request.opened")).await;
    assert_eq!(opened, "Codertocat/Hello-World#2: its labels ask for no review environment");
    let mut labelled = fixture("pull_request.opened");
    labelled["action"] = json!("labeled");
    labelled["label"] = json!({ "id": 1, "name": "review-env", "color": "ededed" });
    labelled["pull_request"]["labels"] = json!([{ "id": 1, "name": "review-env", "color": "ededed" }]);
    let outcome = handle(&tengu, "pull_request", &labelled).await;
    assert!(outcome.starts_with("Codertocat/Hello-World#2: labelled in; review environment starting"), "{outcome}");
    labelled["action"] = json!("unlabeled");
    labelled["pull_request"]["labels"] = json!([]);
    let outcome = handle(&tengu, "pull_request", &labelled).await;
    assert_eq!(outcome, "Codertocat/Hello-World#2: labelled out; review environment stopped");
    // Another label, or any label on a closed pull request, changes nothing.
    labelled["label"] = json!({ "id": 2, "name": "bug", "color": "d73a4a" });
    let outcome = handle(&tengu, "pull_request", &labelled).await;
    assert_eq!(outcome, "Codertocat/Hello-World#2: that label changes nothing for its review environment");
}
