//! Review environments over the sandbox's simulated tasks and a clock the test moves: start, ready, replace on
//! push without a gap, stop on close, fail with ECS's reason, the TTL, the cap, and tasks nobody holds.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{
    Actor, BranchName, ClusterName, CommitSha, Login, PrNumber, RepoSlug, ReviewEnvState, ReviewSettings,
};
use tengu_core::ports::{Clock, ManualClock, Store, TaskRunner};
use tengu_core::usecases::{ReviewPr, ReviewPress};

fn sha(c: char) -> CommitSha {
    CommitSha::parse(c.to_string().repeat(40)).unwrap()
}

fn pr(number: u64, branch: &str, at: char) -> ReviewPr {
    ReviewPr {
        repo: RepoSlug::parse("acme/shop").unwrap(),
        number: PrNumber::new(number).unwrap(),
        title: format!("Change {number}"),
        author: Login::parse("alice").unwrap(),
        branch: BranchName::parse(branch).unwrap(),
        sha: sha(at),
    }
}

async fn sandbox() -> (tengu_core::Tengu, Arc<ManualClock>) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()));
    (tengu_sandbox::start(store, clock.clone(), "http://127.0.0.1:3000").await.unwrap(), clock)
}

fn host(url: &str) -> &str {
    url.trim_start_matches("https://")
}

#[tokio::test]
async fn open_ready_push_without_a_gap_then_close() {
    let (tengu, clock) = sandbox().await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let n = PrNumber::new(500).unwrap();

    let started = tengu.start_review_env(pr(500, "feature/gift-cards", 'a')).await.unwrap();
    assert_eq!(started.state, ReviewEnvState::Starting);
    assert_eq!(started.url, "https://pr-500-shop.review.sandbox.test");
    let first_task = started.task.clone().expect("a task was started");
    assert_eq!(tengu.review_route(host(&started.url)).await.unwrap(), None, "nothing to route to yet");

    clock.advance(Duration::seconds(3));
    tengu.reconcile_review_envs().await.unwrap();
    assert_eq!(tengu.store().review_env(&repo, n).await.unwrap().unwrap().state, ReviewEnvState::Starting);
    clock.advance(Duration::seconds(4));
    let report = tengu.reconcile_review_envs().await.unwrap();
    assert!(report.changes.iter().any(|c| c.contains("#500: running at")), "{report:?}");
    let running = tengu.store().review_env(&repo, n).await.unwrap().unwrap();
    assert_eq!(running.state, ReviewEnvState::Running);
    let first_address = running.address.clone().expect("an address");
    assert!(first_address.ends_with(":8080"), "{first_address}");
    assert_eq!(tengu.review_route(host(&running.url)).await.unwrap(), Some(first_address.clone()));

    // A push: the new task starts beside the old one, which serves until the new one is ready.
    clock.advance(Duration::minutes(10));
    let pushed = tengu.push_review_env(pr(500, "feature/gift-cards", 'b')).await.unwrap();
    assert_eq!(pushed.state, ReviewEnvState::Running);
    assert_eq!((pushed.sha.clone(), pushed.next_sha.clone()), (sha('a'), Some(sha('b'))));
    let second_task = pushed.next_task.clone().expect("a replacement started");
    for seconds in [2, 2] {
        clock.advance(Duration::seconds(seconds));
        tengu.reconcile_review_envs().await.unwrap();
        let route = tengu.review_route("pr-500-shop.review.sandbox.test").await.unwrap();
        assert_eq!(route, Some(first_address.clone()), "the old task serves while the new one starts");
    }
    clock.advance(Duration::seconds(3));
    tengu.reconcile_review_envs().await.unwrap();
    let switched = tengu.store().review_env(&repo, n).await.unwrap().unwrap();
    assert_eq!(
        (switched.sha.clone(), switched.task.clone(), switched.next_task.clone()),
        (sha('b'), Some(second_task.clone()), None)
    );
    let second_address = switched.address.clone().unwrap();
    assert_ne!(second_address, first_address);
    assert_eq!(tengu.review_route("PR-500-shop.review.sandbox.test:443").await.unwrap(), Some(second_address));
    let cluster = ClusterName::parse("shop-review").unwrap();
    // The old task serves the requests it has for the drain time (30 s), and is not a task nobody holds.
    let old = &tengu_tasks(&tengu).describe_tasks(&cluster, std::slice::from_ref(&first_task)).await.unwrap()[0];
    assert!(!old.is_stopped(), "draining, not stopped, when the route switches");
    clock.advance(Duration::seconds(20));
    let report = tengu.reconcile_review_envs().await.unwrap();
    assert!(report.strangers.is_empty(), "a draining task is held: {report:?}");
    assert!(
        !tengu_tasks(&tengu).describe_tasks(&cluster, std::slice::from_ref(&first_task)).await.unwrap()[0].is_stopped()
    );
    clock.advance(Duration::seconds(11));
    let report = tengu.reconcile_review_envs().await.unwrap();
    assert!(report.changes.iter().any(|c| c.contains("#500: the replaced task stopped after draining")), "{report:?}");
    let old = &tengu_tasks(&tengu).describe_tasks(&cluster, &[first_task]).await.unwrap()[0];
    let drained = Some("drained: a newer push serves the pull request");
    assert_eq!((old.is_stopped(), old.stopped_reason.as_deref()), (true, drained));

    // Closing stops it; the route forgets it.
    let closed = tengu.stop_review_env(&repo, n, "pull request closed").await.unwrap().unwrap();
    assert_eq!((closed.state, closed.reason.as_deref()), (ReviewEnvState::Stopped, Some("pull request closed")));
    assert_eq!(tengu.review_route("pr-500-shop.review.sandbox.test").await.unwrap(), None);
    let now = &tengu_tasks(&tengu).describe_tasks(&cluster, &[second_task]).await.unwrap()[0];
    assert!(now.is_stopped());
}

fn tengu_tasks(tengu: &tengu_core::Tengu) -> Arc<dyn TaskRunner> {
    tengu.tasks().clone()
}

#[tokio::test]
async fn a_task_that_dies_fails_with_ecs_reason_and_a_rebuild_brings_it_back() {
    let (tengu, clock) = sandbox().await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let n = PrNumber::new(501).unwrap();
    tengu.start_review_env(pr(501, "feature/crash-on-boot", 'c')).await.unwrap();
    clock.advance(Duration::seconds(7));
    tengu.reconcile_review_envs().await.unwrap();
    assert_eq!(tengu.store().review_env(&repo, n).await.unwrap().unwrap().state, ReviewEnvState::Running);
    clock.advance(Duration::seconds(5));
    let report = tengu.reconcile_review_envs().await.unwrap();
    let failed = tengu.store().review_env(&repo, n).await.unwrap().unwrap();
    assert_eq!(failed.state, ReviewEnvState::Failed, "{report:?}");
    assert_eq!(failed.reason.as_deref(), Some("the task stopped: Essential container in task exited (exit code 1)"));

    let bob = Actor::Person(Login::parse("bob").unwrap());
    let rebuilt = tengu.press_review(&bob, &repo, n, ReviewPress::Rebuild).await.unwrap();
    assert_eq!(rebuilt.state, ReviewEnvState::Starting);
    let stopped = tengu.press_review(&bob, &repo, n, ReviewPress::Stop).await.unwrap();
    assert_eq!((stopped.state, stopped.reason.as_deref()), (ReviewEnvState::Stopped, Some("stopped by bob")));
    let log = tengu.store().audit_log(5).await.unwrap();
    assert!(log.iter().any(|e| e.actor == "bob" && e.target == "review environment acme/shop#501"));
}

#[tokio::test]
async fn idle_environments_stop_after_the_ttl_and_the_cap_stops_the_oldest_idle_never_the_newest() {
    let (tengu, clock) = sandbox().await;
    let mut settings = tengu.settings().review[0].clone();
    settings.max_concurrent = 2;
    settings.ttl_hours = ReviewSettings::DEFAULT_TTL_HOURS;
    let tengu = tengu.with_review_settings(vec![settings]);
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let state = |n: u64| {
        let tengu = tengu.clone();
        let repo = repo.clone();
        async move { tengu.store().review_env(&repo, PrNumber::new(n).unwrap()).await.unwrap().unwrap().state }
    };
    // The sandbox's own seeded environments are older than any here; the cap counts live ones only.
    for (n, minutes) in [(601, 0), (602, 30), (603, 60)] {
        clock.advance(Duration::minutes(minutes));
        tengu.start_review_env(pr(n, &format!("feature/p{n}"), 'd')).await.unwrap();
    }
    assert_eq!(state(601).await, ReviewEnvState::Stopped, "the oldest idle one made room");
    assert_eq!((state(602).await, state(603).await), (ReviewEnvState::Starting, ReviewEnvState::Starting));
    let reason = tengu.store().review_env(&repo, PrNumber::new(601).unwrap()).await.unwrap().unwrap().reason.unwrap();
    assert!(reason.starts_with("more than 2 review environments run"), "{reason}");

    // A push keeps 602 alive; 603 idles past five days and stops.
    clock.advance(Duration::days(3));
    tengu.push_review_env(pr(602, "feature/p602", 'e')).await.unwrap();
    clock.advance(Duration::days(2));
    let report = tengu.reconcile_review_envs().await.unwrap();
    assert_eq!(state(603).await, ReviewEnvState::Stopped, "{report:?}");
    assert!(report.changes.iter().any(|c| c == "acme/shop#603: stopped (no push for 5 days)"), "{report:?}");
    assert_ne!(state(602).await, ReviewEnvState::Stopped);
}

#[tokio::test]
async fn tasks_tengu_started_that_no_environment_holds_are_reported() {
    let (tengu, _) = sandbox().await;
    let settings = tengu.settings().review[0].clone();
    let stray = tengu_core::ports::TaskSpec {
        cluster: settings.cluster.clone(),
        task_definition: settings.task_definition.clone(),
        launch_type: settings.launch_type,
        subnets: vec![],
        security_groups: vec![],
        assign_public_ip: false,
        container: "app".into(),
        environment: vec![],
        tags: vec![("tengu:pr".into(), "999".into())],
    };
    let arn = tengu_tasks(&tengu).run_task(&stray).await.unwrap();
    tengu.start_review_env(pr(700, "feature/known", 'f')).await.unwrap();
    let report = tengu.reconcile_review_envs().await.unwrap();
    assert_eq!(report.strangers, vec![arn]);
}

async fn world(store: &Arc<dyn Store>) -> serde_json::Value {
    serde_json::from_str(&store.load_document("sandbox.world").await.unwrap().unwrap()).unwrap()
}

#[tokio::test]
async fn the_pull_request_has_one_comment_kept_current_and_a_transient_deployment() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()));
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000").await.unwrap();
    let repo = RepoSlug::parse("acme/shop").unwrap();
    // The sandbox's open pull requests got their environments when it was seeded; take the first.
    let env = tengu
        .store()
        .review_envs()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.branch.as_str() == "feature/gift-cards")
        .unwrap();
    let n = env.pr;
    let comments = |w: &serde_json::Value| w["comments"][n.get().to_string()].as_array().cloned().unwrap_or_default();
    let first = world(&store).await;
    assert_eq!(comments(&first).len(), 1);
    assert!(comments(&first)[0].as_str().unwrap().starts_with("**Review environment**: starting"));

    clock.advance(Duration::seconds(7));
    tengu.reconcile_review_envs().await.unwrap();
    let mut pushed = pr(n.get(), "feature/gift-cards", '9');
    pushed.repo = repo.clone();
    clock.advance(Duration::minutes(1));
    tengu.push_review_env(pushed).await.unwrap();
    clock.advance(Duration::seconds(7));
    tengu.reconcile_review_envs().await.unwrap();
    tengu.stop_review_env(&repo, n, "pull request closed").await.unwrap();

    let last = world(&store).await;
    let comments = comments(&last);
    assert_eq!(comments.len(), 1, "edited, never a second comment");
    let text = comments[0].as_str().unwrap();
    assert!(text.starts_with("**Review environment**: stopped") && text.contains("`9999999`"), "{text}");
    assert!(text.contains("- Note: pull request closed"), "{text}");
    let deployments: Vec<(String, String, Vec<String>)> = last["github_deployments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["environment"] == format!("review/pr-{}", n.get()))
        .map(|d| {
            let statuses = d["statuses"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
            (d["sha"].as_str().unwrap()[..7].to_owned(), d["environment"].as_str().unwrap().to_owned(), statuses)
        })
        .collect();
    let env_name = format!("review/pr-{}", n.get());
    let head = env.sha.short().to_owned();
    assert_eq!(
        deployments,
        vec![
            (head, env_name.clone(), vec!["in_progress".into(), "success".into()]),
            ("9999999".into(), env_name, vec!["success".into(), "inactive".into()]),
        ]
    );
}

#[tokio::test]
async fn a_start_that_never_becomes_healthy_fails_after_fifteen_minutes_and_its_task_stops() {
    let (tengu, clock) = sandbox().await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let n = PrNumber::new(510).unwrap();
    let started = tengu.start_review_env(pr(510, "feature/unhealthy-cache", 'a')).await.unwrap();
    clock.advance(Duration::minutes(14));
    tengu.reconcile_review_envs().await.unwrap();
    assert_eq!(tengu.store().review_env(&repo, n).await.unwrap().unwrap().state, ReviewEnvState::Starting);
    clock.advance(Duration::minutes(2));
    tengu.reconcile_review_envs().await.unwrap();
    let failed = tengu.store().review_env(&repo, n).await.unwrap().unwrap();
    assert_eq!(failed.state, ReviewEnvState::Failed);
    assert_eq!(failed.reason.as_deref(), Some("not ready within 15 minutes (ECS says RUNNING, UNHEALTHY)"));
    let cluster = ClusterName::parse("shop-review").unwrap();
    let task = &tengu_tasks(&tengu).describe_tasks(&cluster, &[started.task.unwrap()]).await.unwrap()[0];
    assert!(task.is_stopped(), "its task does not run on: {task:?}");
}

#[tokio::test]
async fn when_the_serving_task_dies_during_a_push_the_new_commit_takes_over() {
    let (tengu, clock) = sandbox().await;
    let repo = RepoSlug::parse("acme/shop").unwrap();
    let n = PrNumber::new(520).unwrap();
    tengu.start_review_env(pr(520, "fix/crash-sometimes", 'a')).await.unwrap();
    clock.advance(Duration::seconds(7));
    tengu.reconcile_review_envs().await.unwrap();
    clock.advance(Duration::seconds(1));
    let pushed = tengu.push_review_env(pr(520, "fix/crash-sometimes", 'b')).await.unwrap();
    let replacement = pushed.next_task.clone().unwrap();
    // The first task exits 10 s after it started; the replacement is not ready yet.
    clock.advance(Duration::seconds(3));
    let report = tengu.reconcile_review_envs().await.unwrap();
    let handed = tengu.store().review_env(&repo, n).await.unwrap().unwrap();
    assert_eq!(
        (handed.state, handed.task.clone(), handed.sha.clone()),
        (ReviewEnvState::Starting, Some(replacement), sha('b')),
        "{report:?}"
    );
    assert!(handed.reason.as_deref().unwrap().starts_with("the task stopped: Essential container in task exited"));
    clock.advance(Duration::seconds(4));
    tengu.reconcile_review_envs().await.unwrap();
    assert_eq!(tengu.store().review_env(&repo, n).await.unwrap().unwrap().state, ReviewEnvState::Running);
}

#[tokio::test]
async fn the_page_lists_every_live_environment_and_only_the_newest_ended_ones() {
    let (tengu, clock) = sandbox().await;
    let now = clock.now();
    let seeded = tengu.store().review_envs().await.unwrap();
    let live = seeded.iter().filter(|e| e.is_live()).count();
    assert!(live > 0, "the sandbox seeds live review environments");
    let template = seeded[0].clone();
    let shown = tengu_core::screens::ENDED_REVIEW_ENVS_SHOWN;
    for n in 0..(shown as u64 + 10) {
        let ended = tengu_core::domain::ReviewEnv {
            pr: PrNumber::new(1_000 + n).unwrap(),
            state: ReviewEnvState::Stopped,
            last_push_at: now - Duration::minutes(n as i64),
            version: 0,
            ..template.clone()
        };
        assert!(tengu.store().save_review_env(&ended).await.unwrap(), "stored #{}", 1_000 + n);
    }
    let page = tengu.review_envs_view(&tengu_core::domain::Viewer::trusted(Actor::System)).await.unwrap();
    let (live_rows, ended_rows): (Vec<_>, Vec<_>) = page.rows.iter().partition(|row| row.live);
    assert_eq!(live_rows.len(), live, "every live one");
    assert_eq!(ended_rows.len(), shown, "then the newest ended ones, no more");
    assert!(ended_rows.iter().all(|row| row.pr < 1_000 + shown as u64), "the newest pushes: {:?}", ended_rows[0].pr);
}
