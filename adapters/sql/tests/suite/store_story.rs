//! One story of tengu's records, told unchanged to SQLite and to PostgreSQL.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tengu_core::domain::*;
use tengu_core::ports::DeployPrStore;
use tengu_core::ports::DeploymentStore;
use tengu_core::ports::{DeploymentInsert, Store, StoreError, StoredDelivery};

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_790_000_000_123).unwrap() + Duration::minutes(minutes)
}

fn n(number: u64) -> PrNumber {
    PrNumber::new(number).unwrap()
}

fn source(number: u64, author: &str) -> SourcePr {
    SourcePr {
        number: n(number),
        title: format!("Change {number}"),
        author: Login::parse(author).unwrap(),
        assignees: vec![Login::parse("reviewer").unwrap()],
        commits: vec![Commit {
            sha: CommitSha::parse(format!("{number:0>40}")).unwrap(),
            headline: format!("Work on {number}"),
            author: Some(Login::parse(author).unwrap()),
            parents: 1,
        }],
        merged_at: None,
        first_commit_at: None,
    }
}

fn deploy_pr(env: &str, number: u64, items: Vec<ChecklistItem>) -> DeployPr {
    DeployPr {
        repo: RepoSlug::parse("acme/shop").unwrap(),
        number: n(number),
        env: EnvName::parse(env).unwrap(),
        title: format!("Deploy to {env}"),
        url: format!("https://github.com/acme/shop/pull/{number}"),
        base: BranchName::parse(format!("deployment/{env}")).unwrap(),
        head: BranchName::parse("master").unwrap(),
        head_sha: Some(CommitSha::parse("b".repeat(40)).unwrap()),
        state: PrState::Open,
        items,
        direct_commits: vec![],
        gate_override: None,
        updated_at: t(0),
        merge_sha: None,
        version: 0,
    }
}

fn new_deployment(env: &str, minutes: i64) -> NewDeployment {
    NewDeployment {
        env: EnvName::parse(env).unwrap(),
        repo: RepoSlug::parse("acme/shop").unwrap(),
        image: ImageRef::parse(format!("registry.test/acme/shop:v{minutes}")).unwrap(),
        sha: None,
        trigger: Trigger::Button,
        actor: "alice".into(),
        source_prs: vec![n(1), n(2)],
        requested_at: t(minutes),
        task_definitions: Vec::new(),
        deploy_pr: Some(n(40)),
        carried: vec![],
        idempotency_key: None,
        needs_approval: false,
        note: None,
    }
}

fn ended<'a>(
    from: DeploymentState,
    to: DeploymentState,
    task_definitions: &'a [TaskDefinitionArn],
    reason: Option<&'a str>,
    at: chrono::DateTime<chrono::Utc>,
) -> DeploymentMove<'a> {
    DeploymentMove { from, to, task_definitions, reason, at, finished_at: Some(at) }
}

async fn start(store: &dyn Store, new: &NewDeployment) -> DeploymentId {
    match store.insert_deployment(new).await.unwrap() {
        DeploymentInsert::Started(id) => id,
        other => panic!("expected a new deployment, got {other:?}"),
    }
}

async fn story(store: &dyn Store) {
    store.ping().await.expect("the database answers");

    // A deploy PR with its checklist goes in and comes back whole.
    let verified = Verification { by: "bob".into(), at: t(5) };
    let mut pr = deploy_pr(
        "production",
        40,
        vec![
            // With the times of its way there, which come back as they went in.
            ChecklistItem {
                source: SourcePr { merged_at: Some(t(2)), first_commit_at: Some(t(1)), ..source(11, "alice") },
                verified: None,
                listed_at: Some(t(3)),
            },
            ChecklistItem { source: source(12, "bob"), verified: Some(verified.clone()), listed_at: None },
        ],
    );
    assert!(store.save_deploy_pr(&pr).await.unwrap());
    assert!(!store.save_deploy_pr(&pr).await.unwrap(), "version 0 is a new one, and this one exists");
    let repo = pr.repo.clone();
    assert_eq!(store.deploy_pr(&repo, n(40)).await.unwrap(), Some(DeployPr { version: 1, ..pr.clone() }));
    pr.version = 1;
    assert_eq!(store.deploy_pr(&repo, n(41)).await.unwrap(), None);
    store.save_deploy_pr(&deploy_pr("dev", 39, vec![])).await.unwrap();
    let open = store.open_deploy_prs().await.unwrap();
    assert_eq!(open.iter().map(|p| p.number.get()).collect::<Vec<_>>(), vec![39, 40]);
    assert_eq!(open[1].items.len(), 2, "items come with each open deploy PR");

    // Ticking one item records who and when; unknown items are refused.
    // Each with its audit entry, in one transaction: a refused change records nothing.
    let alice = Verification { by: "alice".into(), at: t(7) };
    let said = |action, item: u64| AuditEntry {
        at: t(7),
        actor: "alice".into(),
        action,
        target: format!("acme/shop#40 item #{item}"),
        detail: format!("Change {item}"),
        repo: Some(RepoSlug::parse("acme/shop").unwrap()),
    };
    store.set_verification(&repo, n(40), n(11), Some(&alice), &said(AuditAction::ItemVerified, 11)).await.unwrap();
    let stored = store.deploy_pr(&repo, n(40)).await.unwrap().unwrap();
    assert_eq!(stored.item(n(11)).unwrap().verified, Some(alice));
    store.set_verification(&repo, n(40), n(12), None, &said(AuditAction::ItemUnverified, 12)).await.unwrap();
    assert_eq!(store.deploy_pr(&repo, n(40)).await.unwrap().unwrap().verified_count(), 1);
    let missing = store.set_verification(&repo, n(40), n(99), None, &said(AuditAction::ItemUnverified, 99)).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    let targets: Vec<String> = store.audit_log(10).await.unwrap().into_iter().map(|e| e.target).collect();
    assert_eq!(targets, ["acme/shop#40 item #12", "acme/shop#40 item #11"], "no entry for the refused change");
    // The deploy PR page reads the PR, its checklist and its history together; #4 is not #40's part.
    store
        .record_audit(&AuditEntry { target: "acme/shop#4 item #1".into(), ..said(AuditAction::ItemVerified, 1) })
        .await
        .unwrap();
    let (page_pr, history) = store.deploy_pr_with_history(&repo, n(40), 1).await.unwrap().unwrap();
    assert_eq!(page_pr, store.deploy_pr(&repo, n(40)).await.unwrap().unwrap());
    assert_eq!(
        history.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(),
        ["acme/shop#40 item #12"],
        "newest, limited"
    );
    let (_, history) = store.deploy_pr_with_history(&repo, n(40), 10).await.unwrap().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(store.deploy_pr_with_history(&repo, n(41), 10).await.unwrap(), None);

    // A copy read before the ticks cannot be saved over them (each tick moved the version): it reads again.
    pr.items = vec![ChecklistItem { source: source(13, "carol"), verified: None, listed_at: None }];
    pr.state = PrState::Merged;
    pr.merge_sha = Some(CommitSha::parse("c".repeat(40)).unwrap());
    pr.gate_override = Some(GateOverride { by: "dave".into(), reason: "hotfix for checkout".into(), at: t(8) });
    assert!(!store.save_deploy_pr(&pr).await.unwrap(), "stale: read at version 1, ticked twice since");
    assert_eq!(store.deploy_pr(&repo, n(40)).await.unwrap().unwrap().verified_count(), 1, "nothing written");
    pr.version = store.deploy_pr(&repo, n(40)).await.unwrap().unwrap().version;
    assert_eq!(pr.version, 3);
    // Saving at the current version replaces the checklist; a merged deploy PR is no longer open.
    assert!(store.save_deploy_pr(&pr).await.unwrap());
    let stored = store.deploy_pr(&repo, n(40)).await.unwrap().unwrap();
    assert_eq!((stored.items.len(), stored.state, stored.version), (1, PrState::Merged, 4));
    assert_eq!(store.open_deploy_prs().await.unwrap().len(), 1);
    // Its checklist is closed: a late tick is not recorded (nor its audit entry).
    let late = said(AuditAction::ItemVerified, 13);
    assert!(!store.set_verification(&repo, n(40), n(13), Some(&verified), &late).await.unwrap());
    assert_eq!(store.deploy_pr(&repo, n(40)).await.unwrap().unwrap().verified_count(), 0);
    // The merged deploy PR that carried a commit is found by its merge commit or its head.
    let production = EnvName::parse("production").unwrap();
    for sha in ["c", "b"] {
        let sha = CommitSha::parse(sha.repeat(40)).unwrap();
        let carrying = store.merged_deploy_prs_carrying(&production, &sha).await;
        assert_eq!(carrying.unwrap().iter().map(|p| p.number.get()).collect::<Vec<_>>(), [40], "{sha}");
    }
    let dev = EnvName::parse("dev").unwrap();
    assert!(
        store.merged_deploy_prs_carrying(&dev, &CommitSha::parse("c".repeat(40)).unwrap()).await.unwrap().is_empty()
    );

    // Deployments: one unfinished per environment, one per idempotency key; ids grow, states move, history pages
    // backwards and filters by environment.
    let mut clicked = new_deployment("production", 10);
    clicked.idempotency_key = Some("click-1".into());
    let first = start(store, &clicked).await;
    assert_eq!(store.insert_deployment(&clicked).await.unwrap(), DeploymentInsert::AlreadyRequested(first));
    match store.insert_deployment(&new_deployment("production", 11)).await.unwrap() {
        DeploymentInsert::Locked(holder) => assert_eq!((holder.id, holder.actor.as_str()), (first, "alice")),
        other => panic!("production is locked by the first deployment, got {other:?}"),
    }
    let other = start(store, &new_deployment("dev", 12)).await;
    // Four requests for qa at once (the pool runs them side by side): the database lets exactly one start.
    let staging = |minute| {
        let mut new = new_deployment("qa", minute);
        new.idempotency_key = Some(format!("qa-{minute}"));
        new
    };
    let (a, b, c, d) = (staging(1), staging(2), staging(3), staging(4));
    let raced = tokio::join!(
        store.insert_deployment(&a),
        store.insert_deployment(&b),
        store.insert_deployment(&c),
        store.insert_deployment(&d)
    );
    let raced = [raced.0.unwrap(), raced.1.unwrap(), raced.2.unwrap(), raced.3.unwrap()];
    let started: Vec<_> = raced.iter().filter(|r| matches!(r, DeploymentInsert::Started(_))).collect();
    let locked = raced.iter().filter(|r| matches!(r, DeploymentInsert::Locked(_))).count();
    assert_eq!((started.len(), locked), (1, 3), "{raced:?}");
    let DeploymentInsert::Started(staging_id) = started[0] else { unreachable!() };
    let staging_end = ended(DeploymentState::Requested, DeploymentState::Aborted, &[], None, t(5));
    assert!(store.move_deployment(*staging_id, &staging_end).await.unwrap());
    let arn = TaskDefinitionArn::parse("arn:aws:ecs:us-east-1:1:task-definition/shop-web:7").unwrap();
    let arns = std::slice::from_ref(&arn);
    let checked = DeploymentMove {
        from: DeploymentState::Requested,
        to: DeploymentState::Checked,
        task_definitions: &[],
        reason: None,
        at: t(11),
        finished_at: None,
    };
    // Two writers read the same state: the first moves it, the second is told it lost.
    let (one, two) = tokio::join!(store.move_deployment(first, &checked), store.move_deployment(first, &checked));
    assert_eq!([one.unwrap(), two.unwrap()].iter().filter(|moved| **moved).count(), 1);
    assert!(
        store
            .move_deployment(first, &ended(DeploymentState::Checked, DeploymentState::Succeeded, arns, None, t(14)))
            .await
            .unwrap()
    );
    let too_late = ended(DeploymentState::Succeeded, DeploymentState::Failed, &[], None, t(15));
    assert!(!store.move_deployment(first, &too_late).await.unwrap(), "a finished deployment stays finished");
    assert_eq!(store.insert_deployment(&clicked).await.unwrap(), DeploymentInsert::AlreadyRequested(first));
    let second = start(store, &new_deployment("production", 20)).await;
    assert!(first < other && other < second);
    let failed = ended(DeploymentState::Requested, DeploymentState::Failed, &[], Some("circuit breaker"), t(25));
    assert!(store.move_deployment(second, &failed).await.unwrap());
    let got = store.deployment(first).await.unwrap().unwrap();
    assert_eq!(
        (got.state, got.task_definitions.clone(), got.duration_seconds()),
        (DeploymentState::Succeeded, vec![arn], Some(240))
    );
    assert_eq!((got.source_prs.clone(), got.deploy_pr), (vec![n(1), n(2)], Some(n(40))));
    let steps: Vec<_> = got.steps.iter().map(|s| (s.state, s.at)).collect();
    assert_eq!(
        steps,
        vec![
            (DeploymentState::Requested, t(10)),
            (DeploymentState::Checked, t(11)),
            (DeploymentState::Succeeded, t(14))
        ]
    );
    assert_eq!(store.deployment(second).await.unwrap().unwrap().reason.as_deref(), Some("circuit breaker"));
    assert!(store.deployment(DeploymentId(999_999)).await.unwrap().is_none());
    let missing = store.move_deployment(DeploymentId(999_999), &failed).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));

    let ids = |found: Vec<tengu_core::domain::Deployment>| found.iter().map(|d| d.id).collect::<Vec<_>>();
    let all = ids(store.recent_deployments(&DeploymentFilter::newest(10)).await.unwrap());
    assert_eq!(all, vec![second, *staging_id, other, first]);
    let prod = EnvName::parse("production").unwrap();
    let page = DeploymentFilter { env: Some(prod.clone()), before: Some(second), ..DeploymentFilter::newest(10) };
    assert_eq!(ids(store.recent_deployments(&page).await.unwrap()), vec![first]);
    assert_eq!(store.recent_deployments(&DeploymentFilter::newest(1)).await.unwrap().len(), 1);
    let failures = DeploymentFilter { state: Some(DeploymentState::Failed), ..DeploymentFilter::newest(10) };
    assert_eq!(ids(store.recent_deployments(&failures).await.unwrap()), vec![second]);
    let by_alice_early = DeploymentFilter {
        actor: Some("alice".into()),
        since: Some(t(10)),
        until: Some(t(12)),
        ..DeploymentFilter::newest(10)
    };
    assert_eq!(ids(store.recent_deployments(&by_alice_early).await.unwrap()), vec![first]);
    // A range of dates: a whole page among the newest ids, or (a page not filled there) the whole range.
    let since_early = |limit| DeploymentFilter { since: Some(t(0)), ..DeploymentFilter::newest(limit) };
    assert_eq!(ids(store.recent_deployments(&since_early(2)).await.unwrap()), vec![second, *staging_id]);
    assert_eq!(ids(store.recent_deployments(&since_early(10)).await.unwrap()), all);
    let next_page = DeploymentFilter { before: Some(*staging_id), ..since_early(2) };
    assert_eq!(ids(store.recent_deployments(&next_page).await.unwrap()), vec![other, first]);
    // The insights' read: production's deployments of a period, oldest first, as the history has them.
    let outlines = store.deployment_outlines(&prod, t(0), t(1_000_000)).await.unwrap();
    let mut production: Vec<_> = store.recent_deployments(&page_of(&prod)).await.unwrap();
    production.reverse();
    assert_eq!(outlines.iter().map(|o| o.id).collect::<Vec<_>>(), ids(production.clone()));
    let newest = outlines.last().unwrap();
    let whole = production.last().unwrap();
    assert_eq!(
        (newest.state, newest.trigger, newest.finished_at, newest.deploy_pr, &newest.source_prs, &newest.repo),
        (whole.state, whole.trigger, whole.finished_at, whole.deploy_pr, &whole.source_prs, &whole.repo)
    );
    assert!(store.deployment_outlines(&prod, t(1_000_000), t(2_000_000)).await.unwrap().is_empty());
    let by_nobody = DeploymentFilter { actor: Some("mallory".into()), ..DeploymentFilter::newest(10) };
    assert!(store.recent_deployments(&by_nobody).await.unwrap().is_empty());
    let still_running = DeploymentFilter {
        unfinished: true,
        env: Some(EnvName::parse("dev").unwrap()),
        ..DeploymentFilter::newest(10)
    };
    assert_eq!(ids(store.recent_deployments(&still_running).await.unwrap()), vec![other]);
    let (last, good) = store.latest_deployments(&prod).await.unwrap();
    assert_eq!((last.unwrap().id, good.unwrap().id), (second, first));
    let (last, good) = store.latest_deployments(&EnvName::parse("staging").unwrap()).await.unwrap();
    assert!(last.is_none() && good.is_none());

    // Review environments are one row per PR.
    let mut review = ReviewEnv {
        repo: repo.clone(),
        pr: n(77),
        title: "Gift cards".into(),
        author: Login::parse("frank").unwrap(),
        branch: BranchName::parse("feature/gift-cards").unwrap(),
        sha: CommitSha::parse("a".repeat(40)).unwrap(),
        state: ReviewEnvState::Starting,
        url: "https://pr-77.review.test".into(),
        started_at: t(1),
        last_push_at: t(1),
        task: Some("arn:aws:ecs:us-east-1:1:task/review/a1".into()),
        next_task: None,
        next_sha: None,
        address: None,
        reason: None,
        comment_id: None,
        github_deployment: None,
        version: 0,
    };
    assert!(store.save_review_env(&review).await.unwrap());
    assert!(!store.save_review_env(&review).await.unwrap(), "a save from a stale read loses");
    review.version = 1;
    review.state = ReviewEnvState::Running;
    review.last_push_at = t(9);
    review.next_task = Some("arn:aws:ecs:us-east-1:1:task/review/b2".into());
    review.next_sha = Some(CommitSha::parse("b".repeat(40)).unwrap());
    review.address = Some("10.0.1.7:8080".into());
    review.comment_id = Some(9_000_000_001);
    review.github_deployment = Some(42);
    assert!(store.save_review_env(&review).await.unwrap());
    review.version = 2;
    assert_eq!(store.review_envs().await.unwrap(), vec![review.clone()]);
    assert_eq!(store.review_env(&repo, n(77)).await.unwrap(), Some(review));
    assert_eq!(store.review_env(&repo, n(78)).await.unwrap(), None);

    // The audit log reads newest first.
    for (i, action) in [AuditAction::ItemVerified, AuditAction::ItemUnverified].into_iter().enumerate() {
        let entry = AuditEntry {
            at: t(i as i64),
            actor: "alice".into(),
            action,
            target: "acme/shop#40 item #11".into(),
            detail: "Change 11".into(),
            repo: Some(RepoSlug::parse("acme/shop").unwrap()),
        };
        store.record_audit(&entry).await.unwrap();
    }
    let log = store.audit_log(2).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![AuditAction::ItemUnverified, AuditAction::ItemVerified]
    );

    // Webhook deliveries are stored once per delivery id and listed until they are finished.
    let delivery = |id: &str, minutes, subject: Option<&str>| StoredDelivery {
        delivery_id: id.into(),
        event: "pull_request".into(),
        payload: "{}".into(),
        received_at: t(minutes),
        repo: subject.map(|_| repo.clone()),
        subject: subject.map(str::to_owned),
        attempts: 0,
    };
    assert!(store.record_delivery(&delivery("b-2", 2, None)).await.unwrap());
    assert!(store.record_delivery(&delivery("a-1", 1, None)).await.unwrap());
    assert!(!store.record_delivery(&delivery("a-1", 3, None)).await.unwrap(), "a redelivery is recognised");
    let pending: Vec<_> = store.unfinished_deliveries(10).await.unwrap().into_iter().map(|d| d.delivery_id).collect();
    assert_eq!(pending, ["b-2", "a-1"], "in the order they arrived");
    store.finish_delivery("a-1", t(4), "pong").await.unwrap();
    assert_eq!(store.unfinished_deliveries(10).await.unwrap(), vec![delivery("b-2", 2, None)]);
    assert_eq!(store.delivery("a-1").await.unwrap().unwrap().state(), DeliveryState::Handled);
    // Pruning takes finished deliveries received before the cut, never an unfinished one.
    assert_eq!(store.prune_deliveries(t(10)).await.unwrap(), 1);
    assert_eq!(store.unfinished_deliveries(10).await.unwrap(), vec![delivery("b-2", 2, None)]);
    assert!(store.record_delivery(&delivery("a-1", 11, None)).await.unwrap(), "a pruned id is new again");
    store.finish_delivery("a-1", t(11), "pong").await.unwrap();
    store.finish_delivery("b-2", t(11), "done").await.unwrap();

    // Claims: one worker at a time, due ones only, and one subject in the order the deliveries came.
    for (id, minute, subject) in [("s-1", 20, "acme/shop#7"), ("s-2", 20, "acme/shop#7"), ("s-3", 20, "acme/shop#8")] {
        assert!(store.record_delivery(&delivery(id, minute, Some(subject))).await.unwrap());
    }
    // Deliveries about nothing in particular (a ping) wait for nobody.
    for id in ["n-1", "n-2"] {
        assert!(store.record_delivery(&delivery(id, 20, None)).await.unwrap());
    }
    let ids = |claimed: Vec<StoredDelivery>| claimed.into_iter().map(|d| d.delivery_id).collect::<Vec<_>>();
    assert_eq!(ids(store.claim_deliveries("w1", t(21), t(23), 2).await.unwrap()), ["s-1", "s-3"], "oldest first");
    assert_eq!(
        ids(store.claim_deliveries("w1", t(21), t(23), 10).await.unwrap()),
        ["n-1", "n-2"],
        "s-2 waits for s-1, which w1 holds"
    );
    store.finish_delivery("n-1", t(21), "pong").await.unwrap();
    store.finish_delivery("n-2", t(21), "pong").await.unwrap();
    assert!(store.claim_deliveries("w2", t(22), t(24), 10).await.unwrap().is_empty(), "claimed by w1 until 23");
    // s-1 fails: it is tried again from minute 30, and s-2 still waits behind it.
    store.fail_delivery_attempt("s-1", "GitHub answered 502", Some(t(30)), t(22)).await.unwrap();
    store.finish_delivery("s-3", t(22), "done").await.unwrap();
    assert!(store.claim_deliveries("w2", t(25), t(27), 10).await.unwrap().is_empty(), "s-1 waits out its backoff");
    let retried = store.claim_deliveries("w2", t(30), t(32), 10).await.unwrap();
    assert_eq!((retried[0].delivery_id.as_str(), retried[0].attempts), ("s-1", 1));
    // The last try fails: parked, listed, and it no longer holds s-2 back.
    store.fail_delivery_attempt("s-1", "GitHub answered 502 again", None, t(31)).await.unwrap();
    let troubled = store.troubled_deliveries(10).await.unwrap();
    assert_eq!(troubled.len(), 1);
    assert_eq!(
        (troubled[0].state(), troubled[0].attempts, troubled[0].last_error.as_deref()),
        (DeliveryState::Failed, 2, Some("GitHub answered 502 again"))
    );
    assert_eq!(ids(store.claim_deliveries("w1", t(31), t(33), 10).await.unwrap()), ["s-2"]);
    // A claim whose holder died lapses: another worker takes s-2 after minute 33.
    assert!(store.claim_deliveries("w2", t(32), t(34), 10).await.unwrap().is_empty());
    assert_eq!(ids(store.claim_deliveries("w2", t(34), t(36), 10).await.unwrap()), ["s-2"]);
    store.finish_delivery("s-2", t(35), "done").await.unwrap();
    // Retry (or GitHub's Redeliver) makes the parked one due at once with its tries counted afresh.
    assert!(store.requeue_delivery("s-1", t(40)).await.unwrap());
    assert!(!store.requeue_delivery("s-2", t(40)).await.unwrap(), "a handled delivery stays handled");
    assert_eq!(store.delivery("s-1").await.unwrap().unwrap().state(), DeliveryState::Retrying, "its last error kept");
    let again = store.claim_deliveries("w1", t(40), t(42), 10).await.unwrap();
    assert_eq!((ids(again.clone()), again[0].attempts), (vec!["s-1".to_owned()], 0));
    assert_eq!(store.troubled_deliveries(10).await.unwrap().len(), 1, "listed until it is handled");
    store.finish_delivery("s-1", t(41), "done").await.unwrap();
    assert!(store.troubled_deliveries(10).await.unwrap().is_empty());

    // Leases: free, renewed by their holder, refused to another until they lapse, then taken over; given up.
    assert!(store.take_lease("job reminders", "a", t(50), t(52)).await.unwrap());
    assert!(store.take_lease("job reminders", "a", t(51), t(53)).await.unwrap(), "renewed by its holder");
    assert!(!store.take_lease("job reminders", "b", t(52), t(54)).await.unwrap(), "a holds it until 53");
    assert!(store.take_lease("job reminders", "b", t(54), t(56)).await.unwrap(), "lapsed: b takes it over");
    assert!(!store.take_lease("job reminders", "a", t(55), t(57)).await.unwrap(), "a lost it");
    store.release_lease("job reminders", "a").await.unwrap();
    assert!(!store.take_lease("job reminders", "a", t(55), t(57)).await.unwrap(), "only the holder gives it up");
    store.release_lease("job reminders", "b").await.unwrap();
    assert!(store.take_lease("job reminders", "a", t(55), t(57)).await.unwrap());
    assert!(store.take_lease("deployment 7", "b", t(55), t(60)).await.unwrap());
    let held = |at| store.leases_held(t(at));
    assert_eq!(
        held(56).await.unwrap(),
        [("deployment 7".to_owned(), "b".to_owned()), ("job reminders".to_owned(), "a".to_owned())]
    );
    assert_eq!(
        held(58).await.unwrap(),
        [("deployment 7".to_owned(), "b".to_owned())],
        "a lapsed lease is held by nobody"
    );

    // Chat links: a code is taken once and not after it expires; a link maps both ways.
    let person = |user: &str| tengu_core::chat::ChatPerson {
        user_id: user.to_owned(),
        user_name: "roadrunner".to_owned(),
        team_id: "T1".to_owned(),
        team_domain: "acme".to_owned(),
        response_url: Some("https://hooks.slack.com/commands/T1/1/x".to_owned()),
    };
    store.save_chat_link_code("h1", &person("U1"), t(70)).await.unwrap();
    store.save_chat_link_code("h2", &person("U2"), t(65)).await.unwrap();
    assert_eq!(store.peek_chat_link_code("h2", t(66)).await.unwrap(), None, "expired");
    assert_eq!(store.take_chat_link_code("h2", t(66)).await.unwrap(), None, "expired");
    assert_eq!(store.peek_chat_link_code("h1", t(66)).await.unwrap(), Some(person("U1")), "a look leaves it");
    assert_eq!(store.take_chat_link_code("h1", t(66)).await.unwrap(), Some(person("U1")), "the whole person");
    assert_eq!(store.take_chat_link_code("h1", t(66)).await.unwrap(), None, "used up");
    assert_eq!(store.peek_chat_link_code("h1", t(66)).await.unwrap(), None, "used up");
    let dave = tengu_core::domain::Login::parse("dave").unwrap();
    assert_eq!(store.chat_login("U1").await.unwrap(), None);
    assert!(store.save_chat_link("U1", &dave, t(66)).await.unwrap());
    assert!(store.save_chat_link("U1", &dave, t(67)).await.unwrap(), "linking again to the same login is fine");
    let erin = tengu_core::domain::Login::parse("erin").unwrap();
    assert!(!store.save_chat_link("U1", &erin, t(68)).await.unwrap(), "a person linked to another stays theirs");
    assert_eq!(store.chat_login("U1").await.unwrap(), Some(dave.clone()));
    assert_eq!(store.chat_user_of(&dave).await.unwrap().as_deref(), Some("U1"));

    // Documents are upserted by key.
    assert_eq!(store.load_document("k").await.unwrap(), None);
    store.save_document("k", "{\"a\":1}").await.unwrap();
    store.save_document("k", "{\"a\":2}").await.unwrap();
    assert_eq!(store.load_document("k").await.unwrap().as_deref(), Some("{\"a\":2}"));
    // Versions: a copy is checked without reading it again, and a write against an old version loses.
    let (version, text) = store.document_if_changed("k", 0).await.unwrap().expect("the saved document");
    assert_eq!((version, text.as_str()), (2, "{\"a\":2}"));
    assert_eq!(store.document_if_changed("k", version).await.unwrap(), None, "unchanged");
    assert_eq!(store.replace_document("k", version, "{\"a\":3}").await.unwrap(), Some(3));
    assert_eq!(store.replace_document("k", version, "{\"a\":4}").await.unwrap(), None, "version 2 is gone");
    assert_eq!(store.document_if_changed("k", version).await.unwrap(), Some((3, "{\"a\":3}".to_owned())));
    assert_eq!(store.replace_document("w", 0, "{}").await.unwrap(), Some(1), "0: only if absent");
    assert_eq!(store.replace_document("w", 0, "{}").await.unwrap(), None);
    assert_eq!(store.document_if_changed("nothing", 0).await.unwrap(), None);
}

/// The migration that made deployments record what they carried fills it in for those recorded before: their
/// deployed commit, their source PRs with authors, those PRs' commits, and the direct commits with authors.
async fn earlier_deployments_get_what_they_carried(store: &tengu_sql::SqlStore, folder: &str) {
    let item = |number, author| ChecklistItem { source: source(number, author), verified: None, listed_at: None };
    let mut shipped = deploy_pr("qa", 77, vec![item(1, "alice"), item(2, "bob")]);
    let direct = CommitSha::parse("d".repeat(40)).unwrap();
    shipped.direct_commits = vec![Commit {
        sha: direct.clone(),
        headline: "Bump".into(),
        author: Some(Login::parse("erin").unwrap()),
        parents: 1,
    }];
    assert!(store.save_deploy_pr(&shipped).await.unwrap());
    let deployed = CommitSha::parse("e".repeat(40)).unwrap();
    let earlier = NewDeployment {
        env: EnvName::parse("qa").unwrap(),
        deploy_pr: Some(n(77)),
        sha: Some(deployed.clone()),
        carried: vec![],
        ..new_deployment("qa", 1)
    };
    let DeploymentInsert::Started(id) = store.insert_deployment(&earlier).await.unwrap() else { panic!("started") };
    assert!(store.carried_changes(id).await.unwrap().is_empty(), "recorded the way deployments were before");

    let file =
        format!("{}/../../migrations/{folder}/20261202000001_deployment_changes.sql", env!("CARGO_MANIFEST_DIR"));
    let migration = std::fs::read_to_string(file).unwrap();
    let backfill = &migration[migration.find("-- What the deployments recorded before").unwrap()..];
    store.execute_raw(backfill).await.unwrap();

    let mut carried: Vec<_> = store
        .carried_changes(id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.source_pr.map(|n| n.get()), c.sha.map(|s| s.short().to_owned()), c.author.map(|a| a.to_string())))
        .collect();
    carried.sort();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        carried,
        vec![
            (None, some("ddddddd"), some("erin")),
            (None, some("eeeeeee"), None),
            (Some(1), None, some("alice")),
            (Some(1), some("0000000"), None),
            (Some(2), None, some("bob")),
            (Some(2), some("0000000"), None),
        ]
    );
}

/// What ECS last said of each service: a newer report replaces an older one, an older one changes nothing.
async fn service_health_keeps_the_newest_report(store: &tengu_sql::SqlStore) {
    let report = |service: &str, running: u32, minutes: i64| ServiceHealth {
        env: EnvName::parse("qa").unwrap(),
        service: ServiceName::parse(service).unwrap(),
        running,
        desired: 3,
        pending: 3 - running,
        rollout_state: Some(RolloutState::Completed),
        rollout_reason: Some("ECS deployment completed.".into()),
        reported_at: t(minutes),
    };
    store.record_service_health(&[report("worker", 3, 1), report("web", 2, 1)]).await.unwrap();
    store.record_service_health(&[report("web", 3, 2), report("worker", 1, 0)]).await.unwrap();
    let kept = store.service_health().await.unwrap();
    assert_eq!(kept, vec![report("web", 3, 2), report("worker", 3, 1)]);
}

#[tokio::test]
async fn sqlite_keeps_the_newest_service_health() {
    service_health_keeps_the_newest_report(&crate::support::sqlite().await).await;
}

#[tokio::test]
async fn postgres_keeps_the_newest_service_health() {
    service_health_keeps_the_newest_report(&crate::support::postgres().await).await;
}

#[tokio::test]
async fn sqlite_fills_in_what_earlier_deployments_carried() {
    earlier_deployments_get_what_they_carried(&crate::support::sqlite().await, "sqlite").await;
}

#[tokio::test]
async fn postgres_fills_in_what_earlier_deployments_carried() {
    earlier_deployments_get_what_they_carried(&crate::support::postgres().await, "postgres").await;
}

#[tokio::test]
async fn sqlite_tells_the_story() {
    story(&crate::support::sqlite().await).await;
}

#[tokio::test]
async fn postgres_tells_the_story() {
    story(&crate::support::postgres().await).await;
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let store = crate::support::sqlite().await;
    store.migrate().await.expect("a second migration is a no-op");
    story(&store).await;
}

#[tokio::test]
async fn a_url_of_another_database_is_refused_with_a_sentence() {
    let err = tengu_sql::SqlStore::connect("mysql://localhost/tengu").await.err().unwrap();
    assert!(err.to_string().contains("sqlite: or postgres://"), "{err}");
}

/// An environment's lock: the next one replaces it, an unlock takes it away and says what it was, on either dialect.
async fn locks_replace_each_other_and_go_on_unlock(store: &tengu_sql::SqlStore) {
    use tengu_core::ports::LockStore;
    let lock = |env: &str, by: &str, until: Option<DateTime<Utc>>| EnvironmentLock {
        env: EnvName::parse(env).unwrap(),
        repo: RepoSlug::parse("acme/shop").unwrap(),
        reason: LockReason::parse(format!("{by} waits for the fix")).unwrap(),
        set_by: format!("{by} (token #7)"),
        owner: Some(Login::parse(by).unwrap()),
        set_at: t(0),
        until,
    };
    let production = EnvName::parse("production").unwrap();
    assert_eq!(store.lock_of(&production).await.unwrap(), None);
    store.set_lock(&lock("production", "alice", Some(t(60)))).await.unwrap();
    store.set_lock(&lock("production", "bob", None)).await.unwrap();
    let mut tengus = lock("qa", "tengu", Some(t(5)));
    tengus.owner = None;
    store.set_lock(&tengus).await.unwrap();
    assert_eq!(store.lock_of(&production).await.unwrap(), Some(lock("production", "bob", None)));
    assert_eq!(store.locks().await.unwrap(), vec![lock("production", "bob", None), tengus.clone()]);
    assert_eq!(store.remove_lock(&production).await.unwrap(), Some(lock("production", "bob", None)));
    assert_eq!(store.remove_lock(&production).await.unwrap(), None);
    assert_eq!(store.locks().await.unwrap(), vec![tengus.clone()]);
    store.set_lock(&lock("production", "bob", None)).await.unwrap();
    assert_eq!(store.remove_ended_locks(t(4)).await.unwrap(), vec![], "qa's ends at t(5)");
    assert_eq!(store.remove_ended_locks(t(5)).await.unwrap(), vec![tengus], "at its end");
    assert_eq!(store.remove_ended_locks(t(500)).await.unwrap(), vec![], "a lock until unlocked never ends");
    assert_eq!(store.locks().await.unwrap(), vec![lock("production", "bob", None)]);
}

#[tokio::test]
async fn sqlite_keeps_one_lock_per_environment() {
    locks_replace_each_other_and_go_on_unlock(&crate::support::sqlite().await).await;
}

#[tokio::test]
async fn postgres_keeps_one_lock_per_environment() {
    locks_replace_each_other_and_go_on_unlock(&crate::support::postgres().await).await;
}

/// What a deployment's checks answered while it verified: kept in order, per deployment, on either dialect.
async fn check_results_are_kept_in_order_per_deployment(store: &tengu_sql::SqlStore) {
    use tengu_core::domain::CheckResult;
    use tengu_core::ports::CheckResultStore;
    let first = start(store, &new_deployment("production", 0)).await;
    let second = start(store, &new_deployment("qa", 1)).await;
    let result = |check: &str, minutes: i64, passed: bool| CheckResult {
        check: check.into(),
        at: t(minutes),
        passed,
        answer: if passed { "200".into() } else { "503 (expected 200)".into() },
    };
    store.record_check_result(first, &result("health", 2, true)).await.unwrap();
    store.record_check_result(first, &result("alarm shop-5xx", 1, true)).await.unwrap();
    store.record_check_result(second, &result("health", 1, false)).await.unwrap();
    store.record_check_result(first, &result("health", 3, false)).await.unwrap();
    assert_eq!(
        store.check_results(first).await.unwrap(),
        vec![result("alarm shop-5xx", 1, true), result("health", 2, true), result("health", 3, false)]
    );
    assert_eq!(store.check_results(second).await.unwrap(), vec![result("health", 1, false)]);
}

#[tokio::test]
async fn sqlite_keeps_check_results() {
    check_results_are_kept_in_order_per_deployment(&crate::support::sqlite().await).await;
}

#[tokio::test]
async fn postgres_keeps_check_results() {
    check_results_are_kept_in_order_per_deployment(&crate::support::postgres().await).await;
}

/// Every deployment of an environment, newest first.
fn page_of(env: &EnvName) -> DeploymentFilter {
    DeploymentFilter { env: Some(env.clone()), ..DeploymentFilter::newest(100) }
}
