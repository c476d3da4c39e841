//! A hand-made history of one environment, and every number worked out by hand beside it (in the comments): the
//! four keys, where the time goes, and the edge cases (a change carried again, a change delivered before the
//! period, a rollback of a rollback, a deployment that carried nothing new, a revert, a day that is another date
//! in the team's time zone, an aborted and a rejected deployment).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

use super::*;
use crate::domain::{DeploymentState as S, Trigger as T};

/// 2026-`month`-`day` `hour`:`minute` UTC.
fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0).unwrap()
}

type Times = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A source PR with its first commit, merge, listing and tick.
fn pr(
    number: u32,
    title: &str,
    author: &str,
    (first_commit_at, merged_at, listed_at, verified_at): Times,
) -> ChangeFact {
    ChangeFact {
        key: ChangeKey::Pr(number),
        title: title.to_owned(),
        author: Some(author.to_owned()),
        first_commit_at,
        merged_at,
        listed_at,
        verified_at,
    }
}

fn deploy(
    id: i64,
    trigger: T,
    state: S,
    requested: DateTime<Utc>,
    finished: DateTime<Utc>,
    changes: Vec<ChangeFact>,
) -> DeployFact {
    DeployFact { id, trigger, state, requested_at: requested, finished_at: Some(finished), changes }
}

fn history() -> Vec<DeployFact> {
    let none = (None, None, None, None);
    let cart = pr(
        11,
        "Cart",
        "alice",
        (Some(at(10, 31, 0, 20)), Some(at(11, 1, 0, 20)), Some(at(11, 1, 6, 20)), Some(at(11, 1, 12, 20))),
    );
    let search = pr(
        12,
        "Search",
        "bob",
        (Some(at(11, 1, 16, 0)), Some(at(11, 2, 16, 0)), Some(at(11, 2, 22, 0)), Some(at(11, 3, 10, 0))),
    );
    let coupons = pr(
        13,
        "Coupons",
        "carol",
        (Some(at(11, 4, 2, 30)), Some(at(11, 4, 20, 30)), Some(at(11, 4, 21, 30)), Some(at(11, 5, 1, 30))),
    );
    let reviews = pr(
        14,
        "Reviews",
        "dave",
        (Some(at(11, 2, 5, 40)), Some(at(11, 8, 5, 40)), Some(at(11, 8, 6, 40)), Some(at(11, 9, 4, 40))),
    );
    let revert_coupons = pr(
        15,
        "Revert \"Coupons\"",
        "erin",
        (Some(at(11, 9, 3, 40)), Some(at(11, 9, 4, 40)), Some(at(11, 9, 4, 40)), Some(at(11, 9, 5, 10))),
    );
    let wishlist = pr(
        16,
        "Wishlist",
        "alice",
        (Some(at(11, 9, 0, 30)), Some(at(11, 9, 12, 30)), Some(at(11, 9, 13, 30)), Some(at(11, 9, 23, 30))),
    );
    let revert_wishlist = pr(
        17,
        "Revert \"Wishlist\"",
        "alice",
        (Some(at(11, 10, 5, 0)), Some(at(11, 10, 5, 30)), Some(at(11, 10, 5, 30)), Some(at(11, 10, 6, 0))),
    );
    let typo = ChangeFact {
        key: ChangeKey::Commit("abc1234".into()),
        title: "Fix typo".into(),
        author: Some("frank".into()),
        first_commit_at: Some(at(11, 15, 13, 50)),
        merged_at: None,
        listed_at: Some(at(11, 15, 14, 0)),
        verified_at: None,
    };
    vec![
        // Before the period: PR 10 reaches the environment here, so carrying it again later counts nothing.
        deploy(1, T::Merge, S::Succeeded, at(10, 30, 1, 0), at(10, 30, 1, 10), vec![pr(10, "Old", "bob", none)]),
        deploy(2, T::Merge, S::Succeeded, at(11, 2, 0, 0), at(11, 2, 0, 20), vec![cart, pr(10, "Old", "bob", none)]),
        deploy(3, T::Button, S::Failed, at(11, 3, 14, 0), at(11, 3, 14, 30), vec![search.clone()]),
        // Finishes on 3 November in UTC, on 4 November in Tokyo (+09:00), the team's day.
        deploy(4, T::Merge, S::Succeeded, at(11, 3, 15, 30), at(11, 3, 16, 0), vec![search]),
        deploy(5, T::Merge, S::Succeeded, at(11, 5, 2, 0), at(11, 5, 2, 30), vec![coupons]),
        // A rollback 30 minutes later (carrying nothing new), then a rollback of that rollback.
        deploy(6, T::Rollback, S::Succeeded, at(11, 5, 3, 0), at(11, 5, 3, 10), vec![]),
        deploy(7, T::Rollback, S::Succeeded, at(11, 5, 4, 0), at(11, 5, 4, 5), vec![]),
        deploy(8, T::Merge, S::RolledBack, at(11, 9, 1, 0), at(11, 9, 1, 40), vec![reviews.clone()]),
        // Reverts Coupons, but four days after its deployment: outside the 24 h window.
        deploy(9, T::Merge, S::Succeeded, at(11, 9, 5, 0), at(11, 9, 5, 40), vec![reviews, revert_coupons]),
        deploy(10, T::Merge, S::Succeeded, at(11, 10, 0, 0), at(11, 10, 0, 30), vec![wishlist]),
        deploy(11, T::Merge, S::Succeeded, at(11, 10, 6, 0), at(11, 10, 6, 30), vec![revert_wishlist]),
        deploy(12, T::Redeploy, S::Aborted, at(11, 12, 0, 0), at(11, 12, 0, 5), vec![]),
        deploy(13, T::Merge, S::Rejected, at(11, 12, 1, 0), at(11, 12, 2, 0), vec![]),
        // 23:50 in Tokyo on the period's last day, and 00:20 on the day after it.
        deploy(14, T::Cli, S::Succeeded, at(11, 15, 14, 0), at(11, 15, 14, 50), vec![typo]),
        deploy(
            15,
            T::Merge,
            S::Succeeded,
            at(11, 15, 15, 0),
            at(11, 15, 15, 20),
            vec![pr(18, "Gift cards", "bob", none)],
        ),
    ]
}

/// Two weeks of Tokyo days: 2 November 00:00 to 16 November 00:00 (+09:00).
fn period() -> Period {
    let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
    Period { from: at(11, 1, 15, 0), to: at(11, 15, 15, 0), offset: tokyo }
}

fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

fn computed() -> Insights {
    let mut shuffled = history();
    shuffled.reverse();
    insights(&shuffled, period(), InsightRules::default())
}

#[test]
fn deployment_frequency_counts_successes_on_the_teams_days() {
    let frequency = computed().frequency;
    // 2, 4, 5, 6, 7, 9, 10, 11, 14: nine successes (the rollbacks count; 1 and 15 are outside, 3, 8 and 12 failed).
    assert_eq!(frequency.deployments, 9);
    assert_eq!(frequency.days.len(), 14);
    let day = |d: u32| frequency.days.iter().find(|c| c.day == NaiveDate::from_ymd_opt(2026, 11, d).unwrap()).unwrap();
    assert_eq!(day(2).deployments, [2]);
    assert!(day(3).deployments.is_empty(), "4 finished on the 3rd in UTC but the 4th in Tokyo");
    assert_eq!(day(4).deployments, [4]);
    assert_eq!(day(5).deployments, [5, 6, 7]);
    assert_eq!(day(10).deployments, [10, 11]);
    assert_eq!(day(15).deployments, [14]);
    // Week 1 (2-8 November): 5 deployments on 3 days; week 2 (9-15): 4 on 3 days. Median 3 days: daily.
    let weeks: Vec<(usize, usize)> = frequency.weeks.iter().map(|w| (w.deployments, w.deploy_days)).collect();
    assert_eq!(weeks, [(5, 3), (4, 3)]);
    assert_eq!(frequency.bucket, FrequencyBucket::Daily);
    assert!((frequency.per_day - 9.0 / 14.0).abs() < 1e-9);
}

#[test]
fn lead_time_counts_each_change_once_at_its_first_delivery() {
    let lead = computed().lead_time;
    let delivered: Vec<(i64, ChangeKey)> = lead.samples.iter().map(|s| (s.deployment, s.change.clone())).collect();
    let pr = ChangeKey::Pr;
    let expected = [
        (2, pr(11)),
        (4, pr(12)),
        (5, pr(13)),
        (9, pr(14)),
        (9, pr(15)),
        (10, pr(16)),
        (11, pr(17)),
        (14, ChangeKey::Commit("abc1234".into())),
    ];
    assert_eq!(delivered, expected, "PR 10 reached the environment before the period; 3 and 8 delivered nothing");
    // From the first commit: 48, 48, 24, 168, 2, 24, 1.5 and 1 hours. Sorted 1, 1.5, 2, 24, 24, 48, 48, 168:
    // the median is between the 4th and 5th (24 h), the 90th percentile at rank 6.3: 48 + 0.3 × 120 = 84 h.
    assert_eq!(lead.median_from_commit, Some(hours(24)));
    assert_eq!(lead.p90_from_commit, Some(hours(84)));
    assert_eq!(lead.bucket, Some(DurationBucket::UnderAWeek), "24 h is not under a day");
    // From the merge (the typo fix has none): 24, 24, 6, 24, 1, 12, 1. Sorted 1, 1, 6, 12, 24, 24, 24.
    assert_eq!(lead.median_from_merge, Some(hours(12)));
    assert_eq!(lead.p90_from_merge, Some(hours(24)));
}

#[test]
fn where_the_time_goes_per_stage_and_per_author() {
    let stages = computed().stages;
    let waits: Vec<(Stage, Option<Duration>, Option<Duration>, usize)> =
        stages.waits.iter().map(|w| (w.stage, w.median, w.p90, w.changes)).collect();
    assert_eq!(
        waits,
        [
            // 6, 6, 1, 1, 0, 1, 0 h: sorted 0, 0, 1, 1, 1, 6, 6; rank 5.4 of them is 6.
            (Stage::MergedToListed, Some(hours(1)), Some(hours(6)), 7),
            // 6, 12, 4, 22, 0.5, 10, 0.5 h: sorted 0.5, 0.5, 4, 6, 10, 12, 22; rank 5.4: 12 + 0.4 × 10 = 16.
            (Stage::ListedToVerified, Some(hours(6)), Some(hours(16)), 7),
            // 12, 6, 1, 1, 0.5, 1, 0.5 h: sorted 0.5, 0.5, 1, 1, 1, 6, 12; rank 5.4: 6 + 0.4 × 6 = 8.4.
            (Stage::VerifiedToDeployed, Some(hours(1)), Some(Duration::minutes(504)), 7),
        ]
    );
    assert_eq!(stages.slowest, Some(Stage::ListedToVerified));
    let authors: Vec<(&str, Duration, usize)> =
        stages.verification_by_author.iter().map(|a| (a.author.as_str(), a.median, a.changes)).collect();
    // alice: 6, 10 and 0.5 h (median 6); frank's typo fix was never ticked.
    let expected = [
        ("dave", hours(22)),
        ("bob", hours(12)),
        ("alice", hours(6)),
        ("carol", hours(4)),
        ("erin", Duration::minutes(30)),
    ];
    assert_eq!(authors, expected.map(|(a, d)| (a, d, if a == "alice" { 3 } else { 1 })));
}

#[test]
fn failures_include_rollbacks_of_rollbacks_and_reverts_in_the_window() {
    let rate = computed().failure_rate;
    // Finished in the period: 2-12 and 14 but the rejected 13: twelve deployments.
    assert_eq!(rate.deployments, 12);
    let failed = [
        (3, FailureKind::Failed),
        (5, FailureKind::ReplacedByRollback(6)),
        (6, FailureKind::ReplacedByRollback(7)),
        (8, FailureKind::RolledBack),
        (10, FailureKind::ReplacedByRevert(11)),
    ];
    assert_eq!(rate.failed, failed);
    assert!((rate.rate.unwrap() - 5.0 / 12.0).abs() < 1e-9);
    assert_eq!(rate.bucket, Some("31-45%"));
}

#[test]
fn time_to_restore_runs_to_the_next_success_or_the_replacement() {
    let restore = computed().restore;
    let found: Vec<(i64, Option<i64>, Option<Duration>)> =
        restore.restorations.iter().map(|r| (r.failed, r.by, r.took)).collect();
    let minutes = |m: i64| Some(Duration::minutes(m));
    assert_eq!(
        found,
        [
            (3, Some(4), minutes(90)),
            (5, Some(6), minutes(40)),
            (6, Some(7), minutes(55)),
            (8, Some(9), minutes(240)),
            (10, Some(11), minutes(360))
        ]
    );
    // 40, 55, 90, 240, 360 minutes: the median is 90.
    assert_eq!(restore.median, minutes(90));
    assert_eq!(restore.bucket, Some(DurationBucket::UnderADay));
}

#[test]
fn the_previous_period_is_as_long_and_ends_where_this_one_starts() {
    let previous = period().previous();
    assert_eq!((previous.from, previous.to), (at(10, 18, 15, 0), at(11, 1, 15, 0)));
    let before = insights(&history(), previous, InsightRules::default());
    assert_eq!(before.frequency.deployments, 1);
    assert_eq!(before.frequency.bucket, FrequencyBucket::Yearly, "one deployment in two weeks, no whole month");
    assert_eq!(before.lead_time.median_from_commit, None, "PR 10's times were not recorded");
    assert_eq!(before.failure_rate.rate, Some(0.0));
    assert_eq!(before.restore.median, None);
}

#[test]
fn a_rollback_counts_against_a_success_only_while_that_success_is_the_newest() {
    let mut rolled_back_later = history();
    // A success (16) between 7 and a rollback (17) 2 hours after 7: the rollback goes back from 16, not from 7.
    rolled_back_later.push(deploy(16, T::Button, S::Succeeded, at(11, 5, 5, 0), at(11, 5, 5, 30), vec![]));
    rolled_back_later.push(deploy(17, T::Rollback, S::Succeeded, at(11, 5, 6, 0), at(11, 5, 6, 10), vec![]));
    let rate = insights(&rolled_back_later, period(), InsightRules::default()).failure_rate;
    assert!(!rate.failed.iter().any(|(id, _)| *id == 7), "{:?}", rate.failed);
    assert!(rate.failed.contains(&(16, FailureKind::ReplacedByRollback(17))));
    let narrow = InsightRules { replaced_within: Duration::minutes(20) };
    let rate = insights(&history(), period(), narrow).failure_rate;
    assert!(!rate.failed.iter().any(|(id, _)| *id == 5), "6 came 30 minutes after 5: outside 20 minutes");
}
