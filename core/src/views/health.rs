//! An environment's health on the overview: each service's running and desired tasks, its last rollout as ECS
//! reported it, and how old that report is.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Stamp;
use crate::domain::{ServiceHealth, ServiceName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthView {
    pub services: Vec<ServiceHealthLine>,
    /// The oldest of the reports shown (how stale the card can be), and its age in words.
    pub reported: Option<Stamp>,
    pub age: Option<String>,
    /// Some service runs fewer tasks than it asks for.
    pub degraded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceHealthLine {
    pub service: String,
    /// `2 of 3 running`, or `not reported yet`.
    pub counts: String,
    pub below_desired: bool,
    /// `completed`, `rolling out`, `failed: …`.
    pub rollout: Option<String>,
    /// `good`, `busy` or `bad`: the badge's tone.
    pub tone: String,
}

impl HealthView {
    /// The health of `services` (in the configuration's order) from the kept reports, at `now`.
    pub fn of(services: &[ServiceName], reports: &[&ServiceHealth], now: DateTime<Utc>) -> Self {
        let lines: Vec<ServiceHealthLine> = services
            .iter()
            .map(|service| match reports.iter().find(|r| &r.service == service) {
                Some(report) => ServiceHealthLine::of(report),
                None => ServiceHealthLine {
                    service: service.to_string(),
                    counts: "not reported yet".to_owned(),
                    below_desired: false,
                    rollout: None,
                    tone: "quiet".to_owned(),
                },
            })
            .collect();
        let oldest = reports.iter().filter(|r| services.contains(&r.service)).map(|r| r.reported_at).min();
        Self {
            degraded: lines.iter().any(|l| l.below_desired),
            services: lines,
            reported: oldest.map(Stamp::of),
            age: oldest.map(|at| age(now - at)),
        }
    }
}

impl ServiceHealthLine {
    fn of(report: &ServiceHealth) -> Self {
        use crate::domain::RolloutState;
        let rollout = report.rollout_state.map(|state| match (state, &report.rollout_reason) {
            (RolloutState::Failed, Some(reason)) => format!("failed: {reason}"),
            (state, _) => state.label().to_owned(),
        });
        let tone = match (report.below_desired(), report.rollout_state) {
            (true, _) | (_, Some(RolloutState::Failed)) => "bad",
            (_, Some(RolloutState::InProgress)) => "busy",
            _ => "good",
        };
        Self {
            service: report.service.to_string(),
            counts: format!("{} of {} running", report.running, report.desired),
            below_desired: report.below_desired(),
            rollout,
            tone: tone.to_owned(),
        }
    }
}

/// `just now`, `40 s ago`, `12 min ago`, `3 h ago`, `2 days ago`.
fn age(elapsed: chrono::Duration) -> String {
    let seconds = elapsed.num_seconds().max(0);
    match seconds {
        0..=4 => "just now".to_owned(),
        5..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EnvName, RolloutState};

    fn report(service: &str, running: u32, desired: u32, state: RolloutState, seconds_ago: i64) -> ServiceHealth {
        ServiceHealth {
            env: EnvName::parse("dev").unwrap(),
            service: ServiceName::parse(service).unwrap(),
            running,
            desired,
            pending: 0,
            rollout_state: Some(state),
            rollout_reason: Some("ECS deployment completed.".into()),
            reported_at: now() - chrono::Duration::seconds(seconds_ago),
        }
    }

    fn now() -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 30, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_service_below_its_desired_count_is_marked_and_the_oldest_report_dates_the_card() {
        let (web, worker) =
            (report("web", 3, 3, RolloutState::Completed, 30), report("worker", 1, 2, RolloutState::Completed, 95));
        let services = [
            ServiceName::parse("web").unwrap(),
            ServiceName::parse("worker").unwrap(),
            ServiceName::parse("cron").unwrap(),
        ];
        let view = HealthView::of(&services, &[&web, &worker], now());
        assert!(view.degraded);
        let lines: Vec<_> =
            view.services.iter().map(|l| (l.counts.as_str(), l.below_desired, l.tone.as_str())).collect();
        assert_eq!(
            lines,
            vec![
                ("3 of 3 running", false, "good"),
                ("1 of 2 running", true, "bad"),
                ("not reported yet", false, "quiet")
            ]
        );
        assert_eq!(view.services[0].rollout.as_deref(), Some("completed"));
        assert_eq!(view.age.as_deref(), Some("1 min ago"));
        let failed = ServiceHealth {
            rollout_reason: Some("tasks failed to start".into()),
            ..report("web", 3, 3, RolloutState::Failed, 2)
        };
        let view = HealthView::of(&services[..1], &[&failed], now());
        assert_eq!(view.services[0].rollout.as_deref(), Some("failed: tasks failed to start"));
        assert_eq!(
            (view.services[0].tone.as_str(), view.age.as_deref(), view.degraded),
            ("bad", Some("just now"), false)
        );
    }
}
