//! The weekly summary on the sandbox, with a clock that moves only when told to: due on Monday from 09:00 in the
//! team's time, once per week and environment across instances, and saying what the insights page says.

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{Actor, ReminderPolicy, Viewer};
use tengu_core::ports::{ManualClock, Notice, Notifier, NotifierError, Store};
use tengu_core::screens::InsightsQuery;

struct Heard(Mutex<Vec<Notice>>);

#[async_trait::async_trait]
impl Notifier for Heard {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError> {
        self.0.lock().unwrap().push(notice.clone());
        Ok(())
    }
}

#[tokio::test]
async fn last_weeks_numbers_go_to_each_environment_once_on_monday_morning() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    // Sunday 29 November 2026, 23:30 in Tokyo.
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 29, 14, 30, 0).unwrap()));
    let tokyo = ReminderPolicy { utc_offset_minutes: 9 * 60, ..ReminderPolicy::default() };
    let heard = Arc::new(Heard(Mutex::new(Vec::new())));
    let start = || async {
        tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000")
            .await
            .unwrap()
            .with_reminder_policy(tokyo)
            .with_notifier(heard.clone())
            .with_weekly_summary(true)
    };
    let (tengu, second_instance) = (start().await, start().await);
    assert!(tengu.send_weekly_summaries().await.unwrap().is_empty(), "not on Sunday");
    clock.advance(Duration::hours(9)); // Monday 08:30
    assert!(tengu.send_weekly_summaries().await.unwrap().is_empty(), "not before 09:00");
    clock.advance(Duration::minutes(30));
    let mut posted = tengu.send_weekly_summaries().await.unwrap();
    posted.sort();
    assert_eq!(posted, ["dev", "production"]);
    assert!(second_instance.send_weekly_summaries().await.unwrap().is_empty(), "the week is recorded as posted");
    assert!(tengu.send_weekly_summaries().await.unwrap().is_empty());

    let heard = heard.0.lock().unwrap().clone();
    let production = heard.iter().find(|n| n.env.as_ref().is_some_and(|e| e.as_str() == "production")).unwrap();
    let page = tengu
        .insights_page(
            &Viewer::trusted(Actor::System),
            &InsightsQuery {
                env: Some("production".into()),
                from: Some("2026-11-23".into()),
                to: Some("2026-11-29".into()),
                ..InsightsQuery::default()
            },
        )
        .await
        .unwrap();
    let expected = format!(
        "Last week on production (acme/shop), 2026-11-23 to 2026-11-29: {} successful deployments",
        page.now.frequency.deployments
    );
    assert!(production.text.starts_with(&expected), "{}", production.text);
    assert!(page.now.frequency.deployments > 0, "the seeded history has deployments last week");
    assert!(production.text.ends_with("http://127.0.0.1:3000/insights?env=production&from=2026-11-23&to=2026-11-29"));

    clock.advance(Duration::days(1));
    assert!(tengu.send_weekly_summaries().await.unwrap().is_empty(), "nothing more on Tuesday");
    clock.advance(Duration::days(6));
    assert_eq!(tengu.send_weekly_summaries().await.unwrap().len(), 2, "the next Monday, the next week");
    let off = start().await.with_weekly_summary(false);
    clock.advance(Duration::days(7));
    assert!(off.send_weekly_summaries().await.unwrap().is_empty(), "opt-in");
}

#[tokio::test]
async fn a_person_who_may_see_no_repository_gets_no_insights() {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 30, 0, 30, 0).unwrap()));
    let tengu = tengu_sandbox::start(store, clock, "http://127.0.0.1:3000").await.unwrap();
    let stranger = Viewer {
        actor: Actor::Person(tengu_core::domain::Login::parse("mallory").unwrap()),
        grants: Default::default(),
    };
    let refused = tengu.insights_page(&stranger, &InsightsQuery::default()).await.unwrap_err();
    assert_eq!(refused.to_string(), "you may see no repository tengu deploys");
    let named = InsightsQuery { env: Some("production".into()), ..InsightsQuery::default() };
    let refused = tengu.insights_page(&stranger, &named).await.unwrap_err();
    assert_eq!(refused.to_string(), "there is no environment production you may see", "nor one by name");
    // Nor any row of the history's CSV file, the other file people download.
    let everyone = Viewer::trusted(Actor::System);
    let all = tengu_core::views::HistoryQuery::default();
    let rows = |csv: String| csv.lines().count() - 1;
    assert!(rows(tengu.history_csv(&everyone, &all).await.unwrap()) > 0, "the sandbox has a history");
    assert_eq!(rows(tengu.history_csv(&stranger, &all).await.unwrap()), 0, "its header alone");
}
