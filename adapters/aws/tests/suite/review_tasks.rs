//! Review tasks against moto_server: RunTask with the pull request's overrides and tags, DescribeTasks (status,
//! health, address), ListTasks by `startedBy`, StopTask.

use crate::moto::Moto;
use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, HealthCheck, NetworkMode, PortMapping};
use tengu_aws::AwsEcs;
use tengu_core::domain::{ClusterName, LaunchType};
use tengu_core::ports::{OrchestratorError, TaskRunner, TaskSpec};

fn review() -> ClusterName {
    ClusterName::parse("review").unwrap()
}

async fn register(ecs: &aws_sdk_ecs::Client, family: &str, health_check: bool) {
    let mut app = ContainerDefinition::builder()
        .name("app")
        .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:main")
        .memory(512)
        .port_mappings(PortMapping::builder().container_port(8080).build());
    if health_check {
        app = app.health_check(HealthCheck::builder().command("CMD-SHELL").command("true").build().unwrap());
    }
    ecs.register_task_definition()
        .family(family)
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(app.build())
        .send()
        .await
        .unwrap();
}

async fn spec(moto: &Moto, family: &str, pr: &str) -> TaskSpec {
    let (subnets, security_groups) = moto.default_network().await;
    assert!(!subnets.is_empty() && !security_groups.is_empty(), "moto has a default VPC");
    TaskSpec {
        cluster: review(),
        task_definition: family.to_owned(),
        launch_type: LaunchType::Fargate,
        subnets: subnets[..1].to_vec(),
        security_groups: security_groups[..1].to_vec(),
        assign_public_ip: false,
        container: "app".to_owned(),
        environment: vec![
            ("BRANCH".to_owned(), "feature/returns".to_owned()),
            ("PR_NUMBER".to_owned(), pr.to_owned()),
            ("SHA".to_owned(), "0123456789abcdef0123456789abcdef01234567".to_owned()),
        ],
        tags: vec![("tengu:repo".to_owned(), "acme/shop".to_owned()), ("tengu:pr".to_owned(), pr.to_owned())],
    }
}

#[tokio::test]
async fn a_review_task_runs_with_its_overrides_and_tags_and_stops() {
    let moto = Moto::start().await;
    moto.keep_tasks_running().await;
    let ecs = moto.ecs().await;
    ecs.create_cluster().cluster_name("review").send().await.unwrap();
    register(&ecs, "shop-review", false).await;
    let adapter = AwsEcs::connect(&moto.settings()).await;

    let spec = spec(&moto, "shop-review", "123").await;
    let asked = std::time::Instant::now();
    let arn = adapter.run_task(&spec).await.unwrap();
    let status = adapter.describe_tasks(&review(), std::slice::from_ref(&arn)).await.unwrap();
    println!("moto: RunTask to a ready task with an address: {} ms", asked.elapsed().as_millis());
    assert_eq!(status.len(), 1);
    let task = &status[0];
    assert_eq!(task.last_status, "RUNNING");
    assert!(task.is_ready(), "running, and no health check to wait for: {task:?}");
    assert!(task.private_ip.is_some(), "an awsvpc task has an address: {task:?}");
    assert_eq!((task.tag("tengu:repo"), task.tag("tengu:pr")), (Some("acme/shop"), Some("123")));
    let raw = ecs.describe_tasks().cluster("review").tasks(&arn).send().await.unwrap();
    let sent = raw.tasks()[0].overrides().unwrap().container_overrides()[0].environment();
    let names: Vec<(&str, &str)> = sent.iter().map(|kv| (kv.name().unwrap(), kv.value().unwrap())).collect();
    assert!(names.contains(&("PR_NUMBER", "123")) && names.contains(&("BRANCH", "feature/returns")), "{names:?}");
    assert_eq!(raw.tasks()[0].started_by(), Some("tengu-review"));

    assert_eq!(adapter.list_tengu_tasks(&review()).await.unwrap(), vec![arn.clone()]);
    adapter.stop_task(&review(), &arn, "pull request #123 closed").await.unwrap();
    let stopped = &adapter.describe_tasks(&review(), std::slice::from_ref(&arn)).await.unwrap()[0];
    assert!(stopped.is_stopped(), "{stopped:?}");
    assert_eq!(stopped.stopped_reason.as_deref(), Some("pull request #123 closed"));
    // (Stopping a task ECS no longer knows is in ecs_adapter_wire.rs: moto answers it with a 500.)
}

#[tokio::test]
async fn a_task_with_a_health_check_is_ready_only_when_healthy() {
    let moto = Moto::start().await;
    moto.keep_tasks_running().await;
    let ecs = moto.ecs().await;
    ecs.create_cluster().cluster_name("review").send().await.unwrap();
    register(&ecs, "shop-checked", true).await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let arn = adapter.run_task(&spec(&moto, "shop-checked", "9").await).await.unwrap();
    let task = &adapter.describe_tasks(&review(), &[arn]).await.unwrap()[0];
    assert_eq!(task.last_status, "RUNNING");
    assert!(task.health.is_some(), "the container has a health check: {task:?}");
    assert!(!task.is_ready(), "moto never reports it healthy, so it is not ready: {task:?}");
}

#[tokio::test]
async fn a_bad_subnet_is_refused_with_a_sentence() {
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    ecs.create_cluster().cluster_name("review").send().await.unwrap();
    register(&ecs, "shop-review", false).await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let mut bad = spec(&moto, "shop-review", "5").await;
    bad.subnets = vec!["subnet-nope".to_owned()];
    let error = adapter.run_task(&bad).await.unwrap_err();
    assert!(matches!(&error, OrchestratorError::Rejected(m) if m.contains("subnet-nope")), "{error:?}");
}

/// What `tengu doctor` reads of a review environment's task definition: by family (its newest revision) or
/// `family:revision`, as RunTask takes it.
#[tokio::test]
async fn a_review_task_definition_is_read_by_family_or_revision() {
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    register(&ecs, "shop-review", false).await;
    register(&ecs, "shop-review", true).await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let newest = adapter.task_template("shop-review").await.unwrap();
    assert_eq!(newest.get("networkMode"), Some("awsvpc"));
    assert!(newest.get("requiresCompatibilities").unwrap_or_default().contains("FARGATE"), "{newest:?}");
    assert_eq!(newest.containers().collect::<Vec<_>>(), ["app"]);
    assert!(newest.get("container app port 8080").is_some(), "{newest:?}");
    assert!(newest.get("container app healthCheck").is_some_and(|h| !h.is_empty()), "revision 2 checks health");
    let first = adapter.task_template("shop-review:1").await.unwrap();
    assert!(first.get("container app healthCheck").is_none_or(str::is_empty), "revision 1 does not: {first:?}");
    let missing = adapter.task_template("shop-nothing").await.unwrap_err();
    assert!(
        matches!(missing, OrchestratorError::Rejected(_) | OrchestratorError::ServiceNotFound { .. }),
        "{missing:?}"
    );
}
