//! Every door keeps the same promise. The same scenario goes through each door tengu has (the dashboard's button, a
//! merge of the deploy PR, the API, the local CLI, the remote CLI, Slack's `/tengu` through the sandbox's chat), each
//! against a real `tengu serve` on the sandbox: shipping dev's deploy PR while its checklist waits for ticks is
//! refused (and recorded) at every door; once every item is ticked it ships, and each door records the same deploy
//! PR, source PRs, carried changes and GitHub Deployment.

use std::time::{Duration, Instant};

use crate::support::process::{Served, run_tengu, simulation_beside, sqlite_url, token_of};
use leptos::server_fn::ServerFn;
use tengu_app::api::{PressDeploy, SandboxChatSay};
use tengu_core::Tengu;
use tengu_core::domain::{
    Actor, AuditAction, CommitSha, DeployPr, Deployment, DeploymentFilter, EnvName, Login, TokenScope,
};

const WEBHOOK_SECRET: &str = "doors-webhook-secret-0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    Button,
    Merge,
    Api,
    LocalCli,
    RemoteCli,
    Slack,
}

const DOORS: [Door; 6] = [Door::Button, Door::Merge, Door::Api, Door::LocalCli, Door::RemoteCli, Door::Slack];

/// A sandbox server with dev's open deploy PR, and dave (a deployer) at every door.
struct World {
    served: Served,
    url: String,
    tengu: Tengu,
    /// The simulated GitHub the server shares, on which dave merges.
    github: tengu_sandbox::SimulatedGithub,
    pr: DeployPr,
    head: CommitSha,
    /// The image CI built of the deploy PR's head (by dev's image template).
    image: String,
    cookie: String,
    token: String,
}

async fn world(name: &str) -> World {
    let url = sqlite_url(name);
    let served = Served::start(&url, &[("TENGU_GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let (tengu, github) = simulation_beside(&served, &url).await;
    let dev = EnvName::parse("dev").unwrap();
    let open = tengu.store().open_deploy_prs().await.unwrap();
    let pr = open.into_iter().find(|pr| pr.env == dev).expect("the sandbox seeds dev's deploy PR");
    let head = pr.head_sha.clone().expect("its head");
    let image = tengu.settings().environments.iter().find(|e| e.name == dev).unwrap().image_for(&head).unwrap();
    let token = token_of(&tengu, "dave", vec![TokenScope::Deploy(dev)]).await;
    let cookie = served.sign_in("dave").await;
    World { image: image.to_string(), served, url, tengu, github, pr, head, cookie, token }
}

/// What a door answered: done, or refused with a sentence.
#[derive(Debug)]
enum Answer {
    Started,
    Refused(String),
}

/// Ships dev's deploy PR through `door`.
async fn knock(world: &World, door: Door) -> Answer {
    let sha = world.head.as_str();
    match door {
        Door::Button => {
            let form = format!("env=dev&key=doors-{}&input={sha}", rand_suffix());
            let (status, body) = world.served.call(&world.cookie, <PressDeploy as ServerFn>::PATH, &form).await;
            if status.is_success() { Answer::Started } else { Answer::Refused(body) }
        }
        Door::Merge => merge(world).await,
        Door::Api => {
            let answer = world
                .served
                .http
                .post(world.served.url("/api/v1/environments/dev/deployments"))
                .bearer_auth(&world.token)
                .json(&serde_json::json!({ "image": world.image, "sha": sha }))
                .send()
                .await
                .unwrap();
            let status = answer.status();
            let body = answer.text().await.unwrap();
            if status.as_u16() == 202 { Answer::Started } else { Answer::Refused(format!("{status} {body}")) }
        }
        Door::LocalCli => {
            let args = ["deploy", "dev", "--image", &world.image, "--sha", sha, "--as", "dave"];
            let ran = run_tengu(&args, &[("TENGU_DATABASE_URL", &world.url)]).await;
            if ran.code == 0 { Answer::Started } else { Answer::Refused(format!("{}: {}", ran.code, ran.stderr)) }
        }
        Door::RemoteCli => {
            let args = ["deploy", "dev", "--image", &world.image, "--sha", sha];
            let vars = [("TENGU_SERVER", world.served.base.as_str()), ("TENGU_TOKEN", world.token.as_str())];
            let ran = run_tengu(&args, &vars).await;
            if ran.code == 0 { Answer::Started } else { Answer::Refused(format!("{}: {}", ran.code, ran.stderr)) }
        }
        Door::Slack => slack(world, &format!("/tengu deploy dev {} {sha}", world.image)).await,
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// dave merges the deploy PR on the simulated GitHub, which moves the deploy branch to its merge commit; GitHub's
/// `pull_request` `closed` delivery of it, signed, and how tengu handled it.
async fn merge(world: &World) -> Answer {
    let pr = &world.pr;
    let dave = Login::parse("dave").unwrap();
    let (_, merged) = world.github.merge(&dave, &pr.repo, pr.number).await.expect("the simulated GitHub merges it");
    let body = merged.body.into_bytes();
    let delivery = format!("doors-{}", rand_suffix());
    let answer = world
        .served
        .http
        .post(world.served.url("/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", &delivery)
        .header("x-hub-signature-256", tengu_server::web::webhook_signature::sign(WEBHOOK_SECRET.as_bytes(), &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 202, "the delivery is taken");
    let outcome = eventually(Duration::from_secs(20), || async {
        world.tengu.store().delivery(&delivery).await.unwrap().and_then(|d| d.outcome)
    })
    .await;
    if outcome.contains("started") { Answer::Started } else { Answer::Refused(outcome) }
}

/// `text` typed by dave in the sandbox's chat (signed as Slack signs, through `/slack/commands`); tengu's answer.
async fn slack(world: &World, text: &str) -> Answer {
    let dave = Login::parse("dave").unwrap();
    let chat_user = tengu_sandbox::chat::chat_people().into_iter().find(|(_, l)| l == &dave).unwrap().0;
    let channel = || async {
        let page = world.served.http.get(world.served.url("/chat")).header("cookie", &world.cookie).send().await;
        crate::support::chat_entries(&page.unwrap().text().await.unwrap())
    };
    let seen = channel().await.iter().map(|e| e.id).max().unwrap_or(0);
    let form = serde_urlencoded::to_string([("chat_user", chat_user.as_str()), ("text", text)]).unwrap();
    let (status, body) = world.served.call(&world.cookie, <SandboxChatSay as ServerFn>::PATH, &form).await;
    assert!(status.is_success(), "{body}");
    let answer = eventually(Duration::from_secs(20), || async {
        channel()
            .await
            .iter()
            .filter(|e| e.id > seen && e.from == "tengu")
            .find(|e| e.text.contains("unverified") || e.text.contains("asked to deploy"))
            .map(|e| e.text.clone())
    })
    .await;
    if answer.contains("asked to deploy") { Answer::Started } else { Answer::Refused(answer) }
}

async fn eventually<T, F, Fut>(within: Duration, mut look: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(found) = look().await {
            return found;
        }
        assert!(started.elapsed() < within, "nothing within {within:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn dev_deployments(tengu: &Tengu) -> Vec<Deployment> {
    let dev = DeploymentFilter { env: Some(EnvName::parse("dev").unwrap()), ..DeploymentFilter::newest(100) };
    tengu.store().recent_deployments(&dev).await.unwrap()
}

/// An admin ticks every item of the deploy PR (as if each author had).
async fn verify_all(world: &World) {
    let alice = Actor::Person(Login::parse("alice").unwrap());
    for item in &world.pr.items {
        world.tengu.set_verification(&alice, &world.pr.repo, world.pr.number, item.source.number, true).await.unwrap();
    }
}

/// What a shipped deployment recorded, beside the commit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Recorded {
    deploy_pr: Option<u64>,
    source_prs: Vec<u64>,
    carried_prs: Vec<u64>,
    carried_commits: Vec<String>,
    github_deployment: bool,
}

async fn recorded(tengu: &Tengu, before: usize) -> (Deployment, Recorded) {
    let shipped = eventually(Duration::from_secs(30), || async {
        let all = dev_deployments(tengu).await;
        let newest = all.first().filter(|_| all.len() > before)?.clone();
        newest.github_deployment.is_some().then_some(newest)
    })
    .await;
    let carried = tengu.store().carried_changes(shipped.id).await.unwrap();
    let mut carried_prs: Vec<u64> = carried.iter().filter_map(|c| c.source_pr.map(|n| n.get())).collect();
    carried_prs.sort();
    carried_prs.dedup();
    // The deployed commit is carried too; it is the one thing a merge (its merge commit) and the other doors (the
    // deploy PR's head) name differently.
    let deployed = shipped.sha.clone();
    let only_the_deployed = |c: &tengu_core::domain::CarriedChange| {
        c.source_pr.is_none() && c.author.is_none() && c.sha.is_some() && c.sha == deployed
    };
    let mut carried_commits: Vec<String> = carried
        .iter()
        .filter(|c| !only_the_deployed(c))
        .filter_map(|c| c.sha.as_ref().map(|sha| format!("{}:{sha}", c.source_pr.map_or(0, |n| n.get()))))
        .collect();
    carried_commits.sort();
    let mut source_prs: Vec<u64> = shipped.source_prs.iter().map(|n| n.get()).collect();
    source_prs.sort();
    let record = Recorded {
        deploy_pr: shipped.deploy_pr.map(|n| n.get()),
        source_prs,
        carried_prs,
        carried_commits,
        github_deployment: shipped.github_deployment.is_some(),
    };
    (shipped, record)
}

/// One door: refused while unverified (nothing deployed, the refusal on record), shipped once verified.
async fn through(door: Door, at: usize) -> (Door, Deployment, Recorded) {
    let world_now = world(&format!("doors-{at}")).await;
    let before = dev_deployments(&world_now.tengu).await.len();
    let refused = knock(&world_now, door).await;
    let Answer::Refused(said) = refused else { panic!("{door:?} shipped an unverified deploy PR") };
    assert!(said.contains("unverified") || said.contains("verified (waiting for"), "{door:?}: {said}");
    assert_eq!(dev_deployments(&world_now.tengu).await.len(), before, "{door:?}: nothing deployed");
    let refusals = world_now.tengu.store().audit_log(50).await.unwrap();
    let on_record = refusals.iter().any(|e| {
        matches!(e.action, AuditAction::Refused | AuditAction::MergeNotDeployed) && e.detail.contains("verified")
    });
    assert!(on_record, "{door:?}: the refusal is in the audit log: {refusals:#?}");

    // A merged deploy PR cannot be merged again: the merge door ships from a deploy PR of its own.
    let world_now = if door == Door::Merge { world(&format!("doors-{at}-again")).await } else { world_now };
    verify_all(&world_now).await;
    let before = dev_deployments(&world_now.tengu).await.len();
    let shipped = knock(&world_now, door).await;
    assert!(matches!(shipped, Answer::Started), "{door:?} ships a verified deploy PR: {shipped:?}");
    let (deployment, record) = recorded(&world_now.tengu, before).await;
    if door == Door::Merge {
        // A merge ships its merge commit: where GitHub's deploy branch now stands.
        let pr = &world_now.pr;
        let merge_commit = world_now.tengu.code_host().branch_head(&pr.repo, &pr.base).await.unwrap();
        assert_eq!(deployment.sha.as_ref(), Some(&merge_commit), "a merge ships its merge commit");
        assert_ne!(deployment.sha.as_ref(), pr.head_sha.as_ref(), "not the deploy PR's head");
    }
    (door, deployment, record)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_door_refuses_an_unverified_deploy_pr_and_records_the_same_shipment_of_a_verified_one() {
    let runs = DOORS.iter().enumerate().map(|(at, door)| through(*door, at));
    let results = futures::future::join_all(runs).await;
    let (_, _, by_merge) = results.iter().find(|(door, _, _)| *door == Door::Merge).unwrap().clone();
    assert!(by_merge.deploy_pr.is_some() && !by_merge.source_prs.is_empty(), "{by_merge:?}");
    assert_eq!(by_merge.source_prs, by_merge.carried_prs, "{by_merge:?}");
    for (door, deployment, record) in &results {
        assert_eq!(record, &by_merge, "{door:?} records what a merge records");
        if *door != Door::Merge {
            let head = deployment.sha.as_ref().expect("the commit is known");
            assert_eq!(head.as_str().len(), 40, "{door:?}");
        }
    }
}
