//! What safe rollouts cost (`make bench`):
//! - the checks every deploy request passes for a lock and for freeze windows (three configured, none holding):
//!   the median of 2,000, each read afresh from the database as a request reads it;
//! - the time from ECS's COMPLETED to the verification's verdict with one HTTP check (a real GET of a local
//!   stand-in service) and one CloudWatch alarm (the real adapter, asking a local stand-in of `DescribeAlarms`),
//!   beside the configured bake: what verifying adds beyond the bake is the last look's probe and one poll.
//!
//! `cargo run --release -p tengu-server --example safety_cost`

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use tengu_core::domain::{
    Actor, AlarmName, CheckUrl, ClusterName, DeploymentState, EcsDeployment, EcsDeploymentStatus, EnvName,
    FreezeWindow, HttpCheck, ImageRef, Login, RolloutSnapshot, RolloutState, ServiceName, TaskDefinitionArn, Trigger,
    VerificationPlan,
};
use tengu_core::ports::{Orchestrator, OrchestratorError, Store, SystemClock};
use tengu_core::usecases::{DeployRequest, DeployTarget};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BAKE_SECONDS: u32 = 2;
const ROUNDS: usize = 5;

/// ECS that has completed whatever it was last told to run, at once.
#[derive(Default)]
struct CompletedAtOnce(Mutex<std::collections::HashMap<String, TaskDefinitionArn>>);

#[async_trait]
impl Orchestrator for CompletedAtOnce {
    async fn describe_services(
        &self,
        cluster: &ClusterName,
        services: &[ServiceName],
    ) -> Result<Vec<RolloutSnapshot>, OrchestratorError> {
        let running = self.0.lock().expect("running").clone();
        Ok(services
            .iter()
            .map(|service| RolloutSnapshot {
                cluster: cluster.clone(),
                service: service.clone(),
                deployments: vec![EcsDeployment {
                    id: "ecs-svc/1".into(),
                    status: EcsDeploymentStatus::Primary,
                    task_definition: running[service.as_str()].clone(),
                    desired: 2,
                    running: 2,
                    pending: 0,
                    failed_tasks: 0,
                    rollout_state: Some(RolloutState::Completed),
                    rollout_state_reason: None,
                }],
                events: vec![],
                stopped_tasks: vec![],
                taken_at: chrono::Utc::now(),
                ecs_alarms: None,
                settings: None,
            })
            .collect())
    }

    async fn service_task_definition(
        &self,
        _: &ClusterName,
        service: &ServiceName,
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        let mut running = self.0.lock().expect("running");
        let arn = format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{service}:7");
        Ok(running.entry(service.to_string()).or_insert_with(|| TaskDefinitionArn::parse(arn).expect("valid")).clone())
    }

    async fn register_with_image(
        &self,
        from: &TaskDefinitionArn,
        _: &ImageRef,
        _: &[String],
    ) -> Result<TaskDefinitionArn, OrchestratorError> {
        Ok(from.clone())
    }

    async fn update_service(
        &self,
        _: &ClusterName,
        service: &ServiceName,
        task_definition: &TaskDefinitionArn,
        _: bool,
    ) -> Result<(), OrchestratorError> {
        self.0.lock().expect("running").insert(service.to_string(), task_definition.clone());
        Ok(())
    }

    async fn image_exists(&self, _: &ImageRef) -> Result<bool, OrchestratorError> {
        Ok(true)
    }

    async fn describe_task_definition(
        &self,
        _: &TaskDefinitionArn,
    ) -> Result<tengu_core::domain::TaskDefinitionDoc, OrchestratorError> {
        Ok(Default::default())
    }
}

/// A service answering its health check, and CloudWatch's `DescribeAlarms` (Smithy RPC v2 CBOR) saying OK.
async fn stand_ins() -> (MockServer, MockServer) {
    let service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"status":"ok"}"#))
        .mount(&service)
        .await;
    let cloudwatch = tengu_testkit::cloudwatch_knowing(&[("shop-5xx", "OK", "fine")], &[]).await;
    (service, cloudwatch)
}

fn plan(service: &MockServer) -> VerificationPlan {
    VerificationPlan {
        bake_seconds: BAKE_SECONDS,
        http: vec![HttpCheck {
            name: "health".into(),
            url: CheckUrl::parse(&format!("{}/healthz", service.uri())).expect("a URL"),
            expect_status: 200,
            json: None,
            interval_seconds: 1,
            count: 2,
            failure_limit: 0,
            timeout_seconds: 5,
            initial_delay_seconds: 0,
        }],
        alarms: vec![AlarmName::parse("shop-5xx").expect("a name")],
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let file = std::env::temp_dir().join(format!("tengu-safety-cost-{}.db", std::process::id()));
    let store = tengu_sql::SqlStore::connect(&format!("sqlite://{}", file.display())).await.expect("a database");
    store.migrate().await.expect("migrated");
    let store: Arc<dyn Store> = Arc::new(store);
    let (tengu, _) =
        tengu_sandbox::simulate(store, Arc::new(SystemClock), "http://127.0.0.1:3000").await.expect("sandbox");
    let (service, cloudwatch) = stand_ins().await;
    let aws = tengu_aws::AwsSettings {
        region: Some("us-east-1".into()),
        endpoint_url: Some(cloudwatch.uri()),
        static_credentials: Some(tengu_aws::StaticCredentials {
            access_key_id: "bench".into(),
            secret_access_key: "bench".into(),
        }),
        max_attempts: 1,
    };
    let dev = EnvName::parse("dev").expect("dev");
    let mut environments = tengu.settings().environments.clone();
    environments.retain(|env| env.name == dev);
    environments[0].verification = plan(&service);
    let windows = ["Fri 18:00", "Sat 00:00", "Sun 00:00"]
        .map(|from| FreezeWindow::new("Weekend", vec![], "Asia/Tokyo", from, "Sun 00:01").expect("a window"));
    let tengu = tengu
        .with_environments(environments)
        .with_orchestrator(Arc::new(CompletedAtOnce::default()))
        .with_checks(
            Arc::new(tengu_probe::HttpProbe::new().expect("a client")),
            Arc::new(tengu_aws::AwsAlarms::connect(&aws).await),
        )
        .with_freezes(windows.into_iter().collect());

    let mut checks = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        let started = Instant::now();
        let lock = tengu.environment_lock(&dev).await.expect("read");
        let freeze = tengu.freeze_of(&dev);
        checks.push(started.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box((lock, freeze));
    }
    println!("lock and freeze checks on a deploy request (3 windows): median {:.1} µs", median(checks));

    let alice = Actor::Person(Login::parse("alice").expect("alice"));
    let mut added = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let request = DeployRequest {
            env: dev.clone(),
            target: DeployTarget::Redeploy,
            trigger: Trigger::Redeploy,
            idempotency_key: None,
            overrides: Default::default(),
        };
        let id = tengu.request_deployment(&alice, request).await.expect("requested").id;
        let done = tengu.drive_deployment(id).await.expect("driven");
        assert_eq!(done.state, DeploymentState::Succeeded, "{:?}", done.reason);
        let verifying = done.steps.iter().find(|s| s.state == DeploymentState::Verifying).expect("it verified").at;
        let took = (done.finished_at.expect("finished") - verifying).num_milliseconds() as f64 / 1000.0;
        added.push(took - f64::from(BAKE_SECONDS));
    }
    let poll = tengu.settings().deploys.poll_every_ms;
    println!(
        "COMPLETED to verdict, one HTTP check (2 answers, 1 s apart) and one alarm, bake {BAKE_SECONDS} s: \
         median {:.3} s beyond the bake, worst {:.3} s (the poll interval is {:.1} s), {ROUNDS} deployments",
        median(added.clone()),
        added.iter().copied().fold(f64::MIN, f64::max),
        poll as f64 / 1000.0
    );
    let _ = std::fs::remove_file(&file);
}
