//! Reminders on the sandbox with a clock that moves only when told to.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{Actor, AuditAction, Login, QuietHours, ReminderPolicy};
use tengu_core::ports::{ManualClock, Store};

fn comments_on(world: &serde_json::Value, number: u64) -> Vec<String> {
    world["comments"][number.to_string()]
        .as_array()
        .map(|c| c.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

async fn world(store: &Arc<dyn Store>) -> serde_json::Value {
    serde_json::from_str(&store.load_document("sandbox.world").await.unwrap().unwrap()).unwrap()
}

#[tokio::test]
async fn authors_owing_a_tick_are_reminded_once_per_interval_and_never_twice_across_instances() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    // 10:00 in Tokyo.
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()));
    let policy = ReminderPolicy {
        every_minutes: 120,
        quiet_hours: Some(QuietHours { from: 22, to: 8 }),
        utc_offset_minutes: 9 * 60,
        direct_messages: false,
    };
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000")
        .await
        .unwrap()
        .with_reminder_policy(policy);
    let second_instance = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000")
        .await
        .unwrap()
        .with_reminder_policy(policy);

    let home = tengu.home(&tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)).await.unwrap();
    let production = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap().clone();
    let dev = home.deploy_prs.iter().find(|p| p.env.as_str() == "dev").unwrap().clone();

    let reminded = tengu.send_due_reminders().await.unwrap();
    assert_eq!(reminded.len(), 2, "both deploy PRs have unticked items");
    assert!(second_instance.send_due_reminders().await.unwrap().is_empty(), "the other instance sees the claim");
    let comments = comments_on(&world(&store).await, production.number.get());
    assert_eq!(comments.len(), 1);
    let mentioned: Vec<&str> = comments[0].split(':').next().unwrap().split(' ').collect();
    let owed: Vec<String> = production.waiting_for.iter().map(|l| format!("@{l}")).collect();
    assert_eq!(mentioned, owed, "exactly the people who owe a tick: {}", comments[0]);
    assert!(!mentioned.contains(&"@dave"), "dave ticked his box");

    clock.advance(Duration::minutes(119));
    assert!(tengu.send_due_reminders().await.unwrap().is_empty(), "not before the interval");
    clock.advance(Duration::minutes(1));
    assert_eq!(tengu.send_due_reminders().await.unwrap().len(), 2, "two hours later, again");

    // An overridden deploy PR is no longer reminded; nor is anyone in quiet hours.
    let alice = Actor::Person(Login::parse("alice").unwrap());
    tengu.override_gate(&alice, &dev.repo, dev.number, "Shipping the fix for the outage").await.unwrap();
    clock.advance(Duration::hours(2));
    let reminded = tengu.send_due_reminders().await.unwrap();
    assert_eq!(reminded.iter().map(|p| p.number).collect::<Vec<_>>(), vec![production.number]);
    clock.advance(Duration::hours(11)); // 01:00 the next night in Tokyo
    assert!(tengu.send_due_reminders().await.unwrap().is_empty(), "quiet hours");

    assert_eq!(comments_on(&world(&store).await, production.number.get()).len(), 3);
    let (_, history) = store.deploy_pr_with_history(&production.repo, production.number, 50).await.unwrap().unwrap();
    assert_eq!(history.iter().filter(|e| e.action == AuditAction::ReminderSent).count(), 3);
    assert!(history.iter().any(|e| e.action == AuditAction::ItemVerified), "the history includes the items' ticks");
}

/// What the team channel was told, and each direct message as `to: text`.
struct Heard(std::sync::Mutex<Vec<String>>);

#[async_trait::async_trait]
impl tengu_core::ports::Notifier for Heard {
    async fn notify(&self, notice: &tengu_core::ports::Notice) -> Result<(), tengu_core::ports::NotifierError> {
        self.0.lock().unwrap().push(notice.text.clone());
        Ok(())
    }

    async fn tell(&self, chat_user: &str, text: &str) -> Result<bool, tengu_core::ports::NotifierError> {
        self.0.lock().unwrap().push(format!("{chat_user}: {text}"));
        Ok(true)
    }
}

#[tokio::test]
async fn in_direct_message_mode_each_linked_author_also_hears_it_alone() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()));
    let heard = Arc::new(Heard(std::sync::Mutex::new(Vec::new())));
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000")
        .await
        .unwrap()
        .with_notifier(heard.clone())
        .with_reminder_policy(ReminderPolicy { direct_messages: true, ..ReminderPolicy::default() });
    let home = tengu.home(&tengu_core::domain::Viewer::trusted(Actor::System)).await.unwrap();
    let production = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap().clone();
    store.save_chat_link("U0LINKED", &production.waiting_for[0], clock_now(&clock)).await.unwrap();
    tengu.send_due_reminders().await.unwrap();
    let heard = heard.0.lock().unwrap().clone();
    let direct: Vec<&String> = heard.iter().filter(|t| t.contains(": Your changes are waiting")).collect();
    assert!(direct.iter().all(|t| t.starts_with("U0LINKED: ")), "only the linked author hears it alone: {heard:#?}");
    let about_production = direct.iter().filter(|t| t.contains("waiting to ship to production")).count();
    assert_eq!(about_production, 1, "{heard:#?}");
}

#[tokio::test]
async fn the_channel_reminder_mentions_linked_authors_by_their_slack_account_and_others_by_login() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()));
    let heard = Arc::new(Heard(std::sync::Mutex::new(Vec::new())));
    let tengu = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000")
        .await
        .unwrap()
        .with_notifier(heard.clone());
    let home = tengu.home(&tengu_core::domain::Viewer::trusted(Actor::System)).await.unwrap();
    let production = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap().clone();
    let (linked, unlinked) = (&production.waiting_for[0], &production.waiting_for[1..]);
    store.save_chat_link("U0LINKED", linked, clock_now(&clock)).await.unwrap();
    tengu.send_due_reminders().await.unwrap();
    let said = heard.0.lock().unwrap().iter().find(|t| t.starts_with("Deploy to production")).cloned().unwrap();
    assert!(said.contains("<@U0LINKED>") && !said.contains(&format!("@{linked}")), "{said}");
    for login in unlinked {
        assert!(said.contains(&format!("@{login}")), "{login} is named by login: {said}");
    }
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<Utc> {
    tengu_core::ports::Clock::now(clock)
}
