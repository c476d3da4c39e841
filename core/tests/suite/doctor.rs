//! `tengu doctor`'s checks: everything passes on the sandbox; against a GitHub that cannot be reached, a missing
//! role and no AWS account, each failure says what was found and how to fix it.

use std::sync::Arc;

use chrono::TimeZone;
use tengu_core::ports::{EcsNotConfigured, ManualClock, Store};

use crate::deploy_rollout::setup;

#[tokio::test]
async fn the_sandbox_passes_every_check() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()));
    let tengu = tengu_sandbox::start(store, clock, "http://127.0.0.1:3000").await.unwrap();
    let found = tengu.doctor().await;
    let failed: Vec<String> = found.iter().filter(|f| !f.passed).map(|f| f.line()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
    for subject in ["database", "production: GitHub", "production: ECS", "production: what runs", "dev: what runs"] {
        assert!(subjects.contains(&subject), "{subject} in {subjects:?}");
    }
}

#[tokio::test]
async fn each_failure_says_what_was_found_and_how_to_fix_it() {
    let (tengu, ecs, _, _) = setup(&[], true).await;
    *ecs.missing.lock().unwrap() = vec!["web-execution".to_owned()];
    let found = tengu.doctor().await;
    let line = |subject: &str| found.iter().find(|f| f.subject == subject).map(|f| f.line()).unwrap_or_default();
    assert!(line("database").starts_with("✓ database: reachable"), "{found:?}");
    let github = line("production: GitHub");
    assert!(github.starts_with("✗ production: GitHub: GitHub could not be reached"), "{github}");
    assert!(github.contains("— fix: check that tengu reaches GitHub"), "{github}");
    assert_eq!(line("production: ECS"), "✓ production: ECS: cluster shop runs web, worker");
    let running = line("production: what runs");
    assert!(running.starts_with("✗ production: what runs: the execution role arn:aws:iam::123456789012:role/web-execution does not exist in IAM"), "{running}");
    assert!(running.contains("— fix: create what is missing"), "{running}");

    let unconfigured = tengu.with_orchestrator(Arc::new(EcsNotConfigured));
    let found = unconfigured.doctor().await;
    let ecs = found.iter().find(|f| f.subject == "production: ECS").unwrap();
    assert!(!ecs.passed && ecs.sentence.contains("no AWS account is configured"), "{ecs:?}");
    assert!(!found.iter().any(|f| f.subject == "production: what runs"), "nothing to read without ECS");
}

/// GitHub's answers about the App, as given.
struct App(Option<tengu_core::ports::AppSetup>);

#[async_trait::async_trait]
impl tengu_core::ports::CodeHostSetup for App {
    async fn app_setup(&self) -> Result<Option<tengu_core::ports::AppSetup>, tengu_core::ports::CodeHostError> {
        Ok(self.0.clone())
    }

    async fn logged_deliveries(
        &self,
        _: chrono::DateTime<chrono::Utc>,
        _: usize,
    ) -> Result<Vec<tengu_core::ports::LoggedDelivery>, tengu_core::ports::CodeHostError> {
        Ok(Vec::new())
    }

    async fn redeliver(&self, _: &tengu_core::ports::LoggedDelivery) -> Result<(), tengu_core::ports::CodeHostError> {
        Ok(())
    }
}

#[tokio::test]
async fn the_apps_permissions_events_and_webhook_are_checked_against_what_tengu_needs() {
    let (tengu, _, _, _) = setup(&[], true).await;
    let setup = tengu_core::ports::AppSetup {
        name: "tengu (acme)".to_owned(),
        missing_permissions: vec!["Members: read".to_owned()],
        missing_events: vec!["push".to_owned()],
        webhook_url: Some("https://old.acme.example/webhooks/github".to_owned()),
        webhook_secret_set: true,
    };
    let tengu = tengu.with_code_host_setup(Arc::new(App(Some(setup.clone()))));
    let lines: Vec<String> = tengu.doctor().await.iter().map(|f| f.line()).collect();
    assert!(lines.contains(&"✗ GitHub App: tengu (acme) lacks Members: read, the push event — fix: add them in the App's settings on GitHub (the README's table), then accept them on each installation".to_owned()), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("✗ GitHub webhook: GitHub sends deliveries to https://old.acme.example/webhooks/github, not to this tengu (https://tengu.test/webhooks/github)")), "{lines:#?}");

    let fine = tengu_core::ports::AppSetup {
        missing_permissions: Vec::new(),
        missing_events: Vec::new(),
        webhook_url: Some("https://tengu.test/webhooks/github".to_owned()),
        ..setup
    };
    let tengu = tengu.with_code_host_setup(Arc::new(App(Some(fine))));
    let lines: Vec<String> = tengu.doctor().await.iter().map(|f| f.line()).collect();
    assert!(
        lines.contains(&"✓ GitHub App: tengu (acme) has every permission and event tengu needs".to_owned()),
        "{lines:#?}"
    );
    assert!(lines.contains(
        &"✓ GitHub webhook: GitHub sends deliveries to https://tengu.test/webhooks/github, signed".to_owned()
    ));
    let token = tengu.with_code_host_setup(Arc::new(App(None)));
    assert!(!token.doctor().await.iter().any(|f| f.subject.starts_with("GitHub App")), "a token has no App to check");
}
