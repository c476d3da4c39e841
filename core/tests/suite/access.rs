//! Who may see and do what, on the sandbox's simulated GitHub: sign-in looks the roles up, a page reads what
//! was looked up, every change asks again and records a refusal.

use std::sync::Arc;

use chrono::Utc;
use tengu_core::CoreError;
use tengu_core::domain::{Actor, AuditAction, EnvName, Login, Permission, RepoSlug};
use tengu_core::ports::{ManualClock, Store};
use tengu_core::settings::AccessSettings;
use tengu_core::usecases::{DeployRequest, DeployTarget};

async fn sandbox() -> (tengu_core::Tengu, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc::now()));
    (tengu_sandbox::start(store.clone(), clock, "http://127.0.0.1:3000").await.unwrap(), store)
}

fn person(login: &str) -> Actor {
    Actor::Person(Login::parse(login).unwrap())
}

fn redeploy(env: &str) -> DeployRequest {
    DeployRequest {
        env: EnvName::parse(env).unwrap(),
        target: DeployTarget::Redeploy,
        trigger: tengu_core::domain::Trigger::Redeploy,
        idempotency_key: None,
        overrides: Default::default(),
    }
}

#[tokio::test]
async fn sign_in_looks_up_roles_and_pages_show_only_what_they_allow() {
    let (tengu, store) = sandbox().await;
    let shop = RepoSlug::parse("acme/shop").unwrap();
    let visitor = tengu.sign_in(&Login::parse("visitor").unwrap()).await.unwrap();
    assert_eq!(visitor.permission(&shop), Permission::Read);
    let log = store.audit_log(1).await.unwrap();
    assert_eq!((log[0].action, log[0].actor.as_str()), (AuditAction::SignedIn, "visitor"));

    // A page load reads the remembered answer, also after a restart (from the database).
    let (restarted, _) =
        (tengu_sandbox::start(store.clone(), Arc::new(ManualClock::at(Utc::now())), "x").await.unwrap(), ());
    let seen = restarted.viewer(&person("visitor")).await.unwrap();
    assert_eq!(seen.permission(&shop), Permission::Read);
    let home = restarted.home(&seen).await.unwrap();
    assert_eq!(home.environments.len(), 2, "a viewer sees the repository's environments");
    let view = restarted.environment_view(&seen, &EnvName::parse("dev").unwrap()).await.unwrap();
    assert!(view.refusals.redeploy.as_deref().unwrap().contains("you have read, which makes you a viewer"));

    // Someone GitHub gives nothing sees nothing, and a page of theirs does not exist.
    let stranger = tengu.sign_in(&Login::parse("mallory").unwrap()).await.unwrap();
    let home = tengu.home(&stranger).await.unwrap();
    assert!(home.environments.is_empty() && home.deploy_prs.is_empty() && home.recent_deployments.is_empty());
    assert!(home.review_envs.is_empty());
    assert!(home.activity.iter().all(|e| e.actor == "mallory"), "only their own sign-in: {:?}", home.activity);
    assert!(!home.activity.is_empty());
    let hidden = tengu.environment_view(&stranger, &EnvName::parse("dev").unwrap()).await;
    assert!(matches!(hidden, Err(CoreError::NotFound(_))), "{hidden:?}");
    // Nor the history of its deployments, in the page or the CSV file (which keeps only its header line).
    let everything = tengu_core::views::HistoryQuery::default();
    assert!(tengu.history_page(&stranger, &everything).await.unwrap().is_empty());
    let csv = tengu.history_csv(&stranger, &everything).await.unwrap();
    assert_eq!(csv, tengu_core::views::CSV_HEADER);
    assert!(tengu.history_csv(&seen, &everything).await.unwrap().lines().count() > 10, "a viewer gets the rows");
    // And a change of theirs is refused without naming the repository.
    let refused = tengu.request_deployment(&person("mallory"), redeploy("dev")).await.unwrap_err();
    assert!(matches!(refused, CoreError::NotFound(_)), "{refused:?}");
    assert!(!refused.user_message().contains("acme/shop"), "{}", refused.user_message());
}

#[tokio::test]
async fn every_change_asks_the_rule_table_and_a_refusal_is_recorded() {
    let (tengu, store) = sandbox().await;
    let refused = tengu.request_deployment(&person("visitor"), redeploy("dev")).await;
    let Err(CoreError::Denied(denied)) = refused else { panic!("a viewer may not redeploy: {refused:?}") };
    assert_eq!(
        denied.0,
        "Redeploy needs the deployer role (write on acme/shop); you have read, which makes you a viewer"
    );
    let log = store.audit_log(1).await.unwrap();
    assert_eq!(
        (log[0].action, log[0].actor.as_str(), log[0].target.as_str()),
        (AuditAction::Refused, "visitor", "dev")
    );

    // Production asks for maintain: a writer may redeploy dev, not production; a maintainer may.
    let refused = tengu.request_deployment(&person("carol"), redeploy("production")).await.unwrap_err();
    assert_eq!(refused.user_message(), "Redeploying to production needs maintain on acme/shop; you have write");
    assert!(tengu.request_deployment(&person("bob"), redeploy("production")).await.is_ok());
    assert!(tengu.request_deployment(&person("carol"), redeploy("dev")).await.is_ok());
}

#[tokio::test]
async fn only_members_of_the_allowed_organisations_sign_in() {
    let (tengu, store) = sandbox().await;
    let outside = AccessSettings { allowed_orgs: vec!["globex".into()], ..AccessSettings::default() };
    let refused = tengu.clone().with_access_settings(outside).sign_in(&Login::parse("alice").unwrap()).await;
    let Err(CoreError::Denied(denied)) = refused else { panic!("not a member of globex: {refused:?}") };
    assert_eq!(denied.0, "alice is not a member of globex, so tengu does not let them in");
    assert_eq!(store.audit_log(1).await.unwrap()[0].action, AuditAction::Refused);
    let inside = AccessSettings { allowed_orgs: vec!["acme".into()], ..AccessSettings::default() };
    assert!(tengu.with_access_settings(inside).sign_in(&Login::parse("alice").unwrap()).await.is_ok());
}

#[tokio::test]
async fn the_simulated_body_is_read_for_tengus_own_deploy_prs_only() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc::now()));
    let (tengu, github) = tengu_sandbox::simulate(store, clock, "http://127.0.0.1:3000").await.unwrap();
    let viewer = tengu.sign_in(&Login::parse("visitor").unwrap()).await.unwrap();
    let everyone = tengu_core::domain::Viewer::trusted(Actor::System);
    let home = tengu.home(&everyone).await.unwrap();
    let pr = &home.deploy_prs[0];
    // What the sandbox's page asks: may this viewer see tengu's deploy PR, then its body on the simulated GitHub.
    tengu.visible_deploy_pr(&viewer, &pr.repo, pr.number).await.unwrap();
    assert!(github.body(&pr.repo, pr.number).await.unwrap().contains("tengu:checklist"));
    let other = RepoSlug::parse("acme/secret").unwrap();
    let hidden = tengu.visible_deploy_pr(&everyone, &other, pr.number).await.unwrap_err();
    assert!(matches!(hidden, CoreError::NotFound(_)), "{hidden:?}");
    let feature = tengu_core::domain::PrNumber::new(101).unwrap();
    let not_ours = tengu.visible_deploy_pr(&viewer, &pr.repo, feature).await.unwrap_err();
    assert!(matches!(not_ours, CoreError::NotFound(_)), "a pull request that is not a deploy PR: {not_ours:?}");
}
