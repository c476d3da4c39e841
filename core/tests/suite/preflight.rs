//! Before a deploy changes anything on ECS, what its task definitions name on the account must exist: a missing
//! role or log group refuses it with a sentence naming each one, and nothing is registered or updated.

use tengu_core::domain::{DeploymentState, Trigger};
use tengu_core::usecases::{DeployRequest, DeployTarget};

use crate::deploy_rollout::{Step, alice, production, setup, ship};

#[tokio::test]
async fn a_missing_role_or_log_group_refuses_the_deploy_before_ecs_is_touched() {
    let (tengu, ecs, _, _) = setup(&[], true).await;
    *ecs.missing.lock().unwrap() = vec!["web-execution".to_owned(), "/ecs/worker".to_owned()];
    let id = tengu.request_deployment(&alice(), ship("v42", None)).await.unwrap().id;
    let done = tengu.drive_deployment(id).await.unwrap();
    assert_eq!(done.state, DeploymentState::Failed);
    let reason = done.reason.unwrap();
    assert_eq!(
        reason,
        "the execution role arn:aws:iam::123456789012:role/web-execution does not exist in IAM; the log group \
         /ecs/worker does not exist in CloudWatch Logs (create it, or let ECS create it with \
         awslogs-create-group=true): nothing was changed on ECS"
    );
    let calls = ecs.calls();
    assert!(!calls.iter().any(|c| c.starts_with("register") || c.starts_with("update")), "{calls:?}");
    for asked in ["role web-execution", "role worker-execution", "log group /ecs/web", "log group /ecs/worker"] {
        assert!(calls.iter().any(|c| c == asked), "{asked} in {calls:?}");
    }
}

#[tokio::test]
async fn a_rollback_checks_what_the_revisions_it_returns_to_name() {
    let (tengu, ecs, _, _) = setup(&[Step::Completed, Step::Completed], true).await;
    let first = tengu.request_deployment(&alice(), ship("v1", None)).await.unwrap().id;
    assert_eq!(tengu.drive_deployment(first).await.unwrap().state, DeploymentState::Succeeded);
    let second = tengu.request_deployment(&alice(), ship("v2", None)).await.unwrap().id;
    assert_eq!(tengu.drive_deployment(second).await.unwrap().state, DeploymentState::Succeeded);
    // A role was deleted since: going back to the first deployment's revisions is refused before any update.
    *ecs.missing.lock().unwrap() = vec!["worker-execution".to_owned()];
    let updates_before = ecs.calls().iter().filter(|c| c.starts_with("update")).count();
    let back = DeployRequest {
        env: production(),
        target: DeployTarget::RollbackTo(first),
        trigger: Trigger::Rollback,
        idempotency_key: None,
        overrides: Default::default(),
    };
    let id = tengu.request_deployment(&alice(), back).await.unwrap().id;
    let done = tengu.drive_deployment(id).await.unwrap();
    assert_eq!(done.state, DeploymentState::Failed, "{:?}", done.reason);
    let reason = done.reason.unwrap();
    assert!(reason.starts_with("the execution role arn:aws:iam::123456789012:role/worker-execution"), "{reason}");
    assert_eq!(ecs.calls().iter().filter(|c| c.starts_with("update")).count(), updates_before);
}
