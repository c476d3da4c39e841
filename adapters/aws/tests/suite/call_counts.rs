//! Every AWS call the adapters make is counted for `/metrics` by service, operation and outcome.

use crate::moto::Moto;
use tengu_aws::AwsEcs;
use tengu_core::domain::{ClusterName, ServiceName};
use tengu_core::ports::Orchestrator;

#[tokio::test]
async fn each_call_is_counted_by_service_operation_and_outcome() {
    // Each test runs in its own process (nextest): this recorder sees this test's calls only.
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder().unwrap();
    let moto = Moto::start().await;
    let ecs = moto.ecs().await;
    ecs.create_cluster().cluster_name("counted").send().await.unwrap();
    let adapter = AwsEcs::connect(&moto.settings()).await;
    let cluster = ClusterName::parse("counted").unwrap();
    let _ = adapter.describe_services(&cluster, &[ServiceName::parse("web").unwrap()]).await;
    let _ =
        adapter.describe_services(&ClusterName::parse("nowhere").unwrap(), &[ServiceName::parse("web").unwrap()]).await;
    let text = recorder.render();
    let line = |outcome: &str| {
        format!("tengu_aws_calls_total{{service=\"ECS\",operation=\"DescribeServices\",outcome=\"{outcome}\"}} 1")
    };
    assert!(text.contains(&line("ok")) || text.contains(&line("error")), "{text}");
    let counted: usize = text
        .lines()
        .filter(|l| l.starts_with("tengu_aws_calls_total{service=\"ECS\",operation=\"DescribeServices\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(counted, 2, "both calls, whatever they answered: {text}");
    assert!(!text.contains("CreateCluster"), "the test's own client is not the adapter's: {text}");
}
