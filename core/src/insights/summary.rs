//! The weekly summary: one message with the four keys of a week against the week before, and a link to the page.

use chrono::NaiveDate;

use super::Insights;
use crate::display::span;

/// `Last week on production (acme/shop), 2026-11-30 to 2026-12-06: …`.
pub fn weekly_summary(
    env: &str,
    repo: &str,
    days: (NaiveDate, NaiveDate),
    week: &Insights,
    before: &Insights,
    link: &str,
) -> String {
    let frequency = format!(
        "{} successful deployments ({}; {} the week before)",
        week.frequency.deployments,
        week.frequency.bucket.as_str(),
        before.frequency.deployments
    );
    let lead = match week.lead_time.median_from_commit.or(week.lead_time.median_from_merge) {
        Some(median) => format!("lead time median {}", span(median.num_seconds())),
        None => "lead time not known".to_owned(),
    };
    let rate = &week.failure_rate;
    let failures = match rate.rate {
        Some(share) => {
            format!("change failure rate {:.0} % ({} of {})", share * 100.0, rate.failed.len(), rate.deployments)
        }
        None => "no deployment finished".to_owned(),
    };
    let restore = match week.restore.median {
        Some(median) => format!("time to restore median {}", span(median.num_seconds())),
        None => "nothing to restore".to_owned(),
    };
    format!(
        "Last week on {env} ({repo}), {} to {}: {frequency} · {lead} · {failures} · {restore} — {link}",
        days.0, days.1
    )
}
