//! The roles and log groups a deploy checks before it changes anything, asked of moto's IAM and CloudWatch Logs
//! through the real clients.

use crate::moto::{ACCOUNT, Moto};
use tengu_aws::AwsAccount;
use tengu_core::domain::{LogGroupRef, Prerequisites, RoleArn, TaskDefinitionDoc};
use tengu_core::ports::{AccountResources, OrchestratorError};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn role(path_and_name: &str) -> RoleArn {
    RoleArn::parse(&format!("arn:aws:iam::{ACCOUNT}:role/{path_and_name}")).unwrap()
}

fn group(name: &str, region: Option<&str>) -> LogGroupRef {
    LogGroupRef { name: name.to_owned(), region: region.map(str::to_owned) }
}

#[tokio::test]
async fn a_role_exists_only_under_the_arn_named() {
    let moto = Moto::start().await;
    let iam = aws_sdk_iam::Client::new(&moto.config().await);
    iam.create_role().role_name("shop-execution").assume_role_policy_document(TRUST).send().await.unwrap();
    iam.create_role().role_name("shop-task").path("/service/").assume_role_policy_document(TRUST).send().await.unwrap();
    let account = AwsAccount::connect(&moto.settings()).await;

    assert!(account.role_exists(&role("shop-execution")).await.unwrap());
    assert!(account.role_exists(&role("service/shop-task")).await.unwrap(), "a role under a path");
    assert!(!account.role_exists(&role("shop-missing")).await.unwrap());
    assert!(!account.role_exists(&role("shop-task")).await.unwrap(), "the same name under another path is not it");
}

#[tokio::test]
async fn a_log_group_is_looked_for_by_its_exact_name_in_its_region() {
    let moto = Moto::start().await;
    let config = moto.config().await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group().log_group_name("/ecs/shop-web").send().await.unwrap();
    let elsewhere =
        aws_sdk_cloudwatchlogs::config::Builder::from(&config).region(aws_config::Region::new("eu-west-1")).build();
    aws_sdk_cloudwatchlogs::Client::from_conf(elsewhere)
        .create_log_group()
        .log_group_name("/ecs/agent")
        .send()
        .await
        .unwrap();
    let account = AwsAccount::connect(&moto.settings()).await;

    assert!(account.log_group_exists(&group("/ecs/shop-web", None)).await.unwrap());
    assert!(!account.log_group_exists(&group("/ecs/shop", None)).await.unwrap(), "a prefix is not the group");
    assert!(!account.log_group_exists(&group("/ecs/agent", None)).await.unwrap(), "not in tengu's region");
    assert!(account.log_group_exists(&group("/ecs/agent", Some("eu-west-1"))).await.unwrap());
}

#[tokio::test]
async fn what_a_described_task_definition_needs_is_found_on_the_account() {
    let moto = Moto::start().await;
    let iam = aws_sdk_iam::Client::new(&moto.config().await);
    iam.create_role().role_name("shop-execution").assume_role_policy_document(TRUST).send().await.unwrap();
    let mut doc = TaskDefinitionDoc::default();
    doc.set("executionRoleArn", role("shop-execution").as_str());
    doc.set("taskRoleArn", role("shop-gone").as_str());
    let account = AwsAccount::connect(&moto.settings()).await;
    let needed = Prerequisites::of(&doc);
    let mut answers = Vec::new();
    for (role, field) in &needed.roles {
        answers.push((*field, account.role_exists(role).await.unwrap()));
    }
    assert_eq!(answers, [("execution role", true), ("task role", false)]);
}

#[tokio::test]
async fn an_unreachable_account_is_unavailable_not_missing() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let moto = Moto::start().await;
    let mut settings = moto.settings();
    settings.endpoint_url = Some(format!("http://127.0.0.1:{closed}"));
    let account = AwsAccount::connect(&settings).await;
    let error = account.role_exists(&role("shop-execution")).await.unwrap_err();
    assert!(matches!(error, OrchestratorError::Unavailable(_)), "{error:?}");
}
