//! The AWS adapter against recorded-shape ECS answers on a local HTTP server, for what moto cannot show:
//! throttling (retried, then a sentence), and failed tasks (their stopped reasons fetched with the snapshot).

use serde_json::{Value, json};
use tengu_aws::{AwsEcs, AwsSettings, StaticCredentials};
use tengu_core::domain::{ClusterName, RolloutState, ServiceName};
use tengu_core::ports::{Orchestrator, OrchestratorError};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TARGET: &str = "AmazonEC2ContainerServiceV20141113";

fn settings(server: &MockServer, max_attempts: u32) -> AwsSettings {
    AwsSettings {
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(server.uri()),
        static_credentials: Some(StaticCredentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
        }),
        max_attempts,
    }
}

fn ecs_answer(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", "application/x-amz-json-1.1").set_body_json(body)
}

fn throttled() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .set_body_json(json!({ "__type": "ThrottlingException", "message": "Rate exceeded" }))
}

fn operation(name: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(header("x-amz-target", format!("{TARGET}.{name}").as_str()))
}

fn web_service(failed_tasks: u32) -> Value {
    json!({
        "services": [{
            "serviceName": "web",
            "status": "ACTIVE",
            "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8",
            "deploymentConfiguration": {
                "alarms": { "alarmNames": ["shop-5xx", "shop-latency"], "enable": true, "rollback": true }
            },
            "deployments": [
                {
                    "id": "ecs-svc/2", "status": "PRIMARY",
                    "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8",
                    "desiredCount": 2, "pendingCount": 1, "runningCount": 1, "failedTasks": failed_tasks,
                    "rolloutState": "IN_PROGRESS", "rolloutStateReason": "ECS deployment ecs-svc/2 in progress."
                },
                {
                    "id": "ecs-svc/1", "status": "ACTIVE",
                    "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
                    "desiredCount": 2, "pendingCount": 0, "runningCount": 2, "failedTasks": 0,
                    "rolloutState": "COMPLETED"
                }
            ],
            "events": [
                { "id": "e2", "createdAt": 1790000060.0, "message": "(service web) has started 1 tasks: (task b)." },
                { "id": "e1", "createdAt": 1790000000.0, "message": "(service web) has reached a steady state." }
            ]
        }],
        "failures": []
    })
}

fn prod() -> ClusterName {
    ClusterName::parse("prod").unwrap()
}

fn web() -> ServiceName {
    ServiceName::parse("web").unwrap()
}

#[tokio::test]
async fn throttling_is_retried_and_then_answered() {
    let server = MockServer::start().await;
    operation("DescribeServices").respond_with(throttled()).up_to_n_times(2).mount(&server).await;
    operation("DescribeServices").respond_with(ecs_answer(web_service(0))).mount(&server).await;
    let adapter = AwsEcs::connect(&settings(&server, 3)).await;

    let snapshots = adapter.describe_services(&prod(), &[web()]).await.unwrap();

    let primary = snapshots[0].primary().unwrap();
    assert_eq!((primary.running, primary.desired, primary.pending), (1, 2, 1));
    assert_eq!(primary.rollout_state, Some(RolloutState::InProgress));
    assert_eq!(snapshots[0].deployments.len(), 2, "PRIMARY and ACTIVE");
    let events: Vec<&str> = snapshots[0].events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(events[0], "(service web) has reached a steady state.", "oldest first");
    let watched = snapshots[0].ecs_alarms.clone().expect("ECS watches alarms on this service");
    assert_eq!((watched.names, watched.rollback), (vec!["shop-5xx".to_owned(), "shop-latency".to_owned()], true));
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "two throttled tries, then the answer");
}

#[tokio::test]
async fn throttling_that_does_not_stop_leaves_the_deployment_to_try_again() {
    let server = MockServer::start().await;
    operation("DescribeServices").respond_with(throttled()).mount(&server).await;
    let adapter = AwsEcs::connect(&settings(&server, 2)).await;

    let error = adapter.describe_services(&prod(), &[web()]).await.unwrap_err();

    assert_eq!(
        error,
        OrchestratorError::Unavailable(
            "AWS is busy (ThrottlingException) after several tries: Rate exceeded".to_owned()
        )
    );
}

#[tokio::test]
async fn failed_tasks_come_with_their_stopped_reasons() {
    let server = MockServer::start().await;
    operation("DescribeServices").respond_with(ecs_answer(web_service(2))).expect(1).mount(&server).await;
    let task = "arn:aws:ecs:us-east-1:123456789012:task/prod/0f3c";
    operation("ListTasks").respond_with(ecs_answer(json!({ "taskArns": [task] }))).expect(1).mount(&server).await;
    let reason = "Essential container in task exited: app exited with code 1";
    operation("DescribeTasks")
        .respond_with(ecs_answer(json!({ "tasks": [{ "taskArn": task, "stoppedReason": reason }], "failures": [] })))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = AwsEcs::connect(&settings(&server, 1)).await;

    let snapshots = adapter.describe_services(&prod(), &[web()]).await.unwrap();

    assert_eq!(snapshots[0].primary().unwrap().failed_tasks, 2);
    assert_eq!(snapshots[0].stopped_tasks.len(), 1);
    assert_eq!(
        (snapshots[0].stopped_tasks[0].task_arn.as_str(), snapshots[0].stopped_tasks[0].stopped_reason.as_str()),
        (task, reason)
    );
    let list = &server.received_requests().await.unwrap()[1];
    let asked: Value = serde_json::from_slice(&list.body).unwrap();
    assert_eq!(asked["desiredStatus"], "STOPPED");
    assert_eq!(asked["serviceName"], "web");
}

#[tokio::test]
async fn a_missing_service_is_named() {
    let server = MockServer::start().await;
    let missing = json!({
        "services": [],
        "failures": [{ "arn": "arn:aws:ecs:us-east-1:123456789012:service/prod/web", "reason": "MISSING" }]
    });
    operation("DescribeServices").respond_with(ecs_answer(missing)).mount(&server).await;
    let adapter = AwsEcs::connect(&settings(&server, 1)).await;
    let error = adapter.describe_services(&prod(), &[web()]).await.unwrap_err();
    assert_eq!(error.to_string(), "service web not found in cluster prod");
}

#[tokio::test]
async fn a_proxy_failing_is_unavailable_and_a_denied_diagnostic_does_not_fail_the_rollout() {
    let server = MockServer::start().await;
    operation("DescribeServices")
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    let adapter = AwsEcs::connect(&settings(&server, 1)).await;
    let error = adapter.describe_services(&prod(), &[web()]).await.unwrap_err();
    assert!(matches!(&error, OrchestratorError::Unavailable(m) if m.starts_with("AWS answered 502")), "{error:?}");

    let server = MockServer::start().await;
    operation("DescribeServices").respond_with(ecs_answer(web_service(1))).mount(&server).await;
    let denied = ResponseTemplate::new(400)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .set_body_json(json!({ "__type": "AccessDeniedException", "message": "not allowed: ecs:ListTasks" }));
    operation("ListTasks").respond_with(denied).mount(&server).await;
    let adapter = AwsEcs::connect(&settings(&server, 1)).await;
    let snapshots = adapter.describe_services(&prod(), &[web()]).await.unwrap();
    assert_eq!(snapshots[0].primary().unwrap().failed_tasks, 1);
    assert!(snapshots[0].stopped_tasks.is_empty());
}

#[tokio::test]
async fn stopping_a_task_that_is_already_gone_is_done() {
    use tengu_core::ports::TaskRunner;
    let server = MockServer::start().await;
    let gone = ResponseTemplate::new(400).insert_header("content-type", "application/x-amz-json-1.1").set_body_json(
        json!({ "__type": "InvalidParameterException", "message": "The referenced task was not found." }),
    );
    operation("StopTask").respond_with(gone).expect(1).mount(&server).await;
    let adapter = AwsEcs::connect(&settings(&server, 1)).await;
    let task = "arn:aws:ecs:us-east-1:123456789012:task/review/0f3c";
    adapter.stop_task(&ClusterName::parse("review").unwrap(), task, "pull request closed").await.unwrap();
}
