//! Freeze windows on the sandbox: while one holds an environment, every door is refused with the window and its
//! end, an admin deploys through it with a reason (recorded), pages and `status` say "frozen until …", and nobody
//! is reminded of a deploy PR that could not ship anyway.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tengu_core::CoreError;
use tengu_core::domain::{Actor, AuditAction, EnvName, FreezeWindow, Login, Trigger};
use tengu_core::ports::{ManualClock, Store};
use tengu_core::usecases::{DeployRequest, DeployTarget, StopOverrides};

fn person(login: &str) -> Actor {
    Actor::Person(Login::parse(login).unwrap())
}

fn env(name: &str) -> EnvName {
    EnvName::parse(name).unwrap()
}

fn redeploy(name: &str, freeze_override: Option<&str>) -> DeployRequest {
    DeployRequest {
        env: env(name),
        target: DeployTarget::Redeploy,
        trigger: Trigger::Redeploy,
        idempotency_key: None,
        overrides: StopOverrides { lock: None, freeze: freeze_override.map(str::to_owned) },
    }
}

/// What dave sees of `name`'s freeze on the overview, its page and in `status`, when all three agree.
async fn shown_freeze(tengu: &tengu_core::Tengu, name: &str) -> Option<String> {
    let viewer = tengu.viewer(&person("dave")).await.unwrap();
    let home = tengu.home(&viewer).await.unwrap();
    let card = home.environments.iter().find(|card| card.name == env(name)).unwrap().frozen.clone();
    let page = tengu.environment_view(&viewer, &env(name)).await.unwrap().frozen;
    let status = tengu.status(&viewer, Some(&env(name))).await.unwrap().remove(0);
    let line = status.lines().into_iter().find_map(|line| line.strip_prefix("  FROZEN: ").map(str::to_owned));
    assert_eq!((&card, &page, &status.frozen), (&line, &line, &line));
    line
}

#[tokio::test]
async fn a_freeze_refuses_every_door_on_its_environments_until_it_ends_but_an_admin_with_a_reason() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    // Friday 2026-12-04, 17:30 in Tokyo.
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 12, 4, 8, 30, 0).unwrap()));
    let weekend =
        FreezeWindow::new("Weekend", vec![env("production")], "Asia/Tokyo", "Fri 18:00", "Mon 08:00").unwrap();
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000")
        .await
        .unwrap()
        .with_freezes(vec![weekend]);
    assert_eq!(shown_freeze(&tengu, "production").await, None, "17:30: not yet");

    clock.advance(Duration::minutes(30));
    let shown = shown_freeze(&tengu, "production").await;
    assert_eq!(
        shown.as_deref(),
        Some("frozen until Mon 2026-12-07 08:00 Asia/Tokyo by \"Weekend\" (Fri 18:00 to Mon 08:00 Asia/Tokyo)")
    );
    assert_eq!(shown_freeze(&tengu, "dev").await, None, "dev is not named");
    for door in [person("bob"), person("alice"), Actor::System, Actor::Terminal("ops@laptop".into())] {
        let Err(CoreError::Refused(why)) = tengu.request_deployment(&door, redeploy("production", None)).await else {
            panic!("{door:?} deployed during the freeze")
        };
        assert_eq!(
            why,
            "production is frozen by \"Weekend\" (Fri 18:00 to Mon 08:00 Asia/Tokyo) until Mon 2026-12-07 08:00 \
             Asia/Tokyo; nothing ships until then (an admin may deploy through it with a reason)"
        );
    }
    tengu
        .request_deployment(&person("dave"), redeploy("dev", None))
        .await
        .expect("dev ships during production's freeze");
    let denied = tengu.request_deployment(&person("bob"), redeploy("production", Some("hotfix"))).await;
    assert!(
        matches!(&denied, Err(CoreError::Denied(why)) if why.0.starts_with("Deploy during a freeze needs the admin role")),
        "maintain may not: {denied:?}"
    );
    let hotfix = tengu.request_deployment(&person("alice"), redeploy("production", Some("hotfix for #42"))).await;
    let hotfix = hotfix.expect("an admin with a reason");
    let log = store.audit_log(100).await.unwrap();
    let overridden = log.iter().find(|e| e.action == AuditAction::FreezeOverridden).expect("recorded");
    assert_eq!(overridden.actor, "alice");
    assert!(overridden.detail.starts_with(&format!(
        "deployment {}, because: hotfix for #42; the freeze: production is frozen by \"Weekend\"",
        hotfix.id
    )));
    let refused = log.iter().filter(|e| e.action == AuditAction::Refused && e.detail.contains("is frozen")).count();
    assert_eq!(refused, 4, "each refused door is in the audit log");

    // Nobody is reminded of production's deploy PR while it could not ship; dev's is.
    let reminded = tengu.send_due_reminders().await.unwrap();
    assert_eq!(reminded.iter().map(|pr| pr.env.to_string()).collect::<Vec<_>>(), ["dev"]);

    // Monday 08:00 in Tokyo: it ends by itself.
    clock.advance(Duration::hours(62));
    assert_eq!(shown_freeze(&tengu, "production").await, None);
    let reminded = tengu.send_due_reminders().await.unwrap();
    assert!(reminded.iter().any(|pr| pr.env.as_str() == "production"), "reminded again once it ends");
}
