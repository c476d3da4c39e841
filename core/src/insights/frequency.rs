//! Deployment frequency. A successful deployment counts on the team's day of its finish (`Period::offset`), when
//! that finish is in the period; redeploys and rollbacks that succeed count too, as in fourkeys (each is a change
//! to production). The period is cut into whole 7-day weeks and 30-day months from its first day (a shorter rest
//! is left out of the medians). The bucket, as fourkeys': daily when the median week has deployments on 3 days
//! or more, weekly when on 1 or more, monthly when the median month has at least one deployment, else yearly.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Period;
use super::stats::percentile;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    pub day: NaiveDate,
    /// The successful deployments that finished that day, oldest first.
    pub deployments: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekCount {
    pub first_day: NaiveDate,
    pub deployments: usize,
    /// On how many of its days something was deployed.
    pub deploy_days: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrequencyBucket {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl FrequencyBucket {
    pub fn as_str(self) -> &'static str {
        match self {
            FrequencyBucket::Daily => "daily",
            FrequencyBucket::Weekly => "weekly",
            FrequencyBucket::Monthly => "monthly",
            FrequencyBucket::Yearly => "yearly",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Frequency {
    /// Successful deployments in the period.
    pub deployments: usize,
    /// Every day of the period, with none where nothing was deployed.
    pub days: Vec<DayCount>,
    pub weeks: Vec<WeekCount>,
    /// Deployments per day over the whole period.
    pub per_day: f64,
    pub bucket: FrequencyBucket,
}

/// `by_day`: the successful deployments of each of the team's days.
pub(super) fn frequency(mut by_day: BTreeMap<NaiveDate, Vec<i64>>, period: Period) -> Frequency {
    let (first, last) = period.days();
    let days: Vec<DayCount> = first
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|day| DayCount { day, deployments: by_day.remove(&day).unwrap_or_default() })
        .collect();
    let weeks: Vec<WeekCount> = days
        .chunks_exact(7)
        .map(|week| WeekCount {
            first_day: week[0].day,
            deployments: week.iter().map(|d| d.deployments.len()).sum(),
            deploy_days: week.iter().filter(|d| !d.deployments.is_empty()).count(),
        })
        .collect();
    let months: Vec<f64> =
        days.chunks_exact(30).map(|month| month.iter().map(|d| d.deployments.len()).sum::<usize>() as f64).collect();
    let deployments = days.iter().map(|d| d.deployments.len()).sum();
    let week_days: Vec<f64> = weeks.iter().map(|w| w.deploy_days as f64).collect();
    let median_week = percentile(&week_days, 0.5).unwrap_or(0.0);
    let bucket = if median_week >= 3.0 {
        FrequencyBucket::Daily
    } else if median_week >= 1.0 {
        FrequencyBucket::Weekly
    } else if percentile(&months, 0.5).unwrap_or(0.0) >= 1.0 {
        FrequencyBucket::Monthly
    } else {
        FrequencyBucket::Yearly
    };
    let per_day = if days.is_empty() { 0.0 } else { deployments as f64 / days.len() as f64 };
    Frequency { deployments, days, weeks, per_day, bucket }
}
