//! Deploys against a scripted ECS behind the `Orchestrator` port (moto does not progress rollouts): what tengu
//! calls, what it concludes, and that a restart in the middle picks the deployment up where it stood.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{
    Actor, AuditAction, BranchName, ClusterName, DeployPolicy, DeployPrOptions, DeploymentState, EcsDeployment,
    EcsDeploymentStatus, EnvName, Environment, ImageRef, Login, ReminderPolicy, RepoSlug, RolloutSnapshot,
    RolloutState, ServiceName, TaskDefinitionArn, Trigger,
};
use tengu_core::ports::{
    Clock, CodeHost, ManualClock, Notice, Notifier, NotifierError, Orchestrator, OrchestratorError, Store,
};
use tengu_core::settings::Settings;
use tengu_core::tengu::Ports;
use tengu_core::usecases::{DeployRequest, DeployTarget};
use tengu_core::{CoreError, Tengu};

/// What the scripted ECS answers to each DescribeServices, in order; `Stuck` once the script runs out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    Rolling(u32),
    Completed,
    EcsFailed,
    Reverted,
}

pub(crate) struct ScriptedEcs {
    clock: Arc<ManualClock>,
    /// Minutes the clock moves at each DescribeServices (a long rollout without waiting).
    minutes_per_poll: i64,
    running: Mutex<HashMap<String, TaskDefinitionArn>>,
    previous: Mutex<HashMap<String, TaskDefinitionArn>>,
    script: Mutex<VecDeque<Step>>,
    calls: Mutex<Vec<String>>,
    unreachable_once: AtomicBool,
    /// UpdateService answers that the service does not exist.
    no_such_service: AtomicBool,
    /// The roles and log groups (by name) the account lacks.
    pub(crate) missing: Mutex<Vec<String>>,
}

fn arn(family: &str, revision: u32) -> TaskDefinitionArn {
    TaskDefinitionArn::parse(format!("arn:aws:ecs:ap-northeast-1:123456789012:task-definition/{family}:{revision}"))
        .unwrap()
}

impl ScriptedEcs {
    pub(crate) fn new(clock: Arc<ManualClock>, script: &[Step]) -> Arc<Self> {
        let running = HashMap::from([("web".to_owned(), arn("web", 7)), ("worker".to_owned(), arn("worker", 3))]);
        Arc::new(Self {
            clock,
            minutes_per_poll: 0,
            running: Mutex::new(running),
            previous: Mutex::new(HashMap::new()),
            script: Mutex::new(script.iter().copied().collect()),
            calls: Mutex::new(Vec::new()),
            unreachable_once: AtomicBool::new(false),
            no_such_service: AtomicBool::new(false),
            missing: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn count(&self, prefix: &str) -> usize {
        self.calls().iter().filter(|c| c.starts_with(prefix)).count()
    }

    fn deployment(
        status: EcsDeploymentStatus,
        td: &TaskDefinitionArn,
        running: u32,
        state: RolloutState,
    ) -> EcsDeployment {
        EcsDeployment {
            id: format!("ecs-svc/{}", td.revision()),
            status,
            task_definition: td.clone(),
            desired: 2,
            running,
            pending: 2 - running,
            failed_tasks: if state == RolloutState::Failed { 2 } else { 0 },
            rollout_state: Some(state),
            rollout_state_reason: (state == RolloutState::Failed)
                .then(|| "ECS deployment circuit breaker: tasks failed to start.".to_owned()),
        }
    }
}

#[async_trait]
impl Orchestrator for ScriptedEcs {
    async fn describe_services(
        &self,
        cluster: &ClusterName,
        services: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError> {
        self.calls.lock().unwrap().push(format!("describe {}", services.len()));
        if self.unreachable_once.swap(false, Ordering::SeqCst) {
            return Err(OrchestratorError::Unavailable("connection reset".into()));
        }
        self.clock.advance(Duration::minutes(self.minutes_per_poll));
        let step = self.script.lock().unwrap().pop_front();
        let running = self.running.lock().unwrap().clone();
        let previous = self.previous.lock().unwrap().clone();
        use EcsDeploymentStatus::{Active, Primary};
        Ok(services
            .iter()
            .map(|service| {
                let ours = &running[service.as_str()];
                let before = previous.get(service.as_str()).unwrap_or(ours);
                // Past the end of the script the rollout is stuck half-way.
                let deployments = match step.unwrap_or(Step::Rolling(1)) {
                    Step::Rolling(n) => vec![
                        Self::deployment(Primary, ours, n, RolloutState::InProgress),
                        Self::deployment(Active, before, 2 - n, RolloutState::Completed),
                    ],
                    Step::Completed => vec![Self::deployment(Primary, ours, 2, RolloutState::Completed)],
                    Step::EcsFailed => vec![
                        Self::deployment(Primary, ours, 0, RolloutState::Failed),
                        Self::deployment(Active, before, 2, RolloutState::Completed),
                    ],
                    Step::Reverted => vec![
                        Self::deployment(Primary, before, 2, RolloutState::Completed),
                        Self::deployment(Active, ours, 0, RolloutState::Failed),
                    ],
                };
                RolloutSnapshot {
                    cluster: cluster.clone(),
                    service: service.clone(),
                    deployments,
                    events: vec![],
                    stopped_tasks: vec![],
                    taken_at: self.clock.now(),
                    ecs_alarms: None,
                    settings: None,
                }
            })
            .collect())
    }

    async fn service_task_definition(
        &self,
        _: &ClusterName,
        service: &ServiceName,
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        self.calls.lock().unwrap().push(format!("current {service}"));
        Ok(self.running.lock().unwrap()[service.as_str()].clone())
    }

    async fn register_with_image(
        &self,
        from: &TaskDefinitionArn,
        image: &ImageRef,
        _containers: &[String],
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        self.calls.lock().unwrap().push(format!("register {} {image}", from.short()));
        Ok(arn(from.family(), from.revision() + 10))
    }

    async fn update_service(
        &self,
        _: &ClusterName,
        service: &ServiceName,
        task_definition: &TaskDefinitionArn,
        force: bool,
    ) -> Result<(), OrchestratorError> {
        self.calls.lock().unwrap().push(format!("update {service} {} force={force}", task_definition.short()));
        if self.no_such_service.load(Ordering::SeqCst) && service.as_str() == "worker" {
            return Err(OrchestratorError::ServiceNotFound { cluster: "shop".into(), service: service.to_string() });
        }
        let mut running = self.running.lock().unwrap();
        let before = running.insert(service.to_string(), task_definition.clone()).unwrap();
        self.previous.lock().unwrap().insert(service.to_string(), before);
        Ok(())
    }

    async fn image_exists(&self, image: &ImageRef) -> Result<bool, OrchestratorError> {
        self.calls.lock().unwrap().push(format!("image {image}"));
        Ok(!image.to_string().contains("never-pushed"))
    }

    /// Each revision runs `shop:r<revision>` with its family's role and log group; revisions before 5 had twice the
    /// memory.
    async fn describe_task_definition(
        &self,
        arn: &TaskDefinitionArn,
    ) -> Result<tengu_core::domain::TaskDefinitionDoc, OrchestratorError> {
        let mut doc = tengu_core::domain::TaskDefinitionDoc::default();
        doc.set("family", arn.family());
        doc.set("memory", if arn.revision() < 5 { "1024" } else { "512" });
        let image = format!("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/shop:r{}", arn.revision());
        doc.set(format!("container {} image", arn.family()), image);
        doc.set("executionRoleArn", format!("arn:aws:iam::123456789012:role/{}-execution", arn.family()));
        doc.set(format!("container {} logDriver", arn.family()), "awslogs");
        doc.set(format!("container {} log awslogs-group", arn.family()), format!("/ecs/{}", arn.family()));
        Ok(doc)
    }
}

/// The scripted account: every role and log group exists but those named in `missing`.
#[async_trait]
impl tengu_core::ports::AccountResources for ScriptedEcs {
    async fn role_exists(&self, role: &tengu_core::domain::RoleArn) -> Result<bool, OrchestratorError> {
        self.calls.lock().unwrap().push(format!("role {}", role.name()));
        Ok(!self.missing.lock().unwrap().iter().any(|m| m == role.name()))
    }

    async fn log_group_exists(&self, group: &tengu_core::domain::LogGroupRef) -> Result<bool, OrchestratorError> {
        self.calls.lock().unwrap().push(format!("log group {}", group.name));
        Ok(!self.missing.lock().unwrap().contains(&group.name))
    }
}

pub(crate) fn production() -> EnvName {
    EnvName::parse("production").unwrap()
}

/// The team channel, as a list.
#[derive(Default)]
pub(crate) struct Channel(pub Mutex<Vec<String>>);

#[async_trait]
impl Notifier for Channel {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError> {
        self.0.lock().unwrap().push(notice.text.clone());
        Ok(())
    }
}

fn tengu(store: Arc<dyn Store>, ecs: Arc<ScriptedEcs>, clock: Arc<ManualClock>, auto_rollback: bool) -> Tengu {
    tengu_telling(store, ecs, clock, auto_rollback, Arc::new(Channel::default()), Arc::new(NoGithub::default()))
}

fn tengu_telling(
    store: Arc<dyn Store>,
    ecs: Arc<ScriptedEcs>,
    clock: Arc<ManualClock>,
    auto_rollback: bool,
    channel: Arc<Channel>,
    github: Arc<NoGithub>,
) -> Tengu {
    let checks = Checks {
        plan: Default::default(),
        probe: Arc::new(tengu_core::ports::ProbeNotConfigured),
        alarms: Arc::new(tengu_core::ports::AlarmsNotConfigured),
    };
    tengu_checking(store, ecs, clock, auto_rollback, channel, github, checks)
}

/// What production's verification is, and what answers its checks.
pub(crate) struct Checks {
    pub plan: tengu_core::domain::VerificationPlan,
    pub probe: Arc<dyn tengu_core::ports::Probe>,
    pub alarms: Arc<dyn tengu_core::ports::Alarms>,
}

pub(crate) fn tengu_checking(
    store: Arc<dyn Store>,
    ecs: Arc<ScriptedEcs>,
    clock: Arc<ManualClock>,
    auto_rollback: bool,
    channel: Arc<Channel>,
    github: Arc<NoGithub>,
    checks: Checks,
) -> Tengu {
    let name = production();
    let environment = Environment {
        repo: RepoSlug::parse("acme/shop").unwrap(),
        source_branch: BranchName::parse("master").unwrap(),
        deploy_branch: Environment::default_deploy_branch(&name),
        cluster: ClusterName::parse("shop").unwrap(),
        services: vec![ServiceName::parse("web").unwrap(), ServiceName::parse("worker").unwrap()],
        deploy_pr: DeployPrOptions::default(),
        image_template: None,
        containers: Vec::new(),
        url: Some("https://shop.example.com".into()),
        required_permission: None,
        approvals_required: 0,
        verification: checks.plan,
        name,
    };
    let settings = Settings {
        environments: vec![environment],
        sandbox: false,
        public_url: "https://tengu.test".into(),
        github_web_url: tengu_core::links::default_github_web(),
        reminders: ReminderPolicy::default(),
        deploys: DeployPolicy { poll_every_ms: 1, auto_rollback, ..DeployPolicy::default() },
        review: Vec::new(),
        access: Default::default(),
        deliveries: Default::default(),
        freezes: Vec::new(),
        weekly_summary: false,
    };
    let code_host: Arc<dyn CodeHost> = github;
    let tasks = Arc::new(tengu_core::ports::EcsNotConfigured);
    let ports = Ports {
        store,
        code_host,
        code_host_setup: Arc::new(tengu_core::ports::NoAppSetup),
        chat_setup: Arc::new(tengu_core::ports::NoChatSetup),
        account: ecs.clone(),
        orchestrator: ecs,
        tasks,
        notifier: channel,
        clock,
        people: Arc::new(crate::support::EveryoneHas(tengu_core::domain::Permission::Admin)),
        policy: Arc::new(tengu_core::ports::RulePolicy),
        probe: checks.probe,
        alarms: checks.alarms,
    };
    Tengu::new(settings, ports)
}

pub(crate) async fn setup(
    script: &[Step],
    auto_rollback: bool,
) -> (Tengu, Arc<ScriptedEcs>, Arc<dyn Store>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap()));
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let ecs = ScriptedEcs::new(clock.clone(), script);
    (tengu(store.clone(), ecs.clone(), clock.clone(), auto_rollback), ecs, store, clock)
}

pub(crate) fn alice() -> Actor {
    Actor::Person(Login::parse("alice").unwrap())
}

/// A commit for a test image: its tag's bytes in hexadecimal, padded to a whole SHA.
fn commit_of(tag: &str) -> tengu_core::domain::CommitSha {
    let hex: String = tag.bytes().map(|b| format!("{b:02x}")).collect();
    tengu_core::domain::CommitSha::parse(format!("{hex:0<40}").get(..40).unwrap()).unwrap()
}

pub(crate) fn ship(tag: &str, key: Option<&str>) -> DeployRequest {
    DeployRequest {
        env: production(),
        target: DeployTarget::Image {
            image: ImageRef::parse(format!("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/shop:{tag}")).unwrap(),
            sha: Some(commit_of(tag)),
            source_prs: vec![],
            deploy_pr: None,
            commit_unknown_reason: None,
        },
        trigger: Trigger::Button,
        idempotency_key: key.map(str::to_owned),
        overrides: Default::default(),
    }
}

#[tokio::test]
async fn an_image_rolls_out_and_succeeds_only_when_ecs_says_completed() {
    let (tengu, ecs, store, _) = setup(&[Step::Rolling(0), Step::Rolling(1), Step::Completed], true).await;
    let requested = tengu.request_deployment(&alice(), ship("abc123", None)).await.unwrap();
    assert_eq!(requested.state, DeploymentState::Requested);
    let done = tengu.drive_deployment(requested.id).await.unwrap();
    assert_eq!(done.state, DeploymentState::Succeeded, "{:?}", done.reason);
    assert_eq!(done.task_definitions, vec![arn("web", 17), arn("worker", 13)]);
    assert_eq!(done.previous_task_definitions, vec![arn("web", 7), arn("worker", 3)]);
    assert_eq!(done.rollout.len(), 2, "the last snapshot of each service is kept");
    assert!(done.finished_at.is_some());
    assert_eq!(ecs.count("describe 2"), 3, "one DescribeServices per poll for both services");
    assert_eq!(ecs.count("register"), 2);
    assert_eq!(
        ecs.calls().iter().filter(|c| c.starts_with("update")).cloned().collect::<Vec<_>>(),
        vec!["update web web:17 force=false", "update worker worker:13 force=false"]
    );
    let log = store.audit_log(5).await.unwrap();
    assert!(log.iter().any(|e| e.action == AuditAction::DeploymentRequested && e.actor == "alice"));
    assert!(log.iter().any(|e| e.action == AuditAction::DeploymentFinished && e.detail == "Succeeded"));
}

#[tokio::test]
async fn a_failed_rollout_is_rolled_back_to_what_ran_before() {
    let (tengu, ecs, _, _) = setup(&[Step::Rolling(0), Step::EcsFailed], true).await;
    let id = tengu.request_deployment(&alice(), ship("abc123", None)).await.unwrap().id;
    let done = tengu.drive_deployment(id).await.unwrap();
    assert_eq!(done.state, DeploymentState::RolledBack);
    let reason = done.reason.unwrap();
    assert!(reason.starts_with("ECS reported the rollout failed: ECS deployment circuit breaker"), "{reason}");
    assert!(reason.ends_with("rolled back to web:7, worker:3"), "{reason}");
    let updates: Vec<String> = ecs.calls().into_iter().filter(|c| c.starts_with("update")).collect();
    assert_eq!(&updates[2..], ["update web web:7 force=false", "update worker worker:3 force=false"]);
}

#[tokio::test]
async fn a_circuit_breaker_rollback_is_reported_as_the_failure_it_is() {
    let (tengu, ecs, _, _) = setup(&[Step::Rolling(1), Step::Reverted], false).await;
    let id = tengu.request_deployment(&alice(), ship("abc123", None)).await.unwrap().id;
    let done = tengu.drive_deployment(id).await.unwrap();
    assert_eq!(done.state, DeploymentState::Failed);
    assert!(done.reason.unwrap().contains("went back to web:7"));
    assert_eq!(ecs.count("update"), 2, "no rollback of its own without the policy");
}

#[tokio::test]
async fn a_rollout_that_never_settles_times_out_with_and_without_a_rollback() {
    for auto_rollback in [false, true] {
        let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap()));
        let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
        let mut ecs = ScriptedEcs::new(clock.clone(), &[]);
        Arc::get_mut(&mut ecs).unwrap().minutes_per_poll = 2;
        let tengu = tengu(store, ecs.clone(), clock, auto_rollback);
        let id = tengu.request_deployment(&alice(), ship("slow", None)).await.unwrap().id;
        let done = tengu.drive_deployment(id).await.unwrap();
        let reason = done.reason.clone().unwrap();
        assert!(reason.starts_with("the rollout did not finish within 15 minutes"), "{reason}");
        assert_eq!(ecs.count("describe"), 8, "16 minutes at 2 per poll");
        let expected = if auto_rollback { DeploymentState::RolledBack } else { DeploymentState::Failed };
        assert_eq!(done.state, expected);
        assert_eq!(ecs.count("update"), if auto_rollback { 4 } else { 2 });
    }
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_rollout_resumes_it() {
    let (first, ecs, store, clock) = setup(&[Step::Rolling(1), Step::Completed], true).await;
    let id = first.request_deployment(&alice(), ship("abc123", None)).await.unwrap().id;
    ecs.unreachable_once.store(true, Ordering::SeqCst);
    let error = first.drive_deployment(id).await.unwrap_err();
    assert!(matches!(error, CoreError::Orchestrator(_)), "{error:?}");
    assert_eq!(store.deployment(id).await.unwrap().unwrap().state, DeploymentState::RollingOut);
    drop(first);

    // tengu starts again over the same database (under another instance name, so it waits for the dead driver's
    // lease to lapse); ECS kept going meanwhile.
    clock.advance(chrono::Duration::seconds(tengu_core::usecases::DRIVER_LEASE_SECONDS + 1));
    let second = tengu(store.clone(), ecs.clone(), clock, true);
    let resumed = second.resume_unfinished_deployments().await.unwrap();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].state, DeploymentState::Succeeded);
    assert_eq!(ecs.count("register"), 2, "nothing registered twice");
    assert_eq!(ecs.count("update"), 2, "no service updated twice");
}

#[tokio::test]
async fn one_deployment_at_a_time_a_double_click_makes_one_and_a_busy_environment_says_who() {
    let (tengu, ecs, _, _) = setup(&[Step::Completed], true).await;
    let first = tengu.request_deployment(&alice(), ship("abc123", Some("click-7"))).await.unwrap();
    let again = tengu.request_deployment(&alice(), ship("abc123", Some("click-7"))).await.unwrap();
    assert_eq!(first.id, again.id);
    let bob = Actor::Person(Login::parse("bob").unwrap());
    let busy = tengu.request_deployment(&bob, ship("def456", Some("click-8"))).await.unwrap_err();
    let sentence = busy.user_message();
    assert!(sentence.starts_with("production is busy: alice is deploying"), "{sentence}");
    assert!(sentence.contains("shop:abc123") && sentence.contains("since 2026-11-22 03:00 UTC"), "{sentence}");
    tengu.drive_deployment(first.id).await.unwrap();
    assert!(tengu.request_deployment(&bob, ship("def456", Some("click-8"))).await.is_ok(), "free again");
    assert_eq!(ecs.count("register"), 2);
}

#[tokio::test]
async fn an_image_ci_never_pushed_fails_before_ecs_is_touched() {
    let (tengu, ecs, _, _) = setup(&[], true).await;
    let id = tengu.request_deployment(&alice(), ship("never-pushed", None)).await.unwrap().id;
    let done = tengu.drive_deployment(id).await.unwrap();
    assert_eq!(done.state, DeploymentState::Failed);
    assert!(done.reason.unwrap().ends_with("not found in the registry — did CI push it?"));
    assert_eq!(ecs.count("register") + ecs.count("update"), 0);
}

#[tokio::test]
async fn redeploy_restarts_what_runs_and_rollback_returns_to_an_earlier_success() {
    let (tengu, ecs, _, _) = setup(&[Step::Completed, Step::Completed, Step::Completed, Step::Completed], true).await;
    let first = tengu.request_deployment(&alice(), ship("v1", None)).await.unwrap().id;
    tengu.drive_deployment(first).await.unwrap();
    let second = tengu.request_deployment(&alice(), ship("v2", None)).await.unwrap().id;
    assert_eq!(tengu.drive_deployment(second).await.unwrap().task_definitions, vec![arn("web", 27), arn("worker", 23)]);

    let redeploy = DeployRequest {
        env: production(),
        target: DeployTarget::Redeploy,
        trigger: Trigger::Redeploy,
        idempotency_key: None,
        overrides: Default::default(),
    };
    let id = tengu.request_deployment(&alice(), redeploy).await.unwrap().id;
    let redone = tengu.drive_deployment(id).await.unwrap();
    assert_eq!(
        (redone.state, redone.task_definitions.clone()),
        (DeploymentState::Succeeded, vec![arn("web", 27), arn("worker", 23)])
    );
    assert!(ecs.calls().contains(&"update web web:27 force=true".to_owned()));

    let back = DeployRequest {
        env: production(),
        target: DeployTarget::RollbackTo(first),
        trigger: Trigger::Rollback,
        idempotency_key: None,
        overrides: Default::default(),
    };
    let id = tengu.request_deployment(&alice(), back).await.unwrap().id;
    let rolled = tengu.drive_deployment(id).await.unwrap();
    assert_eq!(rolled.state, DeploymentState::Succeeded);
    assert_eq!(rolled.task_definitions, vec![arn("web", 17), arn("worker", 13)]);
    assert!(rolled.image.to_string().ends_with(":v1"));
    assert_eq!(ecs.count("register"), 4, "redeploy and rollback register nothing");

    let not_a_success = DeployRequest {
        env: production(),
        target: DeployTarget::RollbackTo(tengu_core::domain::DeploymentId(999)),
        trigger: Trigger::Rollback,
        idempotency_key: None,
        overrides: Default::default(),
    };
    assert!(tengu.request_deployment(&alice(), not_a_success).await.is_err());
}

#[tokio::test]
async fn the_team_channel_hears_of_the_start_and_the_end() {
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap()));
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let ecs = ScriptedEcs::new(clock.clone(), &[Step::EcsFailed]);
    let channel = Arc::new(Channel::default());
    let github = Arc::new(NoGithub::default());
    let tengu = tengu_telling(store, ecs, clock, false, channel.clone(), github.clone());
    let mut with_commit = ship("abc123", None);
    let sha = tengu_core::domain::CommitSha::parse("abc1230000000000000000000000000000000000").unwrap();
    if let DeployTarget::Image { sha: commit, .. } = &mut with_commit.target {
        *commit = Some(sha);
    }
    let id = tengu.request_deployment(&alice(), with_commit).await.unwrap().id;
    tengu.drive_deployment(id).await.unwrap();
    let told = channel.0.lock().unwrap().clone();
    assert_eq!(told.len(), 3, "{told:?}");
    assert!(
        told[0].starts_with("alice started deploying")
            && told[0].ends_with(&format!("to production (deployment {id})"))
    );
    assert!(told[1].starts_with(&format!("Deployment {id} of ")), "{}", told[1]);
    assert!(told[1].contains("to production failed after 0 s: ECS reported the rollout failed"), "{}", told[1]);
    assert!(
        told[2].starts_with("production is locked by tengu since ")
            && told[2].contains(&format!(": deployment {id} failed at ")),
        "then tengu stops the line: {}",
        told[2]
    );
    // GitHub shows it on the commit: a Deployment, in progress, then failed, each linking to tengu's page.
    assert_eq!(
        github.0.lock().unwrap().clone(),
        vec![
            "deployment abc1230 production".to_owned(),
            format!("status 42 in_progress https://tengu.test/deployments/{id} https://shop.example.com"),
            format!("status 42 failure https://tengu.test/deployments/{id} https://shop.example.com"),
        ]
    );
}

#[tokio::test]
async fn ecs_refusing_ends_the_deployment_with_its_sentence_and_frees_the_environment() {
    let (tengu, ecs, _, _) = setup(&[Step::Completed], true).await;
    ecs.no_such_service.store(true, Ordering::SeqCst);
    let id = tengu.request_deployment(&alice(), ship("abc123", None)).await.unwrap().id;
    let done = tengu.drive_deployment(id).await.unwrap();
    // web had taken the new revision before ECS refused worker: it is put back, and the record says so.
    assert_eq!(done.state, DeploymentState::RolledBack);
    assert_eq!(done.reason.as_deref(), Some("service worker not found in cluster shop; rolled back to web:7"));
    let updates: Vec<String> = ecs.calls().into_iter().filter(|c| c.starts_with("update")).collect();
    assert_eq!(
        updates,
        [
            "update web web:17 force=false",
            "update worker worker:13 force=false",
            "update web web:7 force=false",
            "update worker worker:3 force=false"
        ]
    );
    ecs.no_such_service.store(false, Ordering::SeqCst);
    // The environment is free of the deployment; tengu's lock holds it until someone has looked.
    let refused = tengu.request_deployment(&alice(), ship("def456", None)).await.unwrap_err();
    assert!(refused.to_string().contains("is locked by tengu"), "{refused}");
    let production = tengu_core::domain::EnvName::parse("production").unwrap();
    tengu.unlock_environment(&alice(), &production).await.unwrap().expect("alice lifts it");
    assert!(tengu.request_deployment(&alice(), ship("def456", None)).await.is_ok(), "not locked forever");
}

/// GitHub as deploys see it: only its Deployments API, as a list of calls.
#[derive(Default)]
pub(crate) struct NoGithub(pub Mutex<Vec<String>>);

#[async_trait]
impl CodeHost for NoGithub {
    async fn branch_head(
        &self,
        _: &RepoSlug,
        _: &BranchName,
    ) -> Result<tengu_core::domain::CommitSha, tengu_core::ports::CodeHostError> {
        Err(tengu_core::ports::CodeHostError::Unavailable("deploys do not read branches".into()))
    }
    async fn resolve_commit(
        &self,
        _: &RepoSlug,
        prefix: &tengu_core::domain::CommitPrefix,
    ) -> Result<tengu_core::domain::CommitSha, tengu_core::ports::CodeHostError> {
        Err(tengu_core::ports::CodeHostError::NotFound(format!("commit {prefix}")))
    }
    async fn create_deployment(
        &self,
        _: &RepoSlug,
        sha: &tengu_core::domain::CommitSha,
        environment: &str,
        _: &str,
        _: bool,
    ) -> Result<u64, tengu_core::ports::CodeHostError> {
        self.0.lock().unwrap().push(format!("deployment {} {environment}", sha.short()));
        Ok(42)
    }
    async fn create_deployment_status(
        &self,
        _: &RepoSlug,
        id: u64,
        state: tengu_core::ports::GithubDeploymentState,
        log_url: &str,
        environment_url: Option<&str>,
    ) -> Result<(), tengu_core::ports::CodeHostError> {
        let environment_url = environment_url.unwrap_or("-");
        self.0.lock().unwrap().push(format!("status {id} {} {log_url} {environment_url}", state.as_str()));
        Ok(())
    }
    async fn compare(
        &self,
        _: &RepoSlug,
        _: &BranchName,
        _: &BranchName,
    ) -> Result<tengu_core::ports::CommitRange, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn pull_summaries(
        &self,
        _: &RepoSlug,
        _: &[tengu_core::domain::PrNumber],
    ) -> Result<Vec<tengu_core::ports::PullSummary>, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn pull_request(
        &self,
        _: &RepoSlug,
        _: tengu_core::domain::PrNumber,
    ) -> Result<tengu_core::ports::PullRequest, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn approving_reviews(
        &self,
        _: &RepoSlug,
        _: tengu_core::domain::PrNumber,
    ) -> Result<Vec<tengu_core::ports::Review>, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn find_open_pull_request(
        &self,
        _: &RepoSlug,
        _: &BranchName,
        _: &BranchName,
    ) -> Result<Option<tengu_core::ports::PullRequest>, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn create_pull_request(
        &self,
        _: &RepoSlug,
        _: tengu_core::ports::NewPullRequest,
    ) -> Result<tengu_core::ports::PullRequest, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn create_issue_comment(
        &self,
        _: &RepoSlug,
        _: tengu_core::domain::PrNumber,
        _: &str,
    ) -> Result<u64, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn update_issue_comment(
        &self,
        _: &RepoSlug,
        _: u64,
        _: &str,
    ) -> Result<(), tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn set_commit_status(
        &self,
        _: &RepoSlug,
        _: &tengu_core::domain::CommitSha,
        _: &tengu_core::ports::CommitStatus,
    ) -> Result<(), tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
    async fn update_pull_request_body(
        &self,
        _: &RepoSlug,
        _: tengu_core::domain::PrNumber,
        _: &str,
    ) -> Result<tengu_core::ports::PullRequest, tengu_core::ports::CodeHostError> {
        unreachable!("no GitHub in deploy tests")
    }
}

#[tokio::test]
async fn abort_in_the_middle_of_a_rollout_points_the_services_back_and_says_who() {
    let (tengu, ecs, store, _) = setup(&[Step::Rolling(0), Step::Rolling(1), Step::Completed], true).await;
    let id = tengu.request_deployment(&alice(), ship("abc123", None)).await.unwrap().id;
    let rolling = tengu.advance_deployment(id).await.unwrap();
    assert!(matches!(rolling, tengu_core::usecases::Progress::RollingOut(_)), "{rolling:?}");

    let bob = Actor::Person(Login::parse("bob").unwrap());
    let marked = tengu.abort_deployment(&bob, id).await.unwrap();
    // Marked at once; the driver may already have put the services back by the time the answer is read.
    assert_eq!(marked.state, DeploymentState::Aborted);
    assert!(marked.reason.as_deref().unwrap().starts_with("aborted by bob"), "{:?}", marked.reason);
    // A driver (started by the abort, as none followed it here) puts the services back and ends it.
    let mut aborted = marked;
    for _ in 0..200 {
        aborted = tengu.deployment(id).await.unwrap();
        if aborted.finished_at.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(aborted.state, DeploymentState::Aborted);
    assert_eq!(aborted.reason.as_deref(), Some("aborted by bob; rolled back to web:7, worker:3"));
    assert!(aborted.finished_at.is_some());
    let updates: Vec<String> = ecs.calls().into_iter().filter(|c| c.starts_with("update")).collect();
    assert_eq!(&updates[2..], ["update web web:7 force=false", "update worker worker:3 force=false"]);
    // The driver that was following it learns it ended and does not touch ECS again.
    let calls_before = ecs.calls().len();
    assert_eq!(tengu.drive_deployment(id).await.unwrap().state, DeploymentState::Aborted);
    assert_eq!(ecs.calls().len(), calls_before);
    let timeline: Vec<DeploymentState> = aborted.steps.iter().map(|s| s.state).collect();
    assert_eq!(
        timeline,
        [
            DeploymentState::Requested,
            DeploymentState::Checked,
            DeploymentState::TaskDefinitionRegistered,
            DeploymentState::ServiceUpdated,
            DeploymentState::RollingOut,
            DeploymentState::Aborted,
            DeploymentState::Aborted
        ]
    );
    let log = store.audit_log(5).await.unwrap();
    assert!(log.iter().any(|e| e.action == AuditAction::DeploymentAborted && e.actor == "bob"));
    let again = tengu.abort_deployment(&bob, id).await.unwrap_err();
    assert_eq!(again.user_message(), format!("deployment {id} has already ended (aborted)"));
}

#[tokio::test]
async fn abort_before_ecs_is_touched_just_ends_it_and_frees_the_environment() {
    let (tengu, ecs, _, _) = setup(&[Step::Completed], true).await;
    let id = tengu.request_deployment(&alice(), ship("abc123", None)).await.unwrap().id;
    let aborted = tengu.abort_deployment(&alice(), id).await.unwrap();
    assert_eq!((aborted.state, aborted.reason.as_deref()), (DeploymentState::Aborted, Some("aborted by alice")));
    assert!(ecs.calls().is_empty(), "{:?}", ecs.calls());
    let next = tengu.request_deployment(&alice(), ship("def456", None)).await.unwrap();
    assert_eq!(tengu.drive_deployment(next.id).await.unwrap().state, DeploymentState::Succeeded);
}

#[tokio::test]
async fn the_difference_before_a_deploy_a_redeploy_and_a_rollback_names_each_field() {
    // Each difference asks ECS how the services stand (a scripted answer each), then two deployments roll out.
    let (tengu, ecs, _, _) = setup(&[Step::Completed; 5], true).await;
    let viewer = tengu_core::domain::Viewer::trusted(Actor::System);
    let lines = |found: tengu_core::usecases::DeployDifference| -> Vec<String> { found.lines() };
    let image = |tag: &str| format!("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/shop:{tag}");
    let deploy = tengu.deploy_difference(&viewer, &production(), &ship("v42", None).target).await.unwrap();
    assert_eq!(
        lines(deploy),
        [
            "web: web:7 → a new revision of web".to_owned(),
            format!("  ~ container web image: {} → {}", image("r7"), image("v42")),
            "worker: worker:3 → a new revision of worker".to_owned(),
            format!("  ~ container worker image: {} → {}", image("r3"), image("v42")),
            "ready: the image, the roles and the log groups it names exist".to_owned(),
        ]
    );
    *ecs.missing.lock().unwrap() = vec!["/ecs/web".to_owned()];
    let missing = tengu.deploy_difference(&viewer, &production(), &ship("never-pushed", None).target).await.unwrap();
    assert_eq!(
        lines(missing).last().unwrap(),
        &format!(
            "would fail before changing ECS: image {} not found in the registry — did CI push it?; the log group /ecs/web does \
             not exist in CloudWatch Logs (create it, or let ECS create it with awslogs-create-group=true)",
            image("never-pushed")
        )
    );
    ecs.missing.lock().unwrap().clear();
    let redeploy = tengu.deploy_difference(&viewer, &production(), &DeployTarget::Redeploy).await.unwrap();
    assert_eq!(lines(redeploy)[..2], ["web: web:7 → web:7", "  nothing changes but a restart of its tasks"]);

    // Two deployments later, going back to the first puts its revisions back: the difference says which.
    let first = tengu.request_deployment(&alice(), ship("v1", None)).await.unwrap().id;
    tengu.drive_deployment(first).await.unwrap();
    let second = tengu.request_deployment(&alice(), ship("v2", None)).await.unwrap().id;
    tengu.drive_deployment(second).await.unwrap();
    let back = tengu.deploy_difference(&viewer, &production(), &DeployTarget::RollbackTo(first)).await.unwrap();
    assert_eq!(
        lines(back)[..2],
        ["web: web:27 → web:17".to_owned(), format!("  ~ container web image: {} → {}", image("r27"), image("r17"))]
    );
    let unknown = tengu
        .deploy_difference(&viewer, &production(), &DeployTarget::RollbackTo(tengu_core::domain::DeploymentId(999)))
        .await;
    assert!(unknown.is_err(), "not a success of production: {unknown:?}");
}
