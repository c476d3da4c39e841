//! The weekly summary of the insights, posted to each environment's channel on Monday between 09:00 and the next
//! day's 09:00 in the team's time, once per week and environment (the week posted is recorded, so a restart or a
//! second instance does not post it again).

use chrono::{Datelike, Duration, NaiveDate};

use crate::domain::Environment;
use crate::error::CoreError;
use crate::insights::{Period, midnight, weekly_summary};
use crate::ports::Notice;
use crate::tengu::Tengu;

/// The hour of Monday from which last week's summary goes out.
const POSTED_FROM_HOUR: i64 = 9;

impl Tengu {
    /// Posts last week's summary for each environment that has not had it; the environments it was posted for.
    pub async fn send_weekly_summaries(&self) -> Result<Vec<String>, CoreError> {
        if !self.settings.weekly_summary {
            return Ok(Vec::new());
        }
        let offset = self.settings.reminders.offset();
        let now = self.ports.clock.now();
        let today = now.with_timezone(&offset).date_naive();
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let at = |day: NaiveDate, hour: i64| midnight(day, offset).map(|t| t + Duration::hours(hour));
        let (Some(due), Some(from), Some(to)) =
            (at(monday, POSTED_FROM_HOUR), at(monday - Duration::days(7), 0), at(monday, 0))
        else {
            return Ok(Vec::new());
        };
        // Old news is not sent: a summary not posted within a day (every instance down) waits for the next week.
        if now < due || now >= due + Duration::days(1) {
            return Ok(Vec::new());
        }
        let week = Period { from, to, offset };
        let mut posted = Vec::new();
        for env in &self.settings.environments {
            if self.post_weekly_summary(env, week, monday).await? {
                posted.push(env.name.to_string());
            }
        }
        Ok(posted)
    }

    async fn post_weekly_summary(&self, env: &Environment, week: Period, monday: NaiveDate) -> Result<bool, CoreError> {
        let key = format!("weekly-summary:{}", env.name);
        let store = &self.ports.store;
        if store.load_document(&key).await?.as_deref() == Some(monday.to_string().as_str()) {
            return Ok(false);
        }
        let (now, before) = self.kept_insights(&env.name, week).await?;
        let days = (monday - Duration::days(7), monday - Duration::days(1));
        let link = format!(
            "{}/insights?env={}&from={}&to={}",
            self.settings.public_url.trim_end_matches('/'),
            env.name,
            days.0,
            days.1
        );
        let text = weekly_summary(env.name.as_str(), &env.repo.to_string(), days, &now, &before, &link);
        if let Err(error) = self.ports.notifier.notify(&Notice::about(&env.name, text)).await {
            tracing::warn!(env = %env.name, %error, "the weekly summary could not be posted; trying again later");
            return Ok(false);
        }
        store.save_document(&key, &monday.to_string()).await?;
        Ok(true)
    }
}
