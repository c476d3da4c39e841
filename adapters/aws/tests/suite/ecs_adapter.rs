//! The AWS adapter against moto_server: lossless task definition copies, service updates, batched
//! DescribeServices, ECR lookups and the sentences AWS errors become. Rollout progress is not here: moto does not
//! progress rollouts (deploy_rollout.rs follows them on a scripted ECS behind the same trait).

use crate::moto::{ACCOUNT, CallCounter, Moto, REGION};
use aws_sdk_ecs::types::{
    Compatibility, ContainerCondition, ContainerDefinition, ContainerDependency, CpuArchitecture, EphemeralStorage,
    HealthCheck, KernelCapabilities, KeyValuePair, LaunchType, LinuxParameters, LogConfiguration, LogDriver,
    MountPoint, NetworkMode, OsFamily, PortMapping, RuntimePlatform, Secret, Tag, TaskDefinition, TaskDefinitionField,
    TransportProtocol, Ulimit, UlimitName, Volume,
};
use tengu_aws::AwsEcs;
use tengu_core::domain::{ClusterName, ImageRef, ServiceName, TaskDefinitionArn};
use tengu_core::ports::{Orchestrator, OrchestratorError};

fn repository() -> String {
    format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/acme/shop")
}

fn image(tag: &str) -> ImageRef {
    ImageRef::parse(format!("{}:{tag}", repository())).unwrap()
}

fn service(name: &str) -> ServiceName {
    ServiceName::parse(name).unwrap()
}

fn cluster(name: &str) -> ClusterName {
    ClusterName::parse(name).unwrap()
}

/// A task definition that uses most of what ECS offers, so a copy that loses a setting shows.
async fn register_rich(ecs: &aws_sdk_ecs::Client) -> TaskDefinitionArn {
    let app = ContainerDefinition::builder()
        .name("app")
        .image(image("old1234").to_string())
        .essential(true)
        .cpu(256)
        .memory(512)
        .memory_reservation(256)
        .port_mappings(
            PortMapping::builder().container_port(8080).protocol(TransportProtocol::Tcp).name("http").build(),
        )
        .environment(KeyValuePair::builder().name("RAILS_ENV").value("production").build())
        .secrets(
            Secret::builder()
                .name("DATABASE_URL")
                .value_from("arn:aws:ssm:us-east-1:123456789012:parameter/shop/db")
                .build()
                .unwrap(),
        )
        .health_check(
            HealthCheck::builder()
                .command("CMD-SHELL")
                .command("curl -f http://localhost:8080/up || exit 1")
                .interval(15)
                .timeout(5)
                .retries(3)
                .start_period(20)
                .build()
                .unwrap(),
        )
        .log_configuration(
            LogConfiguration::builder()
                .log_driver(LogDriver::Awslogs)
                .options("awslogs-group", "/ecs/shop")
                .options("awslogs-stream-prefix", "web")
                .build()
                .unwrap(),
        )
        .ulimits(Ulimit::builder().name(UlimitName::Nofile).soft_limit(4096).hard_limit(8192).build().unwrap())
        .linux_parameters(
            LinuxParameters::builder()
                .init_process_enabled(true)
                .capabilities(KernelCapabilities::builder().add("SYS_PTRACE").build())
                .build(),
        )
        .depends_on(
            ContainerDependency::builder()
                .container_name("datadog")
                .condition(ContainerCondition::Healthy)
                .build()
                .unwrap(),
        )
        .mount_points(MountPoint::builder().source_volume("cache").container_path("/cache").read_only(false).build())
        .docker_labels("team", "shop")
        .stop_timeout(30)
        .command("bundle")
        .command("exec")
        .command("puma")
        .build();
    let sidecar = ContainerDefinition::builder()
        .name("datadog")
        .image("public.ecr.aws/datadog/agent:7")
        .essential(false)
        .memory(256)
        .build();
    let registered = ecs
        .register_task_definition()
        .family("shop-web")
        .task_role_arn("arn:aws:iam::123456789012:role/shop-task")
        .execution_role_arn("arn:aws:iam::123456789012:role/shop-execution")
        .network_mode(NetworkMode::Awsvpc)
        .container_definitions(app)
        .container_definitions(sidecar)
        .volumes(Volume::builder().name("cache").build())
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("512")
        .memory("1024")
        .runtime_platform(
            RuntimePlatform::builder()
                .cpu_architecture(CpuArchitecture::Arm64)
                .operating_system_family(OsFamily::Linux)
                .build(),
        )
        .ephemeral_storage(EphemeralStorage::builder().size_in_gib(30).build())
        .tags(Tag::builder().key("team").value("shop").build())
        .tags(Tag::builder().key("cost-center").value("42").build())
        .send()
        .await
        .expect("moto registers the task definition");
    TaskDefinitionArn::parse(registered.task_definition().unwrap().task_definition_arn().unwrap()).unwrap()
}

async fn describe(ecs: &aws_sdk_ecs::Client, arn: &TaskDefinitionArn) -> (TaskDefinition, Vec<Tag>) {
    let answer = ecs
        .describe_task_definition()
        .task_definition(arn.as_str())
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    (answer.task_definition.unwrap(), answer.tags.unwrap_or_default())
}

/// A definition without the fields ECS sets itself, which differ between any two revisions.
fn without_read_only(mut definition: TaskDefinition) -> TaskDefinition {
    definition.task_definition_arn = None;
    definition.revision = 0;
    definition.status = None;
    definition.registered_at = None;
    definition.registered_by = None;
    definition.deregistered_at = None;
    definition.requires_attributes = None;
    definition.compatibilities = None;
    definition
}

#[tokio::test]
async fn a_rich_task_definition_comes_back_identical_but_for_the_image() {
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let from = register_rich(&ecs).await;

    let next = adapter.register_with_image(&from, &image("new5678"), &[]).await.unwrap();

    assert_eq!(next.family(), "shop-web");
    assert_eq!(next.revision(), from.revision() + 1);
    let (before, tags_before) = describe(&ecs, &from).await;
    let (after, tags_after) = describe(&ecs, &next).await;
    // The emulator kept what we registered, so the comparison below is about something.
    let app = &before.container_definitions()[0];
    assert!(app.health_check().is_some() && !app.secrets().is_empty() && !app.ulimits().is_empty());
    assert!(app.linux_parameters().is_some() && !app.depends_on().is_empty() && app.log_configuration().is_some());
    assert!(before.runtime_platform().is_some() && before.ephemeral_storage().is_some());
    assert_eq!(tags_before.len(), 2);

    assert_eq!(after.container_definitions()[0].image(), Some(image("new5678").to_string().as_str()));
    assert_eq!(after.container_definitions()[1].image(), Some("public.ecr.aws/datadog/agent:7"), "sidecar kept");
    let mut expected = without_read_only(before);
    expected.container_definitions.as_mut().unwrap()[0].image = Some(image("new5678").to_string());
    assert_eq!(without_read_only(after), expected);
    assert_eq!(tags_after, tags_before);
}

#[tokio::test]
async fn named_containers_get_the_image_and_no_match_is_refused() {
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let from = register_rich(&ecs).await;

    let agent = ImageRef::parse("public.ecr.aws/datadog/agent:7.1").unwrap();
    let next = adapter.register_with_image(&from, &agent, &["datadog".to_owned()]).await.unwrap();
    let (after, _) = describe(&ecs, &next).await;
    assert_eq!(after.container_definitions()[0].image(), Some(image("old1234").to_string().as_str()));
    assert_eq!(after.container_definitions()[1].image(), Some("public.ecr.aws/datadog/agent:7.1"));

    let stranger = ImageRef::parse("ghcr.io/acme/other:1").unwrap();
    let refused = adapter.register_with_image(&from, &stranger, &[]).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "ECS refused the request: task definition shop-web:1: no container runs an image of ghcr.io/acme/other"
    );
}

async fn create_services(ecs: &aws_sdk_ecs::Client, cluster_name: &str, names: &[String], td: &TaskDefinitionArn) {
    ecs.create_cluster().cluster_name(cluster_name).send().await.unwrap();
    for name in names {
        ecs.create_service()
            .cluster(cluster_name)
            .service_name(name)
            .task_definition(td.as_str())
            .desired_count(2)
            .launch_type(LaunchType::Ec2)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn updating_a_service_points_it_at_the_new_revision() {
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let from = register_rich(&ecs).await;
    create_services(&ecs, "prod", &["web".to_owned()], &from).await;

    assert_eq!(adapter.service_task_definition(&cluster("prod"), &service("web")).await.unwrap(), from);
    let next = adapter.register_with_image(&from, &image("new5678"), &[]).await.unwrap();
    adapter.update_service(&cluster("prod"), &service("web"), &next, true).await.unwrap();

    let described = ecs.describe_services().cluster("prod").services("web").send().await.unwrap();
    assert_eq!(described.services()[0].task_definition(), Some(next.as_str()));
    let snapshot = adapter.describe_services(&cluster("prod"), &[service("web")]).await.unwrap();
    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0].service, service("web"));
    assert!(snapshot[0].primary().is_some(), "moto reports a PRIMARY deployment: {:?}", snapshot[0]);
}

#[tokio::test]
async fn services_are_described_ten_per_call() {
    let moto = Moto::start().await;
    let config = moto.config().await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let counter = CallCounter::default();
    let counted = aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::config::Builder::from(&config).interceptor(counter.clone()).build(),
    );
    let adapter = AwsEcs::with_client(counted, config);
    let td = register_rich(&ecs).await;
    let names: Vec<String> = (1..=25).map(|i| format!("svc-{i:02}")).collect();
    create_services(&ecs, "prod", &names, &td).await;
    let all: Vec<ServiceName> = names.iter().map(|n| service(n)).collect();

    let mut calls = Vec::new();
    for count in [1, 10, 25] {
        counter.take();
        let snapshots = adapter.describe_services(&cluster("prod"), &all[..count]).await.unwrap();
        calls.push(counter.take());
        let described: Vec<&ServiceName> = snapshots.iter().map(|s| &s.service).collect();
        assert_eq!(described, all[..count].iter().collect::<Vec<_>>(), "in the order asked");
    }
    println!("DescribeServices calls per poll for 1, 10, 25 services: {calls:?}");
    assert_eq!(calls, vec![1, 1, 3]);
}

#[tokio::test]
async fn missing_services_and_clusters_are_named_in_the_error() {
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let td = register_rich(&ecs).await;
    create_services(&ecs, "prod", &["web".to_owned()], &td).await;

    let described = adapter.describe_services(&cluster("prod"), &[service("web"), service("api")]).await;
    assert_eq!(described.unwrap_err().to_string(), "service api not found in cluster prod");
    let updated = adapter.update_service(&cluster("prod"), &service("api"), &td, false).await;
    assert_eq!(updated.unwrap_err().to_string(), "service api not found in cluster prod");
    let no_cluster = adapter.update_service(&cluster("staging"), &service("web"), &td, false).await.unwrap_err();
    assert!(
        matches!(&no_cluster, OrchestratorError::Rejected(m) if m.contains("staging")),
        "a missing cluster is named: {no_cluster}"
    );
    let gone = TaskDefinitionArn::parse(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/gone:3")).unwrap();
    let missing_definition = adapter.register_with_image(&gone, &image("x"), &[]).await.unwrap_err();
    assert!(matches!(missing_definition, OrchestratorError::Rejected(_)), "{missing_definition:?}");
}

#[tokio::test]
async fn images_are_looked_up_in_ecr() {
    let moto = Moto::start().await;
    let ecr = moto.ecr().await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    ecr.create_repository().repository_name("acme/shop").send().await.unwrap();
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},"layers":[]}"#;
    ecr.put_image().repository_name("acme/shop").image_manifest(manifest).image_tag("abc1234").send().await.unwrap();

    assert!(adapter.image_exists(&image("abc1234")).await.unwrap(), "a pushed tag exists");
    assert!(!adapter.image_exists(&image("def5678")).await.unwrap(), "an unpushed tag does not");
    let other_repo = ImageRef::parse(format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/acme/nope:abc1234")).unwrap();
    assert!(!adapter.image_exists(&other_repo).await.unwrap(), "a missing repository has no images");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable_not_refused() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let moto = Moto::start().await;
    let mut settings = moto.settings();
    settings.endpoint_url = Some(format!("http://127.0.0.1:{closed}"));
    let adapter = AwsEcs::connect(&settings).await;

    let error = adapter.describe_services(&cluster("prod"), &[service("web")]).await.unwrap_err();
    assert!(matches!(error, OrchestratorError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn a_task_definition_reads_as_lines_and_a_new_image_differs_only_by_it() {
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let arn = register_rich(&ecs).await;
    let doc = adapter.describe_task_definition(&arn).await.unwrap();
    for (key, value) in [
        ("family", "shop-web"),
        ("cpu", "512"),
        ("memory", "1024"),
        ("executionRoleArn", "arn:aws:iam::123456789012:role/shop-execution"),
        ("networkMode", "awsvpc"),
        ("container app environment RAILS_ENV", "production"),
        ("container app secret DATABASE_URL", "arn:aws:ssm:us-east-1:123456789012:parameter/shop/db"),
        ("container app port 8080", "tcp"),
        ("container app command", "bundle exec puma"),
        ("container app logDriver", "awslogs"),
        ("container app log awslogs-group", "/ecs/shop"),
        ("container app log awslogs-stream-prefix", "web"),
        ("container app stopTimeout", "30"),
        ("container datadog image", "public.ecr.aws/datadog/agent:7"),
    ] {
        assert_eq!(doc.get(key), Some(value), "{key}");
    }
    assert!(doc.get("container app healthCheck").is_some_and(|h| h.starts_with("CMD-SHELL curl -f")));
    assert!(doc.get("container app linuxParameters").is_some_and(|p| p.contains("SYS_PTRACE")), "other fields too");
    let needed = tengu_core::domain::Prerequisites::of(&doc);
    let roles: Vec<&str> = needed.roles.iter().map(|(role, _)| role.name()).collect();
    let groups: Vec<&str> = needed.log_groups.iter().map(|group| group.name.as_str()).collect();
    assert_eq!((roles, groups), (vec!["shop-execution", "shop-task"], vec!["/ecs/shop"]), "what a deploy checks first");

    let next = adapter.register_with_image(&arn, &image("new5678"), &[]).await.unwrap();
    let changes = doc.difference(&adapter.describe_task_definition(&next).await.unwrap());
    let lines: Vec<String> = changes.iter().map(|c| c.line()).collect();
    assert_eq!(lines, [format!("~ container app image: {} → {}", image("old1234"), image("new5678"))]);
}
